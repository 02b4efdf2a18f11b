r"""Linear theory: the matter transfer function, power spectrum and its variance on a scale.

The transfer function is Eisenstein & Hu (1999)'s fit for mixed dark matter (their Eqs. 4–24,
with massless neutrinos), which is what 21cmFAST 3.4 uses by default (``POWER_SPECTRUM=0``,
``TFmdm`` in its ``ps.c``). It follows the baryon-suppressed shape of the full transfer
function without the acoustic wiggles, which are below the sample variance of any box this
library simulates (at most a few hundred Mpc). Wavenumbers are in comoving
:math:`\mathrm{Mpc}^{-1}`. Measured (binned) spectra of fields live in
:mod:`skcosmo21.physics._measured_spectra`.
"""

import numpy as np
from scipy import integrate

# Log-spaced wavenumbers (Mpc^-1) for the variance integral: wide enough that the integrand
# has fallen by > 10 orders of magnitude at both ends for R between 0.01 and 1000 Mpc.
_K_GRID = np.logspace(-5.0, 3.5, 4097)


def _eisenstein_hu_parameters(cosmo):
    # Eisenstein & Hu (1999) Eqs. 2-4, 11-12, 15 and 17 for f_nu = 0 (no massive neutrinos),
    # in the order of 21cmFAST's TFset_parameters.
    theta = cosmo.t_cmb / 2.7
    omhh = cosmo.omega_m * cosmo.hlittle**2
    obhh = cosmo.omega_b * cosmo.hlittle**2
    f_b = cosmo.omega_b / cosmo.omega_m
    z_equality = 2.5e4 * omhh * theta**-4 - 1.0
    k_equality = 0.0746 * omhh / theta**2
    b1 = 0.313 * omhh**-0.419 * (1.0 + 0.607 * omhh**0.674)
    b2 = 0.238 * omhh**0.223
    z_drag = 1291.0 * omhh**0.251 / (1.0 + 0.659 * omhh**0.828) * (1.0 + b1 * obhh**b2)
    y_drag = (1.0 + z_equality) / (1.0 + z_drag)
    r_drag = 31.5 * obhh * theta**-4 * 1000.0 / (1.0 + z_drag)
    r_equality = 31.5 * obhh * theta**-4 * 1000.0 / (1.0 + z_equality)
    sound_horizon = (
        2.0
        / (3.0 * k_equality)
        * np.sqrt(6.0 / r_equality)
        * np.log(
            (np.sqrt(1.0 + r_drag) + np.sqrt(r_drag + r_equality)) / (1.0 + np.sqrt(r_equality))
        )
    )
    p_c = -(5.0 - np.sqrt(1.0 + 24.0 * (1.0 - f_b))) / 4.0
    p_cb = -(5.0 - np.sqrt(25.0)) / 4.0  # = 0: with f_nu = 0 all matter clusters
    alpha = (1.0 - f_b) * (2.0 * (p_c + p_cb) + 5.0) / (4.0 * p_cb + 5.0)
    alpha *= 1.0 - 0.553 * f_b + 0.126 * f_b**3
    alpha *= (1.0 + y_drag) ** (p_c - p_cb)
    alpha *= 1.0 + (p_cb - p_c) / 2.0 * (1.0 + 1.0 / ((4.0 * p_c + 3.0) * (4.0 * p_cb + 7.0))) / (
        1.0 + y_drag
    )
    beta_c = 1.0 / (1.0 - 0.949 * f_b)
    return theta, omhh, sound_horizon, alpha, beta_c


def eisenstein_hu_transfer(k, cosmo):
    r"""Eisenstein & Hu (1999) matter transfer function, as 21cmFAST's ``TFmdm``.

    .. math::
        T = \frac{L}{L + C q_\mathrm{eff}^2},\quad
        L = \ln\!\big(e + 1.84\,\beta_c\sqrt{\alpha_\nu}\,q_\mathrm{eff}\big),\quad
        C = 14.4 + \frac{325}{1 + 60.5\,q_\mathrm{eff}^{1.11}},

    with :math:`q = k\,\Theta_{2.7}^2/(\Omega_m h^2)` (k in :math:`\mathrm{Mpc}^{-1}`),
    :math:`q_\mathrm{eff} = q/\Gamma_\mathrm{eff}` and the baryon suppression
    :math:`\Gamma_\mathrm{eff} = \sqrt{\alpha_\nu} + (1-\sqrt{\alpha_\nu})/(1 + (0.43\,k s)^4)`
    (their Eqs. 16–19, 24), for massless neutrinos.

    Parameters
    ----------
    k : array-like
        Wavenumber in comoving :math:`\mathrm{Mpc}^{-1}`.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    T : ndarray
        Transfer function, :math:`T \to 1` as :math:`k \to 0`.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, eisenstein_hu_transfer
    >>> round(float(eisenstein_hu_transfer(1e-6, Cosmology())), 4)
    1.0
    """
    k = np.asarray(k, dtype=float)
    theta, omhh, sound_horizon, alpha, beta_c = _eisenstein_hu_parameters(cosmo)
    q = k * theta**2 / omhh
    gamma_eff = np.sqrt(alpha) + (1.0 - np.sqrt(alpha)) / (1.0 + (0.43 * k * sound_horizon) ** 4)
    q_eff = q / gamma_eff
    log_term = np.log(np.e + 1.84 * beta_c * np.sqrt(alpha) * q_eff)
    return log_term / (log_term + q_eff**2 * (14.4 + 325.0 / (1.0 + 60.5 * q_eff**1.11)))


def top_hat_window(x):
    r"""Fourier transform of a real-space spherical top hat, :math:`3(\sin x - x\cos x)/x^3`.

    Parameters
    ----------
    x : array-like
        :math:`kR`.

    Returns
    -------
    W : ndarray
        Window, with the series :math:`1 - x^2/10` where cancellation would lose precision.

    Examples
    --------
    >>> from skcosmo21.physics import top_hat_window
    >>> float(top_hat_window(0.0))
    1.0
    """
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x)
    exact = 3.0 * (np.sin(safe) - safe * np.cos(safe)) / safe**3
    return np.where(small, 1.0 - x**2 / 10.0, exact)


def _unnormalised_power(k, cosmo):
    k = np.asarray(k, dtype=float)
    return k**cosmo.n_s * eisenstein_hu_transfer(k, cosmo) ** 2


def _sigma_unnormalised(radius, cosmo):
    radius = np.atleast_1d(np.asarray(radius, dtype=float))
    k = _K_GRID
    integrand = (
        k[None, :] ** 3
        * _unnormalised_power(k, cosmo)[None, :]
        * top_hat_window(k[None, :] * radius[:, None]) ** 2
    )
    variance = integrate.simpson(integrand, x=np.log(k), axis=-1) / (2.0 * np.pi**2)
    return np.sqrt(variance)


def _amplitude(cosmo):
    return (cosmo.sigma_8 / _sigma_unnormalised(8.0 / cosmo.hlittle, cosmo)[0]) ** 2


def linear_power_spectrum(k, cosmo):
    r"""Linear matter power spectrum today, :math:`P(k) = A\,k^{n_s} T^2(k)`, in Mpc³.

    The amplitude :math:`A` is fixed by :math:`\sigma(R = 8\,h^{-1}\mathrm{Mpc}) = \sigma_8`.

    Parameters
    ----------
    k : array-like
        Wavenumber in :math:`\mathrm{Mpc}^{-1}`.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    P : ndarray
        Power spectrum in :math:`\mathrm{Mpc}^3`; zero at :math:`k = 0`.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, linear_power_spectrum
    >>> p = linear_power_spectrum([0.01, 0.1, 1.0], Cosmology())
    >>> bool(p[1] > p[2])
    True
    """
    return _amplitude(cosmo) * _unnormalised_power(k, cosmo)


def sigma_r(radius, cosmo):
    r"""RMS linear overdensity today in real-space top hats of the given radii.

    .. math:: \sigma^2(R) = \frac{1}{2\pi^2}\int_0^\infty k^2 P(k) W^2(kR)\,dk,

    integrated by Simpson's rule in :math:`\ln k` on a fixed 4097-point grid (vectorised over
    ``radius``; the tests check it against adaptive quadrature).

    Parameters
    ----------
    radius : float or array-like
        Comoving radius in Mpc.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    sigma : ndarray
        Same shape as ``radius``.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, sigma_r
    >>> c = Cosmology()
    >>> round(float(sigma_r(8.0 / c.hlittle, c)), 4)
    0.8102
    """
    radius = np.asarray(radius, dtype=float)
    sigma = np.sqrt(_amplitude(cosmo)) * _sigma_unnormalised(radius, cosmo)
    return sigma.reshape(radius.shape)
