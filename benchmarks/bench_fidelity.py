"""Fidelity of the built-in simulator to 21cmFAST 3.4.0: pixel distributions and global statistics.

Run: python benchmarks/bench_fidelity.py  (about 1 minute; JSON to stdout and to
benchmarks/results/bench_fidelity.json, figure to benchmarks/figures/).

For every (redshift, ζ) of a real grid, the distributions over slices (all axes, every 4 cells)
of each slice's mean, standard deviation, percentiles 1–99 % and maximum are compared between
the simulator and 21cmFAST (``tests/datasets/_fidelity.py`` defines the features and the
distance: 1-Wasserstein per feature in units of the real slice-to-slice scatter, averaged over
features) and between 21cmFAST's own two seeds. Target (issue 16): ours-vs-21cmFAST no larger
than 1.5 × seed-vs-seed at ≥ 90 % of grid points. Beside it, the box-mean neutral fraction,
mean brightness and Δ²(k) up to the Nyquist scale against the real summaries.

Real sets: the shared 300 Mpc grid (seeds 101, 102; its feature table ships with the library)
and 128 Mpc boxes (seeds 1–3; feature table in tests/data); further sets made with
py21cmfast 3.4.0 (e.g. unseen seeds) can be passed with ``--extra LABEL=TABLE``.

``python benchmarks/bench_fidelity.py write-table RAW_ROOT SEED [SEED ...] OUTPUT`` writes the
feature table of a folder of real boxes laid out as the shared set.
"""

import argparse
import csv
import json
import pathlib
import sys
from importlib import resources

import numpy as np

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from _common import machine  # noqa: E402
from bench_sim_to_real import default_real_path, load_real_seed  # noqa: E402

from tests.datasets._fidelity import (  # noqa: E402
    FEATURES,
    fidelity_ratios,
    read_table,
    slice_features,
    write_table,
)

RESULTS = HERE / "results" / "bench_fidelity.json"
FIGURE = HERE / "figures" / "simulator_vs_21cmfast_slices.png"
MAIN_GRID_TABLE = "data/21cmfast-3.4.0-main-grid-slices.csv.gz"
TABLE_128 = (
    HERE.parent / "tests" / "data" / "21cmfast-main-grid-features" / "128Mpc-seeds1-3.csv.gz"
)
SUMMARY_128 = "data/21cmfast-3.4.0-summary.csv"


def main_grid_table():
    """The shared 300 Mpc set's slice features, as shipped with the library."""
    return read_table(resources.files("skcosmo21.datasets").joinpath(MAIN_GRID_TABLE))


def write_real_table(root, seeds, output):
    rows = []
    for seed in seeds:
        cubes = load_real_seed(root, seed)
        features = slice_features(cubes["delta_T"])
        zeta = np.round(cubes["escape_fraction"] * 200.0, 6)
        for z, e, f in zip(cubes["redshift"], zeta, features, strict=True):
            rows.append((seed, float(z), float(e), f))
    write_table(output, rows)


def simulate_features(table, box_size, n_cells=64, n_realizations=4, random_state=2024):
    from skcosmo21.datasets import make_reionization_cubes

    keys = sorted({key[1:] for key in table})
    redshifts = sorted({k[0] for k in keys})
    zetas = sorted({k[1] for k in keys})
    cubes = make_reionization_cubes(
        redshifts,
        [z / 200.0 for z in zetas],
        n_realizations=n_realizations,
        n_cells=n_cells,
        box_size=box_size,
        fields="delta_T",
        random_state=random_state,
    )
    features = slice_features(cubes.delta_T)
    ours = {}
    for f, z, e in zip(features, cubes.redshift, cubes.escape_fraction, strict=True):
        ours.setdefault((float(z), round(float(e) * 200.0, 6)), []).append(f)
    return ours, cubes


def compare(table, ours):
    seeds = sorted({key[0] for key in table})
    reals = [{key[1:]: v for key, v in table.items() if key[0] == seed} for seed in seeds]
    ratios = fidelity_ratios(ours, reals)
    offsets = []
    for key, realizations in ours.items():
        real = np.concatenate([seed[key] for seed in reals])
        scale = np.concatenate([real, *realizations]).std(axis=0)
        offsets.append(
            (np.concatenate(realizations).mean(0) - real.mean(0))
            / np.where(scale > 1e-6, scale, np.inf)
        )
    values = np.array(list(ratios.values()))
    return {
        "seeds": seeds,
        "fraction_within_1.5": float(np.mean(values <= 1.5)),
        "median_ratio": float(np.median(values)),
        "worst": sorted(
            ({"redshift": k[0], "zeta": k[1], "ratio": round(v, 3)} for k, v in ratios.items()),
            key=lambda item: -item["ratio"],
        )[:5],
        "mean_offset_per_feature_in_slice_scatter": dict(
            zip(FEATURES, np.round(np.mean(offsets, axis=0), 3).tolist(), strict=True)
        ),
    }


def global_statistics(cubes, summary_rows, box_size):
    """x_HI, mean δT_b and Δ²(k) (12 log bins to Nyquist) against a 21cmFAST summary."""
    from skcosmo21.physics import binned_power_spectrum, dimensionless_power

    n_cells = cubes.delta_T.shape[1]
    edges = np.geomspace(2 * np.pi / box_size, np.pi * n_cells / box_size, 13)
    k, power, _ = binned_power_spectrum(cubes.delta_T, box_size, edges, ndim=3)
    d2 = dimensionless_power(k, power)
    worst_x, worst_tb, ratios = 0.0, 0.0, []
    for z, f in sorted({(float(r["redshift"]), float(r["escape_fraction"])) for r in summary_rows}):
        rows = [
            r
            for r in summary_rows
            if float(r["redshift"]) == z and float(r["escape_fraction"]) == f
        ]
        mine = np.isclose(cubes.redshift, z) & np.isclose(cubes.escape_fraction, f)
        ref_x = np.mean([float(r["x_HI"]) for r in rows])
        ref_tb = np.mean([float(r["Tb_mean"]) for r in rows])
        ref_d2 = np.mean([[float(r[f"D2_{b}"]) for b in range(12)] for r in rows], axis=0)
        x, tb = cubes.neutral_fraction[mine].mean(), cubes.delta_T[mine].mean()
        if 0.1 < ref_x < 0.9:
            worst_x = max(worst_x, abs(x - ref_x))
        worst_tb = max(worst_tb, abs(tb - ref_tb))
        if 0.2 < ref_x < 0.8:
            ratios.append(d2[mine].mean(axis=0) / ref_d2)
    ratios = np.array(ratios)
    return {
        "max_abs_x_HI_difference_(0.1<x<0.9)": round(float(worst_x), 4),
        "max_abs_mean_Tb_difference_mK": round(float(worst_tb), 3),
        "k_bins": np.round(k, 3).tolist(),
        "Delta2_ratio_median_per_k": np.round(np.median(ratios, axis=0), 3).tolist(),
        "Delta2_ratio_range": [round(float(ratios.min()), 3), round(float(ratios.max()), 3)],
    }


def draw(table, ours, path, points=((8.0, 30.0), (10.0, 15.0), (7.0, 60.0))):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = ("mean", "std", "p99", "max")
    seeds = sorted({key[0] for key in table})
    fig, axes = plt.subplots(len(points), len(shown), figsize=(12, 2.6 * len(points)))
    for row, (z, zeta) in enumerate(points):
        for col, name in enumerate(shown):
            f = FEATURES.index(name)
            ax = axes[row, col]
            samples = [table[(seed, z, zeta)][:, f] for seed in seeds]
            samples += [r[:, f] for r in ours[(z, zeta)]]
            labels = [f"21cmFAST {s}" for s in seeds] + [
                f"ours {i}" for i in range(len(ours[(z, zeta)]))
            ]
            parts = ax.violinplot(samples, showmedians=True)
            for body in parts["bodies"][len(seeds) :]:
                body.set_facecolor("tab:orange")
            ax.set_xticks(range(1, len(labels) + 1), labels, fontsize=7, rotation=20)
            ax.set_title(f"z = {z:g}, ζ = {zeta:g}: slice {name} (mK)", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def run(extra=()):
    report = {"machine": machine(), "sets": {}}
    main = main_grid_table()
    ours, cubes = simulate_features(main, 300.0)
    report["sets"]["300 Mpc, 64³ (shared set)"] = compare(main, ours)
    summary = []
    for seed in (101, 102):
        path = default_real_path() / f"seed{seed}" / "summary.csv"
        if path.is_file():
            summary += list(csv.DictReader(path.open()))
    if summary:
        report["sets"]["300 Mpc, 64³ (shared set)"]["global"] = global_statistics(
            cubes, summary, 300.0
        )
    draw(main, ours, FIGURE)
    table = read_table(TABLE_128)
    ours128, cubes128 = simulate_features(table, 128.0)
    report["sets"]["128 Mpc, 64³"] = compare(table, ours128)
    with resources.files("skcosmo21.datasets").joinpath(SUMMARY_128).open() as handle:
        report["sets"]["128 Mpc, 64³"]["global"] = global_statistics(
            cubes128, list(csv.DictReader(handle)), 128.0
        )
    for label, path, box_size in extra:
        table = read_table(path)
        mine, _ = simulate_features(table, box_size, random_state=7)
        report["sets"][label] = compare(table, mine)
    return report


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "write-table":
        root, *seeds, output = argv[1:]
        write_real_table(pathlib.Path(root), [int(seed) for seed in seeds], pathlib.Path(output))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--extra", nargs="*", default=[], help="LABEL=TABLE=BOX_SIZE of further real sets"
    )
    parser.add_argument("--output", type=pathlib.Path, default=RESULTS)
    args = parser.parse_args(argv)
    extra = []
    for item in args.extra:
        label, path, box = item.split("=")
        extra.append((label, pathlib.Path(path), float(box)))
    report = run(extra)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
