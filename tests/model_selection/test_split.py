import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, cross_val_score
from sklearn.pipeline import make_pipeline

from skcosmo21.datasets import make_slice_dataset
from skcosmo21.model_selection import SpatialBlockKFold
from skcosmo21.preprocessing import (
    CubeSlicer,
    Flatten,
    ImageStandardizer,
    PatchExtractor,
    SampleLocations,
)


def _periodic_distance(start_a, stop_a, start_b, stop_b, n):
    """Per-axis gap (cells) between periodic intervals; 0 if they overlap."""
    gaps = []
    for a in range(3):
        best = n
        for shift in (-n, 0, n):
            lo, hi = start_b[a] + shift, stop_b[a] + shift
            if stop_a[a] <= lo:
                best = min(best, lo - stop_a[a])
            elif hi <= start_a[a]:
                best = min(best, start_a[a] - hi)
            else:
                best = 0
        gaps.append(best)
    return max(gaps)  # separated along any one axis is enough


def _n_overlaps(locations, train, test):
    """Train/test pairs whose 3-D extents share a cell, with periodic boundaries."""
    start, stop = locations.extents()
    n = locations.n_cells
    overlaps = np.ones((len(train), len(test)), dtype=bool)
    for a in range(3):
        s_tr, e_tr = start[train, a][:, None], stop[train, a][:, None]
        s_te, e_te = start[test, a][None, :], stop[test, a][None, :]
        overlaps &= ((s_tr - s_te) % n < e_te - s_te) | ((s_te - s_tr) % n < e_tr - s_tr)
    return int(overlaps.sum())


@settings(max_examples=40, deadline=None)
@given(
    n=st.sampled_from([8, 12, 16]),
    blocks=st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(1, 2)),
    gap=st.integers(0, 3),
    patch=st.sampled_from([None, 2, 4]),
    axes=st.sampled_from([0, 1, 2, (0, 1), "all"]),
)
def test_no_training_sample_within_gap_of_a_test_sample(n, blocks, gap, patch, axes):
    cubes = np.zeros((2, n, n, n), np.float32)
    slicer = CubeSlicer(axes=axes, step=1).fit(cubes)
    locations = slicer.locations()
    if patch is not None:
        patcher = PatchExtractor(patch_size=patch).fit(np.zeros((1, n, n)))
        locations = patcher.locations(locations)
    cv = SpatialBlockKFold(locations, n_blocks=blocks, gap=gap)
    start, stop = locations.extents()
    try:
        folds = list(cv.split(np.zeros(len(locations))))
    except ValueError as error:  # layouts with no usable fold must say why
        folds, message = None, str(error)
    if folds is None:
        assert "n_blocks must be 1 along" in message
        return
    assert len(folds) == cv.get_n_splits()
    for train, test in folds:
        assert len(train) > 0
        assert len(test) > 0
        assert not set(train) & set(test)
        for i in test[:: max(1, len(test) // 5)]:
            for j in train[:: max(1, len(train) // 50)]:
                assert _periodic_distance(start[j], stop[j], start[i], stop[i], n) >= gap


def test_grid_and_patch_size_come_from_the_data_so_every_position_is_tested(small_cubes):
    # Today's SpatialBlockKFold(n_cells=8) on 16-cell cubes never tested positions 8-15: the
    # cube side is now read from the locations, so the blocks cover the whole cube.
    data = make_slice_dataset(small_cubes, "redshift", CubeSlicer(axes=0))
    assert data.locations.n_cells == 16
    cv = SpatialBlockKFold(data.locations, n_blocks=(4, 1, 1))
    tested = np.concatenate([test for _, test in cv.split(data.X)])
    assert sorted(np.unique(data.locations["position"][tested])) == list(range(16))


def test_overlapping_patches_never_straddle_the_gap(small_cubes):
    # 8-pixel patches cut at stride 4: with the patch side typed as 4, 1,536 train/test pairs
    # overlapped. The side now comes from the locations; no pair may share a cell.
    data = make_slice_dataset(
        small_cubes, "redshift", CubeSlicer(axes=0, step=2), PatchExtractor(patch_size=8, stride=4)
    )
    assert data.locations.sample_shape == (8, 8)
    for blocks, gap in [((4, 1, 1), 0), ((2, 2, 2), 0), ((2, 2, 2), 1)]:
        folds = list(SpatialBlockKFold(data.locations, n_blocks=blocks, gap=gap).split(data.X))
        assert len(folds) == np.prod(blocks)
        for train, test in folds:
            assert _n_overlaps(data.locations, train, test) == 0


def test_geometry_that_does_not_cover_the_data_cannot_be_built():
    table = np.zeros(2, dtype=[("cube", int), ("axis", int), ("position", int)])
    table["position"] = [3, 12]
    with pytest.raises(ValueError, match=r"positions must lie in \[0, n_cells=8\)"):
        SampleLocations(table, n_cells=8, sample_shape=(8, 8))
    with pytest.raises(ValueError, match="sample_shape"):
        SampleLocations(table, n_cells=16, sample_shape=(8, 8))


def test_slices_along_several_axes_cannot_form_blocks():
    locations = CubeSlicer(axes="all").fit(np.zeros((1, 8, 8, 8))).locations()
    cv = SpatialBlockKFold(locations, n_blocks=(2, 2, 1))
    with pytest.raises(ValueError, match="n_blocks must be 1 along"):
        list(cv.split(np.zeros(len(locations))))


@pytest.mark.parametrize(
    ("n_blocks", "gap"), [(4, 0), ((0, 1, 1), 0), ((4, 1), 0), ((2.5, 1, 1), 0), ((9, 1, 1), 0)]
)
def test_bad_blocks_get_a_clear_error(n_blocks, gap):
    locations = CubeSlicer(axes=0).fit(np.zeros((1, 8, 8, 8))).locations()
    with pytest.raises(ValueError, match=r"n_blocks must be 3 integers.*e\.g\. \(4, 1, 1\)"):
        SpatialBlockKFold(locations, n_blocks=n_blocks, gap=gap)


def test_bad_locations_and_sizes_are_refused():
    locations = CubeSlicer(axes=0).fit(np.zeros((1, 8, 8, 8))).locations()
    with pytest.raises(TypeError, match="SampleLocations"):
        SpatialBlockKFold(locations.table)
    with pytest.raises(ValueError, match="gap"):
        SpatialBlockKFold(locations, gap=-1)
    with pytest.raises(ValueError, match=r"X must have one sample per location \(8\), got 4"):
        list(SpatialBlockKFold(locations).split(np.zeros(4)))
    images = PatchExtractor(patch_size=4).fit(np.zeros((2, 8, 8))).locations()
    with pytest.raises(ValueError, match="slices of cubes"):
        SpatialBlockKFold(images)


def test_works_in_cross_val_score_on_a_subset(small_cubes):
    data = make_slice_dataset(small_cubes, "redshift", CubeSlicer(axes=0))
    one = data.groups == 0
    model = make_pipeline(ImageStandardizer(), Flatten(), LogisticRegression(max_iter=2000))
    cv = SpatialBlockKFold(data.locations[one], n_blocks=(4, 1, 1), gap=1)
    scores = cross_val_score(model, data.X[one], data.y[one].astype(str), cv=cv)
    assert len(scores) == 4
    assert np.all((scores >= 0) & (scores <= 1))


@pytest.mark.parametrize("splitter", [GroupKFold(3), LeaveOneGroupOut()], ids=type)
def test_a_location_table_is_refused_as_group_labels(small_cubes, splitter):
    # GroupKFold(3).split(X, y, groups=data.locations) used to put every cube on both sides
    # of every fold.
    data = make_slice_dataset(small_cubes, "redshift", CubeSlicer(axes=0, step=4))
    message = "groups must be group labels, not a location table .*: pass data.groups"
    with pytest.raises(TypeError, match=message):
        list(splitter.split(data.X, data.y, groups=data.locations))
    model = make_pipeline(ImageStandardizer(), Flatten(), LogisticRegression(max_iter=2000))
    with pytest.raises(TypeError, match=message):
        cross_val_score(model, data.X, data.y.astype(str), groups=data.locations, cv=splitter)
    # The labels meant for it work.
    assert (
        len(
            cross_val_score(model, data.X, data.y.astype(str), groups=data.groups, cv=GroupKFold(2))
        )
        == 2
    )
