import numpy as np
import pytest

from skcosmo21.preprocessing import PatchExtractor, extract_patches


def test_study_tiling_of_200_pixel_slices():
    images = np.random.default_rng(0).normal(size=(2, 200, 200)).astype(np.float32)
    patcher = PatchExtractor().fit(images)
    patches = patcher.transform(images)
    assert patches.shape == (32, 50, 50)
    assert patches.dtype == np.float32
    np.testing.assert_array_equal(patches[5], images[0, 50:100, 50:100])
    assert patcher.corners_.tolist()[:5] == [[0, 0], [0, 50], [0, 100], [0, 150], [50, 0]]


def test_overlapping_stride():
    images = np.arange(2 * 36, dtype=float).reshape(2, 6, 6)
    patches = extract_patches(images, 4, stride=2)
    assert patches.shape == (8, 4, 4)
    np.testing.assert_array_equal(patches[1], images[0, 0:4, 2:6])


def test_patch_larger_than_image_and_shape_mismatch():
    with pytest.raises(ValueError, match="larger than the images"):
        PatchExtractor(patch_size=9).fit(np.zeros((1, 8, 8)))
    patcher = PatchExtractor(patch_size=4).fit(np.zeros((1, 8, 8)))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(8, 8\)"):
        patcher.transform(np.zeros((1, 12, 12)))
    with pytest.raises(ValueError, match="patch_size"):
        PatchExtractor(patch_size=0).fit(np.zeros((1, 8, 8)))
    with pytest.raises(ValueError, match="stride"):
        PatchExtractor(patch_size=2, stride=-1).fit(np.zeros((1, 8, 8)))


def test_locations_from_count():
    patcher = PatchExtractor(patch_size=2).fit(np.zeros((3, 4, 4)))
    table = patcher.locations(3)
    assert table.dtype.names == ("image", "row", "col")
    assert table["image"].tolist() == [0] * 4 + [1] * 4 + [2] * 4
