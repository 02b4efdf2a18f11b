import numpy as np
import pytest

from skcosmo21.preprocessing import CubeSlicer, PatchExtractor, extract_patches


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
    with pytest.raises(ValueError, match=r"patch_size must be at most the side of the images \(8"):
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
    assert table.fields == ("image", "row", "col")
    assert table.n_cells is None
    assert table["image"].tolist() == [0] * 4 + [1] * 4 + [2] * 4


def test_expand_refuses_values_of_the_wrong_length():
    patcher = PatchExtractor(patch_size=4).fit(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="3 samples were fitted, got 4 values"):
        patcher.expand([0, 1, 2, 3])
    assert len(patcher.expand([0, 1, 2])) == 12


def test_locations_carry_the_grid_and_refuse_a_mismatch():
    slicer = CubeSlicer(axes=0, step=8).fit(np.zeros((2, 16, 16, 16)))
    slices = slicer.locations(pixel_size=2.0)
    patches = PatchExtractor(patch_size=8, stride=4).fit(np.zeros((4, 16, 16))).locations(slices)
    assert (patches.n_cells, patches.sample_shape, patches.pixel_size) == (16, (8, 8), 2.0)
    assert len(patches) == len(slices) * 9
    with pytest.raises(ValueError, match=r"samples of shape \(16, 16\).*images of shape \(8, 8\)"):
        PatchExtractor(patch_size=4).fit(np.zeros((1, 8, 8))).locations(slices)
    plain = PatchExtractor(patch_size=8).fit(np.zeros((1, 16, 16))).locations(slices.table)
    assert isinstance(plain, np.ndarray)  # a plain table (e.g. of lightcone slices) stays plain
    assert plain.dtype.names == ("cube", "axis", "position", "row", "col")
    with pytest.raises(ValueError, match="locations of the images"):
        PatchExtractor(patch_size=4).fit(np.zeros((1, 8, 8))).locations([1, 2])
