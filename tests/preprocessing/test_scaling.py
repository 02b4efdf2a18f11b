import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skcosmo21.preprocessing import Flatten, ImageStandardizer


def test_one_location_and_scale_for_all_pixels():
    rng = np.random.default_rng(0)
    images = rng.normal(5.0, 2.0, size=(40, 8, 8))
    images[:20] += 3.0  # brighter images must stay brighter after scaling
    scaled = ImageStandardizer().fit_transform(images)
    assert scaled.mean() == pytest.approx(0, abs=1e-12)
    assert scaled.std() == pytest.approx(1)
    assert scaled[:20].mean() > scaled[20:].mean() + 1
    np.testing.assert_allclose(ImageStandardizer().fit(images).inverse_transform(scaled), images)


def test_robust_variant_ignores_outliers():
    images = np.random.default_rng(1).normal(size=(10, 16, 16))
    spiked = images.copy()
    spiked[0, 0, 0] = 1e6
    robust = ImageStandardizer(method="robust")
    assert robust.fit(spiked).center_ == pytest.approx(robust.fit(images).center_, abs=0.02)
    with pytest.raises(ValueError, match="method"):
        ImageStandardizer(method="minmax").fit(images)


def test_preserves_float32():
    images = np.ones((3, 4, 4), np.float32)
    assert ImageStandardizer().fit_transform(images).dtype == np.float32


def test_flatten_composes_with_pca_and_round_trips():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 6, 6))
    y = (X.mean(axis=(1, 2)) > 0).astype(int)
    model = make_pipeline(Flatten(), PCA(5), LogisticRegression()).fit(X, y)
    assert model.predict(X).shape == (30,)
    flatten = Flatten().fit(X)
    np.testing.assert_array_equal(flatten.inverse_transform(flatten.transform(X)), X)
    with pytest.raises(ValueError, match="fitted on samples of shape"):
        flatten.transform(np.zeros((2, 5, 5)))
    with pytest.raises(ValueError, match="36 features"):
        flatten.inverse_transform(np.zeros((2, 35)))


# scikit-learn's finiteness check sums the float32 input, and +3e38 - 3e38 warns on the way.
@pytest.mark.filterwarnings("ignore:invalid value encountered in reduce:RuntimeWarning")
@pytest.mark.parametrize("method", ["standard", "robust"])
def test_float32_values_near_their_maximum_stay_finite(method):
    # (X - center) overflowed float32 for values near 3e38 and returned inf.
    images = np.full((4, 3, 3), -3e38, dtype=np.float32)
    images[0] = 3e38
    images[1, 0, 0] = 0.0
    scaler = ImageStandardizer(method=method).fit(images)
    scaled = scaler.transform(images)
    assert scaled.dtype == np.float32
    assert np.all(np.isfinite(scaled))
    expected = (images.astype(np.float64) - scaler.center_) / scaler.scale_
    np.testing.assert_allclose(scaled, expected, rtol=1e-5)
    restored = scaler.inverse_transform(scaled)
    assert np.all(np.isfinite(restored))
    np.testing.assert_allclose(restored, images, rtol=1e-5, atol=1e33)
