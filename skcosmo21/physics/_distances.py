r"""Comoving distance and its inverse, with the radiation content py21cmfast's distances assume.

py21cmfast turns the comoving distance of every lightcone cell into a redshift with an astropy
cosmology: Planck 2015's radiation content (:math:`T_\mathrm{CMB} = 2.7255` K, three neutrino
species of masses 0, 0 and 0.06 eV, :math:`N_\mathrm{eff} = 3.046` in 3.x, 3.044 in 4.x) cloned
with the file's :math:`h`, :math:`\Omega_m` and :math:`\Omega_b` (``CosmoParams.cosmo`` in
py21cmfast 3.4 ``inputs.py`` and 4.3 ``wrapper/inputs.py``). The radiation matters: at
:math:`z \approx 8` leaving it (mostly the massive neutrinos' :math:`\Omega_\nu h^2 \approx 6
\times 10^{-4}`) out of :math:`H(z)` shifts the redshift of a given distance by ~0.05, five cells
of a 3 Mpc lightcone. :func:`~skcosmo21.physics.hubble_ratio` neglects radiation, which is
right for the growth factor but not here, so this module has its own expansion rate.

The expansion rate follows astropy's ``FLRW`` (``astropy/cosmology/_src/flrw/base.py``:
``Ogamma0``, ``nu_relative_density`` with the massive-neutrino fitting formula of Komatsu et
al. 2011, ApJS 192, 18, eq. 26). astropy is not a dependency of skcosmo21, and the formulas are
a few lines; ``tests/physics/test_distances.py`` checks them against astropy where it is
installed.
"""

import math

import numpy as np

__all__ = [
    "PLANCK15_NEUTRINO_MASSES",
    "comoving_distance",
    "hubble_ratio_with_radiation",
    "redshift_at_comoving_distance",
]

#: Speed of light in km/s.
_C_KM_S = 299792.458
#: Stefan–Boltzmann constant (W m^-2 K^-4), Newton's constant (m^3 kg^-1 s^-2), the megaparsec
#: (m) and Boltzmann's constant (eV/K), CODATA 2018 as astropy uses them.
_SIGMA_SB = 5.670374419e-8
_G_NEWTON = 6.67430e-11
_MPC_M = 3.0856775814913673e22
_K_B_EV = 8.617333262e-5
#: Neutrino to photon temperature today, (4/11)^(1/3).
_T_NU_OVER_T_CMB = (4.0 / 11.0) ** (1.0 / 3.0)
#: Energy density of one massless neutrino species per photon density, 7/8 (4/11)^(4/3).
_NU_PER_PHOTON = 0.22710731766
#: Fitting constants of Komatsu et al. (2011), eq. 26.
_KOMATSU_P = 1.83
_KOMATSU_K = 0.3173

#: Neutrino masses in eV of astropy's Planck15, which py21cmfast's cosmologies inherit.
PLANCK15_NEUTRINO_MASSES = (0.0, 0.0, 0.06)
#: Largest redshift :func:`redshift_at_comoving_distance` searches.
_Z_MAX = 1.0e4
#: Gauss–Legendre nodes of the distance integral in ln(1 + z); the integrand is smooth, so 96
#: nodes reach ~1e-10 (checked against astropy in the tests).
_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(96)


def _photon_density(cosmo, t_cmb):
    # Omega_gamma = (4 sigma / c^3) T^4 / rho_crit, rho_crit = 3 H0^2 / (8 pi G), in SI.
    h0 = cosmo.hlittle * 1.0e5 / _MPC_M
    rho_crit = 3.0 * h0**2 / (8.0 * math.pi * _G_NEWTON)
    radiation_constant = 4.0 * _SIGMA_SB / (_C_KM_S * 1.0e3) ** 3
    return radiation_constant * t_cmb**4 / rho_crit


def _neutrino_per_photon(z, t_cmb, n_eff, neutrino_masses):
    # Neutrino over photon energy density; each massive species interpolates between the
    # relativistic (1) and non-relativistic (~ m / T) limits with Komatsu et al.'s formula.
    n_species = math.floor(n_eff)
    masses = np.asarray(neutrino_masses, dtype=float)
    if masses.ndim != 1 or len(masses) != n_species or (masses < 0).any():
        raise ValueError(
            f"neutrino_masses must be {n_species} non-negative masses in eV for n_eff={n_eff}, "
            f"got {neutrino_masses!r}"
        )
    massive = masses[masses > 0]
    y = massive / (_K_B_EV * _T_NU_OVER_T_CMB * t_cmb)
    y_now = y / (1.0 + np.expand_dims(z, -1))
    relative = (1.0 + (_KOMATSU_K * y_now) ** _KOMATSU_P) ** (1.0 / _KOMATSU_P)
    total = relative.sum(-1) + (n_species - len(massive))
    return _NU_PER_PHOTON * (n_eff / n_species) * total


def hubble_ratio_with_radiation(
    z, cosmo, *, t_cmb=2.7255, n_eff=3.046, neutrino_masses=PLANCK15_NEUTRINO_MASSES
):
    r"""Dimensionless expansion rate of flat ΛCDM with photons and (massive) neutrinos.

    .. math::

        E^2(z) = \Omega_m (1+z)^3 + \Omega_\gamma (1+z)^4 \left[1 + f_\nu(z)\right]
        + \Omega_\Lambda,
        \qquad \Omega_\Lambda = 1 - \Omega_m - \Omega_\gamma \left[1 + f_\nu(0)\right],

    where :math:`\Omega_\gamma \propto T_\mathrm{CMB}^4` and :math:`f_\nu` is the neutrino to
    photon density ratio (astropy's ``nu_relative_density``). :math:`\Omega_m` is the
    cosmology's ``omega_m`` and excludes the neutrinos, as astropy's ``Om0`` does.

    Parameters
    ----------
    z : float or array-like
        Redshift.
    cosmo : Cosmology
        Its ``hlittle`` and ``omega_m`` are used.
    t_cmb : float, default=2.7255
        CMB temperature today in K (astropy's Planck15).
    n_eff : float, default=3.046
        Effective number of neutrino species (3.046 in py21cmfast 3.x, 3.044 in 4.x).
    neutrino_masses : sequence of float, default=(0.0, 0.0, 0.06)
        Mass of each of the ``floor(n_eff)`` species in eV.

    Returns
    -------
    E : ndarray
        :math:`H(z)/H_0`.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology
    >>> from skcosmo21.physics._distances import hubble_ratio_with_radiation
    >>> float(hubble_ratio_with_radiation(0.0, Cosmology()))
    1.0
    """
    z = np.asarray(z, dtype=float)
    photons = _photon_density(cosmo, t_cmb)
    radiation_now = photons * (1.0 + _neutrino_per_photon(0.0, t_cmb, n_eff, neutrino_masses))
    radiation = photons * (1.0 + _neutrino_per_photon(z, t_cmb, n_eff, neutrino_masses))
    dark_energy = 1.0 - cosmo.omega_m - radiation_now
    return np.sqrt(cosmo.omega_m * (1.0 + z) ** 3 + radiation * (1.0 + z) ** 4 + dark_energy)


def comoving_distance(z, cosmo, **radiation):
    r"""Line-of-sight comoving distance :math:`D_C(z) = (c/H_0)\int_0^z dz'/E(z')` in Mpc.

    Parameters
    ----------
    z : float or array-like
        Redshift, :math:`0 \le z \le 10^4`.
    cosmo : Cosmology
        Its ``hlittle`` and ``omega_m`` are used.
    **radiation
        ``t_cmb``, ``n_eff``, ``neutrino_masses`` of :func:`hubble_ratio_with_radiation`.

    Returns
    -------
    distance : ndarray
        Comoving distance in Mpc (not Mpc/h).

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology
    >>> from skcosmo21.physics._distances import comoving_distance
    >>> round(float(comoving_distance(7.0, Cosmology())), 1)
    8811.8
    """
    z = np.asarray(z, dtype=float)
    if np.any(~np.isfinite(z)) or np.any(z < 0) or np.any(z > _Z_MAX):
        raise ValueError(f"redshifts must be finite and in [0, {_Z_MAX:g}]")
    # In u = ln(1 + z) the integrand (1 + z)/E(z) varies slowly at every redshift.
    # Gauss–Legendre on [0, u] for every z at once: nodes u/2 (x + 1), weights u/2 w.
    half = np.log1p(z)[..., None] / 2.0
    nodes = np.expm1(half * (_GAUSS_NODES + 1.0))
    integrand = (1.0 + nodes) / hubble_ratio_with_radiation(nodes, cosmo, **radiation)
    return _C_KM_S / (100.0 * cosmo.hlittle) * (half * _GAUSS_WEIGHTS * integrand).sum(-1)


def redshift_at_comoving_distance(distance, cosmo, **radiation):
    """Redshift whose comoving distance is ``distance``: the inverse of :func:`comoving_distance`.

    Newton's method from an interpolated first guess; converges to ~1e-12 in redshift.

    Parameters
    ----------
    distance : float or array-like
        Comoving distance in Mpc, non-negative and below the distance to z = 10^4.
    cosmo : Cosmology
        Its ``hlittle`` and ``omega_m`` are used.
    **radiation
        ``t_cmb``, ``n_eff``, ``neutrino_masses`` of :func:`hubble_ratio_with_radiation`.

    Returns
    -------
    z : ndarray
        Redshift of each distance.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology
    >>> from skcosmo21.physics._distances import (
    ...     comoving_distance, redshift_at_comoving_distance)
    >>> cosmo = Cosmology()
    >>> round(float(redshift_at_comoving_distance(comoving_distance(7.5, cosmo), cosmo)), 10)
    7.5
    """
    distance = np.asarray(distance, dtype=float)
    if distance.size == 0:
        return np.zeros(distance.shape)
    horizon = float(comoving_distance(_Z_MAX, cosmo, **radiation))
    if np.any(~np.isfinite(distance)) or np.any(distance < 0) or np.any(distance >= horizon):
        raise ValueError(
            f"comoving distances must be finite and in [0, {horizon:.1f}) Mpc (z < {_Z_MAX:g})"
        )
    # First guess from a table uniform in log(1 + z), then Newton: dD/dz = (c/H0) / E(z).
    z_table = np.minimum(np.expm1(np.linspace(0.0, math.log1p(_Z_MAX), 2049)), _Z_MAX)
    z = np.interp(distance, comoving_distance(z_table, cosmo, **radiation), z_table)
    hubble_distance = _C_KM_S / (100.0 * cosmo.hlittle)
    for _ in range(20):
        residual = comoving_distance(z, cosmo, **radiation) - distance
        step = residual * hubble_ratio_with_radiation(z, cosmo, **radiation) / hubble_distance
        z = np.clip(z - step, 0.0, _Z_MAX)
        if np.all(np.abs(step) <= 1e-12 * (1.0 + z)):
            break
    return z
