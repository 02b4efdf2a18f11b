"""Evaluation on scikit-learn's splitters, one cached fit per fold.

The study's protocol is leave-one-realization-out: scikit-learn's ``LeaveOneGroupOut`` over
the datasets' realization groups, so no test image shares initial conditions with a training
image. Each fold is a :class:`Fold` (indices into a training and a test dataset), and
:func:`evaluate` fits each one through a joblib cache (keyed by the training data alone) and
predicts its test set, so an interrupted run resumes at the first fold it had not finished.

The folds are where other protocols plug in: training on simulations and testing on real
boxes (``--test-data``) is :func:`sim_to_real_folds`, folds whose ``test_data`` is another
dataset and whose training sets are those of :func:`leave_one_realization_out` over the
simulations, so both protocols share each fit; observed cubes (``--telescope``) are the same
folds on transformed cubes.
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


def _group_name(group_names, group):
    if group_names is not None and group in group_names:
        return group_names[group]
    return f"realization {group}"


def leave_one_realization_out(data, *, group_names=None):
    """The study's folds: each realization in turn is the test set.

    Parameters
    ----------
    data : Bunch
        A dataset of :func:`~skcosmo21.datasets.make_slice_dataset` with realization
        ``groups``.
    group_names : dict, default=None
        How each realization is named in the fold names (e.g. ``{0: "seed 101"}``);
        ``"realization <group>"`` for those it does not name.

    Yields
    ------
    fold : Fold
    """
    for train, test in LeaveOneGroupOut().split(data.X, data.y, groups=data.groups):
        yield Fold(_group_name(group_names, data.groups[test[0]]), data, train, data, test)


def sim_to_real_folds(train_data, test_data, *, test_group_names=None):
    """Train as leave-one-realization-out on ``train_data``, test on each group of ``test_data``.

    Every training set of :func:`leave_one_realization_out` over ``train_data`` (all
    realizations but one) is tested on each realization of ``test_data`` in turn, so the
    models are those of the cross-validation on ``train_data``: with a cache, the two share
    every fit, and the accuracy on ``test_data`` sits beside the one on the held-out
    realization of ``train_data``. No image of ``test_data`` is ever trained on.

    Parameters
    ----------
    train_data : Bunch
        The training dataset (e.g. slices of simulated cubes), with realization ``groups``.
    test_data : Bunch
        The test dataset (e.g. slices of real 21cmFAST boxes), with realization ``groups``
        and the same kind of ``X`` and ``y``.
    test_group_names : dict, default=None
        How each realization of ``test_data`` is named in the fold names.

    Yields
    ------
    fold : Fold
        Named ``"without realization <k> | <test realization>"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> from skcosmo21.study import sim_to_real_folds
    >>> sim = Bunch(X=np.zeros((6, 2, 2)), y=np.arange(6) % 2, groups=np.repeat([0, 1, 2], 2))
    >>> real = Bunch(X=np.ones((4, 2, 2)), y=np.arange(4) % 2, groups=np.repeat([0, 1], 2))
    >>> for fold in sim_to_real_folds(sim, real, test_group_names={0: "seed 101"}):
    ...     print(fold.name, fold.train.tolist(), fold.test_data is real, fold.test.tolist())
    without realization 0 | seed 101 [2, 3, 4, 5] True [0, 1]
    without realization 0 | realization 1 [2, 3, 4, 5] True [2, 3]
    without realization 1 | seed 101 [0, 1, 4, 5] True [0, 1]
    without realization 1 | realization 1 [0, 1, 4, 5] True [2, 3]
    without realization 2 | seed 101 [0, 1, 2, 3] True [0, 1]
    without realization 2 | realization 1 [0, 1, 2, 3] True [2, 3]
    """
    test_groups = np.unique(test_data.groups)
    tests = [np.flatnonzero(test_data.groups == group) for group in test_groups]
    for cv_fold in leave_one_realization_out(train_data):
        for group, test in zip(test_groups, tests, strict=True):
            name = f"without {cv_fold.name} | {_group_name(test_group_names, group)}"
            yield Fold(name, train_data, cv_fold.train, test_data, test)


def as_labels(values):
    """Class labels as strings ("7.25", "0.15").

    scikit-learn takes non-integer float labels for regression targets.
    """
    return np.vectorize(lambda v: f"{v:g}")(np.asarray(values, dtype=float))


def fit_model(estimator, X_train, y_train, fingerprint, label=""):
    """Fit a clone of ``estimator``: the unit the cache stores.

    The cache key is the estimator's parameters, the training data and ``fingerprint`` (the
    package's :func:`~skcosmo21.utils.source_fingerprint`, otherwise unused), so any change of
    the code that made a result retrains it. No test data enters it: folds that train on the
    same data (a simulated fold tested on simulations, then on real boxes) share one fit.
    ``label`` only names the fit in the log and is not part of the key.

    Returns
    -------
    model : estimator
        The fitted clone.
    seconds : float
        Time to fit.
    """
    logger.info("training %s on %d samples", label, len(X_train))
    start = time.perf_counter()
    model = clone(estimator).fit(X_train, y_train)
    return model, time.perf_counter() - start


def evaluate(estimator, folds, *, memory, label=""):
    """Fit and score ``estimator`` on every fold, each fold's result cached in ``memory``.

    Parameters
    ----------
    estimator : estimator
        Unfitted; cloned for each fold.
    folds : iterable of Fold
        E.g. :func:`leave_one_realization_out`.
    memory : joblib.Memory
        Cache of each fold's fitted model, keyed by the estimator's parameters, the fold's
        training data and the library's source fingerprint (``joblib.Memory(None)`` caches
        nothing).
    label : str, default=""
        Names the fits in the log.

    Returns
    -------
    evaluation : dict
        ``folds`` (per fold: name, accuracy, per-output accuracies, training and test size,
        fit seconds),
        and over all test samples ``y_true``, ``y_pred``, ``neutral_fraction``, plus the
        networks' ``histories``.
    """
    cached = memory.cache(fit_model, ignore=["label"])
    fingerprint = source_fingerprint()
    folds_out, y_true, y_pred, neutral, histories = [], [], [], [], []
    for fold in folds:
        model, seconds = cached(
            estimator,
            fold.train_data.X[fold.train],
            as_labels(fold.train_data.y[fold.train]),
            fingerprint,
            label=f"{label} | {fold.name}",
        )
        truth = as_labels(fold.test_data.y[fold.test])
        predicted = model.predict(fold.test_data.X[fold.test])
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
        history = _history(model)
        if history is not None:
            histories.append(history)
    return {
        "folds": folds_out,
        "y_true": np.concatenate(y_true),
        "y_pred": np.concatenate(y_pred),
        "neutral_fraction": np.concatenate(neutral),
        "histories": histories,
    }


def _history(model):
    """The final step's ``history_`` (networks) as lists of floats, or None."""
    final = model[-1] if hasattr(model, "steps") else model
    history = getattr(final, "history_", None)
    return None if history is None else {k: list(map(float, v)) for k, v in history.items()}
