"""
Autoencoder + CNN for redshift
==============================

The study's convolutional autoencoder compresses each 64² slice to an 8 × 8 × 8 code; a small
CNN classifies redshift from the code. Reconstructions show what the code keeps.
"""

import matplotlib.pyplot as plt
from sklearn.pipeline import make_pipeline

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.neural import AutoencoderEncoder, ConvClassifier
from skcosmo21.preprocessing import CubeSlicer, ImageStandardizer

cubes = make_reionization_cubes(
    [7.0, 8.0, 9.0, 10.0, 11.0],
    [0.15],
    n_realizations=3,
    n_cells=64,
    box_size=300.0,
    fields="delta_T",
    random_state=0,
)
data = make_slice_dataset(cubes, "redshift", CubeSlicer(axes="all", step=4))
labels = data.y.astype(str)
train, test = data.groups < 2, data.groups == 2

model = make_pipeline(
    ImageStandardizer(),
    AutoencoderEncoder(epochs=4, random_state=0),
    ConvClassifier(filters=(32, 64), dense_units=(64,), epochs=15, random_state=0),
)
model.fit(data.X[train], labels[train])
print(f"held-out realization accuracy: {model.score(data.X[test], labels[test]):.3f} (chance 0.2)")

scaler, autoencoder = model[0], model[1]
images = scaler.transform(data.X[test][:3])
reconstructed = autoencoder.inverse_transform(autoencoder.transform(images))
fig, axes = plt.subplots(2, 3, figsize=(8, 5.5))
for i in range(3):
    for row, (stack, name) in enumerate([(images, "slice"), (reconstructed, "reconstruction")]):
        image = axes[row, i].imshow(stack[i], cmap="magma", extent=[0, 300, 0, 300])
        axes[row, i].set_title(f"{name}, z = {labels[test][i]}", fontsize=9)
        axes[row, i].set_xlabel("Mpc")
        fig.colorbar(image, ax=axes[row, i], shrink=0.7, label="standardised $\\delta T_b$")
fig.tight_layout()
