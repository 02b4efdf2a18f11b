"""The observation transformers: same results as the functions, order-free noise, pipelines."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from skcosmo21.observation import (
    BeamSmoothing,
    ChannelAveraging,
    ThermalNoise,
    TransverseMeanRemoval,
    UVSampling,
    WedgeFilter,
    add_thermal_noise,
    average_channels,
    remove_wedge,
    sample_uv_coverage,
    smooth_with_beam,
    telescope_properties,
    wedge_mask,
)

GEOMETRY = dict(box_size=300.0, redshift=8.0)
FAST = dict(hours_per_day=1.0, integration_time=300.0)


@pytest.fixture
def cubes():
    return np.random.default_rng(0).normal(size=(4, 16, 16, 16)).astype(np.float32)


def test_thermal_noise_is_keyed_by_content_not_position(py21cmsense, cubes):
    noise = ThermalNoise(hours=100.0, random_state=0, **FAST, **GEOMETRY).fit(cubes)
    whole = noise.transform(cubes)
    # Any subset, in any order, gets the same noise per cube: no position-in-batch seeding.
    np.testing.assert_array_equal(noise.transform(cubes[[3, 1]]), whole[[3, 1]])
    np.testing.assert_array_equal(noise.transform(cubes[2:3]), whole[2:3])
    # A refit with the same int random_state is the same observation; the function agrees.
    np.testing.assert_array_equal(clone(noise).fit(cubes[:1]).transform(cubes), whole)
    np.testing.assert_array_equal(
        add_thermal_noise(cubes, hours=100.0, random_state=0, **FAST, **GEOMETRY), whole
    )
    assert whole.dtype == np.float32


def test_thermal_noise_without_a_seed_differs_between_fits(py21cmsense, cubes):
    first = ThermalNoise(hours=100.0, **FAST, **GEOMETRY).fit(cubes)
    second = clone(first).fit(cubes)
    assert first.noise_entropy_ != second.noise_entropy_
    assert not np.array_equal(first.transform(cubes), second.transform(cubes))
    # A fitted transformer is one fixed observation.
    np.testing.assert_array_equal(first.transform(cubes), first.transform(cubes))


def test_noise_only_leaves_the_signal_modes(py21cmsense, cubes):
    noise = ThermalNoise(hours=100.0, sample_uv=False, random_state=1, **FAST, **GEOMETRY)
    out = noise.fit_transform(cubes)
    difference = np.fft.fft2(out - cubes, axes=(1, 2))
    measured = noise.measured_[0]
    assert np.abs(difference[:, ~measured]).max() < 1e-4
    assert np.abs(difference[:, measured]).min() > 0


def test_uv_sampling_matches_the_function_and_the_noise_model(py21cmsense, cubes):
    sampler = UVSampling(**FAST, **GEOMETRY).fit(cubes)
    noise = ThermalNoise(**FAST, **GEOMETRY).fit(cubes)
    np.testing.assert_array_equal(sampler.measured_, noise.measured_)
    np.testing.assert_array_equal(
        sampler.transform(cubes), sample_uv_coverage(cubes, **FAST, **GEOMETRY)
    )


def test_filters_match_their_functions(py21cmsense, cubes):
    wedge = WedgeFilter(angle=45.0, buffer=0.05, **GEOMETRY).fit(cubes)
    np.testing.assert_array_equal(wedge.removed_, wedge_mask(16, 16, 300.0, wedge.slope_, 0.05))
    np.testing.assert_array_equal(
        wedge.transform(cubes), remove_wedge(cubes, angle=45.0, buffer=0.05, **GEOMETRY)
    )
    beam = BeamSmoothing(**GEOMETRY).fit(cubes)
    assert beam.max_baseline_ == telescope_properties("SKA1-Low").longest_baseline
    np.testing.assert_array_equal(
        beam.transform(cubes), smooth_with_beam(cubes, max_baseline=beam.max_baseline_, **GEOMETRY)
    )
    channels = ChannelAveraging(channel_width=1.0, **GEOMETRY).fit(cubes)
    np.testing.assert_array_equal(
        channels.transform(cubes), average_channels(cubes, channel_width=1.0, **GEOMETRY)
    )


def test_a_pipeline_observes_lightcones(py21cmsense):
    n_los = 24
    redshift = np.linspace(7.5, 9.0, n_los)
    lightcones = np.random.default_rng(3).normal(size=(2, 16, 16, n_los))
    geometry = dict(box_size=300.0, redshift=redshift)
    pipeline = make_pipeline(
        ChannelAveraging(channel_width=0.2, **geometry),
        ThermalNoise(hours=1000.0, random_state=0, **FAST, **geometry),
        TransverseMeanRemoval(),
        WedgeFilter(**geometry),
    )
    out = pipeline.fit_transform(lightcones)
    assert out.shape == lightcones.shape
    assert np.abs(out.mean(axis=(1, 2))).max() < 1e-8
    assert len(pipeline[1].channel_index_) == n_los


def test_transformers_need_geometry_and_the_fitted_shape(cubes):
    with pytest.raises(ValueError, match="needs box_size"):
        WedgeFilter(redshift=8.0).fit(cubes)
    with pytest.raises(ValueError, match="redshift is required"):
        WedgeFilter(box_size=100.0).fit(cubes)
    with pytest.raises(ValueError, match="one redshift per line-of-sight cell"):
        WedgeFilter(box_size=100.0, redshift=[8.0, 9.0]).fit(cubes)
    wedge = WedgeFilter(**GEOMETRY).fit(cubes)
    with pytest.raises(ValueError, match="fitted on cubes of shape"):
        wedge.transform(cubes[:, :8, :8, :8])
    with pytest.raises(ValueError, match="telescope"):
        ThermalNoise("LOFAR", **GEOMETRY).fit(cubes)
    with pytest.raises(ValueError, match="scan"):
        UVSampling(scan="mosaic", **GEOMETRY).fit(cubes)


def test_transverse_mean_removal_needs_no_fit(cubes):
    out = TransverseMeanRemoval().transform(cubes + 5)
    assert np.abs(out.mean(axis=(1, 2))).max() < 1e-5
