"""Parameters that are not what they seem, and degenerate images, get errors that name them.

Each case here was accepted or failed with an internal message before the estimators declared
``_parameter_constraints`` (issue #13).
"""

import re

import numpy as np
import pytest
from sklearn.base import clone

from skcosmo21.ensemble import SliceVotingClassifier
from skcosmo21.feature_extraction import OnePointStatistics, PowerSpectrum2D
from skcosmo21.preprocessing import (
    CubeSlicer,
    Flatten,
    ImageStandardizer,
    PatchExtractor,
    slice_cubes,
)

IMAGES = np.random.default_rng(0).normal(size=(4, 8, 8))
CUBES = np.random.default_rng(0).normal(size=(4, 8, 8, 8))


def _data(estimator):
    return CUBES if getattr(estimator, "_sample_ndim", 2) == 3 else IMAGES


# (estimator, the parameter named in the error, a word of what is expected)
BAD_PARAMETERS = [
    (CubeSlicer(axes=(0.7,)), "axes", "0, 1, 2"),
    (CubeSlicer(axes=(0, 5)), "axes", "0, 1, 2"),
    (CubeSlicer(axes=1.0), "axes", "int"),
    (CubeSlicer(n_jobs="two"), "n_jobs", "int"),
    (CubeSlicer(n_jobs=0), "n_jobs", "int"),
    (CubeSlicer(step=0), "step", "range"),
    (CubeSlicer(step=2.0), "step", "int"),
    (CubeSlicer(offset=-1), "offset", "range"),
    (PatchExtractor(patch_size=4.0), "patch_size", "int"),
    (PatchExtractor(patch_size=1), "patch_size", "range"),
    (PatchExtractor(stride=0), "stride", "range"),
    (PatchExtractor(n_jobs="two"), "n_jobs", "int"),
    (ImageStandardizer(method="minmax"), "method", "standard"),
    (OnePointStatistics(include_moments="False"), "include_moments", "bool"),
    (OnePointStatistics(n_quantiles=2.5), "n_quantiles", "int"),
    (OnePointStatistics(quantile_range=0.5), "quantile_range", "array-like"),
    (PowerSpectrum2D(log="no"), "log", "bool"),
    (PowerSpectrum2D(include_moments="False"), "include_moments", "bool"),
    (PowerSpectrum2D(k_range=(1,)), "k_range", r"\(low, high\)"),
    (PowerSpectrum2D(k_range=(2.0, 1.0)), "k_range", "low < high"),
    (PowerSpectrum2D(n_bins=0), "n_bins", "range"),
    (PowerSpectrum2D(pixel_size="300"), "pixel_size", "float"),
    (PowerSpectrum2D(pixel_size=-1.0), "pixel_size", "range"),
    (SliceVotingClassifier(voting="maybe"), "voting", "soft"),
    (SliceVotingClassifier(slicer="all"), "slicer", "CubeSlicer"),
    (SliceVotingClassifier(estimator=Flatten()), "estimator", "predict_proba"),
]


@pytest.mark.parametrize(
    ("estimator", "name", "expected"), BAD_PARAMETERS, ids=lambda v: repr(v)[:60]
)
def test_bad_parameter_is_named_with_what_is_expected(estimator, name, expected):
    with pytest.raises(ValueError, match=f"'?{name}'?") as error:
        estimator.fit(_data(estimator), np.arange(4) % 2)
    assert re.search(expected, str(error.value)), str(error.value)


def test_power_spectrum_has_no_box_size():
    # box_size meant the side of the image and gave wrong k on patches; pixel_size replaces it.
    with pytest.raises(TypeError, match="box_size"):
        PowerSpectrum2D(box_size="300")


def test_slice_cubes_function_validates_too():
    with pytest.raises(ValueError, match="axes"):
        slice_cubes(CUBES, axes=(0.7,))
    with pytest.raises(ValueError, match="step"):
        slice_cubes(CUBES, step=0)


IMAGE_ESTIMATORS = [
    PatchExtractor(patch_size=2),
    ImageStandardizer(),
    Flatten(),
    OnePointStatistics(),
    PowerSpectrum2D(),
]


@pytest.mark.parametrize("estimator", IMAGE_ESTIMATORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("side", [0, 1])
def test_empty_and_single_pixel_images_are_refused(estimator, side):
    with pytest.raises(ValueError, match=r"needs images of at least \d x \d pixels"):
        clone(estimator).fit(np.zeros((3, side, side)))


@pytest.mark.parametrize("estimator", [CubeSlicer(), SliceVotingClassifier()], ids=type)
@pytest.mark.parametrize("side", [0, 1])
def test_empty_and_single_cell_cubes_are_refused(estimator, side):
    with pytest.raises(ValueError, match="needs cubes of at least 2 x 2 x 2 pixels"):
        clone(estimator).fit(np.zeros((2, side, side, side)), [0, 1])


def test_power_spectrum_needs_a_fundamental_mode_below_nyquist():
    with pytest.raises(ValueError, match="at least 3 x 3 pixels"):
        PowerSpectrum2D().fit(np.zeros((3, 2, 2)))
    assert PowerSpectrum2D(n_bins=2).fit(np.zeros((3, 3, 3))).n_bins_ >= 1
