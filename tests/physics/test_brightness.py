import numpy as np
import pytest
import scipy.fft

from skcosmo21.physics import (
    Cosmology,
    brightness_temperature,
    brightness_temperature_prefactor,
    growth_rate,
    line_of_sight_velocity_gradient,
)

PLANCK = Cosmology()


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


def test_stack_of_neutral_fractions_gives_each_cube_bitwise():
    rng = np.random.default_rng(1)
    neutral = rng.random((3, 4, 4, 4), dtype=np.float32)
    density = rng.normal(0, 0.3, (4, 4, 4)).astype(np.float32)
    gradient = rng.normal(0, 0.3, (4, 4, 4)).astype(np.float32)
    out = np.empty((3, 4, 4, 4), dtype=np.float32)
    stacked = brightness_temperature(neutral, density, 20.0, gradient, out=out)
    assert stacked is out
    for cube, one in zip(stacked, neutral, strict=True):
        np.testing.assert_array_equal(cube, brightness_temperature(one, density, 20.0, gradient))


def test_brightness_reproduces_21cmfast_from_its_own_fields(data_dir):
    # BrightnessTemperatureBox.c: T0 x_HI (1 + δ) / (1 + clip(dv/dr / H, ±0.2)), with the
    # velocity of PerturbField.c derived from the evolved density.
    with np.load(data_dir / "21cmfast-main-grid-steps" / "steps.npz") as ref:
        density, x_hi, real = ref["density"], ref["x_HI"], ref["delta_T"]
        z = float(ref["redshift"])
    gradient = growth_rate(z, PLANCK) * line_of_sight_velocity_gradient(scipy.fft.rfftn(density))
    t0 = brightness_temperature_prefactor(z, PLANCK)
    for neutral, expected in zip(x_hi, real, strict=True):
        np.testing.assert_allclose(
            brightness_temperature(neutral, density, t0, gradient), expected, atol=0.01
        )
