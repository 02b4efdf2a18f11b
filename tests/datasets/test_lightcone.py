"""load_lightcone and make_lightcone_dataset against the contents of real py21cmfast files."""

import json
import shutil

import h5py
import numpy as np
import pytest

from skcosmo21.datasets import load_lightcone, make_lightcone_dataset
from skcosmo21.physics import Cosmology
from skcosmo21.physics._distances import comoving_distance
from skcosmo21.preprocessing import LightconeSlicer, PatchExtractor
from skcosmo21.utils import InvalidParameterError

V3 = "lightcone-v3/lightcone_v3_zeta30_seed1"
V4 = "lightcone-v4/lightcone_v4_const-zeta_zeta30_seed1"
V4_SIMPLE = "lightcone-v4/lightcone_v4_simple_seed2"


def _file(data_dir, stem):
    return data_dir / f"{stem}.h5"


def _py21cmfast_redshifts(data_dir, stem):
    """The redshift of every cell as py21cmfast computed it when it made the file."""
    with open(data_dir / f"{stem}.redshifts.json") as handle:
        return np.array(json.load(handle)["lightcone_redshifts"])


def _copy(data_dir, stem, tmp_path, name=None):
    target = tmp_path / (name or f"{stem.split('/')[-1]}.h5")
    shutil.copyfile(_file(data_dir, stem), target)
    return target


@pytest.fixture(scope="module")
def v4(data_dir):
    return load_lightcone(_file(data_dir, V4), fields=("delta_T", "x_HI"))


def _global_x_hi_at_cells(cosmo, n_eff, node_z, node_x_hi, los_distance):
    node_d = comoving_distance(node_z, cosmo, n_eff=n_eff)
    order = np.argsort(node_d)
    return np.interp(los_distance, node_d[order], node_x_hi[order])


def test_v4_lightcone_matches_the_file(v4, data_dir):
    path = _file(data_dir, V4)
    with h5py.File(path) as handle:
        brightness = handle["lightcones/brightness_temp"][()]
        neutral = handle["lightcones/neutral_fraction"][()]
        distances = handle["lightcone_distances"][()]
        node_z = handle["InputParameters/node_redshifts"][()]
        global_x_hi = handle["global_quantities/neutral_fraction"][()]
    assert v4.delta_T.shape == v4.x_HI.shape == (1, 16, 16, 108)
    assert v4.delta_T.dtype == np.float32
    np.testing.assert_array_equal(v4.delta_T[0], brightness.astype(np.float32))
    np.testing.assert_array_equal(v4.x_HI[0], neutral)
    np.testing.assert_array_equal(v4.los_distance, distances)
    # py21cmfast 4.3 interpolates z(d) on a 100-point grid (LightCone.lightcone_redshifts),
    # which is off by up to ~2.4e-6; ours inverts the distance exactly.
    np.testing.assert_allclose(v4.los_redshift, _py21cmfast_redshifts(data_dir, V4), atol=5e-6)
    assert v4.los_redshift[0] == pytest.approx(7.0, abs=1e-9)  # made from z = 7 to 8
    assert v4.box_size == 48.0
    assert v4.cell_size == 3.0
    np.testing.assert_allclose(np.diff(v4.los_distance), 3.0)
    assert v4.zeta.tolist() == [30.0]
    assert v4.escape_fraction.tolist() == [0.15]
    assert v4.mass_dependent_zeta.tolist() == [False]
    assert v4.seed.tolist() == [1]
    assert v4.realization.tolist() == [0]
    cosmo = Cosmology(hlittle=0.6766, omega_m=0.30964144154550644, omega_b=0.04897468161869667)
    expected = _global_x_hi_at_cells(cosmo, 3.044, node_z, global_x_hi, distances)
    np.testing.assert_allclose(v4.neutral_fraction[0], expected, rtol=1e-12)
    # The first cell sits on the z = 7 node: it takes that node's box mean exactly.
    assert v4.neutral_fraction[0, 0] == pytest.approx(global_x_hi[node_z.argmin()], abs=1e-12)
    params = v4.params[0]
    assert params["py21cmfast_version"] == "4.3.1"
    assert params["simulation_options"]["HII_DIM"] == 16
    assert params["astro_params"]["HII_EFF_FACTOR"] == 30.0
    assert params["matter_options"]["SOURCE_MODEL"] == "CONST-ION-EFF"
    assert params["cosmo_tables"]["ps_norm"] == pytest.approx(0.8102)
    np.testing.assert_array_equal(v4.global_quantities[0]["node_redshifts"], node_z)
    np.testing.assert_array_equal(v4.global_quantities[0]["neutral_fraction"], global_x_hi)
    assert v4.files == [str(path)]
    assert "py21cmfast 4.3.1" in v4.DESCR


def test_mass_dependent_efficiency_has_no_zeta(data_dir):
    data = load_lightcone(_file(data_dir, V4_SIMPLE))
    with h5py.File(_file(data_dir, V4_SIMPLE)) as handle:
        assert handle["InputParameters/matter_options"].attrs["SOURCE_MODEL"] == "E-INTEGRAL"
    # HII_EFF_FACTOR is in the file but 21cmFAST does not use it with E-INTEGRAL sources.
    assert data.params[0]["astro_params"]["HII_EFF_FACTOR"] == 30.0
    assert np.isnan(data.zeta).all()
    assert np.isnan(data.escape_fraction).all()
    assert data.mass_dependent_zeta.tolist() == [True]


def test_v3_lightcone_matches_the_file(data_dir):
    path = _file(data_dir, V3)
    data = load_lightcone(path, fields=("delta_T", "x_HI"))
    with h5py.File(path) as handle:
        brightness = handle["lightcones/brightness_temp"][()]
        neutral = handle["lightcones/xH_box"][()]
        distances = handle["distances"][()]
        recorded_redshift = handle.attrs["redshift"]
        node_z = handle["node_redshifts"][()]
        global_x_hi = handle["global_quantities/xH_box"][()]
    assert data.delta_T.shape == (1, 16, 16, 108)
    np.testing.assert_array_equal(data.delta_T[0], brightness)
    np.testing.assert_array_equal(data.x_HI[0], neutral)
    np.testing.assert_array_equal(data.los_distance, distances)
    np.testing.assert_allclose(data.los_redshift, _py21cmfast_redshifts(data_dir, V3), atol=1e-7)
    assert data.los_redshift[0] == pytest.approx(recorded_redshift, abs=1e-7)
    cosmo = Cosmology(hlittle=0.6766, omega_m=0.30964144154550644, omega_b=0.04897468161869667)
    expected = _global_x_hi_at_cells(cosmo, 3.046, node_z, global_x_hi, distances)
    np.testing.assert_allclose(data.neutral_fraction[0], expected, rtol=1e-12)
    assert data.neutral_fraction[0, 0] == pytest.approx(global_x_hi[-1], abs=1e-6)
    assert data.zeta.tolist() == [30.0]
    assert data.seed.tolist() == [1]
    assert data.params[0]["py21cmfast_version"] == "3.4.0"
    assert data.params[0]["flag_options"]["USE_MASS_DEPENDENT_ZETA"] is False
    assert data.params[0]["user_params"]["BOX_LEN"] == 48.0
    assert "Z_HEAT_MAX" in data.params[0]["global_params"]


def test_several_files_are_stacked_in_order(data_dir):
    folder = load_lightcone(data_dir / "lightcone-v4")
    assert folder.delta_T.shape == (2, 16, 16, 108)
    assert folder.seed.tolist() == [1, 2]
    assert folder.realization.tolist() == [0, 1]
    assert folder.files[1].endswith("lightcone_v4_simple_seed2.h5")
    single = load_lightcone(_file(data_dir, V4_SIMPLE))
    np.testing.assert_array_equal(folder.delta_T[1], single.delta_T[0])
    np.testing.assert_array_equal(folder.neutral_fraction[1], single.neutral_fraction[0])
    # 3.x and 4.x place the same cells (their N_eff differ, shifting them by ~2e-6 in z).
    mixed = load_lightcone([_file(data_dir, V3), _file(data_dir, V4)])
    assert mixed.delta_T.shape == (2, 16, 16, 108)
    assert [p["py21cmfast_version"] for p in mixed.params] == ["3.4.0", "4.3.1"]


def test_v3_files_before_3_4_rebuild_the_distances(data_dir, tmp_path):
    path = _copy(data_dir, V3, tmp_path)
    with h5py.File(path, "a") as handle:
        stored = handle["distances"][()]
        redshift = handle.attrs["redshift"]
        del handle["distances"]  # the layout of py21cmfast 3.0–3.3
    data = load_lightcone(path)
    n = len(stored)
    # 3.0–3.3: distance to `redshift` plus linspace(0, n * cell_size, n).
    cosmo = Cosmology(hlittle=0.6766, omega_m=0.30964144154550644, omega_b=0.04897468161869667)
    start = comoving_distance(redshift, cosmo, n_eff=3.046)
    np.testing.assert_allclose(data.los_distance, start + np.linspace(0, 3.0 * n, n), rtol=1e-14)
    assert start == pytest.approx(stored[0], abs=1e-4)
    assert data.los_redshift[0] == pytest.approx(redshift, abs=1e-9)
    assert np.all(np.diff(data.los_redshift) > 0)


def test_buffer_pixels_are_dropped_as_py21cmfast_does(data_dir, tmp_path):
    path = _copy(data_dir, V4, tmp_path)
    with h5py.File(path, "a") as handle:
        handle.attrs["lowz_buffer_pixels"] = 2
        handle.attrs["highz_buffer_pixels"] = 3
        brightness = handle["lightcones/brightness_temp"][()]
        distances = handle["lightcone_distances"][()]
    data = load_lightcone(path)
    assert data.delta_T.shape == (1, 16, 16, 103)
    np.testing.assert_array_equal(data.delta_T[0], brightness[..., 2:105].astype(np.float32))
    np.testing.assert_array_equal(data.los_distance, distances[2:105])


def _edit(path, function):
    with h5py.File(path, "a") as handle:
        function(handle)
    return path


def _replace(handle, name, value):
    del handle[name]
    handle[name] = value


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h: _replace(h, "lightcones/brightness_temp", np.zeros((16, 16, 50))), "shape"),
        (lambda h: _replace(h, "lightcones/brightness_temp", np.zeros((256, 108))), "angular"),
        (lambda h: h["lightcones/brightness_temp"].__setitem__((0, 0, 5), np.nan), "NaN"),
        (lambda h: h.attrs.__setitem__("last_completed_node", 1), "incomplete"),
        (lambda h: _replace(h, "lightcone_distances", np.linspace(100, 400, 108)), "outside"),
        (lambda h: _replace(h, "lightcone_distances", np.full(108, 9000.0)), "increasing"),
        (lambda h: h.__delitem__("InputParameters/cosmo_params"), "cosmo_params"),
    ],
)
def test_damaged_v4_files_are_refused(data_dir, tmp_path, edit, message):
    path = _edit(_copy(data_dir, V4, tmp_path), edit)
    with pytest.raises(ValueError, match=message) as error:
        load_lightcone(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h: h.attrs.__setitem__("redshift", 7.5), "records redshift=7.5"),
        (lambda h: h.attrs.__setitem__("current_redshift", 7.8), "incomplete"),
        (lambda h: h.__delitem__("node_redshifts"), "node_redshifts"),
    ],
)
def test_damaged_v3_files_are_refused(data_dir, tmp_path, edit, message):
    path = _edit(_copy(data_dir, V3, tmp_path), edit)
    with pytest.raises(ValueError, match=message) as error:
        load_lightcone(path)
    assert str(path) in str(error.value)


def test_files_that_are_not_lightcones_are_named(data_dir, tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    with pytest.raises(ValueError, match="notes.h5: not an HDF5 file"):
        load_lightcone(text)
    coeval = tmp_path / "coeval.h5"
    with h5py.File(coeval, "w") as handle:
        handle.create_group("BrightnessTemp")
    with pytest.raises(ValueError, match="coeval.h5: not a py21cmfast lightcone.*load_21cmfast"):
        load_lightcone(coeval)
    with pytest.raises(FileNotFoundError, match="missing.h5"):
        load_lightcone(tmp_path / "missing.h5")
    shutil.copyfile(_file(data_dir, V4), tmp_path / "lightcone.h5")
    with pytest.warns(UserWarning, match="skipped 2 HDF5 files"):
        data = load_lightcone(tmp_path)
    assert data.files == [str(tmp_path / "lightcone.h5")]


def test_lightcones_must_share_grid_and_line_of_sight(data_dir, tmp_path):
    shorter = _edit(
        _copy(data_dir, V4, tmp_path, "shorter.h5"),
        lambda h: h.attrs.__setitem__("highz_buffer_pixels", 8),
    )
    with pytest.raises(ValueError, match="share their line-of-sight cells.*100 cells"):
        load_lightcone([_file(data_dir, V4), shorter])
    wider = _edit(
        _copy(data_dir, V4, tmp_path, "wider.h5"),
        lambda h: h["InputParameters/simulation_options"].attrs.__setitem__("BOX_LEN", 64.0),
    )
    with pytest.raises(ValueError, match="share their transverse grid.*BOX_LEN=64 Mpc"):
        load_lightcone([_file(data_dir, V4), wider])
    with pytest.raises(ValueError, match="more than once"):
        load_lightcone([_file(data_dir, V4), _file(data_dir, V4)])


def test_fields_are_checked(data_dir):
    path = _file(data_dir, V4)
    with pytest.raises(ValueError, match="no lightcone 'density'"):
        load_lightcone(path, fields=("delta_T", "density"))
    with pytest.raises(ValueError, match="'brightness_temp' is py21cmfast's name.*'delta_T'"):
        load_lightcone(path, fields="brightness_temp")
    with pytest.raises(ValueError, match="key of the lightcone data"):
        load_lightcone(path, fields="los_redshift")
    with pytest.raises(InvalidParameterError, match="efficiency_per_escape_fraction"):
        load_lightcone(path, efficiency_per_escape_fraction=0.0)
    other = load_lightcone(path, fields="los_velocity")  # any other lightcone, by its name
    with h5py.File(path) as handle:
        np.testing.assert_array_equal(other.los_velocity[0], handle["lightcones/los_velocity"])


def test_transverse_dataset_labels_every_image_with_its_redshift(data_dir):
    data = load_lightcone(data_dir / "lightcone-v4")
    images = make_lightcone_dataset(
        data, ["redshift", "neutral_fraction", "zeta"], LightconeSlicer(step=10, offset=3)
    )
    cells = np.arange(3, 108, 10)
    assert images.X.shape == (2 * len(cells), 16, 16)
    for i, row in enumerate(images.locations):
        lightcone, cell = row["lightcone"], row["position"]
        np.testing.assert_array_equal(images.X[i], data.delta_T[lightcone, :, :, cell])
        assert images.redshift[i] == data.los_redshift[cell]
        assert images.y[i, 0] == data.los_redshift[cell]
        assert images.y[i, 1] == data.neutral_fraction[lightcone, cell]
        np.testing.assert_equal(images.y[i, 2], data.zeta[lightcone])
        assert images.groups[i] == data.realization[lightcone]
    assert images.target_names == ["redshift", "neutral_fraction", "zeta"]


def test_line_of_sight_windows_are_labelled_by_central_redshift(v4):
    slicer = LightconeSlicer(kind="line_of_sight", width=16, axes=1, step=8)
    images = make_lightcone_dataset(v4, "redshift", slicer, PatchExtractor(patch_size=8))
    windows = make_lightcone_dataset(v4, "redshift", slicer)
    # 6 whole windows of 16 cells in 108 (the last 12 cells unused), 2 positions, 4 patches.
    assert windows.X.shape == (12, 16, 16)
    assert images.X.shape == (48, 8, 8)
    for i, row in enumerate(windows.locations):
        start, stop = row["los_start"], row["los_stop"]
        assert (row["axis"], stop - start) == (1, 16)
        np.testing.assert_array_equal(windows.X[i], v4.delta_T[0, :, row["position"], start:stop])
        centre = (v4.los_redshift[start + 7] + v4.los_redshift[start + 8]) / 2
        assert windows.y[i] == pytest.approx(centre, abs=1e-12)
    np.testing.assert_array_equal(images.y, np.repeat(windows.y, 4))
    np.testing.assert_array_equal(images.redshift, images.y)
    assert images.locations.dtype.names[-2:] == ("row", "col")


def test_dataset_errors(v4):
    with pytest.raises(ValueError, match="field 'density'"):
        make_lightcone_dataset(v4, "redshift", field="density")
    with pytest.raises(ValueError, match="targets must name .*'ionization' is not one"):
        make_lightcone_dataset(v4, "ionization")
    with pytest.raises(ValueError, match="one value per lightcone"):
        make_lightcone_dataset(v4, "redshift", groups=[0, 1])
