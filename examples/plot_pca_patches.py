"""
PCA on patches, the study's first baseline
==========================================

The original study flattened 50 × 50 patches of 200² slices (1.5 Mpc pixels) and ran PCA.
Here the same pipeline, ``ImageStandardizer → Flatten → PCA → LogisticRegression``, on
32 × 32 patches of 64² slices with the same pixels, classifies redshift with
realization-grouped cross-validation, and the leading components are shown as images.
"""

import matplotlib.pyplot as plt
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.preprocessing import CubeSlicer, Flatten, ImageStandardizer, PatchExtractor

cubes = make_reionization_cubes(
    [7.0, 8.5, 10.0],
    [0.15],
    n_realizations=3,
    n_cells=64,
    box_size=96.0,
    fields="delta_T",
    random_state=0,
)
data = make_slice_dataset(cubes, "redshift", CubeSlicer(axes=0, step=8), PatchExtractor(32))
labels = data.y.astype(str)
model = make_pipeline(
    ImageStandardizer(),
    Flatten(),
    PCA(20, random_state=0),
    StandardScaler(),
    LogisticRegression(max_iter=2000),
)
scores = cross_val_score(model, data.X, labels, groups=data.groups, cv=GroupKFold(3))
print(f"redshift accuracy on 32x32 patches: {scores.mean():.3f} ± {scores.std():.3f}")

model.fit(data.X, labels)
flatten, pca = model.named_steps["flatten"], model.named_steps["pca"]
components = flatten.inverse_transform(pca.components_[:4])
fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
for i, (ax, component) in enumerate(zip(axes, components, strict=True)):
    image = ax.imshow(component, cmap="RdBu_r")
    ax.set_title(f"PC {i + 1} ({pca.explained_variance_ratio_[i]:.0%})")
    ax.set_xlabel(f"pixel ({data.pixel_size:g} Mpc)")
    fig.colorbar(image, ax=ax, shrink=0.7)
fig.tight_layout()
