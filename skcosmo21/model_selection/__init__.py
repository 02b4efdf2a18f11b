"""Leak-free model selection for slices of simulated cubes."""

from ._split import SpatialBlockKFold

__all__ = ["SpatialBlockKFold"]
