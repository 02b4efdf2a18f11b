import numpy as np
import pytest
import scipy.fft

from skcosmo21.physics import (
    Cosmology,
    binned_power_spectrum,
    brightness_temperature,
    brightness_temperature_prefactor,
    cloud_in_cell_density,
    default_k_edges,
    filter_window,
    gaussian_random_field_k,
    line_of_sight_velocity_gradient,
    linear_power_spectrum,
    zeldovich_displacement,
)

PLANCK = Cosmology()


def test_gaussian_field_reproduces_input_power_spectrum():
    n, box = 64, 200.0
    rng = np.random.default_rng(1)
    fields = [
        scipy.fft.irfftn(
            gaussian_random_field_k(n, box, lambda k: linear_power_spectrum(k, PLANCK), rng),
            s=(n,) * 3,
        )
        for _ in range(4)
    ]
    edges = default_k_edges(n, box, 10)
    k, power, counts = binned_power_spectrum(np.stack(fields), box, edges, ndim=3)
    measured = power.mean(axis=0)
    expected = linear_power_spectrum(k, PLANCK)
    # Sampling error of a bin: sqrt(2 / (2 * modes * realizations)) of a chi-squared mean,
    # plus the spread of P within a bin at low k; 5 sigma plus 10 % is generous but sharp.
    tolerance = 5 * np.sqrt(1.0 / (counts * 4 / 2)) + 0.1
    assert np.all(np.abs(measured / expected - 1) < tolerance)


def test_constant_power_gives_unit_variance_white_noise():
    n, box = 32, 32.0
    delta_k = gaussian_random_field_k(n, box, lambda k: np.ones_like(k), np.random.default_rng(0))
    field = scipy.fft.irfftn(delta_k, s=(n,) * 3)
    # P = 1 Mpc³ with 1 Mpc cells is unit-variance white noise.
    assert field.std() == pytest.approx(1.0, rel=0.02)
    assert abs(field.mean()) < 1e-6


def test_sharp_k_window_cut():
    k = np.array([0.0, 1.0, 2.4, 2.5])
    assert filter_window("sharp-k", k, 1.0).tolist() == [1.0, 1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="filter"):
        filter_window("gaussian", k, 1.0)


def test_zeldovich_displacement_of_a_plane_wave():
    n, box = 16, 16.0
    x = np.arange(n)
    amplitude, k = 0.1, 2 * np.pi / box
    delta = amplitude * np.cos(k * x)[:, None, None] * np.ones((n, n, n))
    psi = zeldovich_displacement(scipy.fft.rfftn(delta), box)
    # ψ = i k δ_k / k² gives ψ_x = -(A/k) sin(kx): matter flows towards the crest, and
    # -∇·ψ = δ. In cells, which are 1 Mpc here.
    np.testing.assert_allclose(psi[0, :, 0, 0], -amplitude / k * np.sin(k * x), atol=1e-5)
    np.testing.assert_allclose(psi[1:], 0, atol=1e-6)


def test_cloud_in_cell_conserves_mass_and_follows_linear_theory():
    n, box = 32, 32.0
    delta_k = gaussian_random_field_k(
        n, box, lambda k: 50 * np.exp(-((k / 0.4) ** 2)), np.random.default_rng(2)
    )
    linear = scipy.fft.irfftn(delta_k, s=(n,) * 3)
    growth = 1e-2
    evolved = cloud_in_cell_density(growth * zeldovich_displacement(delta_k, box))
    assert evolved.mean() == pytest.approx(0.0, abs=1e-6)
    assert evolved.min() >= -1
    # For small displacements δ ≈ -∇·ψ = D δ_lin (smoothed by the CIC kernel on large scales).
    assert np.corrcoef(evolved.ravel(), linear.ravel())[0, 1] > 0.93
    slope = np.polyfit(linear.ravel(), evolved.ravel(), 1)[0]
    assert slope == pytest.approx(growth, rel=0.1)


def test_velocity_gradient_of_plane_wave_along_line_of_sight():
    n = 16
    z = np.arange(n)
    delta = np.cos(2 * np.pi * z / n)[None, None, :] * np.ones((n, n, n))
    gradient = line_of_sight_velocity_gradient(scipy.fft.rfftn(delta))
    # k_parallel = k: the gradient is -δ; a wave across the line of sight gives none.
    np.testing.assert_allclose(gradient, -delta, atol=1e-6)
    across = np.transpose(delta, (2, 1, 0))
    np.testing.assert_allclose(
        line_of_sight_velocity_gradient(scipy.fft.rfftn(across)), 0, atol=1e-6
    )


def test_fully_neutral_brightness_temperature_is_the_formula():
    z = 8.0
    h2 = PLANCK.hlittle**2
    expected = (
        27 * (PLANCK.omega_b * h2 / 0.023) * np.sqrt(0.15 / (PLANCK.omega_m * h2) * (1 + z) / 10)
    )
    t0 = brightness_temperature_prefactor(z, PLANCK)
    assert t0 == pytest.approx(expected)
    density = np.array([-0.5, 0.0, 1.0], dtype=np.float32)
    np.testing.assert_allclose(
        brightness_temperature(np.ones(3, np.float32), density, t0),
        expected * (1 + density),
        rtol=1e-6,
    )
    # RSD factor 1 / (1 + dv/dr / aH), clipped at ±0.2.
    gradient = np.array([0.1, 0.5, -0.5], dtype=np.float32)
    np.testing.assert_allclose(
        brightness_temperature(np.ones(3, np.float32), np.zeros(3, np.float32), t0, gradient),
        expected / np.array([1.1, 1.2, 0.8]),
        rtol=1e-6,
    )
