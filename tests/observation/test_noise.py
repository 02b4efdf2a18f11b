"""Thermal noise: the realizations have the model's power, and the model is 21cmSense's."""

import numpy as np
import pytest

from skcosmo21.observation import (
    compare_noise_with_21cmsense,
    telescope_properties,
    thermal_noise_cubes,
    thermal_noise_model,
)
from skcosmo21.observation._noise import content_key, resolve_entropy

from .conftest import matched_box_size

HERA = dict(n_cells=24, box_size=600.0, redshift=8.0, hours=300.0, scan="drift")


@pytest.fixture(scope="module")
def hera_noise(py21cmsense):
    model = thermal_noise_model("HERA", **HERA)
    noise = thermal_noise_cubes(6, "HERA", random_state=3, **HERA)
    return model, noise


def test_realizations_have_the_model_power_on_every_mode(hera_noise):
    model, noise = hera_noise
    n = HERA["n_cells"]
    modes = np.fft.fftn(noise.astype(float), axes=(1, 2, 3))
    volume = HERA["box_size"] ** 3
    power = (np.abs(modes) ** 2).mean(axis=0) * volume / n**6
    measured = model.measured[0]
    # Unmeasured uv cells (including k_perp = 0) carry no noise at all.
    assert power[~measured].max() < 1e-10 * power[measured].max()
    # Each cell's power is an average of 6 realizations x 24 line-of-sight modes, exponential
    # variables of relative scatter 1: 1/sqrt(144) per cell; cells u and -u are conjugate, so
    # the mean over cells has half as many independent terms.
    ratio = power[measured].mean(axis=-1) / model.noise_power[0][measured]
    per_cell = 1 / np.sqrt(len(noise) * n)
    assert abs(np.mean(ratio) - 1) < 4 * per_cell / np.sqrt(measured.sum() / 2)
    assert np.abs(ratio - 1).max() < 5 * per_cell
    # White along the line of sight: every k_par has the same power.
    per_k_par = (power[measured] / model.noise_power[0][measured][:, None]).mean(axis=0)
    np.testing.assert_allclose(per_k_par, 1.0, atol=0.1)


def test_noise_power_follows_the_radiometer_equation(py21cmsense):
    short = thermal_noise_model("HERA", **{**HERA, "hours": 100.0})
    long = thermal_noise_model("HERA", **{**HERA, "hours": 1000.0})
    measured = short.measured[0]
    np.testing.assert_allclose(
        long.noise_power[0][measured] * 10, short.noise_power[0][measured], rtol=1e-12
    )
    # T_sys^2 X^2 Y Omega' / (2 t) with everything taken from 21cmSense: at z = 8, a sample
    # on every cell of the 600 Mpc grid, the system temperature is ~328 K.
    assert float(short.system_temperature[0]) == pytest.approx(327.8, abs=0.1)


def test_lightcone_noise_grows_towards_lower_frequencies(py21cmsense):
    n_los = 12
    redshifts = np.linspace(7.0, 10.0, n_los)
    model = thermal_noise_model(
        "SKA1-Low",
        n_cells=12,
        box_size=300.0,
        redshift=redshifts,
        hours=100.0,
        hours_per_day=2.0,
        integration_time=300.0,
        n_los=n_los,
    )
    assert len(model.redshift) == n_los
    assert not model.coeval
    assert np.all(np.diff(model.system_temperature) > 0)
    noise = thermal_noise_cubes(
        4,
        "SKA1-Low",
        n_cells=12,
        box_size=300.0,
        redshift=redshifts,
        hours=100.0,
        hours_per_day=2.0,
        integration_time=300.0,
        n_los=n_los,
        random_state=0,
    )
    rms = noise.std(axis=(0, 1, 2))
    assert rms[-3:].mean() > 2 * rms[:3].mean()


@pytest.mark.parametrize("uv_grid", ["box", "21cmsense"])
def test_noise_matches_21cmsense_where_the_uv_grids_coincide(py21cmsense, uv_grid):
    # A box whose uv cell is one dish diameter has 21cmSense's own uv grid: a sharp test of
    # the normalization (X^2 Y, Omega', T_sys, the radiometer equation, FFT conventions),
    # whichever grid 21cmSense counts its samples in.
    box = matched_box_size(telescope_properties("HERA").dish_size, 8.0)
    result = compare_noise_with_21cmsense(
        "HERA",
        redshift=8.0,
        box_size=box,
        n_cells=40,
        hours=600.0,
        scan="drift",
        n_realizations=4,
        uv_grid=uv_grid,
        random_state=1,
    )
    measured = np.isfinite(result.ratio)
    assert measured.sum() >= 5
    assert np.all(np.abs(result.ratio[measured] - 1) < 0.1), result.ratio
    if uv_grid == "box":
        assert result.ratio_half_plane is None
        return
    # 21cmSense's own 1-D route counts the conjugate cells (u, 0) and (-u, 0) of its half-plane
    # grid as two modes with half the samples each: for HERA's east-west baselines that
    # overstates the noise by a few per cent, never understates it.
    assert np.all(result.ratio_half_plane[measured] < 1.0)
    assert np.all(result.ratio_half_plane[measured] > 0.8)


@pytest.mark.parametrize("scan", ["drift", "track"])
def test_noise_matches_21cmsense_for_ska1_low(py21cmsense, scan):
    box = matched_box_size(telescope_properties("SKA1-Low").dish_size, 8.0)
    result = compare_noise_with_21cmsense(
        "SKA1-Low",
        redshift=8.0,
        box_size=box,
        n_cells=64,
        hours=200.0,
        hours_per_day=2.0,
        integration_time=300.0 if scan == "track" else 60.0,
        scan=scan,
        n_realizations=2,
        uv_grid="21cmsense",
        random_state=2,
    )
    measured = np.isfinite(result.ratio)
    assert measured.sum() >= 5
    assert np.all(np.abs(result.ratio[measured] - 1) < 0.1), result.ratio


STUDY_BOX = dict(redshift=8.0, box_size=300.0, n_cells=64)


@pytest.mark.parametrize(
    ("telescope", "observation"),
    [
        ("SKA1-Low", dict(hours=200.0, hours_per_day=2.0, integration_time=300.0, scan="track")),
        ("HERA", dict(hours=600.0, hours_per_day=6.0, scan="drift")),
    ],
)
def test_noise_matches_21cmsense_on_the_study_box(py21cmsense, telescope, observation):
    # The study's box (64^3, 300 Mpc at z = 8): its uv cells (30.5 wavelengths) are wider than
    # 21cmSense's (18.4 for SKA1-Low's 35 m stations, 7.4 for HERA's 14 m dishes). Counted on
    # the box's own cells, 21cmSense's noise per mode is ours within 10 % in every bin.
    result = compare_noise_with_21cmsense(
        telescope, **STUDY_BOX, **observation, n_realizations=16, random_state=0
    )
    measured = np.isfinite(result.ratio)
    assert measured.sum() == len(result.ratio) == 7
    np.testing.assert_array_equal(result.n_modes_ours, result.n_modes_theirs)
    assert np.all(np.abs(result.ratio - 1) < 0.1), result.ratio
    # On 21cmSense's own dish-wide cells, per unit volume, a beam-wide field holds more
    # information than the box where the samples are uneven within a box cell: HERA's
    # redundant baselines sit on a few lattice points per cell (about 1.7 times the noise);
    # SKA1-Low's coverage is smooth (within 5 % above the lowest bin, whose few modes the two
    # grids put on either side of its upper edge).
    beam_wide = compare_noise_with_21cmsense(
        telescope, **STUDY_BOX, **observation, n_realizations=16, uv_grid="21cmsense",
        random_state=0,
    )  # fmt: skip
    if telescope == "HERA":
        assert np.all((beam_wide.ratio > 1.5) & (beam_wide.ratio < 1.9)), beam_wide.ratio
    else:
        assert np.all(np.abs(beam_wide.ratio[1:] - 1) < 0.05), beam_wide.ratio
        assert beam_wide.ratio[0] < 0.95


def test_the_comparison_needs_whole_days(py21cmsense):
    with pytest.raises(ValueError, match="whole number of days"):
        compare_noise_with_21cmsense(
            "HERA", redshift=8.0, box_size=600.0, n_cells=8, hours=100.0, hours_per_day=6.0
        )


def test_random_state_resolution():
    assert resolve_entropy(7) == 7
    assert resolve_entropy(np.random.RandomState(0)) == resolve_entropy(np.random.RandomState(0))
    assert resolve_entropy(None) != resolve_entropy(None)


def test_content_key_depends_on_values_and_shape_not_dtype():
    cube = np.random.default_rng(0).normal(size=(4, 4, 4)).astype(np.float32)
    assert content_key(cube) == content_key(cube.astype(np.float64))
    assert content_key(cube) != content_key(cube + np.float32(1e-3))
    assert content_key(cube) != content_key(cube.reshape(4, 16, 1))


def test_realizations_are_repeatable_and_distinct(py21cmsense, hera_noise):
    model, noise = hera_noise
    again = thermal_noise_cubes(6, "HERA", random_state=3, **HERA)
    np.testing.assert_array_equal(noise, again)
    flat = noise.reshape(len(noise), -1)
    correlation = np.corrcoef(flat)[np.triu_indices(len(noise), 1)]
    # Independent fields correlate by chance with scatter 1/sqrt(N_eff), N_eff the number of
    # independent modes weighted by their power: (sum P)^2 / sum P^2 over the half space.
    power = np.where(model.measured[0], model.noise_power[0], 0.0)
    n_eff = power.sum() ** 2 / (power**2).sum() / 2 * HERA["n_cells"]
    assert np.abs(correlation).max() < 4 / np.sqrt(n_eff)


@pytest.mark.parametrize("telescope", ["SKA1-Low", "SKA1-Low-central", "HERA", "MWA-PhaseII"])
def test_every_built_in_array_observes(py21cmsense, telescope):
    properties = telescope_properties(telescope)
    model = thermal_noise_model(
        telescope, n_cells=16, box_size=300.0, redshift=8.0, hours=100.0, scan="drift"
    )
    assert model.system_temperature[0] > properties.receiver_temperature
    assert 0 < model.measured.sum() < model.measured.size
    assert np.all(np.isfinite(model.noise_power[model.measured]))


@pytest.mark.parametrize(
    ("telescope", "mode"), [("HERA", "drift"), ("SKA1-Low", "track"), ("MWA-PhaseII", "track")]
)
def test_scan_none_is_the_arrays_own_mode(py21cmsense, telescope, mode):
    settings = dict(n_cells=8, box_size=300.0, redshift=8.0, hours=100.0, hours_per_day=6.0)
    default = thermal_noise_model(telescope, **settings)
    explicit = thermal_noise_model(telescope, scan=mode, **settings)
    assert default.settings["scan"] == mode
    assert default.track_seconds == explicit.track_seconds
    np.testing.assert_array_equal(default.noise_power, explicit.noise_power)
    if mode == "drift":  # one beam crossing a day, well short of the 6 h session
        assert default.track_seconds < 6 * 3600.0


def test_hera_cannot_track(py21cmsense):
    settings = dict(n_cells=8, box_size=300.0, redshift=8.0, hours=100.0, scan="track")
    with pytest.raises(ValueError, match="HERA cannot track a field: its dishes are fixed"):
        thermal_noise_model("HERA", **settings)
