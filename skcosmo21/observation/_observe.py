"""An interferometer's view of simulated cubes: uv sampling, thermal noise, and the whole chain.

:func:`observe_cubes` turns a Bunch of cubes (coeval, from
:func:`~skcosmo21.datasets.make_reionization_cubes` or :func:`~skcosmo21.datasets.load_21cmfast`,
or lightcones with per-cell ``los_redshift``) into the Bunch an observation would give; the
functions on arrays do one step each.
"""

import functools
from numbers import Real

import numpy as np
import scipy.fft
from sklearn.utils import Bunch

from .._version import __version__
from ..base import run_threaded
from ..physics import Cosmology, redshift_to_frequency
from ..utils import RANDOM_STATE_CONSTRAINT, Interval, StrOptions, validate_params
from ._constraints import GEOMETRY, OBSERVING, POSITIVE, WEDGE
from ._filters import average_channels, remove_transverse_mean, remove_wedge, smooth_with_beam
from ._geometry import check_cubes
from ._noise import (
    _KEY_BUNCH,
    _KEY_CONTENT,
    _coverage,
    content_key,
    cube_generator,
    noise_amplitude,
    prefetch_coverage,
    resolve_entropy,
    thermal_noise_model,
)
from ._telescopes import _observatory, resolve_scan, telescope_properties

__all__ = ["add_thermal_noise", "observe_cubes", "sample_uv_coverage"]


def _per_channel(array, channel_index, width):
    """(n_distinct, N, width) rows to the (N, width, n_los) layout of one cube's rfft2 modes."""
    if array.shape[0] == 1:
        return array[0][:, :, None]
    return np.moveaxis(array[channel_index], 0, -1)


def _interferometer_tasks(
    cubes, coverage, *, sample_uv, amplitude, entropy, keys, rows=None, out=None, out_rows=None
):
    """One task per cube: uv sampling and/or thermal noise in one transverse FFT pass.

    The task for cube ``rows[i]`` of ``cubes`` (all of them if None) writes it observed into
    ``out[out_rows[i]]`` (``out``: a new array if None; ``out_rows``: ``rows`` if None), so
    that one redshift of a Bunch is observed without copying it out, and the cubes of every
    redshift can share one pool of threads.
    """
    n_cells = cubes.shape[1]
    half = n_cells // 2 + 1
    mask = _per_channel(coverage.measured[..., :half], coverage.channel_index, half)
    amplitude = None if amplitude is None else _per_channel(amplitude, coverage.channel_index, half)
    rows = np.arange(len(cubes)) if rows is None else rows
    out_rows = rows if out_rows is None else out_rows
    out = np.empty_like(cubes) if out is None else out

    def observe_one(i):
        cube = cubes[rows[i]]
        modes = scipy.fft.rfft2(cube, axes=(0, 1))
        if sample_uv:
            modes *= mask
        if amplitude is not None:
            generator = cube_generator(entropy, keys(i, cube))
            white = generator.standard_normal(cube.shape, dtype=np.float32)
            noise = scipy.fft.rfft2(white, axes=(0, 1))
            noise *= amplitude
            modes += noise
        out[out_rows[i]] = scipy.fft.irfft2(modes, s=(n_cells, n_cells), axes=(0, 1))

    return out, [functools.partial(observe_one, i) for i in range(len(rows))]


def _run_on_threads(tasks):
    # One thread per core as the simulator does (FFTs, the generator and the hash release the
    # GIL); each cube has its own generator, so the result does not depend on the threads.
    run_threaded(lambda task: task(), tasks, n_jobs=-1)


def _interferometer(cubes, coverage, **options):
    """:func:`_interferometer_tasks` run at once; returns the observed cubes."""
    out, tasks = _interferometer_tasks(cubes, coverage, **options)
    _run_on_threads(tasks)
    return out


def _content_keys(i, cube):
    return (_KEY_CONTENT, *content_key(cube))


@validate_params(
    {"cubes": ["array-like"], **GEOMETRY, **OBSERVING}, prefer_skip_nested_validation=True
)
def sample_uv_coverage(
    cubes,
    box_size,
    redshift,
    *,
    telescope="SKA1-Low",
    hours_per_day=6.0,
    integration_time=60.0,
    scan=None,
    declination=None,
    cosmology=None,
):
    r"""Keep only the transverse modes an array measures (its angular resolution, no mean).

    The missing modes include :math:`k_\perp = 0`: no baseline has zero length.

    Every channel's 2-D Fourier modes outside the array's uv coverage (beyond the longest
    baseline, in the gaps between tracks, and the mean) are set to zero; the measured ones are
    kept unchanged (uniform weighting, no point-spread function).

    Parameters
    ----------
    cubes : ndarray of shape (n_cubes, N, N, n_los)
        Coeval cubes or lightcones (line of sight last), in any unit.
    box_size : float
        Transverse comoving side in Mpc.
    redshift : float or array-like of shape (n_los,)
        Redshift of the cubes, or of every line-of-sight cell.
    telescope : str, default="SKA1-Low"
        One of :data:`~skcosmo21.observation.TELESCOPES`.
    hours_per_day, integration_time, scan, declination
        As in :func:`~skcosmo21.observation.thermal_noise_model`.
    cosmology : Cosmology, optional
        Default: :class:`~skcosmo21.physics.Cosmology`.

    Returns
    -------
    sampled : ndarray, same shape and float dtype

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import sample_uv_coverage
    >>> cubes = np.random.default_rng(0).normal(size=(1, 16, 16, 16))
    >>> out = sample_uv_coverage(cubes, 600.0, 8.0, telescope="HERA", scan="drift")
    >>> float(abs(out.mean(axis=(1, 2))).max()) < 1e-6
    True
    """
    cubes = check_cubes(cubes)
    coverage = _coverage(
        telescope,
        n_cells=cubes.shape[1],
        box_size=box_size,
        redshift=redshift,
        hours_per_day=hours_per_day,
        integration_time=integration_time,
        scan=scan,
        declination=declination,
        n_los=cubes.shape[3],
        cosmology=cosmology,
    )
    return _interferometer(
        cubes, coverage, sample_uv=True, amplitude=None, entropy=None, keys=_content_keys
    )


@validate_params(
    {
        "cubes": ["array-like"],
        **GEOMETRY,
        **OBSERVING,
        "hours": POSITIVE,
        "sample_uv": ["boolean"],
        "random_state": RANDOM_STATE_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def add_thermal_noise(
    cubes,
    box_size,
    redshift,
    *,
    telescope="SKA1-Low",
    hours=1000.0,
    hours_per_day=6.0,
    integration_time=60.0,
    scan=None,
    declination=None,
    sample_uv=True,
    cosmology=None,
    random_state=None,
):
    """Add the thermal noise of an observation, in mK, to cubes of ``delta_T`` (mK).

    Each cube gets its own realization, keyed by its content (see
    :mod:`skcosmo21.observation` and :doc:`/user_guide/observing`): the same cube always gets
    the same noise for a given ``random_state``, whatever batch it is in, and different cubes
    never share a noise pattern.

    Parameters
    ----------
    cubes : ndarray of shape (n_cubes, N, N, n_los)
        Brightness temperature in mK, line of sight last.
    box_size : float
        Transverse comoving side in Mpc.
    redshift : float or array-like of shape (n_los,)
        Redshift of the cubes, or of every line-of-sight cell.
    telescope : str, default="SKA1-Low"
        One of :data:`~skcosmo21.observation.TELESCOPES`.
    hours : float, default=1000.0
        Total observing time in hours.
    hours_per_day, integration_time, scan, declination
        As in :func:`~skcosmo21.observation.thermal_noise_model`.
    sample_uv : bool, default=True
        Also remove the signal's unmeasured modes (:func:`sample_uv_coverage`): the full
        interferometric measurement. With False the noise is added to the untouched cubes.
    cosmology : Cosmology, optional
        Default: :class:`~skcosmo21.physics.Cosmology`.
    random_state : int, RandomState instance or None, default=None
        Entropy of the noise; see the mapping above.

    Returns
    -------
    observed : ndarray, same shape and float dtype

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import add_thermal_noise
    >>> cubes = np.zeros((2, 16, 16, 16), dtype=np.float32)
    >>> cubes[1] += 1.0  # a different cube gets a different realization
    >>> out = add_thermal_noise(cubes, 600.0, 8.0, telescope="HERA", hours=100.0,
    ...                         scan="drift", random_state=0)
    >>> bool(np.all(out[0] != out[1]))
    True
    """
    cubes = check_cubes(cubes)
    model = thermal_noise_model(
        telescope,
        n_cells=cubes.shape[1],
        box_size=box_size,
        redshift=redshift,
        hours=hours,
        hours_per_day=hours_per_day,
        integration_time=integration_time,
        scan=scan,
        declination=declination,
        n_los=cubes.shape[3],
        cosmology=cosmology,
    )
    return _interferometer(
        cubes,
        model,
        sample_uv=bool(sample_uv),
        amplitude=noise_amplitude(model),
        entropy=resolve_entropy(random_state),
        keys=_content_keys,
    )


def _bunch_geometry(data, field):
    """Cubes, box size and per-cube (coeval) or per-cell (lightcone) redshifts of a Bunch."""
    if field not in data:
        raise ValueError(f"the Bunch has no {field!r} (it holds {sorted(data)})")
    cubes = check_cubes(data[field], name=field)
    if "box_size" not in data:
        raise ValueError("the Bunch has no 'box_size' (transverse comoving side in Mpc)")
    if "los_redshift" in data:
        los = np.asarray(data["los_redshift"], dtype=float)
        if los.shape != (cubes.shape[3],):
            raise ValueError(
                f"los_redshift must have one redshift per line-of-sight cell ({cubes.shape[3]}), "
                f"got shape {los.shape}"
            )
        cell = float(data["box_size"]) / cubes.shape[1]
        if "los_distance" in data and len(los) > 1:
            spacing = np.diff(np.asarray(data["los_distance"], dtype=float))
            if not np.allclose(spacing, cell, rtol=1e-3):
                raise ValueError(
                    f"line-of-sight cells of {spacing.min():.4g}-{spacing.max():.4g} Mpc: the "
                    f"observation model needs cubic cells of box_size / N = {cell:.4g} Mpc"
                )
        return cubes, float(data["box_size"]), None, los
    if "redshift" not in data:
        raise ValueError("the Bunch has neither 'redshift' (coeval) nor 'los_redshift' (lightcone)")
    redshift = np.asarray(data["redshift"], dtype=float)
    if redshift.shape != (len(cubes),):
        raise ValueError(
            f"redshift must have one entry per cube ({len(cubes)}), got shape {redshift.shape}"
        )
    if cubes.shape[1] != cubes.shape[3]:
        raise ValueError(f"coeval cubes must be cubic, got shape {cubes.shape[1:]}")
    return cubes, float(data["box_size"]), redshift, None


def _bunch_cosmology(data, cosmology):
    """The cosmology given, else the Bunch's (simulated cubes, or lightcone files), else ours."""
    if cosmology is not None:
        return cosmology
    params = data.get("params")
    if isinstance(params, dict) and isinstance(params.get("cosmology"), dict):
        return Cosmology(**params["cosmology"])
    if isinstance(params, list) and params and all("cosmo_params" in p for p in params):
        # Lightcone files: py21cmfast's cosmo_params, one per lightcone.
        found = {
            (p["cosmo_params"]["hlittle"], p["cosmo_params"]["OMm"], p["cosmo_params"]["OMb"])
            for p in params
        }
        if len(found) > 1:
            raise ValueError(
                f"the lightcones have different cosmologies {sorted(found)}: observe them apart"
            )
        hlittle, omega_m, omega_b = found.pop()
        return Cosmology(hlittle=float(hlittle), omega_m=float(omega_m), omega_b=float(omega_b))
    return Cosmology()


@validate_params(
    {
        "data": [dict],
        **OBSERVING,
        "hours": [*POSITIVE, None],
        "resolution": [StrOptions({"uv", "gaussian"}), None],
        "channel_width": [*POSITIVE, None],
        "remove_mean": ["boolean"],
        "wedge": WEDGE,
        "wedge_buffer": [Interval(Real, 0, None, closed="left")],
        "field": [str],
        "cosmology": GEOMETRY["cosmology"],
        "random_state": RANDOM_STATE_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def observe_cubes(
    data,
    *,
    telescope="SKA1-Low",
    hours=1000.0,
    hours_per_day=6.0,
    integration_time=60.0,
    scan=None,
    declination=None,
    resolution="uv",
    channel_width=None,
    remove_mean=True,
    wedge=None,
    wedge_buffer=0.0,
    field="delta_T",
    cosmology=None,
    random_state=None,
):
    r"""Observe a Bunch of cubes with a radio interferometer.

    Applied in this order to ``data[field]`` (mK):

    1. frequency resolution, if ``channel_width``: :func:`average_channels`;
    2. angular resolution: the uv coverage (``resolution="uv"``, :func:`sample_uv_coverage`)
       or a Gaussian beam of FWHM λ/B_max (``"gaussian"``, :func:`smooth_with_beam`);
    3. thermal noise, if ``hours``: :func:`add_thermal_noise` on the measured uv cells;
    4. the :math:`k_\perp = 0` mode, if ``remove_mean``: :func:`remove_transverse_mean`;
    5. the foreground wedge, if ``wedge``: :func:`remove_wedge`.

    The geometry comes from the Bunch: ``box_size``, and ``redshift`` per cube (coeval cubes,
    line of sight along axis 2 of each cube; cubes at different redshifts get the noise of
    their own redshift) or ``los_redshift`` per line-of-sight cell (lightcones). The cosmology
    is the Bunch's ``params["cosmology"]`` when it has one.

    Parameters
    ----------
    data : sklearn.utils.Bunch
        From :func:`~skcosmo21.datasets.make_reionization_cubes`,
        :func:`~skcosmo21.datasets.load_21cmfast` or a lightcone loader.
    telescope : str, default="SKA1-Low"
        One of :data:`~skcosmo21.observation.TELESCOPES`.
    hours : float or None, default=1000.0
        Total observing time in hours; None for a noiseless observation.
    hours_per_day : float, default=6.0
        Hours observed per day.
    integration_time : float, default=60.0
        Seconds per visibility sample.
    scan : {"track", "drift"} or None, default=None
        See :func:`~skcosmo21.observation.thermal_noise_model` (None: the array's own mode).
    declination : float, optional
        Phase-centre declination in degrees (default: the array's latitude).
    resolution : {"uv", "gaussian"} or None, default="uv"
        Angular resolution model (None: keep every transverse mode).
    channel_width : float, optional
        Channel width in MHz to average over (None: the cubes' own cells).
    remove_mean : bool, default=True
        Remove every channel's mean (always true of an interferometer).
    wedge : {"horizon", "primary-beam"}, float or None, default=None
        Remove the foreground wedge up to the horizon (90°), the primary beam's half width at
        half maximum, or a given angle in degrees; None keeps it.
    wedge_buffer : float, default=0.0
        Extra :math:`k_\parallel` (Mpc⁻¹) removed above the wedge.
    field : str, default="delta_T"
        The Bunch entry to observe (in mK); the other entries are kept as they are.
    cosmology : Cosmology, optional
        Overrides the Bunch's cosmology.
    random_state : int, RandomState instance or None, default=None
        Entropy of the noise. Cube i is drawn from ``SeedSequence(entropy, spawn_key=(1, i,
        *blake2b(cube)))``: the same call is bitwise repeatable, and no two cubes share noise,
        even across Bunches observed in separate calls.

    Returns
    -------
    observed : sklearn.utils.Bunch
        A copy of ``data`` with ``data[field]`` replaced by the observed cubes (same dtype), and
        ``observation``: every setting, the noise rms (mK) per distinct redshift, the system
        temperatures, and the library versions.

    Examples
    --------
    >>> from skcosmo21.datasets import make_reionization_cubes
    >>> from skcosmo21.observation import observe_cubes
    >>> cubes = make_reionization_cubes([8.0], [0.2], n_cells=16, box_size=300.0,
    ...                                 random_state=0)
    >>> observed = observe_cubes(cubes, telescope="SKA1-Low", hours=1000.0, random_state=0)
    >>> observed.delta_T.shape, observed.observation["telescope"]
    ((1, 16, 16, 16), 'SKA1-Low')
    """
    scan = resolve_scan(telescope, scan)
    cubes, box_size, per_cube, per_cell = _bunch_geometry(data, field)
    cosmology = _bunch_cosmology(data, cosmology)
    entropy = resolve_entropy(random_state)
    groups = (
        [(per_cell, np.arange(len(cubes)))]
        if per_cube is None
        else [(z, np.flatnonzero(per_cube == z)) for z in np.unique(per_cube)]
    )
    out = np.empty_like(cubes)
    noise_rms, system_temperature = {}, {}
    max_baseline = (
        telescope_properties(telescope).longest_baseline if resolution == "gaussian" else None
    )
    if per_cube is not None and (hours is not None or resolution == "uv"):
        prefetch_coverage(
            telescope,
            np.unique(per_cube),
            box_size=box_size,
            n_cells=cubes.shape[1],
            cosmology=cosmology,
            hours_per_day=hours_per_day,
            integration_time=integration_time,
            scan=scan,
            declination=declination,
        )
    tasks = []
    for redshift, index in groups:
        # Without resolution steps, one redshift is observed straight from the Bunch into
        # ``out``: no copy of its cubes.
        block, rows = cubes, index
        if channel_width is not None or resolution == "gaussian":
            block, rows = cubes[index], np.arange(len(index))
        if channel_width is not None:
            block = average_channels(
                block, box_size, redshift, channel_width=channel_width, cosmology=cosmology
            )
        if resolution == "gaussian":
            block = smooth_with_beam(
                block, box_size, redshift, max_baseline=max_baseline, cosmology=cosmology
            )
        settings = dict(
            n_cells=cubes.shape[1],
            box_size=box_size,
            redshift=redshift,
            hours_per_day=hours_per_day,
            integration_time=integration_time,
            scan=scan,
            declination=declination,
            n_los=cubes.shape[3],
            cosmology=cosmology,
        )
        if hours is not None:
            model = thermal_noise_model(telescope, hours=hours, **settings)
            amplitude = noise_amplitude(model)
            label = _label(redshift)
            noise_rms[label] = _noise_rms(amplitude)
            system_temperature[label] = model.system_temperature.tolist()
        elif resolution == "uv":
            model, amplitude = _coverage(telescope, **settings), None
        if hours is not None or resolution == "uv":

            def keys(i, cube, index=index):
                return (_KEY_BUNCH, int(index[i]), *content_key(cube))

            _, cube_tasks = _interferometer_tasks(
                block,
                model,
                sample_uv=resolution == "uv",
                amplitude=amplitude,
                entropy=entropy,
                keys=keys,
                rows=rows,
                out=out,
                out_rows=index,
            )
            tasks += cube_tasks
        else:
            out[index] = block[rows]
    # The cubes of every redshift on one pool of threads (5 cubes a redshift would leave a
    # core idle at the end of each).
    _run_on_threads(tasks)
    for redshift, index in groups:
        # The uv coverage never holds k_perp = 0 (nor does the noise), so uv-sampled cubes
        # have no transverse mean left to remove.
        if remove_mean and resolution != "uv":
            out[index] = remove_transverse_mean(out[index])
        if wedge is not None:
            out[index] = remove_wedge(
                out[index],
                box_size,
                redshift,
                angle=_wedge_angle(wedge, telescope, redshift),
                buffer=wedge_buffer,
                cosmology=cosmology,
            )
    observed = Bunch(**data)
    observed[field] = out
    observed["observation"] = {
        "field": field,
        "telescope": telescope,
        "hours": None if hours is None else float(hours),
        "hours_per_day": float(hours_per_day),
        "integration_time": float(integration_time),
        "scan": scan,
        "declination": declination,
        "resolution": resolution,
        "channel_width": channel_width,
        "remove_mean": bool(remove_mean),
        "wedge": wedge,
        "wedge_buffer": float(wedge_buffer),
        "random_state_entropy": entropy,
        "noise_rms_mK": noise_rms,
        "system_temperature_K": system_temperature,
        "cosmology": cosmology.to_dict(),
        "skcosmo21_version": __version__,
        "py21cmsense_version": _py21cmsense_version(),
    }
    return observed


def _label(redshift):
    redshift = np.asarray(redshift)
    if redshift.ndim == 0:
        return f"z={float(redshift):g}"
    return f"z={float(redshift.min()):g}-{float(redshift.max()):g}"


def _noise_rms(amplitude):
    # Parseval on the rfft2 half plane: the columns other than 0 (and Nyquist) stand for two.
    n_cells = amplitude.shape[1]
    weights = np.full(amplitude.shape[2], 2.0)
    weights[0] = 1.0
    if n_cells % 2 == 0:
        weights[-1] = 1.0
    variance = (amplitude.astype(float) ** 2 * weights).sum(axis=(1, 2)) / n_cells**2
    return np.sqrt(variance).tolist()


def _wedge_angle(wedge, telescope, redshift):
    if wedge == "horizon":
        return 90.0
    if wedge == "primary-beam":
        from astropy import units

        frequency = float(redshift_to_frequency(np.median(redshift)))
        fwhm = _observatory(telescope).beam.fwhm(frequency * units.MHz).to_value("deg")
        return float(fwhm) / 2.0
    return float(wedge)


def _py21cmsense_version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("21cmSense")
    except PackageNotFoundError:
        return None
