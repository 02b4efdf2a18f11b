"""Fuzz of skcosmo21.observation's filters: wedge, channel averaging, transverse mean.

Every result keeps the cubes' shape and is finite; removing the transverse mean leaves every
plane at zero mean (an independent NumPy computation), and a filter's result for an ordinary
equivalent of a value (float32, nested lists, ``np.int64``) equals the result for the plain one.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcosmo21.observation import average_channels, remove_transverse_mean, remove_wedge

from ._harness import check_generated, check_systematic
from ._kinds import Fixed, Real, Stack, bad, good
from ._targets import Target

CUBES = np.random.default_rng(11).normal(size=(2, 8, 8, 8))


def _finite_same_shape(result, kwargs):
    result = np.asarray(result)
    assert result.shape == np.shape(kwargs["cubes"]), result.shape
    assert np.all(np.isfinite(result)), "non-finite values"


def _zero_plane_means(result, kwargs):
    _finite_same_shape(result, kwargs)
    scale = max(1.0, float(np.abs(np.asarray(kwargs["cubes"], dtype=float)).max()))
    np.testing.assert_allclose(np.asarray(result).mean(axis=(1, 2)), 0.0, atol=1e-6 * scale)


CUBE_STACK = Stack(CUBES.shape, square="all", allow_empty=False)
GEOMETRY = {
    "box_size": Fixed(
        bad("0", 0.0),
        bad("negative", -16.0),
        bad("NaN", np.nan),
        bad("numeric string", "16"),
        good("int", 16, plain=16.0),
        good("numpy float32", np.float32(16.0), plain=16.0),
    ),
    "redshift": Fixed(
        bad("negative", -3.0),
        bad("NaN", np.nan),
        bad("string", "8"),
        good("numpy float64", np.float64(8.0), plain=8.0),
    ),
}

TARGETS = [
    Target(
        "observation.remove_wedge",
        remove_wedge,
        {"cubes": CUBES, "box_size": 16.0, "redshift": 8.0},
        {
            "cubes": CUBE_STACK,
            **GEOMETRY,
            "angle": Real(0.0, 90.0, example=45.0),
            "buffer": Real(0.0, example=0.1),
        },
        check=_finite_same_shape,
    ),
    Target(
        "observation.average_channels",
        average_channels,
        {"cubes": CUBES, "box_size": 16.0, "redshift": 8.0, "channel_width": 0.1},
        {
            "cubes": CUBE_STACK,
            **GEOMETRY,
            "channel_width": Fixed(
                bad("0", 0.0),
                bad("negative", -0.1),
                bad("inf", np.inf),
                bad("None", None),
                good("numpy float32", np.float32(0.5), plain=float(np.float32(0.5))),
            ),
        },
        check=_finite_same_shape,
    ),
    Target(
        "observation.remove_transverse_mean",
        remove_transverse_mean,
        {"cubes": CUBES},
        {"cubes": CUBE_STACK},
        check=_zero_plane_means,
    ),
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_every_systematic_case(target, fuzz_dir):
    check_systematic(target, fuzz_dir)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_generated_cases(target, data, fuzz_dir):
    check_generated(target, data, fuzz_dir)
