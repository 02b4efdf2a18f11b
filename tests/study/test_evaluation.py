import logging

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skcosmo21.datasets import make_slice_dataset
from skcosmo21.preprocessing import CubeSlicer, Flatten, ImageStandardizer
from skcosmo21.study import _evaluation, evaluate, leave_one_realization_out


@pytest.fixture
def slices(small_cubes):
    data = make_slice_dataset(small_cubes, "redshift", CubeSlicer(axes=0, step=4))
    data.neutral_fraction = small_cubes.neutral_fraction[data.locations["cube"]]
    return data


def _model(C=1.0):
    return make_pipeline(ImageStandardizer(), Flatten(), LogisticRegression(C=C, max_iter=500))


def _trainings(caplog):
    found = sum(r.getMessage().startswith("training") for r in caplog.records)
    caplog.clear()
    return found


def test_folds_are_leave_one_group_out_over_realizations(slices):
    folds = list(leave_one_realization_out(slices))
    assert [fold.name for fold in folds] == ["realization 0", "realization 1"]
    for fold in folds:
        assert len(np.unique(slices.groups[fold.test])) == 1
        assert not set(slices.groups[fold.train]) & set(slices.groups[fold.test])
        assert len(fold.train) + len(fold.test) == len(slices.X)


def test_evaluation_matches_a_plain_fit_and_predict(slices):
    evaluation = evaluate(
        _model(), leave_one_realization_out(slices), memory=joblib.Memory(None, verbose=0)
    )
    for fold, result in zip(leave_one_realization_out(slices), evaluation["folds"], strict=True):
        labels = _evaluation.as_labels(slices.y)
        fitted = _model().fit(slices.X[fold.train], labels[fold.train])
        expected = np.mean(fitted.predict(slices.X[fold.test]) == labels[fold.test])
        assert result["accuracy"] == pytest.approx(expected)
        assert result["n_test"] == len(fold.test)
    assert len(evaluation["y_true"]) == len(evaluation["neutral_fraction"]) == len(slices.X)


def test_cache_key_is_params_fold_data_and_source_fingerprint(
    slices, tmp_path, caplog, monkeypatch
):
    caplog.set_level(logging.INFO, logger="skcosmo21.run")
    memory = joblib.Memory(tmp_path, verbose=0)

    def run(model):
        return evaluate(model, leave_one_realization_out(slices), memory=memory, label="t")

    first = run(_model())
    assert _trainings(caplog) == 2
    assert run(_model())["folds"] == first["folds"]  # same code, params and data: cached
    assert _trainings(caplog) == 0
    run(_model(C=0.5))  # other parameters
    assert _trainings(caplog) == 2
    # Changed library code: a new source fingerprint misses the cache, whatever the version.
    monkeypatch.setattr(_evaluation, "source_fingerprint", lambda: "f" * 64)
    run(_model())
    assert _trainings(caplog) == 2
    run(_model())
    assert _trainings(caplog) == 0
