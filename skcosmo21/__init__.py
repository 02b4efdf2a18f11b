"""skcosmo21: scikit-learn-compatible machine learning on 21-cm maps of reionization.

Subpackages are imported lazily on first attribute access, so ``import skcosmo21``
stays fast and imports neither TensorFlow (only :mod:`skcosmo21.neural` does, when a network
is built) nor matplotlib (only :mod:`skcosmo21.plotting`'s functions do, when called).
"""

import importlib

from ._version import __version__

_SUBPACKAGES = (
    "datasets",
    "ensemble",
    "feature_extraction",
    "model_selection",
    "neural",
    "observation",
    "physics",
    "plotting",
    "preprocessing",
    "study",
    "utils",
)

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name):
    # PEP 562 lazy loading, as scikit-learn and scipy do, to keep import time low.
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
