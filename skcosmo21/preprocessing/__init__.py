"""Transformers from cubes to the images (and feature rows) that models see."""

from ._locations import SampleLocations
from ._patches import PatchExtractor, extract_patches, patch_corners
from ._scaling import Flatten, ImageStandardizer
from ._slicing import CubeSlicer, slice_cubes, slice_positions

__all__ = [
    "CubeSlicer",
    "Flatten",
    "ImageStandardizer",
    "PatchExtractor",
    "SampleLocations",
    "extract_patches",
    "patch_corners",
    "slice_cubes",
    "slice_positions",
]
