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
   at z = 8 on the simulated maps, the reference and each observing time (Wiener-filtered as
   the study's models see them), beside the noise rms before the filter;
4. how far apart neighbouring classes are in the power of one observed box: per k bin, the
   difference of two neighbouring escape fractions (z = 8) or redshifts (f_esc = 0.15) over
   the error of one box's power (sample variance and noise), from the same S/N per k.

``--diagnostics-only`` skips the study and writes only these (minutes, not hours) to
benchmarks/results/bench_observed_study_diagnostics_<wedge>.json. ``--plan`` runs only the
settings and tasks it names, in its order, and writes
benchmarks/results/bench_observed_study_partial_<wedge>_<models>.json (no report, no figure).

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
    parser.add_argument(
        "--plan",
        help="only these settings and tasks, in this order, e.g. '1000:b,d;reference:b;"
        "simulated:b' (observing times in hours); no report; folds in run_study's cache",
    )
    parser.add_argument(
        "--diagnostics-only",
        action="store_true",
        help="skip the study: only what bounds the accuracy (S/N per k, class separation)",
    )
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


def run_plan(config, plan, random_state):
    """Evaluate the settings and tasks of ``plan`` in its order (what run_study does per setting).

    For a partial run on a loaded machine: the most telling settings first. The folds share
    run_study's cache, so a later full run of the same source reuses them (the cache key holds
    the package's source fingerprint: any change of the code retrains).
    """
    import joblib

    from skcosmo21.study._data import simulate_cubes
    from skcosmo21.study._observing import observe, signal_prior
    from skcosmo21.study._run import _evaluate_tasks, check_cache_dir, default_cache_dir

    memory = joblib.Memory(str(check_cache_dir(default_cache_dir())), verbose=0)
    cubes, _ = simulate_cubes(config, random_state=random_state, memory=memory)
    prior = signal_prior(cubes, random_state=random_state, memory=memory)
    reference, *timed = _settings(config)
    settings = {"simulated": None, "reference": reference}
    settings.update({f"{s['hours']:g}": s for s in timed})
    rows = []
    for item in plan.split(";"):
        key, tasks = item.split(":")
        if key not in settings:
            raise SystemExit(f"--plan: unknown setting {key!r}, expected one of {list(settings)}")
        seen = observe(cubes, settings[key], random_state=random_state, signal_power=prior)
        found, _ = _evaluate_tasks(
            seen, config.replace(tasks=tasks), memory, random_state, settings[key]
        )
        rows += found
        del seen
    return rows


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


def _observing_options(config):
    """The study's observation, as keyword arguments of signal_to_noise_per_k."""
    return dict(
        telescope=config.telescope,
        hours=config.hours,
        hours_per_day=config.hours_per_day,
        scan=config.scan,
        wedge=None if config.wedge == "none" else config.wedge,
    )


def signal_to_noise(cubes, config):
    """P_S / P_N per mode and the significance of P(k) from one box, per k bin."""
    from skcosmo21.observation import signal_to_noise_per_k

    first = cubes.realization == 0
    common = _observing_options(config)
    out = {}
    for f_esc in config.escape_fractions:
        mask = first & np.isclose(cubes.escape_fraction, f_esc) & np.isclose(cubes.redshift, 8.0)
        if mask.any():
            out[f"z=8, f_esc={f_esc:g}"] = _snr_entry(
                signal_to_noise_per_k(_subset(cubes, mask), **common), cubes.neutral_fraction[mask]
            )
    for z in (7.0, 8.0, 9.0, 10.0):
        mask = first & np.isclose(cubes.escape_fraction, 0.15) & np.isclose(cubes.redshift, z)
        if mask.any():
            out[f"z={z:g}, f_esc=0.15"] = _snr_entry(
                signal_to_noise_per_k(_subset(cubes, mask), **common), cubes.neutral_fraction[mask]
            )
    return out


def class_separation(cubes, config):
    """How far apart neighbouring classes are in the power a whole observed box measures.

    For each pair of neighbouring classes (escape fractions at z = 8, task b and d's second
    output; redshifts at f_esc = 0.15, tasks a, c and d's first output), per k bin: the
    difference of their power over the error of one box's power in that bin (sample variance
    and thermal noise: ``signal_power / box_snr`` of ``signal_to_noise_per_k``), and over all
    bins together (root sum of squares, bins taken as independent). One realization
    (realization 0, both classes share its initial conditions). A single slice holds less
    than a box, so this bounds what a model can read from one observed slice.
    """
    from skcosmo21.observation import signal_to_noise_per_k

    common = _observing_options(config)
    first = cubes.realization == 0

    def power_and_error(mask):
        snr = signal_to_noise_per_k(_subset(cubes, mask), **common)
        # (n_z, n_hours, n_bins): the error of one box's power in each bin.
        return snr.signal_power[:, None, :], snr.signal_power[:, None, :] / snr.box_snr, snr

    def separations(power, error, labels):
        out = {}
        for i in range(len(labels) - 1):
            sigma = np.hypot(error[i], error[i + 1])
            per_bin = np.abs(power[i] - power[i + 1]) / sigma
            total = np.sqrt(np.nansum(per_bin**2, axis=-1))
            out[f"{labels[i]} vs {labels[i + 1]}"] = {
                f"{h:g}h": {
                    "per_k_bin": [None if not np.isfinite(v) else round(float(v), 2) for v in row],
                    "all_bins": round(float(t), 2),
                }
                for h, row, t in zip(config.hours, per_bin, total, strict=True)
            }
        return out

    at8 = first & np.isclose(cubes.redshift, 8.0)
    f_escs = [
        f for f in config.escape_fractions if (at8 & np.isclose(cubes.escape_fraction, f)).any()
    ]
    pairs = [power_and_error(at8 & np.isclose(cubes.escape_fraction, f)) for f in f_escs]
    power = np.concatenate([p for p, _, _ in pairs])
    error = np.concatenate([e for _, e, _ in pairs])
    fixed = first & np.isclose(cubes.escape_fraction, config.fixed_escape_fraction)
    z_power, z_error, z_snr = power_and_error(fixed)
    redshifts = z_snr.redshift
    return {
        "k_per_Mpc": [float(f"{k:.3g}") for k in pairs[0][2].k],
        "escape_fraction at z=8": separations(power, error, [f"f_esc={f:g}" for f in f_escs]),
        f"redshift at f_esc={config.fixed_escape_fraction:g}": separations(
            z_power, z_error, [f"z={z:g}" for z in redshifts]
        ),
    }


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


def _subset(cubes, mask):
    """The cubes where ``mask`` holds, with every per-cube entry of the Bunch."""
    from sklearn.utils import Bunch

    n_cubes = len(cubes.redshift)
    return Bunch(
        **{
            key: value[mask] if isinstance(value, np.ndarray) and len(value) == n_cubes else value
            for key, value in cubes.items()
        }
    )


def what_survives(cubes, config, random_state, prior):
    """Variance and modes the mean and the wedge leave; slice rms per class at z = 8."""
    from skcosmo21.observation import wedge_mask
    from skcosmo21.physics import Cosmology, wedge_slope
    from skcosmo21.study._observing import observe

    params = cubes.get("params")
    cosmology = Cosmology(**params["cosmology"]) if isinstance(params, dict) else Cosmology()
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
                slope = float(wedge_slope(z, cosmology, angle=angle))
                removed = wedge_mask(n_cells, n_cells, float(cubes.box_size), slope)
                entry["wedge_slope"] = round(slope, 3)
                entry["modes_kept"] = round(1 - float(removed.mean()), 3)
        by_redshift[f"z={z:g}"] = entry

    # Only the z = 8 cubes are observed with noise: the slice rms is read there.
    at8 = np.isclose(cubes.redshift, 8.0)
    cubes8 = _subset(cubes, at8)
    views = {
        "simulated, slice mean removed": centred[at8],
        "no noise, mean and wedge removed": seen.delta_T[at8],
    }
    noise_rms = {}
    for setting in timed:
        observed = observe(cubes8, setting, random_state=random_state, signal_power=prior)
        views[f"{setting['hours']:g} h, {setting['noise_filter']} filter"] = observed.delta_T
        noise_rms[f"{setting['hours']:g} h"] = round(
            float(observed.observation["noise_rms_mK"]["z=8"][0]), 2
        )
    slice_rms = {}
    for name, data in views.items():
        per_class = {}
        for f_esc in config.escape_fractions:
            mask = np.isclose(cubes8.escape_fraction, f_esc)
            # Slices across the line of sight (axis 2), every 4 cells, as the study takes them.
            rms = data[mask][..., :: config.slice_step].std(axis=(1, 2)).ravel()
            per_class[f"{f_esc:g}"] = [round(float(rms.mean()), 2), round(float(rms.std()), 2)]
        slice_rms[name] = per_class
    return {
        "by_redshift": by_redshift,
        "z=8 slice rms (mK), mean and spread over slices, per f_esc": slice_rms,
        "z=8 noise rms per cell before the filter (mK)": noise_rms,
    }


def main(argv=None):
    args = _arguments(argv)
    from skcosmo21.study import run_study
    from skcosmo21.study._data import simulate_cubes
    from skcosmo21.study._run import check_cache_dir, default_cache_dir

    config = _config(args)
    start = time.perf_counter()
    results = []
    if args.plan:
        results = run_plan(config, args.plan, args.random_state)
    elif not args.diagnostics_only:
        results = run_study(config, output=args.output, random_state=args.random_state)
    study_seconds = time.perf_counter() - start

    import joblib

    from skcosmo21.study._observing import signal_prior

    memory = joblib.Memory(str(check_cache_dir(default_cache_dir())), verbose=0)
    cubes, _ = simulate_cubes(config, random_state=args.random_state, memory=memory)
    prior = signal_prior(cubes, random_state=args.random_state, memory=memory)
    start = time.perf_counter()
    diagnostics = None  # --plan: see --diagnostics-only
    if not args.plan:
        diagnostics = {
            "signal_to_noise_per_k": signal_to_noise(cubes, config),
            "class_separation": class_separation(cubes, config),
            "what_survives": what_survives(cubes, config, args.random_state, prior),
        }
    figure = pathlib.Path(args.output) / "accuracy_vs_observing_time.png"
    if not (args.quick or args.diagnostics_only or args.plan):
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
    name = "bench_observed_study"
    if "--diagnostics-only" in sys.argv:
        name += "_diagnostics_" + _arguments(sys.argv[1:]).wedge
    elif any(a.startswith("--plan") for a in sys.argv):
        parsed = _arguments(sys.argv[1:])
        name += f"_partial_{parsed.wedge}_{parsed.models.replace(',', '-')}"
    if "--quick" in sys.argv:
        name += "_quick"
    name += ".json"
    (out / name).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
