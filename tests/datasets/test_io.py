import csv
import shutil
import sys
import tracemalloc

import numpy as np
import pytest

from skcosmo21.datasets import (
    load_21cmfast,
    load_cubes,
    make_reionization_cubes,
    parse_raw_box_name,
    save_cubes,
)

SEED_ZETA = r"zeta(?P<zeta>[\d.]+)_seed(?P<seed>\d+)"


@pytest.fixture
def boxes(data_dir):
    return data_dir / "21cmfast-boxes"


def test_both_formats_give_the_same_cubes_and_labels(boxes, data_dir):
    raw = load_21cmfast(sorted((boxes / "v1").iterdir()), metadata=SEED_ZETA)
    h5 = load_21cmfast(boxes / "h5")
    assert raw.delta_T.shape == h5.delta_T.shape == (6, 32, 32, 32)
    np.testing.assert_array_equal(raw.delta_T, h5.delta_T)
    np.testing.assert_array_equal(raw.density, h5.density)
    for key in ("redshift", "zeta", "escape_fraction", "seed", "realization"):
        np.testing.assert_array_equal(raw[key], h5[key])
    assert raw.box_size == h5.box_size == 48.0
    assert raw.escape_fraction.tolist() == [0.1, 0.2] * 3  # ζ = 200 f_esc
    with open(data_dir / "21cmfast-boxes-summary.csv") as handle:
        rows = list(csv.DictReader(handle))
    expected = {
        (float(r["redshift"]), float(r["zeta"])): float(r["x_HI"]) for r in rows if r["seed"] == "1"
    }
    for z, zeta, nf in zip(raw.redshift, raw.zeta, raw.neutral_fraction, strict=True):
        assert nf == pytest.approx(expected[(z, zeta)], abs=1e-6)
    assert np.isnan(h5.neutral_fraction).all()  # the HDF5 cache files do not store it
    assert h5.params[0]["astro_params"]["HII_EFF_FACTOR"] in (20.0, 40.0)


def test_single_box_is_memory_mapped_without_a_copy(tmp_path):
    n = 200
    path = tmp_path / "delta_T_z008.00_nf0.500000_useTs0_200_300Mpc"
    np.ones(n**3, "<f4").tofile(path)
    np.zeros(n**3, "<f4").tofile(tmp_path / "updated_smoothed_deltax_z008.00_200_300Mpc")
    tracemalloc.start()
    data = load_21cmfast(tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert isinstance(data.delta_T.base, np.memmap) or isinstance(data.delta_T, np.memmap)
    assert peak < 16 * 2**20  # far less than the 2 x 32 MB of the two boxes
    assert float(data.delta_T[0, 5, 5, 5]) == 1.0


def _copy_run(boxes, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(boxes / "v1" / "zeta020.0_seed1", run)
    for path in run.iterdir():
        path.chmod(0o644)
    return run


def test_bad_files_are_named(boxes, tmp_path):
    run = _copy_run(boxes, tmp_path)
    box = next(run.glob("delta_T_z007*"))
    data = box.read_bytes()
    box.write_bytes(data[:-4])
    with pytest.raises(ValueError, match="delta_T_z007.*file size 131068 bytes"):
        load_21cmfast(run)
    box.write_bytes(data + b"\0\0\0\0")
    with pytest.raises(ValueError, match="file size 131076"):
        load_21cmfast(run)
    values = np.frombuffer(data, "<f4").copy()
    values[10] = np.nan
    values.tofile(box)
    with pytest.raises(ValueError, match="delta_T_z007.*NaN"):
        load_21cmfast(run)
    box.write_bytes(data)
    next(run.glob("updated_smoothed_deltax_z008*")).unlink()
    with pytest.raises(ValueError, match="no density box for z=8.0"):
        load_21cmfast(run)
    assert load_21cmfast(run, fields="delta_T").delta_T.shape == (3, 32, 32, 32)


def test_unparsable_names_unrelated_files_and_mixed_grids(boxes, tmp_path):
    run = _copy_run(boxes, tmp_path)
    (run / "notes.txt").write_text("hello")
    with pytest.warns(UserWarning, match="notes.txt"):
        assert len(load_21cmfast(run).redshift) == 3
    (run / "delta_T_zseven_32_48Mpc").write_bytes(b"")
    with pytest.raises(ValueError, match="delta_T_zseven.*no parsable redshift"):
        load_21cmfast(run)
    (run / "delta_T_zseven_32_48Mpc").unlink()
    (run / "notes.txt").unlink()
    other = tmp_path / "other"
    other.mkdir()
    np.zeros(8**3, "<f4").tofile(other / "delta_T_z007.00_nf0.5_useTs0_8_16Mpc")
    np.zeros(8**3, "<f4").tofile(other / "updated_smoothed_deltax_z007.00_8_16Mpc")
    with pytest.raises(ValueError, match="mix grids"):
        load_21cmfast([run, other])


def test_hdf5_problems(boxes, tmp_path, monkeypatch):
    import h5py

    folder = tmp_path / "h5"
    shutil.copytree(boxes / "h5", folder)
    victim = sorted(folder.glob("BrightnessTemp_*"))[0]
    victim.chmod(0o644)
    with h5py.File(victim, "a") as handle:
        del handle["BrightnessTemp/brightness_temp"]
    with pytest.raises(ValueError, match="no dataset 'BrightnessTemp/brightness_temp'"):
        load_21cmfast(folder)
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"pip install 'skcosmo21\[hdf5\]'"):
        load_21cmfast(boxes / "h5")


def test_parse_names():
    info = parse_raw_box_name(
        "xH_nohalos_z007.00_nf0.577484_eff30.0_effPLindex0.0_HIIfilter1_Mmin4.3e+08_RHIImax15_64_128Mpc"
    )
    assert info["field"] == "x_HI"
    assert info["zeta"] == 30.0
    assert info["Mmin"] == 4.3e8
    assert info["RHIImax"] == 15.0
    assert (info["n_cells"], info["box_size"]) == (64, 128.0)
    assert parse_raw_box_name("README.md") is None


def test_save_and_load_round_trip(tmp_path):
    cubes = make_reionization_cubes(
        [7.0, 9.0],
        [0.2],
        n_cells=8,
        box_size=16.0,
        random_state=0,
        fields=("delta_T", "density", "x_HI"),
    )
    save_cubes(cubes, tmp_path / "cubes.npz")
    back = load_cubes(tmp_path / "cubes.npz")
    assert set(back) == set(cubes)
    for key, value in cubes.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(back[key], value)
            assert back[key].dtype == value.dtype
        else:
            assert back[key] == value
    # load_21cmfast also reads a saved file.
    np.testing.assert_array_equal(load_21cmfast(tmp_path / "cubes.npz").delta_T, cubes.delta_T)


def test_zeta_from_an_ionization_box_name(tmp_path):
    np.zeros(8**3, "<f4").tofile(tmp_path / "delta_T_z007.00_nf0.500000_useTs0_8_16Mpc")
    np.zeros(8**3, "<f4").tofile(tmp_path / "updated_smoothed_deltax_z007.00_8_16Mpc")
    np.zeros(8**3, "<f4").tofile(
        tmp_path / "xH_nohalos_z007.00_nf0.500000_eff30.0_effPLindex0.0_HIIfilter1_Mmin4.3e+08"
        "_RHIImax15_8_16Mpc"
    )
    data = load_21cmfast(tmp_path)
    assert data.zeta.tolist() == [30.0]
    assert data.escape_fraction.tolist() == [0.15]
