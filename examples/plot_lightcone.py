"""
Reading a 21cmFAST lightcone and cutting it into labelled images
================================================================

An observer does not see coeval boxes but a lightcone: the line of sight is also the time
axis. :func:`~skcosmo21.datasets.load_lightcone` reads a lightcone saved by py21cmfast
(``LightCone.save``, here py21cmfast 4.3.1, 16 × 16 cells of 3 Mpc across and 108 cells from
z = 7 to 8 along the line of sight) and gives the redshift of every line-of-sight cell,
computed from the comoving distances the file records with the file's own cosmology.
:class:`~skcosmo21.preprocessing.LightconeSlicer` then cuts it into 2-D images, each labelled
with its own redshift.
"""

import pathlib

import matplotlib.pyplot as plt
import numpy as np

from skcosmo21.datasets import load_lightcone, make_lightcone_dataset
from skcosmo21.preprocessing import LightconeSlicer

# The lightcone fixture made with py21cmfast 4.3.1 (see tests/data/README.md). sphinx-gallery
# runs examples from the examples folder without defining __file__.
try:
    examples = pathlib.Path(__file__).resolve().parent
except NameError:
    examples = pathlib.Path.cwd()
folder = examples.parent / "tests" / "data" / "lightcone-v4"
data = load_lightcone(
    folder / "lightcone_v4_const-zeta_zeta30_seed1.h5", fields=("delta_T", "x_HI")
)
print(data.delta_T.shape, data.los_redshift[[0, -1]].round(3), data.zeta, data.escape_fraction)

# %%
# The line of sight
# -----------------
# One transverse row of cells along the whole line of sight, with comoving distance below and
# redshift above. The lower panel shows the global neutral fraction x_HI(z) that py21cmfast
# recorded at its node redshifts (interpolated to every cell) beside the mean of each of this
# small lightcone's own transverse planes.

distance = data.los_distance - data.los_distance[0]
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
image = top.imshow(
    data.delta_T[0, 8],
    cmap="magma",
    aspect="auto",
    origin="lower",
    extent=[distance[0], distance[-1] + data.cell_size, 0, data.box_size],
)
top.set(ylabel="transverse [Mpc]")
fig.colorbar(image, cax=top.inset_axes([1.01, 0.0, 0.015, 1.0]), label=r"$\delta T_b$ [mK]")


def to_redshift(d):
    return np.interp(d, distance, data.los_redshift)


def to_distance(z):
    return np.interp(z, data.los_redshift, distance)


redshift_axis = top.secondary_xaxis("top", functions=(to_redshift, to_distance))
redshift_axis.set(xlabel="redshift", xticks=np.arange(7.0, 8.01, 0.2))
bottom.plot(distance, data.neutral_fraction[0], label="global x_HI(z) (box means at the nodes)")
bottom.plot(distance, data.x_HI[0].mean(axis=(0, 1)), label="mean of each lightcone plane")
bottom.set(xlabel="comoving distance from z = 7 [Mpc]", ylabel="neutral fraction")
bottom.legend(loc="upper left")
fig.tight_layout()

# %%
# The plane means oscillate with the 48 Mpc period of the small periodic box that the
# lightcone is cut from; the global x_HI(z) is the mean over whole boxes.

# %%
# Transverse slices, each at its own redshift
# -------------------------------------------
# ``kind="transverse"`` cuts N × N images at every ``step``-th line-of-sight cell;
# :func:`~skcosmo21.datasets.make_lightcone_dataset` labels each with its redshift and the
# global neutral fraction there, repeats per-lightcone targets (ζ) over the images and keeps
# the lightcone's realization as the group of every image.

slices = make_lightcone_dataset(
    data, ["redshift", "neutral_fraction", "zeta"], LightconeSlicer(step=30)
)
print(slices.X.shape, slices.locations[["lightcone", "axis", "position"]].tolist())

fig, axes = plt.subplots(1, len(slices.X), figsize=(11, 3), layout="constrained")
limits = {"vmin": slices.X.min(), "vmax": slices.X.max()}
for ax, picture, (z, x_hi, _) in zip(axes, slices.X, slices.y, strict=True):
    image = ax.imshow(picture, cmap="magma", extent=[0, data.box_size, 0, data.box_size], **limits)
    ax.set(title=f"z = {z:.3f}, x_HI = {x_hi:.2f}", xlabel="Mpc")
axes[0].set_ylabel("Mpc")
fig.colorbar(image, ax=axes, label=r"$\delta T_b$ [mK]")

# %%
# Line-of-sight windows labelled by their central redshift
# --------------------------------------------------------
# ``kind="line_of_sight"`` cuts N × ``width`` images along the line of sight (here square,
# 16 × 16 cells, adjacent windows, the last 12 cells left over); each is labelled by the
# redshift at its centre.

windows = make_lightcone_dataset(
    data, "redshift", LightconeSlicer(kind="line_of_sight", width=16, axes=0, step=8)
)
print(windows.X.shape, windows.y.round(3))

first_row = windows.locations["position"] == 0  # the six windows of transverse index 0
fig, axes = plt.subplots(1, first_row.sum(), figsize=(12, 2.8), layout="constrained")
limits = {"vmin": windows.X.min(), "vmax": windows.X.max()}
for ax, picture, z, where in zip(
    axes, windows.X[first_row], windows.y[first_row], windows.locations[first_row], strict=True
):
    ax.imshow(picture, cmap="magma", origin="lower", **limits)
    ax.set_title(f"z = {z:.3f}\ncells {where['los_start']}–{where['los_stop'] - 1}", fontsize=9)
    ax.set_xlabel("line-of-sight cell")
axes[0].set_ylabel("transverse cell")
