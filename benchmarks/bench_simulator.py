"""Simulator speed against 21cmFAST 3.4 and against our own earlier code, and fidelity plot.

Run: python benchmarks/bench_simulator.py  (about 5 minutes on 2 quiet cores; JSON to stdout
and to benchmarks/results/bench_simulator.json). Run it on a quiet machine: every figure is a
time. ``--speed`` runs only the side-by-side speed part; ``--baseline REF`` names the git commit
timed beside the working tree (default: main before the speed work, ``BASELINE``), ``--baseline
none`` skips it.

Side by side: the 64³ grid (17 z x 5 f_esc, 300 Mpc) and the 200³ seed-scale grid (the same
17 x 5 at 200³ cells, one realization) are each simulated in a fresh process, once with the
baseline commit's ``skcosmo21`` (extracted with ``git archive``) and once with this tree's,
back to back; each records wall time, CPU time (user and system), peak memory and the load
average around it.

21cmFAST is run side by side when py21cmfast is importable; otherwise the figure recorded on
this machine class is used: 5.3 s per (redshift, zeta) box at HII_DIM 64 (DIM 192, 128 Mpc).
"""

import argparse
import csv
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import machine  # noqa: E402

RECORDED_21CMFAST_SECONDS_PER_CUBE = 5.3
#: main before the speed work of 2026-11-29 (threads over redshifts, slab-wise deposit).
BASELINE = "ffa56de"
REDSHIFTS_17 = np.linspace(7.0, 11.0, 17)
ESCAPE_FRACTIONS = [0.075, 0.1, 0.15, 0.2, 0.3]
REFERENCE = HERE.parent / "skcosmo21" / "datasets" / "data" / "21cmfast-3.4.0-summary.csv"


def time_21cmfast_grid():
    try:
        import py21cmfast  # noqa: F401
    except ImportError:
        return None
    return None  # side-by-side run: not available on machines without the C library


def grid_speed(box_size=128.0):
    from skcosmo21.datasets import make_reionization_cubes

    make_reionization_cubes([8.0], [0.2], n_cells=16, box_size=48.0, random_state=0)  # warm up
    start = time.perf_counter()
    cubes = make_reionization_cubes(
        REDSHIFTS_17, ESCAPE_FRACTIONS, n_cells=64, box_size=box_size, random_state=0
    )
    seconds = time.perf_counter() - start
    return seconds, len(cubes.redshift)


def small_cubes_speed(repeat=5):
    """The 16³ grid many tests simulate: best of ``repeat``."""
    from skcosmo21.datasets import make_reionization_cubes

    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        make_reionization_cubes(
            [7.5, 9.5], [0.1, 0.3], n_realizations=2, n_cells=16, box_size=48.0, random_state=0
        )
        best = min(best, time.perf_counter() - start)
    return best


GRID_RUN = """
import json, os, resource, sys, time
import numpy as np
from skcosmo21.datasets import make_reionization_cubes
n_cells = int(sys.argv[1])
make_reionization_cubes([8.0], [0.2], n_cells=16, box_size=48.0, random_state=0)  # warm up
base = resource.getrusage(resource.RUSAGE_SELF)
load_before = os.getloadavg()[0]
start = time.perf_counter()
cubes = make_reionization_cubes(np.linspace(7, 11, 17), [0.075, 0.1, 0.15, 0.2, 0.3],
                                n_cells=n_cells, box_size=300.0, random_state=0)
seconds = time.perf_counter() - start
used = resource.getrusage(resource.RUSAGE_SELF)
outputs = sum(v.nbytes for v in cubes.values() if isinstance(v, np.ndarray))
print(json.dumps({
    "seconds": seconds,
    "seconds_per_cube": seconds / len(cubes.redshift),
    "user_cpu_seconds": used.ru_utime - base.ru_utime,
    "system_cpu_seconds": used.ru_stime - base.ru_stime,
    "peak_beyond_outputs_GB": (used.ru_maxrss * 1024 - outputs) / 1e9,
    "outputs_GB": outputs / 1e9,
    "load_average_before_after": [load_before, os.getloadavg()[0]],
}))
"""


def timed_grid(n_cells, source_root):
    """The 17 x 5 grid at ``n_cells``, 300 Mpc, in a fresh process importing ``source_root``."""
    env = dict(os.environ, PYTHONPATH=str(source_root))
    result = subprocess.run(
        [sys.executable, "-c", GRID_RUN, str(n_cells)],
        capture_output=True,
        text=True,
        check=True,
        cwd=source_root,
        env=env,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def extract_commit(ref, into):
    """``skcosmo21`` as of git commit ``ref``, unpacked under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(HERE.parent), "archive", ref, "skcosmo21"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    commit = subprocess.run(
        ["git", "-C", str(HERE.parent), "rev-parse", "--short", ref],
        capture_output=True,
        text=True,
        check=True,
    )
    return commit.stdout.strip()


def side_by_side(baseline):
    """64³ and 200³ grids with the baseline commit and with this tree, back to back."""
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        roots = {"this tree": HERE.parent}
        if baseline != "none":
            commit = extract_commit(baseline, tmp)
            roots = {f"baseline {commit}": pathlib.Path(tmp), **roots}
        for n_cells in (64, 200):
            key = f"grid_17x5_{n_cells}cubed_300Mpc"
            result[key] = {label: timed_grid(n_cells, root) for label, root in roots.items()}
            if len(roots) == 2:
                old, new = result[key].values()
                result[key]["speedup_wall"] = old["seconds"] / new["seconds"]
                old_cpu = old["user_cpu_seconds"] + old["system_cpu_seconds"]
                new_cpu = new["user_cpu_seconds"] + new["system_cpu_seconds"]
                result[key]["speedup_cpu"] = old_cpu / new_cpu
    return result


def fidelity(n_realizations=6):
    from skcosmo21.datasets import make_reionization_cubes
    from skcosmo21.physics import binned_power_spectrum, dimensionless_power

    with open(REFERENCE) as handle:
        rows = list(csv.DictReader(handle))
    redshifts = sorted({float(r["redshift"]) for r in rows})
    fescs = sorted({float(r["escape_fraction"]) for r in rows})
    cubes = make_reionization_cubes(
        redshifts,
        fescs,
        n_realizations=n_realizations,
        n_cells=64,
        box_size=128.0,
        fields="delta_T",
        random_state=1,
    )
    edges = np.geomspace(2 * np.pi / 128.0, np.pi * 64 / 128.0, 13)
    k, power, _ = binned_power_spectrum(cubes.delta_T, 128.0, edges, ndim=3)
    shape = (n_realizations, len(redshifts), len(fescs))
    ours = {
        "x_HI": cubes.neutral_fraction.reshape(shape).mean(0),
        "Tb": cubes.delta_T.mean(axis=(1, 2, 3)).reshape(shape).mean(0),
        "D2": dimensionless_power(k, power).reshape(shape + (12,)).mean(0),
    }
    ref = {
        "x_HI": np.zeros(shape[1:]),
        "Tb": np.zeros(shape[1:]),
        "D2": np.zeros(shape[1:] + (12,)),
    }
    for i, z in enumerate(redshifts):
        for j, f in enumerate(fescs):
            sel = [
                r for r in rows if float(r["redshift"]) == z and float(r["escape_fraction"]) == f
            ]
            ref["x_HI"][i, j] = np.mean([float(r["x_HI"]) for r in sel])
            ref["Tb"][i, j] = np.mean([float(r["Tb_mean"]) for r in sel])
            ref["D2"][i, j] = np.mean([[float(r[f"D2_{b}"]) for b in range(12)] for r in sel], 0)
    mid = (ref["x_HI"] > 0.1) & (ref["x_HI"] < 0.9)
    band = k > 0.1  # up to the Nyquist scale
    power_cases = (ref["x_HI"] > 0.2) & (ref["x_HI"] < 0.8)
    ratio = ours["D2"][power_cases][:, band] / ref["D2"][power_cases][:, band]
    summary = {
        "max_abs_dx_HI": float(np.abs(ours["x_HI"] - ref["x_HI"])[mid].max()),
        "max_abs_dTb_mK": float(np.abs(ours["Tb"] - ref["Tb"]).max()),
        "worst_power_ratio": float(max(ratio.max(), 1 / ratio.min())),
        "median_power_ratio": float(np.median(ratio)),
    }
    plot(redshifts, fescs, k, ours, ref)
    return summary


def plot(redshifts, fescs, k, ours, ref):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(fescs)))
    for j, f in enumerate(fescs):
        axes[0].plot(redshifts, ref["x_HI"][:, j], "o", color=colors[j])
        axes[0].plot(
            redshifts,
            ours["x_HI"][:, j],
            "-",
            color=colors[j],
            label=f"$f_{{esc}}$={f} ($\\zeta$={200 * f:g})",
        )
    axes[0].set(
        xlabel="redshift z",
        ylabel=r"mean neutral fraction $\bar x_{HI}$",
        title="lines: skcosmo21 (6 realizations), dots: 21cmFAST 3.4 (2 seeds)",
    )
    axes[0].legend(fontsize=8)
    for i in (2, 4, 6):
        j = 2
        axes[1].loglog(k, ref["D2"][i, j], "o", color=plt.cm.magma(i / 9))
        axes[1].loglog(
            k,
            ours["D2"][i, j],
            "-",
            color=plt.cm.magma(i / 9),
            label=f"z={redshifts[i]}, $\\zeta$=30",
        )
    axes[1].axvspan(0.1, k[-1], color="0.9", zorder=0)
    axes[1].set(
        xlabel=r"$k$ [Mpc$^{-1}$]",
        ylabel=r"$\Delta^2_{21}(k)$ [mK$^2$]",
        title="21-cm power spectrum, HII_DIM 64, 128 Mpc",
    )
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(HERE / "figures" / "simulator_vs_21cmfast.png", dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", action="store_true", help="only the side-by-side speed part")
    parser.add_argument("--baseline", default=BASELINE, help="git commit timed beside (or none)")
    args = parser.parse_args(argv)
    result = {"machine": machine(), "side_by_side": side_by_side(args.baseline)}
    if not args.speed:
        small = small_cubes_speed()
        seconds, n_cubes = grid_speed()
        per_cube = seconds / n_cubes
        theirs = time_21cmfast_grid()
        source = "side by side" if theirs else "recorded"
        theirs = theirs or RECORDED_21CMFAST_SECONDS_PER_CUBE
        result["small_grid_2x2x2_16cubed_seconds"] = small
        result["grid_17x5_64cubed"] = {
            "seconds": seconds,
            "cubes": n_cubes,
            "seconds_per_cube": per_cube,
            "21cmfast_seconds_per_cube": theirs,
            "21cmfast_source": source,
            "speedup": theirs / per_cube,
        }
        result["fidelity_vs_21cmfast"] = fidelity()
    print(json.dumps(result, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    name = "bench_simulator_speed.json" if args.speed else "bench_simulator.json"
    (HERE / "results" / name).write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
