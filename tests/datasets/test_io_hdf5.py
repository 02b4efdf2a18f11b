"""py21cmfast 3.x and 4.x HDF5 files (tests/data/py21cmfast-*, made with the real packages)."""

import pathlib
import shutil

import numpy as np
import pytest

from skcosmo21.datasets import CubeStack, load_21cmfast

h5py = pytest.importorskip("h5py")

_REPOSITORY = pathlib.Path(__file__).parents[2]
V4_REFERENCE = next(
    (
        folder / "shared" / "reference" / "21cmfast-4.3.1"
        for folder in (_REPOSITORY.parent, _REPOSITORY.parent.parent)
        if (folder / "shared" / "reference" / "21cmfast-4.3.1").is_dir()
    ),
    _REPOSITORY.parent / "shared" / "reference" / "21cmfast-4.3.1",
)


@pytest.fixture
def v3(data_dir):
    return data_dir / "py21cmfast-3.4.0-h5"


@pytest.fixture
def v4_file(data_dir):
    return data_dir / "py21cmfast-4.3.1-coeval" / "coeval_zeta30_seed5_z8.0.h5"


def _copy(source, target):
    shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
    for path in [target, *target.rglob("*")] if target.is_dir() else [target]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def _read(path, dataset):
    with h5py.File(path, "r") as handle:
        return handle[dataset][()]


def test_v3_ionized_boxes_give_the_neutral_fraction_and_pair_by_parameters(v3):
    # Today: IonizedBox files are ignored and every neutral fraction is NaN; the two ζ runs
    # share seed, redshift and grid, so only their parameters tell their files apart.
    data = load_21cmfast(v3, fields=("delta_T", "density", "x_HI"), mmap=False)
    assert data.zeta.tolist() == [20.0, 40.0]
    assert data.escape_fraction.tolist() == [0.1, 0.2]
    assert data.seed.tolist() == [3, 3]
    assert data.realization.tolist() == [0, 0]
    assert data.redshift.tolist() == [8.0, 8.0]
    assert data.box_size == 48.0
    for i, zeta in enumerate(data.zeta):
        for kind, dataset, name in (
            ("BrightnessTemp", "brightness_temp", "delta_T"),
            ("IonizedBox", "xH_box", "x_HI"),
        ):
            (path,) = [p for p in v3.glob(f"{kind}_*.h5") if _zeta_of(p) == zeta]
            np.testing.assert_array_equal(data[name][i], _read(path, f"{kind}/{dataset}"))
        assert data.neutral_fraction[i] == pytest.approx(data.x_HI[i].mean(), rel=1e-6)
    # The values printed by the fixture script (tests/data/README.md).
    assert data.neutral_fraction == pytest.approx([0.7154676, 0.4321138], abs=1e-6)
    (density,) = v3.glob("PerturbedField_*.h5")
    np.testing.assert_array_equal(data.density[0], _read(density, "PerturbedField/density"))
    assert data.metadata["astro_params.HII_EFF_FACTOR"].tolist() == [20.0, 40.0]
    assert data.metadata["py21cmfast_version"].tolist() == ["3.4.0", "3.4.0"]


def _zeta_of(path):
    with h5py.File(path, "r") as handle:
        return float(handle["astro_params"].attrs["HII_EFF_FACTOR"])


def test_v3_single_file_finds_its_partners(v3):
    (chosen,) = [p for p in v3.glob("BrightnessTemp_*.h5") if _zeta_of(p) == 40.0]
    data = load_21cmfast(chosen)
    assert data.zeta.tolist() == [40.0]
    assert data.files[0]["density"].startswith(str(v3 / "PerturbedField_"))
    assert data.neutral_fraction == pytest.approx([0.4321138], abs=1e-6)


def test_v4_coeval_file(v4_file):
    # Today: "no 21cmFAST boxes found".
    data = load_21cmfast(v4_file, fields=("delta_T", "density", "x_HI"))
    with h5py.File(v4_file, "r") as handle:
        for name, dataset in (
            ("delta_T", "BrightnessTemp/OutputFields/brightness_temp"),
            ("density", "PerturbedField/OutputFields/density"),
            ("x_HI", "IonizedBox/OutputFields/neutral_fraction"),
        ):
            np.testing.assert_array_equal(data[name][0], handle[dataset][()])
        expected_nf = handle["IonizedBox/OutputFields/neutral_fraction"][()].mean(dtype=float)
    assert isinstance(data.delta_T, np.memmap)  # contiguous HDF5 datasets are memory-mapped
    assert data.neutral_fraction == pytest.approx([expected_nf])
    assert 0 < expected_nf < 1
    assert data.zeta.tolist() == [30.0]
    assert data.escape_fraction.tolist() == [0.15]
    assert data.seed.tolist() == [5]
    assert data.redshift.tolist() == [8.0]
    assert data.box_size == 48.0
    assert data.delta_T.shape == (1, 16, 16, 16)
    assert data.metadata["matter_options.SOURCE_MODEL"].tolist() == ["CONST-ION-EFF"]
    assert data.params[0]["py21cmfast_version"] == "4.3.1"


def test_v4_and_v3_together_and_true_duplicates(tmp_path, v3, v4_file):
    data = load_21cmfast([v3, v4_file], fields="delta_T")
    assert isinstance(data.delta_T, CubeStack)
    assert len(data.delta_T) == 3
    assert sorted(data.seed.tolist()) == [3, 3, 5]
    twin = _copy(v4_file, tmp_path / "copy.h5")
    with pytest.raises(ValueError, match=r"coeval_zeta30.* and .*copy.h5.*duplicate"):
        load_21cmfast([v4_file, twin])
    _copy(v3, tmp_path / "cache")
    (extra,) = [p for p in (tmp_path / "cache").glob("BrightnessTemp_*") if _zeta_of(p) == 20.0]
    shutil.copy(extra, tmp_path / "cache" / "BrightnessTemp_0000_r3.h5")
    with pytest.raises(ValueError, match="duplicate"):
        load_21cmfast(tmp_path / "cache")


@pytest.mark.skipif(not V4_REFERENCE.is_dir(), reason="the shared 4.3.1 samples are absent")
def test_v4_reference_with_mass_dependent_efficiency_has_no_zeta(tmp_path):
    # SOURCE_MODEL "E-INTEGRAL" ignores HII_EFF_FACTOR (py21cmfast 4.3.1 IonisationBox.c), so
    # its value (30) is not the run's ζ.
    for name in ("coeval_seed5_z7.0.h5", "coeval_seed5_z8.0.h5", "lightcone_seed5_z7-8.5.h5"):
        shutil.copy(V4_REFERENCE / name, tmp_path / name)
    with pytest.warns(UserWarning, match="lightcone"):
        data = load_21cmfast(tmp_path, fields=("delta_T", "x_HI"))
    assert data.redshift.tolist() == [7.0, 8.0]
    assert np.isnan(data.zeta).all()
    assert data.metadata["astro_params.HII_EFF_FACTOR"].tolist() == [30.0, 30.0]
    assert (np.diff(data.neutral_fraction) > 0).all()
    with pytest.raises(ValueError, match="a lightcone file, not a coeval box"):
        load_21cmfast(tmp_path / "lightcone_seed5_z7-8.5.h5")


# --- bad files (issue #13) ----------------------------------------------------------------------


def test_missing_redshift_is_named(tmp_path, v3, v4_file):
    # Today: an h5py KeyError that names neither the file nor the attribute's role.
    folder = _copy(v3, tmp_path / "cache")
    victim = next(folder.glob("BrightnessTemp_*"))
    with h5py.File(victim, "a") as handle:
        del handle.attrs["redshift"]
    with pytest.raises(ValueError, match=rf"{victim.name}: HDF5 file has no 'redshift'"):
        load_21cmfast(folder)
    coeval = _copy(v4_file, tmp_path / "coeval.h5")
    with h5py.File(coeval, "a") as handle:
        del handle["BrightnessTemp"].attrs["redshift"]
    with pytest.raises(
        ValueError, match=r"coeval.h5: the group 'BrightnessTemp' has no 'redshift'"
    ):
        load_21cmfast(coeval)


def test_garbage_h5_is_named(tmp_path, v3):
    # Today: "Unable to open file (file signature not found)" without the file's name.
    folder = _copy(v3, tmp_path / "cache")
    (folder / "BrightnessTemp_garbage_r3.h5").write_bytes(b"not hdf5" * 100)
    with pytest.raises(ValueError, match=r"BrightnessTemp_garbage_r3.h5: not a readable HDF5"):
        load_21cmfast(folder)


def test_wrongly_shaped_cubes_are_named(tmp_path, v3):
    # Today: a numpy broadcast error.
    folder = _copy(v3, tmp_path / "cache")
    victim = next(folder.glob("BrightnessTemp_*"))
    with h5py.File(victim, "a") as handle:
        del handle["BrightnessTemp/brightness_temp"]
        handle["BrightnessTemp/brightness_temp"] = np.zeros((16, 16, 8), "f4")
    with pytest.raises(
        ValueError, match=rf"{victim.name}: dataset .* shape \(16, 16, 8\), expected .*16"
    ):
        load_21cmfast(folder)


def test_files_without_coeval_structs(tmp_path, v3):
    folder = _copy(v3, tmp_path / "cache")
    with h5py.File(folder / "InitialConditions_0_r3.h5", "w") as handle:
        handle.attrs["random_seed"] = 3
    assert len(load_21cmfast(folder).redshift) == 2  # other structs of a cache are not boxes
    with pytest.raises(ValueError, match="holds no BrightnessTemp, PerturbedField or IonizedBox"):
        load_21cmfast(folder / "InitialConditions_0_r3.h5")
    (density,) = folder.glob("PerturbedField_*")
    density.unlink()
    with pytest.raises(ValueError, match=r"no PerturbedField with seed 3, z=8 and the same"):
        load_21cmfast(folder)


def test_lightcones_are_not_coeval_boxes(tmp_path, data_dir, v4_file):
    lightcones = sorted((data_dir / "lightcone-v4").glob("*.h5"))
    lightcones += sorted((data_dir / "lightcone-v3").glob("*.h5"))
    assert len(lightcones) == 3
    for path in lightcones:
        with pytest.raises(ValueError, match="a lightcone file, not a coeval box.*load_lightcone"):
            load_21cmfast(path)
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(v4_file, tmp_path / v4_file.name)
    with pytest.warns(UserWarning, match="skipped 3 lightcone files"):
        data = load_21cmfast(tmp_path)
    assert data.seed.tolist() == [5]
