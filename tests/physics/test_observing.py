import numpy as np
import pytest

from skcosmo21.physics import (
    LINE_FREQUENCY_MHZ,
    Cosmology,
    comoving_distance,
    frequency_to_redshift,
    hubble_parameter,
    line_of_sight_distance_per_frequency,
    redshift_to_frequency,
    wedge_slope,
)

PLANCK = Cosmology()


def test_frequency_and_redshift_are_inverse():
    z = np.array([6.0, 8.0, 12.5])
    np.testing.assert_allclose(frequency_to_redshift(redshift_to_frequency(z)), z, rtol=1e-14)
    assert redshift_to_frequency(0.0) == LINE_FREQUENCY_MHZ


def test_expansion_rate_matches_astropy_with_planck15_radiation():
    astropy_cosmology = pytest.importorskip("astropy.cosmology")
    units = pytest.importorskip("astropy.units")
    reference = astropy_cosmology.FlatLambdaCDM(
        H0=100 * PLANCK.hlittle,
        Om0=PLANCK.omega_m,
        Tcmb0=2.7255,
        Neff=3.046,
        m_nu=[0.0, 0.0, 0.06] * units.eV,
    )
    z = np.array([0.5, 6.0, 8.0, 10.0])
    np.testing.assert_allclose(
        hubble_parameter(z, PLANCK), reference.H(z).to_value("km/(s Mpc)"), rtol=1e-6
    )


def test_depth_per_frequency_is_the_derivative_of_distance():
    z = 8.0
    step = 1e-3
    nu = redshift_to_frequency(z)
    numeric = (
        comoving_distance(frequency_to_redshift(nu - step), PLANCK)
        - comoving_distance(frequency_to_redshift(nu + step), PLANCK)
    ) / (2 * step)
    np.testing.assert_allclose(line_of_sight_distance_per_frequency(z, PLANCK), numeric, rtol=1e-6)


def test_wedge_slope_formula_and_angle():
    z = 8.0
    c = 299792.458
    expected = comoving_distance(z, PLANCK) * hubble_parameter(z, PLANCK) / (c * (1 + z))
    assert float(wedge_slope(z, PLANCK)) == pytest.approx(float(expected), rel=1e-12)
    assert float(wedge_slope(z, PLANCK, angle=30.0)) == pytest.approx(float(expected) / 2)
    assert float(wedge_slope(z, PLANCK, angle=0.0)) == 0.0
    with pytest.raises(ValueError, match="angle"):
        wedge_slope(z, PLANCK, angle=120.0)
