"""State of a fit across refits, warm starts and checkpoints; parameter and data validation.

Each test here failed on the scikeras-based wrapper (issue #17 item 6, issue #13).
"""

import json

import numpy as np
import pytest
from sklearn.model_selection import KFold, cross_validate

from skcosmo21.neural import (
    AutoencoderEncoder,
    ConvClassifier,
    DenseClassifier,
    DenseRegressor,
    _checkpoint,
)

TINY = {"hidden_layer_sizes": (8,), "learning_rate": 0.03, "batch_size": 32}


@pytest.fixture(scope="module")
def separable():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 6)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


# ------------------------------------------------------------------ checkpoints
def test_a_fresh_fit_never_takes_up_another_fits_checkpoint(tmp_path, separable):
    X, y = separable
    folder = tmp_path / "ckpt"
    DenseClassifier(epochs=6, random_state=0, checkpoint_dir=folder, **TINY).fit(X, y)
    # Same shape, flipped labels: the old wrapper restored the first model (score ~0.03).
    flipped = DenseClassifier(epochs=6, random_state=0, checkpoint_dir=folder, **TINY)
    with pytest.warns(UserWarning, match="starts afresh"):
        flipped.fit(X, 1 - y)
    assert flipped.score(X, 1 - y) > 0.9
    # Asked to resume, but the data differ: not resumed either.
    with pytest.warns(UserWarning, match="other data"):
        again = DenseClassifier(
            epochs=6, random_state=0, checkpoint_dir=folder, resume=True, **TINY
        ).fit(X, y)
    assert again.score(X, y) > 0.9
    assert len(again.history_["loss"]) == 6


def test_cross_validation_with_one_checkpoint_folder_trains_every_fold(tmp_path, separable):
    X, y = separable
    estimator = DenseClassifier(
        epochs=3, random_state=0, checkpoint_dir=tmp_path / "ckpt", resume=True, **TINY
    )
    with pytest.warns(UserWarning, match="other data"):
        result = cross_validate(estimator, X, y, cv=KFold(3), return_estimator=True)
    histories = [e.history_["loss"] for e in result["estimator"]]
    assert [len(h) for h in histories] == [3, 3, 3]  # no fold got fold 0's finished model
    assert histories[0] != histories[1] != histories[2]


def test_resumed_fit_equals_an_uninterrupted_one(tmp_path, monkeypatch, separable):
    X, y = separable
    params = dict(epochs=4, random_state=1, validation_fraction=0.2, **TINY)
    uninterrupted = DenseClassifier(**params).fit(X, y)

    writes = []
    real_write = _checkpoint.CheckpointFolder.write

    def write_then_die(self, *args, **kwargs):
        real_write(self, *args, **kwargs)
        writes.append(1)
        if len(writes) == 2:
            raise KeyboardInterrupt  # the process is stopped after epoch 2

    monkeypatch.setattr(_checkpoint.CheckpointFolder, "write", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        DenseClassifier(checkpoint_dir=tmp_path / "ckpt", **params).fit(X, y)
    monkeypatch.setattr(_checkpoint.CheckpointFolder, "write", real_write)

    resumed = DenseClassifier(checkpoint_dir=tmp_path / "ckpt", resume=True, **params)
    resumed.fit(X, y)
    # epochs keeps one meaning: the resumed call completes the interrupted call of 4.
    assert resumed.history_["loss"] == uninterrupted.history_["loss"]
    np.testing.assert_array_equal(resumed.validation_mask_, uninterrupted.validation_mask_)
    np.testing.assert_array_equal(resumed.predict_proba(X), uninterrupted.predict_proba(X))


def test_warm_start_trains_epochs_more(separable):
    X, y = separable
    clf = DenseClassifier(epochs=3, warm_start=True, random_state=0, **TINY)
    clf.fit(X, y).fit(X, y)
    assert len(clf.history_["loss"]) == 6


def test_parameters_changed_after_fit_do_not_change_the_fitted_network(separable):
    X, y = separable
    clf = DenseClassifier(epochs=2, random_state=0, **TINY).fit(X, y)
    proba = clf.predict_proba(X)
    clf.set_params(hidden_layer_sizes=(4, 4), optimizer="sgd")
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    assert clf.model_.count_params() == 6 * 8 + 8 + 8 * 2 + 2
    with pytest.raises(ValueError, match="warm_start continues the fitted network"):
        clf.set_params(warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="warm_start continues the fitted network"):
        clf.partial_fit(X, y)


def test_restored_validation_split_is_the_checkpoints(tmp_path, separable):
    X, y = separable
    # random_state=None draws a new split on every fit: only the checkpoint can give it back.
    params = dict(validation_fraction=0.3, checkpoint_dir=tmp_path / "c", resume=True, **TINY)
    first = DenseClassifier(epochs=2, **params).fit(X, y)
    resumed = DenseClassifier(epochs=3, **params).fit(X, y)
    assert len(resumed.history_["loss"]) == 3
    np.testing.assert_array_equal(resumed.validation_mask_, first.validation_mask_)


def test_validation_fraction_zero_clears_the_previous_mask(separable):
    X, y = separable
    clf = DenseClassifier(epochs=1, validation_fraction=0.25, random_state=0, **TINY).fit(X, y)
    assert clf.validation_mask_.any()
    for warm_start in (False, True):
        clf.set_params(validation_fraction=0.0, warm_start=warm_start).fit(X, y)
        assert not clf.validation_mask_.any()
        assert "val_loss" not in clf.history_ or len(clf.history_["val_loss"]) < len(
            clf.history_["loss"]
        )


def test_warm_start_holds_out_the_same_samples_in_any_order(separable):
    X, y = separable
    clf = DenseClassifier(
        epochs=1, validation_fraction=0.25, warm_start=True, random_state=0, **TINY
    ).fit(X, y)
    held_out = clf.validation_mask_.copy()
    order = np.random.default_rng(5).permutation(len(X))
    clf.fit(X[order], y[order])
    np.testing.assert_array_equal(clf.validation_mask_, held_out[order])


def test_damaged_checkpoint_files_are_named(tmp_path, separable):
    X, y = separable
    folder = tmp_path / "ckpt"
    DenseClassifier(epochs=1, random_state=0, checkpoint_dir=folder, **TINY).fit(X, y)
    state = json.loads((folder / "state.json").read_text())
    network_file = folder / state["network_file"]
    resume = dict(epochs=2, random_state=0, checkpoint_dir=folder, resume=True, **TINY)

    data = network_file.read_bytes()
    network_file.write_bytes(data[: len(data) // 3])  # truncated
    with pytest.raises(ValueError, match=f"{state['network_file']}.*truncated or damaged"):
        DenseClassifier(**resume).fit(X, y)
    network_file.write_bytes(data)

    (folder / "state.json").write_text('{"format": 1, "estim')  # corrupt JSON
    with pytest.raises(ValueError, match="state.json.*unreadable"):
        DenseClassifier(**resume).fit(X, y)


def test_a_failed_checkpoint_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch, separable):
    X, y = separable
    folder = tmp_path / "ckpt"
    params = dict(random_state=0, checkpoint_dir=folder, **TINY)
    DenseClassifier(epochs=1, **params).fit(X, y)
    before = (folder / "state.json").read_text()

    def disk_full(handle, **arrays):
        handle.write(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_checkpoint.np, "savez", disk_full)
    with pytest.raises(OSError, match="No space"):
        DenseClassifier(epochs=3, resume=True, **params).fit(X, y)
    monkeypatch.undo()
    assert (folder / "state.json").read_text() == before
    resumed = DenseClassifier(epochs=3, resume=True, **params).fit(X, y)
    assert len(resumed.history_["loss"]) == 3


# --------------------------------------------------------------- data validation
def test_float64_beyond_float32_range_is_refused(separable):
    X, y = separable
    huge = X.astype(np.float64)
    huge[0, 0] = 1e39
    with pytest.raises(ValueError, match="beyond float32's range"):
        DenseRegressor(epochs=1, **TINY).fit(huge, y.astype(float))
    reg = DenseRegressor(epochs=1, **TINY).fit(X, y.astype(float))
    with pytest.raises(ValueError, match="beyond float32's range"):
        reg.predict(huge)


def test_mixed_label_types_are_refused(separable):
    X, _ = separable
    labels = [1, "a"] * (len(X) // 2)
    with pytest.raises(ValueError, match="mixes string and numeric labels"):
        DenseClassifier(epochs=1, **TINY).fit(X, labels)


def test_autoencoder_inverse_transform_checks_the_code_size():
    X = np.random.default_rng(0).normal(size=(20, 8, 8)).astype(np.float32)
    ae = AutoencoderEncoder(encoder_filters=(2,), decoder_filters=(2,), epochs=1).fit(X)
    assert ae.code_shape_ == (4, 4, 2)
    with pytest.raises(ValueError, match=r"codes of shape \(n, 4, 4, 2\).*got shape \(3, 31\)"):
        ae.inverse_transform(np.zeros((3, 31)))


# --------------------------------------------------------- parameter validation
@pytest.mark.parametrize(
    ("estimator", "parameter"),
    [
        (DenseClassifier(random_state=2**40), "random_state"),
        (DenseClassifier(random_state=-1), "random_state"),
        (DenseClassifier(class_weight={0: -1}), "class_weight"),
        (DenseClassifier(class_weight={0: float("nan")}), "class_weight"),
        (DenseClassifier(hidden_layer_sizes=8), "hidden_layer_sizes"),
        (DenseClassifier(hidden_layer_sizes=(8, 0)), "hidden_layer_sizes"),
        (DenseClassifier(n_iter_no_change=-1), "n_iter_no_change"),
        (DenseClassifier(activation="relux"), "activation"),
        (DenseClassifier(early_stopping="no"), "early_stopping"),
        (DenseRegressor(loss="mae"), "loss"),
        (ConvClassifier(filters="32"), "filters"),
        (ConvClassifier(filters=()), "filters"),
        (ConvClassifier(padding="wrap"), "padding"),
        (ConvClassifier(convs_per_block=0), "convs_per_block"),
        (ConvClassifier(augment=1), "augment"),
        (ConvClassifier(kernel_size=2.5), "kernel_size"),
        (AutoencoderEncoder(encoder_filters=(4,), decoder_filters=(4, 4)), "same length"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_bad_parameters_are_named(estimator, parameter, separable):
    X, y = separable
    with pytest.raises(ValueError, match=parameter):
        estimator.fit(X, y)


def test_seed_rule_accepts_its_whole_range(separable):
    X, y = separable
    DenseClassifier(epochs=1, random_state=2**32 - 1, **TINY).fit(X, y)
    DenseClassifier(epochs=1, random_state=np.random.RandomState(3), **TINY).fit(X, y)
