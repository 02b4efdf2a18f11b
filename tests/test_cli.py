import json
import re
import subprocess
import sys

import pytest

import skcosmo21
from skcosmo21._cli import main


def _imported_after(statement):
    code = (
        f"import sys, time; t = time.perf_counter(); {statement}; "
        "print(time.perf_counter() - t, 'tensorflow' in sys.modules, 'keras' in sys.modules, "
        "'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, *loaded = out.stdout.split()
    return float(seconds), loaded


def test_import_loads_neither_tensorflow_nor_matplotlib_and_is_fast():
    seconds, loaded = _imported_after("import skcosmo21")
    assert seconds < 1.0
    assert loaded == ["False", "False", "False"]


def test_study_plotting_and_datasets_load_neither_tensorflow_nor_matplotlib():
    statement = (
        "import skcosmo21.datasets, skcosmo21.study, skcosmo21.plotting, "
        "skcosmo21.preprocessing, skcosmo21.feature_extraction, skcosmo21.model_selection, "
        "skcosmo21.ensemble"
    )
    _, loaded = _imported_after(statement)
    assert loaded == ["False", "False", "False"]


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert skcosmo21.__version__ in capsys.readouterr().out
    assert main([]) == 0
    assert "run" in capsys.readouterr().out


def test_python_dash_m_matches_console_script():
    out = subprocess.run(
        [sys.executable, "-m", "skcosmo21", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"skcosmo21 {skcosmo21.__version__}"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--n-jobs", "0"], "--n-jobs: expected a positive integer"),
        (["--random-state", "-3"], r"--random-state: expected an integer in \[0, 4294967295\]"),
        (["--random-state", "4294967296"], r"expected an integer in \[0, 4294967295\]"),
        (["--epochs", "many"], "--epochs: expected a positive integer"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_exit_2_with_one_line(option, message, capsys, tmp_path):
    output = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["run", *option, "--output", str(output)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert re.match(r"skcosmo21( run)?: error: ", err[0]), err[0]
    assert re.search(message, err[0]), err[0]
    assert not output.exists()


def _checked_before_work(argv, tmp_path, capsys):
    """Run ``skcosmo21 run`` with a mistake: one line, exit 2, nothing created."""
    output = tmp_path / "out"
    status = main(["run", "--quick", "--output", str(output), *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1, err
    assert err[0].startswith("skcosmo21 run: error:")
    assert not output.exists()
    return err[0]


def test_unusable_cache_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for cache in ("/proc/x", str(blocker), str(blocker / "below")):
        line = _checked_before_work(["--cache-dir", cache], tmp_path, capsys)
        assert f"cannot write to cache folder '{cache}'" in line


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for output in (blocker, blocker / "out"):
        status = main(["run", "--quick", "--output", str(output)])
        err = capsys.readouterr().err.strip().splitlines()
        assert status == 2
        assert len(err) == 1
        assert "cannot write to output folder" in err[0]


def test_missing_data_path(tmp_path, capsys):
    missing = tmp_path / "no-such-boxes"
    line = _checked_before_work(["--data", str(missing)], tmp_path, capsys)
    assert f"--data {missing}: no such file or folder" in line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("slice_stepp = 2\n", "unknown configuration key 'slice_stepp'; valid keys: tasks,"),
        ('tasks = ["a", "e"]\n', r"tasks must be a non-empty list among \['a', 'b', 'c', 'd'\]"),
        ("epochs_cnn = 0\n", "epochs_cnn must be a positive integer, got 0"),
        ('models = ["cnn", "svm"]\n', "models must be a non-empty list among"),
        ("n_realizations = 1\n", "n_realizations must be at least 2"),
        ("tasks = [a\n", "is not valid TOML"),
    ],
)
def test_bad_configuration_file(text, message, tmp_path, capsys):
    config = tmp_path / "study.toml"
    config.write_text(text)
    line = _checked_before_work(["--config", str(config)], tmp_path, capsys)
    assert re.search(message, line), line


def test_missing_configuration_file_and_bad_task_list(tmp_path, capsys):
    line = _checked_before_work(["--config", str(tmp_path / "none.toml")], tmp_path, capsys)
    assert "cannot read configuration" in line
    line = _checked_before_work(["--tasks", "a,x"], tmp_path, capsys)
    assert "tasks must be a non-empty list among" in line


def test_data_that_cannot_support_the_tasks_is_refused_before_training(tmp_path, capsys, data_dir):
    # Seed 1 only: one realization, and f_esc 0.1 and 0.2 where task a asks for 0.15.
    boxes = str(data_dir / "21cmfast-boxes" / "h5")
    line = _checked_before_work(["--data", boxes, "--models", "pca"], tmp_path, capsys)
    assert "task a (redshift at fixed f_esc) needs cubes at f_esc = 0.15" in line
    assert "the data have f_esc = 0.1, 0.2" in line
    assert "needs cubes from at least 2 realizations" in line


def test_subpackages_load_lazily():
    assert skcosmo21.physics.Cosmology().hlittle == pytest.approx(0.6766)
    with pytest.raises(AttributeError):
        skcosmo21.not_a_subpackage  # noqa: B018
    assert json.dumps(sorted(dir(skcosmo21)))
    assert "study" in dir(skcosmo21)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--telescope", "VLA", "--hours", "10"], r"telescope must be one of \['SKA1-Low', "),
        (["--telescope", "HERA"], "telescope HERA needs observing times: set hours"),
        (["--hours", "10"], "hours are observing times of a telescope: set telescope"),
        (["--telescope", "HERA", "--hours", "10,ten"], "hours must be a list of positive numbers"),
        (["--telescope", "HERA", "--hours", "0"], "every value of hours must be a positive"),
        (["--telescope", "HERA", "--hours", "1", "--wedge", "sideways"], "wedge must be one of"),
        (
            ["--telescope", "HERA", "--hours", "1", "--wedge", "95"],
            r"angle in degrees in \(0, 90\]",
        ),
    ],
)
def test_bad_observing_options_are_refused_before_work(argv, message, tmp_path, capsys):
    line = _checked_before_work(argv, tmp_path, capsys)
    assert re.search(message, line), line


def test_observing_without_21cmsense_is_refused_before_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "py21cmsense", None)  # as if it were not installed
    line = _checked_before_work(["--telescope", "HERA", "--hours", "10"], tmp_path, capsys)
    assert "telescope HERA needs 21cmSense: pip install 'skcosmo21[observe]'" in line


def test_test_data_is_checked_before_work(tmp_path, capsys, data_dir):
    missing = tmp_path / "no-such-boxes"
    line = _checked_before_work(["--test-data", str(missing)], tmp_path, capsys)
    assert f"--test-data {missing}: no such file or folder" in line
    boxes = str(data_dir / "21cmfast-boxes" / "h5")
    line = _checked_before_work(["--test-data", boxes, "--data", boxes], tmp_path, capsys)
    assert "which --data replaces: give one of them" in line
    # Real boxes of another grid than the study's (--quick: 16³ cells over 64 Mpc).
    line = _checked_before_work(["--test-data", boxes, "--models", "pca"], tmp_path, capsys)
    assert "the test data are 32³ cells over 48 Mpc but the study simulates 16³" in line
    assert "set n_cells = 32 and box_size = 48 (--config)" in line
