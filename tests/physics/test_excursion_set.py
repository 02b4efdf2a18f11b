import numpy as np
import pytest
import scipy.fft
from scipy import integrate, special

from skcosmo21.physics import (
    DELTA_CRIT,
    Cosmology,
    ExcursionSet,
    cell_neutral_fraction,
    cell_smoothing_radius,
    conditional_collapsed_fraction,
    ionization_threshold,
    press_schechter_collapsed_fraction,
    sheth_tormen_collapsed_fraction,
    smoothing_radii,
)

PLANCK = Cosmology()


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


def test_collapse_threshold_is_21cmfasts():
    # 21cmFAST 3.4's Constants.h: #define Deltac (1.68).
    assert DELTA_CRIT == 1.68


def test_conditional_fraction_limits():
    assert conditional_collapsed_fraction(0.0, 2.0, 0.0) == pytest.approx(
        special.erfc(1.68 / np.sqrt(8.0))
    )
    # Capped at 1 above the threshold: 21cmFAST's splined_erfc returns 1 for a negative
    # argument (ps.c), and its erfc table in IonisationBox.c is built from it.
    assert conditional_collapsed_fraction(1.68, 2.0, 1.0) == pytest.approx(1.0)
    assert conditional_collapsed_fraction(50.0, 2.0, 1.0) == 1.0


def test_threshold_inverts_collapsed_fraction():
    efficiency = np.array([1.2, 2.0, 30.0, 500.0])
    thr = ionization_threshold(efficiency, 2.5, 0.7)
    np.testing.assert_allclose(efficiency * conditional_collapsed_fraction(thr, 2.5, 0.7), 1.0)
    assert np.all(np.diff(thr) < 0)
    # The collapsed fraction never exceeds 1: an efficiency of 1 or less never ionizes.
    assert ionization_threshold(0.9, 2.5, 0.7) == np.inf


def test_smoothing_radii_follow_21cmfast():
    # IonisationBox.c: R_BUBBLE_MAX, then the largest R_cell * 1.1**k below it, then steps of
    # 1.1 down to 1.1**2 R_cell, then R_cell itself (1.1 R_cell is never used).
    radii = smoothing_radii(64, 128.0, 15.0)
    r_cell = 0.620350491 * 2.0
    assert radii[0] == 15.0
    assert radii[-1] == pytest.approx(r_cell)
    assert radii[-2] == pytest.approx(r_cell * 1.1**2)
    np.testing.assert_allclose(radii[1:-2] / radii[2:-1], 1.1)
    k = np.log(radii[1] / r_cell) / np.log(1.1)
    assert k == pytest.approx(round(k))
    assert radii[1] <= 15.0 < radii[1] * 1.1
    # The box's own scale caps R_BUBBLE_MAX; R_BUBBLE_MIN = 0.62 Mpc floors the cell scale.
    assert smoothing_radii(16, 16.0, 15.0)[0] == pytest.approx(0.620350491 * 16.0)
    assert cell_smoothing_radius(64, 32.0) == pytest.approx(0.620350491)


def test_cell_neutral_fraction_samples_halos_where_few():
    f = np.full(5, 0.02)
    density = np.zeros(5)
    counts = np.array([5, 0, 10, 5, 5])
    # Cell mass 1e11: 0.02 * 1e11 / 1e9 = 2 halos of the minimum mass, fewer than 5.
    x = cell_neutral_fraction(f, 20.0, density, 1e11, 1e9, halo_counts=counts)
    np.testing.assert_allclose(x, [0.6, 1.0, 0.2, 0.6, 0.6], rtol=1e-6)
    # Enough halos: no sampling, and the fraction is capped at 1 before ζ applies.
    x = cell_neutral_fraction(np.array([0.02, 3.0]), 20.0, np.zeros(2), 1e13, 1e9, counts[:2])
    np.testing.assert_allclose(x, [0.6, 0.0], atol=1e-6)
    # Less than a fifth of one halo's mass: no sources at all.
    x = cell_neutral_fraction(np.array([1e-3]), 20.0, np.zeros(1), 1e11, 1e9, counts[:1])
    assert x[0] == 1.0


@pytest.fixture(scope="module")
def reference_steps(data_dir):
    """21cmFAST 3.4.0's own fields for one run (see tests/data/21cmfast-main-grid-steps)."""
    with np.load(data_dir / "21cmfast-main-grid-steps" / "steps.npz") as steps:
        return dict(steps)


def test_excursion_set_reproduces_21cmfast_on_its_own_density(reference_steps):
    ref = reference_steps
    n, box, z = ref["density"].shape[0], float(ref["box_size"]), float(ref["redshift"])
    steps = ExcursionSet(n, box, PLANCK, min_virial_temperature=10**4.69897)
    zetas = ref["zetas"]
    ours = steps.neutral_fraction(ref["density"], z, zetas)
    for x_ours, x_real in zip(ours, ref["x_HI"], strict=True):
        # Same cells ionized, and the same partial ionization where 21cmFAST's halo draw
        # (a fixed random sequence we cannot reproduce) leaves the cell alone.
        assert np.mean((x_ours == 0) == (x_real == 0)) > 0.998
        assert np.mean(np.abs(x_ours - x_real) < 2e-3) > 0.97
        assert abs(x_ours.mean() - x_real.mean()) < 2e-3


def test_excursion_set_refuses_sources_heavier_than_a_cell():
    steps = ExcursionSet(16, 16.0, PLANCK, min_virial_temperature=1e6)
    with pytest.raises(ValueError, match="minimum virial temperature"):
        steps.neutral_fraction(np.zeros((16, 16, 16)), 6.0, [30.0])


@pytest.mark.parametrize(
    ("redshift", "expected"),
    # IonizedBox.mean_f_coll of py21cmfast 3.4.0 (HMF=1, ION_Tvir_MIN=10^4.69897, defaults).
    [(7.0, 0.03163829157405707), (8.0, 0.01888911747667245), (10.0, 0.006147045273539048)],
)
def test_sheth_tormen_mean_collapsed_fraction_is_21cmfasts(redshift, expected):
    # The chain transfer function → σ(M) → virial mass → growth → δc → Sheth–Tormen.
    from skcosmo21.physics import (
        growth_factor_fit,
        mass_to_radius,
        sigma_r,
        virial_temperature_to_mass,
    )

    mass = virial_temperature_to_mass(10**4.69897, redshift, PLANCK)
    sigma = sigma_r(mass_to_radius(mass, PLANCK), PLANCK) * growth_factor_fit(redshift, PLANCK)
    assert sheth_tormen_collapsed_fraction(DELTA_CRIT / sigma) == pytest.approx(expected, rel=2e-3)


def test_band_limited_inverse_is_the_full_inverse_with_a_reused_buffer():
    # The pruned transform leaves out zero terms only; the padded buffer it reuses must not
    # carry one radius's modes into the next, whether the bands grow or shrink.
    from skcosmo21.physics._excursion_set import _band_limit, _BandLimitedInverse
    from skcosmo21.physics._fields import filter_window, wavenumber_magnitude

    n = 32
    density = np.random.default_rng(2).normal(0, 1, (n, n, n)).astype(np.float32)
    delta_k = scipy.fft.rfftn(density)
    k = wavenumber_magnitude(n, 64.0)
    inverse = _BandLimitedInverse(delta_k)
    for radius in (12.0, 6.0, 9.0, 4.0):
        window = filter_window("sharp-k", k, radius).astype(bool)
        full = scipy.fft.irfftn(delta_k * window, s=density.shape)
        pruned = inverse(window, _band_limit(window))
        np.testing.assert_allclose(pruned, full, rtol=0, atol=1e-6 * np.abs(full).max())
