import pickle

import numpy as np
import pytest
from sklearn.utils import _safe_indexing

from skcosmo21.preprocessing import CubeSlicer, PatchExtractor, SampleLocations


@pytest.fixture
def patches():
    slices = CubeSlicer(axes=(0, 2), step=4).fit(np.zeros((3, 8, 8, 8))).locations(pixel_size=1.5)
    return PatchExtractor(patch_size=4).fit(np.zeros((1, 8, 8))).locations(slices)


def test_fields_length_and_grid(patches):
    assert len(patches) == patches.shape[0] == 3 * 2 * 2 * 4
    assert patches.fields == ("cube", "axis", "position", "row", "col")
    assert (patches.n_cells, patches.sample_shape, patches.pixel_size) == (8, (4, 4), 1.5)
    assert patches["cube"].tolist() == np.repeat([0, 1, 2], 16).tolist()
    with pytest.raises(ValueError, match="read-only"):
        patches["cube"][0] = 5
    row = patches[17]
    assert (row["cube"], row["axis"], row["position"], row["row"], row["col"]) == (1, 0, 0, 0, 4)
    assert repr(patches).startswith("SampleLocations(n_samples=48, n_cells=8")


@pytest.mark.parametrize(
    "key",
    [slice(3, 9), np.arange(5, 20, 3), [0, 47], np.arange(48) % 3 == 0],
    ids=["slice", "int-array", "list", "bool-mask"],
)
def test_indexing_returns_a_table_on_the_same_grid(patches, key):
    subset = patches[key]
    assert isinstance(subset, SampleLocations)
    np.testing.assert_array_equal(subset["position"], patches["position"][key])
    assert (subset.n_cells, subset.sample_shape, subset.pixel_size) == (8, (4, 4), 1.5)
    # The way scikit-learn's cross-validation indexes fit parameters of every fold.
    indices = np.arange(48)[key]
    via_sklearn = _safe_indexing(patches, indices)
    assert isinstance(via_sklearn, SampleLocations)
    np.testing.assert_array_equal(via_sklearn.table, subset.table)


def test_pickles_and_iterates(patches):
    restored = pickle.loads(pickle.dumps(patches))
    np.testing.assert_array_equal(restored.table, patches.table)
    assert restored.pixel_size == 1.5
    assert [tuple(r) for r in patches][:2] == [(0, 0, 0, 0, 0), (0, 0, 0, 0, 4)]


def test_refuses_to_become_a_plain_array(patches):
    with pytest.raises(TypeError, match="groups must be group labels, not a location table"):
        np.asarray(patches)
    assert patches.table.dtype.names == patches.fields


def test_extents_of_slices_and_patches(patches):
    start, stop = patches.extents()
    # Row 17: cube 1, slice along axis 0 at position 0, patch at (row 0, col 4).
    assert start[17].tolist() == [0, 0, 4]
    assert stop[17].tolist() == [1, 4, 8]
    along_2 = np.flatnonzero(patches["axis"] == 2)[0]
    assert start[along_2].tolist() == [0, 0, 0]
    assert stop[along_2].tolist() == [4, 4, 1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_cells": 8, "sample_shape": (8, 8), "pixel_size": -1.0}, "pixel_size"),
        ({"n_cells": 8, "sample_shape": (8,)}, "sample_shape"),
        ({"n_cells": None, "sample_shape": (8, 8)}, "n_cells"),
        ({"n_cells": 4, "sample_shape": (4, 4)}, r"positions must lie in \[0, n_cells=4\)"),
    ],
)
def test_construction_checks_the_grid(kwargs, message):
    table = np.zeros(2, dtype=[("cube", int), ("axis", int), ("position", int)])
    table["position"] = [0, 6]
    with pytest.raises(ValueError, match=message):
        SampleLocations(table, **kwargs)


def test_patches_that_do_not_fit_the_cube_are_refused():
    table = np.zeros(
        1, dtype=[("cube", int), ("axis", int), ("position", int), ("row", int), ("col", int)]
    )
    table["row"] = 6
    with pytest.raises(ValueError, match="patches of 4 pixels must fit in cubes of side n_cells=8"):
        SampleLocations(table, n_cells=8, sample_shape=(4, 4))
