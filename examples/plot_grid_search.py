"""
Grid search over architectures with group-aware folds
=====================================================

``GridSearchCV`` over a Pipeline of ImageStandardizer and ConvClassifier, validated on a
held-out realization (``GroupShuffleSplit`` over realizations; ``GroupKFold`` works the same
way, at one fit per fold and grid point). Under metadata routing the same ``groups`` also
reach the network's internal validation split, which keeps its realizations apart too.
"""

import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.model_selection import GridSearchCV, GroupShuffleSplit
from sklearn.pipeline import make_pipeline

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.neural import ConvClassifier
from skcosmo21.preprocessing import CubeSlicer, ImageStandardizer

sklearn.set_config(enable_metadata_routing=True)
cubes = make_reionization_cubes(
    [7.0, 8.0, 9.0, 10.0],
    [0.2],
    n_realizations=3,
    n_cells=16,
    box_size=75.0,
    fields="delta_T",
    random_state=0,
)
data = make_slice_dataset(cubes, "redshift", CubeSlicer(axes="all", step=4))
pipe = make_pipeline(
    ImageStandardizer(), ConvClassifier(epochs=10, random_state=0).set_fit_request(groups=True)
)
grid = {"convclassifier__filters": [(8,), (8, 16)], "convclassifier__learning_rate": [1e-3, 1e-2]}
held_out = GroupShuffleSplit(n_splits=1, test_size=1, random_state=0)
search = GridSearchCV(pipe, grid, cv=held_out, n_jobs=1)
search.fit(data.X, data.y.astype(str), groups=data.groups)
print("best:", search.best_params_, f"{search.best_score_:.3f}")

scores = search.cv_results_["mean_test_score"].reshape(2, 2)
fig, ax = plt.subplots(figsize=(5, 4))
image = ax.imshow(scores, cmap="viridis", vmin=0, vmax=1)
ax.set_xticks([0, 1], ["1e-3", "1e-2"])
ax.set_yticks([0, 1], ["(8,)", "(8, 16)"])
ax.set(xlabel="learning rate", ylabel="filters", title="accuracy on a held-out realization")
for (i, j), value in np.ndenumerate(scores):
    ax.text(j, i, f"{value:.2f}", ha="center", va="center", color="w")
fig.colorbar(image, ax=ax, label="mean accuracy")
fig.tight_layout()
sklearn.set_config(enable_metadata_routing=False)
