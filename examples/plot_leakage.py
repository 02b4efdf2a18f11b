"""
How much a random split over slices leaks
=========================================

Neighbouring slices of a cube are near copies, and all cubes of one realization share their
large-scale structure. A 1-nearest-neighbour classifier of the escape fraction is scored three
ways: random K-fold over slices (leaky), folds over realizations, and spatial blocks of a single
realization with a gap.
"""

import matplotlib.pyplot as plt
from sklearn.model_selection import GroupKFold, KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.model_selection import SpatialBlockKFold
from skcosmo21.preprocessing import CubeSlicer, Flatten

cubes = make_reionization_cubes(
    [8.0],
    [0.1, 0.15, 0.2, 0.3],
    n_realizations=3,
    n_cells=32,
    box_size=48.0,
    fields="delta_T",
    random_state=4,
)
data = make_slice_dataset(cubes, "escape_fraction", CubeSlicer(axes=0))
labels = data.y.astype(str)
knn = make_pipeline(Flatten(), KNeighborsClassifier(1))

one = data.groups == 0
scores = {
    "KFold(shuffle)\nover slices": cross_val_score(
        knn, data.X, labels, cv=KFold(3, shuffle=True, random_state=0)
    ).mean(),
    "GroupKFold\nover realizations": cross_val_score(
        knn, data.X, labels, groups=data.groups, cv=GroupKFold(3)
    ).mean(),
    "SpatialBlockKFold\n(1 realization)": cross_val_score(
        knn,
        data.X[one],
        labels[one],
        cv=SpatialBlockKFold(data.locations[one], n_blocks=(4, 1, 1), gap=2),
    ).mean(),
}
for name, score in scores.items():
    print(f"{name.replace(chr(10), ' ')}: {score:.3f}")

fig, ax = plt.subplots(figsize=(6, 4))
ax.bar(list(scores), list(scores.values()), color=["tab:red", "tab:green", "tab:blue"])
ax.axhline(0.25, color="k", ls="--", label="chance")
ax.set(ylabel="1-NN accuracy of f_esc (4 classes)", ylim=(0, 1))
ax.legend()
fig.tight_layout()
