"""observe_cubes on Bunches: the chain, the geometry read from the data, honest noise."""

import numpy as np
import pytest
from sklearn.utils import Bunch

from skcosmo21.observation import observe_cubes, remove_wedge, thermal_noise_model, wedge_mask
from skcosmo21.physics import Cosmology, wedge_slope

from .conftest import chance_correlation

FAST = dict(telescope="SKA1-Low", hours_per_day=1.0, integration_time=300.0)


def _subset(data, index):
    return Bunch(delta_T=data.delta_T[index], redshift=data.redshift[index], box_size=data.box_size)


def _chance(redshift=(7.5, 9.0), n_los=16):
    model = thermal_noise_model(
        n_cells=16, box_size=300.0, redshift=redshift, hours=100.0, n_los=n_los, **FAST
    )
    return chance_correlation(model, n_los)


def _noise(data, random_state, **kwargs):
    observed = observe_cubes(data, hours=100.0, random_state=random_state, **FAST, **kwargs)
    noiseless = observe_cubes(data, hours=None, **FAST, **kwargs)
    return (observed.delta_T.astype(float) - noiseless.delta_T).reshape(len(data.delta_T), -1)


def test_observed_bunch_keeps_everything_but_the_field(py21cmsense, coeval_cubes):
    before = coeval_cubes.delta_T.copy()
    observed = observe_cubes(coeval_cubes, random_state=0, **FAST)
    np.testing.assert_array_equal(coeval_cubes.delta_T, before)
    assert observed.delta_T.shape == before.shape
    assert observed.delta_T.dtype == np.float32
    for key in ("redshift", "escape_fraction", "realization", "neutral_fraction", "params"):
        assert observed[key] is coeval_cubes[key]
    info = observed.observation
    assert info["telescope"] == "SKA1-Low"
    assert info["hours"] == 1000.0
    assert set(info["noise_rms_mK"]) == {"z=7.5", "z=9"}
    assert info["py21cmsense_version"] == py21cmsense.__version__
    # The noise of 1,000 h lies well below the signal's rms at these scales ...
    assert info["noise_rms_mK"]["z=7.5"][0] < before.std()
    # ... and an interferometer sees no channel mean.
    assert np.abs(observed.delta_T.mean(axis=(1, 2))).max() < 1e-3


def test_same_call_is_bitwise_repeatable_and_the_seed_matters(py21cmsense, coeval_cubes):
    first = observe_cubes(coeval_cubes, hours=100.0, random_state=5, **FAST).delta_T
    again = observe_cubes(coeval_cubes, hours=100.0, random_state=5, **FAST).delta_T
    other = observe_cubes(coeval_cubes, hours=100.0, random_state=6, **FAST).delta_T
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_the_observation_does_not_depend_on_the_number_of_cores(
    py21cmsense, coeval_cubes, monkeypatch
):
    import joblib

    from skcosmo21.observation import _uv

    # Several chunks of baselines, so that the gridding's threads share the work.
    monkeypatch.setattr(_uv, "_SAMPLES_PER_CHUNK", 20_000)
    observed = {}
    for cores in (1, 3):
        # Fresh uv gridding on each count of threads (the coverage is cached by track).
        monkeypatch.setattr(_uv, "_GRID_CACHE", type(_uv._GRID_CACHE)())
        monkeypatch.setattr(joblib, "cpu_count", lambda cores=cores: cores)
        observed[cores] = observe_cubes(coeval_cubes, hours=100.0, random_state=5, **FAST)
    np.testing.assert_array_equal(observed[1].delta_T, observed[3].delta_T)


def test_no_noise_pattern_is_shared_between_cubes_or_splits(py21cmsense, coeval_cubes):
    noise = _noise(coeval_cubes, random_state=0)
    # Train and test halves observed in separate calls: their first cubes get different noise.
    train = _noise(_subset(coeval_cubes, [0, 1]), random_state=0)
    test = _noise(_subset(coeval_cubes, [2, 3]), random_state=0)
    patterns = np.vstack([noise, train, test])
    correlation = np.corrcoef(patterns)
    n = len(noise)
    # Same cube at the same index with the same seed: the same noise (repeatable); every other
    # pair is independent, including the first cube of the train and of the test half.
    same = np.zeros_like(correlation, dtype=bool)
    same[[0, 1], [n, n + 1]] = same[[n, n + 1], [0, 1]] = True
    np.testing.assert_allclose(correlation[same], 1.0, atol=1e-6)
    independent = ~same & ~np.eye(len(patterns), dtype=bool)
    chance = max(_chance(7.5), _chance(9.0))
    assert np.abs(correlation[independent]).max() < 5 * chance
    assert not np.allclose(train[0], test[0])


def test_identical_cubes_in_one_bunch_get_different_noise(py21cmsense, coeval_cubes):
    twins = Bunch(
        delta_T=np.repeat(coeval_cubes.delta_T[:1], 2, axis=0),
        redshift=np.repeat(coeval_cubes.redshift[:1], 2),
        box_size=coeval_cubes.box_size,
    )
    noise = _noise(twins, random_state=0)
    assert abs(np.corrcoef(noise)[0, 1]) < 5 * _chance(7.5)


def test_wedge_and_mean_are_removed_from_the_observation(py21cmsense, coeval_cubes):
    observed = observe_cubes(
        coeval_cubes, random_state=0, wedge="horizon", wedge_buffer=0.02, **FAST
    )
    n = coeval_cubes.delta_T.shape[1]
    for cube, z in zip(observed.delta_T, coeval_cubes.redshift, strict=True):
        modes = np.fft.rfftn(cube.astype(float))
        removed = wedge_mask(n, n, 300.0, float(wedge_slope(z, Cosmology())), 0.02)
        assert np.abs(modes[removed]).max() < 1e-3 * np.abs(modes).max()
        assert np.abs(modes[0, 0, :]).max() < 1e-3 * np.abs(modes).max()
    # The wedge step is remove_wedge itself.
    plain = observe_cubes(
        coeval_cubes, hours=None, resolution=None, remove_mean=False, wedge=60.0, **FAST
    )
    np.testing.assert_allclose(
        plain.delta_T[:2],
        remove_wedge(coeval_cubes.delta_T[:2], 300.0, 7.5, angle=60.0),
        rtol=1e-5,
        atol=1e-4,
    )


def test_gaussian_beam_and_channels(py21cmsense, coeval_cubes):
    observed = observe_cubes(
        coeval_cubes,
        hours=None,
        resolution="gaussian",
        channel_width=0.5,
        remove_mean=False,
        wedge="primary-beam",
        **FAST,
    )
    assert observed.delta_T.std() < coeval_cubes.delta_T.std()
    assert observed.observation["resolution"] == "gaussian"


def test_lightcones_are_observed_channel_by_channel(py21cmsense, coeval_cubes):
    n_los = 16
    lightcones = Bunch(
        delta_T=coeval_cubes.delta_T[:2],
        los_redshift=np.linspace(7.0, 10.0, n_los),
        box_size=300.0,
    )
    observed = observe_cubes(lightcones, hours=100.0, random_state=0, **FAST)
    rms = observed.observation["noise_rms_mK"]["z=7-10"]
    assert len(rms) == n_los
    assert rms[-1] > rms[0]
    noise = _noise(lightcones, random_state=0).reshape(2, 16, 16, n_los)
    per_channel = noise.std(axis=(0, 1, 2))
    assert per_channel[-4:].mean() > per_channel[:4].mean()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(telescope="LOFAR"), "telescope"),
        (dict(hours=-1.0), "hours"),
        (dict(hours_per_day=30.0), "hours_per_day"),
        (dict(scan="mosaic"), "scan"),
        (dict(resolution="sinc"), "resolution"),
        (dict(wedge="pessimistic"), "wedge"),
        (dict(field="x_HI"), "no 'x_HI'"),
    ],
)
def test_bad_settings_are_named(coeval_cubes, change, match):
    with pytest.raises(ValueError, match=match):
        observe_cubes(coeval_cubes, **{**FAST, **change})


def test_bunch_geometry_is_checked(coeval_cubes):
    no_size = Bunch(delta_T=coeval_cubes.delta_T, redshift=coeval_cubes.redshift)
    with pytest.raises(ValueError, match="box_size"):
        observe_cubes(no_size, **FAST)
    short = Bunch(delta_T=coeval_cubes.delta_T, redshift=[8.0], box_size=300.0)
    with pytest.raises(ValueError, match="one entry per cube"):
        observe_cubes(short, **FAST)
    cone = Bunch(delta_T=coeval_cubes.delta_T, los_redshift=[8.0, 9.0], box_size=300.0)
    with pytest.raises(ValueError, match="line-of-sight cell"):
        observe_cubes(cone, **FAST)


def test_lightcone_files_are_observed_with_their_own_cosmology(py21cmsense, data_dir):
    from skcosmo21.datasets import load_lightcone

    lightcones = load_lightcone(data_dir / "lightcone-v4")
    observed = observe_cubes(lightcones, hours=1000.0, wedge="horizon", random_state=0, **FAST)
    assert observed.delta_T.shape == lightcones.delta_T.shape
    assert (
        observed.observation["cosmology"]["hlittle"]
        == (lightcones.params[0]["cosmo_params"]["hlittle"])
    )
    stretched = Bunch(**{**lightcones, "los_distance": lightcones.los_distance * 1.5})
    with pytest.raises(ValueError, match="cubic cells"):
        observe_cubes(stretched, **FAST)
