import numpy as np
import pytest

from skcosmo21.physics import Cosmology, hubble_ratio
from skcosmo21.physics._distances import (
    comoving_distance,
    hubble_ratio_with_radiation,
    redshift_at_comoving_distance,
)

PLANCK18 = Cosmology(hlittle=0.6766, omega_m=0.30964144154550644, omega_b=0.04897468161869667)
Z = np.array([0.0, 0.01, 0.5, 1.0, 3.0, 7.0, 8.5, 12.0, 20.0, 35.0, 100.0, 1000.0])


def test_einstein_de_sitter_limit():
    # Omega_m = 1 and (nearly) no radiation: D = 2 c / H0 (1 - 1 / sqrt(1 + z)).
    cosmo = Cosmology(hlittle=0.7, omega_m=1.0)
    cold = {"t_cmb": 1e-4}
    expected = 2 * 299792.458 / 70.0 * (1 - 1 / np.sqrt(1 + Z))
    np.testing.assert_allclose(comoving_distance(Z, cosmo, **cold), expected, rtol=1e-10)
    np.testing.assert_allclose(
        hubble_ratio_with_radiation(Z, PLANCK18, **cold), hubble_ratio(Z, PLANCK18), rtol=1e-10
    )


def test_inverse_round_trip():
    distances = comoving_distance(Z, PLANCK18)
    np.testing.assert_allclose(redshift_at_comoving_distance(distances, PLANCK18), Z, atol=1e-10)
    assert hubble_ratio_with_radiation(0.0, PLANCK18) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("n_eff", [3.046, 3.044])
def test_matches_astropy_as_py21cmfast_builds_it(n_eff):
    cosmology = pytest.importorskip("astropy.cosmology")
    units = pytest.importorskip("astropy.units")
    # py21cmfast's Planck18: astropy's Planck15 cloned (3.x inputs.py, 4.x wrapper/inputs.py).
    reference = cosmology.Planck15.clone(
        H0=67.66, Om0=PLANCK18.omega_m, Ob0=PLANCK18.omega_b, Neff=n_eff
    )
    np.testing.assert_allclose(
        hubble_ratio_with_radiation(Z, PLANCK18, n_eff=n_eff), reference.efunc(Z), rtol=1e-10
    )
    np.testing.assert_allclose(
        comoving_distance(Z, PLANCK18, n_eff=n_eff),
        reference.comoving_distance(Z).to_value("Mpc"),
        rtol=1e-10,
    )
    distances = np.array([8811.75, 9000.0, 9273.7])
    expected = [
        cosmology.z_at_value(reference.comoving_distance, d * units.Mpc, ztol=1e-12).value
        for d in distances
    ]
    np.testing.assert_allclose(
        redshift_at_comoving_distance(distances, PLANCK18, n_eff=n_eff), expected, atol=1e-9
    )


def test_radiation_shifts_lightcone_redshifts():
    # Why the radiation is kept: without it the redshift of a z ~ 8 cell moves by ~0.05.
    distance = comoving_distance(8.0, PLANCK18)
    cold = redshift_at_comoving_distance(distance, PLANCK18, t_cmb=1e-4)
    assert 0.03 < 8.0 - cold < 0.08


def test_bad_input():
    with pytest.raises(ValueError, match="comoving distances must be finite"):
        redshift_at_comoving_distance([-1.0], PLANCK18)
    with pytest.raises(ValueError, match="comoving distances must be finite"):
        redshift_at_comoving_distance([1e6], PLANCK18)
    with pytest.raises(ValueError, match="redshifts must be finite"):
        comoving_distance(np.nan, PLANCK18)
    with pytest.raises(ValueError, match="3 non-negative masses"):
        comoving_distance(1.0, PLANCK18, neutrino_masses=(0.06,))
