import json
import logging

import pytest

from skcosmo21 import _main_job
from skcosmo21._cli import main

N_MODELS = 6
N_FOLDS = 3  # realizations of the quick grid


def _trainings(records):
    return sum(r.getMessage().startswith("training") for r in records)


@pytest.mark.slow
def test_quick_run_end_to_end_resumes_after_interruption(tmp_path, monkeypatch, caplog):
    output, cache = tmp_path / "report", tmp_path / "cache"
    command = ["run", "--quick", "--output", str(output), "--cache-dir", str(cache)]
    caplog.set_level(logging.INFO, logger="skcosmo21.run")

    # First run: interrupted (as by Ctrl-C) when it reaches task b.
    select_task = _main_job._task_cubes

    def interrupt_at_task_b(cubes, task, config):
        if task == "b":
            raise KeyboardInterrupt
        return select_task(cubes, task, config)

    monkeypatch.setattr(_main_job, "_task_cubes", interrupt_at_task_b)
    assert main(command) == 130
    assert _trainings(caplog.records) == N_MODELS * N_FOLDS  # task a only
    monkeypatch.undo()
    caplog.clear()

    # Second run: task a comes from the cache, only tasks b, c and d are trained.
    assert main(command) == 0
    assert _trainings(caplog.records) == 3 * N_MODELS * N_FOLDS
    for name in (
        "results.json",
        "results.csv",
        "example_slices.png",
        "learning_curves.png",
        "accuracy_vs_neutral_fraction.png",
        *(f"confusion_task_{t}.png" for t in "abcd"),
    ):
        assert (output / name).stat().st_size > 0, name
    results = json.loads((output / "results.json").read_text())["results"]
    assert len(results) == 4 * N_MODELS
    for row in results:
        assert row["accuracy_mean"] >= 1.5 * row["chance"], row
        # Per-class accuracy beside the neutral fraction of the class's cubes.
        assert len(row["per_class"]) == (3 if row["task"] == "b" else 5)
        assert all(0 <= c["mean_neutral_fraction"] <= 1 for c in row["per_class"])
