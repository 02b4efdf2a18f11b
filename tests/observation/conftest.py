import numpy as np
import pytest

from skcosmo21.physics import Cosmology, comoving_distance, redshift_to_frequency


@pytest.fixture(scope="session")
def py21cmsense():
    """21cmSense, or a skip where the optional 'observe' extra is not installed."""
    return pytest.importorskip("py21cmsense")


def matched_box_size(dish_size, redshift):
    """Side (Mpc) of a box whose uv cell is one dish diameter, 21cmSense's uv cell."""
    wavelength = 299792458.0 / (redshift_to_frequency(redshift) * 1e6)
    return float(comoving_distance(redshift, Cosmology()) * wavelength / dish_size)


@pytest.fixture(scope="session")
def coeval_cubes():
    """Two redshifts x two escape fractions of 16^3 simulated cubes, 300 Mpc."""
    from skcosmo21.datasets import make_reionization_cubes

    return make_reionization_cubes(
        [7.5, 9.0], [0.1, 0.3], n_cells=16, box_size=300.0, fields="delta_T", random_state=0
    )


@pytest.fixture
def random_cubes():
    return np.random.default_rng(0).normal(size=(3, 12, 12, 12))


def chance_correlation(model, n_los):
    """Scatter of the correlation of two independent noise cubes of ``model``.

    1/sqrt(N_eff), with N_eff = (sum P)^2 / sum P^2 over the independent modes: few modes, or a
    noise dominated by a few sparsely sampled uv cells, correlate more by chance.
    """
    power = np.where(model.measured, model.noise_power, 0.0)
    n_eff = min(p.sum() ** 2 / (p**2).sum() for p in power) / 2 * n_los
    return 1 / np.sqrt(n_eff)
