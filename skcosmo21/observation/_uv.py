r"""uv coverage of an array, gridded onto the Fourier cells of a simulation box.

A box of transverse comoving side :math:`L` at redshift z subtends :math:`\theta = L/D_c(z)`
radians, so its transverse Fourier modes are uv cells of :math:`\Delta u = 1/\theta =
D_c(z)/L` wavelengths, i.e. :math:`\lambda\,D_c(z)/L` metres of baseline at the channel's
wavelength :math:`\lambda`. Earth rotation moves every baseline through the uv plane; the
samples (one per baseline group and integration, weighted by the group's number of redundant
baselines) that fall in each cell, counted for the cell and its mirror (a visibility at
:math:`-\mathbf{u}` is the conjugate of the one at :math:`\mathbf{u}`), set that mode's thermal
noise. The :math:`k_\perp = 0` cell is never measured (no baseline has zero length).
"""

import collections
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np

from ._telescopes import _baselines

__all__ = ["baseline_tracks", "grid_uv_samples"]

#: Length of a sidereal day in seconds: the hour angle of a source advances 2π per sidereal day.
SIDEREAL_DAY_SECONDS = 86164.0905
#: Baseline samples projected at once (one task of a thread); bounds the memory of the
#: (groups × times) arrays and keeps the threads evenly loaded.
_SAMPLES_PER_CHUNK = 1_000_000


def _time_offsets(duration, integration_time):
    # The same sampling as 21cmSense's ``Observatory.time_offsets_from_obs_int_time``.
    return np.arange(-duration / 2.0, duration / 2.0, integration_time)


def baseline_tracks(vectors, latitude, declination, hour_angles):
    r"""Projected baselines (u, v) in metres as the sky rotates.

    The rotation from local East-North-Up to the (u, v) plane of a phase centre at hour angle
    :math:`H` and declination :math:`\delta` (Thompson, Moran & Swenson 2017, Eqs. 4.1-4.3):
    with latitude :math:`\phi`, :math:`X = -N\sin\phi + U\cos\phi`, :math:`Y = E`,
    :math:`Z = N\cos\phi + U\sin\phi`, then :math:`u = X\sin H + Y\cos H`,
    :math:`v = -X\sin\delta\cos H + Y\sin\delta\sin H + Z\cos\delta`.

    Written out rather than taken from 21cmSense's ``project_baselines`` because that one goes
    through astropy's apparent coordinates (precession, nutation) for every time step, about
    100 times slower for SKA1-Low's 25,000 baselines; those corrections move the phase centre
    by a fraction of a degree and do not change a statistical uv coverage
    (``tests/observation/test_uv.py`` compares the two).

    Parameters
    ----------
    vectors : ndarray of shape (n_baselines, 3)
        East, North, Up components in metres.
    latitude : float
        Array latitude in radians.
    declination : float
        Phase-centre declination in radians.
    hour_angles : ndarray of shape (n_times,)
        Hour angles of the phase centre in radians.

    Returns
    -------
    u, v : ndarray of shape (n_baselines, n_times)
        In metres.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import baseline_tracks
    >>> u, v = baseline_tracks(np.array([[100.0, 0.0, 0.0]]), 0.0, 0.0, np.array([0.0]))
    >>> float(u[0, 0]), float(v[0, 0])
    (100.0, 0.0)
    """
    east, north, up = (vectors[:, i, None] for i in range(3))
    # Python floats keep float32 tracks in float32 (NumPy scalars would promote them).
    sin_lat, cos_lat = float(np.sin(latitude)), float(np.cos(latitude))
    sin_dec, cos_dec = float(np.sin(declination)), float(np.cos(declination))
    x = -north * sin_lat + up * cos_lat
    y = east
    z = north * cos_lat + up * sin_lat
    sin_h, cos_h = np.sin(hour_angles)[None], np.cos(hour_angles)[None]
    u = x * sin_h + y * cos_h
    v = sin_dec * (y * sin_h - x * cos_h) + z * cos_dec
    return u, v


def _histogram_on_cells(u, v, cell, n_cells):
    """Counts of (u, v) samples (metres) per cell of ``cell`` metres, on an n × n FFT grid."""
    # fast_histogram, which 21cmSense itself grids with (a dependency of py21cmsense), is a
    # single pass in C, several times faster than numpy's bincount route on SKA1-Low's
    # 9 million samples; the cell size goes into its range, so nothing is rescaled.
    from fast_histogram import histogram2d

    even = n_cells % 2 == 0
    # Cells are centred on multiples of ``cell``; with even n the two halves of the Nyquist
    # cell (m = -n/2 and m = +n/2) are the same FFT cell and are folded together below.
    n_bins = n_cells + 1 if even else n_cells
    half = n_bins / 2.0 * cell
    counts = histogram2d(u, v, bins=n_bins, range=[[-half, half], [-half, half]])
    if even:
        counts[0, :] += counts[-1, :]
        counts[:, 0] += counts[:, -1]
        counts = counts[:-1, :-1]
    return np.fft.ifftshift(counts)


def _grids(telescope, cells, *, n_cells, duration, integration_time, declination):
    """Samples per cell for every cell size, projecting the tracks once for all of them."""
    vectors, weights, latitude = _baselines(telescope)
    declination = latitude if declination is None else np.deg2rad(declination)
    hour_angles = 2 * np.pi * _time_offsets(duration, integration_time) / SIDEREAL_DAY_SECONDS
    # Groups of equal redundancy share one unweighted histogram (twice as fast as a weighted
    # one); SKA1-Low has almost no redundancy, HERA a few dozen multiplicities.
    # The tracks stay in float64: fast_histogram works in float64 and would convert float32
    # input again for every cell size (measured: each histogram 1.3x slower from float32).
    chunks = []
    for weight in np.unique(weights):
        group = vectors[weights == weight]
        step = max(1, _SAMPLES_PER_CHUNK // len(group))
        chunks += [
            (weight, group, hour_angles[start : start + step])
            for start in range(0, len(hour_angles), step)
        ]

    def grid_chunk(chunk):
        weight, group, angles = chunk
        u, v = baseline_tracks(group, latitude, declination, angles)
        u, v = u.ravel(), v.ravel()
        return [weight * _histogram_on_cells(u, v, cell, n_cells) for cell in cells]

    # Projection (NumPy) and histograms (fast_histogram) release the GIL, so chunks run on
    # threads, one per core as the simulator does. Counts are whole numbers, so their float
    # sum is exact and does not depend on the order or the number of threads.
    grids = np.zeros((len(cells), n_cells, n_cells))
    with ThreadPoolExecutor(min(joblib.cpu_count(), len(chunks))) as pool:
        for chunk_grids in pool.map(grid_chunk, chunks):
            grids += np.asarray(chunk_grids)
    mirror = (-np.arange(n_cells)) % n_cells
    grids = grids + grids[:, mirror][:, :, mirror]
    grids[:, 0, 0] = 0.0
    return grids


#: Gridded coverages already computed, by (telescope, track, cell size, n_cells); bounded.
_GRID_CACHE = collections.OrderedDict()
_GRID_CACHE_SIZE = 512


def grid_uv_samples(
    telescope, cell_metres, n_cells, *, duration, integration_time=60.0, declination=None
):
    r"""Baseline samples per uv cell of a box, for one day's track.

    Parameters
    ----------
    telescope : str
        One of :data:`~skcosmo21.observation.TELESCOPES`.
    cell_metres : array-like of shape (n_channels,)
        Width of the box's uv cell in metres of baseline at each channel,
        :math:`\lambda D_c(z)/L`.
    n_cells : int
        Transverse cells of the box.
    duration : float
        Length of the daily track in seconds (centred on transit).
    integration_time : float, default=60.0
        Seconds per visibility sample.
    declination : float, optional
        Phase-centre declination in degrees; the array's latitude (zenith transit) if None.

    Returns
    -------
    samples : ndarray of shape (n_channels, n_cells, n_cells)
        Number of baseline samples (each of ``integration_time``) measuring each mode, in
        ``numpy.fft`` order, symmetric under :math:`\mathbf{u} \to -\mathbf{u}`, zero at
        :math:`k_\perp = 0`. Grids are cached by telescope, track and cell size, so asking for
        several cell sizes at once projects the tracks once.

    Examples
    --------
    >>> from skcosmo21.observation import grid_uv_samples
    >>> samples = grid_uv_samples("HERA", [60.0], 16, duration=600.0)
    >>> samples.shape, float(samples[0, 0, 0])
    ((1, 16, 16), 0.0)
    """
    if duration < integration_time:
        raise ValueError(
            f"the daily track ({duration} s) is shorter than one integration ({integration_time} s)"
        )
    cells = [float(c) for c in np.atleast_1d(np.asarray(cell_metres, dtype=float))]
    if min(cells) <= 0:
        raise ValueError(f"cell_metres must be positive, got {min(cells)}")
    track = (
        telescope,
        float(duration),
        float(integration_time),
        None if declination is None else float(declination),
        int(n_cells),
    )
    missing = [c for c in dict.fromkeys(cells) if (track, c) not in _GRID_CACHE]
    if missing:
        grids = _grids(
            telescope,
            missing,
            n_cells=track[4],
            duration=track[1],
            integration_time=track[2],
            declination=track[3],
        )
        for cell, grid in zip(missing, grids, strict=True):
            grid.setflags(write=False)
            _GRID_CACHE[(track, cell)] = grid
            while len(_GRID_CACHE) > _GRID_CACHE_SIZE:
                _GRID_CACHE.popitem(last=False)
    for cell in cells:
        _GRID_CACHE.move_to_end((track, cell))
    return np.stack([_GRID_CACHE[(track, cell)] for cell in cells])
