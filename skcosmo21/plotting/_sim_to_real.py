"""Models trained on simulations against the same models trained on real 21cmFAST boxes."""

import numpy as np

from ._base import new_figure_if_none

#: Bar colour of each protocol: simulations in blue, the transfer in orange, real in green.
_COLOURS = {"sim_to_sim": "tab:blue", "sim_to_real": "tab:orange", "real_to_real": "tab:green"}


def _protocol_names():
    # The study owns the protocols; imported when drawing, as matplotlib is.
    from ..study._sim_to_real import PROTOCOLS

    return PROTOCOLS


def _checked_rows(results):
    rows = list(results)
    protocols = _protocol_names()
    if not rows:
        raise ValueError("results holds no row: nothing to plot")
    for row in rows:
        missing = [key for key in ("task", "model", "protocol", "accuracy_mean") if key not in row]
        if missing:
            raise ValueError(
                f"every result row needs task, model, protocol and accuracy_mean (the rows of "
                f"run_study with test data); a row lacks {missing}"
            )
        if row["protocol"] not in protocols:
            raise ValueError(
                f"unknown protocol {row['protocol']!r}; protocols are {list(protocols)}"
            )
    seen = set()
    for row in rows:
        key = (row["task"], row["model"], row["protocol"])
        if key in seen:
            raise ValueError(f"results hold two rows for task, model and protocol {key}")
        seen.add(key)
    return rows


def plot_sim_vs_real(results, *, fig=None):
    """Accuracy of each model trained on simulations or on real boxes, side by side.

    One panel per task; per model, one bar per protocol: sim→sim (trained and tested on the
    simulator), sim→real (trained on the simulator, tested on real 21cmFAST boxes) and
    real→real (trained on one real realization, tested on another), with the spread over
    folds as error bars and chance as a dashed line. Where sim→real falls short of real→real,
    the simulator misses something the model reads; where it falls short of sim→sim, the
    simulated test set overstates what a user will get.

    Parameters
    ----------
    results : sequence of dict
        Rows of :func:`~skcosmo21.study.run_study` with test data: ``task``, ``model``,
        ``protocol`` (``"sim_to_sim"``, ``"sim_to_real"`` or ``"real_to_real"``),
        ``accuracy_mean``, and optionally ``accuracy_std``, ``chance`` and ``model_key``
        (the short name written under the bars).
    fig : matplotlib.figure.Figure, default=None
        Figure to draw on; a new pyplot figure when None.

    Returns
    -------
    fig : matplotlib.figure.Figure

    See Also
    --------
    skcosmo21.study.run_study : Makes the rows (``test_data=...``).

    Examples
    --------
    >>> from skcosmo21.plotting import plot_sim_vs_real
    >>> rows = [
    ...     {"task": "c", "model": "one-point", "protocol": "sim_to_sim", "accuracy_mean": 0.91},
    ...     {"task": "c", "model": "one-point", "protocol": "sim_to_real", "accuracy_mean": 0.90},
    ...     {"task": "c", "model": "one-point", "protocol": "real_to_real", "accuracy_mean": 0.89},
    ... ]
    >>> fig = plot_sim_vs_real(rows)
    >>> [round(float(bar.get_height()), 2) for bar in fig.axes[0].patches]
    [0.91, 0.9, 0.89]
    >>> [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    ['sim→sim', 'sim→real', 'real→real']
    """
    rows = _checked_rows(results)
    protocols = _protocol_names()
    shown = [p for p in protocols if any(row["protocol"] == p for row in rows)]
    tasks = list(dict.fromkeys(row["task"] for row in rows))
    fig = new_figure_if_none(fig, (4.5 * len(tasks), 4.5))
    axes = np.atleast_1d(fig.subplots(1, len(tasks), sharey=True, squeeze=False)[0])
    width = 0.8 / len(shown)
    for ax, task in zip(axes, tasks, strict=True):
        in_task = [row for row in rows if row["task"] == task]
        models = list(dict.fromkeys(row["model"] for row in in_task))
        for j, protocol in enumerate(shown):
            found = {row["model"]: row for row in in_task if row["protocol"] == protocol}
            x = [i + (j - (len(shown) - 1) / 2) * width for i, m in enumerate(models) if m in found]
            drawn = [found[m] for m in models if m in found]
            ax.bar(
                x,
                [row["accuracy_mean"] for row in drawn],
                width,
                yerr=[row.get("accuracy_std", 0.0) for row in drawn],
                color=_COLOURS[protocol],
                label=protocols[protocol],
                capsize=2,
            )
        chance = [row["chance"] for row in in_task if row.get("chance") is not None]
        if chance:
            ax.axhline(chance[0], color="0.4", linestyle="--", linewidth=1)
        names = [
            next(row.get("model_key", model) for row in in_task if row["model"] == model)
            for model in models
        ]
        ax.set_xticks(range(len(models)), names, rotation=30, ha="right", fontsize=8)
        description = in_task[0].get("description")
        title = f"task {task}: {description}" if description else f"task {task}"
        ax.set_ylim(0, 1.05)
        ax.set_title(title, fontsize=9)
    axes[0].set_ylabel("accuracy")
    axes[0].legend(fontsize=8, loc="lower left")
    return fig
