"""Every gallery example runs and draws at least one figure (so a broken example fails CI)."""

import os
import pathlib
import runpy

import matplotlib
import pytest
import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime, so that the limit below reaches it)
from threadpoolctl import threadpool_limits

EXAMPLES = sorted((pathlib.Path(__file__).parents[1] / "examples").glob("plot_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_and_draws(script, monkeypatch, tmp_path):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    plt.close("all")
    # One OpenMP/BLAS thread: the examples fit small models, whose threads (the boosted trees'
    # OpenMP) only spin on a loaded 2-core runner; an example's speed is not under test.
    with threadpool_limits(limits=1):
        runpy.run_path(str(script), run_name="__main__")
    assert plt.get_fignums(), f"{script.name} drew no figure"
    plt.close("all")
    assert os.getcwd() == str(tmp_path)


def test_every_example_is_collected():
    assert len(EXAMPLES) >= 10
