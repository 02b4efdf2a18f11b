"""
The study's figures for your own models
=======================================

``skcosmo21 run`` draws its report with the public functions of :mod:`skcosmo21.plotting`;
the same functions draw the figures of any model evaluated with group-aware
cross-validation. Here one-point statistics and a logistic regression classify redshift at
fixed escape fraction,
each realization held out in turn (``LeaveOneGroupOut``), and a small dense network shows its
learning curves.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.feature_extraction import OnePointStatistics
from skcosmo21.plotting import (
    plot_accuracy_vs_neutral_fraction,
    plot_confusion_matrix,
    plot_learning_curves,
    plot_slice_grid,
)
from skcosmo21.preprocessing import CubeSlicer

cubes = make_reionization_cubes(
    [7.0, 7.5, 8.0, 8.5, 9.0, 9.5],
    [0.15],
    n_realizations=3,
    n_cells=32,
    box_size=150.0,
    fields="delta_T",
    random_state=0,
)

# %%
# What the classifier has to tell apart: one slice per redshift, on one colour scale, with
# each cube's neutral fraction.
plot_slice_grid(cubes, by="redshift", select=cubes.realization == 0)

# %%
# Predictions of every slice by a model that never saw its realization.
data = make_slice_dataset(cubes, "redshift", CubeSlicer(axes="all", step=4))
labels = data.y.astype(str)
model = make_pipeline(
    OnePointStatistics(n_quantiles=16), StandardScaler(), LogisticRegression(max_iter=2000)
)
predicted = cross_val_predict(model, data.X, labels, groups=data.groups, cv=LeaveOneGroupOut())
print(f"accuracy over held-out realizations: {np.mean(predicted == labels):.3f}")
neutral = cubes.neutral_fraction[data.locations["cube"]]  # each slice's cube

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
plot_confusion_matrix(labels, predicted, neutral_fraction=neutral, ax=left)
plot_accuracy_vs_neutral_fraction(labels, predicted, neutral, label="one-point", ax=right)
fig.tight_layout()

# %%
# Learning curves from the ``history_`` of a neural estimator: training loss, and the loss on
# the validation split it holds out (here a realization of its own, through ``groups``).
from skcosmo21.neural import DenseClassifier  # noqa: E402 (TensorFlow only from here on)
from skcosmo21.preprocessing import Flatten, ImageStandardizer  # noqa: E402

network = make_pipeline(
    ImageStandardizer(),
    Flatten(),
    DenseClassifier(hidden_layer_sizes=(64,), epochs=15, random_state=0),
).fit(data.X, labels, denseclassifier__groups=data.groups)
plot_learning_curves(network, labels=["dense network"])
