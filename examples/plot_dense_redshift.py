"""
The study's dense network: redshift at fixed escape fraction
============================================================

``DenseClassifier()`` is the original study's 2500 → 350 → n_classes network. Here it
classifies the redshift of 32 × 32 patches at f_esc = 0.15, trained on two realizations and
tested on a third, and its learning curve comes from ``history_``.
"""

import matplotlib.pyplot as plt
from sklearn.pipeline import make_pipeline

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.neural import DenseClassifier
from skcosmo21.preprocessing import CubeSlicer, ImageStandardizer, PatchExtractor

cubes = make_reionization_cubes(
    [7.0, 8.0, 9.0, 10.0, 11.0],
    [0.15],
    n_realizations=3,
    n_cells=64,
    box_size=300.0,
    fields="delta_T",
    random_state=0,
)
data = make_slice_dataset(cubes, "redshift", CubeSlicer(axes="all", step=4), PatchExtractor(32))
labels = data.y.astype(str)
train, test = data.groups < 2, data.groups == 2

model = make_pipeline(ImageStandardizer(), DenseClassifier(alpha=1e-3, epochs=15, random_state=0))
model.fit(data.X[train], labels[train])
print(f"held-out realization accuracy: {model.score(data.X[test], labels[test]):.3f} (chance 0.2)")

history = model[-1].history_
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(history["loss"], label="training loss")
ax.plot(history["val_loss"], label="validation loss")
ax.set(xlabel="epoch", ylabel="cross-entropy", title="DenseClassifier on 32 × 32 patches")
ax.legend()
fig.tight_layout()
