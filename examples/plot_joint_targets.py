"""
Redshift and escape fraction jointly
====================================

A 2-column ``y`` trains one ConvClassifier with two softmax heads. ``score`` is the fraction of
slices with both right; each head is scored separately too.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.pipeline import make_pipeline

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.neural import ConvClassifier
from skcosmo21.preprocessing import CubeSlicer, ImageStandardizer

cubes = make_reionization_cubes(
    [7.0, 8.0, 9.0, 10.0],
    [0.1, 0.2, 0.3],
    n_realizations=3,
    n_cells=32,
    box_size=150.0,
    fields="delta_T",
    random_state=0,
)
data = make_slice_dataset(cubes, ["redshift", "escape_fraction"], CubeSlicer(axes="all", step=2))
labels = data.y.astype(str)
train, test = data.groups < 2, data.groups == 2
model = make_pipeline(
    ImageStandardizer(), ConvClassifier(filters=(16, 32), epochs=20, random_state=0)
)
model.fit(data.X[train], labels[train])
predicted = model.predict(data.X[test])
both = model.score(data.X[test], labels[test])
each = (predicted == labels[test]).mean(axis=0)
print(f"both right {both:.3f}; redshift {each[0]:.3f}; f_esc {each[1]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, column, name in zip(axes, range(2), ["redshift", "escape fraction"], strict=True):
    classes = sorted(np.unique(labels[:, column]), key=float)
    ConfusionMatrixDisplay.from_predictions(
        labels[test][:, column], predicted[:, column], labels=classes, normalize="true", ax=ax
    )
    ax.set_title(f"{name} head")
fig.tight_layout()
