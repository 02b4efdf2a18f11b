import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.metrics import r2_score

from skcosmo21.neural import (
    AutoencoderEncoder,
    ConvClassifier,
    ConvRegressor,
    DenseClassifier,
    DenseRegressor,
)

FAST = {"epochs": 15, "learning_rate": 0.01, "random_state": 0, "batch_size": 16}
SMALL_CONV = {"filters": (8,), "dense_units": (16,)}


def _split(groups, test_group):
    return groups != test_group, groups == test_group


@pytest.mark.parametrize("estimator", [DenseClassifier(), ConvClassifier()])
def test_classifiers_are_classifiers(estimator):
    assert is_classifier(estimator)
    assert not is_regressor(estimator)


@pytest.mark.parametrize("estimator", [DenseRegressor(), ConvRegressor()])
def test_regressors_are_regressors(estimator):
    assert is_regressor(estimator)
    assert not is_classifier(estimator)


@pytest.mark.parametrize(
    "estimator",
    [DenseClassifier(hidden_layer_sizes=(32,), **FAST), ConvClassifier(**SMALL_CONV, **FAST)],
    ids=["dense", "conv"],
)
def test_classifiers_learn_held_out_realization(estimator, two_redshift_slices):
    X, y, groups = two_redshift_slices
    train, test = _split(groups, 3)
    estimator.fit(X[train], y[train], groups=groups[train])
    assert estimator.score(X[test], y[test]) >= 0.9
    assert estimator.classes_.tolist() == [7.0, 10.0]


@pytest.mark.parametrize(
    "estimator",
    [
        DenseRegressor(hidden_layer_sizes=(32,), alpha=0.01, **FAST),
        ConvRegressor(**SMALL_CONV, **FAST),
    ],
    ids=["dense", "conv"],
)
def test_regressors_learn_held_out_realization(estimator, redshift_regression_slices):
    X, y, groups = redshift_regression_slices
    train, test = _split(groups, 3)
    estimator.fit(X[train], y[train], groups=groups[train])
    assert r2_score(y[test], estimator.predict(X[test])) >= 0.8


def test_joint_targets_one_network_two_heads(four_redshift_slices):
    X, y, groups = four_redshift_slices
    y = y.astype(str)
    clf = ConvClassifier(**SMALL_CONV, **FAST).fit(X, y, groups=groups)
    assert len(clf.model_.outputs) == 2
    assert [c.tolist() for c in clf.classes_] == [sorted(set(y[:, 0])), sorted(set(y[:, 1]))]
    proba = clf.predict_proba(X[:5])
    assert [p.shape for p in proba] == [(5, 4), (5, 2)]
    predicted = clf.predict(X)
    assert predicted.shape == y.shape
    assert clf.score(X, y) == pytest.approx(np.mean(np.all(predicted == y, axis=1)))


def test_pickle_and_joblib_round_trips_give_identical_predictions(tmp_path, two_redshift_slices):
    X, y, _ = two_redshift_slices
    clf = DenseClassifier(hidden_layer_sizes=(8,), epochs=2, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clf.predict_proba(X), restored.predict_proba(X))
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(
        clf.predict_proba(X), joblib.load(tmp_path / "clf.joblib").predict_proba(X)
    )


def test_clone_and_params_round_trip():
    clf = ConvClassifier(filters=(4, 8), learning_rate=0.05, random_state=3)
    params = clf.get_params()
    assert params["filters"] == (4, 8)
    twin = clone(clf)
    assert twin.get_params() == params
    twin.set_params(learning_rate=0.1)
    assert twin.learning_rate == 0.1
    assert clf.learning_rate == 0.05
    with pytest.raises(ValueError, match="learnig_rate"):
        twin.set_params(learnig_rate=0.1)


def test_same_random_state_is_exactly_repeatable(two_redshift_slices):
    X, y, groups = two_redshift_slices
    # Dropout and augmentation draw random numbers too: all of them follow random_state.
    params = dict(**SMALL_CONV, epochs=2, dropout=0.3, augment=True, random_state=5)
    a = ConvClassifier(**params).fit(X, y, groups=groups)
    b = ConvClassifier(**params).fit(X, y, groups=groups)
    np.testing.assert_array_equal(a.validation_mask_, b.validation_mask_)
    assert a.history_["loss"] == b.history_["loss"]
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = ConvClassifier(**{**params, "random_state": 6}).fit(X, y, groups=groups)
    assert c.history_["loss"] != a.history_["loss"]


def test_validation_split_by_groups_is_kept_when_training_resumes(two_redshift_slices):
    X, y, groups = two_redshift_slices
    clf = DenseClassifier(
        hidden_layer_sizes=(8,), epochs=2, validation_fraction=0.25, warm_start=True, random_state=1
    )
    clf.fit(X, y, groups=groups)
    mask = clf.validation_mask_.copy()
    held_out = set(groups[mask])
    assert held_out
    assert held_out.isdisjoint(groups[~mask])  # whole realizations held out
    assert len(clf.history_["loss"]) == 2
    assert len(clf.history_["val_loss"]) == 2
    clf.fit(X, y, groups=groups)
    np.testing.assert_array_equal(clf.validation_mask_, mask)
    assert len(clf.history_["loss"]) == len(clf.history_["val_loss"]) == 4


def test_checkpoint_lets_an_interrupted_fit_resume(tmp_path, two_redshift_slices):
    X, y, groups = two_redshift_slices
    params = dict(hidden_layer_sizes=(8,), random_state=2, checkpoint_dir=tmp_path / "ckpt")
    # An "interrupted" run: 2 of the 4 epochs were done and checkpointed.
    first = DenseClassifier(epochs=2, **params).fit(X, y, groups=groups)
    resumed = DenseClassifier(epochs=4, resume=True, **params).fit(X, y, groups=groups)
    assert len(resumed.history_["loss"]) == 4
    assert resumed.history_["loss"][:2] == pytest.approx(first.history_["loss"])
    np.testing.assert_array_equal(resumed.validation_mask_, first.validation_mask_)
    # Other parameters: not resumed, replaced, with a warning that says so.
    with pytest.warns(UserWarning, match="other parameters"):
        other = DenseClassifier(
            hidden_layer_sizes=(16,),
            epochs=2,
            random_state=2,
            resume=True,
            checkpoint_dir=tmp_path / "ckpt",
        ).fit(X, y, groups=groups)
    assert len(other.history_["loss"]) == 2


def test_early_stopping_stops_on_unlearnable_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)).astype(np.float32)
    y = rng.integers(0, 2, 200)  # noise: validation loss cannot keep improving
    clf = DenseClassifier(
        hidden_layer_sizes=(64,),
        epochs=100,
        learning_rate=0.02,
        early_stopping=True,
        n_iter_no_change=3,
        random_state=0,
    ).fit(X, y)
    assert len(clf.history_["loss"]) < 100


def test_class_weight_shifts_decisions_to_the_rare_class():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 2)).astype(np.float32)
    y = (X[:, 0] + 0.8 * rng.normal(size=400) > 1.2).astype(int)  # rare, noisy class 1
    plain = DenseClassifier(hidden_layer_sizes=(8,), **FAST).fit(X, y)
    weighted = DenseClassifier(hidden_layer_sizes=(8,), class_weight="balanced", **FAST).fit(X, y)
    assert weighted.predict(X).sum() > plain.predict(X).sum()


def test_autoencoder_learns_and_documents_shapes(two_redshift_slices):
    X, _, _ = two_redshift_slices
    ae = AutoencoderEncoder(epochs=8, learning_rate=0.01, random_state=0).fit(X)
    loss = ae.history_["loss"]
    assert loss[-1] < 0.7 * loss[0]  # reconstruction error falls
    assert ae.code_shape_ == (2, 2, 8)  # 16 x 16 -> three 2x poolings
    assert ae.transform(X[:3]).shape == (3, 2, 2, 8)
    assert ae.inverse_transform(ae.transform(X[:3])).shape == (3, 16, 16)
    flat = clone(ae).set_params(flatten=True, epochs=1).fit(X)
    assert flat.transform(X[:3]).shape == (3, 32)
    assert ae.score(X) > -1.0
    assert not hasattr(ae, "predict")


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.full((10, 8, 8), np.nan, np.float32), "NaN"),
        (np.zeros((10, 8, 8, 1, 1), np.float32), "needs signals"),
    ],
)
def test_conv_bad_input(X, message):
    with pytest.raises(ValueError, match=message):
        ConvClassifier(epochs=1).fit(X, np.arange(10) % 2)


def test_conv_takes_signals_as_one_dimensional_convolutions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 12)).astype(np.float32)
    y = np.repeat([0, 1], 32)
    X[y == 1] *= 3.0  # louder signals
    clf = ConvClassifier(**SMALL_CONV, **FAST).fit(X, y)
    assert [layer.__class__.__name__ for layer in clf.model_.layers][1] == "Conv1D"
    assert clf.score(X, y) > 0.9


def test_bad_hyperparameters_are_named():
    X, y = np.zeros((10, 4), np.float32), np.arange(10) % 2
    with pytest.raises(ValueError, match="epochs"):
        DenseClassifier(epochs=0).fit(X, y)
    with pytest.raises(ValueError, match="validation_fraction"):
        DenseClassifier(validation_fraction=1.5).fit(X, y)
    with pytest.raises(ValueError, match="optimizer"):
        DenseClassifier(optimizer="lbfgs").fit(X, y)
    clf = DenseClassifier(hidden_layer_sizes=(4,), epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="expecting 4 features"):
        clf.predict(np.zeros((3, 5), np.float32))
