import numpy as np
import pytest
import scipy.fft

from skcosmo21.feature_extraction import PowerSpectrum2D


def _gaussian_images(n_images, n, box, power, rng):
    """Gaussian random images with 2-D power spectrum ``power(k)`` (k in 1/Mpc)."""
    noise = rng.standard_normal((n_images, n, n))
    kx = 2 * np.pi * scipy.fft.fftfreq(n, d=box / n)
    ky = 2 * np.pi * scipy.fft.rfftfreq(n, d=box / n)
    k = np.sqrt(kx[:, None] ** 2 + ky[None, :] ** 2)
    amplitude = np.zeros_like(k)
    amplitude[k > 0] = np.sqrt(power(k[k > 0]) / (box / n) ** 2)
    return scipy.fft.irfftn(scipy.fft.rfftn(noise, axes=(1, 2)) * amplitude, s=(n, n), axes=(1, 2))


def test_recovers_known_spectrum_within_sampling_error():
    box, n = 100.0, 64
    # A gently sloped spectrum, so that P(mean k of a bin) is the bin's mean P to < 2 %.
    power = lambda k: 20.0 / (1.0 + k)  # noqa: E731
    images = _gaussian_images(64, n, box, power, np.random.default_rng(0))
    ps = PowerSpectrum2D(n_bins=10, box_size=box).fit(images)
    measured = (10 ** ps.transform(images)).mean(axis=0)
    from skcosmo21.physics import binned_power_spectrum

    _, _, counts = binned_power_spectrum(images[:1], box, ps.bin_edges_, ndim=2)
    sigma = 1 / np.sqrt(counts / 2 * len(images))  # relative error of a chi-squared mean
    assert np.all(np.abs(measured / power(ps.k_) - 1) < 5 * sigma + 0.08)


def test_invariant_to_periodic_translation():
    images = np.random.default_rng(1).normal(size=(3, 32, 32))
    ps = PowerSpectrum2D(n_bins=8, include_moments=True).fit(images)
    shifted = np.roll(images, shift=(5, -11), axis=(1, 2))
    np.testing.assert_allclose(ps.transform(images), ps.transform(shifted), rtol=1e-10)


def test_moments_and_feature_names():
    images = np.random.default_rng(2).normal(3.0, 2.0, size=(5, 16, 16))
    ps = PowerSpectrum2D(n_bins=4, include_moments=True).fit(images)
    features = ps.transform(images)
    np.testing.assert_allclose(features[:, -2], images.mean(axis=(1, 2)))
    np.testing.assert_allclose(features[:, -1], images.std(axis=(1, 2)))
    assert ps.get_feature_names_out()[-2:].tolist() == ["mean", "std"]
    assert len(ps.get_feature_names_out()) == features.shape[1]


def test_empty_bins_are_merged():
    images = np.zeros((1, 8, 8))
    ps = PowerSpectrum2D(n_bins=32).fit(images)
    assert ps.n_bins_ < 32
    assert np.all(np.isfinite(ps.k_))


def test_bad_input():
    with pytest.raises(ValueError, match="square"):
        PowerSpectrum2D().fit(np.zeros((2, 8, 6)))
    ps = PowerSpectrum2D(n_bins=4).fit(np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="fitted on 8-pixel images"):
        ps.transform(np.zeros((2, 16, 16)))
    with pytest.raises(ValueError, match="k_range"):
        PowerSpectrum2D(k_range=(2.0, 1.0)).fit(np.zeros((2, 8, 8)))
