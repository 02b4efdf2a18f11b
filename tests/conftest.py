import os

# Silence TensorFlow's C++ logging before any test imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import pathlib  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

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
