"""What a classifier mixes up: confusion matrices with the physics of each class."""

import numpy as np

from ._base import format_value, new_axes_if_none, sorted_labels


def _class_means(y_true, neutral_fraction, labels):
    neutral_fraction = np.asarray(neutral_fraction, dtype=float)
    if neutral_fraction.shape != y_true.shape:
        raise ValueError(
            "neutral_fraction must have one value per sample, like y_true "
            f"({y_true.shape}), got shape {neutral_fraction.shape}"
        )
    means = []
    for label in labels:
        values = neutral_fraction[(y_true == label) & np.isfinite(neutral_fraction)]
        means.append(float(values.mean()) if len(values) else np.nan)
    return means


def plot_confusion_matrix(
    y_true,
    y_pred,
    *,
    labels=None,
    neutral_fraction=None,
    normalize="true",
    include_values=None,
    ax=None,
    title=None,
):
    r"""Confusion matrix whose class labels carry the mean neutral fraction of each class.

    Classes of nearly neutral cubes look alike: putting each class's mean
    :math:`\bar x_\mathrm{HI}` on the axes shows where physics, not the model, limits a
    classification. Drawn with :class:`sklearn.metrics.ConfusionMatrixDisplay`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted class labels (one output of a joint model at a time).
    labels : array-like, default=None
        Classes in the order shown; every label in the data, in numerical order when they
        are numbers, when None.
    neutral_fraction : array-like of shape (n_samples,), default=None
        Neutral fraction of each sample's cube; each class's mean goes beside its label on
        both axes.
    normalize : {"true", "pred", "all"} or None, default="true"
        As in :func:`sklearn.metrics.confusion_matrix`; "true" makes the diagonal the
        per-class accuracy.
    include_values : bool, default=None
        Write the values in the cells; when None, only for up to 6 classes.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new pyplot figure when None.
    title : str, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> from skcosmo21.plotting import plot_confusion_matrix
    >>> y_true = ["7", "7", "8", "8", "9", "9"]
    >>> y_pred = ["7", "7", "8", "9", "9", "8"]
    >>> ax = plot_confusion_matrix(y_true, y_pred, neutral_fraction=[0.3, 0.3, 0.6, 0.6, 0.9, 0.9])
    >>> [tick.get_text() for tick in ax.get_yticklabels()]
    ['7 (0.30)', '8 (0.60)', '9 (0.90)']
    >>> ax.images[0].get_array()[1].tolist()  # row "8": half right, half taken for "9"
    [0.0, 0.5, 0.5]
    """
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError(
            "y_true and y_pred must be 1-D and of the same length (pass one output of a "
            f"joint model at a time); got shapes {y_true.shape} and {y_pred.shape}"
        )
    labels = sorted_labels(np.concatenate([y_true, y_pred])) if labels is None else list(labels)
    matrix = confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    names = [format_value(label) for label in labels]
    if neutral_fraction is not None:
        means = _class_means(y_true, neutral_fraction, labels)
        names = [
            name if np.isnan(mean) else f"{name} ({mean:.2f})"
            for name, mean in zip(names, means, strict=True)
        ]
    ax = new_axes_if_none(ax, (7, 6))
    include_values = len(labels) <= 6 if include_values is None else include_values
    ConfusionMatrixDisplay(matrix, display_labels=names).plot(
        ax=ax, include_values=include_values, cmap="Blues", xticks_rotation=90, colorbar=True
    )
    if neutral_fraction is not None:
        ax.set_ylabel(r"true label (mean $x_\mathrm{HI}$ of its samples)")
        ax.set_xlabel(r"predicted label (mean $x_\mathrm{HI}$ of its true samples)")
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax
