import numpy as np
import pytest

from skcosmo21.physics import (
    Cosmology,
    growth_factor,
    growth_rate,
    hubble_ratio,
    mass_to_radius,
    omega_m_of_z,
    radius_to_mass,
    redshift_to_frequency,
    virial_temperature_to_mass,
)

PLANCK = Cosmology()
EDS = Cosmology(omega_m=1.0)


def test_einstein_de_sitter_growth_is_scale_factor():
    z = np.array([0.0, 1.0, 7.0, 20.0])
    np.testing.assert_allclose(growth_factor(z, EDS), 1.0 / (1.0 + z), rtol=1e-8)
    np.testing.assert_allclose(growth_rate(z, EDS), 1.0, rtol=1e-8)


def test_lcdm_growth_matches_carroll_press_turner():
    # Carroll, Press & Turner (1992) approximation, accurate to ~1 % for flat ΛCDM.
    def cpt(z):
        om = omega_m_of_z(z, PLANCK)
        ol = 1.0 - om
        return 2.5 * om / (om ** (4 / 7) - ol + (1 + om / 2) * (1 + ol / 70)) / (1 + z)

    z = np.array([0.5, 2.0, 8.0])
    np.testing.assert_allclose(growth_factor(z, PLANCK), cpt(z) / cpt(0.0), rtol=1e-2)


def test_growth_rate_matches_linder_gamma():
    # f ≈ Ω_m(z)^0.55 (Linder 2005) to better than 1 % in ΛCDM.
    z = np.array([0.0, 1.0, 5.0])
    np.testing.assert_allclose(growth_rate(z, PLANCK), omega_m_of_z(z, PLANCK) ** 0.55, rtol=1e-2)


def test_hubble_ratio_today_and_matter_domination():
    assert hubble_ratio(0.0, PLANCK) == pytest.approx(1.0)
    assert hubble_ratio(1000.0, PLANCK) == pytest.approx(
        np.sqrt(PLANCK.omega_m) * 1001.0**1.5, rel=1e-6
    )


def test_mass_radius_round_trip_and_value():
    assert mass_to_radius(radius_to_mass(3.0, PLANCK), PLANCK) == pytest.approx(3.0)
    # 4π/3 ρ̄_m for R = 1 Mpc with ρ_crit = 2.775e11 h² M_sun/Mpc³.
    expected = 4 * np.pi / 3 * 2.775e11 * PLANCK.hlittle**2 * PLANCK.omega_m
    assert radius_to_mass(1.0, PLANCK) == pytest.approx(expected)


def test_virial_mass_matches_21cmfast_constant():
    # 21cmFAST's TtoM: 7030.97/h sqrt(Ω_m(z)/(Ω_m Δc)) (T/(μ(1+z)))^1.5 — the same
    # Barkana & Loeb (2001) relation with its constants multiplied out.
    z, t, mu = 8.0, 5e4, 0.6  # μ that 21cmFAST 3.4's IonisationBox.c uses above 10^4 K
    d = omega_m_of_z(z, PLANCK) - 1
    delta_c = 18 * np.pi**2 + 82 * d - 39 * d**2
    expected = (
        7030.97
        / PLANCK.hlittle
        * np.sqrt(omega_m_of_z(z, PLANCK) / (PLANCK.omega_m * delta_c))
        * (t / (mu * (1 + z))) ** 1.5
    )
    assert virial_temperature_to_mass(t, z, PLANCK) == pytest.approx(expected, rel=1e-4)
    # Cooler, neutral halos use μ = 1.22.
    assert virial_temperature_to_mass(5e3, z, PLANCK) < virial_temperature_to_mass(1e4, z, PLANCK)


def test_growth_fit_is_21cmfasts_dicke():
    from skcosmo21.physics import growth_factor_fit

    # Exact in Einstein-de Sitter without radiation, and within 0.2 % of the exact ΛCDM
    # growth (Carroll, Press & Turner 1992) at the redshifts of reionization.
    z = np.array([0.0, 3.0, 9.0])
    np.testing.assert_allclose(growth_factor_fit(z, EDS, omega_r=0.0), 1 / (1 + z), rtol=1e-12)
    z = np.array([6.0, 8.0, 11.0, 20.0])
    np.testing.assert_allclose(growth_factor_fit(z, PLANCK), growth_factor(z, PLANCK), rtol=2e-3)
    # 21cmFAST 3.4's dicke(8.0) with OMr = 8.6e-5 (UsefulFunctions.c), evaluated by hand.
    om = PLANCK.omega_m * 9**3 / (1 - PLANCK.omega_m + PLANCK.omega_m * 9**3 + 8.6e-5 * 9**4)

    def g(o):
        return 2.5 * o / (1 / 70 + o * (209 - o) / 140 + o ** (4 / 7))

    assert growth_factor_fit(8.0, PLANCK) == pytest.approx(g(om) / (g(PLANCK.omega_m) * 9))


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"omega_m": -1.0}, "omega_m"),
        ({"omega_m": 1.5}, "omega_m"),
        ({"hlittle": 0.0}, "hlittle"),
        ({"omega_b": 0.5}, "omega_b"),  # more baryons than matter
        ({"sigma_8": float("nan")}, "sigma_8"),
        ({"t_cmb": -2.7}, "t_cmb"),
    ],
)
def test_a_cosmology_outside_flat_lcdm_is_refused(params, name):
    # Before issue #13 these were accepted and gave NaN or nonsense growth and masses.
    with pytest.raises(ValueError, match=rf"{name} must"):
        Cosmology(**params)


@pytest.mark.parametrize("z", [-1.0, -2.0, float("nan"), float("inf")])
def test_redshifts_at_or_below_minus_one_are_refused(z):
    with pytest.raises(ValueError, match="z must be finite redshifts above -1"):
        growth_factor(z, Cosmology())
    with pytest.raises(ValueError, match="z must be finite redshifts above -1"):
        redshift_to_frequency(z)
