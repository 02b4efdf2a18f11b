"""Fuzz and properties of skcosmo21.feature_extraction.

Features are checked against a computation written here from first principles: quantiles
and moments with NumPy and SciPy, the power spectrum with NumPy's full complex FFT.
"""

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from skcosmo21.feature_extraction import OnePointStatistics, PowerSpectrum2D
from skcosmo21.preprocessing import CubeSlicer

from ._harness import check_generated, check_systematic
from ._kinds import Bool, Fixed, Int, Real, Stack, bad, good
from ._targets import Target, finite_array

IMAGES = np.random.default_rng(4).normal(size=(3, 8, 8))


def reference_one_point(X, n_quantiles=32, quantile_range=(0.01, 0.99), include_moments=True):
    X = np.asarray(X, dtype=float).reshape(len(X), -1)
    low, high = (float(q) for q in quantile_range)
    levels = np.linspace(low, high, n_quantiles) if n_quantiles > 1 else np.array([low])
    columns = [np.quantile(X, levels, axis=1).T]
    if include_moments:
        constant = np.ptp(X, axis=1) == 0
        # Moments of the rows in units of their largest value (skewness and kurtosis do not
        # depend on the unit), so that 1e-300 squared does not underflow.
        unit = np.abs(X).max(axis=1, keepdims=True)
        unit[unit == 0] = 1.0
        with np.errstate(all="ignore"):
            skew = np.where(constant, 0.0, scipy.stats.skew(X / unit, axis=1))
            kurt = np.where(constant, 0.0, scipy.stats.kurtosis(X / unit, axis=1))
        std = np.where(constant, 0.0, (X / unit).std(axis=1) * unit[:, 0])
        columns.append(np.stack([X.mean(axis=1), std, skew, kurt], axis=1))
    return np.hstack(columns)


def reference_power(X, edges, pixel_size=None, log=True, include_moments=False):
    """Binned P(k) from NumPy's full FFT: |F_k|^2 A / N_pix^2 averaged over |k| in each bin."""
    X = np.asarray(X, dtype=float)
    n = X.shape[1]
    pixel = 1.0 if pixel_size is None else float(pixel_size)
    centred = X - X.mean(axis=(1, 2), keepdims=True)
    squared = np.abs(np.fft.fft2(centred)) ** 2
    k_axis = 2 * np.pi * np.fft.fftfreq(n, d=pixel)
    k = np.hypot(k_axis[:, None], k_axis[None, :])
    for edge in edges:  # a mode on an edge (to rounding) belongs to the bin above it
        k[np.isclose(k, edge, rtol=1e-9, atol=0)] = edge
    index = np.searchsorted(edges, k, side="right") - 1
    index[k == edges[-1]] = len(edges) - 2
    power = (
        np.stack([squared[:, index == b].mean(axis=1) for b in range(len(edges) - 1)], axis=1)
        * (n * pixel) ** 2
        / float(n * n) ** 2
    )
    if log:
        power = np.log10(np.maximum(power, np.finfo(float).tiny))
    if include_moments:
        power = np.hstack([power, X.mean(axis=(1, 2))[:, None], X.std(axis=(1, 2))[:, None]])
    return power


def _one_point_call(X=IMAGES, **params):
    return OnePointStatistics(**params).fit(X).transform(X)


def _one_point_check(result, kwargs):
    finite_array(result)
    params = {k: v for k, v in kwargs.items() if k != "X"}
    expected = reference_one_point(kwargs["X"], **{"n_quantiles": 5, **params})
    np.testing.assert_allclose(result, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def _power_call(X=IMAGES, locations=None, **params):
    model = PowerSpectrum2D(**params).fit(X, locations=locations)
    return model.transform(X), model.bin_edges_, model.pixel_size_


def _power_check(result, kwargs):
    features, edges, pixel_size = result
    finite_array(features)
    params = {k: kwargs[k] for k in ("log", "include_moments") if k in kwargs}
    expected = reference_power(kwargs["X"], edges, pixel_size, **params)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-5 * scale)


def _slice_locations(n_images, pixel_size=None, n=8):
    cubes = np.zeros((n_images, n, n, n))
    locations = CubeSlicer(axes=0, step=n).fit(cubes).locations(pixel_size=pixel_size)
    return locations


TARGETS = [
    Target(
        "feature_extraction.OnePointStatistics",
        _one_point_call,
        {"X": IMAGES, "n_quantiles": 5},
        {
            "X": Stack(IMAGES.shape),
            "n_quantiles": Int(1, example=5),
            "quantile_range": Fixed(
                bad("one number", 0.5),
                bad("one level", (0.5,)),
                bad("reversed", (0.9, 0.1)),
                bad("below 0", (-0.1, 1.0)),
                bad("above 1", (0.0, 1.5)),
                bad("string", "0,1"),
                bad("NaN", (np.nan, 1.0)),
                bad("three levels", (0.1, 0.5, 0.9)),
                good("list", [0.1, 0.9], plain=(0.1, 0.9)),
                good("numpy", np.array([0.0, 1.0]), plain=(0.0, 1.0)),
            ),
            "include_moments": Bool(),
        },
        check=_one_point_check,
    ),
    Target(
        "feature_extraction.PowerSpectrum2D",
        _power_call,
        {"X": IMAGES, "n_bins": 4},
        {
            "X": Stack(IMAGES.shape, square=True, min_side=3),
            "n_bins": Int(1, example=4),
            "k_range": Fixed(
                bad("one number", 1.0),
                bad("one edge", (1.0,)),
                bad("reversed", (2.0, 1.0)),
                bad("zero low", (0.0, 1.0)),
                bad("negative", (-1.0, 1.0)),
                bad("infinite", (1.0, np.inf)),
                bad("string", "1,2"),
                bad("NaN", (np.nan, 1.0)),
                bad("beyond Nyquist", (100.0, 200.0)),
                good("list", [0.5, 2.0], plain=(0.5, 2.0)),
            ),
            "pixel_size": Real(0.0, open_low=True, optional=True, example=2.0),
            "log": Bool(),
            "include_moments": Bool(),
            "locations": Fixed(
                bad("a string", "locations"),
                bad("group labels", np.arange(3)),
                bad("the wrong number of samples", _slice_locations(2)),
                good("slices of 8-cell cubes", _slice_locations(3, 2.0)),
            ),
        },
        check=_power_check,
    ),
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_every_systematic_case(target, fuzz_dir):
    check_systematic(target, fuzz_dir)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@settings(max_examples=12)
@given(data=st.data())
def test_generated_cases(target, data, fuzz_dir):
    check_generated(target, data, fuzz_dir)


# -------------------------------------------------------------------- properties


@settings(max_examples=10)
@given(
    n=st.integers(3, 12),
    shift=st.tuples(st.integers(-12, 12), st.integers(-12, 12)),
    seed=st.integers(0, 1000),
    pixel_size=st.one_of(st.none(), st.floats(0.1, 10.0)),
)
def test_power_spectrum_is_translation_and_rotation_invariant(n, shift, seed, pixel_size):
    # A periodic shift or a quarter turn of an image moves its Fourier modes' phases or
    # positions on the grid but not |F(k)|, so every binned power is unchanged.
    X = np.random.default_rng(seed).normal(size=(2, n, n))
    model = PowerSpectrum2D(n_bins=5, pixel_size=pixel_size, include_moments=True).fit(X)
    features = model.transform(X)
    moved = model.transform(np.roll(X, shift, axis=(1, 2)))
    turned = model.transform(np.rot90(X, axes=(1, 2)))
    np.testing.assert_allclose(moved, features, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(turned, features, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(
        features,
        reference_power(X, model.bin_edges_, pixel_size, include_moments=True),
        rtol=1e-9,
        atol=1e-9,
    )


@settings(max_examples=10)
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(2, 9), st.integers(2, 9)),
    n_quantiles=st.integers(1, 9),
    seed=st.integers(0, 1000),
    constant=st.booleans(),
)
def test_one_point_statistics_ignore_where_pixels_are(shape, n_quantiles, seed, constant):
    # One-point statistics see the distribution of pixel values, not their arrangement: any
    # permutation of an image's pixels leaves every feature unchanged.
    rng = np.random.default_rng(seed)
    X = np.full(shape, 0.3) if constant else rng.normal(size=shape) ** 3
    model = OnePointStatistics(n_quantiles=n_quantiles, quantile_range=(0, 1)).fit(X)
    flat = X.reshape(len(X), -1)
    shuffled = np.array([rng.permutation(row) for row in flat]).reshape(X.shape)
    features = model.transform(X)
    np.testing.assert_allclose(model.transform(shuffled), features, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        features, reference_one_point(X, n_quantiles, (0, 1)), rtol=1e-9, atol=1e-9
    )
