"""Data sources: the built-in reionization simulator and dataset builders."""

from ._simulator import make_reionization_cubes, smoothing_radii
from ._slice_dataset import make_slice_dataset

__all__ = ["make_reionization_cubes", "make_slice_dataset", "smoothing_radii"]
