"""Validation of cube stacks and of the geometry (box size, redshifts) they come with."""

import numpy as np

from ..base import check_sample_stack


def check_cubes(cubes, name="cubes"):
    """A finite float stack (n_cubes, N, N, n_los) with square transverse axes."""
    cubes = check_sample_stack(cubes, 3, name=name)
    if cubes.shape[1] != cubes.shape[2]:
        raise ValueError(
            f"{name} must have square transverse axes (n_cubes, N, N, n_los); got shape "
            f"{cubes.shape}"
        )
    if min(cubes.shape[1:]) < 2:
        raise ValueError(
            f"{name} must have at least 2 cells along every axis (n_cubes, N, N, n_los); got "
            f"shape {cubes.shape}"
        )
    if not np.all(np.isfinite(cubes)):
        raise ValueError(f"{name} contains NaN or infinity")
    return cubes


def channel_redshifts(redshift, n_los):
    """Redshift of every line-of-sight cell, and whether the cubes are coeval.

    A number means coeval cubes: every cell at that redshift and a periodic line of sight.
    An array of length ``n_los`` means lightcones.
    """
    if redshift is None:
        raise ValueError(
            "redshift is required: a number for coeval cubes, or one redshift per "
            "line-of-sight cell for lightcones"
        )
    redshift = np.asarray(redshift, dtype=float)
    if redshift.ndim == 0:
        if not redshift > 0:
            raise ValueError(f"redshift must be > 0, got {float(redshift)}")
        return np.full(n_los, float(redshift)), True
    if redshift.shape != (n_los,):
        raise ValueError(
            f"redshift must be a number (coeval cubes) or one redshift per line-of-sight cell "
            f"({n_los} for these cubes), got an array of shape {redshift.shape}"
        )
    if not np.all(redshift > 0):
        raise ValueError(f"redshifts must be > 0, got minimum {redshift.min()}")
    return redshift, False
