r"""Thermal noise of an interferometer on the Fourier modes of a box, and its realizations.

**Noise per mode.** 21cmSense's radiometer equation gives a uv cell that collects a total time
:math:`t` of baseline samples the noise temperature :math:`T_\mathrm{rms} = T_\mathrm{sys} /
\sqrt{2\,\Delta\nu\,t}`, and the thermal-noise power of its modes
(Parsons et al. 2012, ApJ 753, 81; Pober et al. 2013, ApJ 768, L36, Eq. 2)

.. math:: P_N = X^2 Y\,\Omega'\,\frac{T_\mathrm{sys}^2}{2\,t},

with :math:`X = D_c(z)` (Mpc per radian), :math:`Y = dr/d\nu`, :math:`\Omega' = \Omega_p^2 /
\Omega_{pp}` the primary beam's effective solid angle and the channel width cancelling. In
21cmSense :math:`t` is the time its uv cell, one dish diameter wide (:math:`a = (D/\lambda)^2`),
collects. A box's uv cells are :math:`\Delta u = D_c/L` wide instead, so the samples a box cell
counts, :math:`n`, are turned into the same density, :math:`t = n\,t_\mathrm{int}\,
n_\mathrm{days}\,a/\Delta u^2`; when the two cells are the same size this is 21cmSense's
number exactly. (For a box wider than the primary beam, :math:`\Delta u < D/\lambda`, the box
resolves uv structure finer than one pointing measures: the model then needs mosaicking and
is not valid; a warning says so.)

**Realizations.** Each channel's noise image is white Gaussian noise shaped in 2-D Fourier
space by :math:`\sqrt{P_N/V_\mathrm{cell}}` (zero on unmeasured cells), so that the
realization's 3-D power spectrum, with :func:`~skcosmo21.physics.binned_power_spectrum`'s
normalization, is :math:`P_N` on every mode; channels are independent (white along the line of
sight). Images are in mK, like ``delta_T``.

**random_state → realizations.** ``random_state`` is resolved to one integer of entropy
(an int is used as it is; None draws fresh entropy from the operating system; a
``RandomState`` gives one draw), once per function call or once per ``fit``. Each cube then gets
its own stream, ``numpy.random.SeedSequence(entropy, spawn_key=key)``, where the key is a
BLAKE2b digest of the cube's values (as little-endian float32) and shape, preceded by a tag of
how it is used: the cube's index in its Bunch as well for :func:`observe_cubes`, the
realization number for :func:`thermal_noise_cubes`. So no two different cubes share a noise
pattern, whatever batch or split they are transformed in, and the same call is bitwise
repeatable.
"""

import hashlib
import logging
from numbers import Integral

import numpy as np
import scipy.fft
from sklearn.utils import Bunch, check_random_state

from ..physics import (
    Cosmology,
    comoving_distance,
    line_of_sight_distance_per_frequency,
    redshift_to_frequency,
)
from ..physics._observing import SPEED_OF_LIGHT_KM_S
from ..utils import RANDOM_STATE_CONSTRAINT, Interval, validate_params
from ._constraints import GEOMETRY, OBSERVING, POSITIVE
from ._geometry import channel_redshifts
from ._telescopes import (
    _beam_terms,
    _check_telescope,
    beam_crossing_time,
    resolve_scan,
    system_temperature,
)
from ._uv import grid_uv_samples

__all__ = ["thermal_noise_cubes", "thermal_noise_model"]

logger = logging.getLogger(__name__)

#: Tags that keep the seed keys of different uses apart.
_KEY_CONTENT, _KEY_BUNCH, _KEY_REALIZATION = 0, 1, 2


def _track_duration(telescope, scan, hours_per_day, frequency):
    """Seconds per day that one field is tracked: the whole session, or one beam crossing."""
    if resolve_scan(telescope, scan) == "track":
        return hours_per_day * 3600.0
    return min(beam_crossing_time(telescope, frequency), hours_per_day * 3600.0)


_MODEL_CONSTRAINTS = {
    **OBSERVING,
    "n_cells": [Interval(Integral, 1, None, closed="left")],
    "box_size": POSITIVE,
    "redshift": GEOMETRY["redshift"],
    "hours": POSITIVE,
    "n_los": [Interval(Integral, 1, None, closed="left"), None],
    "cosmology": GEOMETRY["cosmology"],
}


@validate_params(_MODEL_CONSTRAINTS, prefer_skip_nested_validation=True)
def thermal_noise_model(
    telescope,
    *,
    n_cells,
    box_size,
    redshift,
    hours,
    hours_per_day=6.0,
    integration_time=60.0,
    scan=None,
    declination=None,
    n_los=None,
    cosmology=None,
):
    r"""Thermal-noise power of every transverse mode of a box observed by ``telescope``.

    Parameters
    ----------
    telescope : str
        One of :data:`~skcosmo21.observation.TELESCOPES`.
    n_cells : int
        Transverse cells of the box (the cells are cubes of ``box_size / n_cells`` Mpc).
    box_size : float
        Transverse comoving side in Mpc.
    redshift : float or array-like of shape (n_los,)
        Redshift of a coeval cube, or of every line-of-sight cell of a lightcone.
    hours : float
        Total observing time in hours; ``hours / hours_per_day`` days (need not be whole).
    hours_per_day : float, default=6.0
        Hours observed per day (per night).
    integration_time : float, default=60.0
        Seconds per visibility sample; sets how finely the uv tracks are sampled (the noise
        depends on the total time, not on this).
    scan : {"track", "drift"} or None, default=None
        ``"track"``: the box's field is tracked ``hours_per_day`` each day, centred on transit.
        ``"drift"``: the sky drifts overhead and the field is seen for one beam crossing a day
        (the rest of the session observes other fields). None: the array's own mode, drift
        for HERA (fixed dishes pointing at the zenith, which cannot track: an error) and
        track for the phased arrays (SKA1-Low, MWA).
    declination : float, optional
        Phase-centre declination in degrees; the array's latitude (zenith transit) if None.
    n_los : int, optional
        Line-of-sight cells; ``n_cells`` if None (coeval cubes).
    cosmology : Cosmology, optional
        Default: :class:`~skcosmo21.physics.Cosmology` (Planck 2018, as the simulator).

    Returns
    -------
    model : sklearn.utils.Bunch
        ``noise_power`` (n_distinct, n_cells, n_cells): :math:`P_N` in
        :math:`\mathrm{mK^2\,Mpc^3}` per mode (``numpy.fft`` order, inf where unmeasured);
        ``measured`` (same shape, bool); ``uv_samples`` (samples per cell per day);
        ``channel_index`` (n_los,) mapping each line-of-sight cell to its row;
        ``redshift``, ``frequency`` (MHz), ``distance`` (comoving, Mpc),
        ``system_temperature`` (K) and ``uv_cell`` (wavelengths) per row; ``track_seconds``
        (per day); ``n_days``; ``cell_volume`` (Mpc³); ``coeval``; ``cosmology``;
        ``settings``.

    Examples
    --------
    >>> from skcosmo21.observation import thermal_noise_model
    >>> model = thermal_noise_model("HERA", n_cells=16, box_size=600.0, redshift=8.0,
    ...                             hours=100.0, scan="drift")
    >>> model.noise_power.shape, bool(model.measured[0, 0, 0])
    ((1, 16, 16), False)
    """
    coverage = _coverage(
        telescope,
        n_cells=n_cells,
        box_size=box_size,
        redshift=redshift,
        hours_per_day=hours_per_day,
        integration_time=integration_time,
        scan=scan,
        declination=declination,
        n_los=n_los,
        cosmology=cosmology,
    )
    frequency, uv_cell = coverage.frequency, coverage.uv_cell
    beam = np.array([_beam_terms(telescope, f) for f in frequency])
    effective_solid_angle, footprint_cell = beam[:, 0], beam[:, 1]
    if np.any(uv_cell < footprint_cell * (1 - 1e-6)):
        logger.warning(
            "the box (%.0f Mpc) is wider than %s's primary beam at z=%.2f: one pointing does "
            "not measure its finest uv structure, and the noise model needs mosaicking there",
            box_size,
            telescope,
            float(coverage.redshift[np.argmax(footprint_cell / uv_cell)]),
        )
    n_days = hours / hours_per_day
    t_sys = system_temperature(telescope, frequency)
    depth_per_hz = line_of_sight_distance_per_frequency(coverage.redshift, coverage.cosmology) / 1e6
    # Seconds of 21cmSense-sized (dish-diameter) uv cells: samples per box cell, as a density.
    seconds = (
        coverage.uv_samples
        * (integration_time * n_days * footprint_cell**2 / uv_cell**2)[:, None, None]
    )
    numerator = coverage.distance**2 * depth_per_hz * effective_solid_angle * (t_sys * 1e3) ** 2
    with np.errstate(divide="ignore"):
        noise_power = np.where(
            coverage.measured, numerator[:, None, None] / (2.0 * seconds), np.inf
        )
    model = Bunch(**coverage)
    model.update(
        noise_power=noise_power,
        system_temperature=t_sys,
        n_days=n_days,
        settings={**coverage.settings, "hours": float(hours)},
    )
    return model


def _coverage(
    telescope,
    *,
    n_cells,
    box_size,
    redshift,
    hours_per_day,
    integration_time,
    scan,
    declination,
    n_los,
    cosmology,
):
    """Uv samples per box cell and the box's geometry at every distinct channel redshift."""
    _check_telescope(telescope)
    cosmology = Cosmology() if cosmology is None else cosmology
    n_los = n_cells if n_los is None else int(n_los)
    redshifts, coeval = channel_redshifts(redshift, n_los)
    distinct, channel_index = np.unique(redshifts, return_inverse=True)
    frequency, distance, uv_cell, cell_metres = _box_uv_cells(distinct, box_size, cosmology)
    central_frequency = float(redshift_to_frequency(np.median(redshifts)))
    track_seconds = _track_duration(telescope, scan, hours_per_day, central_frequency)
    samples = grid_uv_samples(
        telescope,
        cell_metres,
        n_cells,
        duration=track_seconds,
        integration_time=integration_time,
        declination=declination,
    )
    return Bunch(
        uv_samples=np.asarray(samples),
        measured=samples > 0,
        channel_index=channel_index,
        redshift=distinct,
        frequency=frequency,
        distance=distance,
        uv_cell=uv_cell,
        track_seconds=track_seconds,
        cell_volume=(box_size / n_cells) ** 3,
        coeval=coeval,
        cosmology=cosmology,
        settings={
            "telescope": telescope,
            "hours_per_day": float(hours_per_day),
            "integration_time": float(integration_time),
            "scan": resolve_scan(telescope, scan),
            "declination": None if declination is None else float(declination),
            "box_size": float(box_size),
            "n_cells": int(n_cells),
            "n_los": n_los,
            "cosmology": cosmology.to_dict(),
        },
    )


def noise_amplitude(model, dtype=np.float32):
    """Per-mode amplitude sqrt(P_N / V_cell) on the rfft2 half plane, (n_distinct, n, n//2+1)."""
    n_cells = model.noise_power.shape[-1]
    power = np.where(model.measured, model.noise_power, 0.0)[..., : n_cells // 2 + 1]
    return np.sqrt(power / model.cell_volume).astype(dtype)


def resolve_entropy(random_state):
    """One integer of entropy from a ``random_state`` (None: fresh from the OS)."""
    if random_state is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(0, 2**32 - 1, dtype=np.int64))


def content_key(cube):
    """Four 32-bit words identifying a cube by its values (as float32) and shape."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.asarray(cube.shape, dtype="<i8").tobytes())
    digest.update(np.ascontiguousarray(cube, dtype="<f4").tobytes())
    return tuple(int(w) for w in np.frombuffer(digest.digest(), dtype="<u4"))


def cube_generator(entropy, key):
    """The random generator of one cube: ``SeedSequence(entropy, spawn_key=key)``."""
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=tuple(key)))


def draw_noise(amplitude, channel_index, n_los, generator, dtype=np.float32, workers=None):
    """One noise cube (n, n, n_los) in mK: white noise shaped per channel by ``amplitude``."""
    n_cells = amplitude.shape[1]
    white = generator.standard_normal((n_cells, n_cells, n_los), dtype=np.float32)
    modes = scipy.fft.rfft2(white, axes=(0, 1), workers=workers)
    if amplitude.shape[0] == 1:
        modes *= amplitude[0][:, :, None]
    else:
        modes *= np.moveaxis(amplitude[channel_index], 0, -1)
    noise = scipy.fft.irfft2(modes, s=(n_cells, n_cells), axes=(0, 1), workers=workers)
    return noise.astype(dtype, copy=False)


@validate_params(
    {
        "n_realizations": [Interval(Integral, 1, None, closed="left")],
        **_MODEL_CONSTRAINTS,
        "random_state": RANDOM_STATE_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def thermal_noise_cubes(
    n_realizations,
    telescope,
    *,
    n_cells,
    box_size,
    redshift,
    hours,
    hours_per_day=6.0,
    integration_time=60.0,
    scan=None,
    declination=None,
    n_los=None,
    cosmology=None,
    random_state=None,
):
    """Thermal-noise realizations in mK, as ``telescope`` would add to a box.

    Parameters
    ----------
    n_realizations : int
        Number of noise cubes.
    telescope : str
        One of :data:`~skcosmo21.observation.TELESCOPES`.
    n_cells, box_size, redshift, hours, hours_per_day, integration_time, scan, declination, \
n_los, cosmology
        As in :func:`thermal_noise_model`.
    random_state : int, RandomState instance or None, default=None
        Realization r is drawn from ``SeedSequence(entropy, spawn_key=(2, r))``.

    Returns
    -------
    noise : ndarray of shape (n_realizations, n_cells, n_cells, n_los)
        float32, mK.

    Examples
    --------
    >>> from skcosmo21.observation import thermal_noise_cubes
    >>> noise = thermal_noise_cubes(2, "HERA", n_cells=16, box_size=600.0, redshift=8.0,
    ...                             hours=100.0, scan="drift", random_state=0)
    >>> noise.shape, noise.dtype
    ((2, 16, 16, 16), dtype('float32'))
    """
    model = thermal_noise_model(
        telescope,
        n_cells=n_cells,
        box_size=box_size,
        redshift=redshift,
        hours=hours,
        hours_per_day=hours_per_day,
        integration_time=integration_time,
        scan=scan,
        declination=declination,
        n_los=n_los,
        cosmology=cosmology,
    )
    amplitude = noise_amplitude(model)
    entropy = resolve_entropy(random_state)
    n_los = len(model.channel_index)
    out = np.empty((n_realizations, n_cells, n_cells, n_los), dtype=np.float32)
    for r in range(n_realizations):
        generator = cube_generator(entropy, (_KEY_REALIZATION, r))
        out[r] = draw_noise(amplitude, model.channel_index, n_los, generator)
    return out


def _box_uv_cells(redshifts, box_size, cosmology):
    """Frequency (MHz), comoving distance (Mpc), uv cell (wavelengths) and uv cell (metres)."""
    frequency = redshift_to_frequency(redshifts)
    wavelength = SPEED_OF_LIGHT_KM_S * 1e3 / (frequency * 1e6)
    distance = comoving_distance(redshifts, cosmology)
    # The box subtends box_size / D_c radians, so its uv cells are D_c / box_size wavelengths.
    uv_cell = distance / box_size
    return frequency, distance, uv_cell, wavelength * uv_cell


def prefetch_coverage(telescope, redshifts, *, box_size, n_cells, cosmology=None, **observation):
    """Grid the uv coverage of several coeval redshifts in one pass over the baseline tracks.

    Later :func:`thermal_noise_model` calls at these redshifts find their grids cached.
    ``observation`` holds ``hours_per_day``, ``integration_time``, ``scan`` and
    ``declination``.
    """
    cosmology = Cosmology() if cosmology is None else cosmology
    frequency, _, _, cells = _box_uv_cells(np.asarray(redshifts, float), box_size, cosmology)
    by_duration = {}
    for f, cell in zip(frequency, cells, strict=True):
        duration = _track_duration(telescope, observation["scan"], observation["hours_per_day"], f)
        by_duration.setdefault(duration, []).append(cell)
    for duration, group in by_duration.items():
        grid_uv_samples(
            telescope,
            group,
            n_cells,
            duration=duration,
            integration_time=observation["integration_time"],
            declination=observation["declination"],
        )
