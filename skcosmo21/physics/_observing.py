r"""Geometry of a 21-cm observation: the line's frequency, comoving distances, the foreground wedge.

These convert between what a radio telescope measures (frequency, angle, baseline length in
wavelengths) and the comoving box of a simulation. Lengths are comoving Mpc (not Mpc/h), as in
the rest of :mod:`skcosmo21.physics`; the expansion rate is :func:`hubble_ratio` of the flat
ΛCDM :class:`Cosmology` without radiation, the same background the simulator uses, so a box and
its observation share one geometry. (Radiation would change :math:`H(z)` by < 0.3 % at z < 20;
the distances below are checked against astropy's ``FlatLambdaCDM`` with ``Tcmb0=0``.)
"""

import numpy as np
from scipy import integrate

from ._cosmology import hubble_ratio

__all__ = [
    "LINE_FREQUENCY_MHZ",
    "comoving_distance",
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
    return LINE_FREQUENCY_MHZ / (1.0 + np.asarray(z, dtype=float))


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
    r"""Expansion rate :math:`H(z) = 100\,h\,E(z)` in km/s/Mpc.

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
    return 100.0 * cosmo.hlittle * hubble_ratio(z, cosmo)


def comoving_distance(z, cosmo):
    r"""Line-of-sight comoving distance :math:`D_c(z) = \frac{c}{H_0}\int_0^z dz'/E(z')`.

    In a flat universe this is also the transverse comoving distance: an angle :math:`\theta`
    (radians) spans :math:`D_c\,\theta` comoving Mpc at redshift z.

    Parameters
    ----------
    z : float or array-like
        Redshift(s), each >= 0.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    distance : ndarray
        In comoving Mpc, same shape as ``z``.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, comoving_distance
    >>> round(float(comoving_distance(8.0, Cosmology())))
    9150
    """
    z = np.asarray(z, dtype=float)
    if np.any(z < 0):
        raise ValueError(f"redshifts must be >= 0, got minimum {z.min()}")
    hubble_distance = SPEED_OF_LIGHT_KM_S / (100.0 * cosmo.hlittle)

    def integral(zi):
        return integrate.quad(lambda x: 1.0 / float(hubble_ratio(x, cosmo)), 0.0, zi, epsrel=1e-10)[
            0
        ]

    unique, inverse = np.unique(z.ravel(), return_inverse=True)
    values = np.array([integral(zi) for zi in unique]) * hubble_distance
    return values[inverse].reshape(z.shape)


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
    16.79
    """
    z = np.asarray(z, dtype=float)
    return SPEED_OF_LIGHT_KM_S * (1.0 + z) ** 2 / (LINE_FREQUENCY_MHZ * hubble_parameter(z, cosmo))


def wedge_slope(z, cosmo, angle=90.0):
    r"""Slope :math:`m` of the foreground wedge :math:`k_\parallel \le m\,k_\perp`.

    Smooth-spectrum foregrounds at angle :math:`\theta` from the phase centre leak into
    :math:`k_\parallel \le k_\perp\,\sin\theta\,D_c(z)\,H(z)/[c\,(1+z)]`
    (Datta, Bowman & Carilli 2010; Morales et al. 2012; Parsons et al. 2012;
    Liu, Parsons & Trott 2014, PRD 90, 023018), so

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
    3.453
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
