"""Fuzz of skcosmo21.model_selection: the splitter refuses geometry it cannot honour.

Every fold it yields is checked by brute force: no sample on both sides, every test sample
inside one block, and no training sample within ``gap`` cells of a test sample (periodic).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcosmo21.model_selection import SpatialBlockKFold
from skcosmo21.preprocessing import CubeSlicer, PatchExtractor

from ._harness import check_generated, check_systematic
from ._kinds import Fixed, Int, bad, good
from ._targets import Target

N = 8
SLICES = CubeSlicer(axes=0).fit(np.zeros((2, N, N, N))).locations()
PATCHES = PatchExtractor(patch_size=4).fit(np.zeros((1, N, N))).locations(SLICES)
IMAGE_PATCHES = PatchExtractor(patch_size=4).fit(np.zeros((2, N, N))).locations()


def _periodic_gap(start_a, stop_a, start_b, stop_b, n):
    """Smallest distance in cells between two boxes on a periodic grid (0 if they touch)."""
    gaps = []
    for a in range(3):
        forward = (start_b[a] - stop_a[a]) % n
        backward = (start_a[a] - stop_b[a]) % n
        overlap = (start_a[a] - start_b[a]) % n < stop_b[a] - start_b[a] or (
            start_b[a] - start_a[a]
        ) % n < stop_a[a] - start_a[a]
        gaps.append(0 if overlap else min(forward, backward) + 1)
    return max(gaps) - 1 if max(gaps) else -1


def _split_call(locations=SLICES, n_blocks=(4, 1, 1), gap=0, X="one per location"):
    cv = SpatialBlockKFold(locations, n_blocks=n_blocks, gap=gap)
    X = np.zeros(len(locations)) if isinstance(X, str) else X
    return cv.get_n_splits(), list(cv.split(X))


def _folds_check(result, kwargs):
    n_splits, folds = result
    locations = kwargs.get("locations", SLICES)
    assert len(folds) == n_splits == int(np.prod(kwargs.get("n_blocks", (4, 1, 1))))
    start, stop = locations.extents()
    gap = int(kwargs.get("gap", 0))
    for train, test in folds:
        assert len(train)
        assert len(test)
        assert not np.intersect1d(train, test).size, "a sample on both sides"
        for i in test:
            for j in train:
                distance = _periodic_gap(start[j], stop[j], start[i], stop[i], N)
                assert distance >= gap, f"train {j} is {distance} cells from test {i}"


TARGETS = [
    Target(
        "model_selection.SpatialBlockKFold",
        _split_call,
        {},
        {
            "locations": Fixed(
                bad("group labels", np.repeat([0, 1], N)),
                bad("the plain table", SLICES.table),
                bad("patches of images (no cube)", IMAGE_PATCHES),
                bad("None", None),
                good("patches of slices", PATCHES),
            ),
            "n_blocks": Fixed(
                bad("one number", 4),
                bad("two numbers", (4, 1)),
                bad("zero blocks", (0, 1, 1)),
                bad("float", (4.0, 1, 1)),
                bad("more blocks than cells", (N + 1, 1, 1)),
                bad("string", "4,1,1"),
                bad("bool", (True, 1, 1)),
                bad("blocks across the slices", (2, 2, 1)),
                good("list", [4, 1, 1], plain=(4, 1, 1)),
                good("numpy", np.array([2, 1, 1]), plain=(2, 1, 1)),
            ),
            "gap": Fixed(*Int(0, example=1).values(), bad("no room left for training", N)),
            "X": Fixed(bad("wrong length", np.zeros(3)), bad("None", None)),
        },
        check=_folds_check,
    ),
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_every_systematic_case(target, fuzz_dir):
    check_systematic(target, fuzz_dir)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@settings(max_examples=12)
@given(data=st.data())
def test_generated_cases(target, data, fuzz_dir):
    check_generated(target, data, fuzz_dir)
