"""uv tracks and their gridding onto a box's Fourier cells, against 21cmSense."""

import numpy as np
import pytest

from skcosmo21.observation import baseline_tracks, grid_uv_samples, telescope_properties
from skcosmo21.observation._telescopes import _baselines, _observatory
from skcosmo21.observation._uv import SIDEREAL_DAY_SECONDS

from .conftest import matched_box_size


@pytest.mark.parametrize("telescope", ["HERA", "SKA1-Low"])
@pytest.mark.parametrize(("hours", "declination_offset"), [(0.0, 0.0), (-1.0, 0.0), (0.7, -20.0)])
def test_tracks_match_21cmsense_projection(py21cmsense, telescope, hours, declination_offset):
    units = pytest.importorskip("astropy.units")
    vectors, _, latitude = _baselines(telescope)
    declination = latitude + np.deg2rad(declination_offset)
    # 21cmSense's default phase centre is the zenith in apparent coordinates; a declination
    # it is given is an ICRS one, which precession moves by ~0.1 degree from the apparent one.
    theirs = (
        _observatory(telescope)
        .projected_baselines(
            baselines=vectors * units.m,
            time_offset=hours * units.hour,
            phase_center_dec=None if declination_offset == 0 else declination * units.rad,
        )
        .to_value("m")
    )
    hour_angle = np.array([2 * np.pi * hours * 3600 / SIDEREAL_DAY_SECONDS])
    u, v = baseline_tracks(vectors, latitude, declination, hour_angle)
    error = np.hypot(u[:, 0] - theirs[:, 0], v[:, 0] - theirs[:, 1])
    tolerance = 1e-5 if declination_offset == 0 else 1e-3
    assert error.max() < tolerance * np.hypot(vectors[:, 0], vectors[:, 1]).max()


def test_samples_are_symmetric_counted_twice_and_never_at_k_perp_zero(py21cmsense):
    vectors, weights, _ = _baselines("HERA")
    samples = grid_uv_samples("HERA", [3.0], 200, duration=1800.0, integration_time=60.0)[0]
    mirror = (-np.arange(200)) % 200
    np.testing.assert_array_equal(samples, samples[mirror][:, mirror])
    assert samples[0, 0] == 0
    # Every sample (group weight x 30 integrations) lands once at u and once at -u: the 3 m
    # cells are finer than HERA's 14.6 m shortest baseline, so none falls at k_perp = 0.
    assert samples.sum() == pytest.approx(2 * weights.sum() * 30)


def test_samples_match_21cmsense_on_its_own_grid(py21cmsense):
    units = pytest.importorskip("astropy.units")
    redshift = 8.0
    box = matched_box_size(telescope_properties("HERA").dish_size, redshift)
    from skcosmo21.observation import thermal_noise_model

    model = thermal_noise_model(
        "HERA", n_cells=48, box_size=box, redshift=redshift, hours=60.0, scan="drift"
    )
    observation = py21cmsense.Observation(
        observatory=_observatory("HERA"), frequency=float(model.frequency[0]) * units.MHz
    )
    theirs = py21cmsense.convert_half_to_full_uv_plane(observation.uv_coverage)
    ours = np.fft.fftshift(model.uv_samples[0])
    n = theirs.shape[0] // 2
    centre = ours[24 - n : 24 + n + 1, 24 - n : 24 + n + 1]
    # Same cells, same tracks: the same counts, apart from the k_perp = 0 cell (never measured
    # in ours) and the samples that sub-millimetre differences move across a cell edge.
    assert centre.sum() == pytest.approx(theirs.sum() - theirs[n, n], rel=1e-4)
    theirs[n, n] = 0
    assert np.abs(centre - theirs).sum() < 5e-3 * theirs.sum()


def test_tracks_need_at_least_one_integration():
    with pytest.raises(ValueError, match="shorter than one integration"):
        grid_uv_samples("HERA", [10.0], 8, duration=30.0, integration_time=60.0)
