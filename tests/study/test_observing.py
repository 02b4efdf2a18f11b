"""The study on observed cubes: the settings, what each removes, the figure.

The end-to-end run (CLI, fold cache per observing time) is in tests/test_main_job.py.
"""

import numpy as np
import pytest

from skcosmo21.study import QUICK
from skcosmo21.study._observing import (
    observe,
    observing_settings,
    prior_seed,
    setting_label,
    signal_prior,
)
from skcosmo21.study._report import observing_figure

WEDGE = "mean and horizon wedge removed"


def test_settings_are_the_reference_then_each_observing_time():
    assert observing_settings(QUICK) == []
    config = QUICK.replace(telescope="HERA", hours=[100, 10], wedge=30.0, scan="drift")
    reference, *timed = observing_settings(config)
    assert reference["hours"] is None
    assert reference["resolution"] is None  # no uv sampling: the mean and the wedge only
    assert [s["hours"] for s in timed] == [100.0, 10.0]
    assert all(s["resolution"] == "uv" and s["scan"] == "drift" for s in timed)
    assert setting_label(reference) == "no noise, mean and 30° wedge removed"
    assert setting_label(timed[1]) == "HERA, 10 h, mean and 30° wedge removed, Wiener-filtered"
    assert reference["noise_filter"] == "none"  # nothing to filter without noise
    unfiltered = observing_settings(config.replace(noise_filter="none"))[1]
    assert setting_label(unfiltered) == "HERA, 100 h, mean and 30° wedge removed"
    assert setting_label(None) == "simulated maps"


def test_the_reference_removes_every_channel_mean_and_the_wedge(small_cubes):
    (reference,) = observing_settings(QUICK.replace(telescope="SKA1-Low", hours=[1.0]))[:1]
    seen = observe(small_cubes, reference, random_state=0)
    assert seen.delta_T is not small_cubes.delta_T
    np.testing.assert_allclose(seen.delta_T.mean(axis=(1, 2)), 0.0, atol=1e-4)
    # The wedge takes away the modes with the smallest k_par: most of a 48 Mpc box's power.
    assert seen.delta_T.std() < 0.9 * (small_cubes.delta_T - small_cubes.delta_T.mean()).std()
    assert seen.observation["hours"] is None
    assert observe(small_cubes, None, random_state=0) is small_cubes


def _row(task, key, accuracy, hours="simulated", chance=0.2):
    observation = None
    if hours != "simulated":
        observation = {"telescope": "SKA1-Low", "hours": hours, "wedge": "horizon"}
    return {
        "task": task,
        "model_key": key,
        "accuracy_mean": accuracy,
        "accuracy_std": 0.01,
        "chance": chance,
        "observation": observation,
    }


def test_figure_draws_the_best_baseline_at_the_longest_time_and_the_cnn():
    config = QUICK.replace(
        tasks=["b"], models=["pca", "one-point", "cnn"], telescope="SKA1-Low", hours=[10, 1000]
    )
    config = config.replace(network_tasks=["b"])
    rows = [
        _row("b", "pca", 0.95),
        _row("b", "one-point", 0.99),
        _row("b", "cnn", 0.98),
        _row("b", "pca", 0.7, hours=None),
        _row("b", "one-point", 0.8, hours=None),
        _row("b", "cnn", 0.9, hours=None),
        # PCA is better at 10 h, the one-point model after 1,000 h: the latter is drawn.
        _row("b", "pca", 0.5, hours=10.0),
        _row("b", "one-point", 0.4, hours=10.0),
        _row("b", "cnn", 0.45, hours=10.0),
        _row("b", "pca", 0.6, hours=1000.0),
        _row("b", "one-point", 0.75, hours=1000.0),
        _row("b", "cnn", 0.85, hours=1000.0),
    ]
    (ax,) = observing_figure(rows, config).axes
    curves = [line for line in ax.lines if line.get_marker() == "o"]
    assert [line.get_label() for line in curves] == [
        "OnePointStatistics + HistGradientBoosting",
        "ConvClassifier on slices",
    ]
    assert curves[0].get_ydata().tolist() == [0.4, 0.75]
    assert curves[1].get_ydata().tolist() == [0.45, 0.85]
    levels = {
        (line.get_color(), line.get_linestyle()): line.get_ydata()[0]
        for line in ax.lines
        if line.get_linestyle() in ("--", ":")
    }
    assert levels[(curves[0].get_color(), "--")] == 0.8
    assert levels[(curves[0].get_color(), ":")] == 0.99
    assert levels[(curves[1].get_color(), "--")] == 0.9
    assert "task b" in ax.get_title()


def test_wiener_filter_brings_the_observed_maps_closer_to_the_noiseless_ones(small_cubes):
    pytest.importorskip("py21cmsense")
    config = QUICK.replace(telescope="HERA", hours=[300.0], wedge="none", scan="drift")
    _, setting = observing_settings(config)
    raw = observe(small_cubes, {**setting, "noise_filter": "none"}, random_state=0)
    noiseless = observe(small_cubes, {**setting, "hours": None}, random_state=0)
    prior = signal_prior(small_cubes, random_state=0)
    filtered = observe(small_cubes, setting, random_state=0, signal_power=prior)
    assert filtered.observation["noise_filter"] == "wiener"
    assert filtered.delta_T.dtype == raw.delta_T.dtype
    # The minimum-variance estimate: closer to the noiseless maps than the raw observation.
    error_raw = np.mean((raw.delta_T - noiseless.delta_T) ** 2)
    error_filtered = np.mean((filtered.delta_T - noiseless.delta_T) ** 2)
    assert error_filtered < 0.5 * error_raw
    # Unmeasured modes stay unmeasured, measured ones are weighted in [0, 1].
    modes_raw = np.fft.rfftn(raw.delta_T[0])
    ratio = np.abs(np.fft.rfftn(filtered.delta_T[0])) / np.maximum(np.abs(modes_raw), 1e-12)
    assert np.all(ratio[np.abs(modes_raw) > 1e-3] <= 1 + 1e-4)
    # With a negligible noise the filter keeps every measured mode as it is.
    deep = {**setting, "hours": 1e16}
    kept = observe(small_cubes, deep, random_state=0, signal_power=prior).delta_T
    unfiltered = observe(small_cubes, {**deep, "noise_filter": "none"}, random_state=0).delta_T
    np.testing.assert_allclose(kept, unfiltered, atol=1e-3 * small_cubes.delta_T.std())


def test_the_prior_is_an_independent_simulation():
    assert prior_seed(0) != 0
    assert prior_seed(0) == prior_seed(0) != prior_seed(1)
