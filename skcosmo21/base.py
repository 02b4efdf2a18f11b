"""Base classes and helpers shared by every subpackage, as :mod:`sklearn.base` is for scikit-learn.

Transformers whose samples are images or cubes (:class:`NDTransformer`), the mixin of those that
turn one sample into several (:class:`SampleExpanderMixin`), input validation of image and cube
stacks and the thread pool of the memory-bound copies.
"""

import numbers
import sys
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import assert_all_finite, check_array
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "NDTransformer",
    "SampleExpanderMixin",
    "check_finite",
    "check_numeric_array",
    "check_sample_stack",
    "run_threaded",
]


def check_numeric_array(X, name="X", *, ndim_hint=""):
    """Refuse what is not a real numeric array before scikit-learn's ``check_array`` sees it.

    A string, None or a scalar, an array of strings, objects or complex numbers each get a
    message that names ``name`` and what is expected (``check_array`` would say "could not
    convert string to float" or "Input X contains NaN" for None). Lists become arrays.

    Returns
    -------
    X : ndarray (or the array-like itself when it has a dtype)
    """
    expected = f"{name} must be a numeric array of real numbers{ndim_hint}"
    if X is None or isinstance(X, str | bytes | numbers.Number):
        raise ValueError(f"{expected}; got {type(X).__name__} {str(X)[:60]!r}")
    if getattr(X, "dtype", None) is None:
        try:
            X = np.asarray(X)
        except ValueError as error:  # ragged nested lists
            raise ValueError(f"{expected}; got a ragged sequence ({error})") from None
    if X.ndim == 0:
        raise ValueError(f"{expected}; got a 0-d array {str(X)[:60]!r}")
    if X.dtype.kind == "c":
        # scikit-learn's wording, which its estimator checks look for.
        raise ValueError(f"Complex data not supported: {expected}")
    if X.dtype.kind == "O":
        # Objects that are numbers are numbers (as for check_array); text is not, even when
        # it reads as a number, and anything else is named.
        if any(isinstance(value, str | bytes) for value in X.flat):
            raise ValueError(f"{expected}; got text in an array of dtype object")
        try:
            return X.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{expected}; {error}") from None
    if X.dtype.kind not in "fiub":
        raise ValueError(f"{expected}; got dtype {X.dtype}")
    return X


def check_finite(X, name="X"):
    """Raise a ``ValueError`` naming ``name`` if ``X`` holds NaN or infinity."""
    try:
        assert_all_finite(X, input_name=name)
    except ValueError as error:
        raise ValueError(f"{name} must hold finite values: {error}") from None
    return X


def check_sample_stack(X, sample_ndim, name="X"):
    """Validate a stack of samples with ``sample_ndim`` spatial axes (2 images, 3 cubes).

    Returns a float array without copying valid float input (memory maps stay memory maps),
    and a lazy :class:`~skcosmo21.datasets.CubeStack` as it is: its cubes stay on disk and are
    read one at a time by the steps that accept it (its values were checked when it was loaded).
    """
    kind = {2: "images (n_images, height, width)", 3: "cubes (n_cubes, n, n, n)"}[sample_ndim]
    # A CubeStack can exist only once its module is loaded; looking it up instead of importing
    # it keeps base free of a dependency on datasets (which imports base).
    stacks = sys.modules.get("skcosmo21.datasets._io_stack")
    if stacks is not None and isinstance(X, stacks.CubeStack):
        if X.ndim != sample_ndim + 1:
            raise ValueError(f"{name} must be a stack of {kind}; got a CubeStack of {X.shape}")
        return X
    X = check_numeric_array(X, name, ndim_hint=f", a stack of {kind}")
    if X.ndim != sample_ndim + 1:
        raise ValueError(f"{name} must be a stack of {kind}; got an array of shape {X.shape}")
    # float32 and float64 are kept; anything else (integers, booleans) becomes float64, which
    # holds every int32 exactly (float32 would round integers above 2**24).
    X = check_array(
        X,
        allow_nd=True,
        dtype=(np.float64, np.float32),
        ensure_2d=False,
        ensure_all_finite=False,
        input_name=name,
        copy=False,
    )
    return check_finite(X, name)


def run_threaded(function, items, n_jobs):
    """Call ``function(item)`` for every item on ``n_jobs`` threads (None: 1, -1: all cores).

    For the memory-bound copies of slicing and patching: NumPy releases the GIL while copying,
    and a thread pool has far less per-task overhead than joblib's backends.
    """
    n_threads = 1 if n_jobs is None else (joblib.cpu_count() if n_jobs < 0 else int(n_jobs))
    if n_threads <= 1:
        for item in items:
            function(item)
        return
    with ThreadPoolExecutor(n_threads) as pool:
        # list() re-raises the first exception of any task.
        list(pool.map(function, items))


class SampleExpanderMixin:
    """Transformers whose ``transform`` turns each input sample into ``n_outputs_per_sample_``.

    sklearn's ``Pipeline`` cannot carry ``y`` through such a step, so the mixin offers
    :meth:`expand` to map any per-sample array (labels, groups) onto the output samples.
    Subclasses set ``n_samples_fit_`` in ``fit`` so that values of the wrong length are refused.
    """

    def expand(self, values, n_samples=None):
        """Repeat per-input-sample values so they align with :meth:`transform`'s output.

        Parameters
        ----------
        values : array-like of shape (n_samples, ...)
            One entry (scalar or row) per input sample: labels, label columns, group ids.
        n_samples : int, default=None
            Number of input samples the values belong to: the number seen in ``fit`` when
            None; give it to expand the values of other samples than those fitted.

        Returns
        -------
        expanded : ndarray of shape (n_samples * ``n_outputs_per_sample_``, ...)
        """
        check_is_fitted(self)
        if n_samples is not None and (
            isinstance(n_samples, bool)
            or not isinstance(n_samples, numbers.Integral)
            or n_samples < 0
        ):
            raise ValueError(f"n_samples must be a non-negative integer or None, got {n_samples!r}")
        if values is None:
            raise ValueError("values must have one entry per input sample, got None")
        values = np.asarray(values)
        if values.ndim == 0:
            raise ValueError("values must have one entry per input sample, got a scalar")
        expected = getattr(self, "n_samples_fit_", None) if n_samples is None else n_samples
        if expected is not None and len(values) != expected:
            source = "were fitted" if n_samples is None else "are expected (n_samples)"
            raise ValueError(
                f"values must have one entry per input sample: {expected} samples {source}, "
                f"got {len(values)} values"
            )
        return np.repeat(values, self.n_outputs_per_sample_, axis=0)


class NDTransformer(TransformerMixin, BaseEstimator):
    """Base of transformers whose samples are images or cubes rather than feature rows."""

    #: Spatial dimensions of one input sample (2: image, 3: cube); read by the test harness.
    _sample_ndim = 2

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = self._sample_ndim == 2
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
