"""Find every public estimator of the library, as :func:`sklearn.utils.discovery.all_estimators`."""

import importlib
import inspect

from sklearn.base import BaseEstimator

#: Subpackages that export estimators. ``neural`` imports TensorFlow when loaded.
_ESTIMATOR_PACKAGES = (
    "preprocessing",
    "feature_extraction",
    "neural",
    "ensemble",
    "model_selection",
    "observation",
)


def all_estimators(type_filter=None):
    """List ``(name, class)`` for every public estimator exported by skcosmo21.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "cluster"} or list, default=None
        Keep only estimators of these kinds (by sklearn's mixins); all when None.

    Returns
    -------
    estimators : list of (str, type)
        Sorted by name.

    Examples
    --------
    >>> from skcosmo21.utils.discovery import all_estimators
    >>> names = [name for name, _ in all_estimators(type_filter="transformer")]
    >>> "CubeSlicer" in names
    True
    """
    from sklearn.base import ClassifierMixin, ClusterMixin, RegressorMixin, TransformerMixin

    mixins = {
        "classifier": ClassifierMixin,
        "regressor": RegressorMixin,
        "transformer": TransformerMixin,
        "cluster": ClusterMixin,
    }
    if type_filter is not None:
        kinds = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        unknown = set(kinds) - set(mixins)
        if unknown:
            raise ValueError(f"type_filter must be among {sorted(mixins)}, got {sorted(unknown)}")
    found = {}
    for package in _ESTIMATOR_PACKAGES:
        module = importlib.import_module(f"skcosmo21.{package}")
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and not inspect.isabstract(obj)
                and not name.startswith("_")
            ):
                found[name] = obj
    estimators = sorted(found.items())
    if type_filter is not None:
        estimators = [
            (name, cls)
            for name, cls in estimators
            if any(issubclass(cls, mixins[kind]) for kind in kinds)
        ]
    return estimators
