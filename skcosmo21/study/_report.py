"""The study's report: result rows, the printed table, results.json/csv and the figures.

Figures are drawn with :mod:`skcosmo21.plotting` on ``matplotlib.figure.Figure`` objects and
saved as PNG: no pyplot figure, no backend chosen.
"""

import csv
import io
import json
import math
import os
import tempfile

import numpy as np

from ._config import STUDY_FIGURES, TARGETS, TASK_TARGETS, TASKS
from ._models import MODEL_NAMES
from ._sim_to_real import PROTOCOLS

#: Columns of results.csv: one row per task, model and fold.
CSV_COLUMNS = [
    "task",
    "model",
    "fold",
    "n_train",
    "n_test",
    "accuracy",
    "accuracy_redshift",
    "accuracy_escape_fraction",
    "fit_seconds",
]
#: Columns added to results.csv when the study observes: which setting each row is.
OBSERVING_COLUMNS = [
    "setting",
    "telescope",
    "hours",
    "wedge",
    "noise_filter",
    "hours_per_day",
    "scan",
]
#: Columns that start results.csv with test data: which protocol each row is.
PROTOCOL_COLUMNS = ["protocol", "train_data", "test_data"]


def result_row(task, key, evaluation, cubes, seconds):
    """Summary of one model on one task: fold accuracies, chance, per-class accuracy."""
    folds = np.array([fold["accuracy"] for fold in evaluation["folds"]])
    targets = TASK_TARGETS[task]
    row = {
        "task": task,
        "description": TASKS[task],
        "model": MODEL_NAMES[key],
        "model_key": key,
        "accuracy_mean": float(folds.mean()),
        "accuracy_std": float(folds.std()),
        "fold_accuracies": folds.tolist(),
        "chance": float(np.prod([1.0 / len(np.unique(cubes[t])) for t in targets])),
        "study": STUDY_FIGURES[task],
        "target": TARGETS[task],
        "seconds": float(seconds),
    }
    if len(targets) > 1:
        right = evaluation["y_pred"] == evaluation["y_true"]
        for j, target in enumerate(targets):
            row[f"accuracy_{target}"] = float(right[:, j].mean())
    row["per_class"] = per_class(evaluation)
    return row


def per_class(evaluation):
    """Accuracy of the first output per class, beside the mean neutral fraction of its samples.

    Shows where physics, not the model, limits a task: classes whose cubes are almost fully
    neutral look alike. The neutral fraction is None where the data do not give it.
    """
    y_true, y_pred = evaluation["y_true"], evaluation["y_pred"]
    if y_true.ndim > 1:
        y_true, y_pred = y_true[:, 0], y_pred[:, 0]
    neutral = evaluation["neutral_fraction"]
    rows = []
    for label in sorted(np.unique(y_true), key=float):
        in_class = y_true == label
        known = neutral[in_class][np.isfinite(neutral[in_class])]
        rows.append(
            {
                "class": str(label),
                "accuracy": float(np.mean(y_pred[in_class] == label)),
                "mean_neutral_fraction": float(known.mean()) if len(known) else None,
            }
        )
    return rows


def format_table(results):
    """Plain-text table of accuracy per task and model, with chance, target and the study.

    Rows of several settings (simulated maps, then observations) are printed in one block
    per setting, under its name; rows of several protocols (with test data) in one block per
    protocol, sim→sim, sim→real, real→real.

    Parameters
    ----------
    results : list of dict
        Rows of :func:`run_study`.

    Returns
    -------
    table : str
    """
    lines = [f"{'task':<5}{'model':<42}{'accuracy':>18}{'chance':>9}{'target':>8}   study"]
    block = None
    for row in sorted(results, key=_protocol_order):
        if "protocol" in row and row["protocol"] != block:
            block = row["protocol"]
            lines.append(f"-- {PROTOCOLS[block]}")
        elif "setting" in row and row["setting"] != block:
            block = row["setting"]
            lines.append(f"-- {block}")
        accuracy = f"{row['accuracy_mean']:.3f} ± {row['accuracy_std']:.3f}"
        extra = ""
        if "accuracy_redshift" in row and "accuracy_escape_fraction" in row:
            extra = (
                f"   (z {row['accuracy_redshift']:.3f}, "
                f"f_esc {row['accuracy_escape_fraction']:.3f})"
            )
        lines.append(
            f"{row['task']:<5}{row['model']:<42}{accuracy:>18}{row['chance']:>9.3f}"
            f"{row['target']:>8.2f}   {row['study']}{extra}"
        )
    return "\n".join(lines)


def _protocol_order(row):
    """Rows of one protocol together, in the order of PROTOCOLS; the rest keep their order."""
    protocol = row.get("protocol")
    return list(PROTOCOLS).index(protocol) if protocol in PROTOCOLS else -1


def _json_safe(value):
    """NaN and inf become null (JSON has no NaN); numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_atomically(path, text):
    """Write ``text`` to ``path`` through a temporary file, so a failed write keeps the old one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_tables(out, payload, observing=False, protocols=False):
    """results.json (everything) and results.csv (one row per setting, task, model and fold).

    With ``observing``, results.csv starts with the setting's columns (empty telescope,
    hours and wedge for the simulated maps; empty hours for the noiseless reference); with
    ``protocols`` (test data), with each row's protocol and the data it trained and was
    tested on.
    """
    write_atomically(out / "results.json", json.dumps(_json_safe(payload), indent=2) + "\n")
    buffer = io.StringIO()
    columns = CSV_COLUMNS
    if protocols:
        columns = PROTOCOL_COLUMNS + columns
    if observing:
        columns = OBSERVING_COLUMNS + columns
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in payload["results"]:
        origin = {column: row[column] for column in PROTOCOL_COLUMNS} if protocols else {}
        if observing:
            origin.update({"setting": row["setting"], **(row["observation"] or {})})
        for fold in row["folds"]:
            line = {**origin, "task": row["task"], "model": row["model"], **fold}
            for target, accuracy in zip(
                TASK_TARGETS[row["task"]], fold.get("output_accuracies", []), strict=False
            ):
                line[f"accuracy_{target}"] = accuracy
            writer.writerow(line)
    write_atomically(out / "results.csv", buffer.getvalue())


def _save(fig, path):
    fig.savefig(path, dpi=100)


def write_figures(out, cubes, results, evaluations, config, title_prefix=""):
    """The report's figures; returns the names of the files written.

    Example slices per redshift, the confusion matrix of each task's best model with the
    classes' neutral fractions, learning curves of the networks' last folds, and accuracy
    against neutral fraction of the best model on the broadest task. ``title_prefix`` names
    the protocol of ``results`` in the titles of the figures drawn from them.
    """
    from matplotlib.figure import Figure

    from ..plotting import (
        plot_accuracy_vs_neutral_fraction,
        plot_confusion_matrix,
        plot_learning_curves,
        plot_slice_grid,
    )

    written = []
    first = cubes.realization == np.min(cubes.realization)
    fixed = np.isclose(cubes.escape_fraction, config.fixed_escape_fraction)
    select = first & fixed if (first & fixed).any() else first
    fig = Figure(figsize=(14, 5))
    plot_slice_grid(cubes, by="redshift", select=select, fig=fig)
    title = "Example slices, first realization"
    if (first & fixed).any():
        title += f", f_esc = {config.fixed_escape_fraction:g}"
    fig.suptitle(title)
    _save(fig, out / "example_slices.png")
    written.append("example_slices.png")

    for task in config.tasks:
        best = max((r for r in results if r["task"] == task), key=lambda r: r["accuracy_mean"])
        evaluation = evaluations[(task, best["model_key"])]
        y_true, y_pred = evaluation["y_true"], evaluation["y_pred"]
        if y_true.ndim > 1:  # joint: the redshift output's confusion matrix
            y_true, y_pred = y_true[:, 0], y_pred[:, 0]
        fig = Figure(figsize=(7, 6), layout="tight")
        neutral = evaluation["neutral_fraction"]
        plot_confusion_matrix(
            y_true,
            y_pred,
            neutral_fraction=neutral if np.isfinite(neutral).any() else None,
            ax=fig.subplots(),
            title=f"{title_prefix}task {task}: {TASKS[task]}\nbest model: {best['model']} "
            f"({best['accuracy_mean']:.2f})",
        )
        _save(fig, out / f"confusion_task_{task}.png")
        written.append(f"confusion_task_{task}.png")

    curves = {
        key: [
            (task, evaluations[(task, key)]["histories"][-1])
            for task in config.tasks
            if (task, key) in evaluations and evaluations[(task, key)]["histories"]
        ]
        for key in ("dense", "cnn")
    }
    networks = [key for key, found in curves.items() if found]
    if networks:
        fig = Figure(figsize=(5.5 * len(networks), 4), layout="tight")
        for ax, key in zip(np.atleast_1d(fig.subplots(1, len(networks))), networks, strict=True):
            labels = [f"task {task}" for task, _ in curves[key]]
            histories = [history for _, history in curves[key]]
            plot_learning_curves(histories, labels=labels, ax=ax)
            ax.set(title=MODEL_NAMES[key], ylabel="loss (last fold)")
        _save(fig, out / "learning_curves.png")
        written.append("learning_curves.png")

    broadest = "c" if "c" in config.tasks else config.tasks[-1]
    best = max((r for r in results if r["task"] == broadest), key=lambda r: r["accuracy_mean"])
    evaluation = evaluations[(broadest, best["model_key"])]
    if np.isfinite(evaluation["neutral_fraction"]).any():
        fig = Figure(figsize=(6, 4), layout="tight")
        ax = plot_accuracy_vs_neutral_fraction(
            evaluation["y_true"],
            evaluation["y_pred"],
            evaluation["neutral_fraction"],
            label=best["model"],
            ax=fig.subplots(),
        )
        ax.set_title(f"{title_prefix}task {broadest}: {TASKS[broadest]}", fontsize=9)
        _save(fig, out / "accuracy_vs_neutral_fraction.png")
        written.append("accuracy_vs_neutral_fraction.png")
    return written


def best_baseline(rows):
    """The model without a network with the highest accuracy, of rows of one task and setting."""
    from ._models import NEURAL_MODELS

    baselines = [row for row in rows if row["model_key"] not in NEURAL_MODELS]
    return max(baselines, key=lambda row: row["accuracy_mean"]) if baselines else None


def write_observing_figure(out, results, config):
    """Save :func:`observing_figure` as accuracy_vs_observing_time.png; return the name."""
    _save(observing_figure(results, config), out / "accuracy_vs_observing_time.png")
    return "accuracy_vs_observing_time.png"


def observing_figure(results, config):
    """Accuracy against observing time per task, for the best baseline and the CNN.

    The best baseline is the one with the highest accuracy after the longest observing time.
    Each curve carries its noiseless reference (mean and wedge removed, no noise) and its
    accuracy on the simulated maps as horizontal lines.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per task.
    """
    from matplotlib.figure import Figure

    from ..observation._telescopes import resolve_scan
    from ..plotting import plot_accuracy_vs_observing_time

    tasks = list(config.tasks)
    fig = Figure(figsize=(4.2 * len(tasks), 3.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(tasks), sharey=True))
    longest = max(config.hours)
    for ax, task in zip(axes, tasks, strict=True):
        rows = [row for row in results if row["task"] == task]
        timed = [r for r in rows if r["observation"] is not None and r["observation"]["hours"]]
        best = best_baseline([r for r in timed if r["observation"]["hours"] == longest])
        keys = [best["model_key"]] if best is not None else []
        keys += [key for key in ("cnn",) if key in config.task_models(task)]
        for key in keys:
            curve = sorted(
                (r for r in timed if r["model_key"] == key),
                key=lambda r: r["observation"]["hours"],
            )
            reference = [r for r in rows if r["model_key"] == key and _is_reference(r)]
            simulated = [r for r in rows if r["model_key"] == key and r["observation"] is None]
            plot_accuracy_vs_observing_time(
                [r["observation"]["hours"] for r in curve],
                [r["accuracy_mean"] for r in curve],
                accuracy_std=[r["accuracy_std"] for r in curve],
                without_noise=reference[0]["accuracy_mean"] if reference else None,
                simulated=simulated[0]["accuracy_mean"] if simulated else None,
                chance=curve[0]["chance"],
                label=MODEL_NAMES[key],
                ax=ax,
            )
        ax.set_title(f"task {task}: {TASKS[task]}", fontsize=9)
    wedge = "no wedge cut" if config.wedge == "none" else f"{config.wedge} wedge excluded"
    fig.suptitle(
        f"{config.telescope}, {config.hours_per_day:g} h/day "
        f"{resolve_scan(config.telescope, config.scan)}; mean removed, "
        f"{wedge}. Dashed: no noise; dotted: simulated maps",
        fontsize=9,
    )
    return fig


def _is_reference(row):
    return row["observation"] is not None and row["observation"]["hours"] is None


def write_sim_vs_real_figure(out, results):
    """sim_vs_real.png: every protocol's accuracy per task and model; returns the name."""
    from matplotlib.figure import Figure

    from ..plotting import plot_sim_vs_real

    tasks = list(dict.fromkeys(row["task"] for row in results))
    fig = Figure(figsize=(4.5 * len(tasks), 4.5), layout="constrained")
    plot_sim_vs_real(results, fig=fig)
    _save(fig, out / "sim_vs_real.png")
    return "sim_vs_real.png"
