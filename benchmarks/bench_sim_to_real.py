"""Sim-to-real: do the study's models, trained on the built-in simulator, work on real 21cmFAST?

Run: python benchmarks/bench_sim_to_real.py [--real LABEL=PATH[,PATH...] ...]
[--train-realizations 1 3]
[--models ...] [--tasks abcd] (JSON to stdout and to benchmarks/results/bench_sim_to_real.json;
every model of the study on the shared set takes about an hour on 2 cores).

It measures what users get: each run is ``run_study(config, test_data=PATH)``, the code path
of ``skcosmo21 run --test-data PATH``, with the study's default configuration (its models and
hyperparameters, slices along all three axes every 4 cells), the real boxes' grid (cells and
box size, read from their files) and ``n_realizations`` one more than the simulated
realizations trained on. On the real boxes' grid (the shared set: 21cmFAST
3.4.0, 64³ cells over 300 Mpc, z = 7…11 in steps of 0.5, ζ = 15, 20, 30, 40, 60 with
f_esc = ζ/200, seeds 101 and 102), for tasks a–d and every model:

- sim→sim: leave-one-realization-out over the simulations (train on all realizations but one,
  test on that one);
- sim→real: the same fitted models, each tested on every real seed;
- real→real: trained on one real seed, tested on the other (both ways).

All runs of one invocation share a fold cache (a fresh temporary folder unless
``--cache-dir``), so the simulated fits are made once for all real sets, and real→real once
for all training sizes. Several real sets (``--real shared=PATH --real unseen=PATH``) are
measured in one invocation; a set may list several paths (e.g. two seeds of a larger set, so
that real→real still trains on one seed).
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import machine  # noqa: E402

RESULTS = HERE / "results" / "bench_sim_to_real.json"
REAL_SET = "21cmfast-3.4.0-main-grid"
#: The issue's targets: sim→real ≥ 0.9 × real→real for these models on every task, sim→real
#: on task c ≥ 0.75, and sim→sim within 0.05 of sim→real on every task.
TARGET_MODELS = ("one-point", "cnn")
TARGET_RATIO, TARGET_C, TARGET_GAP = 0.9, 0.75, 0.05


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


def commit():
    """The measured commit, with ``+dirty`` when the work tree has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(HERE), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return head + ("+dirty" if dirty else "")


def _folds(row):
    return {fold["fold"]: fold["accuracy"] for fold in row["folds"]}


def measure(real_sets, train_realizations, models, tasks, random_state, cache_dir):
    """Run the study once per (real set, training size); returns runs and per-model results."""
    from skcosmo21.study import DEFAULT, run_study

    runs, entries = [], {}
    with tempfile.TemporaryDirectory() as reports:
        for label, paths in real_sets.items():
            # The study's grid is the boxes' (the default, 64³ over 300 Mpc, for the shared set).
            n_cells, box_size = grid_of(paths)
            for n_train in train_realizations:
                config = DEFAULT.replace(
                    tasks=tuple(tasks),
                    models=tuple(models),
                    n_realizations=n_train + 1,
                    n_cells=n_cells,
                    box_size=box_size,
                )
                start = time.perf_counter()
                rows = run_study(
                    config,
                    test_data=[str(path) for path in paths],
                    output=pathlib.Path(reports) / f"{label}-{n_train}",
                    cache_dir=cache_dir,
                    random_state=random_state,
                )
                seconds = time.perf_counter() - start
                runs.append(
                    {
                        "real_set": label,
                        "paths": [str(path) for path in paths],
                        "n_cells": n_cells,
                        "box_size": box_size,
                        "train_realizations": n_train,
                        "wall_seconds_preliminary": round(seconds, 1),
                    }
                )
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
                for row in rows:
                    key = (label, row["task"], row["model_key"])
                    entry = entries.setdefault(
                        key,
                        {
                            "real_set": label,
                            "task": row["task"],
                            "model": row["model"],
                            "model_key": row["model_key"],
                            "chance": row["chance"],
                        },
                    )
                    if row["protocol"] == "real_to_real":
                        entry["real_to_real"] = row["accuracy_mean"]
                        entry["real_to_real_folds"] = _folds(row)
                    else:
                        name = f"sim{n_train}_to_{row['protocol'].split('_')[-1]}"
                        entry[name] = row["accuracy_mean"]
                        entry[f"{name}_folds"] = _folds(row)
    for entry in entries.values():
        for n_train in train_realizations:
            sim_real, sim_sim = entry[f"sim{n_train}_to_real"], entry[f"sim{n_train}_to_sim"]
            entry[f"sim{n_train}_ratio_to_real_real"] = sim_real / entry["real_to_real"]
            entry[f"sim{n_train}_gap_sim_minus_real"] = sim_sim - sim_real
    return runs, list(entries.values())


def targets(entries, train_realizations):
    """Each target of the issue, per real set, training size, task and model: met or not."""
    checks = []
    for entry in entries:
        for n_train in train_realizations:
            where = {
                "real_set": entry["real_set"],
                "train_realizations": n_train,
                "task": entry["task"],
                "model_key": entry["model_key"],
            }
            ratio = entry[f"sim{n_train}_ratio_to_real_real"]
            gap = entry[f"sim{n_train}_gap_sim_minus_real"]
            if entry["model_key"] in TARGET_MODELS:
                checks.append(
                    {
                        **where,
                        "target": f"sim→real ≥ {TARGET_RATIO} × real→real",
                        "value": ratio,
                        "met": ratio >= TARGET_RATIO,
                    }
                )
            if entry["task"] == "c" and entry["model_key"] in TARGET_MODELS:
                value = entry[f"sim{n_train}_to_real"]
                checks.append(
                    {
                        **where,
                        "target": f"sim→real on c ≥ {TARGET_C}",
                        "value": value,
                        "met": value >= TARGET_C,
                    }
                )
            checks.append(
                {
                    **where,
                    "target": f"|sim→sim − sim→real| ≤ {TARGET_GAP}",
                    "value": gap,
                    "met": abs(gap) <= TARGET_GAP,
                }
            )
    return checks


def _real_set(text):
    label, sep, paths = text.partition("=")
    if not sep or not label or not paths:
        raise argparse.ArgumentTypeError(f"expected LABEL=PATH[,PATH...], got {text!r}")
    paths = [pathlib.Path(path) for path in paths.split(",")]
    for path in paths:
        if not path.exists():
            raise argparse.ArgumentTypeError(f"{path}: no such file or folder")
    return label, paths


def grid_of(paths):
    """Cells per side and box size (Mpc) of real boxes, read from their files."""
    from skcosmo21.datasets import load_21cmfast

    cubes = load_21cmfast([str(path) for path in paths], fields="delta_T", mmap=True)
    return int(cubes["delta_T"].shape[1]), float(cubes["box_size"])


def main(argv=None):
    from skcosmo21.study import MODEL_NAMES, TASKS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--real",
        type=_real_set,
        action="append",
        metavar="LABEL=PATH[,PATH...]",
        help="a real set to test on (repeatable); default: shared=<the shared set>",
    )
    parser.add_argument("--train-realizations", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--models", nargs="+", default=list(MODEL_NAMES), choices=MODEL_NAMES)
    parser.add_argument("--tasks", default="".join(TASKS), help="e.g. abcd")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--cache-dir", type=pathlib.Path, default=None)
    parser.add_argument("--output", type=pathlib.Path, default=RESULTS)
    args = parser.parse_args(argv)
    real_sets = dict(args.real or [("shared", [default_real_path()])])

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as fresh:
        runs, entries = measure(
            real_sets,
            args.train_realizations,
            args.models,
            list(args.tasks),
            args.random_state,
            args.cache_dir or fresh,
        )
    report = {
        "machine": machine(),
        "commit": commit(),
        "command": ["python", "benchmarks/bench_sim_to_real.py", *(argv or sys.argv[1:])],
        "protocol": "run_study(DEFAULT.replace(tasks, models, n_realizations=n + 1), "
        "test_data=PATH): sim→sim leave-one-realization-out over n + 1 simulated "
        "realizations, sim→real the same fits on every real seed, real→real "
        "leave-one-seed-out",
        "random_state": args.random_state,
        "wall_seconds_preliminary": round(time.perf_counter() - start, 1),
        "runs": runs,
        "results": entries,
        "targets": targets(entries, args.train_realizations),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return report


if __name__ == "__main__":
    main()
