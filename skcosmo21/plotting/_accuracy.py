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


def _values(name, values, shape=None):
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or (shape is not None and values.shape != shape):
        expected = "a 1-D array" if shape is None else f"one value per observing time {shape}"
        raise ValueError(f"{name} must be {expected}, got shape {values.shape}")
    return values


def _fraction(name, value):
    if value is None:
        return None
    value = float(value)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be an accuracy in [0, 1], got {value}")
    return value


def plot_accuracy_vs_observing_time(
    hours,
    accuracy,
    *,
    accuracy_std=None,
    without_noise=None,
    simulated=None,
    chance=None,
    label=None,
    ax=None,
):
    r"""Accuracy of a model on observed maps against the observing time, on a log axis.

    Thermal noise falls as one over the observing time, so the curve rises towards the
    accuracy the same observation would give with no noise at all (``without_noise``: the
    mean and the foreground wedge removed, which no integration brings back), which itself
    lies below the accuracy on the simulated maps (``simulated``). Both are drawn as
    horizontal lines in the curve's colour, dashed and dotted. Call it once per model on the
    same axes to compare.

    Parameters
    ----------
    hours : array-like of shape (n_times,)
        Total observing times in hours, positive.
    accuracy : array-like of shape (n_times,)
        Accuracy after each time, in [0, 1].
    accuracy_std : array-like of shape (n_times,), default=None
        Spread of the accuracy (e.g. over cross-validation folds), drawn as error bars.
    without_noise : float, default=None
        Accuracy of the same observation without noise (dashed line).
    simulated : float, default=None
        Accuracy on the simulated maps, before any observation (dotted line).
    chance : float, default=None
        Accuracy of guessing (thin grey line).
    label : str, default=None
        Legend entry of this curve.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new pyplot figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> from skcosmo21.plotting import plot_accuracy_vs_observing_time
    >>> ax = plot_accuracy_vs_observing_time(
    ...     [10, 100, 1000], [0.3, 0.6, 0.8], without_noise=0.9, simulated=0.99, chance=0.2,
    ...     label="CNN")
    >>> ax.lines[0].get_xydata().tolist()
    [[10.0, 0.3], [100.0, 0.6], [1000.0, 0.8]]
    >>> [line.get_ydata()[0] for line in ax.lines[1:]], ax.get_xscale()
    ([0.9, 0.99, 0.2], 'log')
    """
    hours = _values("hours", hours)
    if not len(hours) or not np.all(np.isfinite(hours) & (hours > 0)):
        raise ValueError(f"hours must be positive observing times, got {hours.tolist()}")
    accuracy = _values("accuracy", accuracy, hours.shape)
    if not np.all((accuracy >= 0) & (accuracy <= 1)):
        raise ValueError(f"accuracy must lie in [0, 1], got {accuracy.tolist()}")
    if accuracy_std is not None:
        accuracy_std = _values("accuracy_std", accuracy_std, hours.shape)
        if not np.all(accuracy_std >= 0):
            raise ValueError(f"accuracy_std must be non-negative, got {accuracy_std.tolist()}")
    without_noise = _fraction("without_noise", without_noise)
    simulated = _fraction("simulated", simulated)
    chance = _fraction("chance", chance)
    order = np.argsort(hours)
    ax = new_axes_if_none(ax, (6, 4))
    (line,) = ax.plot(hours[order], accuracy[order], "o-", label=label)
    color = line.get_color()
    if accuracy_std is not None:
        ax.errorbar(
            hours[order], accuracy[order], yerr=accuracy_std[order], fmt="none", ecolor=color,
            capsize=3,
        )  # fmt: skip
    if without_noise is not None:
        ax.axhline(without_noise, color=color, linestyle="--", linewidth=1)
    if simulated is not None:
        ax.axhline(simulated, color=color, linestyle=":", linewidth=1)
    if chance is not None:
        ax.axhline(chance, color="grey", linewidth=0.7)
    ax.set(xscale="log", xlabel="observing time [h]", ylabel="accuracy", ylim=(0, 1.05))
    low, high = ax.dataLim.intervalx
    if low == high:
        # A single observing time on these axes gives autoscaling nothing to span (matplotlib
        # warns of a singular transformation): half a decade either side.
        ax.set_xlim(low / 3.0, high * 3.0)
    if label is not None:
        ax.legend(fontsize=8, loc="lower right")
    return ax
