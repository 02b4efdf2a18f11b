"""Accuracy against a physical or observational variable."""

import numpy as np

from ._base import new_axes_if_none


def _correct(y_true, y_pred):
    """Whether each prediction is right (for joint targets: every output right)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim not in (1, 2):
        raise ValueError(
            f"y_true and y_pred must have the same 1-D or 2-D shape, got {y_true.shape} and "
            f"{y_pred.shape}"
        )
    right = y_true == y_pred
    return right if right.ndim == 1 else right.all(axis=1)


def plot_accuracy_vs_neutral_fraction(
    y_true, y_pred, neutral_fraction, *, bins=10, label=None, ax=None
):
    r"""Accuracy of the samples in bins of their cube's neutral fraction.

    Nearly neutral cubes (:math:`\bar x_\mathrm{HI} \to 1`) look alike whatever their
    redshift or escape fraction, so accuracy that falls towards the right shows a limit of
    the data rather than of the model. Call it once per model on the same axes to compare.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True and predicted labels; with several outputs a sample counts as right when every
        output is.
    neutral_fraction : array-like of shape (n_samples,)
        Neutral fraction of each sample's cube, in [0, 1]; NaN values are left out.
    bins : int or array-like, default=10
        Number of equal bins over [0, 1], or the bin edges.
    label : str, default=None
        Legend entry of this curve.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new pyplot figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> from skcosmo21.plotting import plot_accuracy_vs_neutral_fraction
    >>> ax = plot_accuracy_vs_neutral_fraction(
    ...     [7, 7, 8, 8], [7, 7, 8, 9], [0.15, 0.15, 0.85, 0.85], bins=2, label="one-point")
    >>> ax.lines[0].get_xydata().tolist()
    [[0.25, 1.0], [0.75, 0.5]]
    """
    right = _correct(y_true, y_pred)
    neutral_fraction = np.asarray(neutral_fraction, dtype=float)
    if neutral_fraction.shape != right.shape:
        raise ValueError(
            f"neutral_fraction must have one value per sample ({len(right)}), got shape "
            f"{neutral_fraction.shape}"
        )
    known = np.isfinite(neutral_fraction)
    if not known.any():
        raise ValueError("neutral_fraction holds no finite value: nothing to plot")
    edges = np.linspace(0.0, 1.0, bins + 1) if np.ndim(bins) == 0 else np.asarray(bins, float)
    index = np.clip(np.digitize(neutral_fraction[known], edges) - 1, 0, len(edges) - 2)
    centres, accuracy = [], []
    for b in range(len(edges) - 1):
        in_bin = index == b
        if in_bin.any():
            centres.append(0.5 * (edges[b] + edges[b + 1]))
            accuracy.append(float(right[known][in_bin].mean()))
    ax = new_axes_if_none(ax, (6, 4))
    ax.plot(centres, accuracy, "o-", label=label)
    ax.set(
        xlabel=r"cube neutral fraction $\bar x_\mathrm{HI}$",
        ylabel="accuracy",
        xlim=(edges[0], edges[-1]),
        ylim=(0, 1.05),
    )
    if label is not None:
        ax.legend(fontsize=8)
    return ax
