r"""21-cm brightness temperature."""

import numpy as np

#: Largest |dv/dr|/H that 21cmFAST lets the RSD correction use (global_params.MAX_DVDR).
MAX_VELOCITY_GRADIENT = 0.2


def brightness_temperature_prefactor(z, cosmo):
    r"""Brightness temperature of fully neutral gas at mean density, in mK.

    For spin temperature :math:`T_S \gg T_\mathrm{CMB}` (Furlanetto, Oh & Briggs 2006; the
    form 21cmFAST uses),

    .. math:: \delta T_b = 27\,x_\mathrm{HI}\,(1+\delta)
       \left(\frac{\Omega_b h^2}{0.023}\right)
       \left(\frac{0.15}{\Omega_m h^2}\frac{1+z}{10}\right)^{1/2}\ \mathrm{mK};

    this returns everything but :math:`x_\mathrm{HI}(1+\delta)`.

    Parameters
    ----------
    z : float or array-like
        Redshift.
    cosmo : Cosmology
        Cosmological parameters.

    Returns
    -------
    t0 : ndarray
        Prefactor in mK.

    Examples
    --------
    >>> from skcosmo21.physics import Cosmology, brightness_temperature_prefactor
    >>> round(float(brightness_temperature_prefactor(9.0, Cosmology())), 2)
    27.07
    """
    h2 = cosmo.hlittle**2
    z = np.asarray(z, dtype=float)
    return 27.0 * (cosmo.omega_b * h2 / 0.023) * np.sqrt(0.15 / (cosmo.omega_m * h2) * (1 + z) / 10)


def brightness_temperature(neutral_fraction, density, prefactor, velocity_gradient=None, out=None):
    r"""Brightness temperature :math:`\delta T_b` in mK from the fields of one cube.

    .. math:: \delta T_b = T_0(z)\, x_\mathrm{HI}\,(1+\delta)\,
       \frac{1}{1 + \mathrm{clip}(\partial_\parallel v_\parallel / aH, \pm 0.2)}

    The last factor is the linear redshift-space distortion that 21cmFAST applies along the
    line of sight when ``APPLY_RSDS`` is set; pass ``velocity_gradient=None`` to omit it.

    Parameters
    ----------
    neutral_fraction : ndarray
        :math:`x_\mathrm{HI}` per cell. A stack of neutral fractions of the same density
        field (shape (m, n, n, n)) gives m cubes at once, the density factors computed once.
    density : ndarray
        Overdensity δ per cell.
    prefactor : float
        :func:`brightness_temperature_prefactor` at the cube's redshift.
    velocity_gradient : ndarray, optional
        :math:`\partial_\parallel v_\parallel/(aH)` per cell.
    out : ndarray of float32, optional
        Where to write the result, of the broadcast shape of ``neutral_fraction`` and
        ``density``.

    Returns
    -------
    delta_T : ndarray
        float32, mK.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import brightness_temperature
    >>> brightness_temperature(np.ones(2), np.array([0.0, 1.0]), 20.0).tolist()
    [20.0, 40.0]
    >>> brightness_temperature(np.ones((3, 2)), np.array([0.0, 1.0]), 20.0).shape
    (3, 2)
    """
    neutral_fraction = np.asarray(neutral_fraction)
    one_plus_density = 1.0 + np.asarray(density)
    if out is None:
        shape = np.broadcast_shapes(neutral_fraction.shape, one_plus_density.shape)
        out = np.empty(shape, dtype=np.float32)
    prefactor = np.float32(prefactor)
    if np.result_type(prefactor, neutral_fraction, one_plus_density) == np.float32:
        # Single precision throughout: computed in place, no temporary cubes.
        np.multiply(prefactor, neutral_fraction, out=out)
        out *= one_plus_density
    else:
        out[...] = prefactor * neutral_fraction * one_plus_density
    if velocity_gradient is not None:
        clipped = np.clip(velocity_gradient, -MAX_VELOCITY_GRADIENT, MAX_VELOCITY_GRADIENT)
        clipped += 1.0
        out /= clipped
    return out
