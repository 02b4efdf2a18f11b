"""Every gallery example runs and draws at least one figure (so a broken example fails CI)."""

import os
import pathlib
import runpy

import matplotlib
import pytest

EXAMPLES = sorted((pathlib.Path(__file__).parents[1] / "examples").glob("plot_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_and_draws(script, monkeypatch, tmp_path):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    plt.close("all")
    runpy.run_path(str(script), run_name="__main__")
    assert plt.get_fignums(), f"{script.name} drew no figure"
    plt.close("all")
    assert os.getcwd() == str(tmp_path)


def test_every_example_is_collected():
    assert len(EXAMPLES) >= 10
