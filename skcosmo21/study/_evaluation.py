"""Evaluation on scikit-learn's splitters, one cached fit per fold.

The study's protocol is leave-one-realization-out: scikit-learn's ``LeaveOneGroupOut`` over
the datasets' realization groups, so no test image shares initial conditions with a training
image. Each fold is a :class:`Fold` (indices into a training and a test dataset), and
:func:`evaluate` fits and predicts each one through a joblib cache, so an interrupted run
resumes at the first fold it had not finished.

The folds are where other protocols plug in: training on simulations and testing on real
boxes (``--test-data``) is a generator of folds whose ``test_data`` is another dataset, and
observed cubes (``--telescope``) are the same folds on transformed cubes.
"""

import dataclasses
import logging
import time

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import LeaveOneGroupOut
from sklearn.utils import Bunch

from ..utils import source_fingerprint

logger = logging.getLogger("skcosmo21.run")


@dataclasses.dataclass(frozen=True)
class Fold:
    """One train/test split: indices into a training and a test dataset.

    For cross-validation both are the same dataset; a protocol that tests on other data
    (real boxes after training on simulations) gives another ``test_data``.
    """

    name: str
    train_data: Bunch
    train: np.ndarray
    test_data: Bunch
    test: np.ndarray


def leave_one_realization_out(data):
    """The study's folds: each realization in turn is the test set.

    Parameters
    ----------
    data : Bunch
        A dataset of :func:`~skcosmo21.datasets.make_slice_dataset` with realization
        ``groups``.

    Yields
    ------
    fold : Fold
    """
    for train, test in LeaveOneGroupOut().split(data.X, data.y, groups=data.groups):
        yield Fold(f"realization {data.groups[test[0]]}", data, train, data, test)


def as_labels(values):
    """Class labels as strings ("7.25", "0.15").

    scikit-learn takes non-integer float labels for regression targets.
    """
    return np.vectorize(lambda v: f"{v:g}")(np.asarray(values, dtype=float))


def fit_predict(estimator, X_train, y_train, X_test, fingerprint, label=""):
    """Fit a clone of ``estimator`` and predict ``X_test``: the unit the cache stores.

    ``fingerprint`` (the package's :func:`~skcosmo21.utils.source_fingerprint`) is not used:
    with the estimator's parameters and the fold's data it forms the cache key, so any
    change of the code that made a result retrains it. ``label`` only names the fit in the
    log and is not part of the key.

    Returns
    -------
    predicted : ndarray
    history : dict or None
        The final step's ``history_`` (networks), as lists of floats.
    seconds : float
        Time to fit and predict.
    """
    logger.info("training %s on %d samples", label, len(X_train))
    start = time.perf_counter()
    model = clone(estimator).fit(X_train, y_train)
    predicted = model.predict(X_test)
    final = model[-1] if hasattr(model, "steps") else model
    history = getattr(final, "history_", None)
    history = None if history is None else {k: list(map(float, v)) for k, v in history.items()}
    return predicted, history, time.perf_counter() - start


def evaluate(estimator, folds, *, memory, label=""):
    """Fit and score ``estimator`` on every fold, each fold's result cached in ``memory``.

    Parameters
    ----------
    estimator : estimator
        Unfitted; cloned for each fold.
    folds : iterable of Fold
        E.g. :func:`leave_one_realization_out`.
    memory : joblib.Memory
        Cache of each fold's predictions (``joblib.Memory(None)`` caches nothing).
    label : str, default=""
        Names the fits in the log.

    Returns
    -------
    evaluation : dict
        ``folds`` (per fold: name, accuracy, per-output accuracies, test size, fit seconds),
        and over all test samples ``y_true``, ``y_pred``, ``neutral_fraction``, plus the
        networks' ``histories``.
    """
    cached = memory.cache(fit_predict, ignore=["label"])
    fingerprint = source_fingerprint()
    folds_out, y_true, y_pred, neutral, histories = [], [], [], [], []
    for fold in folds:
        train_labels = as_labels(fold.train_data.y[fold.train])
        truth = as_labels(fold.test_data.y[fold.test])
        predicted, history, seconds = cached(
            estimator,
            fold.train_data.X[fold.train],
            train_labels,
            fold.test_data.X[fold.test],
            fingerprint,
            label=f"{label} | {fold.name}",
        )
        right = predicted == truth
        entry = {
            "fold": fold.name,
            "n_train": int(len(fold.train)),
            "n_test": int(len(fold.test)),
            "accuracy": float(np.mean(right if right.ndim == 1 else right.all(axis=1))),
            "fit_seconds": float(seconds),
        }
        if right.ndim > 1:
            entry["output_accuracies"] = [float(a) for a in right.mean(axis=0)]
        folds_out.append(entry)
        y_true.append(truth)
        y_pred.append(predicted)
        neutral.append(fold.test_data.neutral_fraction[fold.test])
        if history is not None:
            histories.append(history)
    return {
        "folds": folds_out,
        "y_true": np.concatenate(y_true),
        "y_pred": np.concatenate(y_pred),
        "neutral_fraction": np.concatenate(neutral),
        "histories": histories,
    }
