"""Sim-to-real: do models trained on the built-in simulator work on real 21cmFAST boxes?

Run: python benchmarks/bench_sim_to_real.py [--real PATH] [--train-realizations 1 3]
(about 5 minutes on 2 cores for the default model; JSON to stdout and to
benchmarks/results/bench_sim_to_real.json).

On the grid of the shared real set (21cmFAST 3.4.0, 64³ cells over 300 Mpc, z = 7…11 in steps of
0.5, ζ = 15, 20, 30, 40, 60 with f_esc = ζ/200, seeds 101 and 102, ``delta_T`` only), every model
is trained and tested three ways on slices along all three axes every 4 cells:

- real→real: trained on one real seed, tested on the other (both ways);
- sim→real: trained on the simulator (``--train-realizations`` realizations of the same grid),
  tested on each real seed;
- sim→sim: trained as sim→real, tested on an independent simulated realization.

Tasks: the redshift over all ζ (9 classes), f_esc over all z (5), both jointly (45), and the main
job's a (redshift at f_esc = 0.15) and b (f_esc at z = 8). Models are a name → factory mapping
(:data:`MODELS`); :func:`run` takes any other mapping, so further models plug in unchanged.
"""

import argparse
import json
import pathlib
import sys
import time

import numpy as np

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import machine  # noqa: E402

RESULTS = HERE / "results" / "bench_sim_to_real.json"
REAL_SET = "21cmfast-3.4.0-main-grid"
SEEDS = (101, 102)
SLICE_STEP = 4


def default_real_path():
    """The shared real set: ../shared/reference beside the repository, or $SKCOSMO21_REFERENCE."""
    import os

    candidates = [HERE.parent.parent / "shared" / "reference" / REAL_SET]
    if "SKCOSMO21_REFERENCE" in os.environ:
        candidates.insert(0, pathlib.Path(os.environ["SKCOSMO21_REFERENCE"]) / REAL_SET)
    candidates.append(pathlib.Path("/work/shared/reference") / REAL_SET)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def load_real_seed(root, seed, efficiency_per_escape_fraction=200.0):
    """Cubes of one seed of the shared set (``seed<seed>/boxes/v1``), read by load_21cmfast."""
    from skcosmo21.datasets import load_21cmfast

    cubes = load_21cmfast(
        pathlib.Path(root) / f"seed{seed}" / "boxes" / "v1",
        fields="delta_T",
        mmap=False,
        efficiency_per_escape_fraction=efficiency_per_escape_fraction,
    )
    return {
        "delta_T": np.asarray(cubes["delta_T"]),
        "redshift": np.asarray(cubes["redshift"]),
        "escape_fraction": np.round(np.asarray(cubes["escape_fraction"]), 6),
        "neutral_fraction": np.asarray(cubes["neutral_fraction"]),
        "box_size": float(cubes["box_size"]),
    }


def one_point_hgb(random_state):
    """OnePointStatistics(n_quantiles=32) + HistGradientBoostingClassifier(max_iter=200)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline

    from skcosmo21.feature_extraction import OnePointStatistics

    return make_pipeline(
        OnePointStatistics(n_quantiles=32),
        HistGradientBoostingClassifier(
            max_iter=200, early_stopping=False, random_state=random_state
        ),
    )


MODELS = {"OnePointStatistics + HistGradientBoosting": one_point_hgb}

#: name -> (cube selection, label), on per-cube redshift ``z`` and escape fraction ``f``.
TASKS = {
    "redshift over all f_esc (9 classes)": (lambda z, f: np.ones_like(z, bool), "redshift"),
    "f_esc over all z (5 classes)": (lambda z, f: np.ones_like(z, bool), "escape_fraction"),
    "both (45 classes)": (lambda z, f: np.ones_like(z, bool), "both"),
    "a: redshift at f_esc = 0.15": (lambda z, f: np.isclose(f, 0.15), "redshift"),
    "b: f_esc at z = 8": (lambda z, f: np.isclose(z, 8.0), "escape_fraction"),
}


def slice_dataset(cubes, task):
    """Slices (along all axes every 4 cells) of the task's cubes, with their labels."""
    from skcosmo21.preprocessing import CubeSlicer

    select, label = TASKS[task]
    z = np.round(np.asarray(cubes["redshift"], float), 6)
    f = np.round(np.asarray(cubes["escape_fraction"], float), 6)
    keep = select(z, f)
    # String class labels: a float label would read as a regression target.
    if label == "both":
        labels = np.array([f"z={a:g} f={b:g}" for a, b in zip(z, f, strict=True)])
    else:
        labels = np.array([f"{v:g}" for v in (z if label == "redshift" else f)])
    slicer = CubeSlicer(axes="all", step=SLICE_STEP).fit(cubes["delta_T"][keep])
    return slicer.transform(cubes["delta_T"][keep]), slicer.expand(labels[keep])


def _accuracy(model_factory, train, test, task, random_state):
    X_train, y_train = slice_dataset(train, task)
    model = model_factory(random_state).fit(X_train, y_train)
    scores = []
    for cubes in test:
        X_test, y_test = slice_dataset(cubes, task)
        scores.append(float(np.mean(model.predict(X_test) == y_test)))
    return scores


def simulate(redshifts, escape_fractions, n_realizations, random_state, box_size, n_cells):
    from skcosmo21.datasets import make_reionization_cubes

    cubes = make_reionization_cubes(
        redshifts,
        escape_fractions,
        n_realizations=n_realizations,
        n_cells=n_cells,
        box_size=box_size,
        fields="delta_T",
        random_state=random_state,
    )
    return cubes


def _subset(cubes, mask):
    return {key: cubes[key][mask] for key in ("delta_T", "redshift", "escape_fraction")}


def run(
    real_root=None, models=None, train_realizations=(1,), random_state=0, tasks=None, seeds=SEEDS
):
    """Measure real→real, sim→real and sim→sim accuracies; returns a JSON-ready dict."""
    models = MODELS if models is None else models
    tasks = list(TASKS) if tasks is None else tasks
    real_root = default_real_path() if real_root is None else pathlib.Path(real_root)
    real = {seed: load_real_seed(real_root, seed) for seed in seeds}
    first = real[seeds[0]]
    redshifts = np.unique(first["redshift"])
    escape_fractions = np.unique(first["escape_fraction"])
    n_cells, box_size = first["delta_T"].shape[1], first["box_size"]
    largest = max(train_realizations)
    start = time.perf_counter()
    # Realizations 0..largest-1 train, the last one tests sim→sim.
    sim = simulate(redshifts, escape_fractions, largest + 1, random_state, box_size, n_cells)
    sim_seconds = time.perf_counter() - start
    sim_test = _subset(sim, sim.realization == largest)
    report = {
        "machine": machine(),
        "real_set": str(real_root),
        "real_seeds": list(seeds),
        "grid": {
            "n_cells": n_cells,
            "box_size": box_size,
            "redshifts": redshifts.tolist(),
            "escape_fractions": escape_fractions.tolist(),
            "slices": f"all axes, every {SLICE_STEP} cells",
        },
        "random_state": random_state,
        "simulation_seconds_preliminary": round(sim_seconds, 1),
        "results": [],
    }
    for model_name, factory in models.items():
        for task in tasks:
            real_real = [
                _accuracy(factory, real[a], [real[b]], task, random_state)[0]
                for a, b in (seeds, seeds[::-1])
            ]
            entry = {
                "model": model_name,
                "task": task,
                "real_to_real": real_real,
                "real_to_real_mean": float(np.mean(real_real)),
            }
            for n_train in train_realizations:
                train = _subset(sim, sim.realization < n_train)
                scores = _accuracy(
                    factory, train, [real[s] for s in seeds] + [sim_test], task, random_state
                )
                sim_real, sim_sim = scores[:-1], scores[-1]
                entry[f"sim{n_train}_to_real"] = sim_real
                entry[f"sim{n_train}_to_real_mean"] = float(np.mean(sim_real))
                entry[f"sim{n_train}_to_sim"] = sim_sim
                entry[f"sim{n_train}_ratio_to_real_real"] = float(
                    np.mean(sim_real) / np.mean(real_real)
                )
            report["results"].append(entry)
            print(json.dumps(entry), file=sys.stderr, flush=True)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=pathlib.Path, default=None, help="the shared real set")
    parser.add_argument("--train-realizations", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--seeds", type=int, nargs=2, default=list(SEEDS), help="real seeds")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--output", type=pathlib.Path, default=RESULTS)
    args = parser.parse_args(argv)
    report = run(
        args.real,
        None,
        tuple(args.train_realizations),
        args.random_state,
        seeds=tuple(args.seeds),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
