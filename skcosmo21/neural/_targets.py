"""Target encoders between scikit-learn targets and the outputs of multi-head networks.

Plain NumPy: no Keras here. Each encoder maps ``y`` (one column, or one per target) to one
array per network head, and the heads' outputs back to predictions.
"""

import numpy as np

#: Keep in step with ``skcosmo21.neural._layers.MIN_VARIANCE`` (which imports Keras).
_MIN_VARIANCE = 1e-6


def _columns(y):
    y = np.asarray(y)
    return [y] if y.ndim == 1 else [y[:, j] for j in range(y.shape[1])]


def _softplus(x):
    return np.logaddexp(0.0, x)


class ClassifierTargetEncoder:
    """Map each target column to integer class indices (for a softmax head per column).

    Attributes
    ----------
    classes_ : list of ndarray
        Sorted classes of each column.
    single_output_ : bool
        Whether ``y`` was one-dimensional.
    """

    def fit(self, y, classes=None):
        """Learn the classes of every column, or take them as given.

        Parameters
        ----------
        y : ndarray of shape (n,) or (n, n_targets)
            Labels.
        classes : array-like, or list of array-like per column, default=None
            All classes (``partial_fit``'s ``classes``); learnt from ``y`` when None.

        Returns
        -------
        self
        """
        y = np.asarray(y)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}")
        self.single_output_ = y.ndim == 1
        if classes is None:
            self.classes_ = [np.unique(column) for column in _columns(y)]
            return self
        per_column = [classes] if self.single_output_ else list(classes)
        n_columns = 1 if self.single_output_ else y.shape[1]
        if len(per_column) != n_columns:
            raise ValueError(
                f"classes must give the classes of each of the {n_columns} target columns, "
                f"got {len(per_column)} lists"
            )
        self.classes_ = [np.unique(np.asarray(c)) for c in per_column]
        for column, known in zip(_columns(y), self.classes_, strict=True):
            unseen = np.setdiff1d(np.unique(column), known)
            if unseen.size:
                raise ValueError(
                    f"y contains labels {unseen.tolist()} that are not in classes {known.tolist()}"
                )
        return self

    def transform(self, y):
        """Integer class indices, one int32 array per head."""
        encoded = []
        for column, classes in zip(_columns(y), self.classes_, strict=True):
            index = np.clip(np.searchsorted(classes, column), 0, len(classes) - 1)
            if not np.array_equal(classes[index], column):
                unseen = np.setdiff1d(np.unique(column), classes)
                raise ValueError(
                    f"y contains labels {unseen.tolist()} not seen in fit (classes "
                    f"{classes.tolist()})"
                )
            encoded.append(index.astype(np.int32))
        return encoded

    def head_kinds(self):
        """One softmax head per column."""
        return ("softmax",) * len(self.classes_)

    def head_units(self):
        """Units of each head: its number of classes."""
        return [len(c) for c in self.classes_]

    def inverse_transform(self, outputs, return_proba=False):
        """Labels, or probabilities with ``return_proba``, from the softmax outputs."""
        if return_proba:
            probas = [np.asarray(p, dtype=np.float64) for p in outputs]
            return probas[0] if self.single_output_ else probas
        labels = [
            classes[np.argmax(p, axis=1)] for p, classes in zip(outputs, self.classes_, strict=True)
        ]
        return labels[0] if self.single_output_ else np.column_stack(labels)


class RegressorTargetEncoder:
    """Standardise each target column; a linear or Gaussian head per column.

    Standardising targets makes one learning rate suit redshifts (≈ 7–11) and escape
    fractions (≈ 0.1) alike.

    Parameters
    ----------
    gaussian : bool, default=False
        Heads predict a mean and a variance (two units) instead of a value.

    Attributes
    ----------
    mean_, scale_ : ndarray
        Per-column location and scale.
    single_output_ : bool
        Whether ``y`` was one-dimensional.
    """

    def __init__(self, gaussian=False):
        self.gaussian = gaussian

    def fit(self, y):
        """Learn each column's mean and standard deviation."""
        y = np.asarray(y, dtype=np.float64)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}")
        self.single_output_ = y.ndim == 1
        columns = np.column_stack(_columns(y))
        self.mean_ = columns.mean(axis=0)
        scale = columns.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        return self

    def transform(self, y):
        """Standardised columns, one float32 array per head."""
        columns = np.column_stack(_columns(np.asarray(y, dtype=np.float64)))
        scaled = ((columns - self.mean_) / self.scale_).astype(np.float32)
        return [scaled[:, j] for j in range(scaled.shape[1])]

    def head_kinds(self):
        """A linear or a Gaussian head per column."""
        return ("gaussian" if self.gaussian else "linear",) * len(self.mean_)

    def head_units(self):
        """Units of each head: 2 (mean, raw variance) for Gaussian heads, else 1."""
        return [2 if self.gaussian else 1] * len(self.mean_)

    def inverse_transform(self, outputs, return_std=False):
        """Predictions in the original units, (n,) or (n, n_targets); with their std."""
        outputs = [np.asarray(o, dtype=np.float64).reshape(len(o), -1) for o in outputs]
        means = np.column_stack([o[:, 0] for o in outputs]) * self.scale_ + self.mean_
        if not return_std:
            return means[:, 0] if self.single_output_ else means
        if not self.gaussian:
            raise ValueError("return_std=True needs loss='gaussian_nll'")
        variances = np.column_stack([_softplus(o[:, 1]) + _MIN_VARIANCE for o in outputs])
        stds = np.sqrt(variances) * self.scale_
        if self.single_output_:
            return means[:, 0], stds[:, 0]
        return means, stds


class ReconstructionTargetEncoder:
    """Targets of an autoencoder: its input, as given to the network."""

    single_output_ = True

    def head_kinds(self):
        """One reconstruction head."""
        return ("reconstruction",)
