import numpy as np
import pytest
from scipy import integrate

from skcosmo21.physics import (
    Cosmology,
    eisenstein_hu_transfer,
    linear_power_spectrum,
    sigma_r,
    top_hat_window,
)

PLANCK = Cosmology()


def test_transfer_limits():
    assert eisenstein_hu_transfer(1e-6, PLANCK) == pytest.approx(1.0, abs=1e-4)
    k = np.logspace(-3, 2, 50)
    assert np.all(np.diff(eisenstein_hu_transfer(k, PLANCK)) < 0)
    # Deep in the small-scale regime T ∝ ln(k)/k².
    t1, t2 = eisenstein_hu_transfer([50.0, 100.0], PLANCK)
    assert t1 / t2 == pytest.approx(4 * np.log(50) / np.log(100), rel=0.1)


def test_top_hat_window_series_and_exact_agree():
    x = np.array([1e-4, 2e-3, 0.5, 3.0])
    exact = 3 * (np.sin(x) - x * np.cos(x)) / x**3
    np.testing.assert_allclose(top_hat_window(x)[2:], exact[2:], rtol=1e-12)
    np.testing.assert_allclose(top_hat_window(x)[:2], 1 - x[:2] ** 2 / 10, rtol=1e-9)


def test_sigma8_normalisation():
    assert sigma_r(8.0 / PLANCK.hlittle, PLANCK) == pytest.approx(PLANCK.sigma_8, rel=1e-10)


@pytest.mark.parametrize("radius", [0.5, 2.0, 15.0, 60.0])
def test_sigma_matches_direct_integration(radius):
    def integrand(lnk):
        k = np.exp(lnk)
        return k**3 * linear_power_spectrum(k, PLANCK) * top_hat_window(k * radius) ** 2

    variance, _ = integrate.quad(integrand, np.log(1e-6), np.log(2e3), limit=500)
    assert sigma_r(radius, PLANCK) == pytest.approx(np.sqrt(variance / (2 * np.pi**2)), rel=2e-3)


def test_sigma_decreases_with_radius():
    assert np.all(np.diff(sigma_r(np.logspace(-1, 2, 30), PLANCK)) < 0)
