r"""Geometry of a 21-cm observation: the line's frequency, depth per MHz, the foreground wedge.

These convert between what a radio telescope measures (frequency, angle, baseline length in
wavelengths) and the comoving box of a simulation. Lengths are comoving Mpc (not Mpc/h), as in
the rest of :mod:`skcosmo21.physics`. The background is that of the comoving distances of
:mod:`skcosmo21.physics._distances` (:func:`comoving_distance`): flat ΛCDM with the photons and
neutrinos of astropy's Planck15, the content py21cmfast's lightcones and 21cmSense assume, so
:math:`H(z)` here is :func:`~skcosmo21.physics._distances.hubble_ratio_with_radiation`
(radiation raises it by ~0.4 % at z = 8 over the simulator's :func:`hubble_ratio`).
"""

import numpy as np

from ._cosmology import check_redshifts
from ._distances import comoving_distance, hubble_ratio_with_radiation

__all__ = [
    "LINE_FREQUENCY_MHZ",
    "frequency_to_redshift",
    "hubble_parameter",
    "line_of_sight_distance_per_frequency",
    "redshift_to_frequency",
    "wedge_slope",
]

#: Rest frequency of the 21-cm hyperfine line of neutral hydrogen, in MHz.
LINE_FREQUENCY_MHZ = 1420.405751768
#: Speed of light in km/s.
SPEED_OF_LIGHT_KM_S = 299792.458


def redshift_to_frequency(z):
    r"""Observed frequency of the 21-cm line emitted at redshift ``z``, :math:`\nu_{21}/(1+z)`.

    Parameters
    ----------
    z : float or array-like
        Redshift.

    Returns
    -------
    frequency : ndarray
        In MHz.

    Examples
    --------
    >>> from skcosmo21.physics import redshift_to_frequency
    >>> round(float(redshift_to_frequency(8.0)), 3)
    157.823
    """
    return LINE_FREQUENCY_MHZ / (1.0 + check_redshifts(z))


def frequency_to_redshift(frequency):
    r"""Redshift at which the 21-cm line is observed at ``frequency``, :math:`\nu_{21}/\nu - 1`.

    Parameters
    ----------
    frequency : float or array-like
        Observed frequency in MHz.

    Returns
    -------
    z : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import frequency_to_redshift
    >>> round(float(frequency_to_redshift(142.0405751768)), 6)
    9.0
    """
    return LINE_FREQUENCY_MHZ / np.asarray(frequency, dtype=float) - 1.0


def hubble_parameter(z, cosmo):
    r"""Expansion rate :math:`H(z) = 100\,h\,E(z)` in km/s/Mpc, with photons and neutrinos.

    Parameters
    ----------
    z : float or array-like
        Redshift.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    H : ndarray
        In :math:`\mathrm{km\,s^{-1}\,Mpc^{-1}}`.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, hubble_parameter
    >>> round(float(hubble_parameter(0.0, Cosmology())), 2)
    67.66
    """
    return 100.0 * cosmo.hlittle * hubble_ratio_with_radiation(z, cosmo)


def line_of_sight_distance_per_frequency(z, cosmo):
    r"""Comoving depth per unit observed frequency, :math:`Y = |dr/d\nu| = c(1+z)^2/(\nu_{21} H)`.

    Parameters
    ----------
    z : float or array-like
        Redshift.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    Y : ndarray
        In comoving Mpc per MHz.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, line_of_sight_distance_per_frequency
    >>> round(float(line_of_sight_distance_per_frequency(8.0, Cosmology())), 2)
    16.73
    """
    z = np.asarray(z, dtype=float)
    return SPEED_OF_LIGHT_KM_S * (1.0 + z) ** 2 / (LINE_FREQUENCY_MHZ * hubble_parameter(z, cosmo))


def wedge_slope(z, cosmo, angle=90.0):
    r"""Slope :math:`m` of the foreground wedge :math:`k_\parallel \le m\,k_\perp`.

    Smooth-spectrum foregrounds at angle :math:`\theta` from the phase centre leak into
    :math:`k_\parallel \le k_\perp\,\sin\theta\,D_c(z)\,H(z)/[c\,(1+z)]`
    (Datta, Bowman & Carilli 2010; Morales et al. 2012; Parsons et al. 2012;
    Liu, Parsons & Trott 2014, PRD 90, 023018), so with
    :func:`~skcosmo21.physics.comoving_distance`

    .. math:: m(z) = \frac{D_c(z)\,H(z)\,\sin\theta}{c\,(1+z)},

    with :math:`\theta = 90°` for the horizon limit, or the primary beam's half width for a
    less conservative limit.

    Parameters
    ----------
    z : float or array-like
        Redshift.
    cosmo : Cosmology
        Cosmological parameters.
    angle : float, default=90.0
        Largest angle from the phase centre of the foregrounds, in degrees (90: horizon).

    Returns
    -------
    slope : ndarray
        Dimensionless.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, wedge_slope
    >>> round(float(wedge_slope(8.0, Cosmology())), 3)
    3.458
    """
    if not 0.0 <= float(angle) <= 90.0:
        raise ValueError(f"angle must be in [0, 90] degrees, got {angle}")
    z = np.asarray(z, dtype=float)
    return (
        comoving_distance(z, cosmo)
        * hubble_parameter(z, cosmo)
        * np.sin(np.deg2rad(angle))
        / (SPEED_OF_LIGHT_KM_S * (1.0 + z))
    )
