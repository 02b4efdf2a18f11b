"""Reading 21cmFAST output into the same Bunch layout as :func:`make_reionization_cubes`.

File layouts
------------
21cmFAST 1.x/2.x raw boxes
    Headerless float32, little-endian, C order (last index fastest), ``HII_DIM**3`` values,
    parameters in the file name (every form 21cmFAST writes is listed in
    :mod:`skcosmo21.datasets._io_raw`)::

        delta_T_v3_no_halos_z008.40_nf0.595490_useTs0_zetaX-1.0e+00_alphaX-1.0
            _TvirminX-1.0e+00_aveTb012.19_Pop-1_256_300Mpc
        delta_T_z007.00_nf0.577484_useTs0_64_128Mpc
        updated_smoothed_deltax_z008.40_256_300Mpc
        xH_nohalos_z008.40_nf0.595490_eff30.0_HIIfilter1_Mmin2.7e+09_RHIImax35_256_300Mpc

    A ``delta_T`` box is paired, in its own folder, with the density box of the same redshift,
    HII_DIM and BOX_LEN, and with the ``xH`` box of the same redshift and neutral fraction
    (``nf``): that is where ζ (``eff``) comes from.
py21cmfast 3.x and 4.x HDF5
    Cache files (one struct each: ``BrightnessTemp``, ``PerturbedField``, ``IonizedBox``)
    and ``Coeval.save`` files (all structs of one redshift), described in
    :mod:`skcosmo21.datasets._io_hdf5`. Structs of one coeval file belong together; cache files
    are paired by seed, redshift and parameters.
skcosmo21 ``.npz``
    Written by :func:`save_cubes`, read by :func:`load_cubes`.
"""

import contextlib
import filecmp
import json
import math
import os
import pathlib
import re
import uuid
import warnings
import zipfile
from dataclasses import dataclass, field
from numbers import Real

import numpy as np
from sklearn.utils import Bunch

from .._version import __version__
from ..utils import Interval, validate_params
from . import _io_hdf5, _io_raw
from ._io_raw import parse_raw_box_name
from ._io_stack import CubeStack, RawSource, check_physical_range

__all__ = ["CubeStack", "load_21cmfast", "load_cubes", "parse_raw_box_name", "save_cubes"]

#: ζ per unit escape fraction, the library's default rule (ζ = 200 f_esc).
DEFAULT_EFFICIENCY_PER_ESCAPE_FRACTION = 200.0

_FIELDS = ("delta_T", "density", "x_HI")
#: The field whose boxes define the cubes, the first of these that is requested.
_ANCHOR_ORDER = ("delta_T", "x_HI", "density")
_H5_SUFFIXES = (".h5", ".hdf5")
#: Run parameters that a folder name such as ``zeta015.0_seed101`` states.
_FOLDER_TOKEN = re.compile(r"(?:^|_)(?P<key>zeta|seed)(?P<value>\d+(?:\.\d+)?)(?=_|$)")
#: Names the Bunch uses itself; a metadata column may not take them.
_RESERVED = set(_FIELDS) | {
    "box_size",
    "DESCR",
    "files",
    "params",
    "metadata",
    "zeta",
    "seed",
    "redshift",
    "neutral_fraction",
}
#: Metadata columns that replace what would otherwise be derived.
_DERIVED = ("escape_fraction", "realization")
#: Parsed name entries that the Bunch holds already (or that every file of a cube shares).
_SAME_FOR_ALL = ("field", "kind", "n_cells", "box_size", "redshift")
_LABEL_TOLERANCE = {"zeta": 0.051, "seed": 0, "redshift": 0.0051, "neutral_fraction": 5e-7}


@dataclass(eq=False)
class _Cube:
    """Everything known about one cube before the Bunch is built."""

    sources: dict  # field -> RawSource or H5Source
    anchor: pathlib.Path  # the file the cube is named after
    run: str  # the run folder (raw) or file (HDF5)
    folder_names: tuple  # folder names from the given path down to the run, for labels
    format: str
    redshift: float
    n_cells: int
    box_size: float
    neutral_fraction: float = math.nan
    zeta: float = math.nan
    seed: int | None = None
    params: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    identity: tuple = ()


@dataclass
class _Run:
    """A folder to read, and the files in it that cubes may start from (None: all)."""

    folder: pathlib.Path
    folder_names: tuple
    names: list
    only: set | None = None


@validate_params(
    {
        "path_or_paths": [str, os.PathLike, list, tuple],
        "fields": [str, list, tuple],
        "metadata": [None, str, re.Pattern, callable],
        "mmap": ["boolean"],
        "efficiency_per_escape_fraction": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def load_21cmfast(
    path_or_paths,
    *,
    fields=("delta_T", "density"),
    metadata=None,
    mmap=True,
    efficiency_per_escape_fraction=DEFAULT_EFFICIENCY_PER_ESCAPE_FRACTION,
):
    r"""Read 21cmFAST coeval boxes (raw 1.x/2.x, py21cmfast 3.x/4.x HDF5) in the simulator's layout.

    Every distinct box becomes its own cube; nothing is merged, dropped or overwritten.

    Parameters
    ----------
    path_or_paths : str, path or list of them
        Files, run folders, or folders of run folders (a parameter study): every folder at or
        below a given folder that holds boxes is read as one run. A single file brings its
        partners from beside it (its density box, its ``xH`` box, its PerturbedField file).
    fields : str or sequence of {"delta_T", "density", "x_HI"}, default=("delta_T", "density")
        Boxes to read; each cube must have every requested field. Cubes start from the first
        requested of ``delta_T``, ``x_HI``, ``density``.
    metadata : str, re.Pattern or callable, default=None
        Extra per-cube columns from each file's path: a regex with named groups (searched
        in the full path, e.g. ``r"zeta(?P<zeta>[\d.]+)_seed(?P<seed>\d+)"``) or a callable
        ``path -> dict``. Numeric strings become numbers. ``seed`` defines ``realization``;
        ``zeta`` defines ``escape_fraction``. Folder names made of ``zeta<ζ>`` and
        ``seed<seed>`` tokens (``zeta015.0_seed101``, ``seed101``) are read without it.
        A value that contradicts what a file records is an error.
    mmap : bool, default=True
        Leave the boxes on disk: one cube is a memory map of its file, several a
        :class:`CubeStack` that reads one cube at a time (NumPy functions load it all). With
        False, every cube is read into one array.
    efficiency_per_escape_fraction : float, default=200.0
        The rule ζ = this × f_esc that turns ζ into ``escape_fraction``; must be positive.

    Returns
    -------
    data : Bunch
        ``delta_T``, ``density``, ``x_HI`` (those requested; (n_cubes, n, n, n) float32:
        array, memory map or :class:`CubeStack`), ``redshift``, ``neutral_fraction`` (NaN
        where no file holds it), ``zeta`` (NaN where unknown), ``escape_fraction``,
        ``seed`` (−1 where unknown), ``realization`` (from ``seed``, else one per run
        folder), ``box_size`` (Mpc), ``files`` and ``params`` (per cube), ``metadata`` (a
        table as a dict of per-cube columns: every parameter the files record, e.g.
        ``delta_T.zetaX`` or ``astro_params.HII_EFF_FACTOR``), ``DESCR``, and any metadata
        columns.

    Raises
    ------
    ValueError
        Naming the file and what is expected: unreadable or unphysical boxes (wrong byte
        order, dtype or size), a missing partner, an ambiguous pairing, two boxes with the same
        field and parameters, a path listed twice, mixed grids, contradicting labels.

    See Also
    --------
    make_reionization_cubes : The simulator whose layout this returns.
    parse_raw_box_name : The parameters in a 21cmFAST 1.x/2.x box name.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from skcosmo21.datasets import load_21cmfast
    >>> run = pathlib.Path(tempfile.mkdtemp()) / "zeta030.0_seed7"
    >>> run.mkdir()
    >>> np.zeros(8**3, "<f4").tofile(run / "delta_T_z007.00_nf0.500000_useTs0_8_16Mpc")
    >>> np.zeros(8**3, "<f4").tofile(run / "updated_smoothed_deltax_z007.00_8_16Mpc")
    >>> data = load_21cmfast(run)
    >>> data.delta_T.shape, data.redshift.tolist(), data.neutral_fraction.tolist()
    ((1, 8, 8, 8), [7.0], [0.5])
    >>> data.zeta.tolist(), data.escape_fraction.tolist(), data.seed.tolist()
    ([30.0], [0.15], [7])
    """
    fields = _checked_fields(fields)
    if isinstance(metadata, str):
        try:
            metadata = re.compile(metadata)
        except re.error as error:
            raise ValueError(
                f"metadata must be a valid regular expression, got {metadata!r} ({error})"
            ) from None
    items = _input_paths(path_or_paths)
    if len(items) == 1 and items[0].is_file() and items[0].suffix == ".npz":
        return load_cubes(items[0])
    anchor_field = next(f for f in _ANCHOR_ORDER if f in fields)
    cubes, found = _collect_cubes(_find_runs(items), fields, anchor_field)
    if not cubes:
        raise ValueError(_nothing_found_message(items, fields, anchor_field, found))
    for cube in cubes:
        _label(cube, metadata)
    _check_duplicates(cubes)
    grids = {(c.n_cells, c.box_size) for c in cubes}
    if len(grids) > 1:
        raise ValueError(
            f"the boxes mix grids (HII_DIM, BOX_LEN) {sorted(grids)}; load each grid separately"
        )
    if mmap:  # with mmap=False, _assemble checks the values it reads
        _check_values(cubes)
    return _assemble(cubes, fields, mmap, efficiency_per_escape_fraction)


def _collect_cubes(runs, fields, anchor_field):
    """The cubes of every run, and how many boxes of each field were found."""
    cubes, skipped, lightcones, found = [], [], [], {}
    h5_candidates, h5_selected = {}, set()
    for run in runs:
        raw_names = []
        for name in run.names:
            path = run.folder / name
            given = run.only is not None and name in run.only
            if path.suffix in _H5_SUFFIXES:
                h5_candidates[path] = run
                if run.only is None or given:
                    h5_selected.add(path)
            elif name.endswith(".npz") and given:
                raise ValueError(
                    f"{path}: a cube file written by save_cubes cannot be mixed with 21cmFAST "
                    "boxes; read it on its own with load_cubes"
                )
            else:
                raw_names.append(name)
        boxes, run_lightcones, others = _io_raw.scan_folder(run.folder, raw_names)
        lightcones += run_lightcones
        for path in others:
            if run.only is not None and path.name in run.only:
                raise ValueError(
                    f"{path}: not a 21cmFAST box: expected a raw 1.x/2.x box name "
                    "(delta_T_*, updated_smoothed_deltax_*, xH_* ..._<HII_DIM>_<BOX_LEN>Mpc) "
                    "or a py21cmfast .h5 file"
                )
        skipped += others if run.only is None else []
        for box in boxes:
            found[box.field] = found.get(box.field, 0) + 1
        cubes += _raw_cubes(run, boxes, fields, anchor_field)
    cubes += _h5_cubes(h5_candidates, h5_selected, fields, anchor_field, lightcones, found)
    _warn_skipped(skipped, lightcones)
    return cubes, found


def _check_values(cubes):
    checked = set()
    for cube in cubes:
        for name, source in cube.sources.items():
            if str(source) not in checked:
                check_physical_range(source, name)
                checked.add(str(source))


def _checked_fields(fields):
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    if not fields or any(f not in _FIELDS for f in fields) or len(set(fields)) != len(fields):
        raise ValueError(
            f"fields must be distinct names among {_FIELDS} (at least one), got {fields}"
        )
    return fields


def _input_paths(path_or_paths):
    items = [path_or_paths] if isinstance(path_or_paths, str | os.PathLike) else path_or_paths
    if len(items) == 0:
        raise ValueError("path_or_paths is empty: give at least one file or folder")
    paths = []
    for i, item in enumerate(items):
        if not isinstance(item, str | os.PathLike):
            raise TypeError(
                f"path_or_paths[{i}] must be a str or path, got {type(item).__name__} {item!r}"
            )
        path = pathlib.Path(item)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        paths.append(path)
    resolved = [p.resolve() for p in paths]
    for i, (a, path_a) in enumerate(zip(resolved, paths, strict=True)):
        for b, path_b in zip(resolved[:i], paths[:i], strict=True):
            inside = (path_b.is_dir() and a.is_relative_to(b)) or (
                path_a.is_dir() and b.is_relative_to(a)
            )
            if a == b or inside:
                raise ValueError(
                    f"{path_a} and {path_b} are listed twice (one is, or holds, the other): "
                    "every box in them would be read twice; list each folder or file once"
                )
    return paths


def _find_runs(items):
    runs = []
    for item in items:
        if item.is_file():
            runs.append(
                _Run(item.parent, (item.parent.name,), sorted(os.listdir(item.parent)), {item.name})
            )
            continue
        for folder, dirnames, filenames in os.walk(item):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            folder = pathlib.Path(folder)
            names = sorted(n for n in filenames if not n.startswith("."))
            if any(_is_box_like(n) for n in names):
                parts = (item.name,) + folder.relative_to(item).parts
                runs.append(_Run(folder, parts, names))
    return runs


def _is_box_like(name):
    return pathlib.Path(name).suffix in _H5_SUFFIXES or bool(_io_raw._LOOKS_LIKE_BOX.match(name))


def _raw_cubes(run, boxes, fields, anchor_field):
    cubes = []
    selected = [b for b in boxes if run.only is None or b.path.name in run.only]
    for box in selected:
        if box.field != anchor_field:
            if run.only is not None:
                raise ValueError(
                    f"{box.path}: a {box.field} box, but fields={fields} builds cubes from "
                    f"{anchor_field} boxes; pass the {anchor_field} box (its partners beside "
                    "it are found)"
                )
            continue
        cubes.append(_raw_cube(run, box, boxes, fields))
    return cubes


def _raw_cube(run, anchor, boxes, fields):
    info = anchor.info
    n_cells = info["n_cells"]
    sources = {anchor.field: _raw_source(anchor)}
    params = {anchor.field: info}
    if "density" in fields and anchor.field != "density":
        partner = _io_raw.density_partner(anchor, boxes)
        if partner is None:
            raise ValueError(_missing_density_message(anchor, boxes))
        sources["density"] = _raw_source(partner)
        params["density"] = partner.info
    zeta = info.get("zeta", math.nan)
    if anchor.field == "delta_T":
        partners = _io_raw.ionization_partners(anchor, boxes)
        zetas = {p.info.get("zeta") for p in partners}
        if len(partners) > 1 and ("x_HI" in fields or len(zetas) > 1):
            raise ValueError(
                f"{anchor.path}: {len(partners)} xH boxes beside it share its redshift and "
                f"neutral fraction ({', '.join(p.path.name for p in partners)}), so which one it "
                "was computed from (and its ζ) is unknown; put each run in its own folder"
            )
        if not partners and "x_HI" in fields:
            raise ValueError(
                f"{anchor.path}: no xH box beside it with z={info['redshift']:g} and "
                f"nf={info.get('neutral_fraction', math.nan):f} (expected a name like "
                f"xH_nohalos_z{info['redshift']:06.2f}_nf{info.get('neutral_fraction', 0):f}_"
                f"eff..._{n_cells}_{info['box_size']:.0f}Mpc)"
            )
        if partners:
            zeta = partners[0].info.get("zeta", math.nan)
            if len(partners) == 1:
                params["x_HI"] = partners[0].info
            if "x_HI" in fields:
                sources["x_HI"] = _raw_source(partners[0])
    columns = {"format": "21cmFAST 1.x/2.x raw", "run": str(run.folder)}
    for name, values in params.items():
        columns.update({f"{name}.{k}": v for k, v in values.items() if k not in _SAME_FOR_ALL})
    return _Cube(
        sources=sources,
        anchor=anchor.path,
        run=str(run.folder),
        folder_names=run.folder_names,
        format="raw",
        redshift=info["redshift"],
        n_cells=n_cells,
        box_size=info["box_size"],
        neutral_fraction=info.get("neutral_fraction", math.nan),
        zeta=zeta,
        params=params,
        columns=columns,
        identity=("raw", anchor.field, _io_hdf5._canonical(info)),
    )


def _raw_source(box):
    n_cells = box.info["n_cells"]
    expected = 4 * n_cells**3
    actual = os.path.getsize(box.path)
    if actual != expected:
        hint = (
            "float64 values (21cmFAST writes float32)"
            if actual == 2 * expected
            else "truncated, or not a float32 box"
        )
        raise ValueError(
            f"{box.path}: file size {actual} bytes does not match HII_DIM={n_cells} in its name "
            f"(expected 4 * {n_cells}^3 = {expected} bytes): {hint}"
        )
    return RawSource(box.path, n_cells)


def _missing_density_message(anchor, boxes):
    info = anchor.info
    others = [
        b.path.name
        for b in boxes
        if b.field == "density" and b.info["redshift"] == info["redshift"]
    ]
    hint = f"; found only boxes of another grid or box length: {others}" if others else ""
    return (
        f"{anchor.path}: no density box for z={info['redshift']} with HII_DIM "
        f"{info['n_cells']} and BOX_LEN {info['box_size']:g} Mpc beside it in "
        f"{anchor.path.parent} (expected {_io_raw.expected_density_name(info)}){hint}"
    )


def _h5_cubes(candidates, selected, fields, anchor_field, lightcones, found):
    if not candidates:
        return []
    try:
        import h5py  # noqa: F401
    except ImportError:
        raise ImportError(
            "reading py21cmfast HDF5 files needs h5py: pip install 'skcosmo21[hdf5]'"
        ) from None
    structs = []
    for path in candidates:
        file_structs, kind = _io_hdf5.read_structs(path)
        given = path in selected and candidates[path].only is not None
        if kind == "lightcone":
            if given:
                raise ValueError(
                    f"{path}: a lightcone file, not a coeval box; read it with "
                    "skcosmo21.datasets.load_lightcone"
                )
            lightcones.append(path)
        elif kind == "other" and given:
            raise ValueError(
                f"{path}: holds no BrightnessTemp, PerturbedField or IonizedBox struct; "
                "expected a py21cmfast coeval output (cache file or Coeval.save file)"
            )
        structs += file_structs
    for struct in structs:
        found[struct.field] = found.get(struct.field, 0) + 1
    standalone = [s for s in structs if not s.in_coeval_file]
    cubes = []
    for anchor in structs:
        if anchor.path not in selected or anchor.field != anchor_field:
            continue
        run = candidates[anchor.path]
        sources = {anchor.field: anchor.source}
        partners = {}
        for kind, (_, name) in _io_hdf5.STRUCTS.items():
            # The neutral fraction belongs to a brightness temperature, not to a density field
            # that every ζ of a run shares.
            wanted_for_nf = kind == "IonizedBox" and anchor.kind == "BrightnessTemp"
            if name == anchor.field or (name not in fields and not wanted_for_nf):
                continue
            partner = _h5_partner(anchor, kind, structs, standalone)
            if partner is None and name in fields:
                raise ValueError(
                    f"{anchor.path}: no {kind} with seed {anchor.seed}, z={anchor.redshift:g} "
                    f"and the same parameters{' in the same file' if anchor.in_coeval_file else ''}"
                    f" to read its {name} from"
                )
            if partner is not None:
                partners[kind] = partner
                if name in fields:
                    sources[name] = partner.source
        ionized = partners.get("IonizedBox") or (anchor if anchor.kind == "IonizedBox" else None)
        columns = {
            "format": f"py21cmfast {anchor.version} HDF5",
            "run": str(anchor.path),
            "py21cmfast_version": anchor.version,
        }
        for group, values in anchor.params.items():
            columns.update({f"{group}.{k}": v for k, v in values.items()})
        cubes.append(
            _Cube(
                sources=sources,
                anchor=anchor.path,
                run=str(anchor.path),
                folder_names=run.folder_names,
                format=f"py21cmfast {anchor.major}.x",
                redshift=anchor.redshift,
                n_cells=anchor.n_cells,
                box_size=anchor.box_size,
                neutral_fraction=(
                    _io_hdf5.neutral_fraction(ionized) if ionized is not None else math.nan
                ),
                zeta=anchor.zeta,
                seed=anchor.seed,
                params={**anchor.params, "py21cmfast_version": anchor.version},
                columns=columns,
                identity=("hdf5", anchor.kind, anchor.key(matter_only=anchor.field == "density")),
            )
        )
    return cubes


def _h5_partner(anchor, kind, structs, standalone):
    if anchor.in_coeval_file:
        same_file = [s for s in structs if s.path == anchor.path and s.kind == kind]
        return same_file[0] if same_file else None
    matter_only = kind == "PerturbedField" or anchor.kind == "PerturbedField"
    key = anchor.key(matter_only=matter_only)
    matches = [s for s in standalone if s.kind == kind and s.key(matter_only=matter_only) == key]
    if len(matches) > 1:
        raise ValueError(
            f"{anchor.path}: {len(matches)} {kind} files with the same seed, redshift and "
            f"parameters could be its partner: {[str(s.path) for s in matches]}; a true "
            "duplicate: keep one"
        )
    return matches[0] if matches else None


def _warn_skipped(skipped, lightcones):
    if skipped:
        shown = [str(p) for p in skipped[:10]]
        more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        warnings.warn(
            f"skipped {len(skipped)} files that are not 21cmFAST boxes: {shown}{more}",
            UserWarning,
            stacklevel=5,  # the caller of load_21cmfast (through validate_params)
        )
    if lightcones:
        warnings.warn(
            f"skipped {len(lightcones)} lightcone files, which are not coeval boxes: "
            f"{[str(p) for p in lightcones[:10]]}; read py21cmfast lightcones with "
            "skcosmo21.datasets.load_lightcone",
            UserWarning,
            stacklevel=5,  # the caller of load_21cmfast (through validate_params)
        )


def _nothing_found_message(items, fields, anchor_field, found):
    where = [str(p) for p in items]
    if found:
        return (
            f"no 21cmFAST boxes with fields {fields} found in {where}: cubes start from "
            f"{anchor_field} boxes, and the files there hold only {found} (boxes per field); "
            "choose fields=... among those"
        )
    return (
        f"no 21cmFAST boxes with fields {fields} found in {where} or any folder below: "
        "expected raw 1.x/2.x boxes (delta_T_*, updated_smoothed_deltax_*, xH_*) or "
        "py21cmfast .h5 files (BrightnessTemp, PerturbedField, IonizedBox, Coeval.save)"
    )


def _label(cube, metadata):
    """Attach seed, ζ and metadata columns from folder names and ``metadata``; check conflicts."""
    recorded = {"seed": cube.seed, "zeta": cube.zeta, "redshift": cube.redshift}
    recorded["neutral_fraction"] = cube.neutral_fraction
    sources = {"the file": recorded}
    sources["the folder name"] = _folder_labels(cube)
    sources["metadata"] = _metadata_columns(cube.anchor, metadata)
    merged = {}
    for origin, values in sources.items():
        for key, value in values.items():
            if _missing(value):
                continue
            if key in merged and not _agree(key, merged[key][1], value):
                raise ValueError(
                    f"{cube.anchor}: {merged[key][0]} says {key}={merged[key][1]!r} but "
                    f"{origin} says {key}={value!r}; they must agree"
                )
            merged.setdefault(key, (origin, value))
    for key, (_, value) in merged.items():
        if key == "seed":
            cube.seed = int(value)
        elif key in recorded:
            setattr(cube, key, float(value))
        else:
            cube.labels[key] = value


def _folder_labels(cube):
    labels = {}
    for name in cube.folder_names:
        for token in _FOLDER_TOKEN.finditer(name):
            value = float(token["value"]) if token["key"] == "zeta" else int(token["value"])
            key = token["key"]
            if key in labels and not _agree(key, labels[key], value):
                raise ValueError(
                    f"{cube.anchor}: the folder names {cube.folder_names} give two values of "
                    f"{key} ({labels[key]} and {value})"
                )
            labels[key] = value
    return labels


def _metadata_columns(path, metadata):
    if metadata is None:
        return {}
    if callable(metadata):
        values = metadata(str(path))
        if values is None:
            return {}
        if not isinstance(values, dict):
            raise TypeError(
                f"the metadata callable must return a dict of per-cube columns (or None), got "
                f"{type(values).__name__} {values!r} for {path}"
            )
    else:
        pattern = re.compile(metadata) if isinstance(metadata, str) else metadata
        match = pattern.search(str(path))
        if match is None:
            raise ValueError(f"{path}: the metadata pattern {pattern.pattern!r} does not match")
        values = match.groupdict()
    for key in values:
        if not isinstance(key, str) or (key in _RESERVED and key not in _LABEL_TOLERANCE):
            raise ValueError(
                f"metadata column {key!r} (from {path}) would replace a field of the data: "
                f"columns must not use the reserved names "
                f"{sorted(_RESERVED - set(_LABEL_TOLERANCE))}"
            )
    return {key: _as_number(value) for key, value in values.items()}


def _as_number(value):
    if isinstance(value, str):
        for convert in (int, float):
            try:
                return convert(value)
            except ValueError:
                continue
    return value


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def _agree(key, a, b):
    if key in _LABEL_TOLERANCE:
        try:
            return abs(float(a) - float(b)) <= _LABEL_TOLERANCE[key]
        except (TypeError, ValueError):
            return False
    return a == b


def _check_duplicates(cubes):
    seen = {}
    for cube in cubes:
        key = (
            cube.identity,
            cube.seed,
            None if math.isnan(cube.zeta) else round(cube.zeta, 3),
            _io_hdf5._canonical(cube.labels),
        )
        other = seen.get(key)
        if other is None:
            seen[key] = cube
            continue
        if cube.seed is None:
            # Without a seed, two runs can write boxes of identical names (a fully neutral
            # box's nf is the same for every seed): only identical bytes make a duplicate.
            if not filecmp.cmp(other.anchor, cube.anchor, shallow=False):
                continue
        raise ValueError(
            f"{other.anchor} and {cube.anchor} hold the same field with the same parameters: "
            "a true duplicate, which would be counted twice; remove one, or tell them apart "
            "with metadata= (e.g. a seed from the folder name)"
        )


def _assemble(cubes, fields, mmap, efficiency_per_escape_fraction):
    cubes.sort(
        key=lambda c: (
            -1 if c.seed is None else c.seed,
            c.redshift,
            math.inf if math.isnan(c.zeta) else c.zeta,
            math.inf if math.isnan(c.neutral_fraction) else c.neutral_fraction,
            c.run,
            str(c.anchor),
        )
    )
    formats = sorted({c.format for c in cubes})
    bunch = Bunch(
        box_size=cubes[0].box_size,
        DESCR=f"21cmFAST boxes ({', '.join(formats)}) read by skcosmo21 {__version__}",
    )
    for name in fields:
        sources = [c.sources[name] for c in cubes]
        if not mmap:
            # Read once and check the values in memory rather than through a second map.
            stack = np.empty((len(sources),) + tuple(sources[0].shape), dtype=np.float32)
            for i, source in enumerate(sources):
                source.read_into(stack[i])
                check_physical_range(source, name, values=stack[i])
            bunch[name] = stack
        elif len(sources) == 1:
            bunch[name] = sources[0].open()[None]
        else:
            bunch[name] = CubeStack(sources)
    bunch.redshift = np.array([c.redshift for c in cubes])
    bunch.neutral_fraction = np.array([c.neutral_fraction for c in cubes], dtype=float)
    bunch.zeta = np.array([c.zeta for c in cubes], dtype=float)
    bunch.escape_fraction = bunch.zeta / efficiency_per_escape_fraction
    bunch.seed = np.array([-1 if c.seed is None else c.seed for c in cubes])
    groups = [("seed", c.seed) if c.seed is not None else ("run", c.run) for c in cubes]
    bunch.realization = np.array([sorted(set(groups)).index(g) for g in groups])
    bunch.files = [{k: str(v) for k, v in c.sources.items()} for c in cubes]
    bunch.params = [c.params for c in cubes]
    bunch.metadata = _table([{**c.columns, **c.labels} for c in cubes])
    for key in sorted(set().union(*(c.labels for c in cubes)) - set(_DERIVED)):
        bunch[key] = _column([c.labels.get(key) for c in cubes])
    if "escape_fraction" in bunch.metadata:
        _use_given_escape_fractions(bunch, efficiency_per_escape_fraction)
    if "realization" in bunch.metadata:
        given = [c.labels.get("realization") for c in cubes]
        if any(value is None for value in given):
            raise ValueError("the metadata gives a realization for some cubes but not all")
        bunch.realization = np.array(given)
    return bunch


def _use_given_escape_fractions(bunch, efficiency_per_escape_fraction):
    given = np.asarray(bunch.metadata["escape_fraction"], dtype=float)
    from_zeta = bunch.zeta / efficiency_per_escape_fraction
    both = ~np.isnan(given) & ~np.isnan(from_zeta)
    if not np.allclose(given[both], from_zeta[both], rtol=1e-3):
        raise ValueError(
            "the escape_fraction metadata contradicts ζ / efficiency_per_escape_fraction "
            f"({efficiency_per_escape_fraction:g}) for some cubes"
        )
    bunch.escape_fraction = np.where(np.isnan(given), from_zeta, given)


def _table(rows):
    names = sorted(set().union(*rows))
    return {name: _column([row.get(name) for row in rows]) for name in names}


def _column(values):
    present = [v for v in values if v is not None]
    numeric = all(
        isinstance(v, Real | np.number) and not isinstance(v, bool | np.bool_) for v in present
    )
    if numeric and present:
        return np.array([math.nan if v is None else float(v) for v in values])
    if len(present) == len(values) and all(isinstance(v, str | bool | np.bool_) for v in values):
        return np.array(values)
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


def _npz_path(path):
    path = pathlib.Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


@validate_params(
    {"bunch": [dict], "path": [str, os.PathLike]},
    prefer_skip_nested_validation=True,
)
def save_cubes(bunch, path):
    """Write a cube Bunch (simulated or loaded) to one portable ``.npz`` file, atomically.

    Arrays (and :class:`CubeStack` fields, read once) keep their values and dtypes; everything
    else (``params``, ``DESCR``, ``box_size``, lists, the ``metadata`` table) is stored as
    JSON. No pickling, so the file is safe to share. The file is written beside its
    destination under a temporary name and renamed over it only when complete, so a failed
    write (disk full, file-size limit, interruption) leaves any old file intact.

    Parameters
    ----------
    bunch : Bunch or dict
        Cube data, e.g. from :func:`make_reionization_cubes`. The key ``__metadata__`` is
        reserved.
    path : str or path
        Destination; ``.npz`` is appended to a name without it, as :func:`load_cubes` does.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skcosmo21.datasets import load_cubes, make_reionization_cubes, save_cubes
    >>> cubes = make_reionization_cubes([8.0], [0.2], n_cells=8, box_size=16.0, random_state=0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cubes"
    >>> save_cubes(cubes, path)
    >>> (load_cubes(path).delta_T == cubes.delta_T).all()
    np.True_
    """
    if "__metadata__" in bunch:
        raise ValueError(
            "bunch must not hold the key '__metadata__', reserved for the JSON part of the cube "
            "file; rename it"
        )
    arrays, other = {}, {}
    for key, value in bunch.items():
        if not isinstance(key, str):
            raise TypeError(f"bunch keys must be strings (cube file entries), got {key!r}")
        if isinstance(value, CubeStack):
            value = np.asarray(value)
        if isinstance(value, np.ndarray) and value.dtype != object:
            arrays[key] = value
        else:
            other[key] = value
    try:
        arrays["__metadata__"] = np.array(json.dumps(other, default=_json_default))
    except TypeError as error:
        raise TypeError(
            f"bunch: {error}; expected arrays and JSON values (numbers, strings, lists, dicts)"
        ) from None
    target = _npz_path(path)
    if target.is_dir():
        raise ValueError(f"path must name a file, got the folder {target}")
    # O_EXCL under a unique name, so concurrent writers never share a temporary file; the mode
    # follows the umask like any new file.
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise type(error)(
            error.errno,
            f"path must be in an existing folder that can be written to; cannot write "
            f"{target} ({error.strerror})",
        ) from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            # disk full, file-size limit: say which file, and that the old one is untouched
            kept = "the old file is kept unchanged" if target.exists() else "nothing was written"
            raise type(error)(
                error.errno,
                f"could not write {target} ({error.strerror or error}); {kept}; the folder "
                "must have room for the whole file",
            ) from error
        raise


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a cube file")


@validate_params({"path": [str, os.PathLike]}, prefer_skip_nested_validation=True)
def load_cubes(path):
    """Read a file written by :func:`save_cubes` back into a Bunch.

    Parameters
    ----------
    path : str or path
        ``.npz`` file; ``.npz`` is appended to a name without it, as :func:`save_cubes` does.

    Returns
    -------
    data : Bunch

    Raises
    ------
    FileNotFoundError
        If neither ``path`` nor ``path + ".npz"`` exists.
    ValueError
        Naming the file, if it is not a cube file of :func:`save_cubes`: truncated or not a
        zip archive, a plain NumPy ``.npz`` or ``.npy``, or a metadata key that names an array.

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
    target = _npz_path(path)
    if not target.exists():
        if pathlib.Path(path).is_file():
            target = pathlib.Path(path)
        else:
            raise FileNotFoundError(f"{target}: no such cube file (written by save_cubes)")
    try:
        archive = np.load(target, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"{target}: not a readable cube file ({type(error).__name__}: {error}); truncated, "
            "or not written by save_cubes"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{target}: a single .npy array, not a cube file written by save_cubes (an .npz "
            "with a '__metadata__' entry); read it with numpy.load"
        )
    with archive:
        if "__metadata__" not in archive.files:
            raise ValueError(
                f"{target}: a plain NumPy .npz ({archive.files[:5]}) without the '__metadata__' "
                "entry that save_cubes writes; read it with numpy.load"
            )
        try:
            bunch = Bunch(**{key: archive[key] for key in archive.files if key != "__metadata__"})
            other = json.loads(str(archive["__metadata__"]))
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(
                f"{target}: not a readable cube file, damaged ({type(error).__name__}: {error})"
            ) from None
    if not isinstance(other, dict):
        raise ValueError(f"{target}: its '__metadata__' entry is not a JSON object")
    clashes = sorted(set(other) & set(bunch))
    if clashes:
        raise ValueError(
            f"{target}: metadata keys must not name arrays of the file (one would replace the "
            f"other), got {clashes}"
        )
    bunch.update(other)
    return bunch
