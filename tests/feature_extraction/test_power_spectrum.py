import numpy as np
import pytest
import scipy.fft

from skcosmo21.datasets import make_slice_dataset
from skcosmo21.feature_extraction import PowerSpectrum2D
from skcosmo21.physics import binned_power_spectrum
from skcosmo21.preprocessing import CubeSlicer, PatchExtractor


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
    ps = PowerSpectrum2D(n_bins=10, pixel_size=box / n).fit(images)
    measured = (10 ** ps.transform(images)).mean(axis=0)
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


def test_patch_level_spectrum_gets_k_from_the_data_without_restating_sizes(small_cubes):
    # 16-cell cubes of 48 Mpc: 3 Mpc pixels; 8-pixel patches are 24 Mpc across. The old
    # PowerSpectrum2D(box_size=48) on these patches put k 2x too low, silently.
    data = make_slice_dataset(
        small_cubes, "redshift", CubeSlicer(axes=0, step=4), PatchExtractor(patch_size=8)
    )
    assert data.pixel_size == 3.0
    given = PowerSpectrum2D(n_bins=4, pixel_size=data.pixel_size).fit(data.X)
    read = PowerSpectrum2D(n_bins=4).fit(data.X, locations=data.locations)
    fundamental, nyquist = 2 * np.pi / 24.0, np.pi / 3.0
    for ps in (given, read):
        assert ps.pixel_size_ == 3.0
        assert ps.bin_edges_[0] == pytest.approx(fundamental)
        assert ps.bin_edges_[-1] == pytest.approx(nyquist)
    np.testing.assert_allclose(given.k_, read.k_)
    np.testing.assert_allclose(given.transform(data.X), read.transform(data.X))
    # The same pixel size gives the slices' k on whole slices: only the fundamental moves.
    slices = make_slice_dataset(small_cubes, "redshift", CubeSlicer(axes=0, step=4))
    whole = PowerSpectrum2D(n_bins=4, pixel_size=slices.pixel_size).fit(slices.X)
    assert whole.bin_edges_[0] == pytest.approx(2 * np.pi / 48.0)
    assert whole.bin_edges_[-1] == pytest.approx(nyquist)


def test_geometry_mismatch_raises(small_cubes):
    data = make_slice_dataset(
        small_cubes, "redshift", CubeSlicer(axes=0, step=4), PatchExtractor(patch_size=8)
    )
    with pytest.raises(ValueError, match="pixel_size=6.0 Mpc, but the images' locations say 3.0"):
        PowerSpectrum2D(pixel_size=6.0).fit(data.X, locations=data.locations)
    slices = make_slice_dataset(small_cubes, "redshift", CubeSlicer(axes=0, step=4))
    with pytest.raises(ValueError, match=r"X \(32 of shape \(16, 16\)\); got the locations of 32"):
        PowerSpectrum2D().fit(slices.X, locations=data.locations[: len(slices.X)])
    with pytest.raises(ValueError, match="SampleLocations"):
        PowerSpectrum2D().fit(data.X, locations=data.locations.table)
    with pytest.raises(TypeError, match="box_size"):
        PowerSpectrum2D(box_size=48.0)


def test_locations_reach_the_step_through_cross_validate(small_cubes):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = make_slice_dataset(
        small_cubes, "redshift", CubeSlicer(axes=0, step=4), PatchExtractor(patch_size=8)
    )
    model = make_pipeline(
        PowerSpectrum2D(n_bins=4, include_moments=True), StandardScaler(), LogisticRegression()
    )
    result = cross_validate(
        model,
        data.X,
        data.y.astype(str),
        groups=data.groups,
        cv=GroupKFold(2),
        params={"powerspectrum2d__locations": data.locations},
        return_estimator=True,
    )
    for fitted in result["estimator"]:
        assert fitted[0].pixel_size_ == data.pixel_size
    assert np.all(result["test_score"] > 0.5)  # two redshifts, chance 0.5
