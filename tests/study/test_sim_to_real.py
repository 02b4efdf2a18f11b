"""Train on the simulator, test on real 21cmFAST boxes: ``run_study(test_data=...)``."""

import csv
import json
import logging
import shutil

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from skcosmo21.datasets import load_21cmfast
from skcosmo21.preprocessing import slice_cubes
from skcosmo21.study import PROTOCOLS, QUICK, StudyError, _evaluation, run_study

# Two seeds of real 21cmFAST 3.4 boxes in tests/data: 32³ cells over 48 Mpc, z = 7, 8, 9,
# ζ = 20 and 40 (f_esc 0.1 and 0.2). The study's grid must be theirs; its classes hold theirs.
CONFIG = QUICK.replace(
    tasks=["a", "d"],
    models=["one-point", "power-spectrum"],
    n_cells=32,
    box_size=48.0,
    redshifts=(7.0, 7.5, 8.0, 9.0),
    escape_fractions=(0.1, 0.2, 0.3),
    fixed_escape_fraction=0.1,
)


@pytest.fixture
def real_boxes(data_dir):
    return [str(data_dir / "21cmfast-boxes" / "h5"), str(data_dir / "21cmfast-boxes-seed2" / "h5")]


def _fingerprints(images):
    """The bytes of each image that is not uniform (a fully ionized slice is 0 in any box)."""
    return {image.tobytes() for image in np.asarray(images, dtype=np.float32) if np.ptp(image)}


@pytest.mark.slow
def test_trained_on_the_simulator_tested_on_real_boxes(real_boxes, tmp_path, monkeypatch, caplog):
    # Every fit goes through fit_model: record what each one is trained on.
    trained = []
    fit_model = _evaluation.fit_model

    def recording_fit_model(estimator, X_train, y_train, fingerprint, label=""):
        trained.append((label, np.array(X_train)))
        return fit_model(estimator, X_train, y_train, fingerprint, label=label)

    monkeypatch.setattr(_evaluation, "fit_model", recording_fit_model)
    caplog.set_level(logging.INFO, logger="skcosmo21.run")
    output = tmp_path / "report"
    # The boosted trees' OpenMP threads only slow down fits of a few dozen images.
    with threadpool_limits(limits=1):
        # One task: the gallery example (examples/plot_sim_to_real.py) runs all four.
        results = run_study(
            CONFIG.replace(tasks=["d"]),
            test_data=real_boxes,
            output=output,
            cache_dir=tmp_path / "cache",
        )

    protocols = [(row["task"], row["model_key"], row["protocol"]) for row in results]
    assert protocols == [
        (task, key, protocol)
        for task in "d"
        for key in ("one-point", "power-spectrum")
        for protocol in PROTOCOLS
    ]
    for row in results:
        folds = [fold["fold"] for fold in row["folds"]]
        assert (row["train_data"], row["test_data"]) == {
            "sim_to_sim": ("simulator", "simulator"),
            "sim_to_real": ("simulator", "test data"),
            "real_to_real": ("test data", "test data"),
        }[row["protocol"]]
        assert row["accuracy_mean"] == pytest.approx(np.mean([f["accuracy"] for f in row["folds"]]))
        if row["protocol"] == "sim_to_real":
            # Each simulated training set (all realizations but one) on each real seed.
            assert folds == [
                f"without realization {k} | seed {seed}" for k in (0, 1) for seed in (1, 2)
            ]
        elif row["protocol"] == "real_to_real":
            assert folds == ["seed 1", "seed 2"]
        else:
            assert folds == ["realization 0", "realization 1"]
    # A model is better than chance on real boxes after training on simulations only.
    best_d = max(
        r["accuracy_mean"] for r in results if (r["task"], r["protocol"]) == ("d", "sim_to_real")
    )
    assert best_d > 2 * results[-1]["chance"]

    # Training never sees a real box: sim→sim and sim→real fit on simulated slices only, and
    # share every fit (sim→real trains nothing of its own).
    real = load_21cmfast(real_boxes, fields="delta_T", mmap=False)
    real_images = _fingerprints(slice_cubes(real.delta_T, axes="all", step=4).reshape(-1, 32, 32))
    for label, X_train in trained:
        seen = _fingerprints(X_train) & real_images
        if label.startswith("real→real"):
            assert seen == _fingerprints(X_train), label  # the check sees real images
        else:
            assert label.startswith("sim→sim"), label
            assert not seen, label
    assert len(trained) == 2 * (2 + 2)  # two models: two sim→sim folds, two real→real folds

    report = json.loads((output / "results.json").read_text())
    arguments = report["data"]["arguments"]
    assert (arguments["n_cells"], arguments["box_size"]) == (32, 48.0)
    # The simulated grid is the configured one restricted to the real boxes' classes.
    assert arguments["redshifts"] == [7.0, 8.0, 9.0]
    assert arguments["escape_fractions"] == [0.1, 0.2]
    assert report["configuration"]["test_data"] == real_boxes
    assert report["test_data"]["kind"] == "21cmfast boxes"
    assert {cube["seed"] for cube in report["test_data"]["cubes"]} == {1, 2}
    assert set(report["protocols"]) == set(PROTOCOLS)
    with open(output / "results.csv", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert list(lines[0])[:3] == ["protocol", "train_data", "test_data"]
    assert len(lines) == sum(len(row["folds"]) for row in results)
    assert {line["protocol"] for line in lines} == set(PROTOCOLS)
    for name in ("sim_vs_real.png", "confusion_task_d.png", "example_slices.png"):
        assert (output / name).read_bytes()[:4] == b"\x89PNG", name


def test_test_data_of_another_grid_or_classes_is_refused_before_work(real_boxes, tmp_path):
    output = tmp_path / "report"

    def refused(config, **kwargs):
        with pytest.raises(StudyError) as error:
            run_study(config, output=output, cache_dir=tmp_path / "cache", **kwargs)
        assert not output.exists()
        return str(error.value)

    message = refused(QUICK, test_data=real_boxes)
    assert (
        "the test data are 32³ cells over 48 Mpc but the study simulates 16³ cells over 64 "
        "Mpc: set n_cells = 32 and box_size = 48" in message
    )
    assert "the test data have escape_fraction = 0.2, which the study does not simulate" in message
    message = refused(CONFIG.replace(redshifts=(7.0, 8.0)), test_data=real_boxes)
    assert "redshift = 9, which the study does not simulate (redshifts = 7, 8)" in message
    message = refused(CONFIG.replace(test_data=real_boxes[:1]), test_data=real_boxes)
    assert "test_data is given twice" in message
    message = refused(CONFIG, test_data=real_boxes, data=real_boxes)
    assert "give data (--data) or test data (--test-data), not both" in message


def test_test_data_without_their_escape_fraction_are_refused(data_dir, tmp_path):
    # Raw boxes in a folder that does not name ζ, without their xH partner: ζ unknown.
    run = tmp_path / "run"
    run.mkdir()
    for box in (data_dir / "21cmfast-boxes" / "v1" / "zeta020.0_seed1").iterdir():
        shutil.copy(box, run)
    with pytest.raises(StudyError, match="do not give the escape_fraction of 3 of their 3 cubes"):
        run_study(CONFIG, test_data=run, output=tmp_path / "o", cache_dir=tmp_path / "c")


def test_one_real_realization_runs_sim_to_real_without_real_to_real(real_boxes, tmp_path):
    config = CONFIG.replace(tasks=["b"], models=["power-spectrum"])
    results = run_study(
        config, test_data=real_boxes[0], output=tmp_path / "o", cache_dir=tmp_path / "c"
    )
    assert [row["protocol"] for row in results] == ["sim_to_sim", "sim_to_real"]
    assert [fold["fold"] for fold in results[1]["folds"]] == [
        "without realization 0 | seed 1",
        "without realization 1 | seed 1",
    ]
