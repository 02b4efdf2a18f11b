import json

import numpy as np
import pytest
from sklearn.base import clone

from skcosmo21.study import (
    DEFAULT,
    MODEL_NAMES,
    QUICK,
    ConfigurationError,
    build_model,
    load_config,
)


def test_default_is_the_original_study():
    assert DEFAULT.tasks == ("a", "b", "c", "d")
    assert DEFAULT.models == tuple(MODEL_NAMES)
    assert DEFAULT.redshifts == tuple(np.round(np.arange(7.0, 11.01, 0.25), 2))
    assert DEFAULT.escape_fractions == (0.075, 0.1, 0.15, 0.2, 0.3)
    assert (DEFAULT.n_realizations, DEFAULT.n_cells, DEFAULT.box_size) == (3, 64, 300.0)
    assert (DEFAULT.slice_step, DEFAULT.patch_size, DEFAULT.pca_components) == (4, 32, 50)
    assert (DEFAULT.epochs_dense, DEFAULT.epochs_autoencoder) == (15, 4)
    assert DEFAULT.epochs_cnn == {"a": 40, "b": 40, "c": 20, "d": 20}
    assert DEFAULT.boosting_iterations == 200
    assert all(DEFAULT.task_models(task) == DEFAULT.models for task in "abcd")


def test_quick_runs_every_task_and_every_model():
    assert QUICK.tasks == ("a", "b", "c", "d")
    run = {key for task in QUICK.tasks for key in QUICK.task_models(task)}
    assert run == set(MODEL_NAMES)
    assert QUICK.uses_networks


def test_file_then_options_override_the_preset(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(
        'tasks = ["a", "c"]\nmodels = ["one-point", "cnn"]\nslice_step = 2\n'
        "[epochs_cnn]\na = 5\nb = 5\nc = 7\nd = 7\n"
    )
    config = load_config(path, base=QUICK)
    assert config.tasks == ("a", "c")
    assert config.epochs_cnn == {"a": 5, "b": 5, "c": 7, "d": 7}
    assert config.n_cells == QUICK.n_cells  # not in the file: the preset's
    config = config.replace(tasks="c", epochs_cnn=3)
    assert (config.tasks, config.epochs_cnn["a"]) == (("c",), 3)
    assert json.loads(json.dumps(config.to_dict()))["models"] == ["one-point", "cnn"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tasks": ()}, "tasks must be a non-empty list"),
        ({"tasks": ["a", "a"]}, "tasks lists a value twice"),
        ({"redshifts": [7.0, "x"]}, "every value of redshifts must be a positive number"),
        ({"box_size": -1}, "box_size must be a positive number"),
        ({"epochs_cnn": {"a": 4}}, r"epochs_cnn gives no epochs for tasks \['b', 'c', 'd'\]"),
        ({"epochs_cnn": {"e": 4}}, "epochs_cnn has unknown tasks"),
        ({"patch_size": 2.5}, "patch_size must be a positive integer"),
        ({"network_tasks": ["z"]}, "network_tasks must be a list among"),
        ({"boxsize": 300}, "unknown configuration key 'boxsize'"),
        ({"telescope": "VLA", "hours": [10]}, r"telescope must be one of \['SKA1-Low', "),
        ({"telescope": "HERA"}, "telescope HERA needs observing times: set hours"),
        ({"hours": [10]}, "hours are observing times of a telescope: set telescope"),
        ({"telescope": "HERA", "hours": "10,ten"}, "hours must be a list of positive numbers"),
        ({"telescope": "HERA", "hours": [10, 0]}, "every value of hours must be a positive"),
        ({"telescope": "HERA", "hours": [10, 10.0]}, "hours lists a value twice"),
        (
            {"telescope": "HERA", "hours": [10], "scan": "track"},
            "HERA cannot track a field: its dishes are fixed and point at the zenith",
        ),
        ({"wedge": "wide"}, r"wedge must be one of \['horizon', 'primary-beam', 'none'\] or an"),
        ({"wedge": 120}, "or an angle in degrees in \\(0, 90\\], got 120"),
        ({"scan": "raster"}, r"scan must be one of \['track', 'drift', None\]"),
        ({"hours_per_day": 25}, "hours_per_day must be at most 24"),
    ],
)
def test_bad_values_name_the_key_and_what_is_expected(changes, message):
    with pytest.raises(ConfigurationError, match=message):
        DEFAULT.replace(**changes)


def test_network_tasks_restrict_only_the_networks():
    config = DEFAULT.replace(network_tasks=["a"])
    assert config.task_models("a") == DEFAULT.models
    assert config.task_models("b") == ("pca", "power-spectrum", "one-point")
    assert not DEFAULT.replace(network_tasks=[], tasks="a").uses_networks


def test_models_are_built_with_the_study_hyperparameters():
    # Every model builds, clones and carries the configuration's training length.
    config = DEFAULT.replace(epochs_cnn={"a": 40, "b": 40, "c": 20, "d": 11})
    for key in MODEL_NAMES:
        model = clone(build_model(key, config, "d", pixel_size=4.6875, random_state=3))
        assert model.steps
    assert build_model("cnn", config, "d")[-1].epochs == 11
    assert build_model("cnn", config, "a")[-1].epochs == 40
    assert build_model("dense", config, "a")[-1].hidden_layer_sizes == (350,)
    assert build_model("power-spectrum", config, "a", pixel_size=2.0)[0].pixel_size == 2.0
    one_point = build_model("one-point", config, "d")
    assert type(one_point[-1]).__name__ == "MultiOutputClassifier"
    assert one_point[-1].estimator.max_iter == 200
    with pytest.raises(ValueError, match="unknown model 'svm'"):
        build_model("svm", config, "a")


def test_observing_keys_from_a_file_and_from_the_command_line(tmp_path):
    assert DEFAULT.telescope is None  # the default study observes nothing
    assert not DEFAULT.observing
    path = tmp_path / "study.toml"
    path.write_text('telescope = "SKA1-Low"\nhours = [10, 100, 1000]\nwedge = "none"\n')
    config = load_config(path, base=QUICK)
    assert config.observing
    assert (config.telescope, config.hours, config.wedge) == (
        "SKA1-Low",
        (10.0, 100.0, 1000.0),
        "none",
    )
    # The command line gives strings: "10,100" and "45" are read as numbers.
    config = config.replace(hours="10, 100", wedge="45")
    assert (config.hours, config.wedge) == ((10.0, 100.0), 45.0)
    assert json.loads(json.dumps(config.to_dict()))["hours"] == [10.0, 100.0]


def test_test_data_paths_in_a_file_start_from_its_folder(tmp_path):
    folder = tmp_path / "studies"
    folder.mkdir()
    path = folder / "study.toml"
    path.write_text('test_data = ["boxes/seed1", "/data/seed2"]\n')
    config = load_config(path, base=QUICK)
    assert config.test_data == (str(folder / "boxes" / "seed1"), "/data/seed2")
    path.write_text('test_data = "boxes"\n')
    assert load_config(path, base=QUICK).test_data == (str(folder / "boxes"),)
    assert QUICK.test_data == ()
    with pytest.raises(ConfigurationError, match="test_data must be a path or a list of paths"):
        QUICK.replace(test_data=[3])
    with pytest.raises(ConfigurationError, match="test_data lists a path twice"):
        QUICK.replace(test_data=["a", "a"])


def test_test_data_and_telescope_are_refused_together():
    with pytest.raises(ConfigurationError, match="set one of them"):
        QUICK.replace(test_data=["boxes"], telescope="HERA", hours=[10])
