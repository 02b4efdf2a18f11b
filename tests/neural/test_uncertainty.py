"""Calibrated regression: a Gaussian negative-log-likelihood head."""

import numpy as np
import pytest

from skcosmo21.neural import ConvRegressor, DenseRegressor


def _heteroscedastic(n, rng):
    x = rng.uniform(-1.0, 1.0, size=(n, 1)).astype(np.float32)
    noise_std = 0.05 + 0.4 * np.abs(x[:, 0])  # noise grows away from the centre
    y = 8.0 + 2.0 * x[:, 0] + noise_std * rng.standard_normal(n)
    return x, y, noise_std


def test_gaussian_head_gives_calibrated_intervals():
    rng = np.random.default_rng(0)
    X, y, _ = _heteroscedastic(3000, rng)
    X_test, y_test, true_std = _heteroscedastic(4000, rng)
    reg = DenseRegressor(
        hidden_layer_sizes=(32, 32),
        loss="gaussian_nll",
        epochs=30,
        batch_size=128,
        learning_rate=0.005,
        validation_fraction=0.0,
        random_state=0,
    ).fit(X, y)
    mean, std = reg.predict(X_test, return_std=True)
    np.testing.assert_array_equal(mean, reg.predict(X_test))
    z = np.abs(y_test - mean) / std
    coverage_68 = np.mean(z < 1.0)
    coverage_95 = np.mean(z < 1.96)
    assert abs(coverage_68 - 0.683) < 0.05, coverage_68
    assert abs(coverage_95 - 0.954) < 0.05, coverage_95
    # The predicted spread follows the true, input-dependent noise.
    assert np.corrcoef(std, true_std)[0, 1] > 0.9


def test_joint_gaussian_targets_and_errors():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 8, 8)).astype(np.float32)
    y = np.column_stack([X.mean(axis=(1, 2)), X.std(axis=(1, 2))])
    reg = ConvRegressor(filters=(4,), dense_units=(8,), loss="gaussian_nll", epochs=2)
    mean, std = reg.fit(X, y).predict(X, return_std=True)
    assert mean.shape == std.shape == (64, 2)
    assert np.all(std > 0)
    with pytest.raises(ValueError, match="gaussian_nll"):
        ConvRegressor(filters=(4,), epochs=1).fit(X, y).predict(X, return_std=True)
