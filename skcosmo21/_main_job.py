"""The main job behind ``skcosmo21 run``: the original study, end to end, on built-in data.

Four tasks (redshift at fixed f_esc, f_esc at fixed redshift, redshift over all f_esc, both
jointly) × six models (the study's PCA baseline, the power-spectrum physics baseline, a
one-point-statistics baseline, the study's dense network on patches, a CNN on slices, an
autoencoder + CNN), each evaluated by leave-one-realization-out cross-validation, so no slice
of a test cube's initial conditions is ever trained on. Simulations and every fold's
predictions are cached, so an interrupted run resumes where it stopped.
"""

import csv
import json
import logging
import os
import pathlib
import time

import joblib
import numpy as np

logger = logging.getLogger("skcosmo21.run")

STUDY_FIGURES = {"a": "48 % (dense net)", "b": "chance (20 %)", "c": "–", "d": "–"}
# Accuracy targets on held-out realizations (for d: both outputs right).
TARGETS = {"a": 0.95, "b": 0.90, "c": 0.90, "d": 0.80}
TASKS = {
    "a": "redshift at f_esc = 0.15",
    "b": "f_esc at z = 8.0",
    "c": "redshift over all f_esc",
    "d": "redshift and f_esc jointly",
}


class MainJobError(Exception):
    """An error the user can fix (bad option, unwritable folder); reported in one line."""


def default_cache_dir():
    """Cache folder for simulations and fold results: ``$XDG_CACHE_HOME/skcosmo21``.

    ``~/.cache/skcosmo21`` when ``XDG_CACHE_HOME`` is not set.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "skcosmo21")


def _prepare_output(output):
    path = pathlib.Path(output)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        message = f"cannot write to output folder {str(path)!r}: {error.strerror}"
        raise MainJobError(message) from None
    return path


def configuration(quick):
    """Grid, slicing and training settings of the default and the ``--quick`` run."""
    if quick:
        return {
            "redshifts": [7.0, 8.0, 9.0, 10.0, 11.0],
            "escape_fractions": [0.1, 0.15, 0.3],
            "n_realizations": 3,
            "n_cells": 32,
            "box_size": 300.0,
            "slice_step": 4,
            "patch_size": 16,
            "pca_components": 20,
            "epochs_dense": 4,
            "epochs_autoencoder": 2,
            "epochs_cnn": {"a": 6, "b": 6, "c": 6, "d": 6},
            "fixed_escape_fraction": 0.15,
            "fixed_redshift": 8.0,
        }
    return {
        "redshifts": list(np.round(np.arange(7.0, 11.01, 0.25), 2)),
        "escape_fractions": [0.075, 0.1, 0.15, 0.2, 0.3],
        "n_realizations": 3,
        "n_cells": 64,
        "box_size": 300.0,
        "slice_step": 4,
        "patch_size": 32,
        "pca_components": 50,
        "epochs_dense": 15,
        "epochs_autoencoder": 4,
        # Tasks c and d have five times the slices, so half the epochs is still more steps.
        "epochs_cnn": {"a": 40, "b": 40, "c": 20, "d": 20},
        "fixed_escape_fraction": 0.15,
        "fixed_redshift": 8.0,
    }


def _models(config, random_state, task):
    """Name -> (a fresh, unfitted estimator, whether it works on patches)."""
    from sklearn.decomposition import PCA
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .feature_extraction import OnePointStatistics, PowerSpectrum2D
    from .neural import AutoencoderEncoder, ConvClassifier, DenseClassifier
    from .preprocessing import Flatten, ImageStandardizer

    joint = task == "d"

    def per_output(model):
        return MultiOutputClassifier(model) if joint else model

    def linear():
        return per_output(LogisticRegression(max_iter=2000, C=1.0))

    return {
        "PCA + LogisticRegression": (
            make_pipeline(
                ImageStandardizer(),
                Flatten(),
                PCA(config["pca_components"], random_state=random_state),
                StandardScaler(),
                linear(),
            ),
            False,
        ),
        "PowerSpectrum2D + LogisticRegression": (
            make_pipeline(
                PowerSpectrum2D(box_size=config["box_size"], include_moments=True),
                StandardScaler(),
                linear(),
            ),
            False,
        ),
        # The one-point distribution of the slice, with a model that can cut it finely. Its
        # quantiles stop at 1 % and 99 %: see OnePointStatistics on the extreme pixels.
        "OnePointStatistics + HistGradientBoosting": (
            make_pipeline(
                OnePointStatistics(n_quantiles=32),
                per_output(
                    HistGradientBoostingClassifier(
                        max_iter=200, early_stopping=False, random_state=random_state
                    )
                ),
            ),
            False,
        ),
        "DenseClassifier on patches": (
            make_pipeline(
                ImageStandardizer(),
                DenseClassifier(
                    hidden_layer_sizes=(350,),
                    alpha=1e-3,
                    dropout=0.2,
                    epochs=config["epochs_dense"],
                    learning_rate=1e-3,
                    batch_size=64,
                    early_stopping=True,
                    random_state=random_state,
                ),
            ),
            True,
        ),
        # Trained for a fixed number of epochs on every training slice. On an independent
        # simulation of task a (random_state=1), early stopping within 20 epochs gave 0.85;
        # 40 epochs with batches of 64 and step 2e-3 gave 0.97.
        "ConvClassifier on slices": (
            make_pipeline(
                ImageStandardizer(),
                ConvClassifier(
                    filters=(16, 32),
                    dense_units=(64,),
                    epochs=config["epochs_cnn"][task],
                    learning_rate=2e-3,
                    batch_size=64,
                    validation_fraction=0.0,
                    random_state=random_state,
                ),
            ),
            False,
        ),
        "AutoencoderEncoder + ConvClassifier": (
            make_pipeline(
                ImageStandardizer(),
                AutoencoderEncoder(
                    epochs=config["epochs_autoencoder"], batch_size=32, random_state=random_state
                ),
                ConvClassifier(
                    filters=(32, 64),
                    dense_units=(64,),
                    dropout=0.2,
                    epochs=config["epochs_cnn"][task],
                    learning_rate=1e-3,
                    batch_size=32,
                    early_stopping=True,
                    random_state=random_state,
                ),
            ),
            False,
        ),
    }


def _task_cubes(cubes, task, config):
    if task == "a":
        mask = np.isclose(cubes.escape_fraction, config["fixed_escape_fraction"])
        return mask, ["redshift"]
    if task == "b":
        mask = np.isclose(cubes.redshift, config["fixed_redshift"])
        return mask, ["escape_fraction"]
    if task == "c":
        return np.ones(len(cubes.redshift), bool), ["redshift"]
    return np.ones(len(cubes.redshift), bool), ["redshift", "escape_fraction"]


def _subset(cubes, mask):
    from sklearn.utils import Bunch

    return Bunch(
        **{
            k: (v[mask] if isinstance(v, np.ndarray) and len(v) == len(mask) else v)
            for k, v in cubes.items()
        }
    )


def _as_labels(values):
    """Class labels as strings ("7.25", "0.15").

    scikit-learn takes non-integer float labels for regression targets.
    """
    return np.vectorize(lambda v: f"{v:g}")(np.asarray(values, dtype=float))


def _fit_predict(estimator, X_train, y_train, X_test, version):
    """Fit a clone of ``estimator`` and predict ``X_test``; the unit the cache stores.

    ``version`` is not used: it is part of the cache key, so a new release re-trains.
    """
    from sklearn.base import clone

    logger.info("training %d samples", len(X_train))
    model = clone(estimator).fit(X_train, y_train)
    final = model[-1] if hasattr(model, "steps") else model
    history = getattr(final, "history_", None)
    history = None if history is None else {k: list(map(float, v)) for k, v in history.items()}
    return model.predict(X_test), history


def _evaluate(estimator, data, progress, label, memory):
    """Leave-one-realization-out: fit, predict, and keep what the report needs.

    Each fold's predictions are cached in ``memory`` under the estimator's parameters and the
    fold's data, so an interrupted run resumes at the first fold it had not finished.
    """
    from ._version import __version__

    fit_predict = memory.cache(_fit_predict)
    groups = data.groups
    labels = _as_labels(data.y)
    folds, y_true, y_pred, cube_index, histories = [], [], [], [], []
    test_groups = np.unique(groups)
    for k, test_group in enumerate(test_groups):
        train, test = groups != test_group, groups == test_group
        logger.info("%s | fold %d/%d", label, k + 1, len(test_groups))
        predicted, history = fit_predict(
            estimator, data.X[train], labels[train], data.X[test], __version__
        )
        truth = labels[test]
        correct = predicted == truth if truth.ndim == 1 else np.all(predicted == truth, axis=1)
        folds.append(float(correct.mean()))
        y_true.append(truth)
        y_pred.append(predicted)
        cube_index.append(data.locations["cube"][test])
        if history is not None:
            histories.append(history)
        progress.update()
    return {
        "folds": folds,
        "y_true": np.concatenate(y_true),
        "y_pred": np.concatenate(y_pred),
        "cube": np.concatenate(cube_index),
        "histories": histories,
    }


def run_main_job(quick=False, output="skcosmo21-output", n_jobs=1, random_state=0, cache_dir=None):
    """Simulate the default grid, evaluate the study's models on its four tasks, report.

    Parameters
    ----------
    quick : bool, default=False
        Small grid and short training, a smoke run of a few minutes.
    output : str, default="skcosmo21-output"
        Report folder (results.json, results.csv, figures).
    n_jobs : int, default=1
        Parallel workers for the simulation.
    random_state : int, default=0
        Seed of simulations, splits and training.
    cache_dir : str, default=None
        Cache of simulations and of each fold's predictions; :func:`default_cache_dir` when
        None. An interrupted run resumes from what is cached there.

    Returns
    -------
    results : list of dict
        One row per (task, model).
    """
    from tqdm.auto import tqdm

    from .datasets import make_reionization_cubes, make_slice_dataset
    from .preprocessing import CubeSlicer, PatchExtractor

    out = _prepare_output(output)
    config = configuration(quick)
    start = time.perf_counter()
    memory = joblib.Memory(cache_dir or default_cache_dir(), verbose=0)
    n_cubes = len(config["redshifts"]) * len(config["escape_fractions"]) * config["n_realizations"]
    logger.info(
        "step 1/3: simulating %d cubes of %d^3 cells over %g Mpc (cached in %s)",
        n_cubes,
        config["n_cells"],
        config["box_size"],
        memory.location,
    )
    cubes = make_reionization_cubes(
        config["redshifts"],
        config["escape_fractions"],
        n_realizations=config["n_realizations"],
        n_cells=config["n_cells"],
        box_size=config["box_size"],
        fields=("delta_T",),
        random_state=random_state,
        n_jobs=n_jobs,
        memory=memory,
        verbose=True,
    )
    logger.info("simulation ready after %.0f s", time.perf_counter() - start)

    slicer = CubeSlicer(axes="all", step=config["slice_step"])
    patcher = PatchExtractor(patch_size=config["patch_size"])
    results, details = [], {}
    n_models = len(_models(config, random_state, "a"))
    n_units = len(TASKS) * n_models * config["n_realizations"]
    progress = tqdm(total=n_units, desc="task/model/fold", unit="fit", disable=None)
    logger.info(
        "step 2/3: %d tasks x %d models x %d folds", len(TASKS), n_models, config["n_realizations"]
    )
    for task in TASKS:
        mask, targets = _task_cubes(cubes, task, config)
        subset = _subset(cubes, mask)
        slices = make_slice_dataset(subset, targets, slicer)
        patches = make_slice_dataset(subset, targets, slicer, patcher)
        for name, (estimator, on_patches) in _models(config, random_state, task).items():
            data = patches if on_patches else slices
            evaluation = _evaluate(estimator, data, progress, f"task {task} | {name}", memory)
            row = _result_row(task, name, targets, evaluation, subset, config)
            results.append(row)
            details[(task, name)] = evaluation
            logger.info(
                "task %s | %s: accuracy %.3f ± %.3f",
                task,
                name,
                row["accuracy_mean"],
                row["accuracy_std"],
            )
    progress.close()

    logger.info("step 3/3: writing the report to %s", out)
    _write_tables(out, results, config, time.perf_counter() - start)
    _write_figures(out, results, details, cubes, config)
    print(format_table(results))
    logger.info("done in %.0f s", time.perf_counter() - start)
    return results


def _result_row(task, name, targets, evaluation, cubes, config):
    folds = np.asarray(evaluation["folds"])
    row = {
        "task": task,
        "description": TASKS[task],
        "model": name,
        "accuracy_mean": float(folds.mean()),
        "accuracy_std": float(folds.std()),
        "fold_accuracies": folds.tolist(),
        "chance": float(np.prod([1.0 / len(np.unique(cubes[t])) for t in targets])),
        "study": STUDY_FIGURES[task],
        "target": TARGETS[task],
    }
    if len(targets) > 1:
        for j, target in enumerate(targets):
            row[f"accuracy_{target}"] = float(
                np.mean(evaluation["y_pred"][:, j] == evaluation["y_true"][:, j])
            )
    row["per_class"] = _per_class(evaluation, cubes, targets[0])
    return row


def _per_class(evaluation, cubes, target):
    """Accuracy of the first output per class, beside the mean neutral fraction of its cubes.

    Shows where physics, not the model, limits a task: classes whose cubes are almost fully
    neutral look alike.
    """
    y_true, y_pred = evaluation["y_true"], evaluation["y_pred"]
    if y_true.ndim > 1:
        y_true, y_pred = y_true[:, 0], y_pred[:, 0]
    rows = []
    for label in sorted(np.unique(y_true), key=float):
        in_class = y_true == label
        cubes_in_class = np.isclose(cubes[target], float(label))
        rows.append(
            {
                "class": str(label),
                "accuracy": float(np.mean(y_pred[in_class] == label)),
                "mean_neutral_fraction": float(np.mean(cubes.neutral_fraction[cubes_in_class])),
            }
        )
    return rows


def format_table(results):
    """Plain-text table of accuracy per task and model, with chance, target and the study."""
    lines = [f"{'task':<5}{'model':<42}{'accuracy':>18}{'chance':>9}{'target':>8}   study"]
    for row in results:
        accuracy = f"{row['accuracy_mean']:.3f} ± {row['accuracy_std']:.3f}"
        extra = ""
        if "accuracy_redshift" in row and "accuracy_escape_fraction" in row:
            extra = (
                f"   (z {row['accuracy_redshift']:.3f}, "
                f"f_esc {row['accuracy_escape_fraction']:.3f})"
            )
        lines.append(
            f"{row['task']:<5}{row['model']:<42}{accuracy:>18}{row['chance']:>9.3f}"
            f"{row['target']:>8.2f}   "
            f"{row['study']}{extra}"
        )
    return "\n".join(lines)


def _write_tables(out, results, config, seconds):
    payload = {"config": config, "seconds": seconds, "results": results}
    (out / "results.json").write_text(json.dumps(payload, indent=2, default=float))
    columns = [
        "task",
        "description",
        "model",
        "accuracy_mean",
        "accuracy_std",
        "chance",
        "target",
        "study",
        "accuracy_redshift",
        "accuracy_escape_fraction",
    ]
    with open(out / "results.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(results)


def _write_figures(out, results, details, cubes, config):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    # Example slices: one per redshift at the fixed escape fraction (task a's classes).
    fixed = np.isclose(cubes.escape_fraction, config["fixed_escape_fraction"]) & (
        cubes.realization == 0
    )
    order = np.flatnonzero(fixed)
    n = len(order)
    columns = min(n, 6)
    rows = int(np.ceil(n / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.2 * columns, 2.2 * rows), squeeze=False)
    extent = [0, config["box_size"], 0, config["box_size"]]
    for ax, i in zip(axes.ravel(), order, strict=False):
        image = ax.imshow(cubes.delta_T[i, 0], cmap="magma", vmin=0, vmax=35, extent=extent)
        ax.set_title(
            f"z = {cubes.redshift[i]:g}, $x_{{HI}}$ = {cubes.neutral_fraction[i]:.2f}", fontsize=8
        )
        ax.set_xlabel("Mpc", fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    fig.colorbar(image, ax=axes, label=r"$\delta T_b$ [mK]", shrink=0.8)
    fig.suptitle(f"Example slices, f_esc = {config['fixed_escape_fraction']}")
    fig.savefig(out / "example_slices.png", dpi=100)
    plt.close(fig)

    for task in TASKS:
        best = max((r for r in results if r["task"] == task), key=lambda r: r["accuracy_mean"])
        evaluation = details[(task, best["model"])]
        y_true, y_pred = evaluation["y_true"], evaluation["y_pred"]
        if y_true.ndim > 1:  # joint: the redshift head's confusion matrix
            y_true, y_pred = y_true[:, 0], y_pred[:, 0]
        fig, ax = plt.subplots(figsize=(7, 6))
        classes = sorted(np.unique(y_true), key=float)
        ConfusionMatrixDisplay.from_predictions(
            y_true,
            y_pred,
            labels=classes,
            ax=ax,
            normalize="true",
            include_values=len(classes) <= 6,
            colorbar=True,
            cmap="Blues",
            xticks_rotation=90,
        )
        # The mean neutral fraction of each true class beside its label: near x_HI = 1 the
        # classes look alike.
        ax.set_yticklabels(
            [f"{c['class']} ({c['mean_neutral_fraction']:.2f})" for c in best["per_class"]]
        )
        ax.set_ylabel(r"true label (mean $x_{HI}$ of its cubes)")
        ax.set_title(
            f"task {task}: {TASKS[task]}\nbest model: {best['model']} "
            f"({best['accuracy_mean']:.2f})",
            fontsize=9,
        )
        fig.tight_layout()
        fig.savefig(out / f"confusion_task_{task}.png", dpi=100)
        plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, name in zip(
        axes, ["DenseClassifier on patches", "ConvClassifier on slices"], strict=True
    ):
        for task in TASKS:
            histories = details[(task, name)]["histories"]
            if histories:
                history = histories[-1]
                ax.plot(history["loss"], label=f"task {task} train")
                if "val_loss" in history:
                    ax.plot(history["val_loss"], "--", label=f"task {task} validation")
        ax.set(xlabel="epoch", ylabel="loss (last fold)", title=name)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "learning_curves.png", dpi=100)
    plt.close(fig)

    # Accuracy against the cube's neutral fraction, task c, best model.
    best = max((r for r in results if r["task"] == "c"), key=lambda r: r["accuracy_mean"])
    evaluation = details[("c", best["model"])]
    right = evaluation["y_true"] == evaluation["y_pred"]
    neutral = cubes.neutral_fraction[evaluation["cube"]]
    bins = np.linspace(0, 1, 11)
    index = np.clip(np.digitize(neutral, bins) - 1, 0, 9)
    centres, accuracy = [], []
    for b in range(10):
        if np.any(index == b):
            centres.append(0.5 * (bins[b] + bins[b + 1]))
            accuracy.append(right[index == b].mean())
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(centres, accuracy, "o-")
    ax.set(
        xlabel=r"cube neutral fraction $\bar x_{HI}$",
        ylabel="slice accuracy",
        title=f"task c, {best['model']}",
        ylim=(0, 1.05),
    )
    fig.tight_layout()
    fig.savefig(out / "accuracy_vs_neutral_fraction.png", dpi=100)
    plt.close(fig)
