import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from skcosmo21.ensemble import SliceVotingClassifier
from skcosmo21.feature_extraction import OnePointStatistics
from skcosmo21.preprocessing import CubeSlicer


def _cubes():
    rng = np.random.default_rng(0)
    cubes = rng.normal(size=(6, 8, 8, 8))
    cubes[3:] += 1.0
    return cubes, np.array([7.0, 7.0, 7.0, 9.0, 9.0, 9.0])


def test_documented_sample_weight_reaches_the_pipeline():
    # "Pipeline.fit does not accept the sample_weight parameter" before.
    cubes, y = _cubes()
    slicer = CubeSlicer(axes=0, step=4)
    weights = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    weighted = SliceVotingClassifier(slicer=slicer).fit(cubes, y, sample_weight=weights)
    subset = SliceVotingClassifier(slicer=slicer).fit(cubes[:4], y[:4])
    # Zero weight is the same as leaving the cubes out (every step that takes weights got them).
    np.testing.assert_allclose(
        weighted.predict_proba(cubes), subset.predict_proba(cubes), rtol=1e-4, atol=1e-6
    )


def test_sample_weight_errors_name_the_problem():
    cubes, y = _cubes()
    slicer = CubeSlicer(axes=0, step=4)
    with pytest.raises(ValueError, match=r"sample_weight must hold one weight per cube \(6\)"):
        SliceVotingClassifier(slicer=slicer).fit(cubes, y, sample_weight=np.ones(5))
    no_weights = make_pipeline(OnePointStatistics(n_quantiles=4), KNeighborsClassifier(1))
    with pytest.raises(ValueError, match="final step 'kneighborsclassifier'"):
        SliceVotingClassifier(no_weights, slicer).fit(cubes, y, sample_weight=np.ones(6))


def test_mixed_number_and_string_labels_are_refused():
    cubes, _ = _cubes()
    labels = [7, 7, 7, "9", "9", "9"]
    with pytest.raises(ValueError, match="y must not mix numbers and strings as labels"):
        SliceVotingClassifier(slicer=CubeSlicer(axes=0, step=4)).fit(cubes, labels)
    with pytest.raises(ValueError, match="y must not mix numbers and strings"):
        SliceVotingClassifier(slicer=CubeSlicer(axes=0, step=4)).fit(
            cubes, np.array(labels, dtype=object)
        )
