r"""Background cosmology: expansion rate, linear growth and virial masses.

All lengths are comoving Mpc (not Mpc/h) and masses are :math:`M_\odot`, as in 21cmFAST.
The universe is flat ΛCDM; radiation (:math:`\Omega_r \approx 10^{-4}`) is neglected, which
changes :math:`H(z)` by less than 0.3 % for :math:`z < 20`.
"""

from dataclasses import asdict, dataclass

import numpy as np
from scipy import integrate

from ..utils._validation import check_scalar_in_range

#: Critical density today in units of :math:`h^2 M_\odot\,\mathrm{Mpc}^{-3}` (21cmFAST's RHOcrit).
RHO_CRIT_H2 = 2.775e11


@dataclass(frozen=True)
class Cosmology:
    r"""Flat ΛCDM parameters, defaulting to the Planck 2018 values that 21cmFAST 3.4 uses.

    Parameters
    ----------
    hlittle : float, default=0.6766
        Dimensionless Hubble constant :math:`h = H_0 / (100\,\mathrm{km\,s^{-1}\,Mpc^{-1}})`.
    omega_m : float, default=0.30964144154550644
        Matter density parameter today, :math:`\Omega_m`.
    omega_b : float, default=0.04897468161869667
        Baryon density parameter today, :math:`\Omega_b`.
    sigma_8 : float, default=0.8102
        RMS linear overdensity in spheres of :math:`8\,h^{-1}` Mpc today.
    n_s : float, default=0.9665
        Primordial spectral index.
    t_cmb : float, default=2.728
        CMB temperature today in K (21cmFAST's value).

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology
    >>> Cosmology().hlittle
    0.6766
    """

    hlittle: float = 0.6766
    omega_m: float = 0.30964144154550644
    omega_b: float = 0.04897468161869667
    sigma_8: float = 0.8102
    n_s: float = 0.9665
    t_cmb: float = 2.728

    def __post_init__(self):
        # A flat ΛCDM universe with matter, baryons and a CMB: outside these ranges the formulas
        # below return NaN or nonsense instead of failing.
        check_scalar_in_range(self.hlittle, "hlittle", low=0, low_inclusive=False)
        check_scalar_in_range(self.omega_m, "omega_m", low=0, high=1, low_inclusive=False)
        check_scalar_in_range(self.omega_b, "omega_b", low=0, high=self.omega_m)
        check_scalar_in_range(self.sigma_8, "sigma_8", low=0, low_inclusive=False)
        check_scalar_in_range(self.n_s, "n_s", low=0, low_inclusive=False)
        check_scalar_in_range(self.t_cmb, "t_cmb", low=0, low_inclusive=False)

    @property
    def omega_lambda(self):
        r"""Dark-energy density parameter of the flat universe, :math:`1 - \\Omega_m`."""
        return 1.0 - self.omega_m

    @property
    def mean_matter_density(self):
        r"""Mean comoving matter density :math:`\bar\rho_m` in :math:`M_\odot/\mathrm{Mpc}^3`."""
        return RHO_CRIT_H2 * self.hlittle**2 * self.omega_m

    def to_dict(self):
        """Return the parameters as a plain dict."""
        return asdict(self)


def hubble_ratio(z, cosmo):
    r"""Dimensionless expansion rate :math:`E = H/H_0 = \sqrt{\Omega_m(1+z)^3 + \Omega_\Lambda}`.

    Parameters
    ----------
    z : float or array-like
        Redshift.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    E : ndarray
        :math:`H(z)/H_0`.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, hubble_ratio
    >>> float(hubble_ratio(0.0, Cosmology()))
    1.0
    """
    z = np.asarray(z, dtype=float)
    return np.sqrt(cosmo.omega_m * (1.0 + z) ** 3 + cosmo.omega_lambda)


def omega_m_of_z(z, cosmo):
    r"""Matter density parameter at redshift z, :math:`\Omega_m(z) = \Omega_m(1+z)^3/E^2(z)`.

    Parameters
    ----------
    z : float or array-like
        Redshift.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    omega : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, omega_m_of_z
    >>> round(float(omega_m_of_z(1000.0, Cosmology())), 6)
    1.0
    """
    z = np.asarray(z, dtype=float)
    return cosmo.omega_m * (1.0 + z) ** 3 / hubble_ratio(z, cosmo) ** 2


def _growth_integral(a, cosmo):
    # I(a) = ∫_0^a da' / (a' E(a'))^3; the integrand ~ a'^{3/2} near 0, so quad is accurate.
    def integrand(x):
        return 1.0 / (x * hubble_ratio(1.0 / x - 1.0, cosmo)) ** 3

    return integrate.quad(integrand, 0.0, a, epsabs=0.0, epsrel=1e-10)[0]


def check_redshifts(z, name="z"):
    """``z`` as a float array, or ``ValueError`` unless every value is finite and above -1."""
    values = np.asarray(z)
    if values.dtype.kind not in "iuf":  # not strings, booleans, complex or objects
        raise ValueError(f"{name} must be real redshifts, got {z!r}")
    z = values.astype(float)
    if not np.all(np.isfinite(z)) or np.any(z <= -1):
        raise ValueError(f"{name} must be finite redshifts above -1 (1 + z > 0), got {z!r}")
    return z


def growth_factor(z, cosmo):
    r"""Linear growth factor normalised to 1 today.

    For flat ΛCDM (Heath 1977; Peebles 1980, Eq. 10.12) the growing mode is

    .. math:: D(a) \propto E(a) \int_0^a \frac{da'}{[a' E(a')]^3},

    divided here by its value at :math:`a = 1`.

    Parameters
    ----------
    z : float or array-like
        Redshift(s).
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    D : ndarray
        Growth factor, same shape as ``z``.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, growth_factor
    >>> eds = Cosmology(omega_m=1.0)
    >>> round(float(growth_factor(9.0, eds)), 6)  # D = a in Einstein-de Sitter
    0.1
    """
    z = check_redshifts(z)
    today = _growth_integral(1.0, cosmo)
    values = [
        hubble_ratio(zi, cosmo) * _growth_integral(1.0 / (1.0 + zi), cosmo) / today
        for zi in z.ravel()
    ]
    return np.asarray(values).reshape(z.shape)


def growth_factor_fit(z, cosmo, omega_r=8.6e-5):
    r"""Linear growth factor from the fit 21cmFAST uses (its ``dicke``), normalised to 1 today.

    Carroll, Press & Turner (1992), in the form of Liddle et al. (1996, Eqs. 6–8) that
    21cmFAST 3.4 evaluates (``UsefulFunctions.c``), with radiation in :math:`\Omega_m(z)`:

    .. math:: D(z) = \frac{g(\Omega_m(z))}{g(\Omega_m)\,(1+z)},\quad
       g(\Omega) = \frac{5\Omega/2}{1/70 + \Omega(209-\Omega)/140 + \Omega^{4/7}},\quad
       \Omega_m(z) = \frac{\Omega_m(1+z)^3}{\Omega_\Lambda + \Omega_m(1+z)^3 + \Omega_r(1+z)^4}.

    It differs from :func:`growth_factor` by under 0.1 % at the redshifts of reionization, but
    the excursion set's barrier sits far in the tail of the density distribution, where that
    shifts the neutral fraction by 0.002: the simulator uses this form to follow 21cmFAST.

    Parameters
    ----------
    z : float or array-like
        Redshift(s).
    cosmo : Cosmology
        Cosmological parameters.
    omega_r : float, default=8.6e-5
        Radiation density parameter today (21cmFAST's ``OMr``).

    Returns
    -------
    D : ndarray
        Growth factor, same shape as ``z``.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, growth_factor, growth_factor_fit
    >>> c = Cosmology()
    >>> round(float(growth_factor_fit(8.0, c) / growth_factor(8.0, c)), 3)
    1.001
    """
    z = np.asarray(z, dtype=float)

    def shape(omega):
        return 2.5 * omega / (1.0 / 70.0 + omega * (209.0 - omega) / 140.0 + omega ** (4.0 / 7.0))

    matter = cosmo.omega_m * (1.0 + z) ** 3
    omega_z = matter / (cosmo.omega_lambda + matter + omega_r * (1.0 + z) ** 4)
    return shape(omega_z) / (shape(cosmo.omega_m) * (1.0 + z))


def growth_rate(z, cosmo):
    r"""Logarithmic growth rate :math:`f = d\ln D / d\ln a`.

    Differentiating :func:`growth_factor` gives exactly

    .. math:: f(a) = \frac{d\ln E}{d\ln a} + \frac{1}{a^2 E^3(a) \int_0^a da'/[a'E(a')]^3},
       \qquad \frac{d\ln E}{d\ln a} = -\frac{3}{2}\Omega_m(a).

    Parameters
    ----------
    z : float or array-like
        Redshift(s).
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    f : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, growth_rate
    >>> round(float(growth_rate(3.0, Cosmology(omega_m=1.0))), 6)
    1.0
    """
    z = np.asarray(z, dtype=float)
    values = []
    for zi in z.ravel():
        a = 1.0 / (1.0 + zi)
        e = hubble_ratio(zi, cosmo)
        values.append(
            -1.5 * omega_m_of_z(zi, cosmo) + 1.0 / (a**2 * e**3 * _growth_integral(a, cosmo))
        )
    return np.asarray(values).reshape(z.shape)


def _overdensity_at_virialization(z, cosmo):
    # Bryan & Norman (1998) fit for flat universes: Δc = 18π² + 82d − 39d², d = Ω_m(z) − 1.
    d = omega_m_of_z(z, cosmo) - 1.0
    return 18.0 * np.pi**2 + 82.0 * d - 39.0 * d**2


def virial_temperature_to_mass(t_vir, z, cosmo, mu=None):
    r"""Halo mass with virial temperature ``t_vir`` at redshift ``z`` (Barkana & Loeb 2001).

    Inverts Barkana & Loeb (2001), Eq. 26,

    .. math:: T_\mathrm{vir} = 1.98\times10^4\,\frac{\mu}{0.6}
       \left(\frac{M}{10^8 h^{-1} M_\odot}\right)^{2/3}
       \left[\frac{\Omega_m}{\Omega_m(z)}\frac{\Delta_c}{18\pi^2}\right]^{1/3}
       \frac{1+z}{10}\ \mathrm{K},

    with :math:`\Delta_c` from Bryan & Norman (1998). The mean molecular weight is
    :math:`\mu = 0.6` (ionized gas) for :math:`T_\mathrm{vir} \ge 10^4` K and 1.22 (neutral)
    below, as 21cmFAST 3.4's ``IonisationBox.c`` passes to its ``TtoM``.

    Parameters
    ----------
    t_vir : float
        Virial temperature in K.
    z : float or array-like
        Redshift.
    cosmo : Cosmology
        Cosmological parameters.
    mu : float, optional
        Mean molecular weight; chosen from ``t_vir`` when omitted.

    Returns
    -------
    mass : ndarray
        Halo mass in :math:`M_\odot`.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, virial_temperature_to_mass
    >>> m = virial_temperature_to_mass(5e4, 8.0, Cosmology())
    >>> 1e9 < float(m) < 2e9
    True
    """
    if mu is None:
        mu = 0.6 if t_vir >= 9.99999e3 else 1.22
    z = np.asarray(z, dtype=float)
    ratio = cosmo.omega_m / omega_m_of_z(z, cosmo) * _overdensity_at_virialization(z, cosmo)
    ratio = ratio / (18.0 * np.pi**2)
    scale = t_vir / (1.98e4 * (mu / 0.6) * ratio ** (1.0 / 3.0) * (1.0 + z) / 10.0)
    return 1e8 / cosmo.hlittle * scale**1.5


def mass_to_radius(mass, cosmo):
    r"""Lagrangian top-hat radius :math:`R = (3M / 4\pi\bar\rho_m)^{1/3}` in comoving Mpc.

    Parameters
    ----------
    mass : float or array-like
        Mass in :math:`M_\odot`.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    radius : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, mass_to_radius, radius_to_mass
    >>> c = Cosmology()
    >>> round(float(mass_to_radius(radius_to_mass(5.0, c), c)), 10)
    5.0
    """
    return (3.0 * np.asarray(mass, dtype=float) / (4.0 * np.pi * cosmo.mean_matter_density)) ** (
        1.0 / 3.0
    )


def radius_to_mass(radius, cosmo):
    r"""Mass in a comoving top-hat sphere, :math:`M = \frac{4\pi}{3} R^3 \bar\rho_m`.

    Parameters
    ----------
    radius : float or array-like
        Radius in comoving Mpc.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    mass : ndarray
        Mass in :math:`M_\odot`.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, radius_to_mass
    >>> f"{float(radius_to_mass(1.0, Cosmology())):.3e}"
    '1.647e+11'
    """
    return 4.0 * np.pi / 3.0 * np.asarray(radius, dtype=float) ** 3 * cosmo.mean_matter_density
