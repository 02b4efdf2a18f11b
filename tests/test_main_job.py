"""``skcosmo21 run`` end to end: the quick study with an interruption, and real 21cmFAST boxes."""

import csv
import json
import logging
import os
import pathlib
import re
import subprocess
import sys

import pytest

import skcosmo21
from skcosmo21._cli import main
from skcosmo21.study import QUICK, _data

REPORT_FIGURES = [
    "example_slices.png",
    "learning_curves.png",
    "accuracy_vs_neutral_fraction.png",
    *(f"confusion_task_{t}.png" for t in "abcd"),
]
# What TensorFlow's C++ libraries write (absl format) and the lines the issue showed.
TF_LOG_LINE = re.compile(r"^[IWEF]\d{4} |NodeDef mentions attribute|absl::InitializeLog", re.M)


def _trainings(records):
    return sum(r.getMessage().startswith("training") for r in records)


def _is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_quick_run_end_to_end_resumes_after_interruption(tmp_path, monkeypatch, caplog):
    output, cache = tmp_path / "report", tmp_path / "cache"
    command = ["run", "--quick", "--output", str(output), "--cache-dir", str(cache)]
    caplog.set_level(logging.INFO, logger="skcosmo21.run")
    n_folds = QUICK.n_realizations
    per_task = {task: len(QUICK.task_models(task)) * n_folds for task in "abcd"}
    assert per_task == {"a": 6, "b": 6, "c": 6, "d": 12}  # every model runs somewhere

    # First run: interrupted (as by Ctrl-C) when it reaches task b.
    task_datasets = _data.task_datasets

    def interrupt_at_task_b(cubes, task, config):
        if task == "b":
            raise KeyboardInterrupt
        return task_datasets(cubes, task, config)

    monkeypatch.setattr(_data, "task_datasets", interrupt_at_task_b)
    assert main(command) == 130
    assert _trainings(caplog.records) == per_task["a"]
    monkeypatch.undo()
    caplog.clear()

    # Second run: task a comes from the cache, only tasks b, c and d are trained.
    assert main(command) == 0
    assert _trainings(caplog.records) == per_task["b"] + per_task["c"] + per_task["d"]
    for name in REPORT_FIGURES:
        assert _is_png(output / name), name

    report = json.loads((output / "results.json").read_text())
    assert report["random_state"] == 0
    assert report["n_jobs"] == 1
    assert report["command"] == ["skcosmo21", *command]
    assert report["configuration"]["n_cells"] == QUICK.n_cells
    assert report["data"]["kind"] == "simulator"
    assert report["data"]["arguments"]["redshifts"] == list(QUICK.redshifts)
    versions = report["versions"]
    for package in ("numpy", "scipy", "scikit-learn", "tensorflow", "skcosmo21"):
        assert versions[package], package
    assert len(versions["skcosmo21_source_fingerprint"]) == 64
    assert report["timings"]["total_seconds"] > 0

    results = report["results"]
    assert len(results) == sum(per_task.values()) // n_folds
    for task in "abcd":
        rows = [row for row in results if row["task"] == task]
        # A smoke run, but the best model of each task must beat chance clearly.
        assert max(row["accuracy_mean"] for row in rows) >= 1.5 * rows[0]["chance"], task
    for row in results:
        assert len(row["folds"]) == n_folds
        assert len(row["per_class"]) == (3 if row["task"] == "b" else 4)
        assert all(0 <= c["mean_neutral_fraction"] <= 1 for c in row["per_class"])

    with open(output / "results.csv", newline="") as handle:
        folds = list(csv.DictReader(handle))
    assert len(folds) == sum(per_task.values())
    joint = [f for f in folds if f["task"] == "d"]
    assert all(f["accuracy_redshift"] and f["accuracy_escape_fraction"] for f in joint)


@pytest.mark.slow
def test_run_on_real_21cmfast_boxes_with_a_config_file(tmp_path, data_dir):
    # Two realizations (seeds 1 and 2) of real 21cmFAST 3.4 boxes, 32³ cells over 48 Mpc,
    # z = 7, 8, 9 and ζ = 20, 40 (f_esc 0.1, 0.2): task a at f_esc = 0.1, task b at z = 8.
    config = tmp_path / "study.toml"
    config.write_text(
        'tasks = ["a", "b"]\n'
        'models = ["one-point", "power-spectrum", "cnn"]\n'
        'network_tasks = ["a"]\n'
        "fixed_escape_fraction = 0.1\n"
    )
    output = tmp_path / "report"
    boxes = [data_dir / "21cmfast-boxes" / "h5", data_dir / "21cmfast-boxes-seed2" / "h5"]
    command = [
        sys.executable, "-m", "skcosmo21", "run", "--quick", "--data", *map(str, boxes),
        "--config", str(config), "--output", str(output), "--cache-dir", str(tmp_path / "c"),
    ]  # fmt: skip
    # The user's environment, without the test configuration's TensorFlow silencing: the
    # command must keep TensorFlow's C++ log lines off the terminal by itself.
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL",)}
    package_root = str(pathlib.Path(skcosmo21.__file__).parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not TF_LOG_LINE.search(done.stderr), done.stderr
    assert "ConvClassifier on slices" in done.stdout

    report = json.loads((output / "results.json").read_text())
    source = report["data"]
    assert source["kind"] == "21cmfast boxes"
    assert (source["n_cells"], source["box_size"]) == (32, 48.0)
    assert len(source["cubes"]) == 12
    assert {cube["seed"] for cube in source["cubes"]} == {1, 2}
    recorded = {cube["files"]["delta_T"] for cube in source["cubes"]}
    for box in (b for folder in boxes for b in folder.glob("BrightnessTemp_*.h5")):
        assert any(box.name in entry for entry in recorded), box.name
    assert report["configuration"]["fixed_escape_fraction"] == 0.1
    assert report["versions"]["tensorflow"]
    models = {(row["task"], row["model_key"]) for row in report["results"]}
    assert models == {
        ("a", "one-point"), ("a", "power-spectrum"), ("a", "cnn"),
        ("b", "one-point"), ("b", "power-spectrum"),
    }  # fmt: skip
    # These HDF5 files hold no neutral fraction: recorded as unknown, not made up.
    assert all(
        c["mean_neutral_fraction"] is None for r in report["results"] for c in r["per_class"]
    )
    one_point_a = next(r for r in report["results"] if r["model_key"] == "one-point")
    assert one_point_a["accuracy_mean"] > 2 * one_point_a["chance"]  # 3 redshifts
    assert not (output / "accuracy_vs_neutral_fraction.png").exists()
    for name in ("example_slices.png", "confusion_task_a.png", "learning_curves.png"):
        assert _is_png(output / name), name


@pytest.mark.slow
def test_run_with_a_telescope_caches_each_observing_time_apart(tmp_path, caplog):
    pytest.importorskip("py21cmsense")
    caplog.set_level(logging.INFO, logger="skcosmo21.run")
    output, cache = tmp_path / "report", tmp_path / "cache"
    command = [
        "run", "--quick", "--tasks", "b", "--models", "power-spectrum", "--telescope",
        "SKA1-Low", "--hours", "10,1000", "--output", str(output), "--cache-dir", str(cache),
    ]  # fmt: skip
    assert main(command) == 0
    n_folds = QUICK.n_realizations
    # Simulated maps, the noiseless reference, 10 h and 1,000 h: four settings whose fold
    # data differ, so four sets of cache entries.
    assert _trainings(caplog.records) == 4 * n_folds
    caplog.clear()
    wedge = "mean and horizon wedge removed"
    report = json.loads((output / "results.json").read_text())
    first = report["results"]
    assert [row["setting"] for row in first] == [
        "simulated maps",
        f"no noise, {wedge}",
        f"SKA1-Low, 10 h, {wedge}, Wiener-filtered",
        f"SKA1-Low, 1000 h, {wedge}, Wiener-filtered",
    ]
    assert [row["observation"]["noise_filter"] for row in first[1:]] == ["none", "wiener", "wiener"]
    prior = report["wiener_signal_prior"]
    assert prior["simulator_random_state"] != report["random_state"]
    assert len(prior["power_per_shell_mK2Mpc3"]) > QUICK.n_cells // 2
    assert first[0]["observation"] is None
    assert [row["observation"]["hours"] for row in first[1:]] == [None, 10.0, 1000.0]
    assert [row["observation"]["resolution"] for row in first[1:]] == [None, "uv", "uv"]
    assert all(row["observation"]["wedge"] == "horizon" for row in first[1:])
    reference, short, long = report["observations"]
    assert reference["noise_rms_mK"] == {}
    # The radiometer equation: a hundred times shorter, ten times the noise.
    assert short["noise_rms_mK"]["z=8"][0] == pytest.approx(10 * long["noise_rms_mK"]["z=8"][0])
    assert _is_png(output / "accuracy_vs_observing_time.png")
    assert "accuracy_vs_observing_time.png" in report["figures"]

    # Other times: the simulated maps, the reference and 1,000 h come from the cache with
    # the same accuracies; only the new time's folds are trained.
    command[command.index("10,1000")] = "1000,100"
    assert main(command) == 0
    assert _trainings(caplog.records) == n_folds
    again = json.loads((output / "results.json").read_text())["results"]
    assert [r["fold_accuracies"] for r in again[:3]] == [
        r["fold_accuracies"] for r in (first[0], first[1], first[3])
    ]
    with open(output / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 * n_folds
    assert [(r["telescope"], r["hours"], r["noise_filter"]) for r in rows[::n_folds]] == [
        ("", "", ""),
        ("SKA1-Low", "", "none"),
        ("SKA1-Low", "1000.0", "wiener"),
        ("SKA1-Low", "100.0", "wiener"),
    ]
    assert {r["wedge"] for r in rows[n_folds:]} == {"horizon"}
