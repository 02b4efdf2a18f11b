"""The study on observed cubes: what a telescope would see after each observing time.

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
"""

import logging

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
        for the reference), ``remove_mean`` and ``wedge``: what results.json records per row.
    """
    if not config.observing:
        return []
    common = {
        "telescope": config.telescope,
        "hours_per_day": config.hours_per_day,
        "scan": config.scan,
        "remove_mean": True,
        "wedge": config.wedge,
    }
    reference = {**common, "hours": None, "resolution": None}
    return [reference] + [{**common, "hours": h, "resolution": "uv"} for h in config.hours]


def setting_label(setting):
    """How a setting is named in the log, the table and the figures."""
    if setting is None:
        return "simulated maps"
    wedge = setting["wedge"]
    cut = "mean removed" if wedge == "none" else f"mean and {_wedge_words(wedge)} removed"
    if setting["hours"] is None:
        return f"no noise, {cut}"
    return f"{setting['telescope']}, {setting['hours']:g} h, {cut}"


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


def observe(cubes, setting, *, random_state):
    """The cubes a setting sees: the cubes themselves, or a new observed Bunch.

    Returns
    -------
    observed : Bunch
        For an observation, with ``observation`` (settings, noise rms per redshift, system
        temperatures) as :func:`~skcosmo21.observation.observe_cubes` records it.
    """
    if setting is None:
        return cubes
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
