"""How training went: learning curves from the ``history_`` of neural estimators."""

from collections.abc import Mapping

from ._base import new_axes_if_none


def _history(item):
    """The epoch-by-epoch record of a fitted estimator, a pipeline ending in one, or a dict."""
    if isinstance(item, Mapping):
        return item
    if hasattr(item, "steps"):
        item = item.steps[-1][1]
    history = getattr(item, "history_", None)
    if not isinstance(history, Mapping):
        raise ValueError(
            f"{type(item).__name__} has no history_: pass fitted neural estimators (or "
            "pipelines ending in one), or their history_ dictionaries"
        )
    return history


def plot_learning_curves(histories, *, labels=None, metric="loss", ax=None):
    """Training (solid) and validation (dashed) curves of one or several trainings.

    Parameters
    ----------
    histories : estimator, dict, or list of them
        Fitted neural estimators (or pipelines ending in one) whose ``history_`` holds one
        value per epoch under ``metric`` and, with a validation set, ``"val_" + metric``; or
        such dictionaries themselves.
    labels : list of str, default=None
        Legend entry of each training; "training 1", "training 2", ... when None.
    metric : str, default="loss"
        Which record to draw.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new pyplot figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> from skcosmo21.plotting import plot_learning_curves
    >>> history = {"loss": [1.2, 0.8, 0.6], "val_loss": [1.3, 1.0, 0.9]}
    >>> ax = plot_learning_curves(history, labels=["CNN"])
    >>> [line.get_label() for line in ax.lines]
    ['CNN', 'CNN (validation)']
    >>> ax.lines[1].get_ydata().tolist()
    [1.3, 1.0, 0.9]
    """
    items = histories if isinstance(histories, (list, tuple)) else [histories]
    records = [_history(item) for item in items]
    labels = [f"training {i + 1}" for i in range(len(records))] if labels is None else labels
    if len(labels) != len(records):
        raise ValueError(f"got {len(labels)} labels for {len(records)} trainings")
    ax = new_axes_if_none(ax, (6, 4))
    for record, label in zip(records, labels, strict=True):
        if metric not in record:
            raise ValueError(f"the history of {label!r} has no {metric!r}; it has {sorted(record)}")
        epochs = range(1, len(record[metric]) + 1)
        (line,) = ax.plot(epochs, record[metric], label=label)
        validation = record.get(f"val_{metric}")
        if validation is not None and len(validation):
            ax.plot(epochs, validation, "--", color=line.get_color(), label=f"{label} (validation)")
    ax.set(xlabel="epoch", ylabel=metric)
    ax.legend(fontsize=7)
    return ax
