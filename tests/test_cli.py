import json
import subprocess
import sys

import pytest

import skcosmo21
from skcosmo21._cli import main


def test_import_does_not_load_tensorflow_and_is_fast():
    code = (
        "import sys, time; t = time.perf_counter(); import skcosmo21; "
        "print(time.perf_counter() - t, 'tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, tf_loaded, keras_loaded = out.stdout.split()
    assert float(seconds) < 1.0
    assert tf_loaded == keras_loaded == "False"


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


@pytest.mark.parametrize("option", [["--n-jobs", "0"], ["--random-state", "-3"], ["--bogus"]])
def test_bad_options_exit_non_zero_with_one_line(option, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", *option])
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["run", "--quick", "--output", str(blocker / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "cannot write to output folder" in err[0]


def test_subpackages_load_lazily():
    assert skcosmo21.physics.Cosmology().hlittle == pytest.approx(0.6766)
    with pytest.raises(AttributeError):
        skcosmo21.not_a_subpackage  # noqa: B018
    assert json.dumps(sorted(dir(skcosmo21)))
