"""Parameter constraints shared by the observation functions and transformers."""

from numbers import Real

from ..physics import Cosmology
from ..utils import Interval, StrOptions
from ._telescopes import TELESCOPES

POSITIVE = [Interval(Real, 0, None, closed="neither")]

#: How the sky is observed (every function or transformer that uses a telescope).
OBSERVING = {
    "telescope": [StrOptions(set(TELESCOPES))],
    "hours_per_day": [Interval(Real, 0, 24, closed="right")],
    "integration_time": POSITIVE,
    "scan": [StrOptions({"track", "drift"}), None],
    "declination": [Interval(Real, -90, 90, closed="both"), None],
}

#: Geometry of the cubes, required by the functions on arrays.
GEOMETRY = {
    "box_size": POSITIVE,
    "redshift": [Interval(Real, 0, None, closed="neither"), "array-like"],
    "cosmology": [Cosmology, None],
}

#: The same for transformers, whose parameters default to None and are checked in ``fit``.
TRANSFORMER_GEOMETRY = {
    "box_size": [*POSITIVE, None],
    "redshift": [Interval(Real, 0, None, closed="neither"), "array-like", None],
    "cosmology": [Cosmology, None],
}

WEDGE = [StrOptions({"horizon", "primary-beam"}), Interval(Real, 0, 90, closed="both"), None]

__all__ = ["GEOMETRY", "OBSERVING", "POSITIVE", "TRANSFORMER_GEOMETRY", "WEDGE"]
