import numpy as np
import pytest
import scipy.fft

from skcosmo21.physics import (
    Cosmology,
    binned_power_spectrum,
    cloud_in_cell_density,
    default_k_edges,
    filter_window,
    gaussian_random_field_k,
    growth_factor_fit,
    line_of_sight_velocity_gradient,
    linear_power_spectrum,
    second_order_displacement,
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


def test_second_order_displacement_of_crossed_waves():
    # δ = A cos(k1 x) + B cos(k2 y): the 2LPT source is φ_xx φ_yy = A B cos(k1 x) cos(k2 y),
    # and ψ2 = -∇∇⁻² of it (the sign of ψ = -∇∇⁻²δ), so
    # ψ2_x = -A B k1 / (k1² + k2²) sin(k1 x) cos(k2 y) (and symmetrically along y).
    n, box = 16, 16.0
    x = np.arange(n)
    k1, k2, a, b = 2 * np.pi / box, 4 * np.pi / box, 0.3, 0.2
    delta = a * np.cos(k1 * x)[:, None, None] + b * np.cos(k2 * x)[None, :, None]
    delta = delta * np.ones((n, n, n))
    psi2 = second_order_displacement(scipy.fft.rfftn(delta), box)
    q2 = k1**2 + k2**2
    expected_x = -a * b * k1 / q2 * np.sin(k1 * x)[:, None] * np.cos(k2 * x)[None, :]
    expected_y = -a * b * k2 / q2 * np.cos(k1 * x)[:, None] * np.sin(k2 * x)[None, :]
    np.testing.assert_allclose(psi2[0, :, :, 0], expected_x, atol=1e-6)
    np.testing.assert_allclose(psi2[1, :, :, 0], expected_y, atol=1e-6)
    np.testing.assert_allclose(psi2[2], 0, atol=1e-6)
    # One plane wave alone has no second-order displacement.
    single = a * np.cos(k1 * x)[:, None, None] * np.ones((n, n, n))
    np.testing.assert_allclose(
        second_order_displacement(scipy.fft.rfftn(single), box), 0, atol=1e-6
    )


def test_sub_particles_deposit_as_shifted_single_particles():
    # s³ sub-particles per cell moving together = the mean of s³ one-particle deposits, each
    # with every particle shifted by its sub-particle's offset.
    rng = np.random.default_rng(3)
    displacement = rng.normal(0, 0.8, (3, 8, 8, 8)).astype(np.float32)
    sub = cloud_in_cell_density(displacement, sub_particles=3)
    offsets = np.array([-1 / 3, 0.0, 1 / 3], dtype=np.float32)
    shifted = [
        cloud_in_cell_density(displacement + np.array(o, np.float32)[:, None, None, None])
        for o in np.stack(np.meshgrid(offsets, offsets, offsets, indexing="ij"), -1).reshape(-1, 3)
    ]
    np.testing.assert_allclose(sub, np.mean(shifted, axis=0), atol=1e-5)
    assert sub.mean() == pytest.approx(0.0, abs=1e-6)
    assert sub.std() < cloud_in_cell_density(displacement).std()


def _deposit_particle_by_particle(displacement, sub_particles):
    """Plain cloud-in-cell of every sub-particle onto its 8 nodes: the obvious reference."""
    n = displacement.shape[1]
    lattice = np.stack(np.meshgrid(*[np.arange(n)] * 3, indexing="ij")).astype(float)
    offsets = (np.arange(sub_particles) + 0.5) / sub_particles - 0.5
    mass = np.zeros((n, n, n))
    for shift in np.stack(np.meshgrid(offsets, offsets, offsets, indexing="ij"), -1).reshape(-1, 3):
        position = lattice + displacement.astype(float) + shift[:, None, None, None]
        base = np.floor(position)
        fraction = position - base
        base = base.astype(int)
        for corner in np.ndindex(2, 2, 2):
            corner = np.array(corner)[:, None, None, None]
            weight = np.prod(np.where(corner == 1, fraction, 1 - fraction), axis=0)
            node = tuple((base + corner) % n)
            np.add.at(mass, node, weight / sub_particles**3)
    return mass - 1.0


@pytest.mark.parametrize("sub_particles", [1, 3])
def test_deposit_equals_the_particle_by_particle_sum(monkeypatch, sub_particles):
    # Positions and node weights are formed in float32 (the reference uses float64): a
    # position near 12 cells is rounded by 1e-6, hence 5e-6. The slab-wise deposit only
    # reorders float64 sums, so any slab size gives every cell to float64 round-off, at most
    # one float32 rounding step apart.
    from skcosmo21.physics import _fields

    displacement = np.random.default_rng(5).normal(0, 1.5, (3, 12, 12, 12)).astype(np.float32)
    reference = _deposit_particle_by_particle(displacement, sub_particles)
    deposits = []
    for slab_particles in (1, 2**9, 2**15):  # one plane, a few planes, the whole box
        monkeypatch.setattr(_fields, "_DEPOSIT_SLAB_PARTICLES", slab_particles)
        deposits.append(cloud_in_cell_density(displacement, sub_particles=sub_particles))
        assert deposits[-1].dtype == np.float32
        np.testing.assert_allclose(deposits[-1], reference, rtol=0, atol=5e-6)
    for other in deposits[:2]:
        rounding = np.spacing(np.abs(deposits[2])) + 1e-14
        assert np.all(np.abs(other - deposits[2]) <= rounding)


@pytest.fixture(scope="module")
def reference_steps(data_dir):
    """21cmFAST 3.4.0's own fields for one run (see tests/data/21cmfast-main-grid-steps)."""
    with np.load(data_dir / "21cmfast-main-grid-steps" / "steps.npz") as steps:
        return dict(steps)


def test_deposit_reproduces_21cmfasts_perturbed_density(reference_steps):
    # 21cmFAST's own 1LPT and 2LPT displacements (Mpc, today), moved as PerturbField.c does.
    ref = reference_steps
    n, box, z = ref["density"].shape[0], float(ref["box_size"]), float(ref["redshift"])
    growth = growth_factor_fit(z, PLANCK)
    moved = (growth * ref["displacement"] + 3 / 7 * growth**2 * ref["displacement_2lpt"]) / (
        box / n
    )
    ours = cloud_in_cell_density(moved.astype(np.float32), sub_particles=3)
    real = ref["density"]
    # Not bit-exact: 21cmFAST's particles also carry their initial (z = 300) overdensity.
    assert np.std(ours - real) < 0.04 * real.std()
    np.testing.assert_allclose(
        np.percentile(ours, [1, 50, 99]), np.percentile(real, [1, 50, 99]), atol=0.01
    )
    # One particle per cell would not do: its density varies 20 % more.
    single = cloud_in_cell_density(moved.astype(np.float32))
    assert single.std() > 1.15 * real.std()


def test_velocity_gradient_drops_the_line_of_sight_nyquist_plane():
    n = 8
    z = np.arange(n)
    nyquist = np.cos(np.pi * z)[None, None, :] * np.ones((n, n, n))
    np.testing.assert_allclose(
        line_of_sight_velocity_gradient(scipy.fft.rfftn(nyquist)), 0, atol=1e-6
    )
