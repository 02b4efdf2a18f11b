"""Checks shared by the image and cube estimators of preprocessing, feature_extraction, ensemble."""

import numbers

from ..utils._param_validation import Interval

#: ``n_jobs`` as joblib understands it: None, a positive count, or -1 (all cores), -2, ...
N_JOBS_CONSTRAINT = [
    None,
    Interval(numbers.Integral, 1, None, closed="left"),
    Interval(numbers.Integral, None, -1, closed="right"),
]

#: Smallest image or cube side the estimators accept: one pixel has no spatial structure (and a
#: 1 x 1 "image" has no spread, no patches and no Fourier modes beyond the mean).
MIN_SIDE = 2


def check_min_side(X, estimator_name, *, n_axes=2, min_side=MIN_SIDE):
    """Refuse samples with fewer than ``min_side`` pixels along any of their first spatial axes.

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        Validated stack of images (``n_axes=2``) or cubes (``n_axes=3``); trailing axes
        (channels) are not checked.
    estimator_name : str
        Named in the error.
    n_axes : int, default=2
        Spatial axes after the sample axis.
    min_side : int, default=2
        Smallest accepted side.

    Returns
    -------
    X : ndarray
        Unchanged.
    """
    sides = X.shape[1 : 1 + n_axes]
    if min(sides) < min_side:
        kind = "cubes" if n_axes == 3 else "images"
        smallest = " x ".join([str(min_side)] * n_axes)
        raise ValueError(
            f"{estimator_name} needs {kind} of at least {smallest} pixels; got samples of "
            f"shape {X.shape[1:]}"
        )
    return X
