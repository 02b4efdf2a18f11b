"""save_cubes / load_cubes and load_21cmfast's parameters: issue #13's I/O items."""

import contextlib
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

from skcosmo21.datasets import _io as io_module
from skcosmo21.datasets import load_21cmfast, load_cubes, save_cubes
from skcosmo21.utils import InvalidParameterError


@pytest.fixture
def cubes():
    rng = np.random.default_rng(0)
    return {
        "delta_T": rng.normal(size=(3, 8, 8, 8)).astype("f4"),
        "redshift": np.array([7.0, 8.0, 9.0]),
        "box_size": 16.0,
        "params": {"note": "test"},
    }


def _assert_same(back, cubes):
    assert set(back) == set(cubes)
    np.testing.assert_array_equal(back["delta_T"], cubes["delta_T"])
    assert back["box_size"] == cubes["box_size"]
    assert back["params"] == cubes["params"]


def test_the_same_suffix_rule_both_ways(tmp_path, cubes):
    # Today: save_cubes(b, "x") writes x.npz but load_cubes("x") says file not found.
    save_cubes(cubes, tmp_path / "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.npz"]
    _assert_same(load_cubes(tmp_path / "x"), cubes)
    _assert_same(load_cubes(str(tmp_path / "x.npz")), cubes)
    with pytest.raises(FileNotFoundError, match=r"y.npz: no such cube file"):
        load_cubes(tmp_path / "y")


def test_a_failed_write_keeps_the_old_file(tmp_path, cubes, monkeypatch):
    # Today: the file is overwritten in place, and a write that fails halfway destroys it.
    path = tmp_path / "cubes.npz"
    save_cubes(cubes, path)
    before = path.read_bytes()

    def fail_halfway(file, **arrays):
        # Whatever save_cubes hands numpy (a path or an open file), half a file gets written.
        with contextlib.ExitStack() as stack:
            if isinstance(file, str | os.PathLike):
                file = stack.enter_context(open(file, "wb"))
            file.write(before[: len(before) // 2])
            file.flush()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io_module.np, "savez", fail_halfway)
    bigger = {**cubes, "delta_T": np.zeros((30, 8, 8, 8), "f4")}
    with pytest.raises(OSError, match="No space left") as raised:
        save_cubes(bigger, path)
    # the error names the file and says that the old one is untouched (issue #13)
    assert str(path) in str(raised.value)
    assert "the old file is kept unchanged" in str(raised.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cubes.npz"]  # no temporary left
    monkeypatch.undo()
    _assert_same(load_cubes(path), cubes)


def test_a_write_past_the_file_size_limit_keeps_the_old_file(tmp_path, cubes):
    """A real short write: RLIMIT_FSIZE in a child process (SIGXFSZ ignored, so EFBIG)."""
    path = tmp_path / "cubes.npz"
    save_cubes(cubes, path)
    before = path.read_bytes()
    script = textwrap.dedent(
        f"""
        import resource, signal
        import numpy as np
        from skcosmo21.datasets import save_cubes
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({len(before)}, {len(before)}))
        try:
            save_cubes({{"delta_T": np.ones((40, 16, 16, 16), "f4")}}, {str(path)!r})
        except OSError as error:
            print("refused:", error.errno, error)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert "refused: 27" in result.stdout, result.stderr  # EFBIG: File too large
    assert str(path) in result.stdout
    assert "old file is kept" in result.stdout
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["cubes.npz"]
    _assert_same(load_cubes(path), cubes)


def test_reserved_and_colliding_keys_are_errors(tmp_path, cubes):
    # Today: a key named __metadata__ is dropped, and a metadata key replaces an array on load.
    with pytest.raises(ValueError, match="must not hold the key '__metadata__', reserved"):
        save_cubes({**cubes, "__metadata__": np.zeros(3)}, tmp_path / "a.npz")
    assert not (tmp_path / "a.npz").exists()
    forged = tmp_path / "forged.npz"
    np.savez(forged, delta_T=np.zeros(3), __metadata__=np.array('{"delta_T": [1, 2]}'))
    with pytest.raises(
        ValueError, match=r"forged.npz: metadata keys must not name arrays .*\['delta_T'\]"
    ):
        load_cubes(forged)


def test_npz_errors_name_the_file(tmp_path, cubes):
    path = tmp_path / "cubes.npz"
    save_cubes(cubes, path)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ValueError, match=r"truncated.npz: not a readable cube file"):
        load_cubes(truncated)  # today: BadZipFile without the path
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.zeros(3))
    with pytest.raises(ValueError, match=r"plain.npz: a plain NumPy .npz"):
        load_cubes(plain)  # today: KeyError '__metadata__...'
    array = tmp_path / "array.npy"
    np.save(array, np.zeros(3))
    with pytest.raises(ValueError, match=r"array.npy: a single .npy array"):
        load_cubes(array)  # today: a context-manager TypeError
    with zipfile.ZipFile(tmp_path / "bad.npz", "w") as archive:
        archive.writestr("__metadata__.npy", b"not an array")
    with pytest.raises(ValueError, match=r"bad.npz: not a readable cube file, damaged"):
        load_cubes(tmp_path / "bad.npz")


def test_a_cube_stack_is_saved_as_its_values(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    for z in (7.0, 8.0):
        np.full(8**3, z, "<f4").tofile(folder / f"delta_T_z{z:06.2f}_nf0.500000_useTs0_8_16Mpc")
    data = load_21cmfast(folder, fields="delta_T")
    save_cubes(data, tmp_path / "saved")
    back = load_cubes(tmp_path / "saved")
    np.testing.assert_array_equal(back.delta_T, np.asarray(data.delta_T))
    assert back.metadata["delta_T.useTs"] == [0, 0]


def test_load_21cmfast_parameters_are_validated(tmp_path):
    # Today: load_21cmfast(5) fails inside pathlib, a callable returning a list inside dict(),
    # and efficiency_per_escape_fraction=0 gives infinite escape fractions.
    with pytest.raises(InvalidParameterError, match="'path_or_paths' parameter"):
        load_21cmfast(5)
    with pytest.raises(InvalidParameterError, match="'efficiency_per_escape_fraction'"):
        load_21cmfast(tmp_path, efficiency_per_escape_fraction=0)
    with pytest.raises(InvalidParameterError, match="'mmap' parameter"):
        load_21cmfast(tmp_path, mmap="yes")
    with pytest.raises(ValueError, match="fields must be distinct names among"):
        load_21cmfast(tmp_path, fields=("delta_T", "xH"))
    with pytest.raises(ValueError, match="path_or_paths is empty"):
        load_21cmfast([])
    with pytest.raises(TypeError, match=r"path_or_paths\[1\] must be a str or path"):
        load_21cmfast([tmp_path, 3])
    np.zeros(8**3, "<f4").tofile(tmp_path / "delta_T_z007.00_nf0.500000_useTs0_8_16Mpc")
    with pytest.raises(TypeError, match="metadata callable must return a dict .* got list"):
        load_21cmfast(tmp_path, fields="delta_T", metadata=lambda path: [1, 2])
    with pytest.raises(ValueError, match="metadata column 'delta_T' .* would replace"):
        load_21cmfast(tmp_path, fields="delta_T", metadata=lambda path: {"delta_T": 1})
    with pytest.raises(ValueError, match="no 21cmFAST boxes with fields .* hold only"):
        load_21cmfast(tmp_path, fields="density")
    data = load_21cmfast(tmp_path, fields="delta_T", metadata=r"nf(?P<tag>0\.5)")
    assert data.tag.tolist() == [0.5]
    assert data.metadata["tag"].tolist() == [0.5]
