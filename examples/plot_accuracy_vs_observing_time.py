"""
How long must SKA1-Low observe to tell escape fractions apart?
==============================================================

A tiny version of what ``skcosmo21 run --telescope SKA1-Low --hours 10,100,1000`` measures
on the study's grid: the escape fraction of single slices at fixed redshift (the study's task
b), from simulated maps, from the same maps with the mean and the foreground wedge removed but
no noise, and from what SKA1-Low would deliver after 10, 100 and 1,000 hours (its uv coverage,
thermal noise, mean and wedge removed). Each model is evaluated with leave-one-realization-out
cross-validation (scikit-learn's ``LeaveOneGroupOut`` over the realizations): the test slices
never share initial conditions, or noise, with the training slices.

The cubes are 32³ cells over 300 Mpc at z = 8, three realizations; the numbers are a sketch,
the study's figures are in ``benchmarks/RESULTS.md``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import LeaveOneGroupOut, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.feature_extraction import OnePointStatistics, PowerSpectrum2D
from skcosmo21.observation import observe_cubes
from skcosmo21.plotting import plot_accuracy_vs_observing_time
from skcosmo21.preprocessing import CubeSlicer

cubes = make_reionization_cubes(
    [8.0],
    [0.075, 0.1, 0.15, 0.2, 0.3],
    n_realizations=3,
    n_cells=32,
    box_size=300.0,
    fields="delta_T",
    random_state=0,
)


def _classifier():
    # Linear discriminant analysis: closed form, so the example runs in seconds.
    return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")


models = {
    "one-point statistics": make_pipeline(
        OnePointStatistics(n_quantiles=16), StandardScaler(), _classifier()
    ),
    "2-D power spectrum": make_pipeline(
        PowerSpectrum2D(n_bins=8, pixel_size=300.0 / 32, include_moments=True),
        StandardScaler(),
        _classifier(),
    ),
}


def accuracy(seen):
    """Mean and spread over the folds, per model, of slices of the cubes ``seen``."""
    data = make_slice_dataset(seen, "escape_fraction", CubeSlicer(axes="all", step=2))
    labels = np.char.mod("%g", data.y)  # class labels "0.075", ..., "0.3"
    scores = {}
    for name, model in models.items():
        values = cross_val_score(model, data.X, labels, groups=data.groups, cv=LeaveOneGroupOut())
        scores[name] = (values.mean(), values.std())
    return scores


# %%
# The simulated maps, the noiseless reference (what no integration brings back: the mean of
# every channel and the modes inside the horizon wedge), then each observing time. The noise
# of each cube is its own, drawn from ``random_state``.
simulated = accuracy(cubes)
reference = accuracy(observe_cubes(cubes, hours=None, resolution=None, wedge="horizon"))
hours = [10.0, 100.0, 1000.0]
observed = [
    accuracy(observe_cubes(cubes, telescope="SKA1-Low", hours=h, wedge="horizon", random_state=0))
    for h in hours
]

# %%
# Accuracy against observing time, with the noiseless reference (dashed) and the simulated
# maps (dotted) of each model; chance is one in five.
fig, ax = plt.subplots(figsize=(6, 4))
for name in models:
    plot_accuracy_vs_observing_time(
        hours,
        [scores[name][0] for scores in observed],
        accuracy_std=[scores[name][1] for scores in observed],
        without_noise=reference[name][0],
        simulated=simulated[name][0],
        chance=0.2,
        label=name,
        ax=ax,
    )
ax.set_title("f_esc at z = 8 from single 32² slices, SKA1-Low core, 6 h/day", fontsize=9)
fig.tight_layout()
plt.show()
