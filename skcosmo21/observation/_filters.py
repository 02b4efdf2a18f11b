r"""Resolution and foreground filters on stacks of coeval cubes or lightcones.

Every function takes cubes of shape (n_cubes, N, N, n_los): two transverse axes of ``box_size``
comoving Mpc in N cells, then the line of sight (axis 2 of each cube, the simulator's
redshift-space axis) in cells of the same size, ``box_size / N``. ``redshift`` is one number
for coeval cubes (the line of sight is then periodic, as in the simulation) or one redshift per
line-of-sight cell for lightcones (not periodic). Output has the input's float dtype.
"""

from numbers import Integral, Real

import numpy as np
import scipy.fft

from ..physics import (
    Cosmology,
    comoving_distance,
    line_of_sight_distance_per_frequency,
    redshift_to_frequency,
    wedge_slope,
)
from ..physics._observing import SPEED_OF_LIGHT_KM_S
from ..utils import Interval, validate_params
from ._constraints import GEOMETRY, POSITIVE
from ._geometry import channel_redshifts, check_cubes

__all__ = [
    "average_channels",
    "remove_transverse_mean",
    "remove_wedge",
    "smooth_with_beam",
    "wedge_mask",
]

#: FWHM of a Gaussian in units of its standard deviation, 2 sqrt(2 ln 2).
_FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))


@validate_params({"cubes": ["array-like"]}, prefer_skip_nested_validation=True)
def remove_transverse_mean(cubes):
    r"""Subtract each channel's mean: the :math:`k_\perp = 0` mode an interferometer never sees.

    Parameters
    ----------
    cubes : ndarray of shape (n_cubes, N, N, n_los)
        Coeval cubes or lightcones.

    Returns
    -------
    filtered : ndarray, same shape and float dtype
        Every transverse slice (fixed line-of-sight cell) has zero mean.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import remove_transverse_mean
    >>> cubes = np.random.default_rng(0).normal(size=(2, 4, 4, 4))
    >>> float(abs(remove_transverse_mean(cubes).mean(axis=(1, 2))).max()) < 1e-12
    True
    """
    cubes = check_cubes(cubes)
    # the sum behind the mean is taken in float64: float32 values near 1e38 overflow it
    return cubes - cubes.mean(axis=(1, 2), keepdims=True, dtype=np.float64).astype(cubes.dtype)


@validate_params(
    {
        "n_cells": [Interval(Integral, 1, None, closed="left")],
        "n_los": [Interval(Integral, 1, None, closed="left")],
        "box_size": POSITIVE,
        "slope": [Interval(Real, 0, None, closed="left")],
        "buffer": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def wedge_mask(n_cells, n_los, box_size, slope, buffer=0.0):
    r"""Modes of the ``rfftn`` grid of a box that the foreground wedge removes.

    A mode is removed when :math:`|k_\parallel| \le m\,k_\perp + b`, with
    :math:`k_\perp = (k_x^2 + k_y^2)^{1/2}` over the two transverse axes and :math:`k_\parallel`
    along the line of sight (last axis).

    Parameters
    ----------
    n_cells : int
        Transverse cells.
    n_los : int
        Line-of-sight cells.
    box_size : float
        Transverse side in Mpc (cells are ``box_size / n_cells`` on every axis).
    slope : float
        Wedge slope :math:`m` (e.g. :func:`~skcosmo21.physics.wedge_slope`).
    buffer : float, default=0.0
        :math:`b` in :math:`\mathrm{Mpc^{-1}}`.

    Returns
    -------
    removed : ndarray of bool, shape (n_cells, n_cells, n_los // 2 + 1)
        True for the removed modes, in ``scipy.fft.rfftn`` layout.

    Examples
    --------
    >>> from skcosmo21.observation import wedge_mask
    >>> mask = wedge_mask(8, 8, 80.0, slope=1.0)
    >>> mask.shape, bool(mask[0, 0, 0]), bool(mask[0, 0, 1]), bool(mask[1, 0, 1])
    ((8, 8, 5), True, False, True)
    """
    spacing = box_size / n_cells
    k_x = 2 * np.pi * scipy.fft.fftfreq(n_cells, d=spacing)
    k_par = 2 * np.pi * scipy.fft.rfftfreq(n_los, d=spacing)
    k_perp = np.hypot(k_x[:, None], k_x[None, :])
    return np.abs(k_par)[None, None, :] <= slope * k_perp[:, :, None] + buffer


@validate_params(
    {
        "cubes": ["array-like"],
        **GEOMETRY,
        "angle": [Interval(Real, 0, 90, closed="both")],
        "buffer": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def remove_wedge(cubes, box_size, redshift, *, angle=90.0, buffer=0.0, cosmology=None):
    r"""Zero the Fourier modes inside the foreground wedge :math:`k_\parallel \le m k_\perp + b`.

    The slope :math:`m(z) = D_c H \sin\theta / [c(1+z)]` is
    :func:`~skcosmo21.physics.wedge_slope` at the box's redshift (for a lightcone, at its
    median redshift; its line of sight is transformed as if periodic). Every other mode is left
    exactly as it was.

    Parameters
    ----------
    cubes : ndarray of shape (n_cubes, N, N, n_los)
        Coeval cubes or lightcones.
    box_size : float
        Transverse side in Mpc.
    redshift : float or array-like of shape (n_los,)
        Redshift of the cubes, or of every line-of-sight cell.
    angle : float, default=90.0
        Largest angle of the foregrounds from the phase centre in degrees (90: horizon).
    buffer : float, default=0.0
        Extra :math:`k_\parallel` removed above the wedge, in :math:`\mathrm{Mpc^{-1}}`.
    cosmology : Cosmology, optional
        Default: :class:`~skcosmo21.physics.Cosmology`.

    Returns
    -------
    filtered : ndarray, same shape and float dtype

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import remove_wedge
    >>> cubes = np.random.default_rng(0).normal(size=(1, 8, 8, 8))
    >>> out = remove_wedge(cubes, 100.0, 8.0)
    >>> float(out.std()) < float(cubes.std())
    True
    """
    cubes = check_cubes(cubes)
    redshifts, _ = channel_redshifts(redshift, cubes.shape[3])
    cosmology = Cosmology() if cosmology is None else cosmology
    slope = float(wedge_slope(np.median(redshifts), cosmology, angle=angle))
    return _zero_modes(cubes, wedge_mask(cubes.shape[1], cubes.shape[3], box_size, slope, buffer))


def _overflow_scale(cubes):
    """A power of two that brings huge values (float32 near 1e38) to where FFT sums fit.

    Scaling by a power of two is exact, and ordinary values (below 2**64) are not scaled.
    """
    largest = float(np.max(np.abs(cubes), initial=0.0))
    return 2.0 ** np.ceil(np.log2(largest)) if largest > 2.0**64 else 1.0


def _zero_modes(cubes, removed):
    """Set the ``removed`` modes of every cube's ``rfftn`` to zero and transform back."""
    scale = _overflow_scale(cubes)
    modes = scipy.fft.rfftn(cubes / scale if scale != 1.0 else cubes, axes=(1, 2, 3))
    modes[:, removed] = 0
    filtered = scipy.fft.irfftn(modes, s=cubes.shape[1:], axes=(1, 2, 3))
    return (filtered * scale if scale != 1.0 else filtered).astype(cubes.dtype)


@validate_params(
    {"cubes": ["array-like"], **GEOMETRY, "max_baseline": POSITIVE},
    prefer_skip_nested_validation=True,
)
def smooth_with_beam(cubes, box_size, redshift, *, max_baseline, cosmology=None):
    r"""Angular resolution of an array: a Gaussian beam of FWHM :math:`\lambda/B_\mathrm{max}`.

    Each channel is convolved with a circular Gaussian of comoving FWHM
    :math:`D_c(z)\,\lambda(z)/B_\mathrm{max}`, with :math:`\lambda = 21\,\mathrm{cm}\,(1+z)`.

    Parameters
    ----------
    cubes : ndarray of shape (n_cubes, N, N, n_los)
        Coeval cubes or lightcones.
    box_size : float
        Transverse side in Mpc.
    redshift : float or array-like of shape (n_los,)
        Redshift of the cubes, or of every line-of-sight cell.
    max_baseline : float
        Longest baseline :math:`B_\mathrm{max}` in metres (e.g.
        ``telescope_properties("SKA1-Low").longest_baseline``).
    cosmology : Cosmology, optional
        Default: :class:`~skcosmo21.physics.Cosmology`.

    Returns
    -------
    smoothed : ndarray, same shape and float dtype

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import smooth_with_beam
    >>> cubes = np.random.default_rng(0).normal(size=(1, 16, 16, 16))
    >>> out = smooth_with_beam(cubes, 200.0, 8.0, max_baseline=1000.0)
    >>> float(out.std()) < float(cubes.std())
    True
    """
    cubes = check_cubes(cubes)
    redshifts, _ = channel_redshifts(redshift, cubes.shape[3])
    cosmology = Cosmology() if cosmology is None else cosmology
    distinct, index = np.unique(redshifts, return_inverse=True)
    wavelength = SPEED_OF_LIGHT_KM_S * 1e3 / (redshift_to_frequency(distinct) * 1e6)
    sigma = comoving_distance(distinct, cosmology) * wavelength / max_baseline / _FWHM_PER_SIGMA
    n_cells = cubes.shape[1]
    spacing = box_size / n_cells
    k_x = 2 * np.pi * scipy.fft.fftfreq(n_cells, d=spacing)
    k_y = 2 * np.pi * scipy.fft.rfftfreq(n_cells, d=spacing)
    k_perp_sq = k_x[:, None] ** 2 + k_y[None, :] ** 2
    transfer = np.exp(-0.5 * k_perp_sq[:, :, None] * sigma[None, None, :] ** 2)
    if len(distinct) > 1:
        transfer = transfer[:, :, index]
    scale = _overflow_scale(cubes)
    modes = scipy.fft.rfft2(cubes / scale if scale != 1.0 else cubes, axes=(1, 2))
    modes *= transfer.astype(modes.real.dtype)
    smoothed = scipy.fft.irfft2(modes, s=cubes.shape[1:3], axes=(1, 2))
    return (smoothed * scale if scale != 1.0 else smoothed).astype(cubes.dtype)


def _channel_matrix(widths, periodic):
    """Row c averages the cells that a top hat of ``widths[c]`` cells centred on c covers."""
    n_los = len(widths)
    matrix = np.zeros((n_los, n_los))
    for c, width in enumerate(widths):
        reach = int(np.ceil(width / 2 + 0.5))
        offsets = np.arange(-reach, reach + 1)
        # Overlap of [c - w/2, c + w/2] with cell [j - 1/2, j + 1/2], in cells.
        overlap = np.clip(
            np.minimum(width / 2, offsets + 0.5) - np.maximum(-width / 2, offsets - 0.5), 0, None
        )
        cells = c + offsets
        if periodic:
            np.add.at(matrix[c], cells % n_los, overlap)
        else:
            inside = (cells >= 0) & (cells < n_los)
            matrix[c, cells[inside]] += overlap[inside]
        matrix[c] /= matrix[c].sum()
    return matrix


@validate_params(
    {"cubes": ["array-like"], **GEOMETRY, "channel_width": POSITIVE},
    prefer_skip_nested_validation=True,
)
def average_channels(cubes, box_size, redshift, *, channel_width, cosmology=None):
    r"""Frequency resolution: average along the line of sight over one channel's width.

    A channel of width :math:`\Delta\nu` spans :math:`Y(z)\,\Delta\nu` comoving Mpc
    (:func:`~skcosmo21.physics.line_of_sight_distance_per_frequency`); each cell becomes the
    mean of the sky over that depth centred on it (fractional cells at the edges weighted by
    their overlap). Coeval cubes wrap around (periodic); lightcones average over the cells
    inside the cone only.

    Parameters
    ----------
    cubes : ndarray of shape (n_cubes, N, N, n_los)
        Coeval cubes or lightcones.
    box_size : float
        Transverse side in Mpc.
    redshift : float or array-like of shape (n_los,)
        Redshift of the cubes, or of every line-of-sight cell.
    channel_width : float
        Channel width in MHz.
    cosmology : Cosmology, optional
        Default: :class:`~skcosmo21.physics.Cosmology`.

    Returns
    -------
    averaged : ndarray, same shape and float dtype

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import average_channels
    >>> cubes = np.random.default_rng(0).normal(size=(1, 8, 8, 8))
    >>> out = average_channels(cubes, 100.0, 8.0, channel_width=2.0)
    >>> bool(np.allclose(out.mean(axis=3), cubes.mean(axis=3)))
    True
    """
    cubes = check_cubes(cubes)
    redshifts, periodic = channel_redshifts(redshift, cubes.shape[3])
    cosmology = Cosmology() if cosmology is None else cosmology
    cell = box_size / cubes.shape[1]
    widths = line_of_sight_distance_per_frequency(redshifts, cosmology) * channel_width / cell
    if periodic and widths.max() > cubes.shape[3]:
        raise ValueError(
            f"channel_width ({channel_width} MHz, {widths.max():.1f} cells) is wider than the "
            f"box's line of sight ({cubes.shape[3]} cells)"
        )
    matrix = _channel_matrix(widths, periodic).astype(cubes.dtype)
    return np.matmul(cubes, matrix.T)
