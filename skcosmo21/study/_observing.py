r"""The study on observed cubes: what a telescope would see after each observing time.

With a telescope configured, the study runs every task on the simulated maps, then on the
noiseless reference (the mean of every channel and the foreground wedge removed: what an
interferometer could see with no noise at all, at the simulation's resolution), then once per
observing time on :func:`~skcosmo21.observation.observe_cubes`' output (uv coverage of the
array, thermal noise of that time, mean and wedge removed). Each setting is observed when its
turn comes and dropped after it, so at most one observed copy of the cubes is in memory.

The noise is drawn with the study's ``random_state`` (see :doc:`/user_guide/observing` for how
a seed maps to one realization per cube); the observing times share it, so a longer time gives
the same noise pattern at a lower amplitude, and the accuracy against time is not blurred by
different draws.

**Wiener filter** (``noise_filter="wiener"``, the default). Before any model sees them, the
observed cubes are filtered mode by mode with :math:`w(\mathbf{k}) = P_S(k) / [P_S(k) +
P_N(\mathbf{k})]`: the minimum-variance estimate of a Gaussian signal of power
:math:`P_S` under noise of power :math:`P_N` (Wiener 1949; e.g. Tegmark 1997 for maps). The
noise power of every mode is the observation's own
(:func:`~skcosmo21.observation.thermal_noise_model` at each cube's redshift, infinite where
nothing is measured); the signal power is one spherically averaged spectrum of an independent
simulation of the data's geometry, redshifts and escape fractions (one realization, a seed the
study's own cubes never use), averaged over every redshift and escape fraction so that the
filter knows the observation (its frequency and noise) but nothing about any cube's class.
Where a mode is signal-dominated the filter keeps it, where noise dominates it fades it out:
an honest analysis of noisy maps weights modes by what they can tell. It was chosen on
simulations independent of the study's (``random_state`` 11 and 12), not on its folds; see
:doc:`/user_guide/observing`. The noiseless reference is left as it is (no noise:
the filter is one on every kept mode).
"""

import logging

import numpy as np
import scipy.fft
from sklearn.utils import Bunch

from ._data import StudyError

logger = logging.getLogger("skcosmo21.run")


def observing_settings(config):
    """The observations the study runs besides the simulated maps, in order.

    Parameters
    ----------
    config : StudyConfig

    Returns
    -------
    settings : list of dict
        Empty when no telescope is configured; otherwise the noiseless reference
        (``hours`` None) followed by one setting per observing time. Each holds
        ``telescope``, ``hours``, ``hours_per_day``, ``scan``, ``resolution`` ("uv", or None
        for the reference), ``remove_mean``, ``wedge`` and ``noise_filter`` ("wiener" or
        "none"): what results.json records per row.
    """
    if not config.observing:
        return []
    # Imported here: the study's import stays free of the observation package.
    from ..observation._telescopes import resolve_scan

    common = {
        "telescope": config.telescope,
        "hours_per_day": config.hours_per_day,
        "scan": resolve_scan(config.telescope, config.scan),
        "remove_mean": True,
        "wedge": config.wedge,
    }
    reference = {**common, "hours": None, "resolution": None, "noise_filter": "none"}
    timed = {"resolution": "uv", "noise_filter": config.noise_filter}
    return [reference] + [{**common, "hours": h, **timed} for h in config.hours]


def setting_label(setting):
    """How a setting is named in the log, the table and the figures."""
    if setting is None:
        return "simulated maps"
    wedge = setting["wedge"]
    cut = "mean removed" if wedge == "none" else f"mean and {_wedge_words(wedge)} removed"
    if setting["hours"] is None:
        return f"no noise, {cut}"
    filtered = ", Wiener-filtered" if setting["noise_filter"] == "wiener" else ""
    return f"{setting['telescope']}, {setting['hours']:g} h, {cut}{filtered}"


def _wedge_words(wedge):
    if isinstance(wedge, str):
        return f"{wedge} wedge"
    return f"{wedge:g}° wedge"


def check_observing(config):
    """Fail before any work when the study observes but 21cmSense cannot be imported."""
    if not config.observing:
        return
    try:
        import py21cmsense  # noqa: F401
    except ImportError:
        raise StudyError(
            f"telescope {config.telescope} needs 21cmSense: pip install 'skcosmo21[observe]'"
        ) from None


def observe(cubes, setting, *, random_state, signal_power=None):
    """The cubes a setting sees: the cubes themselves, or a new observed Bunch.

    Parameters
    ----------
    cubes : Bunch
        The study's cubes.
    setting : dict or None
        One of :func:`observing_settings`, or None for the cubes themselves.
    random_state : int
        Entropy of the noise.
    signal_power : ndarray, default=None
        The Wiener filter's prior (:func:`signal_prior`), needed when the setting asks for the
        filter.

    Returns
    -------
    observed : Bunch
        For an observation, with ``observation`` (settings, noise rms per redshift, system
        temperatures) as :func:`~skcosmo21.observation.observe_cubes` records it.
    """
    if setting is None:
        return cubes
    observed = _observe(cubes, setting, random_state=random_state)
    if setting["hours"] is not None and setting["noise_filter"] == "wiener":
        if signal_power is None:
            raise ValueError("the Wiener filter needs signal_power (signal_prior)")
        observed = wiener_filter(observed, signal_power)
    return observed


def _observe(cubes, setting, *, random_state):
    from ..observation import observe_cubes

    wedge = None if setting["wedge"] == "none" else setting["wedge"]
    logger.info("observing: %s", setting_label(setting))
    return observe_cubes(
        cubes,
        telescope=setting["telescope"],
        hours=setting["hours"],
        hours_per_day=setting["hours_per_day"],
        scan=setting["scan"],
        resolution=setting["resolution"],
        remove_mean=setting["remove_mean"],
        wedge=wedge,
        random_state=random_state,
    )


#: Spawn key of the prior's seed: a child of the study's seed that no realization uses
#: (the simulator spawns realizations 0, 1, ...).
_PRIOR_SPAWN_KEY = 2**31


def prior_seed(random_state):
    """Seed of the independent simulation behind the Wiener filter's signal power."""
    sequence = np.random.SeedSequence(random_state, spawn_key=(_PRIOR_SPAWN_KEY,))
    return int(sequence.generate_state(1)[0])


def _shells(n_cells, n_los):
    """Index of every rfftn mode's spherical shell, |k| in units of the fundamental, rounded."""
    k_x = np.fft.fftfreq(n_cells) * n_cells
    k_z = np.fft.rfftfreq(n_los) * n_los
    k = np.sqrt(k_x[:, None, None] ** 2 + k_x[None, :, None] ** 2 + k_z[None, None, :] ** 2)
    return np.rint(k).astype(int)


def signal_prior(cubes, *, random_state, memory=None):
    r"""Spherically averaged signal power of an independent simulation, for the Wiener filter.

    The built-in simulator at the geometry of ``cubes`` (cells, box size), on their redshifts
    and escape fractions, one realization, with :func:`prior_seed` of ``random_state``; each
    cube's mean removed, its power averaged over all cubes in shells of :math:`|\mathbf{k}|`
    one fundamental mode wide.

    Returns
    -------
    power : ndarray of shape (n_shells,)
        mK² Mpc³ per shell (shell i holds the modes with :math:`|\mathbf{k}| L/2\pi`
        rounded to i).
    """
    from ..datasets import make_reionization_cubes

    n_cells, box_size = cubes.delta_T.shape[1], float(cubes.box_size)
    finite = np.asarray(cubes.escape_fraction, dtype=float)
    escape_fractions = np.unique(finite[np.isfinite(finite)])
    seed = prior_seed(random_state)
    logger.info("simulating the Wiener filter's signal prior (seed %d)", seed)
    prior = make_reionization_cubes(
        np.unique(cubes.redshift),
        escape_fractions,
        n_cells=n_cells,
        box_size=box_size,
        fields=("delta_T",),
        random_state=seed,
        memory=memory,
    )
    shells = _shells(n_cells, n_cells)
    power = np.zeros(shells.max() + 1)
    for cube in prior.delta_T:
        modes = scipy.fft.rfftn(cube - cube.mean())
        power += np.bincount(shells.ravel(), (np.abs(modes) ** 2).ravel(), len(power))
    # Modes off the self-conjugate planes stand for two; within a shell every mode is averaged
    # as rfftn lists it, the same weighting for signal and filter.
    counts = np.bincount(shells.ravel(), minlength=len(power))
    return power / np.maximum(counts, 1) / len(prior.delta_T) * box_size**3 / n_cells**6


def wiener_filter(observed, signal_power):
    r"""Wiener-filter observed coeval cubes with their noise model and a signal prior.

    Every mode is multiplied by :math:`P_S(k) / [P_S(k) + P_N(\mathbf{k})]`, with
    :math:`P_N` from :func:`~skcosmo21.observation.thermal_noise_model` of the observation
    recorded in ``observed.observation`` at each cube's redshift (zero weight where nothing
    is measured) and :math:`P_S` from ``signal_power`` (:func:`signal_prior`).

    Returns
    -------
    filtered : Bunch
        A copy of ``observed`` with the filtered ``delta_T`` (same dtype) and
        ``observation["noise_filter"] = "wiener"``.
    """
    from ..observation import thermal_noise_model
    from ..physics import Cosmology

    info = observed.observation
    cubes = observed.delta_T
    n_cells, n_los = cubes.shape[1], cubes.shape[3]
    box_size = float(observed.box_size)
    prior = np.asarray(signal_power)[_shells(n_cells, n_los)]
    out = np.empty_like(cubes)
    for redshift in np.unique(observed.redshift):
        model = thermal_noise_model(
            info["telescope"],
            n_cells=n_cells,
            box_size=box_size,
            redshift=float(redshift),
            hours=info["hours"],
            hours_per_day=info["hours_per_day"],
            integration_time=info["integration_time"],
            scan=info["scan"],
            declination=info["declination"],
            cosmology=Cosmology(**info["cosmology"]),
        )
        weight = _weights(prior, model.noise_power[0])
        for i in np.flatnonzero(observed.redshift == redshift):
            modes = scipy.fft.rfftn(cubes[i]) * weight
            out[i] = scipy.fft.irfftn(modes, s=cubes.shape[1:])
    filtered = Bunch(**observed)
    filtered["delta_T"] = out
    filtered["observation"] = {**info, "noise_filter": "wiener"}
    return filtered


def _weights(prior, noise_power):
    """P_S / (P_S + P_N) on the rfftn grid; the noise of a uv cell is the same at every k∥."""
    with np.errstate(invalid="ignore"):
        weight = prior / (prior + noise_power[:, :, None])
    return np.where(np.isfinite(noise_power)[:, :, None], weight, 0.0)
