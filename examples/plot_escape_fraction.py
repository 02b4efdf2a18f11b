"""
Escape fraction at fixed redshift, with and without the autoencoder
===================================================================

The study found f_esc at chance. Trained on two realizations and tested on a third, the
power-spectrum baseline, a CNN on slices, and a CNN on autoencoder codes classify f_esc at
z = 8 (32³ cells over 150 Mpc: the study's 4.7 Mpc pixels, whose size the power spectrum
reads from the data).
"""

import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.feature_extraction import PowerSpectrum2D
from skcosmo21.neural import AutoencoderEncoder, ConvClassifier
from skcosmo21.preprocessing import CubeSlicer, ImageStandardizer

cubes = make_reionization_cubes(
    [8.0],
    [0.075, 0.1, 0.15, 0.2, 0.3],
    n_realizations=3,
    n_cells=32,
    box_size=150.0,
    fields="delta_T",
    random_state=0,
)
data = make_slice_dataset(cubes, "escape_fraction", CubeSlicer(axes="all", step=4))
labels = data.y.astype(str)
train, test = data.groups < 2, data.groups == 2
models = {
    "power spectrum\n+ logistic": make_pipeline(
        PowerSpectrum2D(pixel_size=data.pixel_size, include_moments=True),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    ),
    "CNN": make_pipeline(ImageStandardizer(), ConvClassifier(epochs=10, random_state=0)),
    "autoencoder\n+ CNN": make_pipeline(
        ImageStandardizer(),
        AutoencoderEncoder(epochs=3, random_state=0),
        ConvClassifier(epochs=10, random_state=0),
    ),
}
scores = {
    name: m.fit(data.X[train], labels[train]).score(data.X[test], labels[test])
    for name, m in models.items()
}
for name, score in scores.items():
    print(f"{name.replace(chr(10), ' ')}: {score:.3f}")
fig, ax = plt.subplots(figsize=(6, 4))
ax.bar(list(scores), list(scores.values()))
ax.axhline(0.2, color="k", ls="--", label="chance (the study)")
ax.set(ylabel="held-out accuracy of f_esc (5 classes)", ylim=(0, 1))
ax.legend()
fig.tight_layout()
