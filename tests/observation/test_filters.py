"""Resolution and foreground filters: exactly which modes change, and how."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcosmo21.observation import (
    average_channels,
    remove_transverse_mean,
    remove_wedge,
    smooth_with_beam,
    wedge_mask,
)
from skcosmo21.physics import Cosmology, comoving_distance, redshift_to_frequency, wedge_slope


def _full_grid_wavenumbers(n_cells, n_los, box_size):
    # From first principles, on numpy's full FFT grid (not the library's rfft layout).
    cell = box_size / n_cells
    k_x = 2 * np.pi * np.fft.fftfreq(n_cells, d=cell)
    k_par = 2 * np.pi * np.fft.fftfreq(n_los, d=cell)
    k_perp = np.hypot(k_x[:, None, None], k_x[None, :, None])
    return k_perp, np.abs(k_par)[None, None, :]


@settings(max_examples=40, deadline=None)
@given(
    n_cells=st.integers(3, 12),
    n_los=st.integers(3, 14),
    box_size=st.floats(20.0, 500.0),
    redshift=st.floats(5.0, 15.0),
    angle=st.floats(0.0, 90.0),
    buffer=st.floats(0.0, 0.3),
    seed=st.integers(0, 2**16),
)
def test_wedge_removes_exactly_the_wedge_and_keeps_everything_else(
    n_cells, n_los, box_size, redshift, angle, buffer, seed
):
    cubes = np.random.default_rng(seed).normal(size=(2, n_cells, n_cells, n_los))
    out = remove_wedge(cubes, box_size, redshift, angle=angle, buffer=buffer)
    slope = float(wedge_slope(redshift, Cosmology(), angle=angle))
    k_perp, k_par = _full_grid_wavenumbers(n_cells, n_los, box_size)
    inside = k_par <= slope * k_perp + buffer
    before = np.fft.fftn(cubes, axes=(1, 2, 3))
    after = np.fft.fftn(out, axes=(1, 2, 3))
    scale = np.abs(before).max()
    # Removed modes vanish; every other mode is unchanged.
    assert np.abs(after[:, inside]).max(initial=0.0) < 1e-12 * scale
    np.testing.assert_allclose(
        after[:, ~inside], before[:, ~inside], rtol=1e-10, atol=1e-12 * scale
    )
    # The k = 0 mode is always inside; the library's rfft mask is the same set.
    assert inside[0, 0, 0]
    np.testing.assert_array_equal(
        wedge_mask(n_cells, n_los, box_size, slope, buffer), inside[:, :, : n_los // 2 + 1]
    )


def test_wedge_keeps_float32_and_matches_the_horizon_slope_at_the_boundary():
    cubes = np.random.default_rng(1).normal(size=(1, 8, 8, 8)).astype(np.float32)
    out = remove_wedge(cubes, 100.0, 8.0)
    assert out.dtype == np.float32
    # With slope m = 3.45 and k_perp >= 2pi/L, every k_par <= 3.45 k_perp mode goes: on an 8^3
    # grid of equal spacing that is every mode with k_perp > 0 and |k_par| < 3.45 k_perp.
    removed = wedge_mask(8, 8, 100.0, float(wedge_slope(8.0, Cosmology())))
    assert removed[1, 0, :4].all()
    assert not removed[0, 0, 1:].any()


@given(n_cells=st.integers(2, 10), n_los=st.integers(2, 10), seed=st.integers(0, 1000))
@settings(max_examples=20, deadline=None)
def test_transverse_mean_removal_zeroes_only_k_perp_zero(n_cells, n_los, seed):
    cubes = np.random.default_rng(seed).normal(loc=3.0, size=(2, n_cells, n_cells, n_los))
    before = np.fft.fftn(cubes, axes=(1, 2, 3))
    after = np.fft.fftn(remove_transverse_mean(cubes), axes=(1, 2, 3))
    assert np.abs(after[:, 0, 0, :]).max() < 1e-10
    keep = np.ones((n_cells, n_cells), bool)
    keep[0, 0] = False
    np.testing.assert_allclose(after[:, keep], before[:, keep], atol=1e-10)


def test_beam_is_a_gaussian_of_fwhm_lambda_over_b_max():
    n, box, z, baseline = 32, 400.0, 8.0, 1000.0
    cubes = np.random.default_rng(2).normal(size=(1, n, n, 4))
    out = smooth_with_beam(cubes, box, z, max_baseline=baseline)
    wavelength = 299792458.0 / (redshift_to_frequency(z) * 1e6)
    fwhm = comoving_distance(z, Cosmology()) * wavelength / baseline
    sigma = fwhm / (2 * np.sqrt(2 * np.log(2)))
    k_x = 2 * np.pi * np.fft.fftfreq(n, d=box / n)
    k_sq = k_x[:, None] ** 2 + k_x[None, :] ** 2
    ratio = np.fft.fft2(out, axes=(1, 2)) / np.fft.fft2(cubes, axes=(1, 2))
    np.testing.assert_allclose(
        ratio[0, :, :, 0].real, np.exp(-0.5 * k_sq * sigma**2), rtol=1e-8, atol=1e-12
    )


def test_beam_widens_with_redshift_along_a_lightcone():
    n_los = 6
    cubes = np.zeros((1, 16, 16, n_los))
    cubes[0, 0, 0, :] = 1.0
    out = smooth_with_beam(cubes, 200.0, np.linspace(7, 10, n_los), max_baseline=500.0)
    peaks = out[0, 0, 0, :]
    assert np.all(np.diff(peaks) < 0)  # lower frequency, wider beam, lower peak


def test_channel_average_is_a_top_hat_of_the_channel_depth():
    n = 16
    box, z = 160.0, 8.0
    cubes = np.zeros((1, 2, 2, n))
    cubes[..., 5] = 1.0
    # The width that spans exactly 3 cells of 10 Mpc.
    from skcosmo21.physics import line_of_sight_distance_per_frequency

    width = 30.0 / float(line_of_sight_distance_per_frequency(z, Cosmology()))
    out = average_channels(cubes, box * 2 / n, z, channel_width=width)
    np.testing.assert_allclose(out[0, 0, 0, [4, 5, 6]], 1 / 3)
    assert np.abs(np.delete(out[0, 0, 0], [4, 5, 6])).max() < 1e-12
    # Periodic for a coeval cube: the mean along the line of sight is kept.
    noisy = np.random.default_rng(0).normal(size=(2, 2, 2, n))
    averaged = average_channels(noisy, 20.0, z, channel_width=2.5)
    np.testing.assert_allclose(averaged.mean(axis=3), noisy.mean(axis=3), atol=1e-12)


def test_channel_average_of_a_lightcone_stays_inside_the_cone():
    cubes = np.ones((1, 2, 2, 8))
    cubes[..., 0] = 5.0
    out = average_channels(cubes, 20.0, np.linspace(7, 8, 8), channel_width=3.0)
    # The last cell averages only cells inside the cone (no wrap to the first).
    assert out[0, 0, 0, -1] == pytest.approx(1.0)
    assert out[0, 0, 0, 0] > 1.0


def test_narrow_channels_change_nothing():
    cubes = np.random.default_rng(0).normal(size=(1, 4, 4, 4))
    np.testing.assert_allclose(average_channels(cubes, 400.0, 8.0, channel_width=0.01), cubes)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c: remove_wedge(c, -1.0, 8.0), "box_size"),
        (lambda c: remove_wedge(c, 100.0, [8.0, 9.0]), "one redshift per line-of-sight"),
        (lambda c: remove_wedge(c, 100.0, 8.0, buffer=-0.1), "buffer"),
        (lambda c: remove_wedge(c, 100.0, 8.0, angle=100.0), "angle"),
        (lambda c: smooth_with_beam(c, 100.0, 8.0, max_baseline=0.0), "max_baseline"),
        (lambda c: average_channels(c, 100.0, 8.0, channel_width=1e3), "wider than"),
        (lambda c: average_channels(c, 100.0, -1.0, channel_width=1.0), "redshift"),
        (lambda c: remove_transverse_mean(c[:, :, :3]), "square transverse"),
        (lambda c: remove_transverse_mean(c[0]), "stack of cubes"),
    ],
)
def test_filters_name_bad_input(call, match, random_cubes):
    with pytest.raises(ValueError, match=match):
        call(random_cubes)


def test_filters_refuse_nan(random_cubes):
    random_cubes[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        remove_transverse_mean(random_cubes)
