"""Fuzz of skcosmo21.datasets' readers, writers and dataset builders.

Bad files are made here, in the fuzz folder: truncated, empty, garbage, text, big-endian,
float64, NaN boxes, missing partners, damaged HDF5. A box read back must hold exactly the
values written; a saved Bunch must load back equal; a dataset's images must be the cubes'
slices (checked by NumPy indexing) with the labels of their cubes.
"""

import pathlib
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils import Bunch

from skcosmo21.datasets import (
    CubeStack,
    load_21cmfast,
    load_cubes,
    load_lightcone,
    make_lightcone_dataset,
    make_slice_dataset,
    parse_raw_box_name,
    save_cubes,
)
from skcosmo21.preprocessing import CubeSlicer, LightconeSlicer, PatchExtractor

from ._harness import check_generated, check_systematic
from ._kinds import Bool, Fixed, Real, bad, either, good
from ._targets import Target

DATA = pathlib.Path(__file__).parents[1] / "data"
N = 8
RUN = "zeta030.0_seed7"
DELTA_T_NAME = f"delta_T_z007.00_nf0.500000_useTs0_{N}_16Mpc"
DENSITY_NAME = f"updated_smoothed_deltax_z007.00_{N}_16Mpc"
DELTA_T = np.random.default_rng(6).uniform(0.0, 30.0, (N, N, N)).astype("<f4")
DENSITY = np.random.default_rng(7).uniform(-0.9, 2.0, (N, N, N)).astype("<f4")


def _run_folder(root, name, delta_t=DELTA_T, density=DENSITY, delta_t_name=DELTA_T_NAME):
    """A run folder of one raw 21cmFAST box pair; ``None`` leaves a box out."""
    folder = pathlib.Path(root) / "runs" / name / RUN
    if folder.exists():
        return folder
    folder.mkdir(parents=True)
    for file_name, values in ((delta_t_name, delta_t), (DENSITY_NAME, density)):
        if values is None:
            continue
        path = folder / file_name
        if isinstance(values, bytes):
            path.write_bytes(values)
        else:
            values.tofile(path)
    return folder


def _h5_copy(root, name, damage=None):
    """A copy of a real py21cmfast 3.4 BrightnessTemp/PerturbedField pair, maybe damaged."""
    folder = pathlib.Path(root) / "h5" / name
    if folder.exists():
        return folder
    folder.mkdir(parents=True)
    source = DATA / "21cmfast-boxes" / "h5"
    brightness = sorted(source.glob("BrightnessTemp_*"))[0]
    for path in [brightness, *source.glob("PerturbedField_*")]:
        shutil.copy(path, folder / path.name)
    if damage is not None:
        damage(folder / brightness.name)
    return folder


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path):
    path.write_bytes(np.random.default_rng(0).bytes(4000))


def _drop_redshift(path):
    import h5py

    with h5py.File(path, "r+") as handle:
        for group in [handle, *handle.values()]:
            if "redshift" in group.attrs:
                del group.attrs["redshift"]


def _load_paths(root):
    valid = _run_folder(root, "valid")
    text = np.array2string(DELTA_T.ravel()[:2000]).encode()
    return Fixed(
        bad("missing folder", pathlib.Path(root) / "nowhere"),
        bad("a folder without boxes", _empty_folder(root)),
        bad("truncated delta_T box", _run_folder(root, "truncated", DELTA_T.ravel()[:100])),
        bad("float64 box", _run_folder(root, "float64", DELTA_T.astype("<f8"))),
        bad("big-endian box", _run_folder(root, "big-endian", DELTA_T.astype(">f4"))),
        bad("NaN in the box", _run_folder(root, "nan", _nan(DELTA_T))),
        bad("empty box file", _run_folder(root, "empty", b"")),
        bad("a text box", _run_folder(root, "text", text)),
        bad("no density partner", _run_folder(root, "alone", density=None)),
        bad("garbage .h5", _h5_copy(root, "garbage", _garbage)),
        bad("truncated .h5", _h5_copy(root, "truncated", _truncate)),
        bad("an .h5 without redshift", _h5_copy(root, "no-redshift", _drop_redshift)),
        bad("a folder listed twice", [valid, valid.parent]),
        bad("empty list", []),
        bad("int", 5),
        bad("None", None),
        good("str", str(valid), plain=valid),
        good("list of one", [valid], plain=valid),
    )


def _empty_folder(root):
    folder = pathlib.Path(root) / "runs" / "no-boxes"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("nothing here")
    return folder


def _nan(values):
    values = values.copy()
    values.flat[5] = np.nan
    return values


def _load_call(path_or_paths, **params):
    return load_21cmfast(path_or_paths, **params)


def _load_check(data, kwargs):
    fields = kwargs.get("fields", ("delta_T", "density"))
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    for field in fields:
        expected = {"delta_T": DELTA_T, "density": DENSITY}[field]
        np.testing.assert_array_equal(np.asarray(data[field]), expected[None])
    np.testing.assert_array_equal(data.redshift, [7.0])
    assert data.box_size == 16.0
    if "delta_T" in fields:  # the neutral fraction is in the name of delta_T boxes only
        np.testing.assert_allclose(data.neutral_fraction, [0.5])
    efficiency = float(kwargs.get("efficiency_per_escape_fraction", 200.0))
    np.testing.assert_allclose(data.escape_fraction, 30.0 / efficiency, rtol=1e-12)


def _parsed_check(info, kwargs):
    if kwargs["name"] != DELTA_T_NAME:  # documented: None for what is not a box name
        assert info is None, info
        return
    observed = (info["field"], info["n_cells"], info["box_size"], info["redshift"])
    assert observed == ("delta_T", N, 16.0, 7.0), observed


def _small_bunch():
    return Bunch(
        delta_T=np.arange(2 * 4**3, dtype=np.float32).reshape(2, 4, 4, 4),
        redshift=np.array([7.0, 8.0]),
        box_size=8.0,
        params={"n_cells": 4, "nested": {"a": [1, 2]}},
        DESCR="two cubes",
    )


def _saved(path):
    save_cubes(_small_bunch(), path)
    return path


def _cube_files(root):
    root = pathlib.Path(root) / "cube-files"
    root.mkdir(parents=True, exist_ok=True)
    valid = _saved(root / "valid.npz")
    plain = root / "plain.npz"
    np.savez(plain, delta_T=np.zeros(3))
    npy = root / "array.npy"
    np.save(npy, np.zeros(3))
    truncated = root / "truncated.npz"
    truncated.write_bytes(valid.read_bytes()[: valid.stat().st_size // 2])
    garbage = root / "garbage.npz"
    garbage.write_bytes(np.random.default_rng(0).bytes(3000))
    empty = root / "empty.npz"
    empty.write_bytes(b"")
    clash = root / "clash.npz"
    np.savez(clash, delta_T=np.zeros(3), __metadata__=np.array('{"delta_T": 1}'))
    not_json = root / "not-json.npz"
    np.savez(not_json, delta_T=np.zeros(3), __metadata__=np.array("{not json"))
    return Fixed(
        bad("missing file", root / "missing.npz"),
        bad("a folder", root),
        bad("empty file", empty),
        bad("garbage bytes", garbage),
        bad("truncated file", truncated),
        bad("a plain NumPy .npz", plain),
        bad("a .npy array", npy),
        bad("metadata naming an array", clash),
        bad("metadata that is not JSON", not_json),
        bad("int", 5),
        bad("None", None),
        good("str", str(valid), plain=valid),
        good("name without .npz", root / "valid", plain=valid),
    )


def _bunch_equal(loaded, expected):
    assert set(loaded) == set(expected), f"{sorted(loaded)} != {sorted(expected)}"
    for key, value in expected.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(loaded[key], value)
            assert loaded[key].dtype == value.dtype
        else:
            assert loaded[key] == value, f"{key}: {loaded[key]!r} != {value!r}"


def _save_call(bunch="small", path=None):
    save_cubes(_small_bunch() if isinstance(bunch, str) else bunch, path)
    return load_cubes(path)


def _save_targets(root):
    root = pathlib.Path(root) / "save"
    root.mkdir(parents=True, exist_ok=True)
    a_file = root / "a-file"
    a_file.write_text("x")
    (root / "a-folder.npz").mkdir(exist_ok=True)
    return {
        "bunch": Fixed(
            bad("a reserved key", {**_small_bunch(), "__metadata__": 1}),
            bad("a key that is not a string", {**_small_bunch(), 5: np.zeros(2)}),
            bad("a value JSON cannot hold", {**_small_bunch(), "f": print}),
            bad("a list of arrays", [np.zeros(3)]),
            bad("None", None),
            good("a dict", dict(_small_bunch()), plain="small"),
        ),
        "path": Fixed(
            bad("inside a missing folder", root / "missing" / "out.npz"),
            bad("inside a file", a_file / "out.npz"),
            bad("a folder", root / "a-folder.npz"),
            bad("under /proc", pathlib.Path("/proc/skcosmo21-fuzz/out.npz")),
            bad("int", 5),
            bad("None", None),
            good("str", str(root / "out-str.npz"), plain=root / "out-str.npz"),
        ),
    }


def _save_check(loaded, kwargs):
    bunch = kwargs.get("bunch", "small")
    _bunch_equal(loaded, _small_bunch() if isinstance(bunch, str) else bunch)


# ------------------------------------------------------------------------ dataset builders

CUBES = Bunch(
    delta_T=np.random.default_rng(8).normal(size=(4, N, N, N)),
    redshift=np.array([7.0, 7.0, 8.0, 8.0]),
    escape_fraction=np.array([0.1, 0.2, 0.1, 0.2]),
    realization=np.array([0, 1, 0, 1]),
    box_size=16.0,
)
SLICER = CubeSlicer(axes=(0, 2), step=4)


def _changed(bunch, **changes):
    return Bunch(**{**bunch, **changes})


def _slice_call(cubes=CUBES, targets="redshift", slicer=SLICER, **params):
    return make_slice_dataset(cubes, targets, slicer, **params)


def _slice_check(data, kwargs):
    cubes = kwargs.get("cubes", CUBES)
    slicer = kwargs.get("slicer", SLICER) or CubeSlicer()
    patcher = kwargs.get("patcher")
    field = kwargs.get("field", "delta_T")
    fitted = slicer.fit(cubes[field])
    images = fitted.transform(cubes[field])
    table = fitted.locations()
    if patcher is not None:
        fitted_patcher = patcher.fit(images)
        images = fitted_patcher.transform(images)
        table = fitted_patcher.locations(table)
    np.testing.assert_array_equal(data.X, images)
    cube_index = table["cube"]
    targets = kwargs.get("targets", "redshift")
    columns = [targets] if isinstance(targets, str) else list(targets)
    expected_y = np.stack([np.asarray(cubes[c])[cube_index] for c in columns], axis=1)
    np.testing.assert_array_equal(np.asarray(data.y).reshape(len(cube_index), -1), expected_y)
    groups = kwargs.get("groups", "realization")
    if groups is None:
        assert data.groups is None
    else:
        source = cubes[groups] if isinstance(groups, str) else np.asarray(groups)
        np.testing.assert_array_equal(data.groups, source[cube_index])
    assert data.pixel_size == cubes["box_size"] / N


LIGHTCONES = Bunch(
    delta_T=np.random.default_rng(9).normal(size=(2, 4, 4, 12)),
    los_redshift=np.linspace(7.0, 8.1, 12),
    neutral_fraction=np.tile(np.linspace(0.2, 0.9, 12), (2, 1)),
    escape_fraction=np.array([0.1, 0.2]),
    realization=np.array([0, 1]),
    box_size=8.0,
)
LC_SLICER = LightconeSlicer(step=4)


def _lightcone_call(lightcones=LIGHTCONES, targets=("redshift",), slicer=LC_SLICER, **params):
    return make_lightcone_dataset(lightcones, targets, slicer, **params)


def _lightcone_check(data, kwargs):
    lightcones = kwargs.get("lightcones", LIGHTCONES)
    slicer = kwargs.get("slicer", LC_SLICER).fit(lightcones["delta_T"])
    np.testing.assert_array_equal(data.X, slicer.transform(lightcones["delta_T"]))
    targets = kwargs.get("targets", ("redshift",))
    columns = [targets] if isinstance(targets, str) else list(targets)
    table = slicer.locations(len(lightcones["delta_T"]))
    centre = (table["los_start"] + table["los_stop"] - 1) / 2
    expected = []
    for column in columns:
        if column == "redshift":
            expected.append(np.interp(centre, np.arange(12), lightcones["los_redshift"]))
        elif column == "neutral_fraction":
            rows = lightcones["neutral_fraction"][table["lightcone"]]
            pairs = zip(centre, rows, strict=True)
            expected.append([np.interp(c, np.arange(12), r) for c, r in pairs])
        else:
            expected.append(np.asarray(lightcones[column])[table["lightcone"]])
    np.testing.assert_allclose(
        np.asarray(data.y, dtype=float).reshape(len(table), -1), np.stack(expected, axis=1)
    )


def _raw_files(root):
    folder = _run_folder(root, "valid")
    short = pathlib.Path(root) / "runs" / "short.box"
    short.write_bytes(b"\0" * 100)
    return folder / DELTA_T_NAME, short


def _stack_call(paths, n_cells=N, index=None):
    stack = CubeStack.from_raw_files(paths, n_cells)
    return np.asarray(stack if index is None else stack[index])


def _stack_kinds(root):
    valid, short = _raw_files(root)
    return {
        "paths": Fixed(
            bad("a missing file", [pathlib.Path(root) / "missing.box"]),
            bad("a file of the wrong size", [short]),
            bad("no files", []),
            bad("a path, not a list", 5),
            good("one file", [str(valid)], plain=[valid]),
        ),
        "n_cells": Fixed(
            bad("wrong side", 4),
            bad("zero", 0),
            bad("negative", -2),
            bad("float", 8.0),
            bad("string", "8"),
            bad("bool", True),
            good("numpy int", np.int64(N), plain=N),
        ),
        "index": Fixed(
            bad("out of range", 5),
            bad("a string", "a"),
            bad("a float", 0.5),
            bad("a wrong-length mask", np.array([True, False, True])),
            good("-1", -1, plain=0),
            good("a slice", slice(0, 2), plain=None),
            good("a list", [0, 1], plain=None),
            good("a mask", np.array([True, True]), plain=None),
        ),
    }


def _stack_check(values, kwargs):
    expected = np.stack([DELTA_T] * len(kwargs["paths"]))
    if kwargs.get("index") is not None:
        expected = expected[kwargs["index"]]
    np.testing.assert_array_equal(values, expected)


def _lightcone_files(root):
    folder = pathlib.Path(root) / "lightcones"
    folder.mkdir(parents=True, exist_ok=True)
    source = DATA / "lightcone-v3" / "lightcone_v3_zeta30_seed1.h5"
    valid = folder / source.name
    if not valid.exists():
        shutil.copy(source, valid)
    truncated = folder / "truncated.h5"
    truncated.write_bytes(valid.read_bytes()[:50_000])
    garbage = folder / "garbage.h5"
    garbage.write_bytes(np.random.default_rng(1).bytes(5000))
    coeval = folder / "coeval.h5"
    if not coeval.exists():
        shutil.copy(sorted((DATA / "py21cmfast-4.3.1-coeval").glob("*.h5"))[0], coeval)
    return Fixed(
        bad("missing file", folder / "missing.h5"),
        bad("truncated", truncated),
        bad("garbage", garbage),
        bad("a coeval file", coeval),
        bad("an empty list", []),
        bad("int", 5),
        good("str", str(valid), plain=valid),
    )


def _lightcone_file_check(data, kwargs):
    fields = kwargs.get("fields", ("delta_T",))
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    for field in fields:
        values = np.asarray(data[field])
        assert values.ndim == 4
        assert np.isfinite(values).all()
    assert data.los_redshift.shape == (values.shape[-1],)
    assert np.all(np.diff(data.los_redshift) > 0)


def _valid_lightcone(root):
    return _lightcone_files(root).values()[-1].plain


TARGETS = [
    Target(
        "datasets.load_21cmfast",
        _load_call,
        lambda root: {"path_or_paths": _run_folder(root, "valid")},
        lambda root: {
            "path_or_paths": _load_paths(root),
            "fields": Fixed(
                bad("unknown field", "temperature"),
                bad("no field", []),
                bad("a field twice", ("delta_T", "delta_T")),
                bad("int", 5),
                bad("None", None),
                good("one str", "delta_T"),
                good("a list", ["density"]),
            ),
            "metadata": Fixed(
                bad("int", 5),
                bad("an invalid regex", "(?P<zeta"),
                bad("a callable returning a list", lambda path: [1, 2]),
                good("a callable returning None (no columns)", lambda path: None, plain=None),
                bad("a column named like a field", lambda path: {"delta_T": 1.0}),
                bad("a zeta contradicting the folder", lambda path: {"zeta": 99.0}),
                good("a regex", r"zeta(?P<zeta>[\d.]+)", plain=None),
                either("an extra column", lambda path: {"run": "a"}),
            ),
            "mmap": Bool(),
            "efficiency_per_escape_fraction": Real(0.0, open_low=True, example=200.0),
        },
        check=_load_check,
    ),
    Target(
        "datasets.load_cubes",
        lambda path: load_cubes(path),
        lambda root: {"path": pathlib.Path(root) / "cube-files" / "valid.npz"},
        lambda root: {"path": _cube_files(root)},
        check=lambda loaded, kwargs: _bunch_equal(loaded, _small_bunch()),
    ),
    Target(
        "datasets.save_cubes",
        _save_call,
        lambda root: {"path": pathlib.Path(root) / "save" / "out.npz"},
        _save_targets,
        check=_save_check,
    ),
    Target(
        "datasets.parse_raw_box_name",
        lambda name: parse_raw_box_name(name),
        {"name": DELTA_T_NAME},
        {
            "name": Fixed(
                bad("int", 5),
                bad("None", None),
                good("empty: not a box name", "", plain="notes.txt"),
                good("unrelated: not a box name", "notes.txt"),
                good("not a box name: no grid", "delta_T_z007.00_nf0.5", plain="notes.txt"),
                good(
                    "not a box name: NaN redshift",
                    f"delta_T_znan_nf0.500000_useTs0_{N}_16Mpc",
                    plain="notes.txt",
                ),
                bad("zero cells", "delta_T_z007.00_nf0.500000_useTs0_0_16Mpc"),
                bad("a path", pathlib.Path("runs") / DELTA_T_NAME),
            )
        },
        check=_parsed_check,
    ),
    Target(
        "datasets.make_slice_dataset",
        _slice_call,
        {},
        {
            "cubes": Fixed(
                bad("no such field", Bunch(redshift=CUBES.redshift, box_size=16.0)),
                bad("negative box_size", _changed(CUBES, box_size=-16.0)),
                bad("string box_size", _changed(CUBES, box_size="16")),
                bad("per-cube box_size", _changed(CUBES, box_size=np.full(4, 16.0))),
                bad("a label per cube missing", _changed(CUBES, redshift=np.array([7.0]))),
                bad("NaN cubes", _changed(CUBES, delta_T=np.full((4, N, N, N), np.nan))),
                bad("an array, not a Bunch", CUBES.delta_T),
                good("a dict", dict(CUBES), plain=CUBES),
                good("float32 cubes", _changed(CUBES, delta_T=CUBES.delta_T.astype(np.float32))),
            ),
            "targets": Fixed(
                bad("unknown column", "temperature"),
                bad("no targets", []),
                bad("one unknown among two", ["redshift", "temperature"]),
                bad("int", 5),
                bad("None", None),
                bad("the cube field", "delta_T"),
                good("two columns", ["redshift", "escape_fraction"]),
                good("a list of one", ["redshift"]),
            ),
            "slicer": Fixed(
                bad("a string", "all"),
                bad("a PatchExtractor", PatchExtractor(2)),
                good("None (every slice)", None),
            ),
            "patcher": Fixed(
                bad("a string", "patches"),
                bad("a CubeSlicer", CubeSlicer()),
                bad("patches larger than the slices", PatchExtractor(patch_size=N + 1)),
                good("4-pixel patches", PatchExtractor(patch_size=4)),
            ),
            "field": Fixed(
                bad("unknown", "x_HI"),
                bad("a label column", "redshift"),
                bad("int", 0),
                bad("None", None),
            ),
            "groups": Fixed(
                bad("unknown column", "seed"),
                bad("wrong length", np.arange(3)),
                bad("2-D", np.zeros((4, 2))),
                bad("int", 5),
                good("None", None),
                good("an array", np.array([3, 3, 4, 4])),
            ),
        },
        check=_slice_check,
        key=lambda data: (data.X, data.y, data.groups, data.locations),
        names={
            "cubes": ("cube data", "box_size", "targets", "field"),
            "patcher": "patch_size",
        },
    ),
    Target(
        "datasets.make_lightcone_dataset",
        _lightcone_call,
        {},
        {
            "lightcones": Fixed(
                bad(
                    "no los_redshift",
                    Bunch(**{k: v for k, v in LIGHTCONES.items() if k != "los_redshift"}),
                ),
                bad(
                    "los_redshift of the wrong length",
                    _changed(LIGHTCONES, los_redshift=np.linspace(7, 8, 5)),
                ),
                bad("NaN lightcones", _changed(LIGHTCONES, delta_T=np.full((2, 4, 4, 12), np.nan))),
                bad("an array", LIGHTCONES.delta_T),
                good("a dict", dict(LIGHTCONES), plain=LIGHTCONES),
            ),
            "targets": Fixed(
                bad("unknown column", "temperature"),
                bad("no targets", []),
                bad("int", 5),
                bad("None", None),
                good("neutral fraction", "neutral_fraction"),
                good("two columns", ["redshift", "escape_fraction"]),
            ),
            "slicer": Fixed(
                bad("a CubeSlicer", CubeSlicer()),
                bad("a string", "transverse"),
                good("windows", LightconeSlicer(kind="line_of_sight", width=4, step=2)),
            ),
            "field": Fixed(bad("unknown", "x_HI"), bad("a label column", "escape_fraction")),
            "groups": Fixed(
                bad("unknown column", "seed"),
                bad("wrong length", np.arange(3)),
                good("None", None),
            ),
        },
        check=_lightcone_check,
        key=lambda data: (data.X, data.y, data.groups),
        names={"lightcones": ("lightcone data", "los_redshift")},
    ),
    Target(
        "datasets.CubeStack",
        _stack_call,
        lambda root: {"paths": [_raw_files(root)[0]] * 2},
        _stack_kinds,
        check=_stack_check,
        also_sensible=(IndexError,),
    ),
    Target(
        "datasets.load_lightcone",
        lambda path_or_paths, **kw: load_lightcone(path_or_paths, **kw),
        lambda root: {"path_or_paths": _valid_lightcone(root)},
        lambda root: {
            "path_or_paths": _lightcone_files(root),
            "fields": Fixed(
                bad("unknown field", "temperature"),
                bad("no field", []),
                bad("int", 5),
                good("a str", "delta_T", plain=("delta_T",)),
            ),
            "efficiency_per_escape_fraction": Real(0.0, open_low=True, example=200.0),
        },
        check=_lightcone_file_check,
    ),
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_every_systematic_case(target, fuzz_dir):
    check_systematic(target, fuzz_dir)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@settings(max_examples=6)
@given(data=st.data())
def test_generated_cases(target, data, fuzz_dir):
    check_generated(target, data, fuzz_dir)
