"""Target encoders between scikit-learn targets and Keras multi-head outputs."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


def _columns(y):
    y = np.asarray(y)
    return [y] if y.ndim == 1 else [y[:, j] for j in range(y.shape[1])]


class ClassifierTargetEncoder(TransformerMixin, BaseEstimator):
    """Map each target column to integer class indices (for sparse categorical losses).

    Attributes
    ----------
    classes_ : list of ndarray
        Sorted classes of each column.
    single_output_ : bool
        Whether ``y`` was one-dimensional.
    """

    def fit(self, y):
        """Learn the classes of every column."""
        y = np.asarray(y)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}")
        self.single_output_ = y.ndim == 1
        self.classes_ = [np.unique(column) for column in _columns(y)]
        return self

    def transform(self, y):
        """Integer-encode; one array per head (a list when there are several heads)."""
        encoded = []
        for column, classes in zip(_columns(y), self.classes_, strict=True):
            index = np.searchsorted(classes, column)
            index = np.clip(index, 0, len(classes) - 1)
            if not np.array_equal(classes[index], column):
                raise ValueError("y contains classes not seen in fit")
            encoded.append(index.astype(np.int32))
        return encoded[0] if self.single_output_ else encoded

    def inverse_transform(self, outputs, return_proba=False):
        """Probabilities (``return_proba``) or labels from the network's softmax outputs."""
        outputs = [outputs] if not isinstance(outputs, (list, tuple)) else list(outputs)
        if return_proba:
            probas = [np.asarray(p, dtype=np.float64) for p in outputs]
            return probas[0] if self.single_output_ else probas
        labels = [
            classes[np.argmax(p, axis=1)] for p, classes in zip(outputs, self.classes_, strict=True)
        ]
        return labels[0] if self.single_output_ else np.column_stack(labels)

    def get_metadata(self):
        """Fitted attributes that the estimator exposes (``classes_``, ``n_classes_``...)."""
        classes = self.classes_[0] if self.single_output_ else self.classes_
        n_classes = [len(c) for c in self.classes_]
        n_classes = n_classes[0] if self.single_output_ else n_classes
        return {
            "classes_": classes,
            "n_classes_": n_classes,
            "n_outputs_expected_": len(self.classes_),
        }


class RegressorTargetEncoder(TransformerMixin, BaseEstimator):
    """Standardise each target column; one float32 array per head.

    Standardising targets makes the default learning rate suit redshifts (≈ 7–11) and escape
    fractions (≈ 0.1) alike.

    Attributes
    ----------
    mean_, scale_ : ndarray
        Per-column location and scale.
    single_output_ : bool
        Whether ``y`` was one-dimensional.
    """

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
        """Standardised columns, float32."""
        columns = np.column_stack(_columns(np.asarray(y, dtype=np.float64)))
        scaled = ((columns - self.mean_) / self.scale_).astype(np.float32)
        heads = [scaled[:, j] for j in range(scaled.shape[1])]
        return heads[0] if self.single_output_ else heads

    def inverse_transform(self, outputs):
        """Predictions in the original units, shape (n,) or (n, n_targets)."""
        outputs = [outputs] if not isinstance(outputs, (list, tuple)) else list(outputs)
        columns = np.column_stack([np.asarray(o, dtype=np.float64).reshape(-1) for o in outputs])
        values = columns * self.scale_ + self.mean_
        return values[:, 0] if self.single_output_ else values

    def get_metadata(self):
        """Number of heads the network needs."""
        return {"n_outputs_expected_": len(self.mean_)}
