import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline

from skcosmo21.neural import AutoencoderEncoder, ConvClassifier


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


class RecordingGroupKFold(GroupKFold):
    """GroupKFold that remembers the groups it was given."""

    seen = []

    def split(self, X, y=None, groups=None):
        RecordingGroupKFold.seen.append(None if groups is None else np.asarray(groups).copy())
        return super().split(X, y, groups)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_architectures_routes_groups(routing, n_jobs, two_redshift_slices):
    X, y, groups = two_redshift_slices
    pipe = make_pipeline(
        AutoencoderEncoder(
            encoder_filters=(4,), decoder_filters=(4,), epochs=2, random_state=0
        ).set_fit_request(groups=True),
        ConvClassifier(
            dense_units=(8,), epochs=6, random_state=0, validation_fraction=0.25
        ).set_fit_request(groups=True),
    )
    grid = {"convclassifier__filters": [(4,), (8,)], "convclassifier__learning_rate": [0.01]}
    RecordingGroupKFold.seen = []
    search = GridSearchCV(pipe, grid, cv=RecordingGroupKFold(3), n_jobs=n_jobs)
    search.fit(X, y, groups=groups)
    # The splitter got the groups ...
    np.testing.assert_array_equal(RecordingGroupKFold.seen[0], groups)
    # ... and so did the network's internal validation split: whole realizations held out.
    classifier = search.best_estimator_[-1]
    mask = classifier.validation_mask_
    assert set(groups[mask]).isdisjoint(groups[~mask])
    assert search.best_score_ > 0.8
    assert len(search.cv_results_["params"]) == 2
