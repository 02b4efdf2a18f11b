r"""Linear matter power spectrum and its variance on a scale.

The transfer function is Eisenstein & Hu (1998)'s no-wiggle fit (their Eqs. 26–31), which
follows the full baryon-suppressed shape to a few per cent but omits the acoustic wiggles:
those are below the sample variance of any box this library simulates (at most a few hundred
Mpc). Wavenumbers are in comoving :math:`\mathrm{Mpc}^{-1}`.
"""

import numpy as np
from scipy import integrate

# Log-spaced wavenumbers (Mpc^-1) for the variance integral: wide enough that the integrand
# has fallen by > 10 orders of magnitude at both ends for R between 0.01 and 1000 Mpc.
_K_GRID = np.logspace(-5.0, 3.5, 4097)


def eisenstein_hu_transfer(k, cosmo):
    r"""Eisenstein & Hu (1998) no-wiggle matter transfer function.

    .. math::
        T_0(q) = \frac{L_0}{L_0 + C_0 q^2},\quad L_0 = \ln(2e + 1.8q),\quad
        C_0 = 14.2 + \frac{731}{1 + 62.5q},\quad
        q = \frac{k}{h\,\mathrm{Mpc}^{-1}} \frac{\Theta_{2.7}^2}{\Gamma_\mathrm{eff}(k)},

    with the scale-dependent shape parameter :math:`\Gamma_\mathrm{eff}` of their Eqs. 30–31.

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
    h = cosmo.hlittle
    omh2 = cosmo.omega_m * h**2
    obh2 = cosmo.omega_b * h**2
    f_b = cosmo.omega_b / cosmo.omega_m
    theta = cosmo.t_cmb / 2.7
    sound_horizon = 44.5 * np.log(9.83 / omh2) / np.sqrt(1.0 + 10.0 * obh2**0.75)
    alpha_gamma = 1.0 - 0.328 * np.log(431.0 * omh2) * f_b + 0.38 * np.log(22.3 * omh2) * f_b**2
    gamma_eff = (
        cosmo.omega_m
        * h
        * (alpha_gamma + (1.0 - alpha_gamma) / (1.0 + (0.43 * k * sound_horizon) ** 4))
    )
    q = k / h * theta**2 / gamma_eff
    l0 = np.log(2.0 * np.e + 1.8 * q)
    c0 = 14.2 + 731.0 / (1.0 + 62.5 * q)
    return l0 / (l0 + c0 * q**2)


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
