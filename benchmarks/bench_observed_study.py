"""Accuracy against observing time on the main job's grid, and why (issue #18's targets).

Run (one line; hours on 2 shared cores, see benchmarks/RESULTS.md):

    nice -n 10 python benchmarks/bench_observed_study.py --tasks b,d

It runs ``skcosmo21 run``'s study (``run_study``) on the main job's grid (17 z x 5 f_esc, 64^3
cells over 300 Mpc, 3 realizations, ``random_state=0``, leave-one-realization-out) with
``--telescope SKA1-Low --hours 10,100,1000`` (6 h/day tracks, mean removed, horizon wedge
excluded by default): the simulated maps, the noiseless reference (mean and wedge removed, no
noise) and each observing time, for the baselines and the CNN. Folds are cached in the user
cache folder, so an interrupted run resumes. Then, on the same cubes, what bounds the
accuracy:

1. signal-to-noise per k bin of the power (``signal_to_noise_per_k``) at z = 8 for each
   escape fraction and at z = 7, 8, 9, 10 (f_esc = 0.15), with the modes the wedge keeps;
2. how much of the signal the mean and the wedge take away: the fraction of each cube's
   variance (after its mean) and of its Fourier modes that the reference keeps;
3. what the one-point statistics of a slice can still see: the slice rms per escape fraction
   at z = 8 on the simulated maps, the reference and each observing time, beside the noise rms.

Prints JSON and writes benchmarks/results/bench_observed_study.json (with every result row),
the study's report under benchmarks/results/observed_study/ and its figure as
benchmarks/figures/observed_study_accuracy.png.
"""

import argparse
import json
import os
import pathlib
import shutil
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from _common import machine  # noqa: E402

REPORT = HERE / "results" / "observed_study"


def _arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="a,b,c,d")
    parser.add_argument("--models", default="pca,power-spectrum,one-point,cnn")
    parser.add_argument("--telescope", default="SKA1-Low")
    parser.add_argument("--hours", default="10,100,1000")
    parser.add_argument("--wedge", default="horizon")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="the QUICK grid: a smoke run")
    parser.add_argument("--output", default=str(REPORT))
    return parser.parse_args(argv)


def _config(args):
    from skcosmo21.study import DEFAULT, QUICK

    base = QUICK if args.quick else DEFAULT
    return base.replace(
        tasks=args.tasks,
        models=args.models,
        telescope=args.telescope,
        hours=args.hours,
        wedge=args.wedge,
    )


def _summary(row):
    entry = {
        "setting": row["setting"],
        "task": row["task"],
        "model": row["model"],
        "accuracy": round(row["accuracy_mean"], 3),
        "accuracy_std": round(row["accuracy_std"], 3),
        "folds": [round(a, 3) for a in row["fold_accuracies"]],
        "chance": round(row["chance"], 4),
        "seconds": round(row["seconds"], 1),
    }
    for target in ("redshift", "escape_fraction"):
        if f"accuracy_{target}" in row:
            entry[f"accuracy_{target}"] = round(row[f"accuracy_{target}"], 3)
    return entry


def _settings(config):
    from skcosmo21.study._observing import observing_settings

    return observing_settings(config)


def signal_to_noise(cubes, config):
    """P_S / P_N per mode and the significance of P(k) from one box, per k bin."""
    from sklearn.utils import Bunch

    from skcosmo21.observation import signal_to_noise_per_k

    def subset(mask):
        return Bunch(
            delta_T=cubes.delta_T[mask],
            redshift=cubes.redshift[mask],
            box_size=cubes.box_size,
            params=cubes.get("params"),
        )

    wedge = None if config.wedge == "none" else config.wedge
    first = cubes.realization == 0
    common = dict(
        telescope=config.telescope,
        hours=config.hours,
        hours_per_day=config.hours_per_day,
        scan=config.scan,
        wedge=wedge,
    )
    out = {}
    for f_esc in config.escape_fractions:
        mask = first & np.isclose(cubes.escape_fraction, f_esc) & np.isclose(cubes.redshift, 8.0)
        if mask.any():
            out[f"z=8, f_esc={f_esc:g}"] = _snr_entry(
                signal_to_noise_per_k(subset(mask), **common), cubes.neutral_fraction[mask]
            )
    for z in (7.0, 8.0, 9.0, 10.0):
        mask = first & np.isclose(cubes.escape_fraction, 0.15) & np.isclose(cubes.redshift, z)
        if mask.any():
            out[f"z={z:g}, f_esc=0.15"] = _snr_entry(
                signal_to_noise_per_k(subset(mask), **common), cubes.neutral_fraction[mask]
            )
    return out


def _snr_entry(snr, neutral):
    def rounded(values):
        return [None if not np.isfinite(v) else float(f"{v:.3g}") for v in values]

    return {
        "neutral_fraction": round(float(neutral[0]), 3),
        "k_per_Mpc": rounded(snr.k),
        "modes_kept": snr.n_modes[0].astype(int).tolist(),
        "signal_power_mK2Mpc3": rounded(snr.signal_power[0]),
        **{f"mode_snr_{h:g}h": rounded(snr.mode_snr[0, i]) for i, h in enumerate(snr.hours)},
        **{f"box_snr_{h:g}h": rounded(snr.box_snr[0, i]) for i, h in enumerate(snr.hours)},
    }


def what_survives(cubes, config, random_state):
    """Variance and modes the mean and the wedge leave; slice rms per class at z = 8."""
    from skcosmo21.observation import wedge_mask
    from skcosmo21.physics import wedge_slope
    from skcosmo21.study._observing import observe

    reference, *timed = _settings(config)
    seen = observe(cubes, reference, random_state=random_state)
    centred = cubes.delta_T - cubes.delta_T.mean(axis=(1, 2), keepdims=True)
    kept_variance = seen.delta_T.var(axis=(1, 2, 3)) / centred.var(axis=(1, 2, 3))
    n_cells = cubes.delta_T.shape[1]
    by_redshift = {}
    for z in np.unique(cubes.redshift):
        at = np.isclose(cubes.redshift, z)
        entry = {
            "mean_neutral_fraction": round(float(cubes.neutral_fraction[at].mean()), 3),
            "variance_kept": round(float(np.median(kept_variance[at])), 3),
        }
        if config.wedge != "none":
            angle = {"horizon": 90.0}.get(config.wedge, config.wedge)
            if isinstance(angle, float):
                slope = float(wedge_slope(z, angle=angle))
                removed = wedge_mask(n_cells, n_cells, float(cubes.box_size), slope)
                entry["wedge_slope"] = round(slope, 3)
                entry["modes_kept"] = round(1 - float(removed.mean()), 3)
        by_redshift[f"z={z:g}"] = entry

    at8 = np.isclose(cubes.redshift, 8.0)
    views = {"simulated, slice mean removed": centred, "no noise, mean and wedge removed": None}
    views["no noise, mean and wedge removed"] = seen.delta_T
    noise_rms = {}
    for setting in timed:
        observed = observe(cubes, setting, random_state=random_state)
        views[f"{setting['hours']:g} h"] = observed.delta_T
        noise_rms[f"{setting['hours']:g} h"] = round(
            float(observed.observation["noise_rms_mK"]["z=8"][0]), 2
        )
    slice_rms = {}
    for name, data in views.items():
        per_class = {}
        for f_esc in config.escape_fractions:
            mask = at8 & np.isclose(cubes.escape_fraction, f_esc)
            # Slices across the line of sight (axis 2), every 4 cells, as the study takes them.
            rms = data[mask][..., :: config.slice_step].std(axis=(1, 2)).ravel()
            per_class[f"{f_esc:g}"] = [round(float(rms.mean()), 2), round(float(rms.std()), 2)]
        slice_rms[name] = per_class
    return {
        "by_redshift": by_redshift,
        "z=8 slice rms (mK), mean and spread over slices, per f_esc": slice_rms,
        "z=8 noise rms per cell (mK)": noise_rms,
    }


def main(argv=None):
    args = _arguments(argv)
    from skcosmo21.study import run_study
    from skcosmo21.study._data import simulate_cubes
    from skcosmo21.study._run import check_cache_dir, default_cache_dir

    config = _config(args)
    start = time.perf_counter()
    results = run_study(config, output=args.output, random_state=args.random_state)
    study_seconds = time.perf_counter() - start

    import joblib

    memory = joblib.Memory(str(check_cache_dir(default_cache_dir())), verbose=0)
    cubes, _ = simulate_cubes(config, random_state=args.random_state, memory=memory)
    start = time.perf_counter()
    diagnostics = {
        "signal_to_noise_per_k": signal_to_noise(cubes, config),
        "what_survives": what_survives(cubes, config, args.random_state),
    }
    figure = pathlib.Path(args.output) / "accuracy_vs_observing_time.png"
    if not args.quick:
        shutil.copyfile(figure, HERE / "figures" / "observed_study_accuracy.png")
    return {
        "machine": machine(),
        "command": ["python", "benchmarks/bench_observed_study.py", *(argv or sys.argv[1:])],
        "configuration": config.to_dict(),
        "random_state": args.random_state,
        "study_seconds": round(study_seconds, 1),
        "diagnostics_seconds": round(time.perf_counter() - start, 1),
        "results": [_summary(row) for row in results],
        "diagnostics": diagnostics,
    }


if __name__ == "__main__":
    result = main()
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    quick = "--quick" in sys.argv
    name = "bench_observed_study_quick.json" if quick else "bench_observed_study.json"
    (out / name).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
