"""
Loading 21cmFAST boxes
======================

:func:`~skcosmo21.datasets.load_21cmfast` reads raw 21cmFAST 1.x/2.x boxes (and py21cmfast
HDF5 caches) into the same layout as the simulator. Here a folder in the 21cmFAST raw format
is written from simulated cubes, read back with the run parameters taken from the folder name,
and a slice of each redshift is shown.
"""

import pathlib
import tempfile

import matplotlib.pyplot as plt

from skcosmo21.datasets import load_21cmfast, make_reionization_cubes

cubes = make_reionization_cubes([7.0, 8.0, 9.0], [0.15], n_cells=32, box_size=48.0, random_state=1)
root = pathlib.Path(tempfile.mkdtemp())
run = root / "zeta030.0_seed1"
run.mkdir()
for i, z in enumerate(cubes.redshift):
    nf = cubes.neutral_fraction[i]
    cubes.delta_T[i].astype("<f4").tofile(run / f"delta_T_z{z:06.2f}_nf{nf:.6f}_useTs0_32_48Mpc")
    cubes.density[i].astype("<f4").tofile(run / f"updated_smoothed_deltax_z{z:06.2f}_32_48Mpc")

data = load_21cmfast(run, metadata=r"zeta(?P<zeta>[\d.]+)_seed(?P<seed>\d+)")
print(data.redshift, data.neutral_fraction, data.escape_fraction)

fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
for ax, cube, z, nf in zip(axes, data.delta_T, data.redshift, data.neutral_fraction, strict=True):
    image = ax.imshow(cube[:, :, 0], cmap="magma", extent=[0, 48, 0, 48])
    ax.set(title=f"z = {z:g}, x_HI = {nf:.2f}", xlabel="Mpc", ylabel="Mpc")
    fig.colorbar(image, ax=ax, label=r"$\delta T_b$ [mK]")
fig.tight_layout()
