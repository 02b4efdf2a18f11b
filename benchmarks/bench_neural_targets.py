"""The CNN recipe against the one-point baseline on the main job's grid (issue #17's targets).

Run: nice -n 10 python benchmarks/bench_neural_targets.py [--tasks abcd]
     [--train-realizations 64] [--curve 1,2,4,8,16,32,64] [--regression]
     or, to compare candidate recipes: --select --train-realizations 8 --passes 2

Protocol, shared by every model in one run:

* Test data: the main job's simulations, exactly (``make_reionization_cubes`` on the grid of
  ``skcosmo21.study.DEFAULT``: 17 redshifts × 5 escape fractions, 64³ cells over 300 Mpc,
  3 realizations, ``random_state=0``), cut into single 64 × 64 slices every 4 cells along all
  three axes; tasks a–d as in ``skcosmo21.study``, labels as strings ("7.25"). Every slice,
  training and test alike, is clipped at its own 99th percentile, so the simulator's capped
  maximum cannot help any model, then scaled by the fixed map (δT_b − 10 mK) / 10 mK.
* One-point baseline ``OnePointStatistics(n_quantiles=32) + HistGradientBoosting`` (the main
  job's): leave-one-realization-out on the main job's 3 realizations (the main job's
  protocol), and trained on the first N fresh realizations.
* CNN recipe (``recipe()``): ``ConvClassifier`` trained by ``partial_fit`` on fresh
  realizations streamed from :class:`~skcosmo21.datasets.SimulationStream`
  (``random_state=2027``, training branch: never a main-job seed), each seen once, with
  exact-symmetry augmentation (oriented by the slices' locations) and periodic padding, the
  learning rate decaying from 2e-3 to 1e-4 (cosine) over the stream; tested on all 3 main-job
  realizations after N = 1, 2, 4, ... realizations.
* ``--regression``: ``ConvRegressor(loss="gaussian_nll")`` on task d's data (targets redshift
  and ln f_esc), trained the same way; redshift RMSE, median |Δf_esc|/f_esc, and the coverage
  of the 68 % and 95 % intervals, on the main job's realizations.
* ``--select``: candidate CNNs trained on N stream realizations (``--passes`` passes over
  them, held in memory) and scored on 2 realizations of the stream's test branch; no main-job
  realization is used.

The JSON result goes to stdout and ``benchmarks/results/bench_neural_targets.json`` (or
``--output``).
"""

import argparse
import json
import os
import pathlib
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import machine  # noqa: E402

from skcosmo21.study import DEFAULT  # noqa: E402
from skcosmo21.study._config import TASK_TARGETS  # noqa: E402

# The main job's grid and slicing, read from the study's configuration (never retyped).
REDSHIFTS = [float(z) for z in DEFAULT.redshifts]
ESCAPE_FRACTIONS = [float(f) for f in DEFAULT.escape_fractions]
TASK_GRID = {
    "a": (REDSHIFTS, [DEFAULT.fixed_escape_fraction], list(TASK_TARGETS["a"])),
    "b": ([DEFAULT.fixed_redshift], ESCAPE_FRACTIONS, list(TASK_TARGETS["b"])),
    "c": (REDSHIFTS, ESCAPE_FRACTIONS, list(TASK_TARGETS["c"])),
    "d": (REDSHIFTS, ESCAPE_FRACTIONS, list(TASK_TARGETS["d"])),
}
N_CELLS, BOX_SIZE, STEP = DEFAULT.n_cells, DEFAULT.box_size, DEFAULT.slice_step
N_MAIN_JOB_REALIZATIONS = DEFAULT.n_realizations
MAIN_JOB_SEED, STREAM_SEED = 0, 2027


def clip_and_scale(X):
    """Clip every slice at its own 99th percentile, then map δT_b to (δT_b - 10 mK) / 10 mK."""
    ceiling = np.percentile(X, 99, axis=(1, 2), keepdims=True)
    return ((np.minimum(X, ceiling) - 10.0) / 10.0).astype(np.float32)


def recipe(random_state=0):
    """The CNN recipe: the best candidate of ``--select`` (see RESULTS.md)."""
    from skcosmo21.neural import ConvClassifier

    return ConvClassifier(
        filters=(16, 32, 64),
        kernel_size=3,
        dense_units=(64,),
        padding="periodic",
        augment=True,
        learning_rate=LEARNING_RATE,
        batch_size=64,
        random_state=random_state,
    )


LEARNING_RATE, FINAL_LEARNING_RATE = 2e-3, 1e-4


def learning_rate(index, n_chunks):
    """Cosine decay from LEARNING_RATE to FINAL_LEARNING_RATE over the stream's chunks."""
    fraction = index / max(1, n_chunks - 1)
    span = LEARNING_RATE - FINAL_LEARNING_RATE
    return FINAL_LEARNING_RATE + 0.5 * span * (1 + np.cos(np.pi * fraction))


def one_point_model(joint, random_state=0):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.multioutput import MultiOutputClassifier

    model = HistGradientBoostingClassifier(
        max_iter=200, early_stopping=False, random_state=random_state
    )
    return MultiOutputClassifier(model) if joint else model


def accuracy(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == 1:
        return float(np.mean(y_true == y_pred))
    return float(np.mean(np.all(y_true == y_pred, axis=1)))


def test_data(task):
    """The main job's realizations of the task's grid: clipped, scaled slices and features."""
    from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
    from skcosmo21.feature_extraction import OnePointStatistics
    from skcosmo21.preprocessing import CubeSlicer

    redshifts, escape_fractions, targets = TASK_GRID[task]
    cubes = make_reionization_cubes(
        REDSHIFTS,
        ESCAPE_FRACTIONS,
        n_realizations=N_MAIN_JOB_REALIZATIONS,
        n_cells=N_CELLS,
        box_size=BOX_SIZE,
        fields=("delta_T",),
        random_state=MAIN_JOB_SEED,
    )
    keep = np.isin(cubes.redshift, redshifts) & np.isin(cubes.escape_fraction, escape_fractions)
    subset = {
        k: (v[keep] if isinstance(v, np.ndarray) and len(v) == len(keep) else v)
        for k, v in cubes.items()
    }
    data = make_slice_dataset(subset, targets, CubeSlicer(axes="all", step=STEP))
    X = clip_and_scale(data.X)
    features = OnePointStatistics(n_quantiles=32).fit_transform(X)
    labels = np.vectorize(lambda v: f"{v:g}")(np.asarray(data.y, dtype=float))
    return X, labels, data.groups, data.locations, features


def stream(task, n_realizations, subset="train"):
    from skcosmo21.datasets import SimulationStream
    from skcosmo21.preprocessing import CubeSlicer

    redshifts, escape_fractions, targets = TASK_GRID[task]
    return SimulationStream(
        redshifts,
        escape_fractions,
        targets,
        n_realizations=n_realizations,
        subset=subset,
        slicer=CubeSlicer(axes="all", step=STEP),
        n_cells=N_CELLS,
        box_size=BOX_SIZE,
        transform=clip_and_scale,
        string_labels=True,  # the main job's labels: "7.25", "0.15"
        random_state=STREAM_SEED,
    )


def one_point_loro(features, y, groups, joint):
    folds = []
    for group in np.unique(groups):
        train, test = groups != group, groups == group
        model = one_point_model(joint).fit(features[train], y[train])
        folds.append(accuracy(y[test], model.predict(features[test])))
    return folds


def run_task(task, n_train, curve, log, one_point_max=None, passes=1):
    """Stream ``n_train`` fresh realizations; measure both models along the way.

    With ``passes`` > 1 the realizations are kept in memory after the first pass and the CNN
    makes ``passes`` passes over them (chunks in a shuffled order each pass); the learning
    rate decays over all passes, and the CNN is scored after every pass.
    """
    from skcosmo21.feature_extraction import OnePointStatistics

    start = time.perf_counter()
    X_test, y_test, groups, _, features_test = test_data(task)
    joint = y_test.ndim == 2
    log(f"task {task}: {len(X_test)} test slices ready after {time.perf_counter() - start:.0f} s")
    result = {"task": task, "n_test_slices": int(len(X_test))}

    folds = one_point_loro(features_test, y_test, groups, joint)
    result["one_point_loro_main_job"] = {"folds": folds, "mean": float(np.mean(folds))}
    log(f"task {task}: one-point LORO on the main job's realizations {np.mean(folds):.3f}")

    training = stream(task, n_train)
    cnn = recipe()
    one_point = OnePointStatistics(n_quantiles=32)
    features, labels, kept = [], [], []
    curve_points = sorted({n for n in curve if n <= n_train} | {n_train})
    cnn_curve, hgb_curve, by_pass = {}, {}, {}
    simulate_s = cnn_s = 0.0
    n_steps, step = passes * len(training), 0
    order_rng = np.random.default_rng(0)
    for pass_number in range(passes):
        order = range(len(training)) if pass_number == 0 else order_rng.permutation(len(kept))
        for index in order:
            if pass_number == 0:
                t0 = time.perf_counter()
                chunk = training.chunk(index)
                simulate_s += time.perf_counter() - t0
                features.append(one_point.fit_transform(chunk.X))
                labels.append(chunk.y)
                if passes > 1:
                    kept.append(chunk)
            else:
                chunk = kept[index]
            t0 = time.perf_counter()
            cnn.set_params(learning_rate=learning_rate(step, n_steps))
            cnn.partial_fit(chunk.X, chunk.y, classes=training.classes, locations=chunk.locations)
            cnn_s += time.perf_counter() - t0
            step += 1
            seen = index + 1
            if pass_number == 0 and seen in curve_points:
                cnn_curve[seen] = accuracy(y_test, cnn.predict(X_test))
                if one_point_max is None or seen <= one_point_max:
                    hgb = one_point_model(joint).fit(
                        np.concatenate(features[:seen]), np.concatenate(labels[:seen])
                    )
                    hgb_curve[seen] = accuracy(y_test, hgb.predict(features_test))
                log(
                    f"task {task}: N={seen} CNN {cnn_curve[seen]:.3f}  one-point "
                    f"{hgb_curve.get(seen, float('nan')):.3f}  "
                    f"({time.perf_counter() - start:.0f} s)"
                )
        by_pass[pass_number + 1] = accuracy(y_test, cnn.predict(X_test))
        log(f"task {task}: after pass {pass_number + 1}: CNN {by_pass[pass_number + 1]:.3f}")
    n_images = passes * sum(len(f) for f in features)
    result.update(
        {
            "n_train_realizations": n_train,
            "passes": passes,
            "cnn": {"params": _params(cnn), "accuracy": by_pass[passes]},
            "cnn_accuracy_after_each_pass": by_pass,
            "one_point_fresh": {"accuracy": hgb_curve.get(n_train)},
            "curve": {"cnn": cnn_curve, "one_point": hgb_curve},
            "curve_protocol": (
                "both models see the first N streamed realizations, each once (the CNN during "
                "its first pass); the CNN's learning rate follows a cosine decay over all "
                "passes, so a curve point is measured mid-schedule"
            ),
            "cnn_training_seconds": cnn_s,
            "cnn_training_images_per_s": n_images / cnn_s,
            "simulation_seconds": simulate_s,
            "seconds": time.perf_counter() - start,
        }
    )
    return result


def run_regression(n_train, log, passes=1):
    from skcosmo21.neural import ConvRegressor

    start = time.perf_counter()
    X_test, y_test, _, _, _ = test_data("d")
    training = stream("d", n_train)
    reg = ConvRegressor(
        filters=(16, 32, 64),
        dense_units=(64,),
        padding="periodic",
        augment=True,
        loss="gaussian_nll",
        learning_rate=LEARNING_RATE,
        batch_size=64,
        random_state=0,
    )

    def targets(y):
        y = np.asarray(y, dtype=float)
        return np.column_stack([y[:, 0], np.log(y[:, 1])])

    kept, n_steps, step = [], passes * len(training), 0
    for pass_number in range(passes):
        for index in range(len(training)):
            if pass_number == 0:
                chunk = training.chunk(index)
                if passes > 1:
                    kept.append(chunk)
            else:
                chunk = kept[index]
            reg.set_params(learning_rate=learning_rate(step, n_steps))
            reg.partial_fit(chunk.X, targets(chunk.y), locations=chunk.locations)
            step += 1
    mean, std = reg.predict(X_test, return_std=True)
    truth = targets(y_test)
    z = np.abs(truth - mean) / std
    f_true, f_pred = np.asarray(y_test[:, 1], dtype=float), np.exp(mean[:, 1])
    result = {
        "n_train_realizations": n_train,
        "passes": passes,
        "params": _params(reg),
        "redshift_rmse": float(np.sqrt(np.mean((mean[:, 0] - truth[:, 0]) ** 2))),
        "median_relative_escape_fraction_error": float(np.median(np.abs(f_pred - f_true) / f_true)),
        "coverage_68": {
            "redshift": float(np.mean(z[:, 0] < 1.0)),
            "ln_escape_fraction": float(np.mean(z[:, 1] < 1.0)),
        },
        "coverage_95": {
            "redshift": float(np.mean(z[:, 0] < 1.96)),
            "ln_escape_fraction": float(np.mean(z[:, 1] < 1.96)),
        },
        "seconds": time.perf_counter() - start,
    }
    log(f"regression: {result}")
    return result


CANDIDATES = {
    "main job's CNN (16, 32)": {"filters": (16, 32)},
    "(16, 32) + periodic + augment": {
        "filters": (16, 32),
        "padding": "periodic",
        "augment": True,
    },
    "(16, 32, 64) + periodic + augment": {
        "filters": (16, 32, 64),
        "padding": "periodic",
        "augment": True,
    },
    "(16, 32, 64) + batch norm + residual + periodic + augment": {
        "filters": (16, 32, 64),
        "batch_norm": True,
        "residual": True,
        "padding": "periodic",
        "augment": True,
    },
}


def select_recipe(n_train, passes, log, task="c"):
    """Compare candidate CNNs on simulations independent of the main job's.

    Training on the stream's training branch, scoring on two realizations of its test branch
    (``random_state=2027``): none of these is a main-job realization.
    """
    from skcosmo21.neural import ConvClassifier

    start = time.perf_counter()
    training = stream(task, n_train)
    chunks = [training.chunk(i) for i in range(len(training))]
    held_out = [stream(task, 2, subset="test").chunk(i) for i in range(2)]
    X_val = np.concatenate([c.X for c in held_out])
    y_val = np.concatenate([c.y for c in held_out])
    log(f"selection data ready after {time.perf_counter() - start:.0f} s")
    results = {}
    for name, params in CANDIDATES.items():
        t0 = time.perf_counter()
        cnn = ConvClassifier(
            dense_units=(64,), learning_rate=2e-3, batch_size=64, random_state=0, **params
        )
        for _ in range(passes):
            for chunk in chunks:
                cnn.partial_fit(
                    chunk.X, chunk.y, classes=training.classes, locations=chunk.locations
                )
        seconds = time.perf_counter() - t0
        results[name] = {
            "validation_accuracy": accuracy(y_val, cnn.predict(X_val)),
            "training_seconds": seconds,
            "images_per_s": passes * sum(len(c.X) for c in chunks) / seconds,
        }
        log(f"{name}: {results[name]}")
    return {
        "task": task,
        "n_train_realizations": n_train,
        "passes": passes,
        "validation": "2 realizations of SimulationStream(random_state=2027, subset='test')",
        "candidates": results,
        "seconds": time.perf_counter() - start,
    }


def _params(estimator):
    return {k: repr(v) for k, v in estimator.get_params().items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-realizations", type=int, default=16)
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--curve", default="1,2,4,8,16,32,64")
    parser.add_argument("--tasks", default="abcd")
    parser.add_argument("--regression", action="store_true")
    parser.add_argument(
        "--one-point-max",
        type=int,
        default=None,
        help="train the one-point baseline on fresh realizations only up to this N (its "
        "boosting on hundreds of thousands of slices takes long on 2 cores)",
    )
    parser.add_argument(
        "--select", action="store_true", help="compare candidate recipes instead (task c)"
    )
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    curve = [int(n) for n in args.curve.split(",") if n]

    def log(message):
        print(message, file=sys.stderr, flush=True)

    import keras

    start = time.perf_counter()
    results = {
        "machine": machine() + f", Keras {keras.__version__}",
        "protocol": __doc__,
        "clipping": "every slice clipped at its own 99th percentile",
        "tasks": [],
    }
    if args.select:
        results["selection"] = select_recipe(args.train_realizations, args.passes, log)
        args.tasks = ""
    for task in args.tasks:
        results["tasks"].append(
            run_task(task, args.train_realizations, curve, log, args.one_point_max, args.passes)
        )
    if args.regression:
        results["regression"] = run_regression(args.train_realizations, log, args.passes)
    results["seconds"] = time.perf_counter() - start
    text = json.dumps(results, indent=2, default=float)
    print(text)
    output = pathlib.Path(
        args.output or pathlib.Path(__file__).parent / "results" / "bench_neural_targets.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    return results


if __name__ == "__main__":
    main()
