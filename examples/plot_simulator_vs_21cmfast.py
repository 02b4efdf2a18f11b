"""
The built-in simulator against the real 21cmFAST
================================================

What a classifier of 2-D slices reads is the distribution of each slice's pixel values, so that
is what the simulator must reproduce, not only the box averages. Here the slices (along all
three axes, every 4 cells) of :func:`~skcosmo21.datasets.make_reionization_cubes` (64³ cells over
300 Mpc, two realizations) are set beside those of 21cmFAST 3.4.0 run with the same parameters
(two seeds, whose slice features ship with the library): for three (z, ζ), the distributions of
each slice's mean, standard deviation, 99th percentile and maximum brightness temperature.
Below, the mean neutral fraction against redshift at 128 Mpc for five efficiencies.
"""

import csv
import gzip
from importlib import resources

import matplotlib.pyplot as plt
import numpy as np

from skcosmo21.datasets import make_reionization_cubes
from skcosmo21.preprocessing import slice_cubes

data = resources.files("skcosmo21.datasets").joinpath("data")
with gzip.open(data.joinpath("21cmfast-3.4.0-main-grid-slices.csv.gz"), "rt") as f:
    real_slices = list(csv.DictReader(f))

points = [(8.0, 30.0), (10.0, 15.0), (7.0, 60.0)]
shown = {"mean": "slice mean", "std": "slice std", "p99": "99th percentile", "max": "maximum"}
cubes = make_reionization_cubes(
    sorted({z for z, _ in points}),
    sorted({zeta / 200 for _, zeta in points}),
    n_realizations=2,
    n_cells=64,
    box_size=300.0,
    fields="delta_T",
    random_state=0,
)


def our_features(z, zeta):
    """Mean, std, 99th percentile and maximum of every slice of our two realizations."""
    mine = np.isclose(cubes.redshift, z) & np.isclose(cubes.escape_fraction, zeta / 200)
    images = slice_cubes(cubes.delta_T[mine], axes="all", step=4).reshape(mine.sum(), -1, 64 * 64)
    values = {
        "mean": images.mean(2),
        "std": images.std(2),
        "p99": np.percentile(images, 99, axis=2),
        "max": images.max(2),
    }
    return {name: list(v) for name, v in values.items()}


fig, axes = plt.subplots(len(points), len(shown), figsize=(12, 7.5))
for row, (z, zeta) in enumerate(points):
    ours = our_features(z, zeta)
    for col, name in enumerate(shown):
        real = [
            [
                float(r[name])
                for r in real_slices
                if float(r["redshift"]) == z and float(r["zeta"]) == zeta and r["seed"] == seed
            ]
            for seed in ("101", "102")
        ]
        ax = axes[row, col]
        parts = ax.violinplot(real + ours[name], showmedians=True)
        for body in parts["bodies"][2:]:
            body.set_facecolor("tab:orange")
        ax.set_xticks([1, 2, 3, 4], ["21cmFAST\n101", "21cmFAST\n102", "ours 0", "ours 1"])
        ax.tick_params(labelsize=7)
        ax.set_title(rf"z = {z:g}, $\zeta$ = {zeta:g}: {shown[name]} (mK)", fontsize=9)
fig.tight_layout()

# %%
# The mean neutral fraction of the 128 Mpc reference (21cmFAST 3.4.0, seeds 1 and 2).

with data.joinpath("21cmfast-3.4.0-summary.csv").open() as f:
    rows = list(csv.DictReader(f))
redshifts = sorted({float(r["redshift"]) for r in rows})
fescs = sorted({float(r["escape_fraction"]) for r in rows})

cubes = make_reionization_cubes(
    redshifts, fescs, n_realizations=2, n_cells=64, box_size=128.0, fields="x_HI", random_state=0
)
ours = cubes.neutral_fraction.reshape(2, len(redshifts), len(fescs)).mean(axis=0)

fig, ax = plt.subplots(figsize=(6, 4))
for j, f in enumerate(fescs):
    reference = [
        np.mean(
            [
                float(r["x_HI"])
                for r in rows
                if float(r["redshift"]) == z and float(r["escape_fraction"]) == f
            ]
        )
        for z in redshifts
    ]
    (line,) = ax.plot(redshifts, ours[:, j], label=rf"$f_{{esc}}$ = {f} ($\zeta$ = {200 * f:g})")
    ax.plot(redshifts, reference, "o", color=line.get_color())
ax.set(
    xlabel="redshift z",
    ylabel=r"mean neutral fraction $\bar{x}_{HI}$",
    title="lines: skcosmo21, dots: 21cmFAST 3.4.0",
)
ax.legend(fontsize=8)
fig.tight_layout()
