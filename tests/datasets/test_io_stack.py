"""CubeStack: boxes that stay on disk, read one at a time by the slicing steps."""

import pickle
import tracemalloc

import numpy as np
import pytest

from skcosmo21.datasets import CubeStack, load_21cmfast, make_slice_dataset
from skcosmo21.preprocessing import CubeSlicer, slice_cubes


@pytest.fixture
def boxes(tmp_path):
    """Five raw 16³ delta_T/density pairs and the same values in memory."""
    rng = np.random.default_rng(0)
    cubes = rng.uniform(0, 30, size=(5, 16, 16, 16)).astype("<f4")
    for i, cube in enumerate(cubes):
        z = 7.0 + i
        cube.tofile(tmp_path / f"delta_T_z{z:06.2f}_nf0.500000_useTs0_16_48Mpc")
        (cube / 30).tofile(tmp_path / f"updated_smoothed_deltax_z{z:06.2f}_16_48Mpc")
    return tmp_path, cubes


def test_stack_behaves_like_a_read_only_array(boxes):
    folder, cubes = boxes
    stack = load_21cmfast(folder).delta_T
    assert isinstance(stack, CubeStack)
    assert (stack.shape, stack.dtype, stack.ndim, len(stack)) == ((5, 16, 16, 16), "f4", 4, 5)
    assert stack.nbytes == cubes.nbytes
    np.testing.assert_array_equal(stack[3], cubes[3])
    np.testing.assert_array_equal(stack[-1, 2], cubes[-1, 2])
    np.testing.assert_array_equal(np.asarray(stack[1:4]), cubes[1:4])
    np.testing.assert_array_equal(np.asarray(stack[[4, 0]]), cubes[[4, 0]])
    np.testing.assert_array_equal(
        np.asarray(stack[cubes.mean(axis=(1, 2, 3)) > 15]), cubes[cubes.mean(axis=(1, 2, 3)) > 15]
    )
    np.testing.assert_array_equal(np.asarray(stack, dtype=np.float64), cubes.astype(np.float64))
    assert np.mean(stack) == pytest.approx(cubes.mean())
    np.testing.assert_array_equal(stack > 15, cubes > 15)
    np.testing.assert_array_equal(stack * 2 - cubes, cubes)
    np.testing.assert_array_equal([cube.sum() for cube in stack], cubes.sum(axis=(1, 2, 3)))
    again = pickle.loads(pickle.dumps(stack))
    np.testing.assert_array_equal(np.asarray(again), cubes)
    assert "CubeStack(n_cubes=5" in repr(stack)


def test_stack_index_errors(boxes):
    folder, _ = boxes
    stack = load_21cmfast(folder).delta_T
    with pytest.raises(IndexError, match=r"must be in \[-5, 5\) for 5 cubes"):
        stack[5]
    with pytest.raises(IndexError, match="one cube at a time"):
        stack[:, 0]
    with pytest.raises(IndexError, match="boolean index must have one entry per cube"):
        stack[np.ones(3, bool)]
    with pytest.raises(IndexError, match="integer, a slice"):
        stack[[0.5]]
    with pytest.raises(ValueError, match="cannot become an array without reading"):
        np.asarray(stack, copy=False)


def test_stack_from_files_checks_sizes_and_shapes(boxes):
    folder, _ = boxes
    files = sorted(folder.glob("delta_T_*"))
    assert CubeStack.from_raw_files(files, n_cells=16).shape == (5, 16, 16, 16)
    with pytest.raises(ValueError, match=r"must hold 4 \* 8\^3 = 2048 bytes"):
        CubeStack.from_raw_files(files, n_cells=8)
    with pytest.raises(ValueError, match="at least one cube"):
        CubeStack([])


@pytest.mark.parametrize("axes", [0, 1, 2, "all", (2, 0)])
@pytest.mark.parametrize("n_jobs", [None, 2])
def test_slicing_a_stack_equals_slicing_the_array(boxes, axes, n_jobs):
    folder, cubes = boxes
    stack = load_21cmfast(folder).delta_T
    expected = slice_cubes(cubes, axes, step=3, offset=1)
    np.testing.assert_array_equal(slice_cubes(stack, axes, 3, 1, n_jobs=n_jobs), expected)
    slicer = CubeSlicer(axes=axes, step=3, offset=1, n_jobs=n_jobs).fit(stack)
    np.testing.assert_array_equal(slicer.transform(stack), expected)


def test_slice_dataset_from_a_stack(boxes):
    folder, cubes = boxes
    data = load_21cmfast(folder, metadata=lambda path: {"seed": 1})
    dataset = make_slice_dataset(data, "redshift", CubeSlicer(axes=2, step=4))
    np.testing.assert_array_equal(dataset.X, slice_cubes(cubes, 2, step=4))
    assert dataset.y.tolist() == np.repeat([7.0, 8.0, 9.0, 10.0, 11.0], 4).tolist()
    assert set(dataset.groups.tolist()) == {0}


def test_loading_and_slicing_a_stack_allocates_about_one_box(tmp_path):
    """40 boxes of 64³ (40 MiB): loading and slicing allocate the output plus about a box."""
    n, count = 64, 40
    box = np.random.default_rng(1).uniform(0, 30, n**3).astype("<f4")
    for i in range(count):
        box.tofile(tmp_path / f"delta_T_z{6 + 0.1 * i:06.2f}_nf0.500000_useTs0_{n}_128Mpc")
    tracemalloc.start()
    data = load_21cmfast(tmp_path, fields="delta_T")
    loaded = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    images = CubeSlicer(axes=0, step=16).fit(data.delta_T).transform(data.delta_T)
    sliced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    box_bytes = 4 * n**3
    assert images.shape == (count * 4, n, n)
    assert loaded < box_bytes  # the values stay on disk
    assert sliced < images.nbytes + 2 * box_bytes  # one box at a time, not all 40
