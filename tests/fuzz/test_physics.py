"""Fuzz of skcosmo21.physics and the simulator's physical domain (issue #13).

The cosmology, the k-space grid and the redshift conversions refuse values outside the flat
ΛCDM model instead of returning NaN or nonsense; the simulator refuses redshifts, cell sizes,
virial temperatures and seeds outside the domain where its model holds, and names the
parameter. Valid calls are checked against closed forms (edges from 2π/L to πN/L, the 21-cm
line's frequency) or, for the simulator, against the plain equivalent of the value.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcosmo21.datasets import make_reionization_cubes
from skcosmo21.physics import (
    LINE_FREQUENCY_MHZ,
    Cosmology,
    default_k_edges,
    growth_factor,
    redshift_to_frequency,
)

from ._harness import check_generated, check_systematic
from ._kinds import Bool, Fixed, Int, Real, Seed, bad, good
from ._targets import Target


def _cosmology_call(**params):
    cosmo = Cosmology(**params)
    return cosmo, float(growth_factor(7.0, cosmo))


def _cosmology_check(result, kwargs):
    cosmo, growth = result
    for name, value in kwargs.items():
        assert getattr(cosmo, name) == value
    assert 0 < growth < 1, growth  # structure grows: D(z = 7) is between 0 and D(0) = 1


def _edges_check(edges, kwargs):
    n_cells, box_size = kwargs["n_cells"], kwargs["box_size"]
    assert edges.shape == (kwargs["n_bins"] + 1,)
    assert np.all(np.diff(edges) > 0)
    np.testing.assert_allclose(edges[[0, -1]], [2 * np.pi / box_size, np.pi * n_cells / box_size])


def _frequency_check(frequency, kwargs):
    np.testing.assert_allclose(frequency, LINE_FREQUENCY_MHZ / (1 + np.asarray(kwargs["z"])))


def _simulate(**params):
    return make_reionization_cubes(**params)


def _cubes_check(data, kwargs):
    for field in ("delta_T", "density"):
        assert np.all(np.isfinite(data[field])), f"{field} is not finite"
    assert data["delta_T"].shape[1:] == (kwargs["n_cells"],) * 3


TARGETS = [
    Target(
        "physics.Cosmology",
        _cosmology_call,
        {},
        {
            "hlittle": Real(0.0, open_low=True, example=0.7),
            "omega_m": Real(0.0, 1.0, open_low=True, example=0.3),
            "omega_b": Fixed(bad("more than omega_m", 0.5), bad("negative", -0.01)),
            "sigma_8": Real(0.0, open_low=True, example=0.8),
            "t_cmb": Real(0.0, open_low=True, example=2.7),
        },
        check=_cosmology_check,
        key=lambda result: result[1],
    ),
    Target(
        "physics.default_k_edges",
        default_k_edges,
        {"n_cells": 16, "box_size": 32.0, "n_bins": 4},
        {
            "n_cells": Int(1, example=16),
            "box_size": Real(0.0, open_low=True, example=32.0),
            "n_bins": Int(1, example=4),
            "log": Bool(),
        },
        check=_edges_check,
    ),
    Target(
        "physics.redshift_to_frequency",
        redshift_to_frequency,
        {"z": 7.0},
        {"z": Real(-1.0, open_low=True, example=7.0)},
        check=_frequency_check,
    ),
    Target(
        "datasets.make_reionization_cubes",
        _simulate,
        {
            "redshifts": [8.0],
            "escape_fractions": [0.2],
            "n_cells": 8,
            "box_size": 32.0,
            "random_state": 0,
        },
        {
            "redshifts": Fixed(
                bad("a string", ["a"]),
                bad("10**4: T_S >> T_CMB fails", [1e4]),
                bad("10**12", [1e12]),
                bad("negative", [-2.0]),
                bad("NaN", [np.nan]),
                bad("empty", []),
                bad("None", None),
                good("numpy array", np.array([8.0]), plain=[8.0]),
            ),
            "escape_fractions": Fixed(
                bad("None", None),
                bad("above 1", [1.5]),
                bad("negative", [-0.1]),
                bad("a string", ["a"]),
                good("numpy float32", np.array([0.2], np.float32), plain=[float(np.float32(0.2))]),
            ),
            "n_cells": Fixed(
                bad("0", 0),
                bad("float with a fraction", 8.5),
                bad("bool", True),
                bad("numeric string", "8"),
                good("numpy int64", np.int64(8), plain=8),
            ),
            "box_size": Fixed(
                bad("0.25 Mpc cells", 2.0),
                bad("1e-3", 1e-3),
                bad("numeric string", "32"),
                bad("NaN", np.nan),
                bad("negative", -32.0),
                good("int", 32, plain=32.0),
            ),
            "min_virial_temperature": Fixed(
                bad("1e12 K", 1e12),
                bad("negative", -1.0),
                bad("NaN", np.nan),
            ),
            "n_realizations": Fixed(bad("0", 0), bad("float", 1.5)),
            "random_state": Seed(),
        },
        check=_cubes_check,
        key=lambda data: data["delta_T"],
    ),
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_every_systematic_case(target, fuzz_dir):
    check_systematic(target, fuzz_dir)


@pytest.mark.parametrize("target", TARGETS[:3], ids=lambda t: t.name)
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_generated_cases(target, data, fuzz_dir):
    check_generated(target, data, fuzz_dir)
