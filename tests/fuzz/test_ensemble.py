"""Fuzz of skcosmo21.ensemble: cube-level voting with bad cubes, labels, weights, parameters.

The cube-level probabilities are checked against the slice classifier's own per-slice
probabilities averaged by hand over each cube's slices.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from skcosmo21.ensemble import SliceVotingClassifier
from skcosmo21.preprocessing import CubeSlicer, Flatten

from ._harness import check_generated, check_systematic
from ._kinds import Choice, Fixed, Stack, bad, either, good
from ._targets import Target, finite_array

CUBES = np.random.default_rng(5).normal(size=(4, 4, 4, 4))
CUBES[1::2] += 1.0
LABELS = np.array([0, 1, 0, 1])
SLICER = CubeSlicer(axes=0, step=2)


def _vote_call(X=CUBES, y=LABELS, sample_weight=None, **params):
    # The default slice classifier (power spectrum, moments, logistic regression).
    params = {"slicer": SLICER, **params}
    model = SliceVotingClassifier(**params).fit(X, y, sample_weight=sample_weight)
    return model.classes_, model.predict_proba(X), model


def _vote_check(result, kwargs):
    classes, proba, model = result
    finite_array(proba)
    X = kwargs.get("X", CUBES)
    assert proba.shape == (len(X), len(np.unique(kwargs.get("y", LABELS))))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    slices = model.slicer_.transform(X)
    per_slice = model.estimator_.predict_proba(slices)
    if model.voting == "hard":
        votes = model.estimator_.predict(slices)
        per_slice = (votes[:, None] == classes[None, :]).astype(float)
    expected = per_slice.reshape(len(X), -1, len(classes)).mean(axis=1)
    np.testing.assert_allclose(proba, expected, rtol=1e-6)


TARGETS = [
    Target(
        "ensemble.SliceVotingClassifier",
        _vote_call,
        {},
        {
            "X": Stack(CUBES.shape, square="all", allow_empty=False, values=CUBES),
            "y": Fixed(
                bad("too few labels", LABELS[:3]),
                bad("2-D labels", LABELS[:, None].repeat(2, axis=1)),
                bad("NaN labels", np.array([0.0, np.nan, 0.0, 1.0])),
                bad("mixed int and str", [0, "1", 0, "1"]),
                bad("None", None),
                either("one class", np.zeros(4, int)),
                good("strings", np.array(["a", "b", "a", "b"])),
                good("floats", LABELS.astype(float)),
            ),
            "sample_weight": Fixed(
                bad("wrong length", np.ones(3)),
                bad("negative", np.array([1.0, -1.0, 1.0, 1.0])),
                bad("NaN", np.array([1.0, np.nan, 1.0, 1.0])),
                bad("strings", np.array(["1"] * 4)),
                bad("all zero", np.zeros(4)),
                good("ones", np.ones(4), plain=None),
                good("list", [1, 1, 1, 1], plain=None),
            ),
            "voting": Choice(["soft", "hard"]),
            "slicer": Fixed(
                bad("a string", "all"),
                bad("a PatchExtractor-like object", Flatten()),
                good("CubeSlicer(axes=2, step=2)", CubeSlicer(axes=2, step=2)),
            ),
            "estimator": Fixed(
                bad("a transformer", Flatten()),
                bad("a class, not an instance", LogisticRegression),
                bad("a string", "logistic"),
            ),
        },
        check=_vote_check,
        key=lambda result: result[:2],
    ),
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_every_systematic_case(target, fuzz_dir):
    check_systematic(target, fuzz_dir)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@settings(max_examples=8)
@given(data=st.data())
def test_generated_cases(target, data, fuzz_dir):
    check_generated(target, data, fuzz_dir)
