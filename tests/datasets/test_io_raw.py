"""21cmFAST 1.x/2.x raw boxes: every name form 21cmFAST writes, pairing, and bad input.

The boxes are real 21cmFAST fields (py21cmfast 3.4.0, 16³, 48 Mpc, seed 3, z = 8, ζ = 20 and
40: tests/data/py21cmfast-3.4.0-h5) written as raw float32 under names made with the very
``sprintf`` formats of the 21cmFAST C sources (andreimesinger/21cmFAST, cited per format).
Python's ``%`` formatting follows C's ``printf`` for these conversions.
"""

import pathlib
import shutil

import numpy as np
import pytest

from skcosmo21.datasets import CubeStack, load_21cmfast, parse_raw_box_name

# delta_T.c v1.2:396 (RSDs, no halo field)
V1_DELTA_T = (
    "delta_T_v%i_no_halos_z%06.2f_nf%f_useTs%i_zetaX%.1e_alphaX%.1f_TvirminX%.1e_aveTb%06.2f"
    "_Pop%i_%i_%.0fMpc"
)
# delta_T.c v1.2:285 (no velocities)
V1_DELTA_T_NO_V = (
    "delta_T_no_halos_z%06.2f_nf%f_useTs%i_zetaX%.1e_alphaX%.1f_TvirminX%.1e_aveTb%06.2f"
    "_Pop%i_%i_%.0fMpc"
)
# delta_T.c e454dd3:410 and e454dd3:300
SFR_DELTA_T = (
    "delta_T_SFR_v%i_no_halos_z%06.2f_nf%f_useTs%i_zetaX%.1e_alphaX%.1f_MturnX%.1e_aveTb%06.2f"
    "_Pop%i_%i_%.0fMpc"
)
SPHERE_SFR_DELTA_T = (
    "sphere_delta_T_no_halos_SFR_z%06.2f_nf%f_useTs%i_zetaX%.1e_alphaX%.1f_MturnX%.1e"
    "_aveTb%06.2f_Pop%i_%i_%.0fMpc"
)
# delta_T.c v2.1:294 and v2.1:640
V2_DELTA_T = "delta_T_z%06.2f_nf%f_useTs%i_%i_%.0fMpc"
V2_DELTA_T_V = "delta_T_v%i_z%06.2f_nf%f_useTs%i_%i_%.0fMpc"
# find_HII_bubbles.c v1.2:257 and v1.2:263
V1_XH = "xH_nohalos_z%06.2f_nf%f_eff%.1f_effPLindex%.1f_HIIfilter%i_Mmin%.1e_RHIImax%.0f_%i_%.0fMpc"
V1_XH_SPHERE = (
    "sphere_xH_nohalos_z%06.2f_nf%f_eff%.1f_effPLindex%.1f_HIIfilter%i_Mmin%.1e_RHIImax%.0f"
    "_%i_%.0fMpc"
)
# find_HII_bubbles.c v2.1:365 (old parametrisation) and v2.1:359 (new)
V2_XH = "xH_nohalos_z%06.2f_nf%f_eff%.1f_effPLindex0_HIIfilter%i_Mmin%.1e_RHIImax%.0f_%i_%.0fMpc"
V2_XH_NEW = (
    "xH_nohalos_z%06.2f_nf%f_Fstar%.4f_starPL%.4f_Fesc%.4f_escPL%.4f_Mturn%.2e_HIIfilter%i"
    "_RHIImax%.0f_%i_%.0fMpc"
)
# 1.0x runs (no effPLindex; the issue's example) and redshift last (redshift_interpolate_boxes.c
# v1.3:145)
V10_XH = "xH_nohalos_z%06.2f_nf%f_eff%.1f_HIIfilter%i_Mmin%.1e_RHIImax%.0f_%i_%.0fMpc"
Z_LAST_XH = "xH_nohalos_nf%f_eff%.1f_HIIfilter%i_Mmin%.1e_RHIImax%.0f_z%.2f_%i_%.0fMpc"
# perturb_field.c v1.2:424 = v2.1:424
DENSITY = "updated_smoothed_deltax_z%06.2f_%i_%.0fMpc"

N, L, Z = 16, 48.0, 8.0
M_MIN = 4.3e8


def delta_t_name(form, nf, ave, use_ts=0, z=Z, n=N, box=L):
    x_ray = (-1.0, -1.0, -1.0, -1) if use_ts == 0 else (0.2, 1.5, 3.1e9, 2)
    args = {
        V1_DELTA_T: (3, z, nf, use_ts, *x_ray[:3], ave, x_ray[3], n, box),
        V1_DELTA_T_NO_V: (z, nf, use_ts, *x_ray[:3], ave, x_ray[3], n, box),
        SFR_DELTA_T: (3, z, nf, use_ts, *x_ray[:3], ave, x_ray[3], n, box),
        SPHERE_SFR_DELTA_T: (z, nf, use_ts, *x_ray[:3], ave, x_ray[3], n, box),
        V2_DELTA_T: (z, nf, use_ts, n, box),
        V2_DELTA_T_V: (3, z, nf, use_ts, n, box),
    }[form]
    return form % args


def xh_name(form, nf, zeta):
    args = {
        V1_XH: (Z, nf, zeta, 0.0, 1, M_MIN, 15, N, L),
        V1_XH_SPHERE: (Z, nf, zeta, 0.0, 1, M_MIN, 15, N, L),
        V2_XH: (Z, nf, zeta, 1, M_MIN, 15, N, L),
        V10_XH: (Z, nf, zeta, 1, M_MIN, 15, N, L),
        Z_LAST_XH: (nf, zeta, 1, M_MIN, 15, Z, N, L),
    }[form]
    return form % args


@pytest.fixture(scope="module")
def runs(data_dir):
    """{ζ: fields} of the two py21cmfast 3.4.0 runs at z = 8, read with h5py."""
    h5py = pytest.importorskip("h5py")
    folder = data_dir / "py21cmfast-3.4.0-h5"
    fields = {}
    for kind, dataset, name in (
        ("BrightnessTemp", "brightness_temp", "delta_T"),
        ("IonizedBox", "xH_box", "x_HI"),
    ):
        for path in sorted(folder.glob(f"{kind}_*.h5")):
            with h5py.File(path, "r") as handle:
                zeta = float(handle["astro_params"].attrs["HII_EFF_FACTOR"])
                fields.setdefault(zeta, {})[name] = handle[f"{kind}/{dataset}"][()]
    (density_file,) = folder.glob("PerturbedField_*.h5")
    with h5py.File(density_file, "r") as handle:
        density = handle["PerturbedField/density"][()]
    for run in fields.values():
        run["density"] = density
        run["nf"] = float(np.float32(run["x_HI"].mean()))
    assert sorted(fields) == [20.0, 40.0]
    return fields


def write_run(folder, runs, zetas=(20.0, 40.0), delta_t=V1_DELTA_T, xh=V1_XH, use_ts=0):
    """Write the boxes 21cmFAST would leave in ``folder`` after runs with these ζ."""
    folder.mkdir(parents=True, exist_ok=True)
    for zeta in zetas:
        run = runs[zeta]
        ave = float(run["delta_T"].mean())
        run["delta_T"].astype("<f4").tofile(folder / delta_t_name(delta_t, run["nf"], ave, use_ts))
        if xh is not None:
            run["x_HI"].astype("<f4").tofile(folder / xh_name(xh, run["nf"], zeta))
    runs[zetas[0]]["density"].astype("<f4").tofile(folder / (DENSITY % (Z, N, L)))
    return folder


# --- names ----------------------------------------------------------------------------------

ISSUE_NAMES = {
    "delta_T_v3_no_halos_z008.40_nf0.595490_useTs0_zetaX-1.0e+00_alphaX-1.0_TvirminX-1.0e+00"
    "_aveTb012.19_Pop-1_256_300Mpc": dict(
        field="delta_T",
        redshift=8.4,
        neutral_fraction=0.59549,
        useTs=0,
        zetaX=-1.0,
        alphaX=-1.0,
        TvirminX=-1.0,
        aveTb=12.19,
        Pop=-1,
        velocity_component=3,
        halos=False,
        n_cells=256,
        box_size=300.0,
    ),
    "delta_T_v3_no_halos_z015.00_nf0.999808_useTs1_NX0000.063_alphaX1.5_MminX3.1e+09"
    "_aveTb-108.88_Pop2_400_600Mpc": dict(
        field="delta_T",
        redshift=15.0,
        neutral_fraction=0.999808,
        useTs=1,
        NX=0.063,
        alphaX=1.5,
        MminX=3.1e9,
        aveTb=-108.88,
        Pop=2,
        n_cells=400,
        box_size=600.0,
    ),
    "updated_smoothed_deltax_z008.40_256_300Mpc": dict(
        field="density", redshift=8.4, n_cells=256, box_size=300.0
    ),
    "xH_nohalos_z008.40_nf0.595490_eff30.0_HIIfilter1_Mmin2.7e+09_RHIImax35_256_300Mpc": dict(
        field="x_HI",
        redshift=8.4,
        neutral_fraction=0.59549,
        zeta=30.0,
        HIIfilter=1,
        Mmin=2.7e9,
        RHIImax=35,
        halos=False,
    ),
    "xH_nohalos_nf0.000000_eff31.5_HIIfilter1_Mmin1.0e+08_RHIImax30_z5.60_450_500Mpc": dict(
        field="x_HI", redshift=5.6, neutral_fraction=0.0, zeta=31.5, n_cells=450
    ),
    # the simplified name of the reference boxes is the 2.x form (delta_T.c v2.1:294)
    "delta_T_z007.00_nf0.577484_useTs0_32_48Mpc": dict(
        field="delta_T", redshift=7.0, useTs=0, halos=None, sphere=None
    ),
    "sphere_delta_T_no_halos_SFR_z010.50_nf0.912000_useTs1_zetaX2.0e+56_alphaX1.2"
    "_MturnX5.0e+08_aveTb-05.31_Pop2_64_300Mpc": dict(
        sphere=True, SFR=True, halos=False, zetaX=2e56, MturnX=5e8, aveTb=-5.31
    ),
    "xH_z010.00_nf0.912345_Fstar0.0500_starPL0.5000_Fesc0.1000_escPL-0.5000_Mturn5.00e+08"
    "_HIIfilter1_RHIImax15_64_300Mpc": dict(
        halos=True, Fstar=0.05, starPL=0.5, Fesc=0.1, escPL=-0.5, Mturn=5e8, RHIImax=15
    ),
}


@pytest.mark.parametrize("name", list(ISSUE_NAMES))
def test_parse_names_21cmfast_writes(name):
    info = parse_raw_box_name(name)
    for key, value in ISSUE_NAMES[name].items():
        assert info[key] == value, key
    assert "zeta" not in info or name.startswith("xH")  # zetaX (X-ray) is never ζ


def test_parse_rejects_what_is_not_a_box_name():
    assert parse_raw_box_name("README.md") is None
    assert parse_raw_box_name("delta_T_z008.00_nf0.5_useTs0_16_48Mpc_lighttravel") is None
    with pytest.raises(ValueError, match="without a redshift"):
        parse_raw_box_name("delta_T_nf0.500000_useTs0_16_48Mpc")
    with pytest.raises(ValueError, match="'nf' appears twice"):
        parse_raw_box_name("delta_T_z008.00_nf0.5_nf0.6_16_48Mpc")


# --- formats and pairing --------------------------------------------------------------------

FORMS = [
    (V1_DELTA_T, V1_XH),
    (V1_DELTA_T_NO_V, V1_XH),
    (SFR_DELTA_T, V10_XH),
    (SPHERE_SFR_DELTA_T, V1_XH_SPHERE),
    (V2_DELTA_T, V2_XH),
    (V2_DELTA_T_V, Z_LAST_XH),
]


@pytest.mark.parametrize(("delta_t", "xh"), FORMS)
def test_each_name_form_loads_with_zeta_and_neutral_fraction(tmp_path, runs, delta_t, xh):
    folder = write_run(tmp_path / "Boxes", runs, delta_t=delta_t, xh=xh)
    data = load_21cmfast(folder, fields=("delta_T", "density", "x_HI"), mmap=False)
    assert data.zeta.tolist() == [20.0, 40.0]
    assert data.escape_fraction.tolist() == [0.1, 0.2]
    for i, zeta in enumerate(data.zeta):
        run = runs[zeta]
        np.testing.assert_array_equal(data.delta_T[i], run["delta_T"])
        np.testing.assert_array_equal(data.x_HI[i], run["x_HI"])
        np.testing.assert_array_equal(data.density[i], run["density"])
        assert data.neutral_fraction[i] == pytest.approx(run["x_HI"].mean(), abs=1e-6)
    assert data.redshift.tolist() == [8.0, 8.0]
    assert data.box_size == 48.0


def test_metadata_table_holds_every_token(tmp_path, runs):
    folder = write_run(tmp_path / "Boxes", runs, zetas=(20.0,), use_ts=1)
    data = load_21cmfast(folder)
    table = data.metadata
    assert table["delta_T.zetaX"].tolist() == [0.2]  # the X-ray efficiency ...
    assert data.zeta.tolist() == [20.0]  # ... is not ζ, which comes from the xH box
    assert table["delta_T.useTs"].tolist() == [1]
    assert table["delta_T.TvirminX"].tolist() == [3.1e9]
    assert table["x_HI.zeta"].tolist() == [20.0]
    assert table["x_HI.Mmin"].tolist() == [M_MIN]
    assert table["delta_T.aveTb"][0] == pytest.approx(runs[20.0]["delta_T"].mean(), abs=0.005)
    assert table["format"].tolist() == ["21cmFAST 1.x/2.x raw"]
    assert data.params[0]["x_HI"]["RHIImax"] == 15


def test_new_parametrisation_leaves_zeta_unknown(tmp_path, runs):
    folder = tmp_path / "Boxes"
    write_run(folder, runs, zetas=(20.0,), delta_t=V2_DELTA_T, xh=None)
    nf = runs[20.0]["nf"]
    runs[20.0]["x_HI"].tofile(
        folder / (V2_XH_NEW % (Z, nf, 0.05, 0.5, 0.1, -0.5, 5e8, 1, 15, N, L))
    )
    data = load_21cmfast(folder)
    assert np.isnan(data.zeta).all()
    assert np.isnan(data.escape_fraction).all()
    assert data.metadata["x_HI.Fesc"].tolist() == [0.1]


# --- misbehaviour of issue #14 ----------------------------------------------------------------
# These use the 2.x names that today's reader parses, so that each fails today for the reason
# the issue gives, not for the name.
TODAYS_FORMS = {"delta_t": V2_DELTA_T, "xh": V2_XH}


def test_two_zeta_runs_in_one_folder_stay_two_cubes_with_their_zeta(tmp_path, runs):
    # Today: one cube per redshift, the last xH box's eff labels it.
    folder = write_run(tmp_path / "Boxes", runs, **TODAYS_FORMS)
    data = load_21cmfast(folder)
    assert len(data.redshift) == 2
    by_zeta = dict(zip(data.zeta, data.neutral_fraction, strict=True))
    assert by_zeta == pytest.approx({20.0: runs[20.0]["nf"], 40.0: runs[40.0]["nf"]}, abs=1e-6)
    for i, zeta in enumerate(data.zeta):
        np.testing.assert_array_equal(data.delta_T[i], runs[zeta]["delta_T"])


def test_use_ts0_beside_use_ts1_gives_two_cubes(tmp_path, runs):
    folder = write_run(tmp_path / "Boxes", runs, zetas=(20.0,), **TODAYS_FORMS)
    run = runs[20.0]
    twin = (run["delta_T"] * 0.5).astype("<f4")  # a spin-temperature run of the same field
    twin.tofile(folder / delta_t_name(V2_DELTA_T, run["nf"], float(twin.mean()), use_ts=1))
    data = load_21cmfast(folder)
    assert len(data.redshift) == 2
    assert sorted(data.metadata["delta_T.useTs"].tolist()) == [0, 1]
    assert data.zeta.tolist() == [20.0, 20.0]
    assert len({float(np.asarray(cube).mean()) for cube in data.delta_T}) == 2


def test_xh_boxes_of_the_same_neutral_fraction_are_ambiguous(tmp_path, runs):
    folder = write_run(tmp_path / "Boxes", runs, zetas=(20.0,), **TODAYS_FORMS)
    run = runs[20.0]
    run["x_HI"].tofile(folder / xh_name(V2_XH, run["nf"], 25.0))
    with pytest.raises(ValueError, match=r"2 xH boxes .* share its redshift and neutral fraction"):
        load_21cmfast(folder)


def test_density_of_another_box_length_is_not_paired(tmp_path, runs):
    # Today: the 96 Mpc density box is paired with the 48 Mpc delta_T box.
    folder = write_run(tmp_path / "Boxes", runs, zetas=(20.0,), **TODAYS_FORMS)
    (folder / (DENSITY % (Z, N, L))).rename(folder / (DENSITY % (Z, N, 96.0)))
    with pytest.raises(ValueError, match=r"no density box .* BOX_LEN 48 Mpc.*another grid"):
        load_21cmfast(folder)
    assert load_21cmfast(folder, fields="delta_T").delta_T.shape == (1, N, N, N)


def test_true_duplicates_are_named(tmp_path, runs):
    first = write_run(tmp_path / "a" / "Boxes", runs, zetas=(20.0,), **TODAYS_FORMS)
    second = tmp_path / "b" / "Boxes"
    shutil.copytree(first, second)
    with pytest.raises(ValueError, match=r"a/Boxes/delta_T.* and .*b/Boxes/delta_T.*duplicate"):
        load_21cmfast([first, second])
    # Other bytes under the same name: two runs whose seeds the names do not record.
    box = next(second.glob("delta_T_*"))
    (np.fromfile(box, "<f4") + 1).astype("<f4").tofile(box)
    data = load_21cmfast([first, second])
    assert data.realization.tolist() == [0, 1]
    assert data.seed.tolist() == [-1, -1]


def test_the_same_folder_listed_twice_is_refused(tmp_path, runs):
    # Today: every cube is loaded twice.
    folder = write_run(tmp_path / "Boxes", runs, **TODAYS_FORMS)
    with pytest.raises(ValueError, match="listed twice"):
        load_21cmfast([folder, folder])
    with pytest.raises(ValueError, match="listed twice"):
        load_21cmfast([tmp_path, folder])
    with pytest.raises(ValueError, match="listed twice"):
        load_21cmfast([folder, next(folder.glob("delta_T_*"))])


def _replace_delta_t(folder, raw_bytes):
    box = next(folder.glob("delta_T_*"))
    assert len(raw_bytes) == box.stat().st_size
    box.write_bytes(raw_bytes)


def test_big_endian_boxes_are_recognised(tmp_path, runs):
    # Today: "contains NaN" at best, no word on the byte order.
    folder = write_run(tmp_path / "Boxes", runs, zetas=(20.0,), **TODAYS_FORMS)
    _replace_delta_t(folder, runs[20.0]["delta_T"].astype(">f4").tobytes())
    with pytest.raises(
        ValueError, match=r"delta_T_z008.*(NaN|outside the physical range).*big-endian"
    ):
        load_21cmfast(folder)


def test_float64_and_text_bytes_of_the_right_length_are_refused(tmp_path, runs):
    # Today: both load as float32 values up to 1e31 (or tiny numbers, for digits).
    folder = write_run(tmp_path / "Boxes", runs, zetas=(20.0,), **TODAYS_FORMS)
    half = runs[20.0]["delta_T"].ravel()[: N**3 // 2].astype("<f8")
    _replace_delta_t(folder, half.tobytes())
    with pytest.raises(ValueError, match=r"not read as a little-endian float32.*dtype"):
        load_21cmfast(folder)
    lines = "".join(f"{v:.6f}\n" for v in runs[20.0]["delta_T"].ravel()).encode()
    _replace_delta_t(folder, (lines * 2)[: 4 * N**3])
    with pytest.raises(ValueError, match="printable text"):
        load_21cmfast(folder)
    _replace_delta_t(folder, (b"0123456789 " * N**3)[: 4 * N**3])  # digits: tiny float32 values
    with pytest.raises(ValueError, match="printable text"):
        load_21cmfast(folder)


def test_unphysical_density_and_neutral_fraction_are_refused(tmp_path, runs):
    folder = write_run(tmp_path / "Boxes", runs, zetas=(20.0,), **TODAYS_FORMS)
    density = folder / (DENSITY % (Z, N, L))
    (runs[20.0]["density"] - 2).astype("<f4").tofile(density)
    with pytest.raises(ValueError, match=r"updated_smoothed.*density values outside"):
        load_21cmfast(folder)
    runs[20.0]["density"].astype("<f4").tofile(density)
    xh = next(folder.glob("xH_*"))
    (runs[20.0]["x_HI"] * 3).astype("<f4").tofile(xh)
    with pytest.raises(ValueError, match=r"xH_nohalos.*x_HI values outside"):
        load_21cmfast(folder, fields=("delta_T", "x_HI"))


def test_a_folder_of_run_folders_is_searched(tmp_path, runs):
    # Today: "no 21cmFAST boxes found" for the top folder.
    for zeta in (20.0, 40.0):
        write_run(
            tmp_path / "study" / f"run_zeta{zeta:g}" / "Boxes", runs, zetas=(zeta,), **TODAYS_FORMS
        )
    (tmp_path / "study" / "notes.txt").write_text("a parameter study")
    data = load_21cmfast(tmp_path / "study")
    assert data.zeta.tolist() == [20.0, 40.0]
    assert data.realization.tolist() == [0, 1]  # one per run folder: no seed is recorded


def test_a_single_file_finds_its_partners_beside_it(tmp_path, runs):
    # Today: "no density box ... (expected updated_smoothed_deltax_z008.00_16_48Mpc)".
    folder = write_run(tmp_path / "Boxes", runs, **TODAYS_FORMS)
    other = write_run(tmp_path / "other" / "Boxes", runs, zetas=(40.0,), **TODAYS_FORMS)
    (chosen,) = folder.glob(f"delta_T_*_nf{runs[20.0]['nf']:f}_*")
    data = load_21cmfast(chosen)
    assert data.files == [{"delta_T": str(chosen), "density": str(folder / (DENSITY % (Z, N, L)))}]
    assert data.zeta.tolist() == [20.0]
    both = load_21cmfast([other, chosen], mmap=True)
    assert isinstance(both.delta_T, CubeStack)
    assert len(both.delta_T) == 2
    with pytest.raises(ValueError, match="a density box, but fields"):
        load_21cmfast(folder / (DENSITY % (Z, N, L)))
    (folder / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="not a 21cmFAST box"):
        load_21cmfast(folder / "notes.txt")


def test_labels_that_contradict_the_files_are_errors(tmp_path, runs):
    write_run(tmp_path / "zeta030.0_seed3", runs, zetas=(20.0,), **TODAYS_FORMS)
    with pytest.raises(ValueError, match="says zeta=20.0 but the folder name says zeta=30.0"):
        load_21cmfast(tmp_path / "zeta030.0_seed3")
    with pytest.raises(ValueError, match="seed"):
        load_21cmfast(tmp_path / "zeta030.0_seed3", metadata=lambda path: {"seed": 4})


# --- the main grid's layout -------------------------------------------------------------------

# ../shared beside the repository (the main checkout) or beside the worktrees' folder.
_REPOSITORY = pathlib.Path(__file__).parents[2]
MAIN_GRID = next(
    (
        folder / "shared" / "reference" / "21cmfast-3.4.0-main-grid"
        for folder in (_REPOSITORY.parent, _REPOSITORY.parent.parent)
        if (folder / "shared" / "reference" / "21cmfast-3.4.0-main-grid").is_dir()
    ),
    _REPOSITORY.parent / "shared" / "reference" / "21cmfast-3.4.0-main-grid",
)


def test_study_layout_loads_in_one_call_with_seed_zeta_and_neutral_fraction(tmp_path, data_dir):
    """seed<s>/boxes/v1/zeta<ζ>_seed<s>/ with the names of the shared main grid."""
    source = data_dir / "21cmfast-boxes" / "v1"
    for run in sorted(source.iterdir()):
        target = tmp_path / "grid" / "seed1" / "boxes" / "v1" / run.name
        target.mkdir(parents=True)
        for box in sorted(run.glob("delta_T_*")):
            info = parse_raw_box_name(box.name)
            values = np.fromfile(box, "<f4")
            nf, ave = info["neutral_fraction"], float(values.mean())
            values.tofile(target / delta_t_name(V1_DELTA_T, nf, ave, z=info["redshift"], n=32))
    (tmp_path / "grid" / "seed1" / "summary.csv").write_text("seed,redshift\n")
    data = load_21cmfast(tmp_path / "grid", fields=("delta_T",))
    assert len(data.redshift) == 6
    assert data.seed.tolist() == [1] * 6
    assert data.zeta.tolist() == [20.0, 40.0] * 3
    assert data.escape_fraction.tolist() == [0.1, 0.2] * 3
    assert data.neutral_fraction[:2].tolist() == [0.577484, 0.1214]
    assert data.redshift.tolist() == [7.0, 7.0, 8.0, 8.0, 9.0, 9.0]


@pytest.mark.skipif(not MAIN_GRID.is_dir(), reason="the shared main grid is not on this machine")
def test_shared_main_grid_subset_loads_in_one_call(tmp_path):
    for seed in (101, 102):
        run = MAIN_GRID / f"seed{seed}" / "boxes" / "v1" / f"zeta020.0_seed{seed}"
        target = tmp_path / f"seed{seed}" / "boxes" / "v1" / run.name
        target.mkdir(parents=True)
        for box in sorted(run.iterdir())[:3]:
            shutil.copy(box, target / box.name)
    data = load_21cmfast(tmp_path, fields=("delta_T",))
    assert data.delta_T.shape == (6, 64, 64, 64)
    assert data.seed.tolist() == [101] * 3 + [102] * 3
    assert data.zeta.tolist() == [20.0] * 6
    assert data.escape_fraction.tolist() == [0.1] * 6
    assert data.realization.tolist() == [0] * 3 + [1] * 3
    names = [parse_raw_box_name(pathlib.Path(f["delta_T"]).name) for f in data.files]
    assert data.neutral_fraction.tolist() == [info["neutral_fraction"] for info in names]
    assert data.box_size == 300.0
