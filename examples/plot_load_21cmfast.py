"""
Loading 21cmFAST boxes
======================

:func:`~skcosmo21.datasets.load_21cmfast` reads 21cmFAST 1.x/2.x raw boxes and py21cmfast
3.x/4.x HDF5 files into the same layout as the simulator. Here a small parameter study is
written in the 1.x raw format, under the names 21cmFAST writes, one folder per run
(``seed<seed>/zeta<ζ>_seed<seed>/``), and read back with one call on its top folder:

* the neutral fraction comes from each ``delta_T`` name's ``nf`` token;
* ζ comes from the ``xH_nohalos`` box with the same redshift and ``nf`` (the ``zetaX`` token of a
  ``delta_T`` name is the X-ray efficiency, not ζ), and also from the folder name, which must
  agree;
* the seed comes from the folder names.

With several boxes the fields are lazy :class:`~skcosmo21.datasets.CubeStack` objects: the boxes
stay on disk and slicing reads one at a time.
"""

import pathlib
import tempfile

import matplotlib.pyplot as plt
import numpy as np

from skcosmo21.datasets import load_21cmfast, make_reionization_cubes, make_slice_dataset
from skcosmo21.preprocessing import CubeSlicer

# The sprintf formats of 21cmFAST 1.2 (delta_T.c:396, find_HII_bubbles.c:257,
# perturb_field.c:424); Python's % formatting follows C's printf.
DELTA_T = (
    "delta_T_v%i_no_halos_z%06.2f_nf%f_useTs%i_zetaX%.1e_alphaX%.1f_TvirminX%.1e_aveTb%06.2f"
    "_Pop%i_%i_%.0fMpc"
)
XH = "xH_nohalos_z%06.2f_nf%f_eff%.1f_effPLindex%.1f_HIIfilter%i_Mmin%.1e_RHIImax%.0f_%i_%.0fMpc"
DENSITY = "updated_smoothed_deltax_z%06.2f_%i_%.0fMpc"

n, box = 32, 48.0
root = pathlib.Path(tempfile.mkdtemp()) / "study"
for seed in (1, 2):
    cubes = make_reionization_cubes(
        [7.0, 8.0, 9.0],
        [0.1, 0.2],
        n_cells=n,
        box_size=box,
        fields=("delta_T", "density", "x_HI"),
        random_state=seed,
    )
    for i, (z, f_esc) in enumerate(zip(cubes.redshift, cubes.escape_fraction, strict=True)):
        zeta = 200 * f_esc
        run = root / f"seed{seed}" / f"zeta{zeta:05.1f}_seed{seed}"
        run.mkdir(parents=True, exist_ok=True)
        nf = float(np.float32(cubes.x_HI[i].mean()))
        delta_t = cubes.delta_T[i].astype("<f4")
        ave = float(delta_t.mean())
        delta_t.tofile(run / (DELTA_T % (3, z, nf, 0, -1, -1, -1, ave, -1, n, box)))
        cubes.x_HI[i].astype("<f4").tofile(run / (XH % (z, nf, zeta, 0, 1, 4.3e8, 15, n, box)))
        cubes.density[i].astype("<f4").tofile(run / (DENSITY % (z, n, box)))

print(sorted(p.name for p in (root / "seed1" / "zeta020.0_seed1").iterdir())[:2])

data = load_21cmfast(root, fields=("delta_T", "x_HI"))
print(data.delta_T)
print("seeds", data.seed, "\nzeta ", data.zeta, "\nf_esc", data.escape_fraction)
print("x_HI ", data.neutral_fraction.round(3))

# %%
# Slicing reads one box at a time; labels and realization groups follow each slice.
dataset = make_slice_dataset(data, ["redshift", "escape_fraction"], CubeSlicer(axes=2, step=8))
print(dataset.X.shape, dataset.y[:2], np.unique(dataset.groups))

fig, axes = plt.subplots(2, 3, figsize=(11, 6.5))
for ax, i in zip(axes.ravel(), np.flatnonzero(data.seed == 1), strict=True):
    image = ax.imshow(data.delta_T[i][:, :, 0], cmap="magma", extent=[0, box, 0, box])
    ax.set(
        title=f"z = {data.redshift[i]:g}, ζ = {data.zeta[i]:g}, x_HI = "
        f"{data.neutral_fraction[i]:.2f}",
        xlabel="Mpc",
        ylabel="Mpc",
    )
    fig.colorbar(image, ax=ax, label=r"$\delta T_b$ [mK]")
fig.tight_layout()
