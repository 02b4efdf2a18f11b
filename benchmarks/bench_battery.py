"""Battery of bad, odd and hostile inputs across the public API (issue #13), classified.

Run: python benchmarks/bench_battery.py [--repo PATH] [--json OUT]
(JSON to stdout and to benchmarks/results/bench_battery.json, or to OUT).

Every case is one call a new user could make with bad, odd or hostile input. Its outcome is
decided automatically by the classifier of the fuzz suite (``tests/fuzz/_outcomes.py`` of the
checkout this script lives in):

``clear error``
    an exception of a sensible type whose message names the bad input (parameter, path or
    option) and says what is expected;
``correct result``
    the call returned and the result passed the check stated with the case;
``silent wrong result``
    the call returned although the input is invalid, or its result failed the check, or (for
    files) the old file was lost;
``unclear error``
    any other exception (internal type, or a message naming neither the input nor what is
    expected), or a command that started work instead of refusing.

``--repo`` imports ``skcosmo21`` from another checkout (for example an older commit in a
``git worktree``): the cases and the classifier stay those of this script, so two checkouts
are compared on the same battery. A case whose API does not exist in that checkout counts as
``not applicable``. Files the cases read (21cmFAST HDF5 boxes) come from this script's
checkout.
"""

import argparse
import collections
import contextlib
import functools
import importlib
import importlib.util
import inspect
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = pathlib.Path(__file__).resolve().parents[1]
NA = "not applicable"
ORDER = ("clear error", "correct result", "silent wrong result", "unclear error", NA)


def _load_outcomes():
    spec = importlib.util.spec_from_file_location(
        "battery_outcomes", HERE / "tests" / "fuzz" / "_outcomes.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OUT = _load_outcomes()


class NotApplicable(Exception):
    """The checkout has no such API (the case cannot be expressed there)."""


# ----------------------------------------------------------------------------- registry
CASES = []


def case(area, label, *, names=(), expect="error", check=None, bullet=None, also=()):
    """Register a case: the decorated function sets it up and returns the call to classify.

    ``expect="error"``: the input is invalid, returning at all is silently wrong.
    ``"result"``/``"either"``: the call may return; the result must pass ``check``.
    The set-up function may instead return an ``Outcome`` (commands, files).
    """

    def register(setup):
        CASES.append(
            dict(
                area=area,
                label=label,
                setup=setup,
                names=tuple(names),
                expect=expect,
                check=check,
                bullet=bullet,
                also=also,
            )
        )
        return setup

    return register


def api(module, name, *params):
    """``skcosmo21.<module>.<name>``, which must accept ``params``, or NotApplicable."""
    try:
        obj = getattr(importlib.import_module(f"skcosmo21.{module}"), name)
    except (ImportError, AttributeError) as error:
        raise NotApplicable(f"no skcosmo21.{module}.{name}") from error
    if params:
        accepted = inspect.signature(obj).parameters
        missing = [p for p in params if p not in accepted]
        if missing:
            raise NotApplicable(f"{name} has no parameter {missing}")
    return obj


def run_all(repo, workdir, only=None):
    results = []
    for spec in CASES:
        if only and only not in spec["label"] and only != spec["area"]:
            continue
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                prepared = spec["setup"](workdir)
            except NotApplicable as reason:
                outcome = OUT.Outcome(NA, str(reason))
            except Exception as error:  # noqa: BLE001 (the set-up is not the case's call)
                # the checkout cannot even prepare the case (its API differs): not applicable,
                # with the reason kept in the details
                outcome = OUT.Outcome(NA, f"set-up failed: {type(error).__name__}: {error}")
            else:
                if isinstance(prepared, OUT.Outcome):
                    outcome = prepared
                else:
                    outcome = OUT.run_case(
                        prepared,
                        names=spec["names"],
                        expect=spec["expect"],
                        check=spec["check"],
                        also_sensible=spec["also"],
                    )
        results.append(
            dict(
                area=spec["area"],
                case=spec["label"],
                bullet=spec["bullet"],
                outcome=outcome.kind,
                detail=outcome.detail[:400],
                seconds=round(time.perf_counter() - start, 2),
            )
        )
    return results


# ------------------------------------------------------------------------------- data
RNG = np.random.default_rng(13)
CUBES16 = RNG.normal(size=(4, 16, 16, 16))
IMAGES = RNG.normal(size=(6, 16, 16))


def bunch(n_cubes=4, n_cells=16, labels=(0, 0, 1, 1)):
    from sklearn.utils import Bunch

    return Bunch(
        delta_T=RNG.normal(size=(n_cubes, n_cells, n_cells, n_cells)),
        redshift=np.array([7.0, 7.0, 8.0, 8.0][:n_cubes]),
        escape_fraction=np.array([0.1, 0.2, 0.1, 0.2][:n_cubes]),
        label=np.array(labels[:n_cubes]),
        realization=np.arange(n_cubes),
        box_size=32.0,
    )


def finite(result):
    assert np.all(np.isfinite(np.asarray(result, dtype=float))), "non-finite values"


def _text(output):
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def subprocess_python(code, repo, timeout=60, limits=None):
    """Run ``code`` in a fresh Python importing ``repo``'s skcosmo21; (rc, out, err, timed out)."""
    env = dict(os.environ, PYTHONPATH=str(repo), TF_CPP_MIN_LOG_LEVEL="3")
    preexec = None
    if limits:

        def preexec():
            import resource
            import signal

            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            for kind, value in limits.items():
                resource.setrlimit(kind, (value, value))

    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=preexec,
        )
    except subprocess.TimeoutExpired as expired:
        return None, _text(expired.stdout), _text(expired.stderr), True
    return done.returncode, done.stdout, done.stderr, False


# =========================================================================== datasets
@case(
    "datasets: writers",
    "save_cubes over a good file fails halfway (file-size limit)",
    names=("path", "file", ".npz"),
    bullet="save_cubes interrupted write",
)
def _interrupted_save(workdir):
    api("datasets", "save_cubes")
    path = workdir / "interrupted.npz"
    code = f"""
import resource, sys, numpy as np
from sklearn.utils import Bunch
from skcosmo21.datasets import save_cubes, load_cubes
good = Bunch(delta_T=np.arange(50000.0).reshape(50, 1000), redshift=np.array([7.0]))
save_cubes(good, {str(path)!r})
size = __import__('os').path.getsize({str(path)!r})
resource.setrlimit(resource.RLIMIT_FSIZE, (size // 2, resource.RLIM_INFINITY))
big = Bunch(delta_T=np.ones((100, 1000)), redshift=np.array([8.0]))
try:
    save_cubes(big, {str(path)!r})
except Exception as error:
    print('ERROR', type(error).__name__, error)
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
try:
    back = load_cubes({str(path)!r})
    ok = np.array_equal(back['delta_T'], good['delta_T'])
    print('OLD FILE', 'intact' if ok else 'changed')
except Exception as error:
    print('OLD FILE lost', type(error).__name__, error)
"""
    rc, out, err, _ = subprocess_python(code, REPO, timeout=60, limits=None)
    if "OLD FILE intact" not in out:
        return OUT.Outcome(OUT.SILENT, f"the good file was destroyed: {out.strip()[-300:]}")
    if "ERROR" not in out:
        return OUT.Outcome(OUT.SILENT, "the failed save raised nothing")
    message = out.split("ERROR", 1)[1].strip()
    if str(path) in message or path.name in message:
        return OUT.Outcome(OUT.CLEAR, f"old file intact; {message[:300]}")
    return OUT.Outcome(OUT.UNCLEAR, f"old file intact but the error names no file: {message}")


def _round_trip(bunch_, path):
    from skcosmo21.datasets import load_cubes, save_cubes

    save_cubes(bunch_, path)
    return load_cubes(path)


def _same_bunch(expected):
    def check(loaded):
        assert set(loaded) == set(expected), f"keys {sorted(loaded)} != {sorted(expected)}"
        for key, value in expected.items():
            np.testing.assert_array_equal(np.asarray(loaded[key]), np.asarray(value))

    return check


@case(
    "datasets: writers",
    "save_cubes with a key named __metadata__",
    names=("__metadata__", "key"),
    bullet="save_cubes drops __metadata__",
)
def _reserved_key(workdir):
    api("datasets", "save_cubes")
    b = dict(bunch(), __metadata__=np.array([1.0]))
    return lambda: _round_trip(b, workdir / "reserved.npz")


@case(
    "datasets: writers",
    "load_cubes of an .npz whose metadata names an array",
    names=("metadata", "delta_T", "clash.npz"),
    bullet="metadata key replaces an array",
)
def _metadata_clash(workdir):
    load = api("datasets", "load_cubes")
    path = workdir / "clash.npz"
    np.savez(path, delta_T=np.zeros(3), __metadata__=np.array('{"delta_T": 1}'))
    return lambda: load(path)


@case(
    "datasets: writers",
    "save_cubes(b, 'x') then load_cubes('x')",
    expect="result",
    names=("path",),
    bullet="save_cubes x / load_cubes x",
)
def _no_suffix(workdir):
    api("datasets", "save_cubes")
    b = bunch()
    check = _same_bunch(b)
    return lambda: _round_trip(b, workdir / "no-suffix"), check


@case("datasets: writers", "save_cubes into a missing folder", names=("missing", "folder", "path"))
def _missing_folder(workdir):
    api("datasets", "save_cubes")
    return lambda: _round_trip(bunch(), workdir / "missing" / "x.npz")


@case("datasets: writers", "save_cubes onto a folder", names=("a-folder", "folder", "path"))
def _onto_folder(workdir):
    api("datasets", "save_cubes")
    (workdir / "a-folder.npz").mkdir(exist_ok=True)
    return lambda: _round_trip(bunch(), workdir / "a-folder.npz")


@case("datasets: writers", "save_cubes with a value JSON cannot hold", names=("f", "JSON", "value"))
def _unjsonable(workdir):
    api("datasets", "save_cubes")
    return lambda: _round_trip(dict(bunch(), f=print), workdir / "unjson.npz")


@case("datasets: writers", "save_cubes of a list", names=("bunch", "mapping", "dict"))
def _save_list(workdir):
    save = api("datasets", "save_cubes")
    return lambda: save([np.zeros(3)], workdir / "list.npz")


def _npz_case(label, make, bullet=None):
    @case(
        "datasets: readers",
        f"load_cubes of {label}",
        names=(f"{label.replace(' ', '-')}",),
        bullet=bullet,
    )
    def _setup(workdir):
        load = api("datasets", "load_cubes")
        path = workdir / f"{label.replace(' ', '-')}.np{'y' if 'npy' in label else 'z'}"
        make(path)
        return lambda: load(path)


def _truncated(path):
    from skcosmo21.datasets import save_cubes

    save_cubes(bunch(), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


_npz_case("a truncated file", _truncated, bullet=".npz truncated")
_npz_case("a plain numpy file", lambda p: np.savez(p, delta_T=np.zeros(3)), bullet=".npz plain")
_npz_case("an npy array", lambda p: np.save(p, np.zeros(3)), bullet=".npy")
_npz_case("garbage bytes", lambda p: p.write_bytes(RNG.bytes(3000)))
_npz_case("an empty file", lambda p: p.write_bytes(b""))
_npz_case(
    "metadata that is not JSON",
    lambda p: np.savez(p, delta_T=np.zeros(3), __metadata__=np.array("{not json")),
)


@case("datasets: readers", "load_cubes of a missing file", names=("nowhere",))
def _missing_npz(workdir):
    load = api("datasets", "load_cubes")
    return lambda: load(workdir / "nowhere.npz")


# raw 21cmFAST boxes (the 1.x/2.x binary format) -----------------------------------
RAW_N = 8
DELTA_T = RNG.uniform(0.0, 30.0, (RAW_N,) * 3).astype("<f4")
DENSITY = RNG.uniform(-0.9, 2.0, (RAW_N,) * 3).astype("<f4")


def run_folder(workdir, name, delta_t=DELTA_T, density=DENSITY, n=RAW_N):
    folder = workdir / "runs" / name / "zeta030.0_seed7"
    if folder.exists():
        return folder
    folder.mkdir(parents=True)
    names = (
        f"delta_T_z007.00_nf0.500000_useTs0_{n}_16Mpc",
        f"updated_smoothed_deltax_z007.00_{n}_16Mpc",
    )
    for file_name, values in zip(names, (delta_t, density), strict=True):
        if values is None:
            continue
        path = folder / file_name
        if isinstance(values, bytes):
            path.write_bytes(values)
        else:
            values.tofile(path)
    return folder


def _raw_case(label, make, names, expect="error", check=None, bullet=None, **load_params):
    @case(
        "datasets: readers",
        f"load_21cmfast: {label}",
        names=names,
        expect=expect,
        check=check,
        bullet=bullet,
    )
    def _setup(workdir):
        load = api("datasets", "load_21cmfast", *load_params)
        target = make(workdir)
        return lambda: load(target, **load_params)


def _nan_box(values):
    values = values.copy()
    values.flat[5] = np.nan
    return values


def _loaded_equal(data):
    np.testing.assert_array_equal(np.asarray(data["delta_T"])[0], DELTA_T)


_raw_case(
    "a valid run folder",
    lambda w: run_folder(w, "valid"),
    ("path",),
    expect="result",
    check=_loaded_equal,
)
_raw_case(
    "a truncated box",
    lambda w: run_folder(w, "trunc", DELTA_T.ravel()[:100]),
    ("delta_T_z007", "bytes", "size"),
)
_raw_case(
    "a float64 box",
    lambda w: run_folder(w, "f64", DELTA_T.astype("<f8")),
    ("delta_T_z007", "bytes", "size"),
)
_raw_case(
    "a box with NaN",
    lambda w: run_folder(w, "nan", _nan_box(DELTA_T)),
    ("delta_T_z007", "NaN", "finite"),
)
_raw_case(
    "an empty box file", lambda w: run_folder(w, "empty", b""), ("delta_T_z007", "empty", "bytes")
)
_raw_case(
    "a box without its density partner",
    lambda w: run_folder(w, "alone", density=None),
    ("density", "updated_smoothed_deltax"),
)
_raw_case("a missing folder", lambda w: w / "nowhere", ("nowhere",))
_raw_case("an empty list", lambda w: [], ("path", "paths", "list"))
_raw_case("an int", lambda w: 5, ("path", "path_or_paths", "int"), bullet="load_21cmfast(5)")
_raw_case(
    "efficiency_per_escape_fraction=0",
    lambda w: run_folder(w, "valid"),
    ("efficiency_per_escape_fraction",),
    bullet="efficiency_per_escape_fraction=0",
    efficiency_per_escape_fraction=0,
)
_raw_case(
    "efficiency_per_escape_fraction=-5",
    lambda w: run_folder(w, "valid"),
    ("efficiency_per_escape_fraction",),
    efficiency_per_escape_fraction=-5.0,
)
_raw_case(
    "a metadata callable returning a list",
    lambda w: run_folder(w, "valid"),
    ("metadata",),
    bullet="metadata callable returning a list",
    metadata=lambda path: [1, 2],
)
_raw_case(
    "fields=('nonsense',)",
    lambda w: run_folder(w, "valid"),
    ("fields", "nonsense"),
    fields=("nonsense",),
)


def h5_copy(workdir, name, damage=None):
    folder = workdir / "h5" / name
    if folder.exists():
        return folder
    folder.mkdir(parents=True)
    source = HERE / "tests" / "data" / "21cmfast-boxes" / "h5"
    brightness = sorted(source.glob("BrightnessTemp_*"))[0]
    for path in [brightness, *source.glob("PerturbedField_*")]:
        shutil.copy(path, folder / path.name)
    if damage is not None:
        damage(folder / brightness.name)
    return folder


def _drop_redshift(path):
    import h5py

    with h5py.File(path, "r+") as handle:
        for group in [handle, *handle.values()]:
            if "redshift" in group.attrs:
                del group.attrs["redshift"]


def _reshape_cube(path):
    import h5py

    with h5py.File(path, "r+") as handle:
        for group in handle.values():
            if isinstance(group, h5py.Group):
                for key in list(group):
                    if isinstance(group[key], h5py.Dataset) and group[key].ndim == 3:
                        data = group[key][()]
                        del group[key]
                        group[key] = data[:, :, : data.shape[2] // 2]


_raw_case(
    "an HDF5 box without redshift",
    lambda w: h5_copy(w, "noz", _drop_redshift),
    ("BrightnessTemp_", "redshift"),
    bullet="HDF5 missing redshift",
)
_raw_case(
    "a garbage .h5",
    lambda w: h5_copy(w, "garbage", lambda p: p.write_bytes(RNG.bytes(4000))),
    ("BrightnessTemp_",),
    bullet="HDF5 garbage",
)
_raw_case(
    "a truncated .h5",
    lambda w: h5_copy(w, "trunc", lambda p: p.write_bytes(p.read_bytes()[:2000])),
    ("BrightnessTemp_",),
)
_raw_case(
    "an HDF5 cube of the wrong shape",
    lambda w: h5_copy(w, "shape", _reshape_cube),
    ("BrightnessTemp_", "shape"),
    bullet="HDF5 wrongly shaped cubes",
)


@case(
    "datasets: readers",
    "parse_raw_box_name of a non-box name is None (documented)",
    expect="result",
    check=lambda info: np.testing.assert_equal(info, None),
)
def _parse_garbage(workdir):
    parse = api("datasets", "parse_raw_box_name")
    return lambda: parse("garbage.txt")


@case("datasets: readers", "parse_raw_box_name(5)", names=("name",))
def _parse_int(workdir):
    parse = api("datasets", "parse_raw_box_name")
    return lambda: parse(5)


@case("datasets: readers", "load_lightcone of a garbage file", names=("lc.h5",))
def _lightcone_garbage(workdir):
    load = api("datasets", "load_lightcone")
    path = workdir / "lc.h5"
    path.write_bytes(RNG.bytes(3000))
    return lambda: load(path)


# dataset builders -----------------------------------------------------------------
def _slice_dataset(cubes, targets, **params):
    from skcosmo21.datasets import make_slice_dataset
    from skcosmo21.preprocessing import CubeSlicer

    return make_slice_dataset(cubes, targets, CubeSlicer(axes=2, step=4), **params)


@case("datasets: builders", "make_slice_dataset with an unknown target", names=("temperature",))
def _unknown_target(workdir):
    api("datasets", "make_slice_dataset")
    return lambda: _slice_dataset(bunch(), "temperature")


@case(
    "datasets: builders",
    "make_slice_dataset: images are the cubes' slices with their labels",
    expect="result",
)
def _slice_dataset_correct(workdir):
    api("datasets", "make_slice_dataset")
    b = bunch()

    def check(data):
        X = np.asarray(data["X"])
        np.testing.assert_array_equal(X[0], b.delta_T[0, :, :, 0])
        np.testing.assert_array_equal(X[-1], b.delta_T[3, :, :, 12])
        np.testing.assert_array_equal(np.asarray(data["y"]), np.repeat(b.redshift, 4))

    return lambda: _slice_dataset(b, "redshift"), check


@case("datasets: builders", "make_slice_dataset of a 3-D field", names=("delta_T", "field", "4-D"))
def _slice_3d(workdir):
    api("datasets", "make_slice_dataset")
    b = bunch()
    b["delta_T"] = b.delta_T[0]
    return lambda: _slice_dataset(b, "redshift")


@case(
    "datasets: builders",
    "make_slice_dataset with a label per cube missing",
    names=("redshift", "targets", "cubes"),
)
def _slice_short_labels(workdir):
    api("datasets", "make_slice_dataset")
    b = bunch()
    b["redshift"] = np.array([7.0])
    return lambda: _slice_dataset(b, "redshift")


# =========================================================================== simulator
def _simulate(**params):
    from skcosmo21.datasets import make_reionization_cubes

    kwargs = dict(redshifts=[8.0], escape_fractions=[0.2], n_cells=8, box_size=32.0, random_state=0)
    kwargs.update(params)
    return make_reionization_cubes(**kwargs)


def _finite_cubes(data):
    for field in ("delta_T", "density"):
        finite(data[field])


def _sim_case(label, names, bullet=None, expect="error", check=None, **params):
    @case(
        "simulator",
        f"make_reionization_cubes({label})",
        names=names,
        bullet=bullet,
        expect=expect,
        check=check,
    )
    def _setup(workdir):
        api(
            "datasets",
            "make_reionization_cubes",
            *[p for p in params if p not in ("redshifts", "escape_fractions")],
        )
        return lambda: _simulate(**params)


_sim_case(
    "n_cells=32, box_size=8: 0.25 Mpc cells",
    ("box_size", "cell"),
    bullet="sim NaN cells",
    expect="either",
    check=_finite_cubes,
    n_cells=32,
    box_size=8.0,
)
_sim_case("box_size=1e-3", ("box_size", "cell"), bullet="sim NaN cells", box_size=1e-3)
_sim_case(
    "min_virial_temperature=1e12",
    ("min_virial_temperature",),
    bullet="sim NaN cells",
    expect="either",
    check=_finite_cubes,
    min_virial_temperature=1e12,
)
_sim_case("redshifts=[1e4]", ("redshifts", "redshift"), bullet="sim domain", redshifts=[1e4])
_sim_case("redshifts=[1e12]", ("redshifts", "redshift"), bullet="sim domain", redshifts=[1e12])
_sim_case("redshifts=['a']", ("redshifts",), bullet="redshifts=['a']", redshifts=["a"])
_sim_case("redshifts=[-2]", ("redshifts",), redshifts=[-2.0])
_sim_case(
    "escape_fractions=None",
    ("escape_fractions",),
    bullet="escape_fractions=None",
    escape_fractions=None,
)
_sim_case("escape_fractions=[1.5]", ("escape_fractions",), escape_fractions=[1.5])
_sim_case("random_state=2**70", ("random_state",), bullet="seeds", random_state=2**70)
_sim_case("random_state=-1", ("random_state",), bullet="seeds", random_state=-1)
_sim_case("n_cells=0", ("n_cells",), n_cells=0)
_sim_case("n_cells=8.5", ("n_cells",), n_cells=8.5)
_sim_case("n_realizations=0", ("n_realizations",), n_realizations=0)
_sim_case("box_size='300'", ("box_size",), box_size="300")
_sim_case("fields=('nonsense',)", ("fields", "nonsense"), fields=("nonsense",))


@case(
    "simulator",
    "make_reionization_cubes: the same random_state gives the same cubes",
    expect="result",
)
def _sim_repeatable(workdir):
    api("datasets", "make_reionization_cubes")

    def call():
        return _simulate(random_state=3), _simulate(random_state=3), _simulate(random_state=4)

    def check(results):
        a, b, c = results
        np.testing.assert_array_equal(a["delta_T"], b["delta_T"])
        assert not np.array_equal(a["delta_T"], c["delta_T"]), "another seed, same cubes"

    return call, check


@case(
    "simulator",
    "make_reionization_cubes(n_cells=2048): memory refused up front",
    names=("n_cells", "memory"),
    bullet="memory",
)
def _sim_memory(workdir):
    api("datasets", "make_reionization_cubes")
    code = (
        "from skcosmo21.datasets import make_reionization_cubes as m\n"
        "try:\n"
        "    m([8.0], [0.2], n_cells=2048, box_size=2048.0, random_state=0)\n"
        "except Exception as e:\n"
        "    print('ERROR', type(e).__name__, e)\n"
    )
    start = time.perf_counter()
    rc, out, err, timed_out = subprocess_python(code, REPO, timeout=60)
    seconds = time.perf_counter() - start
    if timed_out:
        return OUT.Outcome(OUT.UNCLEAR, "started simulating instead of refusing (killed at 60 s)")
    if "ERROR" not in out:
        return OUT.Outcome(OUT.UNCLEAR, f"rc {rc}: {err.strip()[-300:]}")
    message = out.split("ERROR", 1)[1].strip()
    error_type = message.split()[0]
    worded = ("memory" in message.lower() or "n_cells" in message) and OUT.EXPECTATION.search(
        message
    )
    if worded and "Unable to allocate" not in message and seconds < 30:
        return OUT.Outcome(OUT.CLEAR, f"{seconds:.0f} s: {message[:300]}")
    return OUT.Outcome(OUT.UNCLEAR, f"{seconds:.0f} s, {error_type}: {message[:300]}")


# ====================================================================== preprocessing
def _estimator_case(
    area,
    label,
    make,
    X,
    names,
    *,
    method="fit_transform",
    expect="error",
    check=None,
    bullet=None,
    module=None,
    cls=None,
    params=(),
):
    @case(area, label, names=names, expect=expect, check=check, bullet=bullet)
    def _setup(workdir):
        if module is not None:
            api(module, cls, *params)
        estimator = make()
        data = X() if callable(X) else X
        return lambda: getattr(estimator, method)(data)


def _module_case(module, cls, label, X, names, bullet=None, expect="error", check=None, **params):
    """A case of estimator ``cls`` of ``skcosmo21.<module>`` built with ``params``."""

    def make():
        return api(module, cls, *params)(**params)

    _estimator_case(
        module, f"{cls}({label})", make, X, names, bullet=bullet, expect=expect, check=check
    )


def _pp(*args, **kwargs):
    _module_case("preprocessing", *args, **kwargs)


_pp("CubeSlicer", "axes=(0.7,)", CUBES16, ("axes",), bullet="CubeSlicer axes=(0.7,)", axes=(0.7,))
_pp("CubeSlicer", "axes=3", CUBES16, ("axes",), axes=3)
_pp("CubeSlicer", "axes='x'", CUBES16, ("axes",), axes="x")
_pp(
    "CubeSlicer",
    "n_jobs='two'",
    CUBES16,
    ("n_jobs",),
    bullet="CubeSlicer n_jobs='two'",
    n_jobs="two",
)
_pp("CubeSlicer", "step=0", CUBES16, ("step",), step=0)
_pp("CubeSlicer", "step=-1", CUBES16, ("step",), step=-1)
_pp("CubeSlicer", "offset=100", CUBES16, ("offset",), offset=100)
_pp("CubeSlicer", "on non-cubic cubes", RNG.normal(size=(2, 8, 8, 6)), ("cubes", "X", "cubic"))
_pp("CubeSlicer", "on a 3-D array", CUBES16[0], ("cubes", "X", "4-D", "dimension"))
_pp(
    "CubeSlicer",
    "on cubes with NaN",
    np.where(CUBES16 > 3, np.nan, CUBES16),
    ("cubes", "X", "NaN", "finite"),
)
_pp("CubeSlicer", "on a list of strings", [["a"]], ("cubes", "X", "numeric"))


@case("preprocessing", "CubeSlicer: slices are the cubes' planes", expect="result")
def _slicer_correct(workdir):
    slicer = api("preprocessing", "CubeSlicer")(axes=1, step=5)

    def check(result):
        expected = np.stack([CUBES16[c, :, p, :] for c in range(4) for p in (0, 5, 10, 15)])
        np.testing.assert_array_equal(result, expected)

    return lambda: slicer.fit_transform(CUBES16), check


@case(
    "preprocessing",
    "CubeSlicer.expand with a list of the wrong length",
    names=("expand", "length", "values", "y"),
    bullet="CubeSlicer.expand wrong length",
)
def _expand_wrong(workdir):
    slicer = api("preprocessing", "CubeSlicer")(axes=2, step=4).fit(CUBES16)
    expand = getattr(slicer, "expand", None)
    if expand is None:
        raise NotApplicable("no CubeSlicer.expand")
    return lambda: expand([1, 2, 3])


_pp(
    "ImageStandardizer",
    "float32 values near 3e38",
    (np.float32(3e38) * np.sign(IMAGES)).astype(np.float32),
    ("X",),
    bullet="ImageStandardizer float32 3e38",
    expect="either",
    check=finite,
)
_pp(
    "ImageStandardizer",
    "constant images",
    np.ones((3, 8, 8)),
    ("X",),
    expect="either",
    check=finite,
)
_pp("ImageStandardizer", "method='foo'", IMAGES, ("method",), method="foo")
_pp(
    "ImageStandardizer",
    "images with inf",
    np.where(IMAGES > 2, np.inf, IMAGES),
    ("X", "inf", "finite"),
)
_pp("PatchExtractor", "patch_size=0", IMAGES, ("patch_size",), patch_size=0)
_pp("PatchExtractor", "patch_size larger than the images", IMAGES, ("patch_size",), patch_size=40)
_pp("PatchExtractor", "stride=0", IMAGES, ("stride",), patch_size=8, stride=0)
_pp("PatchExtractor", "patch_size=8.5", IMAGES, ("patch_size",), patch_size=8.5)
_pp(
    "PatchExtractor",
    "on 0x0 images",
    np.zeros((2, 0, 0)),
    ("X", "images", "empty"),
    bullet="0x0 and 1x1 images",
    patch_size=2,
)


@case("preprocessing", "extract_patches: patches are the image's windows", expect="result")
def _patches_correct(workdir):
    extract = api("preprocessing", "extract_patches")

    def check(patches):
        assert patches.shape == (6 * 9, 8, 8), patches.shape
        np.testing.assert_array_equal(patches[1], IMAGES[0, 0:8, 4:12])

    return lambda: extract(IMAGES, 8, stride=4), check


@case("preprocessing", "slice_positions(n_cells=0)", names=("n_cells",))
def _positions_zero(workdir):
    positions = api("preprocessing", "slice_positions")
    return lambda: positions(0)


@case("preprocessing", "LightconeSlicer(kind='diagonal')", names=("kind",))
def _lightcone_kind(workdir):
    slicer = api("preprocessing", "LightconeSlicer")(kind="diagonal")
    return lambda: slicer.fit_transform(RNG.normal(size=(2, 8, 8, 12)))


@case("preprocessing", "Flatten of a 1-D array", names=("X", "2", "dimension"), expect="either")
def _flatten_1d(workdir):
    flatten = api("preprocessing", "Flatten")()
    return lambda: flatten.fit_transform(np.arange(5.0))


# ================================================================= feature extraction
def _fe(*args, **kwargs):
    _module_case("feature_extraction", *args, **kwargs)


def _moments_zero(features):
    features = np.asarray(features)
    finite(features)
    # the last moments are skewness and kurtosis (excess); a constant image has 0 for both
    np.testing.assert_allclose(features[:, -2:], 0.0, atol=1e-9)


CONSTANT = np.full((3, 8, 8), 5.0)
_fe(
    "OnePointStatistics",
    "constant images: skewness and kurtosis 0",
    CONSTANT,
    ("X",),
    bullet="OnePointStatistics constant",
    expect="either",
    check=_moments_zero,
)
_fe(
    "OnePointStatistics",
    "tiny constant values 1e-300",
    np.full((3, 8, 8), 1e-300),
    ("X",),
    bullet="OnePointStatistics constant",
    expect="either",
    check=_moments_zero,
)
_fe(
    "OnePointStatistics",
    "include_moments='False'",
    IMAGES,
    ("include_moments",),
    bullet="include_moments='False'",
    include_moments="False",
)
_fe("OnePointStatistics", "n_quantiles=0", IMAGES, ("n_quantiles",), n_quantiles=0)
_fe(
    "OnePointStatistics",
    "quantile_range=(0.9, 0.1)",
    IMAGES,
    ("quantile_range",),
    quantile_range=(0.9, 0.1),
)
_fe(
    "OnePointStatistics",
    "images with NaN",
    np.where(IMAGES > 2, np.nan, IMAGES),
    ("X", "NaN", "finite"),
)


def _quantiles_match(features):
    features = np.asarray(features)
    expected = np.quantile(IMAGES.reshape(6, -1), np.linspace(0.01, 0.99, 5), axis=1).T
    np.testing.assert_allclose(features[:, :5], expected, rtol=1e-10)


_fe(
    "OnePointStatistics",
    "quantiles equal numpy's",
    IMAGES,
    ("X",),
    expect="result",
    check=_quantiles_match,
    n_quantiles=5,
    include_moments=False,
)
_fe("PowerSpectrum2D", "log='no'", IMAGES, ("log",), bullet="log='no'", log="no")
_fe(
    "PowerSpectrum2D",
    "include_moments='False'",
    IMAGES,
    ("include_moments",),
    bullet="include_moments='False'",
    include_moments="False",
)
_fe("PowerSpectrum2D", "k_range=(1,)", IMAGES, ("k_range",), bullet="k_range=(1,)", k_range=(1,))
_fe("PowerSpectrum2D", "k_range=(2, 1)", IMAGES, ("k_range",), k_range=(2.0, 1.0))
_fe("PowerSpectrum2D", "n_bins=0", IMAGES, ("n_bins",), n_bins=0)
_fe(
    "PowerSpectrum2D",
    "on 0x0 images",
    np.zeros((2, 0, 0)),
    ("X", "images", "pixels"),
    bullet="0x0 and 1x1 images",
)
_fe(
    "PowerSpectrum2D",
    "on 1x1 images",
    np.zeros((2, 1, 1)),
    ("X", "images", "pixels"),
    bullet="0x0 and 1x1 images",
)
_fe("PowerSpectrum2D", "on non-square images", RNG.normal(size=(3, 16, 12)), ("X", "square"))
_fe("PowerSpectrum2D", "on 1-D input", np.zeros(16), ("X", "images", "2-D", "3-D"))


@case(
    "feature_extraction",
    "PowerSpectrum2D(pixel size '2' as a string)",
    names=("box_size", "pixel_size"),
    bullet="PowerSpectrum2D(box_size='300')",
)
def _ps_string_size(workdir):
    cls = api("feature_extraction", "PowerSpectrum2D")
    accepted = inspect.signature(cls).parameters
    est = cls(pixel_size="2") if "pixel_size" in accepted else cls(box_size="32")
    return lambda: est.fit_transform(IMAGES)


@case("feature_extraction", "PowerSpectrum2D of white noise is the pixel area", expect="result")
def _ps_white(workdir):
    cls = api("feature_extraction", "PowerSpectrum2D")
    accepted = inspect.signature(cls).parameters
    # 2 Mpc pixels: white noise of unit variance has P = 4 Mpc^2 in every bin
    est = cls(
        n_bins=4,
        log=False,
        **({"pixel_size": 2.0} if "pixel_size" in accepted else {"box_size": 128.0}),
    )
    noise = np.random.default_rng(1).standard_normal((40, 64, 64))

    def check(features):
        features = np.asarray(features)[:, :4]
        power = np.exp(features) if np.all(features < 3) and np.any(features < 0) else features
        np.testing.assert_allclose(power.mean(), 4.0, rtol=0.05)

    return lambda: est.fit_transform(noise), check


# =================================================================== model selection
def _patch_data():
    from skcosmo21.datasets import make_slice_dataset
    from skcosmo21.preprocessing import CubeSlicer, PatchExtractor

    return make_slice_dataset(
        bunch(), "label", CubeSlicer(axes=2, step=1), PatchExtractor(patch_size=8, stride=4)
    )


def _slice_data():
    from skcosmo21.datasets import make_slice_dataset
    from skcosmo21.preprocessing import CubeSlicer

    return make_slice_dataset(bunch(), "label", CubeSlicer(axes=2, step=1))


def _extents(locations, sample=None):
    """(start, stop) per sample and axis, computed here from the location table."""
    table = getattr(locations, "table", locations)
    n = len(table)
    start = np.zeros((n, 3), int)
    stop = np.full((n, 3), 16)
    axis = table["axis"].astype(int)
    rows = np.arange(n)
    start[rows, axis] = table["position"]
    stop[rows, axis] = table["position"] + 1
    if sample is not None and "row" in table.dtype.names:
        others = [[a for a in range(3) if a != ax] for ax in axis]
        for i, (a, b) in enumerate(others):
            start[i, a], stop[i, a] = table["row"][i], table["row"][i] + sample
            start[i, b], stop[i, b] = table["col"][i], table["col"][i] + sample
    return table["cube"], start, stop


def _no_overlap(data, sample=None, must_test=None):
    """Check folds: no train/test pair overlaps in space, and ``must_test`` samples are tested.

    ``must_test`` defaults to every sample (slices); patches that straddle a block edge are
    tested in no fold by design, so patch cases name the ones that lie inside a block.
    """
    cube, start, stop = _extents(data["locations"], sample)
    must_test = np.ones(len(cube), bool) if must_test is None else must_test

    def check(folds):
        overlaps = 0
        tested = np.zeros(len(cube), bool)
        for train, test in folds:
            tested[test] = True
            for t in test:
                same = train[cube[train] == cube[t]]
                inter = np.all((start[same] < stop[t]) & (start[t] < stop[same]), axis=1)
                overlaps += int(inter.sum())
        assert overlaps == 0, f"{overlaps} train/test pairs overlap in space"
        missed = int((must_test & ~tested).sum())
        assert not missed, f"{missed} samples that lie inside a block are never tested"

    return check


@case(
    "model_selection",
    "GroupKFold with the location table as groups",
    names=("groups", "locations"),
    bullet="GroupKFold locations as groups",
    expect="either",
)
def _group_kfold_locations(workdir):
    api("datasets", "make_slice_dataset")
    from sklearn.model_selection import GroupKFold

    data = _slice_data()
    cube = _extents(data["locations"])[0]

    def check(folds):
        for train, test in folds:
            both = np.intersect1d(cube[train], cube[test])
            assert both.size == 0, f"cubes {both.tolist()} on both sides of a fold"

    X = np.asarray(data["X"]).reshape(len(data["X"]), -1)
    return lambda: list(GroupKFold(3).split(X, data["y"], groups=data["locations"])), check


def _block_cv(data, n_blocks, gap=1, **old_params):
    """SpatialBlockKFold as each checkout spells it: locations (new) or n_cells + groups (old)."""
    cls = api("model_selection", "SpatialBlockKFold")
    X = np.zeros(len(data["y"]))
    if "locations" in inspect.signature(cls).parameters:
        return lambda: list(cls(data["locations"], n_blocks=n_blocks, gap=gap).split(X))
    return lambda: list(
        cls(n_blocks=n_blocks, gap=gap, **old_params).split(X, groups=data["locations"])
    )


@case(
    "model_selection",
    "SpatialBlockKFold when the geometry typed does not cover the data",
    names=("n_cells", "locations", "position"),
    bullet="SpatialBlockKFold n_cells=8",
    expect="either",
)
def _block_cover(workdir):
    api("model_selection", "SpatialBlockKFold")
    data = _slice_data()
    cls = api("model_selection", "SpatialBlockKFold")
    if "locations" in inspect.signature(cls).parameters:
        # new API: the geometry is typed once, on the location table; typing it wrong
        locations_cls = api("preprocessing", "SampleLocations")
        table = data["locations"].table
        return (
            lambda: list(
                cls(locations_cls(table, n_cells=8, sample_shape=(16, 16)), (1, 1, 2)).split(
                    np.zeros(len(table))
                )
            ),
            _no_overlap(data),
        )
    return _block_cv(data, (1, 1, 2), n_cells=8), _no_overlap(data)


@case(
    "model_selection",
    "SpatialBlockKFold on patches (8 px at stride 4): no train/test overlap",
    names=("sample_size", "locations"),
    bullet="SpatialBlockKFold sample_size=4",
    expect="either",
)
def _block_patches(workdir):
    api("model_selection", "SpatialBlockKFold")
    data = _patch_data()
    # the old API needs the patch side typed again (sample_size): a user typed the stride
    return (
        _block_cv(data, (2, 1, 1), gap=0, n_cells=16, sample_size=4),
        # patches at rows 0 and 8 lie inside the two blocks along axis 0; rows 4 straddle
        _no_overlap(data, sample=8, must_test=_extents(data["locations"], 8)[1][:, 0] % 8 == 0),
    )


def _block_param_case(label, names, bullet=None, **params):
    @case("model_selection", f"SpatialBlockKFold({label})", names=names, bullet=bullet)
    def _setup(workdir):
        cls = api("model_selection", "SpatialBlockKFold")
        data = _slice_data()
        X = np.zeros(len(data["y"]))
        if "locations" in inspect.signature(cls).parameters:
            return lambda: list(cls(data["locations"], **params).split(X))
        return lambda: list(cls(16, **params).split(X, groups=data["locations"]))


_block_param_case("n_blocks=4", ("n_blocks",), bullet="SpatialBlockKFold(n_blocks=4)", n_blocks=4)
_block_param_case("n_blocks=(0, 1, 1)", ("n_blocks",), n_blocks=(0, 1, 1))
_block_param_case("gap=-1", ("gap",), gap=-1)
_block_param_case("gap=20 leaves no training sample", ("gap",), gap=20)


@case("model_selection", "SpatialBlockKFold without locations", names=("locations", "groups"))
def _block_no_groups(workdir):
    cls = api("model_selection", "SpatialBlockKFold")
    if "locations" in inspect.signature(cls).parameters:
        return lambda: list(cls(None).split(np.zeros(8)))
    return lambda: list(cls(16).split(np.zeros(8)))


# =========================================================================== ensemble
def _voting_fit(y=None, **fit_params):
    from skcosmo21.ensemble import SliceVotingClassifier

    cubes = RNG.normal(size=(6, 8, 8, 8))
    y = np.array([0, 1, 0, 1, 0, 1]) if y is None else y
    from skcosmo21.preprocessing import CubeSlicer

    return SliceVotingClassifier(slicer=CubeSlicer(axes=2, step=4)).fit(cubes, y, **fit_params)


@case(
    "ensemble",
    "SliceVotingClassifier.fit(..., sample_weight=...)",
    expect="result",
    names=("sample_weight",),
    bullet="SliceVotingClassifier sample_weight",
)
def _voting_weight(workdir):
    api("ensemble", "SliceVotingClassifier")

    def check(model):
        assert hasattr(model, "classes_")

    return lambda: _voting_fit(sample_weight=np.ones(6)), check


@case(
    "ensemble",
    "SliceVotingClassifier with mixed int/str labels",
    names=("y", "labels"),
    bullet="mixed int/str labels",
)
def _voting_mixed(workdir):
    api("ensemble", "SliceVotingClassifier")
    return lambda: _voting_fit(y=np.array([0, "a", 0, "a", 0, "a"], dtype=object))


@case("ensemble", "SliceVotingClassifier(voting='median')", names=("voting",))
def _voting_kind(workdir):
    cls = api("ensemble", "SliceVotingClassifier")
    return lambda: cls(voting="median").fit(RNG.normal(size=(4, 8, 8, 8)), [0, 1, 0, 1])


@case("ensemble", "SliceVotingClassifier on images instead of cubes", names=("X", "cubes", "4-D"))
def _voting_images(workdir):
    cls = api("ensemble", "SliceVotingClassifier")
    return lambda: cls().fit(IMAGES, [0, 1, 0, 1, 0, 1])


@case(
    "ensemble",
    "SliceVotingClassifier: a cube's vote is its slices' mean probability",
    expect="result",
)
def _voting_correct(workdir):
    api("ensemble", "SliceVotingClassifier")
    from sklearn.dummy import DummyClassifier

    from skcosmo21.ensemble import SliceVotingClassifier
    from skcosmo21.preprocessing import CubeSlicer

    cubes = RNG.normal(size=(6, 8, 8, 8))
    y = np.array([0, 1, 1, 1, 0, 1])
    model = SliceVotingClassifier(DummyClassifier(strategy="prior"), CubeSlicer(axes=2, step=4))

    def check(proba):
        np.testing.assert_allclose(proba, np.tile([2 / 6, 4 / 6], (6, 1)))

    return lambda: model.fit(cubes, y).predict_proba(cubes), check


# ============================================================================= neural
NEURAL_X = np.random.default_rng(5).normal(size=(12, 6)).astype(np.float32)
NEURAL_Y = np.array([0, 1] * 6)


def _neural(cls, label, names, bullet=None, expect="error", check=None, fit=None, **params):
    @case("neural", f"{cls}({label})", names=names, bullet=bullet, expect=expect, check=check)
    def _setup(workdir):
        est_cls = api("neural", cls, *params)
        defaults = dict(epochs=1, batch_size=6, validation_fraction=0.0)
        if "hidden_layer_sizes" in inspect.signature(est_cls).parameters:
            defaults["hidden_layer_sizes"] = (4,)
        defaults.update(params)
        estimator = est_cls(**defaults)
        return lambda: estimator.fit(NEURAL_X, NEURAL_Y, **(fit or {}))


_neural(
    "DenseClassifier", "random_state=2**40", ("random_state",), bullet="seeds", random_state=2**40
)
_neural("DenseClassifier", "random_state=-1", ("random_state",), bullet="seeds", random_state=-1)
_neural(
    "DenseClassifier",
    "hidden_layer_sizes=8",
    ("hidden_layer_sizes",),
    bullet="hidden_layer_sizes=8",
    expect="either",
    hidden_layer_sizes=8,
)
_neural(
    "DenseClassifier",
    "n_iter_no_change=-1",
    ("n_iter_no_change",),
    bullet="n_iter_no_change=-1",
    n_iter_no_change=-1,
    early_stopping=True,
)
_neural(
    "DenseClassifier",
    "class_weight={0: -1}",
    ("class_weight",),
    bullet="class_weight={0: -1}",
    class_weight={0: -1.0, 1: 1.0},
)
_neural("DenseClassifier", "learning_rate=-0.1", ("learning_rate",), learning_rate=-0.1)
_neural("DenseClassifier", "epochs=0", ("epochs",), epochs=0)
_neural("DenseClassifier", "optimizer='nope'", ("optimizer",), optimizer="nope")


@case(
    "neural",
    "AutoencoderEncoder.inverse_transform with a bad size",
    names=("X", "codes", "shape", "features"),
    bullet="autoencoder inverse_transform",
)
def _autoencoder_inverse(workdir):
    cls = api("neural", "AutoencoderEncoder")
    images = np.random.default_rng(2).normal(size=(8, 8, 8)).astype(np.float32)
    model = cls(
        encoder_filters=(2,),
        decoder_filters=(2,),
        epochs=1,
        batch_size=8,
        validation_fraction=0.0,
        flatten=True,
        random_state=0,
    ).fit(images)
    return lambda: model.inverse_transform(np.zeros((2, 5)))


def _checkpoint_case(label, damage, bullet):
    @case(
        "neural",
        f"DenseClassifier resuming from {label}",
        names=("checkpoint", "state.json", "model.keras", "network-"),
        bullet=bullet,
    )
    def _setup(workdir):
        cls = api("neural", "DenseClassifier", "checkpoint_dir")
        folder = workdir / f"checkpoint-{label.replace(' ', '-')}"
        params = dict(
            hidden_layer_sizes=(4,),
            epochs=1,
            batch_size=6,
            validation_fraction=0.0,
            random_state=0,
            checkpoint_dir=str(folder),
        )
        cls(**params).fit(NEURAL_X, NEURAL_Y)
        damage(folder)
        params["epochs"] = 2
        if "resume" in inspect.signature(cls).parameters:
            params["resume"] = True  # resuming is asked for, not implied by checkpoint_dir
        return lambda: cls(**params).fit(NEURAL_X, NEURAL_Y)


def _truncate_file(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


_checkpoint_case(
    "a corrupt state.json",
    lambda f: (f / "state.json").write_text("{not json"),
    bullet="checkpoint state.json",
)


def _truncate_network(folder):
    """Truncate the saved network (model.keras, or network-*.npz in later layouts)."""
    networks = [p for p in folder.iterdir() if p.is_file() and p.name != "state.json"]
    if not networks:
        raise NotApplicable(f"no network file in {sorted(p.name for p in folder.iterdir())}")
    for path in networks:
        _truncate_file(path)


_checkpoint_case(
    "a truncated network file (model.keras)",
    _truncate_network,
    bullet="checkpoint model.keras",
)


# ========================================================================= study / CLI
def _cli(args, workdir, timeout=25):
    return subprocess_python(
        f"import sys; sys.argv = ['skcosmo21'] + {args!r}\n"
        "from skcosmo21._cli import main\n"
        "sys.exit(main())\n",
        REPO,
        timeout=timeout,
    )


@functools.cache
def _cli_help(workdir):
    return _cli(["run", "--help"], workdir)[1]


def _cli_case(label, args, option, bullet=None):
    @case("study/CLI", f"skcosmo21 run {label}", bullet=bullet)
    def _setup(workdir):
        out = _cli_help(workdir)
        if option not in out:
            raise NotApplicable(f"no {option} option")
        output = workdir / f"cli-out-{abs(hash(label))}"
        full = ["run", "--quick", "--output", str(output), *args]
        if "--cache-dir" not in args and "--cache-dir" in out:
            full += ["--cache-dir", str(workdir / "cli-cache")]
        start = time.perf_counter()
        rc, out, err, timed_out = _cli(full, workdir)
        seconds = time.perf_counter() - start
        text = (out + err).strip()
        if timed_out:
            return OUT.Outcome(OUT.UNCLEAR, f"started work instead of refusing {option} (25 s)")
        if rc == 0:
            return OUT.Outcome(OUT.SILENT, f"exit 0 with {args}")
        if "Traceback" in text:
            return OUT.Outcome(OUT.UNCLEAR, f"traceback after {seconds:.0f} s: {text[-300:]}")
        if output.exists():
            return OUT.Outcome(OUT.UNCLEAR, f"refused after creating {output.name}: {text[-200:]}")
        return OUT.classify_error(ValueError(text), (option, option.lstrip("-"), *args[1:]))


_cli_case(
    "--cache-dir /proc/x",
    ["--cache-dir", "/proc/skcosmo21-battery/x"],
    "--cache-dir",
    bullet="CLI --cache-dir /proc/x",
)
_cli_case(
    "--cache-dir <a file>",
    ["--cache-dir", __file__],
    "--cache-dir",
    bullet="CLI --cache-dir /proc/x",
)
_cli_case(
    "--random-state 4294967296",
    ["--random-state", "4294967296"],
    "--random-state",
    bullet="CLI --random-state 4294967296",
)
_cli_case("--random-state -1", ["--random-state", "-1"], "--random-state")
_cli_case("--n-jobs 0", ["--n-jobs", "0"], "--n-jobs")
_cli_case("--tasks z", ["--tasks", "z"], "--tasks")


@case("study/CLI", "load_config of a file that is not TOML/JSON", names=("bad.toml", "config"))
def _bad_config(workdir):
    load = api("study", "load_config")
    path = workdir / "bad.toml"
    path.write_text("this is = = not toml [")
    return lambda: load(path)


@case("study/CLI", "StudyConfig(redshifts=())", names=("redshifts",))
def _empty_redshifts(workdir):
    cls = api("study", "StudyConfig")
    return lambda: cls(redshifts=())


@case("study/CLI", "StudyConfig(models=('nonsense',))", names=("models", "nonsense"))
def _bad_model(workdir):
    cls = api("study", "StudyConfig")
    return lambda: cls(models=("nonsense",))


# ======================================================================== observation
def _obs(label, names, call, bullet=None, expect="error", check=None):
    @case("observation", label, names=names, bullet=bullet, expect=expect, check=check)
    def _setup(workdir):
        return call()


def _obs_call(name, *args, **kwargs):
    def setup():
        function = api("observation", name)
        return lambda: function(*args, **kwargs)

    return setup


_obs(
    "telescope_properties('nope')", ("telescope", "nope"), _obs_call("telescope_properties", "nope")
)
_obs(
    "add_thermal_noise(hours=-1)",
    ("hours",),
    _obs_call("add_thermal_noise", CUBES16[:1], 32.0, 8.0, hours=-1.0),
)
_obs(
    "add_thermal_noise(redshift=-3)",
    ("redshift",),
    _obs_call("add_thermal_noise", CUBES16[:1], 32.0, -3.0),
)
_obs(
    "remove_wedge(angle=200)",
    ("angle",),
    _obs_call("remove_wedge", CUBES16[:1], 32.0, 8.0, angle=200.0),
)
_obs(
    "smooth_with_beam(max_baseline=0)",
    ("max_baseline",),
    _obs_call("smooth_with_beam", CUBES16[:1], 32.0, 8.0, max_baseline=0.0),
)
_obs(
    "average_channels(channel_width=-0.1)",
    ("channel_width",),
    _obs_call("average_channels", CUBES16[:1], 32.0, 8.0, channel_width=-0.1),
)
_obs(
    "remove_transverse_mean of images",
    ("cubes", "4-D", "3-D"),
    _obs_call("remove_transverse_mean", IMAGES),
)

_obs(
    "thermal_noise_model: HERA asked to track a field (its dishes are fixed)",
    ("scan", "HERA", "drift"),
    _obs_call(
        "thermal_noise_model",
        "HERA",
        n_cells=8,
        box_size=300.0,
        redshift=8.0,
        hours=100.0,
        scan="track",
    ),
)


def _mean_removed(cubes):
    np.testing.assert_allclose(np.asarray(cubes).mean(axis=(1, 2)), 0.0, atol=1e-12)


_obs(
    "remove_transverse_mean: every plane has zero mean",
    (),
    _obs_call("remove_transverse_mean", CUBES16),
    expect="result",
    check=_mean_removed,
)


HUGE32 = (CUBES16[:1] / np.abs(CUBES16[:1]).max() * 1e38).astype(np.float32)
_obs(
    "remove_wedge of float32 values near 1e38 stays finite",
    ("cubes",),
    _obs_call("remove_wedge", HUGE32, 32.0, 8.0),
    expect="either",
    check=finite,
)
_obs(
    "remove_transverse_mean of float32 values near 1e38 stays finite",
    ("cubes",),
    _obs_call("remove_transverse_mean", HUGE32),
    expect="either",
    check=finite,
)
_obs(
    "remove_transverse_mean of 1x1x1 cubes",
    ("cubes",),
    _obs_call("remove_transverse_mean", np.ones((2, 1, 1, 1))),
)


def _obs_estimator(label, cls, names, X, **params):
    def setup():
        est = api("observation", cls, *params)(**params)
        return lambda: est.fit_transform(X)

    _obs(f"{cls}({label})", names, setup)


_obs_estimator(
    "telescope='nope'",
    "UVSampling",
    ("telescope", "nope"),
    CUBES16,
    telescope="nope",
    box_size=32.0,
    redshift=8.0,
)
_obs_estimator(
    "hours=0", "ThermalNoise", ("hours",), CUBES16, hours=0.0, box_size=32.0, redshift=8.0
)
_obs_estimator(
    "angle='wide'", "WedgeFilter", ("angle",), CUBES16, angle="wide", box_size=32.0, redshift=8.0
)
_obs_estimator(
    "channel_width=0",
    "ChannelAveraging",
    ("channel_width",),
    CUBES16,
    channel_width=0.0,
    box_size=32.0,
    redshift=8.0,
)


# ============================================================================ physics
def _phys(label, names, call, expect="error", check=None):
    @case("physics", label, names=names, expect=expect, check=check)
    def _setup(workdir):
        return call()


def _phys_call(name, *args, cosmo=False, **kwargs):
    def setup():
        function = api("physics", name)
        extra = (api("physics", "Cosmology")(),) if cosmo else ()
        return lambda: function(*args, *extra, **kwargs)

    return setup


_phys("Cosmology(omega_m=-1)", ("omega_m",), _phys_call("Cosmology", omega_m=-1.0))
_phys("Cosmology(hlittle=0)", ("hlittle",), _phys_call("Cosmology", hlittle=0.0))
_phys("growth_factor(z=-2)", ("z",), _phys_call("growth_factor", -2.0, cosmo=True))
_phys("default_k_edges(n_cells=0)", ("n_cells",), _phys_call("default_k_edges", 0, 32.0, 4))
_phys("default_k_edges(box_size=-1)", ("box_size",), _phys_call("default_k_edges", 16, -1.0, 4))
_phys(
    "binned_power_spectrum(ndim=4)",
    ("ndim",),
    _phys_call("binned_power_spectrum", IMAGES, 16.0, np.array([0.5, 1.0, 2.0]), 4),
)
_phys("redshift_to_frequency(z=-2)", ("z", "redshift"), _phys_call("redshift_to_frequency", -2.0))


def _growth_today(value):
    assert float(np.asarray(value)) == __import__("pytest").approx(1.0, rel=1e-6)


_phys(
    "growth_factor(z=0) is 1",
    (),
    _phys_call("growth_factor", 0.0, cosmo=True),
    expect="result",
    check=_growth_today,
)


# ================================================================================ utils
_phys(
    "check_scalar_in_range(True, integer=True)",
    ("n",),
    lambda: (lambda f: lambda: f(True, "n", low=0, integer=True))(
        api("utils", "check_scalar_in_range")
    ),
)


@case("utils", "check_random_state_value(2**40)", names=("random_state",), bullet="seeds")
def _seed_rule(workdir):
    check = api("utils", "check_random_state_value")
    return lambda: check(2**40)


# ============================================================================ driver
def _fix_tuple_returns():
    """Set-ups may return (call, check): split them (keeps the case table short above)."""
    for spec in CASES:
        setup = spec["setup"]

        def wrapped(workdir, setup=setup, spec=spec):
            prepared = setup(workdir)
            if isinstance(prepared, tuple):
                call, spec["check"] = prepared
                return call
            return prepared

        spec["setup"] = wrapped


def run_suite(workdir):
    """Every systematic case of the fuzz suite (``tests/fuzz``, this checkout), classified.

    The suite's targets import today's API, so this runs only on this script's checkout.
    """
    sys.path.insert(0, str(HERE))
    results = []
    for path in sorted((HERE / "tests" / "fuzz").glob("test_*.py")):
        module = importlib.import_module(f"tests.fuzz.{path.stem}")
        for target in module.TARGETS:
            for parameter, value in target.cases(workdir):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    outcome = target.run(parameter, value, workdir)
                results.append(
                    dict(
                        area=target.area,
                        case=f"{target.name} {parameter}={value.label}",
                        outcome=outcome.kind,
                        detail=outcome.detail[:400],
                    )
                )
    return results


def summarize(results):
    table = collections.defaultdict(collections.Counter)
    for row in results:
        table[row["area"]][row["outcome"]] += 1
    return {
        area: {kind: counts[kind] for kind in ORDER if counts[kind]}
        for area, counts in table.items()
    }


def main(argv=None):
    global REPO
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=str(HERE), help="checkout whose skcosmo21 to test")
    parser.add_argument("--json", help="where to write the JSON (default benchmarks/results/)")
    parser.add_argument("--only", help="run the cases of one area or whose label contains this")
    parser.add_argument(
        "--no-suite",
        action="store_true",
        help="skip the fuzz suite's systematic cases (run by default on this checkout only)",
    )
    args = parser.parse_args(argv)
    REPO = pathlib.Path(args.repo).resolve()
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import skcosmo21

    assert pathlib.Path(skcosmo21.__file__).resolve().is_relative_to(REPO), skcosmo21.__file__
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    _fix_tuple_returns()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="battery-") as folder, contextlib.chdir(folder):
        results = run_all(REPO, pathlib.Path(folder), args.only)
        suite_start = time.perf_counter()
        suite_dir = pathlib.Path(folder) / "suite"  # its own files, apart from the battery's
        suite_dir.mkdir()
        suite = [] if args.no_suite or REPO != HERE else run_suite(suite_dir)
        suite_seconds = time.perf_counter() - suite_start
    report = dict(
        repo=str(REPO),
        commit=commit,
        n_cases=len(results),
        seconds=round(time.perf_counter() - start, 1),
        by_area=summarize(results),
        totals=dict(collections.Counter(row["outcome"] for row in results)),
        cases=results,
        suite=dict(
            n_cases=len(suite),
            seconds=round(suite_seconds, 1),
            by_area=summarize(suite),
            totals=dict(collections.Counter(row["outcome"] for row in suite)),
            failures=[row for row in suite if row["outcome"] not in ORDER[:2]],
        ),
    )
    text = json.dumps(report, indent=1)
    out = (
        pathlib.Path(args.json)
        if args.json
        else HERE
        / "benchmarks"
        / "results"
        / ("bench_battery.json" if REPO == HERE else f"bench_battery_{commit}.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    print(text)
    return report


REPO = HERE

if __name__ == "__main__":
    main()
