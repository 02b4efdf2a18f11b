import numpy as np
import pytest
import scipy.stats

from skcosmo21.feature_extraction import OnePointStatistics


def test_quantiles_of_a_known_distribution():
    # Pixels drawn from a standard normal: the quantiles converge to the normal's.
    images = np.random.default_rng(0).standard_normal((3, 200, 200))
    stats = OnePointStatistics(n_quantiles=9, quantile_range=(0.1, 0.9)).fit(images)
    features = stats.transform(images)
    expected = scipy.stats.norm.ppf(stats.quantiles_)
    np.testing.assert_allclose(features[:, :9], np.tile(expected, (3, 1)), atol=0.02)
    mean, std, skewness, kurtosis = features[:, 9:].T
    np.testing.assert_allclose(mean, 0, atol=0.02)
    np.testing.assert_allclose(std, 1, atol=0.02)
    np.testing.assert_allclose(skewness, 0, atol=0.05)
    np.testing.assert_allclose(kurtosis, 0, atol=0.1)


def test_moments_match_scipy():
    images = np.random.default_rng(1).gamma(2.0, size=(4, 16, 16))
    features = OnePointStatistics(n_quantiles=2).fit(images).transform(images)
    flat = images.reshape(4, -1)
    np.testing.assert_allclose(features[:, 4], scipy.stats.skew(flat, axis=1), rtol=1e-10)
    np.testing.assert_allclose(features[:, 5], scipy.stats.kurtosis(flat, axis=1), rtol=1e-10)


def test_invariant_to_any_permutation_of_pixels():
    rng = np.random.default_rng(2)
    images = rng.normal(size=(2, 16, 16))
    shuffled = rng.permuted(images.reshape(2, -1), axis=1).reshape(images.shape)
    stats = OnePointStatistics().fit(images)
    np.testing.assert_allclose(stats.transform(images), stats.transform(shuffled), rtol=1e-12)


def test_ionized_fraction_shows_as_zero_quantiles():
    # 30 % of pixels at zero brightness (ionized), the rest bright.
    image = np.full((1, 10, 10), 25.0)
    image[0, :3] = 0.0
    stats = OnePointStatistics(n_quantiles=11, quantile_range=(0, 1), include_moments=False)
    quantiles = stats.fit(image).transform(image)[0]
    assert np.all(quantiles[stats.quantiles_ < 0.29] == 0)
    assert np.all(quantiles[stats.quantiles_ > 0.31] == 25)


def test_constant_image_gives_finite_features():
    images = np.zeros((2, 8, 8))
    features = OnePointStatistics().fit(images).transform(images)
    assert np.all(np.isfinite(features))
    np.testing.assert_array_equal(features, 0)


@pytest.mark.parametrize("value", [7.3, 0.1, 1e-30, 1e-160, 3e37, -25.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_constant_image_has_zero_skewness_and_kurtosis(value, dtype):
    # The mean of identical values need not equal them exactly; the rounding residue gave
    # skewness -1 and kurtosis -2 (and NaN for tiny values) where the docstring promises 0.
    images = np.full((3, 10, 10), value, dtype=dtype)
    stats = OnePointStatistics(n_quantiles=3)
    mean, std, skewness, kurtosis = stats.fit(images).transform(images)[:, 3:].T
    np.testing.assert_allclose(mean, dtype(value), rtol=1e-6)
    np.testing.assert_array_equal(std, 0)
    np.testing.assert_array_equal(skewness, 0)
    np.testing.assert_array_equal(kurtosis, 0)


def test_moments_of_tiny_and_huge_values_are_scale_free():
    images = np.random.default_rng(5).gamma(2.0, size=(2, 12, 12))
    stats = OnePointStatistics(n_quantiles=2).fit(images)
    reference = stats.transform(images)[:, 4:]
    for scale in (1e-150, 1e150):
        np.testing.assert_allclose(stats.transform(images * scale)[:, 4:], reference, rtol=1e-9)


def test_feature_names_match_columns():
    images = np.random.default_rng(3).normal(size=(2, 8, 8))
    stats = OnePointStatistics(n_quantiles=4).fit(images)
    names = stats.get_feature_names_out()
    assert len(names) == stats.n_features_out_ == stats.transform(images).shape[1] == 8
    assert names[-4:].tolist() == ["mean", "std", "skewness", "kurtosis"]


def test_keeps_float32():
    images = np.random.default_rng(4).normal(size=(2, 8, 8)).astype(np.float32)
    assert OnePointStatistics().fit(images).transform(images).dtype == np.float32


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_quantiles": 0}, "'n_quantiles' parameter of OnePointStatistics must be an int"),
        ({"n_quantiles": 2.5}, "'n_quantiles' parameter of OnePointStatistics must be an int"),
        ({"quantile_range": (0.5, 0.2)}, "quantile_range must satisfy"),
        ({"quantile_range": (-0.1, 0.9)}, "quantile_range must satisfy"),
        ({"quantile_range": 0.5}, "'quantile_range' parameter .* must be an array-like"),
        ({"quantile_range": (0.1, 0.5, 0.9)}, "quantile_range must be a pair"),
    ],
)
def test_bad_parameters_are_named(params, message):
    with pytest.raises(ValueError, match=message):
        OnePointStatistics(**params).fit(np.zeros((2, 4, 4)))


def test_bad_input_is_named():
    stats = OnePointStatistics()
    with pytest.raises(ValueError, match="stack of images"):
        stats.fit(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="NaN"):
        stats.fit(np.full((2, 4, 4), np.nan))
