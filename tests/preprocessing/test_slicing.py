import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcosmo21.preprocessing import CubeSlicer, PatchExtractor, slice_cubes


def _cube_slice(cube, axis, position):
    return np.take(cube, position, axis=axis)


axes_strategy = st.one_of(
    st.just("all"),
    st.integers(0, 2),
    st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(
    n_cubes=st.integers(1, 3),
    n=st.integers(2, 9),
    axes=axes_strategy,
    step=st.integers(1, 4),
    n_jobs=st.sampled_from([None, 2]),
    data=st.data(),
)
def test_locations_and_expand_match_transform(n_cubes, n, axes, step, n_jobs, data):
    offset = data.draw(st.integers(0, n - 1))
    cubes = np.random.default_rng(n).normal(size=(n_cubes, n, n, n))
    slicer = CubeSlicer(axes=axes, step=step, offset=offset, n_jobs=n_jobs).fit(cubes)
    slices = slicer.transform(cubes)
    table = slicer.locations(n_cubes)
    labels = slicer.expand(np.arange(n_cubes) * 10)
    assert len(slices) == len(table) == len(labels) == n_cubes * slicer.n_outputs_per_sample_
    for i, (cube, axis, position) in enumerate(table.table.tolist()):
        np.testing.assert_array_equal(slices[i], _cube_slice(cubes[cube], axis, position))
        assert labels[i] == cube * 10


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(4, 10),
    patch=st.integers(2, 4),
    stride=st.one_of(st.none(), st.integers(1, 5)),
    axes=axes_strategy,
    n_jobs=st.sampled_from([None, 2]),
)
def test_patch_locations_compose_with_slice_locations(n, patch, stride, axes, n_jobs):
    cubes = np.random.default_rng(0).normal(size=(2, n, n, n))
    slicer = CubeSlicer(axes=axes, step=3).fit(cubes)
    images = slicer.transform(cubes)
    patcher = PatchExtractor(patch_size=patch, stride=stride, n_jobs=n_jobs).fit(images)
    patches = patcher.transform(images)
    table = patcher.locations(slicer.locations(len(cubes)))
    groups = patcher.expand(slicer.expand(np.array([5, 6])))
    assert len(patches) == len(table) == len(groups)
    assert table.fields == ("cube", "axis", "position", "row", "col")
    assert table.n_cells == n
    assert table.sample_shape == (patch, patch)
    for i, (cube, axis, position, row, col) in enumerate(table.table.tolist()):
        expected = _cube_slice(cubes[cube], axis, position)[row : row + patch, col : col + patch]
        np.testing.assert_array_equal(patches[i], expected)
        assert groups[i] == 5 + cube


def test_single_axis_zero_is_a_view_and_others_one_copy():
    cubes = np.zeros((3, 8, 8, 8), dtype=np.float32)
    assert np.shares_memory(CubeSlicer(axes=0).fit_transform(cubes), cubes)
    out = CubeSlicer(axes=(0, 2), step=2).fit_transform(cubes)
    assert not np.shares_memory(out, cubes)
    assert out.flags.c_contiguous
    assert out.dtype == np.float32


def test_memmap_input_is_not_copied_for_views(tmp_path):
    path = tmp_path / "cubes.dat"
    cubes = np.memmap(path, dtype=np.float32, mode="w+", shape=(2, 8, 8, 8))
    slices = CubeSlicer(axes=0).fit_transform(cubes)
    assert np.shares_memory(slices, cubes)


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.zeros((2, 8, 8)), "shape"),
        (np.zeros((2, 8, 8, 4)), "cubic"),
        (np.full((1, 4, 4, 4), np.nan), "NaN"),
        (np.array([[[["a"]]]]), "numeric"),
    ],
)
def test_bad_cubes_are_refused(X, message):
    with pytest.raises(ValueError, match=message):
        CubeSlicer().fit(X)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"axes": 3}, "axes"),
        ({"axes": "x"}, "axes"),
        ({"axes": (0, 0)}, "axes"),
        ({"step": 0}, "step"),
        ({"offset": 9}, "offset"),
    ],
)
def test_bad_parameters_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        CubeSlicer(**params).fit(np.zeros((1, 8, 8, 8)))


def test_transform_on_other_cube_size_errors():
    slicer = CubeSlicer().fit(np.zeros((1, 8, 8, 8)))
    with pytest.raises(ValueError, match="side 8"):
        slicer.transform(np.zeros((1, 6, 6, 6)))


def test_slice_cubes_order_is_cube_axis_position():
    cubes = np.arange(2 * 27).reshape(2, 3, 3, 3).astype(float)
    out = slice_cubes(cubes, axes=(2, 0))
    np.testing.assert_array_equal(out[0], cubes[0, :, :, 0])
    np.testing.assert_array_equal(out[3], cubes[0, 0])
    np.testing.assert_array_equal(out[6], cubes[1, :, :, 0])


def test_expand_refuses_values_of_the_wrong_length():
    cubes = np.zeros((3, 8, 8, 8))
    slicer = CubeSlicer(axes=0, step=4).fit(cubes)
    with pytest.raises(ValueError, match="3 samples were fitted, got 2 values"):
        slicer.expand([7.0, 8.0])
    assert slicer.expand([7.0, 8.0, 9.0]).tolist() == [7.0, 7.0, 8.0, 8.0, 9.0, 9.0]
    # Other cubes than those fitted: say how many.
    assert slicer.expand([7.0, 8.0], n_samples=2).tolist() == [7.0, 7.0, 8.0, 8.0]
    with pytest.raises(ValueError, match=r"5 samples are expected \(n_samples\), got 2"):
        slicer.expand([7.0, 8.0], n_samples=5)
