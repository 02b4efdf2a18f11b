"""Transformers from cubes to the images (and feature rows) that models see."""

from ._lightcone import LightconeSlicer, slice_lightcones
from ._locations import SampleLocations
from ._patches import PatchExtractor, extract_patches, patch_corners
from ._scaling import Flatten, ImageStandardizer
from ._slicing import CubeSlicer, slice_cubes, slice_positions

__all__ = [
    "CubeSlicer",
    "Flatten",
    "ImageStandardizer",
    "LightconeSlicer",
    "PatchExtractor",
    "SampleLocations",
    "extract_patches",
    "patch_corners",
    "slice_lightcones",
    "slice_cubes",
    "slice_positions",
]
