"""
What SKA1-Low would see: resolution, thermal noise and the foreground wedge
===========================================================================

A simulated 21-cm cube (32³ cells, 300 Mpc, z = 8) before and after each observation effect of
:mod:`skcosmo21.observation`, shown as one slice through the line of sight (vertical axis,
axis 2 of the cube: frequency) and one transverse axis. The array is the SKA1-Low core as
21cmSense describes it (224 stations of 35 m within ~1 km), tracking the field 6 hours a day.

Then, for the same redshift, the signal-to-noise of the 21-cm power per k bin after 10, 100
and 1,000 hours, with the mean removed and the horizon wedge excluded: where it is below one
per mode, maps are noise-dominated at that scale.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter

from skcosmo21.datasets import make_reionization_cubes
from skcosmo21.observation import (
    add_thermal_noise,
    average_channels,
    remove_wedge,
    sample_uv_coverage,
    signal_to_noise_per_k,
    smooth_with_beam,
    telescope_properties,
)

cubes = make_reionization_cubes(
    [8.0], [0.2], n_cells=32, box_size=300.0, fields="delta_T", random_state=0
)
box, z = cubes.box_size, 8.0
sky = cubes.delta_T
array = telescope_properties("SKA1-Low")

# %%
# One effect at a time, each from the noiseless sky, then all of them together.
steps = {
    "simulated sky": sky,
    f"Gaussian beam, FWHM λ/B_max\n(B_max = {array.longest_baseline:.0f} m)": smooth_with_beam(
        sky, box, z, max_baseline=array.longest_baseline
    ),
    "uv coverage of the array\n(no k⊥ = 0, no long baselines)": sample_uv_coverage(sky, box, z),
    "200 kHz channels": average_channels(sky, box, z, channel_width=0.2),
    "horizon wedge removed": remove_wedge(sky, box, z),
    "thermal noise of 1,000 h\n(with uv sampling)": add_thermal_noise(
        sky, box, z, hours=1000.0, random_state=0
    ),
    "all of it, 100 h": remove_wedge(
        add_thermal_noise(
            average_channels(sky, box, z, channel_width=0.2), box, z, hours=100.0, random_state=0
        ),
        box,
        z,
    ),
}

fig, axes = plt.subplots(1, len(steps), figsize=(2.3 * len(steps), 3.4), sharey=True)
for ax, (title, cube) in zip(axes, steps.items(), strict=True):
    image = cube[0, :, 16, :].T
    ax.imshow(image, origin="lower", cmap="viridis", extent=[0, box, 0, box])
    ax.set_title(title, fontsize=7)
    ax.set_xlabel("x [Mpc]", fontsize=7)
    ax.tick_params(labelsize=6)
axes[0].set_ylabel("line of sight [Mpc]", fontsize=7)
fig.suptitle(f"One slice of a z = {z:g} cube (colour scale: each panel's own range)", fontsize=9)
fig.tight_layout()

# %%
# Signal-to-noise per k bin: per mode (left; below 1 the maps are noise-dominated at that
# scale) and for the power in the bin measured from this one box (right). The wedge removes
# every mode with k∥ < 3.45 k⊥ at z = 8, so the lowest bins keep no mode at all.
snr = signal_to_noise_per_k(cubes, telescope="SKA1-Low", hours=(10.0, 100.0, 1000.0))
kept = snr.k[np.isfinite(snr.mode_snr[0, 0])]
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharex=True)
for ih, hours in enumerate(snr.hours):
    axes[0].loglog(snr.k, snr.mode_snr[0, ih], "o-", label=f"{hours:g} h")
    axes[1].loglog(snr.k, snr.box_snr[0, ih], "o-", label=f"{hours:g} h")
for ax, title in zip(
    axes, ["P_signal / P_noise per mode", "S/N of P(k) from one box"], strict=True
):
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set(xlabel="k [1/Mpc]", title=title)
    ax.set_xticks(kept, [f"{k:.2f}" for k in kept])
    ax.xaxis.set_minor_formatter(NullFormatter())
axes[0].legend()
fig.tight_layout()
plt.show()
