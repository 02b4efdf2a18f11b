"""Slice-level features of δT_b cubes and the distance between their distributions.

Shared by the simulator's fidelity tests and by ``benchmarks/bench_fidelity.py``, which also
writes the feature tables of real 21cmFAST boxes that the tests read (tests/data/
21cmfast-main-grid-features, see its README).

The distance between two sets of slices (e.g. one simulated cube and one 21cmFAST cube of the
same redshift and efficiency) is the 1-Wasserstein distance between the distributions of each
feature over the slices, divided by that feature's spread over all the slices compared (real
and simulated), averaged over the features: it reads in units of the slice-to-slice scatter,
compares whole distributions (location, width and tails) and not only their means, and is
meaningful next to the same distance between 21cmFAST's own seeds. The spread is taken over
every slice compared, not the real ones alone, because a feature can be nearly constant over
21cmFAST's slices, e.g. the median of slices three quarters ionized is 0 in all but one or
two: divided by that near-zero spread, two slices more or fewer above zero would dominate.
"""

import csv
import gzip
from itertools import combinations

import numpy as np
from scipy.stats import wasserstein_distance

from skcosmo21.preprocessing import slice_cubes

#: Percentiles of each slice's pixel values, beside its mean, standard deviation and maximum.
PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99)
FEATURES = ("mean", "std", *(f"p{q}" for q in PERCENTILES), "max")
#: Slices along all three axes, every 4 cells (as the sim-to-real benchmark).
SLICE_STEP = 4


def slice_features(cubes, step=SLICE_STEP):
    """Features of every slice: array (n_cubes, n_slices, n_features), in the cubes' units."""
    cubes = np.asarray(cubes, dtype=np.float32)
    n_cubes = cubes.shape[0]
    images = slice_cubes(cubes, axes="all", step=step).reshape(n_cubes, -1, cubes.shape[2] ** 2)
    images = images.astype(np.float64)
    percentiles = np.moveaxis(np.percentile(images, PERCENTILES, axis=2), 0, -1)
    return np.concatenate(
        [
            images.mean(2)[..., None],
            images.std(2)[..., None],
            percentiles,
            images.max(2)[..., None],
        ],
        axis=-1,
    )


def write_table(path, rows):
    """Write ``(seed, redshift, zeta, features)`` rows (features: (n_slices, n_features))."""
    with gzip.open(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["seed", "redshift", "zeta", "slice", *FEATURES])
        for seed, redshift, zeta, features in rows:
            for i, values in enumerate(features):
                writer.writerow(
                    [seed, f"{redshift:g}", f"{zeta:g}", i, *(f"{v:.3f}" for v in values)]
                )


def read_table(path):
    """Read a table: {(seed, redshift, zeta): (n_slices, n_features) array}."""
    table = {}
    with gzip.open(path, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (int(row["seed"]), float(row["redshift"]), float(row["zeta"]))
            table.setdefault(key, []).append([float(row[name]) for name in FEATURES])
    return {key: np.asarray(values) for key, values in table.items()}


def distance(first, second, scale):
    """Mean over features of W1(first_f, second_f) / scale_f (features with spread > 0)."""
    usable = np.flatnonzero(scale > 1e-6)
    return float(
        np.mean([wasserstein_distance(first[:, f], second[:, f]) / scale[f] for f in usable])
    )


def fidelity_ratios(ours, reals):
    """Ours-vs-21cmFAST over 21cmFAST-seed-vs-seed distance, per grid point.

    ``ours`` maps a grid point to a list of simulated slice-feature arrays (one per
    realization); ``reals`` is a list (one per 21cmFAST seed, at least two) of dicts mapping it
    to that seed's. Seed-vs-seed averages the distance over every pair of seeds,
    ours-vs-21cmFAST over every (realization, seed) pair, all in units of the spread of the
    real slices.
    """
    ratios = {}
    for key, realizations in ours.items():
        real = [seed[key] for seed in reals]
        scale = np.concatenate(real + list(realizations)).std(axis=0)
        seeds = np.mean([distance(a, b, scale) for a, b in combinations(real, 2)])
        mine = np.mean([distance(o, r, scale) for o in realizations for r in real])
        ratios[key] = mine / seeds
    return ratios
