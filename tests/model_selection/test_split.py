import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcosmo21.model_selection import SpatialBlockKFold, sample_extents
from skcosmo21.preprocessing import CubeSlicer, PatchExtractor


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
    locations = slicer.locations(2)
    n_samples = len(locations)
    if patch is not None:
        patcher = PatchExtractor(patch_size=patch).fit(np.zeros((1, n, n)))
        locations = patcher.locations(locations)
        n_samples = len(locations)
    cv = SpatialBlockKFold(n_cells=n, n_blocks=blocks, gap=gap, sample_size=patch)
    start, stop = sample_extents(locations, n, patch)
    try:
        folds = list(cv.split(np.zeros(n_samples), groups=locations))
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


def test_slices_along_several_axes_cannot_form_blocks():
    locations = CubeSlicer(axes="all").fit(np.zeros((1, 8, 8, 8))).locations(1)
    cv = SpatialBlockKFold(n_cells=8, n_blocks=(2, 2, 1))
    with pytest.raises(ValueError, match="n_blocks must be 1 along"):
        list(cv.split(np.zeros(len(locations)), groups=locations))


def test_requires_locations():
    with pytest.raises(ValueError, match="location table"):
        list(SpatialBlockKFold(n_cells=8).split(np.zeros(4)))
    with pytest.raises(ValueError, match="fields cube, axis, position"):
        list(SpatialBlockKFold(n_cells=8).split(np.zeros(4), groups=np.arange(4)))
    with pytest.raises(ValueError, match="n_blocks"):
        SpatialBlockKFold(n_cells=8, n_blocks=(0, 1, 1)).get_n_splits()
