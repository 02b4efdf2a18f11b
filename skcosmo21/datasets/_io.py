"""Reading 21cmFAST output into the same Bunch layout as :func:`make_reionization_cubes`.

File layouts
------------
21cmFAST 1.x/2.x raw boxes
    Headerless float32, little-endian, C order (last index fastest), ``HII_DIM**3`` values,
    one folder per run. The name carries the parameters::

        delta_T[_v3]_z<redshift>_nf<x_HI>_useTs<0|1>_<HII_DIM>_<BOX_LEN>Mpc
        updated_smoothed_deltax_z<redshift>_<HII_DIM>_<BOX_LEN>Mpc
        xH_nohalos_z<redshift>_nf<x_HI>_eff<zeta>_effPLindex<a>_HIIfilter<f>_Mmin<M>_RHIImax<R>_<HII_DIM>_<BOX_LEN>Mpc

    Each ``delta_T`` is paired with the density box of the same folder and redshift.
py21cmfast 3.x HDF5 cache files
    ``BrightnessTemp_<hash>_r<seed>.h5`` (dataset ``BrightnessTemp/brightness_temp``) and
    ``PerturbedField_<hash>_r<seed>.h5`` (``PerturbedField/density``); root attributes
    ``redshift``, ``random_seed``, ``version``; parameter groups ``user_params``,
    ``cosmo_params``, ``astro_params``, ``flag_options`` as attributes. Brightness
    temperature is paired with density by seed, redshift and grid. These files do not store
    the neutral fraction: ``neutral_fraction`` is NaN for them.
skcosmo21 ``.npz``
    Written by :func:`save_cubes`, read by :func:`load_cubes`.
"""

import json
import os
import pathlib
import re
import warnings

import numpy as np
from sklearn.utils import Bunch

from .._version import __version__

#: ζ per unit escape fraction, the library's default rule (ζ = 200 f_esc).
DEFAULT_EFFICIENCY_PER_ESCAPE_FRACTION = 200.0

_RAW_NAME = re.compile(
    r"^(?P<kind>delta_T|updated_smoothed_deltax|xH_nohalos)(?:_v\d+)?"
    r"_z(?P<redshift>\d+(?:\.\d+)?)(?P<tokens>.*?)_(?P<dim>\d+)_(?P<box>\d+(?:\.\d+)?)Mpc$"
)
_TOKEN = re.compile(r"_(?P<key>[A-Za-z]+?)(?P<value>[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?=_|$)")
_RAW_FIELDS = {"delta_T": "delta_T", "updated_smoothed_deltax": "density", "xH_nohalos": "x_HI"}
_H5_NAME = re.compile(r"^(?P<kind>BrightnessTemp|PerturbedField)_[0-9a-f]+_r(?P<seed>\d+)\.h5$")
_H5_DATASETS = {
    "BrightnessTemp": "BrightnessTemp/brightness_temp",
    "PerturbedField": "PerturbedField/density",
}
_FIELDS = ("delta_T", "density")


def parse_raw_box_name(name):
    """Parameters held by a 21cmFAST 1.x/2.x box name, or None if it is not one.

    Parameters
    ----------
    name : str
        File name (no folder).

    Returns
    -------
    info : dict or None
        ``field``, ``redshift``, ``n_cells``, ``box_size`` and every ``<key><number>``
        token (``nf`` → ``neutral_fraction``, ``eff`` → ``zeta``).

    Examples
    --------
    >>> from skcosmo21.datasets import parse_raw_box_name
    >>> info = parse_raw_box_name("delta_T_v3_z006.50_nf0.096743_useTs0_200_300Mpc")
    >>> info["field"], info["redshift"], info["neutral_fraction"], info["n_cells"]
    ('delta_T', 6.5, 0.096743, 200)
    """
    match = _RAW_NAME.match(name)
    if match is None:
        return None
    info = {
        "field": _RAW_FIELDS[match["kind"]],
        "redshift": float(match["redshift"]),
        "n_cells": int(match["dim"]),
        "box_size": float(match["box"]),
    }
    renames = {"nf": "neutral_fraction", "eff": "zeta"}
    for token in _TOKEN.finditer(match["tokens"]):
        info[renames.get(token["key"], token["key"])] = float(token["value"])
    return info


def _read_raw(path, n_cells, mmap):
    expected = 4 * n_cells**3
    actual = os.path.getsize(path)
    if actual != expected:
        raise ValueError(
            f"{path}: file size {actual} bytes does not match HII_DIM={n_cells} in its name "
            f"(expected 4 * {n_cells}^3 = {expected} bytes): truncated or not a float32 box"
        )
    if mmap:
        return np.memmap(path, dtype="<f4", mode="r", shape=(n_cells,) * 3)
    return np.fromfile(path, dtype="<f4").reshape((n_cells,) * 3)


def _check_finite(array, path):
    # Slab by slab, so that checking a memory-mapped box allocates almost nothing.
    step = max(1, 2**20 // max(1, array[0].size))
    for start in range(0, len(array), step):
        if not np.isfinite(array[start : start + step]).all():
            raise ValueError(f"{path}: the box contains NaN or infinite values")


def _metadata_columns(path, metadata):
    if metadata is None:
        return {}
    if callable(metadata):
        values = metadata(str(path))
    else:
        pattern = re.compile(metadata) if isinstance(metadata, str) else metadata
        match = pattern.search(str(path))
        if match is None:
            raise ValueError(f"{path}: the metadata pattern {pattern.pattern!r} does not match")
        values = match.groupdict()
    return {key: _as_number(value) for key, value in (values or {}).items()}


def _as_number(value):
    if isinstance(value, str):
        for convert in (int, float):
            try:
                return convert(value)
            except ValueError:
                continue
    return value


def _raw_cubes(folder, names, fields, metadata, mmap, skipped):
    boxes = {}
    for name in names:
        info = parse_raw_box_name(name)
        if info is None and name.startswith(tuple(_RAW_FIELDS)):
            raise ValueError(
                f"{folder / name}: looks like a 21cmFAST box but its name has no parsable "
                "redshift (_z<zzz.zz>) and grid (_<HII_DIM>_<BOX_LEN>Mpc)"
            )
        if info is None:
            skipped.append(str(folder / name))
            continue
        boxes[(info["field"], info["redshift"])] = (folder / name, info)
    anchors = "delta_T" if "delta_T" in fields else "density"
    records = []
    for (field, redshift), (path, info) in sorted(boxes.items()):
        if field != anchors:
            continue
        record = {
            "redshift": redshift,
            "n_cells": info["n_cells"],
            "box_size": info["box_size"],
            "neutral_fraction": info.get("neutral_fraction", np.nan),
            "zeta": info.get("zeta", np.nan),
            "files": {},
            "params": dict(info),
        }
        for wanted in fields:
            partner = boxes.get((wanted, redshift))
            if partner is None:
                prefix = "updated_smoothed_deltax" if wanted == "density" else wanted
                raise ValueError(
                    f"{path}: no {wanted} box for z={redshift} in {folder} (expected "
                    f"{prefix}_z{redshift:06.2f}_{info['n_cells']}_{info['box_size']:g}Mpc)"
                )
            record["files"][wanted] = partner[0]
        record.update(_metadata_columns(path, metadata))
        records.append(record)
    # zeta can also come from an xH_nohalos box of the same redshift.
    for record in records:
        xh = boxes.get(("x_HI", record["redshift"]))
        if xh is not None and np.isnan(record["zeta"]):
            record["zeta"] = xh[1].get("zeta", np.nan)
    return records


def _h5_cubes(paths, fields, metadata):
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "reading py21cmfast HDF5 files needs h5py: pip install 'skcosmo21[hdf5]'"
        ) from None
    entries = {"BrightnessTemp": [], "PerturbedField": []}
    for path in paths:
        kind = _H5_NAME.match(path.name)["kind"]
        with h5py.File(path, "r") as handle:
            if _H5_DATASETS[kind] not in handle:
                raise ValueError(f"{path}: HDF5 file has no dataset {_H5_DATASETS[kind]!r}")
            user = dict(handle["user_params"].attrs) if "user_params" in handle else {}
            astro = dict(handle["astro_params"].attrs) if "astro_params" in handle else {}
            params = {
                group: {k: _plain(v) for k, v in handle[group].attrs.items()}
                for group in (
                    "user_params",
                    "cosmo_params",
                    "astro_params",
                    "flag_options",
                    "global_params",
                )
                if group in handle
            }
            entries[kind].append(
                {
                    "path": path,
                    "redshift": float(handle.attrs["redshift"]),
                    "seed": int(handle.attrs["random_seed"]),
                    "version": _plain(handle.attrs.get("version", "")),
                    "n_cells": int(user.get("HII_DIM", handle[_H5_DATASETS[kind]].shape[0])),
                    "box_size": float(user.get("BOX_LEN", np.nan)),
                    "zeta": float(astro.get("HII_EFF_FACTOR", np.nan)),
                    "params": params,
                }
            )
    density = {
        (e["seed"], e["redshift"], e["n_cells"], e["box_size"]): e
        for e in entries["PerturbedField"]
    }
    anchors = entries["BrightnessTemp"] if "delta_T" in fields else entries["PerturbedField"]
    records = []
    for entry in anchors:
        key = (entry["seed"], entry["redshift"], entry["n_cells"], entry["box_size"])
        record = {
            "redshift": entry["redshift"],
            "n_cells": entry["n_cells"],
            "box_size": entry["box_size"],
            "neutral_fraction": np.nan,
            "zeta": entry["zeta"],
            "seed": entry["seed"],
            "files": {},
            "params": {**entry["params"], "py21cmfast_version": entry["version"]},
        }
        if "delta_T" in fields:
            record["files"]["delta_T"] = entry["path"]
        if "density" in fields:
            if key not in density:
                raise ValueError(
                    f"{entry['path']}: no PerturbedField file with seed {entry['seed']}, "
                    f"z={entry['redshift']} and the same grid to pair its density with"
                )
            record["files"]["density"] = density[key]["path"]
        record.update(_metadata_columns(entry["path"], metadata))
        records.append(record)
    return records


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_h5(path, field):
    import h5py

    kind = "BrightnessTemp" if field == "delta_T" else "PerturbedField"
    with h5py.File(path, "r") as handle:
        return np.asarray(handle[_H5_DATASETS[kind]], dtype=np.float32)


def load_21cmfast(
    path_or_paths,
    *,
    fields=("delta_T", "density"),
    metadata=None,
    mmap=True,
    efficiency_per_escape_fraction=DEFAULT_EFFICIENCY_PER_ESCAPE_FRACTION,
):
    r"""Read 21cmFAST boxes (raw 1.x/2.x or py21cmfast 3.x HDF5) into the simulator's layout.

    Parameters
    ----------
    path_or_paths : str, path or list of them
        Run folders (raw boxes or HDF5 cache files) or single files.
    fields : sequence of {"delta_T", "density"}, default=("delta_T", "density")
        Boxes to read; each cube must have every requested field.
    metadata : str, re.Pattern or callable, default=None
        Extra per-cube columns from each file's path: a regex with named groups (searched
        in the full path, e.g. ``r"zeta(?P<zeta>[\d.]+)_seed(?P<seed>\d+)"``) or a callable
        ``path -> dict``. Numeric strings become numbers. ``seed`` defines ``realization``;
        ``zeta`` defines ``escape_fraction``.
    mmap : bool, default=True
        Memory-map raw boxes. With a single cube per field the returned array is a view of
        the mapped file; several cubes are read into one array with a single copy.
    efficiency_per_escape_fraction : float, default=200.0
        The rule ζ = this × f_esc that turns ζ into ``escape_fraction``.

    Returns
    -------
    data : Bunch
        ``delta_T`` and/or ``density`` (n_cubes, n, n, n) float32; ``redshift``,
        ``neutral_fraction`` (NaN where the files do not hold it), ``zeta``,
        ``escape_fraction``, ``realization`` (from ``seed``, else one per run folder),
        ``files``, ``params`` (per cube), ``box_size`` and any metadata columns.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from skcosmo21.datasets import load_21cmfast
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.zeros(8**3, "<f4").tofile(folder / "delta_T_z007.00_nf0.500000_useTs0_8_16Mpc")
    >>> np.zeros(8**3, "<f4").tofile(folder / "updated_smoothed_deltax_z007.00_8_16Mpc")
    >>> data = load_21cmfast(folder)
    >>> data.delta_T.shape, data.redshift.tolist(), data.neutral_fraction.tolist()
    ((1, 8, 8, 8), [7.0], [0.5])
    """
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    if not fields or any(f not in _FIELDS for f in fields):
        raise ValueError(f"fields must be a non-empty subset of {_FIELDS}, got {fields}")
    paths = [path_or_paths] if isinstance(path_or_paths, (str, os.PathLike)) else path_or_paths
    records, skipped, h5_files = [], [], []
    for run, item in enumerate(pathlib.Path(p) for p in paths):
        if not item.exists():
            raise FileNotFoundError(f"{item}: no such file or folder")
        folder, names = (
            (item, sorted(os.listdir(item))) if item.is_dir() else (item.parent, [item.name])
        )
        raw_names = []
        for name in names:
            if _H5_NAME.match(name):
                h5_files.append(folder / name)
            elif name.endswith(".npz") and len(names) == 1:
                return load_cubes(folder / name)
            else:
                raw_names.append(name)
        for record in _raw_cubes(folder, raw_names, fields, metadata, mmap, skipped):
            record.setdefault("run", run)
            records.append(record)
    if h5_files:
        records.extend(_h5_cubes(h5_files, fields, metadata))
    if skipped:
        warnings.warn(
            f"skipped {len(skipped)} files that are not 21cmFAST boxes: {skipped}",
            UserWarning,
            stacklevel=2,
        )
    if not records:
        raise ValueError(f"no 21cmFAST boxes with fields {fields} found in {paths}")
    grids = {(r["n_cells"], r["box_size"]) for r in records}
    if len(grids) > 1:
        raise ValueError(
            f"the boxes mix grids (HII_DIM, BOX_LEN) {sorted(grids)}; load each grid separately"
        )
    return _assemble(records, fields, mmap, efficiency_per_escape_fraction)


def _assemble(records, fields, mmap, efficiency_per_escape_fraction):
    for record in records:
        if "seed" not in record and "realization" not in record:
            record["seed"] = record.get("run", 0)
    records.sort(key=lambda r: (r.get("seed", 0), r["redshift"], r["zeta"]))
    n_cells, box_size = records[0]["n_cells"], records[0]["box_size"]
    bunch = Bunch(box_size=box_size, DESCR=f"21cmFAST boxes read by skcosmo21 {__version__}")
    for field in fields:
        paths = [r["files"][field] for r in records]
        if len(paths) == 1:
            cube = _read_one(paths[0], field, n_cells, mmap)
            _check_finite(cube, paths[0])
            bunch[field] = cube[None]
            continue
        stack = np.empty((len(paths), n_cells, n_cells, n_cells), dtype=np.float32)
        for i, path in enumerate(paths):
            stack[i] = _read_one(path, field, n_cells, mmap)
            _check_finite(stack[i], path)
        bunch[field] = stack
    seeds = np.array([r.get("seed", 0) for r in records])
    bunch.redshift = np.array([r["redshift"] for r in records])
    bunch.neutral_fraction = np.array([r["neutral_fraction"] for r in records], dtype=float)
    bunch.zeta = np.array([r["zeta"] for r in records], dtype=float)
    bunch.escape_fraction = bunch.zeta / efficiency_per_escape_fraction
    bunch.seed = seeds
    if "realization" in records[0]:
        bunch.realization = np.array([r["realization"] for r in records])
    else:
        bunch.realization = np.unique(seeds, return_inverse=True)[1]
    bunch.files = [{k: str(v) for k, v in r["files"].items()} for r in records]
    bunch.params = [r["params"] for r in records]
    extra = set().union(*(r.keys() for r in records)) - {
        "redshift",
        "n_cells",
        "box_size",
        "neutral_fraction",
        "zeta",
        "files",
        "params",
        "seed",
        "run",
        "realization",
    }
    for key in sorted(extra):
        bunch[key] = np.array([r.get(key, np.nan) for r in records])
    if "escape_fraction" in extra:
        bunch.escape_fraction = bunch["escape_fraction"]
    return bunch


def _read_one(path, field, n_cells, mmap):
    if str(path).endswith(".h5"):
        return _read_h5(path, field)
    return _read_raw(path, n_cells, mmap)


def save_cubes(bunch, path):
    """Write a cube Bunch (simulated or loaded) to one portable ``.npz`` file.

    Arrays keep their values and dtypes; everything else (``params``, ``DESCR``,
    ``box_size``, lists) is stored as JSON. No pickling, so the file is safe to share.

    Parameters
    ----------
    bunch : Bunch or dict
        Cube data, e.g. from :func:`make_reionization_cubes`.
    path : str or path
        Destination, ``.npz`` appended if missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skcosmo21.datasets import load_cubes, make_reionization_cubes, save_cubes
    >>> cubes = make_reionization_cubes([8.0], [0.2], n_cells=8, box_size=16.0, random_state=0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cubes.npz"
    >>> save_cubes(cubes, path)
    >>> (load_cubes(path).delta_T == cubes.delta_T).all()
    np.True_
    """
    arrays, other = {}, {}
    for key, value in bunch.items():
        if isinstance(value, np.ndarray) and value.dtype != object:
            arrays[key] = np.asarray(value)
        else:
            other[key] = value
    arrays["__metadata__"] = np.array(json.dumps(other, default=_json_default))
    np.savez(path, **arrays)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a cube file")


def load_cubes(path):
    """Read a file written by :func:`save_cubes` back into a Bunch.

    Parameters
    ----------
    path : str or path
        ``.npz`` file.

    Returns
    -------
    data : Bunch

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from skcosmo21.datasets import load_cubes, save_cubes
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cubes.npz"
    >>> save_cubes({"delta_T": np.zeros((1, 4, 4, 4), "f4"), "box_size": 8.0}, path)
    >>> data = load_cubes(path)
    >>> data.delta_T.dtype, data.box_size
    (dtype('float32'), 8.0)
    """
    with np.load(path, allow_pickle=False) as archive:
        bunch = Bunch(**{key: archive[key] for key in archive.files if key != "__metadata__"})
        bunch.update(json.loads(str(archive["__metadata__"])))
    return bunch
