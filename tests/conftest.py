import os

# Silence TensorFlow's C++ logging before any test imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# The tests' networks are tiny: one TensorFlow thread per op avoids thread-pool handoffs that
# cost more than the arithmetic (measured 2-5x faster steps on the 2-core CI machine).
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

import pathlib  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Every property and fuzz test is deterministic (the same examples on every run and machine) and
# has no per-example deadline (timings on a shared machine vary); each test sets its own, small,
# max_examples.
settings.register_profile("skcosmo21", derandomize=True, deadline=None, database=None)
settings.load_profile("skcosmo21")

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir():
    return DATA


@pytest.fixture(scope="session")
def small_cubes():
    """A tiny simulated grid shared by many tests: 2 realizations x 2 redshifts x 2 f_esc."""
    from skcosmo21.datasets import make_reionization_cubes

    return make_reionization_cubes(
        [7.5, 9.5], [0.1, 0.3], n_realizations=2, n_cells=16, box_size=48.0, random_state=0
    )


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _standardized_slices(redshifts, escape_fractions, targets, n_realizations, random_state):
    from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
    from skcosmo21.preprocessing import CubeSlicer

    cubes = make_reionization_cubes(
        redshifts,
        escape_fractions,
        n_realizations=n_realizations,
        n_cells=16,
        box_size=64.0,
        fields="delta_T",
        random_state=random_state,
    )
    data = make_slice_dataset(cubes, targets, CubeSlicer(axes="all", step=2))
    X = ((data.X - data.X.mean()) / data.X.std()).astype(np.float32)
    return X, data.y, data.groups


@pytest.fixture(scope="session")
def two_redshift_slices():
    """Slices of 16^3 cubes at z = 7 and z = 10: separable, with realization groups."""
    return _standardized_slices([7.0, 10.0], [0.2], "redshift", 4, 0)


@pytest.fixture(scope="session")
def four_redshift_slices():
    """Joint (redshift, escape fraction) targets: 4 redshifts x 2 f_esc, 3 realizations."""
    return _standardized_slices(
        [7.0, 8.0, 9.0, 10.0], [0.15, 0.3], ["redshift", "escape_fraction"], 3, 1
    )


@pytest.fixture(scope="session")
def redshift_regression_slices():
    """Four redshifts at one escape fraction (so mean brightness is not degenerate between
    redshift and f_esc), four realizations."""
    return _standardized_slices([7.0, 8.0, 9.0, 10.0], [0.2], "redshift", 4, 1)
