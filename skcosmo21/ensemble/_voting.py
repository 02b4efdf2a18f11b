"""Cube-level classification by voting over a cube's slices."""

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from ..base import check_numeric_array, check_sample_stack
from ..preprocessing import CubeSlicer
from ..utils._param_validation import HasMethods, StrOptions


def _check_labels(y, n_cubes):
    """One label per cube, all strings or all numbers (numpy would silently make 7 into '7')."""
    values = y if isinstance(y, np.ndarray) else np.asarray(y, dtype=object)
    if values.dtype == object:
        kinds = {isinstance(v, str) for v in values.ravel()}
        if len(kinds) > 1:
            examples = [next(v for v in values.ravel() if isinstance(v, str) == k) for k in (0, 1)]
            raise ValueError(
                f"y must not mix numbers and strings as labels (got e.g. {examples[0]!r} and "
                f"{examples[1]!r}); give every label the same type"
            )
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_cubes:
        raise ValueError(f"y must hold one label per cube ({n_cubes}), got shape {y.shape}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y must hold finite labels, got NaN or inf")
    if len(np.unique(y)) < 2:
        raise ValueError(f"y must hold at least 2 classes, got only {np.unique(y).tolist()}")
    return y


def _check_weights(sample_weight, n_cubes):
    """Per-cube weights: finite, non-negative numbers, not all zero."""
    sample_weight = check_numeric_array(sample_weight, "sample_weight", ndim_hint=" (one per cube)")
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    if sample_weight.shape != (n_cubes,):
        raise ValueError(
            f"sample_weight must hold one weight per cube ({n_cubes}), got shape "
            f"{sample_weight.shape}"
        )
    if not np.isfinite(sample_weight).all() or (sample_weight < 0).any():
        raise ValueError("sample_weight must hold finite, non-negative weights")
    if not sample_weight.any():
        raise ValueError("sample_weight must hold at least one positive weight, got all zeros")
    return sample_weight


def _sample_weight_params(estimator, sample_weight):
    """Fit parameters that give per-slice weights to ``estimator`` (a Pipeline or not).

    A ``Pipeline`` takes weights per step (``step__sample_weight``) unless metadata routing
    is on, in which case the steps request them themselves; every step whose ``fit`` accepts
    weights gets them, and the final step must.
    """
    if sklearn.get_config().get("enable_metadata_routing", False):
        return {"sample_weight": sample_weight}
    if not isinstance(estimator, Pipeline):
        if not has_fit_parameter(estimator, "sample_weight"):
            raise ValueError(
                f"sample_weight was given but the slice estimator {type(estimator).__name__} "
                "does not accept sample_weight in fit"
            )
        return {"sample_weight": sample_weight}
    steps = [(name, step) for name, step in estimator.steps if step not in (None, "passthrough")]
    final_name, final = steps[-1]
    if not has_fit_parameter(final, "sample_weight"):
        raise ValueError(
            f"sample_weight was given but the pipeline's final step {final_name!r} "
            f"({type(final).__name__}) does not accept sample_weight in fit"
        )
    return {
        f"{name}__sample_weight": sample_weight
        for name, step in steps
        if has_fit_parameter(step, "sample_weight")
    }


def _default_estimator():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..feature_extraction import PowerSpectrum2D

    return make_pipeline(
        PowerSpectrum2D(include_moments=True), StandardScaler(), LogisticRegression(max_iter=1000)
    )


class SliceVotingClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Classify whole cubes by training on their slices and voting over them.

    ``X`` is a stack of cubes and ``y`` one label per cube. ``fit`` slices the cubes, repeats
    each label (and any per-cube ``sample_weight``) for the cube's slices and fits the inner
    estimator on the slices; ``predict_proba`` averages the slices' probabilities per cube
    (``voting="soft"``) or returns the fraction of slice votes (``"hard"``). Because the
    samples of this estimator are cubes, ``cross_val_score(SliceVotingClassifier(...),
    cubes, labels)`` never puts slices of one cube on both sides of a split.

    Parameters
    ----------
    estimator : estimator, default=None
        Slice classifier with ``predict_proba``; ``PowerSpectrum2D(include_moments=True)`` +
        ``StandardScaler`` + ``LogisticRegression`` when None. It is cloned.
    slicer : CubeSlicer, default=None
        How cubes are cut; ``CubeSlicer()`` (all slices, all axes) when None. It is cloned.
    voting : {"soft", "hard"}, default="soft"
        Average probabilities or count predicted labels.

    Attributes
    ----------
    estimator_ : estimator
        The fitted slice classifier.
    slicer_ : CubeSlicer
        The fitted slicer.
    classes_ : ndarray
        Class labels.

    Examples
    --------
    >>> from skcosmo21.datasets import make_reionization_cubes
    >>> from skcosmo21.ensemble import SliceVotingClassifier
    >>> from skcosmo21.preprocessing import CubeSlicer
    >>> cubes = make_reionization_cubes([7.0, 10.0], [0.2], n_realizations=3, n_cells=16,
    ...                                 box_size=64.0, random_state=0)
    >>> clf = SliceVotingClassifier(slicer=CubeSlicer(step=4)).fit(cubes.delta_T, cubes.redshift)
    >>> clf.predict(cubes.delta_T).tolist() == cubes.redshift.tolist()
    True
    """

    _sample_ndim = 3

    _parameter_constraints = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "slicer": [None, CubeSlicer],
        "voting": [StrOptions({"soft", "hard"})],
    }

    def __init__(self, estimator=None, slicer=None, voting="soft"):
        self.estimator = estimator
        self.slicer = slicer
        self.voting = voting

    def fit(self, X, y, sample_weight=None):
        """Fit the slice classifier on every slice of every cube.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, n, n, n)
            Cubes.
        y : array-like of shape (n_cubes,)
            One label per cube.
        sample_weight : array-like of shape (n_cubes,), default=None
            Per-cube weights, given to each of the cube's slices (in a ``Pipeline``, to every
            step whose ``fit`` takes ``sample_weight``).

        Returns
        -------
        self
        """
        self._validate_params()
        X = check_sample_stack(X, 3)
        y = _check_labels(y, len(X))
        self.slicer_ = clone(self.slicer if self.slicer is not None else CubeSlicer()).fit(X)
        estimator = self.estimator if self.estimator is not None else _default_estimator()
        self.estimator_ = clone(estimator)
        fit_params = {}
        if sample_weight is not None:
            sample_weight = _check_weights(sample_weight, len(X))
            fit_params = _sample_weight_params(self.estimator_, self.slicer_.expand(sample_weight))
        self.estimator_.fit(self.slicer_.transform(X), self.slicer_.expand(y), **fit_params)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_slices(self, X):
        """Per-slice predictions, aligned with ``slicer_.transform(X)``.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, n, n, n)
            Cubes.

        Returns
        -------
        y_slices : ndarray of shape (n_cubes * slices_per_cube,)
        """
        check_is_fitted(self)
        return self.estimator_.predict(self.slicer_.transform(check_sample_stack(X, 3)))

    def predict_proba(self, X):
        """Cube-level class probabilities (soft) or vote fractions (hard).

        Parameters
        ----------
        X : ndarray of shape (n_cubes, n, n, n)
            Cubes.

        Returns
        -------
        proba : ndarray of shape (n_cubes, n_classes)
        """
        check_is_fitted(self)
        X = check_sample_stack(X, 3)
        slices = self.slicer_.transform(X)
        per_cube = self.slicer_.n_outputs_per_sample_
        if self.voting == "soft":
            proba = self.estimator_.predict_proba(slices)
        else:
            votes = self.estimator_.predict(slices)
            proba = (votes[:, None] == self.classes_[None, :]).astype(float)
        return proba.reshape(len(X), per_cube, -1).mean(axis=1)

    def predict(self, X):
        """Cube-level labels: the class with the highest (soft or hard) vote.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, n, n, n)
            Cubes.

        Returns
        -------
        y_pred : ndarray of shape (n_cubes,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = False
        return tags
