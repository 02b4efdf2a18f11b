"""Test configuration shared by the test suite and the doctests of the package."""

import os
import sys

import pytest

# Figures are drawn off-screen in tests and doctests. The test configuration picks the
# backend; library code never does.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test or doctest opened (pyplot keeps every figure alive)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
