"""partial_fit, fit_stream, and the import-time promise of skcosmo21.neural."""

import subprocess
import sys

import numpy as np
import pytest

from skcosmo21.datasets import SimulationStream
from skcosmo21.neural import (
    AutoencoderEncoder,
    ConvClassifier,
    ConvRegressor,
    DenseClassifier,
    DenseRegressor,
)
from skcosmo21.preprocessing import CubeSlicer


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    return X, y


def test_partial_fit_needs_classes_first_and_keeps_the_optimizer(blobs):
    X, y = blobs
    clf = DenseClassifier(hidden_layer_sizes=(8,), batch_size=50, learning_rate=0.02)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:150], y[:150], classes=[0, 1])
    assert int(clf._optimizer_state[0]) == 3  # one pass: 150 samples in batches of 50
    assert len(clf.history_["loss"]) == 1
    clf.partial_fit(X[150:], y[150:])
    assert int(clf._optimizer_state[0]) == 6  # the step count (and moments) carried over
    assert len(clf.history_["loss"]) == 2
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="expecting 5 features"):
        clf.partial_fit(X[:, :4], y)
    for _ in range(8):
        clf.partial_fit(X, y)
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="balanced"):
        DenseClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])


def test_partial_fit_sees_labels_absent_from_a_batch(blobs):
    X, y = blobs
    clf = DenseClassifier(hidden_layer_sizes=(8,), random_state=0)
    clf.partial_fit(X[y == 0][:20], y[y == 0][:20], classes=[0, 1, 2])
    assert clf.classes_.tolist() == [0, 1, 2]
    assert clf.predict_proba(X[:4]).shape == (4, 3)


@pytest.mark.parametrize(
    "estimator",
    [
        DenseRegressor(hidden_layer_sizes=(8,)),
        ConvRegressor(filters=(4,), dense_units=(4,)),
        AutoencoderEncoder(encoder_filters=(2,), decoder_filters=(2,)),
    ],
    ids=lambda e: type(e).__name__,
)
def test_partial_fit_of_regressors_and_the_autoencoder(estimator, blobs):
    X, y = blobs
    target = X[:, 0] * 3.0 + 8.0
    if isinstance(estimator, AutoencoderEncoder):
        estimator.partial_fit(X).partial_fit(X)
        assert estimator.transform(X[:2]).shape[0] == 2
    else:
        estimator.partial_fit(X, target).partial_fit(X, target)
        assert estimator.predict(X[:2]).shape == (2,)
    assert len(estimator.history_["loss"]) == 2


def _brightness_scaled(X):
    return ((X - 10.0) / 10.0).astype(np.float32)  # mK to order-one values


def test_fit_stream_learns_from_fresh_simulations():
    slicer = CubeSlicer(axes="all", step=4)
    common = dict(
        n_cells=16, box_size=64.0, slicer=slicer, transform=_brightness_scaled, random_state=3
    )
    train = SimulationStream([7.0, 10.0], [0.2], n_realizations=3, **common)
    test = SimulationStream([7.0, 10.0], [0.2], n_realizations=1, subset="test", **common)
    clf = ConvClassifier(
        filters=(8,), dense_units=(8,), batch_size=16, learning_rate=0.01, random_state=0
    )
    clf.fit_stream(train, epochs=2)
    assert len(clf.history_["loss"]) == 2 * len(train)  # one partial_fit per chunk and pass
    chunk = test.chunk(0)
    assert clf.score(chunk.X, chunk.y) >= 0.9
    assert clf.classes_.tolist() == [7.0, 10.0]
    # fit_stream starts afresh, as fit does.
    clf.fit_stream(train, epochs=1)
    assert len(clf.history_["loss"]) == len(train)
    with pytest.raises(ValueError, match="classes"):
        DenseClassifier().fit_stream([(chunk.X, chunk.y)])


def test_importing_the_neural_package_does_not_import_tensorflow():
    code = """
import sys
import skcosmo21.neural as neural
import skcosmo21.datasets
from sklearn.base import clone
for name in neural.__all__:
    obj = getattr(neural, name)
    if isinstance(obj, type):
        estimator = clone(obj()).set_params(random_state=0)
        estimator.get_params()
        repr(estimator)
print("tensorflow" in sys.modules, "keras" in sys.modules)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["False", "False"]
