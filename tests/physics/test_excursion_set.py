import numpy as np
import pytest
from scipy import integrate, special

from skcosmo21.physics import (
    conditional_collapsed_fraction,
    ionization_threshold,
    press_schechter_collapsed_fraction,
    sheth_tormen_collapsed_fraction,
)


def test_sheth_tormen_reduces_to_press_schechter():
    nu = np.linspace(0.1, 5, 20)
    np.testing.assert_allclose(
        sheth_tormen_collapsed_fraction(nu, a=1.0, p=0.0, A=0.5),
        press_schechter_collapsed_fraction(nu),
        rtol=1e-12,
    )


def test_sheth_tormen_closed_form_matches_integral_of_multiplicity():
    a, p, A = 0.73, 0.175, 0.353

    def multiplicity(nu):  # per d nu, as 21cmFAST's dNdM_st integrand
        nh = np.sqrt(a) * nu
        return A * np.sqrt(2 / np.pi) * (1 + nh ** (-2 * p)) * np.exp(-(nh**2) / 2) * np.sqrt(a)

    for nu_min in (0.5, 1.5, 3.0):
        direct, _ = integrate.quad(multiplicity, nu_min, np.inf)
        assert sheth_tormen_collapsed_fraction(nu_min, a, p, A) == pytest.approx(direct, rel=1e-8)


def test_original_sheth_tormen_is_normalised():
    # With A = 0.3222, a = 0.707, p = 0.3 all mass is in halos: F(>0) = 1.
    assert sheth_tormen_collapsed_fraction(1e-12, a=0.707, p=0.3, A=0.3222) == pytest.approx(
        1.0, abs=2e-3
    )


def test_conditional_fraction_limits():
    assert conditional_collapsed_fraction(0.0, 2.0, 0.0) == pytest.approx(
        special.erfc(1.686 / np.sqrt(8.0))
    )
    assert conditional_collapsed_fraction(5.0, 2.0, 1.0) == 1.0


def test_threshold_inverts_collapsed_fraction():
    efficiency = np.array([2.0, 30.0, 500.0])
    thr = ionization_threshold(efficiency, 2.5, 0.7)
    np.testing.assert_allclose(efficiency * conditional_collapsed_fraction(thr, 2.5, 0.7), 1.0)
    assert np.all(np.diff(thr) < 0)
    assert ionization_threshold(0.9, 2.5, 0.7) == np.inf
