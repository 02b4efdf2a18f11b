"""Leak-free model selection for slices of simulated cubes."""

from ._split import SpatialBlockKFold, sample_extents

__all__ = ["SpatialBlockKFold", "sample_extents"]
