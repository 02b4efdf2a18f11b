r"""Collapsed fractions and the excursion-set ionization barrier.

The semi-numerical reionization model of Mesinger & Furlanetto (2007) and Mesinger, Furlanetto &
Cen (2011, 21cmFAST) flags a cell as ionized when, for some smoothing radius R,

.. math:: \zeta\, \frac{\bar f_\mathrm{coll}^\mathrm{ST}(z)}
   {\langle f_\mathrm{coll}(\delta_R)\rangle}\, f_\mathrm{coll}(\delta_R, R) \ge 1,

where :math:`f_\mathrm{coll}(\delta_R, R)` is the extended Press–Schechter collapsed fraction of
:func:`conditional_collapsed_fraction` and the ratio rescales the box to the Sheth–Tormen mean.
"""

import numpy as np
from scipy import special

#: Linear collapse threshold (21cmFAST uses 1.686).
DELTA_CRIT = 1.686

#: Sheth–Tormen parameters as 21cmFAST sets them (Jenkins et al. 2001 via Barkana et al. 2001).
SHETH_TORMEN_21CMFAST = {"a": 0.73, "p": 0.175, "A": 0.353}


def press_schechter_collapsed_fraction(nu):
    r"""Mass fraction in halos above the mass with peak height :math:`\nu = \delta_c/\sigma`.

    .. math:: F_\mathrm{PS}(>\nu) = \operatorname{erfc}(\nu/\sqrt{2})

    Parameters
    ----------
    nu : array-like
        Peak height.

    Returns
    -------
    fraction : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import press_schechter_collapsed_fraction
    >>> float(press_schechter_collapsed_fraction(0.0))
    1.0
    """
    return special.erfc(np.asarray(nu, dtype=float) / np.sqrt(2.0))


def sheth_tormen_collapsed_fraction(nu, a=0.73, p=0.175, A=0.353):
    r"""Sheth–Tormen mass fraction in halos above peak height :math:`\nu`, in closed form.

    With :math:`\hat\nu = \sqrt{a}\,\nu`, the multiplicity function
    :math:`A\sqrt{2/\pi}\,(1 + \hat\nu^{-2p})\,\hat\nu\,e^{-\hat\nu^2/2}` (per :math:`\ln\hat\nu`,
    21cmFAST's ``dNdM_st``) integrates to

    .. math:: F_\mathrm{ST}(>\nu) = A\left[\operatorname{erfc}\frac{\hat\nu}{\sqrt2}
       + \frac{2^{-p}\,\Gamma(\tfrac12 - p)}{\sqrt\pi}\,
       Q\!\left(\tfrac12 - p, \tfrac{\hat\nu^2}{2}\right)\right],

    where :math:`Q` is the regularised upper incomplete gamma function. With ``a=1, p=0,
    A=1/2`` this is exactly Press–Schechter.

    Parameters
    ----------
    nu : array-like
        Peak height :math:`\delta_c/\sigma(M, z)`.
    a, p, A : float
        Sheth–Tormen parameters; the defaults are 21cmFAST's.

    Returns
    -------
    fraction : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import sheth_tormen_collapsed_fraction
    >>> round(float(sheth_tormen_collapsed_fraction(1.3, a=1.0, p=0.0, A=0.5)), 6)
    0.193601
    """
    nu_hat = np.sqrt(a) * np.asarray(nu, dtype=float)
    shape = 0.5 - p
    tail = 2.0**-p * special.gamma(shape) / np.sqrt(np.pi) * special.gammaincc(shape, nu_hat**2 / 2)
    return A * (special.erfc(nu_hat / np.sqrt(2.0)) + tail)


def conditional_collapsed_fraction(delta, sigma_min, sigma_r, delta_crit=DELTA_CRIT):
    r"""Extended Press–Schechter collapsed fraction inside a region of overdensity δ.

    .. math:: f_\mathrm{coll}(\delta_R, R) = \operatorname{erfc}\left[
       \frac{\delta_c - \delta_R}{\sqrt{2(\sigma^2_\mathrm{min} - \sigma^2_R)}}\right]

    (Bond et al. 1991; Lacey & Cole 1993), capped at 1 as 21cmFAST does for
    :math:`\delta_R > \delta_c`. All of :math:`\delta_c, \delta_R, \sigma` must be at the same
    redshift (or all linearly extrapolated to z = 0).

    Parameters
    ----------
    delta : array-like
        Linear overdensity smoothed on R.
    sigma_min : float
        :math:`\sigma(M_\mathrm{min})`.
    sigma_r : float
        :math:`\sigma(R)`, smaller than ``sigma_min``.
    delta_crit : float, default=1.686
        Collapse threshold.

    Returns
    -------
    fraction : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import conditional_collapsed_fraction
    >>> float(conditional_collapsed_fraction(1.686, 2.0, 1.0))
    1.0
    """
    width = np.sqrt(2.0 * (sigma_min**2 - sigma_r**2))
    return np.minimum(special.erfc((delta_crit - np.asarray(delta)) / width), 1.0)


def ionization_threshold(efficiency, sigma_min, sigma_r, delta_crit=DELTA_CRIT):
    r"""Overdensity above which :math:`\text{efficiency} \cdot f_\mathrm{coll}(\delta_R, R) \ge 1`.

    Inverting :func:`conditional_collapsed_fraction`,

    .. math:: \delta_\mathrm{thr} = \delta_c - \sqrt{2(\sigma^2_\mathrm{min}-\sigma^2_R)}\;
       \operatorname{erfc}^{-1}(1/\text{efficiency}),

    so the whole excursion set reduces to one comparison per cell. An efficiency of at most 1
    can never ionize a region: the threshold is then :math:`+\infty`.

    Parameters
    ----------
    efficiency : array-like
        Effective ionizing efficiency (ζ times the Sheth–Tormen rescaling).
    sigma_min, sigma_r : float
        As in :func:`conditional_collapsed_fraction`.
    delta_crit : float, default=1.686
        Collapse threshold.

    Returns
    -------
    threshold : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import conditional_collapsed_fraction, ionization_threshold
    >>> thr = ionization_threshold(30.0, 2.0, 1.0)
    >>> round(30.0 * float(conditional_collapsed_fraction(thr, 2.0, 1.0)), 6)
    1.0
    """
    efficiency = np.asarray(efficiency, dtype=float)
    width = np.sqrt(2.0 * (sigma_min**2 - sigma_r**2))
    safe = np.where(efficiency > 1.0, efficiency, 2.0)
    threshold = delta_crit - width * special.erfcinv(1.0 / safe)
    return np.where(efficiency > 1.0, threshold, np.inf)
