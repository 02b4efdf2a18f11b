"""Radio arrays from 21cmSense's built-in profiles, imported lazily.

21cmSense (``py21cmsense``, the optional ``observe`` extra) ships the antenna layouts, primary
beams, receiver temperatures and sky-temperature model of several 21-cm arrays and runs
offline. It imports astropy and pyuvdata (~2 s), so it is imported only when a telescope is
first used, never by ``import skcosmo21.observation``.
"""

import contextlib
import functools

import numpy as np
from sklearn.utils import Bunch

__all__ = [
    "TELESCOPES",
    "beam_crossing_time",
    "system_temperature",
    "telescope_properties",
]

#: Names accepted for ``telescope``, and the 21cmSense profile each one loads.
TELESCOPES = {
    "SKA1-Low": "SKA-LOW1-core",
    "SKA1-Low-central": "SKA-LOW1-central",
    "HERA": "HERA-H1C-IDR3",
    "MWA-PhaseII": "MWA-PhaseII",
}


def _py21cmsense():
    try:
        import py21cmsense
    except ImportError as error:
        raise ImportError(
            "telescopes need 21cmSense: pip install 'skcosmo21[observe]' (or '21cmsense>=3.0')"
        ) from error
    return py21cmsense


@contextlib.contextmanager
def _quiet(py21cmsense):
    # 21cmSense draws tqdm progress bars unless its module-level switch is off; switch it off
    # only while we call it, and put it back, rather than changing its global for the session.
    previous = py21cmsense.config.PROGRESS
    py21cmsense.config.PROGRESS = False
    try:
        yield
    finally:
        py21cmsense.config.PROGRESS = previous


#: Arrays that cannot follow a field across the sky: HERA's dishes are fixed and point at the
#: zenith, so every field drifts through its beam (DeBoer et al. 2017). The others are
#: phased arrays of dipoles whose beams are steered electronically.
DRIFT_ONLY = frozenset({"HERA"})


def _check_telescope(telescope):
    if telescope not in TELESCOPES:
        raise ValueError(f"telescope must be one of {sorted(TELESCOPES)}, got {telescope!r}")


def resolve_scan(telescope, scan):
    """The scan of an observation: ``scan``, or the array's own mode when None.

    None means ``"drift"`` for the arrays of :data:`DRIFT_ONLY` and ``"track"`` for the
    others; asking a drift-only array to track is an error rather than an observation it
    cannot make.
    """
    _check_telescope(telescope)
    if scan is None:
        return "drift" if telescope in DRIFT_ONLY else "track"
    if scan == "track" and telescope in DRIFT_ONLY:
        raise ValueError(
            f"{telescope} cannot track a field: its dishes are fixed and point at the zenith; "
            "scan must be 'drift' or None (the array's own mode)"
        )
    return scan


@functools.cache
def _observatory(telescope):
    """The 21cmSense ``Observatory`` of ``telescope`` (loaded once per process)."""
    _check_telescope(telescope)
    py21cmsense = _py21cmsense()
    with _quiet(py21cmsense):
        observatory = py21cmsense.Observatory.from_profile(TELESCOPES[telescope])
        # Grouping redundant baselines takes ~1 s for SKA1-Low; do it once, here.
        observatory.redundant_baseline_vectors  # noqa: B018 (cached property)
    return observatory


@functools.cache
def _baselines(telescope):
    """Redundant baseline groups: ENU vectors (m), their multiplicities, and the latitude (rad)."""
    observatory = _observatory(telescope)
    vectors = np.asarray(observatory.redundant_baseline_vectors.to_value("m"), dtype=float)
    weights = np.asarray(observatory.redundant_baseline_weights, dtype=float)
    latitude = float(observatory.latitude.to_value("rad"))
    vectors.setflags(write=False)
    weights.setflags(write=False)
    return vectors, weights, latitude


@functools.lru_cache(maxsize=4096)
def _observation(telescope, frequency):
    """A 21cmSense ``Observation`` at ``frequency`` (MHz) with its default settings."""
    from astropy import units

    py21cmsense = _py21cmsense()
    return py21cmsense.Observation(
        observatory=_observatory(telescope), frequency=float(frequency) * units.MHz
    )


def system_temperature(telescope, frequency):
    r"""System temperature :math:`T_\mathrm{sys}(\nu)` of ``telescope``, from 21cmSense.

    21cmSense adds the receiver temperature of the profile to a power-law sky,
    :math:`T_\mathrm{sky} = 260\,\mathrm{K}\,(\nu/150\,\mathrm{MHz})^{-2.6}` (Mozdzen et al.
    2017, Galaxy down).

    Parameters
    ----------
    telescope : str
        One of :data:`TELESCOPES`.
    frequency : float or array-like
        Observed frequency in MHz.

    Returns
    -------
    t_sys : ndarray
        In K, same shape as ``frequency``.

    Examples
    --------
    >>> from skcosmo21.observation import system_temperature
    >>> round(float(system_temperature("SKA1-Low", 150.0)))
    360
    """
    _check_telescope(telescope)
    frequency = np.asarray(frequency, dtype=float)
    values = [
        _observation(telescope, float(f)).Tsys.to_value("K") for f in frequency.ravel().tolist()
    ]
    return np.asarray(values).reshape(frequency.shape)


def beam_crossing_time(telescope, frequency):
    """Time a point of the sky takes to drift through the primary beam's FWHM, from 21cmSense.

    This is the length of the track that a drift scan gives each field per day (21cmSense's
    default ``lst_bin_size``).

    Parameters
    ----------
    telescope : str
        One of :data:`TELESCOPES`.
    frequency : float
        Observed frequency in MHz.

    Returns
    -------
    seconds : float

    Examples
    --------
    >>> from skcosmo21.observation import beam_crossing_time
    >>> round(beam_crossing_time("SKA1-Low", 157.8) / 60, 1)
    14.7
    """
    _check_telescope(telescope)
    return float(_observation(telescope, float(frequency)).lst_bin_size.to_value("s"))


def _beam_terms(telescope, frequency):
    """Beam solid-angle factor Ω' = Ω²/Ω_pp (sr) and 21cmSense's uv cell (wavelengths)."""
    from astropy import units

    beam = _observatory(telescope).beam
    quantity = float(frequency) * units.MHz
    return float(beam.b_eff(quantity).to_value("sr")), float(beam.uv_resolution(quantity))


def telescope_properties(telescope):
    """Layout, beam and receiver of ``telescope`` as 21cmSense describes it.

    Parameters
    ----------
    telescope : str
        One of :data:`TELESCOPES`.

    Returns
    -------
    properties : sklearn.utils.Bunch
        ``profile`` (21cmSense's name), ``n_antennas``, ``dish_size`` (m), ``latitude``
        (degrees), ``longest_baseline`` and ``shortest_baseline`` (m, between distinct
        antennas), ``receiver_temperature`` (K), ``n_baseline_groups`` (redundant groups).

    Examples
    --------
    >>> from skcosmo21.observation import telescope_properties
    >>> props = telescope_properties("HERA")
    >>> props.n_antennas, props.dish_size
    (71, 14.0)
    """
    observatory = _observatory(telescope)
    vectors, _, latitude = _baselines(telescope)
    lengths = np.hypot(vectors[:, 0], vectors[:, 1])
    return Bunch(
        profile=TELESCOPES[telescope],
        n_antennas=int(observatory.n_antennas),
        dish_size=float(observatory.beam.dish_size.to_value("m")),
        latitude=float(np.rad2deg(latitude)),
        longest_baseline=float(lengths.max()),
        shortest_baseline=float(lengths.min()),
        receiver_temperature=float(observatory.Trcv.to_value("K")),
        n_baseline_groups=len(vectors),
    )
