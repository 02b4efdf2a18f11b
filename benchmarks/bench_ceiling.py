"""How far can one 64 x 64 slice go? The accuracy ceiling behind the main job's targets.

Run: python benchmarks/bench_ceiling.py  (about 15 minutes on 2 cores).

Everything here uses simulations with seeds the main job does not use (``random_state=2026``),
so nothing is tuned on the main job's test folds:

1. **Learning curves.** The default grid (17 z x 5 f_esc, 64^3 over 300 Mpc) with 18
   realizations; the last 2 are held out, and models are trained on the first 2, 4, 8 and 16
   (the CNN, the costliest, up to 8). If held-out accuracy stops rising with several times the
   training realizations, the task is limited by what a slice contains, not by the main job's
   2 training realizations.
2. **The bright tail against 21cmFAST.** The slice 99th percentile and maximum of δT_b in our
   simulator and in the real 21cmFAST 3.4.0 boxes of ``../shared`` at identical settings
   (32^3 over 48 Mpc, z = 7, 8, 9, zeta = 20, 40), to tell which one-point features a
   classifier may trust.
"""

import json
import os
import pathlib
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import machine  # noqa: E402

SHARED_BOXES = HERE.parent.parent / "shared" / "reference" / "21cmfast-3.4.0" / "boxes" / "h5"
SEED = 2026
N_REALIZATIONS = 18
N_TEST = 2
TRAINING_SIZES = (2, 4, 8, 16)
CNN_TRAINING_SIZES = (2, 4, 8)


def _labels(values):
    return np.vectorize(lambda v: f"{v:g}")(np.asarray(values, dtype=float))


def _models(task):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from skcosmo21.feature_extraction import OnePointStatistics

    def per_output(model):
        return MultiOutputClassifier(model) if task == "d" else model

    def boosting():
        return per_output(HistGradientBoostingClassifier(max_iter=200, early_stopping=False))

    slice_mean = FunctionTransformer(lambda X: X.mean(axis=(1, 2))[:, None])
    return {
        "slice mean + LogisticRegression": make_pipeline(
            slice_mean, StandardScaler(), per_output(LogisticRegression(max_iter=2000))
        ),
        "OnePointStatistics (1-99 %) + HistGradientBoosting": make_pipeline(
            OnePointStatistics(n_quantiles=32), boosting()
        ),
        "OnePointStatistics (0-100 %, reads the capped maximum) + HistGradientBoosting": (
            make_pipeline(OnePointStatistics(n_quantiles=32, quantile_range=(0, 1)), boosting())
        ),
    }


def _cnn(epochs):
    from sklearn.pipeline import make_pipeline

    from skcosmo21.neural import ConvClassifier
    from skcosmo21.preprocessing import ImageStandardizer

    # The main job's "ConvClassifier on slices".
    return make_pipeline(
        ImageStandardizer(),
        ConvClassifier(
            filters=(16, 32),
            dense_units=(64,),
            epochs=epochs,
            learning_rate=2e-3,
            batch_size=64,
            validation_fraction=0.0,
            random_state=0,
        ),
    )


def _accuracy(model, X_train, y_train, X_test, y_test):
    predicted = model.fit(X_train, y_train).predict(X_test)
    right = predicted == y_test
    return float(right.mean() if right.ndim == 1 else np.all(right, axis=1).mean())


def learning_curves():
    from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
    from skcosmo21.preprocessing import CubeSlicer

    cubes = make_reionization_cubes(
        np.round(np.arange(7.0, 11.01, 0.25), 2),
        [0.075, 0.1, 0.15, 0.2, 0.3],
        n_realizations=N_REALIZATIONS,
        n_cells=64,
        box_size=300.0,
        fields=("delta_T",),
        random_state=SEED,
        n_jobs=2,
    )
    data = make_slice_dataset(
        cubes, ["redshift", "escape_fraction"], CubeSlicer(axes="all", step=4)
    )
    labels, groups = _labels(data.y), data.groups
    fixed_escape = np.isclose(data.y[:, 1], 0.15)
    tasks = {
        "a": (fixed_escape, labels[:, 0]),
        "c": (np.ones(len(labels), bool), labels[:, 0]),
        "d": (np.ones(len(labels), bool), labels),
    }
    test = groups >= N_REALIZATIONS - N_TEST
    rows = []
    for task, (mask, y) in tasks.items():
        for n_train in TRAINING_SIZES:
            train = mask & (groups < n_train)
            models = _models(task)
            if task == "a" and n_train in CNN_TRAINING_SIZES:
                models["ConvClassifier on slices (main job's)"] = _cnn(epochs=40)
            for name, model in models.items():
                start = time.perf_counter()
                accuracy = _accuracy(
                    model, data.X[train], y[train], data.X[test & mask], y[test & mask]
                )
                rows.append(
                    {
                        "task": task,
                        "model": name,
                        "training_realizations": n_train,
                        "training_slices": int(train.sum()),
                        "accuracy": accuracy,
                        "seconds": time.perf_counter() - start,
                    }
                )
                print(f"task {task} | {n_train} realizations | {name}: {accuracy:.3f}", flush=True)
    return rows


def _slice_tail(cube):
    slices = np.concatenate([np.moveaxis(cube, axis, 0) for axis in range(3)])
    flat = slices.reshape(len(slices), -1)
    q99, top = np.quantile(flat, 0.99, axis=1), flat.max(axis=1)
    return {
        "q99_mean": float(q99.mean()),
        "q99_std": float(q99.std()),
        "max_mean": float(top.mean()),
        "max_std": float(top.std()),
    }


def bright_tail_against_21cmfast():
    from skcosmo21.datasets import load_21cmfast, make_reionization_cubes

    files = sorted(SHARED_BOXES.glob("BrightnessTemp_*.h5"))
    if not files:
        return {"skipped": f"no 21cmFAST reference boxes under {SHARED_BOXES}"}
    real = load_21cmfast(files, fields=("delta_T",))
    ours = make_reionization_cubes(
        sorted(set(real.redshift)),
        sorted(set(real.escape_fraction)),
        n_realizations=2,
        n_cells=real.delta_T.shape[-1],
        box_size=float(real.box_size),
        fields=("delta_T",),
        random_state=SEED,
    )
    rows = []
    for source, boxes in (("21cmFAST 3.4.0", real), ("skcosmo21", ours)):
        for i in range(len(boxes.redshift)):
            rows.append(
                {
                    "source": source,
                    "redshift": float(boxes.redshift[i]),
                    "escape_fraction": float(boxes.escape_fraction[i]),
                    "realization": int(boxes.realization[i]),
                    **_slice_tail(np.asarray(boxes.delta_T[i], dtype=np.float64)),
                }
            )
    return rows


def main():
    start = time.perf_counter()
    result = {
        "machine": machine(),
        "seed": SEED,
        "bright_tail": bright_tail_against_21cmfast(),
        "learning_curves": learning_curves(),
    }
    result["seconds"] = time.perf_counter() - start
    return result


if __name__ == "__main__":
    result = main()
    out = HERE / "results" / "bench_ceiling.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result["bright_tail"], indent=1))
    print(f"{result['seconds']:.0f} s; written to {out}")
