import numpy as np
import pytest

from skcosmo21.datasets import make_slice_dataset
from skcosmo21.preprocessing import CubeSlicer, PatchExtractor


def test_labels_groups_and_locations_align(small_cubes):
    data = make_slice_dataset(
        small_cubes,
        ["redshift", "escape_fraction"],
        CubeSlicer(axes=(0, 2), step=4),
        PatchExtractor(patch_size=8),
    )
    assert data.X.shape == (8 * 8 * 4, 8, 8)
    assert data.y.shape == (256, 2)
    cube = data.locations["cube"]
    np.testing.assert_array_equal(data.y[:, 0], small_cubes.redshift[cube])
    np.testing.assert_array_equal(data.groups, small_cubes.realization[cube])
    assert data.pixel_size == 3.0  # 48 Mpc / 16 cells, the same for slices and patches
    assert (data.locations.n_cells, data.locations.sample_shape) == (16, (8, 8))
    assert data.locations.pixel_size == data.pixel_size
    row = data.locations[17]
    expected = np.take(small_cubes.delta_T[row["cube"]], row["position"], axis=row["axis"])
    np.testing.assert_array_equal(
        data.X[17], expected[row["row"] : row["row"] + 8, row["col"] : row["col"] + 8]
    )


def test_errors_name_the_problem(small_cubes):
    with pytest.raises(ValueError, match="'temperature'"):
        make_slice_dataset(small_cubes, "temperature")
    with pytest.raises(ValueError, match="field 'xH'"):
        make_slice_dataset(small_cubes, "redshift", field="xH")
    with pytest.raises(ValueError, match="one value per cube"):
        make_slice_dataset(small_cubes, "redshift", groups=[0, 1])


def test_pixel_size_is_none_without_a_box_size(small_cubes):
    cubes = {"delta_T": small_cubes.delta_T, "redshift": small_cubes.redshift}
    data = make_slice_dataset(cubes, "redshift", CubeSlicer(axes=0, step=8), groups=None)
    assert data.pixel_size is None
    assert data.locations.pixel_size is None
    assert data.groups is None
