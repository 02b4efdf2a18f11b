import numpy as np
import pytest

from skcosmo21.physics import (
    binned_power_spectrum,
    default_k_edges,
    dimensionless_power,
    merge_empty_bins,
)


def test_white_noise_power_is_cell_area():
    images = np.random.default_rng(0).standard_normal((50, 64, 64))
    box = 128.0  # 2 Mpc pixels: white noise of unit variance has P = 4 Mpc²
    _, power, _ = binned_power_spectrum(images, box, default_k_edges(64, box, 8), ndim=2)
    assert power.mean() == pytest.approx(4.0, rel=0.02)


def test_single_mode_lands_in_its_bin():
    n, box = 32, 32.0
    x = np.arange(n)
    image = np.cos(2 * np.pi * 4 * x / n)[None, :] * np.ones((n, 1))
    edges = np.array([0.5, 0.7, 0.9, 1.1])  # k = 2π·4/32 = 0.785 lies in the second bin
    k, power, counts = binned_power_spectrum(image, box, edges, ndim=2)
    assert power[0] > 0
    assert power[2] == pytest.approx(0, abs=1e-20)
    assert np.argmax(power) == 1


def test_merge_empty_bins_leaves_only_populated_bins():
    edges = merge_empty_bins(default_k_edges(16, 16.0, 40), 16, 16.0, ndim=2)
    _, _, counts = binned_power_spectrum(np.zeros((1, 16, 16)), 16.0, edges, ndim=2)
    assert np.all(counts > 0)


def test_dimensionless_power():
    assert dimensionless_power(2.0, 1.0) == pytest.approx(8 / (2 * np.pi**2))


def test_fundamental_modes_on_the_first_edge_land_in_the_first_bin():
    # For L = 10.5 Mpc, 2π/L and |2π·fftfreq| differ in the last bit: the four fundamental
    # modes used to fall below the first edge and out of every bin.
    n, box = 16, 10.5
    edges = default_k_edges(n, box, 4)
    x = np.arange(n)
    image = np.cos(2 * np.pi * x / n)[None, :] * np.ones((n, 1))
    _, power, counts = binned_power_spectrum(image, box, edges, ndim=2)
    assert power[0] > 0
    assert np.argmax(power) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 32.0, 4), "n_cells must"),
        ((16, -1.0, 4), "box_size must"),
        ((16, 32.0, 0), "n_bins must"),
    ],
)
def test_default_k_edges_refuses_a_grid_that_is_not_one(args, message):
    # Before issue #13: NumPy's "Geometric sequence cannot include zero", or negative k edges.
    with pytest.raises(ValueError, match=message):
        default_k_edges(*args)


def test_binned_power_spectrum_names_a_bad_ndim_or_shape():
    images = np.zeros((2, 8, 8))
    with pytest.raises(ValueError, match="ndim must be 2"):
        binned_power_spectrum(images, 8.0, [0.5, 1.0], ndim=4)  # was NumPy's AxisError
    with pytest.raises(ValueError, match="fields must have at least ndim=3"):
        binned_power_spectrum(images[0], 8.0, [0.5, 1.0], ndim=3)
