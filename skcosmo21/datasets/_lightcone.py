"""Reading py21cmfast lightcones, and cutting them into a labelled image dataset.

File layouts
------------
py21cmfast 3.x ``LightCone.save`` (``outputs.py``: ``_HighLevelOutput._write``,
``LightCone._write_particulars``)
    Root attributes ``redshift`` (the lowest redshift of the lightcone), ``random_seed``,
    ``version`` and, in files written while checkpointing, ``current_redshift`` and
    ``current_index``. Parameter groups ``user_params``, ``cosmo_params``, ``astro_params``,
    ``flag_options`` and ``_globals`` hold the parameters as attributes. Datasets
    ``lightcones/<field>`` of shape (HII_DIM, HII_DIM, n_los) (``brightness_temp``,
    ``xH_box``, ``density``, ...), ``global_quantities/<field>`` (box means at the node
    redshifts), ``node_redshifts`` and, from 3.4 on, ``distances`` (comoving distance of
    every line-of-sight cell, Mpc). Files of 3.0–3.3 have no ``distances``: py21cmfast
    computes them as the distance to ``redshift`` plus ``linspace(0, n_los * cell_size,
    n_los)``, and so does this reader.
py21cmfast 4.x ``LightCone.save`` (``drivers/lightcone.py``)
    Root attributes ``lightcone`` (True), ``__version__``, ``lowz_buffer_pixels`` and
    ``highz_buffer_pixels`` (cells at either end that ``LightCone.from_file`` drops, as this
    reader does), ``last_completed_node`` and ``last_completed_lcidx`` (checkpoint state).
    Datasets ``lightcones/<field>`` (``brightness_temp``, ``neutral_fraction``,
    ``los_velocity``, ...), ``global_quantities/<field>``, ``lightcone_distances`` (Mpc) and
    ``InputParameters/node_redshifts``; the parameters are attributes of the groups
    ``InputParameters/<struct>`` (``simulation_options``, ``cosmo_params``, ``astro_params``,
    ``matter_options``, ``astro_options``, ...), written by ``io/h5.py``
    ``_write_inputs_to_group``.

Neither version stores the redshift of the line-of-sight cells: py21cmfast computes it from
the distances with an astropy cosmology (``LightCone.lightcone_redshifts``). This reader does
the same with :func:`skcosmo21.physics._distances.redshift_at_comoving_distance` and the file's
cosmology, and checks the result against the redshifts the file does record: the
``redshift`` attribute of 3.x files, the node redshifts of both.
"""

import logging
import os
import pathlib
import warnings
from numbers import Real

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch

from .._version import __version__
from ..physics import Cosmology
from ..physics._distances import comoving_distance, redshift_at_comoving_distance
from ..preprocessing import LightconeSlicer, PatchExtractor
from ..utils import Interval, validate_params
from ._slice_dataset import _DATASET_CONSTRAINTS, _field_array, _per_cube_column

__all__ = ["load_lightcone", "make_lightcone_dataset"]

logger = logging.getLogger(__name__)

#: Lightcone fields by their skcosmo21 name (as the simulator names them) and the name
#: py21cmfast 3.x and 4.x give them. Other names are read under the file's own name.
LIGHTCONE_FIELDS = {
    "delta_T": {3: "brightness_temp", 4: "brightness_temp"},
    "x_HI": {3: "xH_box", 4: "neutral_fraction"},
    "density": {3: "density", 4: "density"},
}
#: The global (box-mean) neutral fraction among each version's global quantities.
_GLOBAL_NEUTRAL_FRACTION = {3: "xH_box", 4: "neutral_fraction"}
#: Effective number of neutrino species of the astropy cosmology each version builds
#: (3.x: astropy's Planck15; 4.x: its clone with Neff=3.044, ``wrapper/inputs.py``).
_N_EFF = {3: 3.046, 4: 3.044}
#: Largest disagreement (in redshift) accepted between the redshifts computed from the
#: distances and those the file records; a line-of-sight cell spans ~0.01 at z ~ 8.
_REDSHIFT_TOLERANCE = 1e-4
#: Keys of the lightcone Bunch that a field read under its file name must not replace.
_RESERVED_KEYS = {
    "los_redshift",
    "los_distance",
    "neutral_fraction",
    "zeta",
    "escape_fraction",
    "mass_dependent_zeta",
    "seed",
    "realization",
    "box_size",
    "cell_size",
    "global_quantities",
    "params",
    "files",
    "DESCR",
}

DESCR = """\
py21cmfast lightcones
---------------------

Lightcones read by skcosmo21 {version} from py21cmfast {versions} files.

Field arrays (``delta_T`` in mK, ``x_HI``, ``density`` or other requested fields) have shape
(n_lightcones, N, N, n_los), float32: two transverse axes of ``box_size`` Mpc in cells of
``cell_size`` Mpc, then the line of sight, ordered by increasing comoving distance
``los_distance`` (Mpc) and redshift ``los_redshift``. The redshifts are computed from the
distances with each file's cosmology, as py21cmfast does.

``neutral_fraction`` (n_lightcones, n_los) is the global neutral fraction x_HI(z): the box
means that py21cmfast records at its node redshifts, interpolated linearly in comoving
distance to every line-of-sight cell (the interpolation py21cmfast uses to build lightcone
cells from coeval boxes); NaN where the file records no global neutral fraction.

``zeta`` is HII_EFF_FACTOR where 21cmFAST uses it as a constant ionizing efficiency, and
NaN where the efficiency depends on halo mass (3.x USE_MASS_DEPENDENT_ZETA, 4.x SOURCE_MODEL
other than CONST-ION-EFF; ``mass_dependent_zeta`` says which). ``escape_fraction`` is
zeta / {efficiency:g}. ``realization`` numbers the distinct random seeds.
"""


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _attributes(group):
    """Every attribute of ``group`` and, recursively, of its subgroups, as plain values."""
    import h5py

    out = {key: _plain(value) for key, value in group.attrs.items()}
    for key, item in group.items():
        if isinstance(item, h5py.Group):
            out[key] = _attributes(item)
    return out


def _require(handle, path, name, what):
    if name not in handle:
        found = sorted(handle.keys())
        raise ValueError(f"{path}: {what} has no {name!r} (it holds {found})")
    return handle[name]


def _lightcone_format(handle):
    """3 or 4 for a py21cmfast 3.x/4.x lightcone file, None for anything else."""
    if "lightcones" not in handle:
        return None
    if bool(handle.attrs.get("lightcone", False)) and "InputParameters" in handle:
        return 4
    if "user_params" in handle and "cosmo_params" in handle:
        return 3
    return None


def _not_a_lightcone(handle, path):
    groups = sorted(handle.keys())
    if any(g in handle for g in ("BrightnessTemp", "IonizedBox", "PerturbedField")):
        hint = "it looks like a coeval file: read it with skcosmo21.datasets.load_21cmfast"
    elif "BrightnessTemp" in path.name or "PerturbedField" in path.name:
        hint = "it looks like a coeval cache file: read it with skcosmo21.datasets.load_21cmfast"
    else:
        hint = "it holds the groups " + str(groups)
    return ValueError(
        f"{path}: not a py21cmfast lightcone file (expected a 'lightcones' group with "
        f"'user_params' and 'cosmo_params' (3.x) or 'InputParameters' (4.x)); {hint}"
    )


def _number(params, path, group, key):
    try:
        return params[group][key]
    except KeyError:
        raise ValueError(f"{path}: the lightcone file records no {group}.{key}") from None


def _v3_header(handle, path):
    params = {
        ("global_params" if name == "_globals" else name): _attributes(handle[name])
        for name in ("user_params", "cosmo_params", "astro_params", "flag_options", "_globals")
        if name in handle
    }
    stored = [item.shape for item in handle["lightcones"].values()]
    if "distances" in handle:
        n_los = len(handle["distances"])
    elif stored and stored[0]:
        n_los = stored[0][-1]
    else:
        raise ValueError(f"{path}: the file has neither lightcones nor their distances")
    n_cells = int(_number(params, path, "user_params", "HII_DIM"))
    box_size = float(_number(params, path, "user_params", "BOX_LEN"))
    redshift = float(_require(handle.attrs, path, "redshift", "the root attributes"))
    cosmo = _file_cosmology(params["cosmo_params"], path)
    if "distances" in handle:
        distances = np.asarray(handle["distances"], dtype=float)
    else:
        # py21cmfast 3.0–3.3 (outputs.py LightCone.lightcone_distances): the distance to
        # `redshift` plus np.linspace(0, n_los * cell_size, n_los).
        start = comoving_distance(redshift, cosmo, n_eff=_N_EFF[3])
        distances = start + np.linspace(0.0, n_los * box_size / n_cells, n_los)
    current = handle.attrs.get("current_redshift")
    node_redshifts = np.asarray(_require(handle, path, "node_redshifts", "the file"), float)
    if current is not None and float(current) > node_redshifts.min() + 1e-6:
        raise ValueError(
            f"{path}: the lightcone is incomplete (a checkpoint at z={float(current):.4f}; "
            f"the run ends at z={node_redshifts.min():.4f}): finish the run with py21cmfast"
        )
    mass_dependent = bool(params.get("flag_options", {}).get("USE_MASS_DEPENDENT_ZETA", False))
    return {
        "format": 3,
        "version": _plain(handle.attrs.get("version", "3.x")),
        "seed": int(_require(handle.attrs, path, "random_seed", "the root attributes")),
        "params": params,
        "n_cells": n_cells,
        "box_size": box_size,
        "cosmo": cosmo,
        "distances": distances,
        "distances_recorded": "distances" in handle,
        "los_slice": slice(0, n_los),
        "n_los_stored": n_los,
        "recorded_redshift": redshift,
        "node_redshifts": node_redshifts,
        "mass_dependent_zeta": mass_dependent,
        "zeta_parameter": params.get("astro_params", {}).get("HII_EFF_FACTOR", np.nan),
    }


def _v4_header(handle, path):
    inputs = handle["InputParameters"]
    params = _attributes(inputs)
    params.pop("21cmFAST-version", None)
    params.pop("random_seed", None)
    n_cells = int(_number(params, path, "simulation_options", "HII_DIM"))
    box_size = float(_number(params, path, "simulation_options", "BOX_LEN"))
    all_distances = np.asarray(
        _require(handle, path, "lightcone_distances", "the file"), dtype=float
    )
    # LightCone.from_file(remove_buffer=True) keeps [lowz, n - highz).
    low = int(handle.attrs.get("lowz_buffer_pixels", 0))
    high = len(all_distances) - int(handle.attrs.get("highz_buffer_pixels", 0))
    node_redshifts = np.asarray(_require(inputs, path, "node_redshifts", "InputParameters"))
    if node_redshifts.ndim != 1 or node_redshifts.size < 2:
        raise ValueError(f"{path}: InputParameters/node_redshifts must list the run's redshifts")
    last_node = int(handle.attrs.get("last_completed_node", -1))
    if 0 <= last_node < len(node_redshifts) - 1:
        raise ValueError(
            f"{path}: the lightcone is incomplete (a checkpoint after node {last_node + 1} of "
            f"{len(node_redshifts)}): finish the run with py21cmfast"
        )
    source_model = params.get("matter_options", {}).get("SOURCE_MODEL", "")
    return {
        "format": 4,
        "version": _plain(handle.attrs.get("__version__", inputs.attrs.get("21cmFAST-version"))),
        "seed": int(_require(inputs.attrs, path, "random_seed", "InputParameters")),
        "params": params,
        "n_cells": n_cells,
        "box_size": box_size,
        "cosmo": _file_cosmology(params.get("cosmo_params", {}), path),
        "distances": all_distances[low:high],
        "distances_recorded": True,
        "los_slice": slice(low, high),
        "n_los_stored": len(all_distances),
        "recorded_redshift": None,
        "node_redshifts": node_redshifts.astype(float),
        "mass_dependent_zeta": source_model != "CONST-ION-EFF",
        "zeta_parameter": params.get("astro_params", {}).get("HII_EFF_FACTOR", np.nan),
    }


def _file_cosmology(cosmo_params, path):
    try:
        return Cosmology(
            hlittle=float(cosmo_params["hlittle"]),
            omega_m=float(cosmo_params["OMm"]),
            omega_b=float(cosmo_params["OMb"]),
        )
    except KeyError as missing:
        raise ValueError(f"{path}: cosmo_params records no {missing}") from None


def _line_of_sight(header, path):
    """Redshift of every line-of-sight cell, checked against what the file records."""
    distances = header["distances"]
    if distances.ndim != 1 or distances.size == 0 or not np.all(np.diff(distances) > 0):
        raise ValueError(
            f"{path}: the line-of-sight distances must be a non-empty, increasing sequence"
        )
    n_eff = _N_EFF[header["format"]]
    redshifts = redshift_at_comoving_distance(distances, header["cosmo"], n_eff=n_eff)
    recorded = header["recorded_redshift"]
    if recorded is not None and abs(redshifts[0] - recorded) > _REDSHIFT_TOLERANCE:
        raise ValueError(
            f"{path}: the first line-of-sight cell is at z={redshifts[0]:.6f} by the file's "
            f"distances and cosmology, but the file records redshift={recorded:.6f}: it was "
            "made with a cosmology its cosmo_params do not fully describe"
        )
    nodes = header["node_redshifts"]
    # py21cmfast fills cells between the distances of the lowest and highest node (with a
    # relative tolerance of 1e-6 at the low end, drivers/lightcone.py make_lightcone_slices).
    node_distances = comoving_distance(nodes, header["cosmo"], n_eff=n_eff)
    inside = (distances >= node_distances.min() * (1 - 1e-6)) & (
        distances <= node_distances.max() * (1 + 1e-6)
    )
    # The distances that py21cmfast 3.0–3.3 reconstructs overshoot the last cell by up to one
    # cell (their linspace spacing is n/(n - 1) cells), so only recorded ones are checked.
    if header["distances_recorded"] and not inside.all():
        raise ValueError(
            f"{path}: line-of-sight cells at z={redshifts[~inside][[0, -1]].round(4).tolist()} "
            f"lie outside the run's node redshifts [{nodes.min():.4f}, {nodes.max():.4f}]: the "
            "file's distances and cosmology disagree"
        )
    return redshifts, node_distances


def _global_neutral_fraction(handle, header, node_distances):
    quantities = handle.get("global_quantities")
    name = _GLOBAL_NEUTRAL_FRACTION[header["format"]]
    globals_ = {}
    if quantities is not None:
        globals_ = {key: np.asarray(value, dtype=float) for key, value in quantities.items()}
    globals_["node_redshifts"] = header["node_redshifts"]
    x_hi = globals_.get(name)
    if x_hi is None or x_hi.shape != header["node_redshifts"].shape:
        return np.full(len(header["distances"]), np.nan), globals_
    order = np.argsort(node_distances)
    values = np.interp(header["distances"], node_distances[order], x_hi[order])
    return values, globals_


def _file_name(field, version):
    if field in LIGHTCONE_FIELDS:
        return LIGHTCONE_FIELDS[field][version]
    return field


def _read_header(path, fields):
    import h5py

    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(f"{path}: not an HDF5 file ({error})") from None
    with handle:
        version = _lightcone_format(handle)
        if version is None:
            raise _not_a_lightcone(handle, path)
        header = (_v3_header if version == 3 else _v4_header)(handle, path)
        header["path"] = path
        header["los_redshift"], node_distances = _line_of_sight(header, path)
        header["neutral_fraction"], header["global_quantities"] = _global_neutral_fraction(
            handle, header, node_distances
        )
        n_los = len(header["distances"])
        stored = handle["lightcones"]
        for field in fields:
            name = _file_name(field, version)
            if name not in stored:
                raise ValueError(
                    f"{path}: no lightcone {name!r} (the field {field!r}); fields must name "
                    f"lightcones of the file, which has {sorted(stored)}"
                )
            shape = stored[name].shape
            expected = (header["n_cells"], header["n_cells"], header["n_los_stored"])
            if len(shape) != 3:
                raise ValueError(
                    f"{path}: lightcones/{name} has shape {shape}; expected a rectilinear "
                    f"lightcone (HII_DIM, HII_DIM, n_los) = {expected} (angular lightcones "
                    "are not supported)"
                )
            if shape != expected:
                raise ValueError(
                    f"{path}: lightcones/{name} has shape {shape}, expected {expected} from "
                    f"HII_DIM={header['n_cells']} and {expected[2]} line-of-sight distances"
                )
            if stored[name].dtype.kind not in "fiu":
                raise ValueError(f"{path}: lightcones/{name} is not numeric ({stored[name].dtype})")
        header["n_los"] = n_los
    return header


def _check_same_geometry(headers):
    first = headers[0]
    for other in headers[1:]:
        if (other["n_cells"], other["box_size"]) != (first["n_cells"], first["box_size"]):
            raise ValueError(
                f"lightcones must share their transverse grid: {first['path']} has "
                f"HII_DIM={first['n_cells']}, BOX_LEN={first['box_size']:g} Mpc but "
                f"{other['path']} has HII_DIM={other['n_cells']}, "
                f"BOX_LEN={other['box_size']:g} Mpc; load them separately"
            )
        # Cells coincide when they agree to 1 % of a cell's redshift width (3.x and 4.x
        # place the same cells ~2e-6 apart, their neutrino N_eff differing).
        tolerance = 0.01 * np.diff(first["los_redshift"]).min(initial=np.inf)
        same_los = other["n_los"] == first["n_los"] and np.allclose(
            other["los_redshift"], first["los_redshift"], rtol=0, atol=tolerance
        )
        if not same_los:
            raise ValueError(
                "lightcones must share their line-of-sight cells: "
                + "; ".join(
                    f"{h['path']} has {h['n_los']} cells from z={h['los_redshift'][0]:.6f} "
                    f"to {h['los_redshift'][-1]:.6f}"
                    for h in (first, other)
                )
                + "; load them separately"
            )


def _read_field(path, header, field, out):
    import h5py

    name = _file_name(field, header["format"])
    with h5py.File(path, "r") as handle:
        # HDF5 converts to float32 while reading, without a float64 copy of the lightcone.
        handle["lightcones"][name].read_direct(out, source_sel=np.s_[..., header["los_slice"]])
    if not np.isfinite(out).all():
        raise ValueError(f"{path}: lightcones/{name} contains NaN or infinite values")


def _lightcone_paths(path_or_paths):
    paths = [path_or_paths] if isinstance(path_or_paths, (str, os.PathLike)) else path_or_paths
    files, skipped = [], []
    for item in (pathlib.Path(p) for p in paths):
        if not item.exists():
            raise FileNotFoundError(f"{item}: no such file or folder")
        if item.is_dir():
            found = sorted(item.glob("*.h5")) + sorted(item.glob("*.hdf5"))
            for path in found:
                (files if _is_lightcone_file(path) else skipped).append(path)
            if not found:
                raise ValueError(f"{item}: the folder holds no .h5 files")
        else:
            files.append(item)
    resolved = [p.resolve() for p in files]
    duplicates = sorted({str(p) for p in resolved if resolved.count(p) > 1})
    if duplicates:
        raise ValueError(
            f"the same lightcone file is given more than once: {duplicates}; list each file once"
        )
    if skipped:
        warnings.warn(
            f"skipped {len(skipped)} HDF5 files that are not py21cmfast lightcones: "
            f"{[str(p) for p in skipped]}",
            UserWarning,
            stacklevel=3,
        )
    if not files:
        raise ValueError(
            f"path_or_paths must name py21cmfast lightcone files (or folders of them); found "
            f"none in {paths}"
        )
    return files


def _is_lightcone_file(path):
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            return _lightcone_format(handle) is not None
    except OSError:
        return False


def _validated_fields(fields):
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    if not fields or not all(isinstance(f, str) for f in fields):
        raise ValueError(f"fields must be a non-empty sequence of field names, got {fields!r}")
    if len(set(fields)) != len(fields):
        raise ValueError(f"fields lists a field twice: {fields}")
    for field in fields:
        for ours, names in LIGHTCONE_FIELDS.items():
            if field in names.values() and field != ours:
                raise ValueError(
                    f"{field!r} is py21cmfast's name for the field skcosmo21 calls {ours!r}: "
                    f"pass fields=({ours!r}, ...)"
                )
        if field in _RESERVED_KEYS:
            raise ValueError(f"{field!r} is a key of the lightcone data, not a lightcone field")
    return fields


@validate_params(
    {
        "path_or_paths": [str, os.PathLike, list, tuple],
        "fields": [str, list, tuple],
        "efficiency_per_escape_fraction": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def load_lightcone(path_or_paths, *, fields=("delta_T",), efficiency_per_escape_fraction=200.0):
    r"""Read py21cmfast 3.x or 4.x lightcone files into one lightcone Bunch.

    Each file is one lightcone: a (N, N, n_los) box whose third axis runs along the line of
    sight, from low to high redshift. Several files become a stack of lightcones; they must
    share the transverse grid and the line-of-sight cells.

    Parameters
    ----------
    path_or_paths : str, path or list of them
        Lightcone files (``LightCone.save`` of py21cmfast 3.x or 4.x), or folders whose
        ``.h5`` lightcone files are read (other HDF5 files there are skipped with a warning).
    fields : str or sequence of str, default=("delta_T",)
        Lightcone fields to read: ``"delta_T"`` (δT_b in mK, py21cmfast's
        ``brightness_temp``), ``"x_HI"`` (3.x ``xH_box``, 4.x ``neutral_fraction``),
        ``"density"``, or any other lightcone in the file under its own name (e.g.
        ``"los_velocity"``, ``"brightness_temp_with_rsds"``).
    efficiency_per_escape_fraction : float, default=200.0
        The rule ζ = this × f_esc that turns ζ into ``escape_fraction``.

    Returns
    -------
    data : Bunch
        Each field as (n_lightcones, N, N, n_los) float32; ``los_redshift`` and
        ``los_distance`` (Mpc) of the n_los line-of-sight cells; ``neutral_fraction``
        (n_lightcones, n_los), the global x_HI(z) at every cell (NaN where the file has none);
        ``zeta``, ``escape_fraction``, ``mass_dependent_zeta``, ``seed``, ``realization``
        (n_lightcones,); ``box_size`` and ``cell_size`` (transverse, Mpc);
        ``global_quantities`` (per lightcone: the file's global quantities and
        ``node_redshifts``); ``params`` (per lightcone: every parameter the file records, by
        group, with ``py21cmfast_version``); ``files``; ``DESCR``.

    Raises
    ------
    ValueError
        If a file is not a py21cmfast lightcone, lacks a requested field, has inconsistent
        shapes, distances or redshifts, is an incomplete checkpoint, or if the lightcones do
        not share their grid and line of sight.

    See Also
    --------
    skcosmo21.preprocessing.LightconeSlicer : Cut lightcones into 2-D images.
    make_lightcone_dataset : Images with per-image redshifts, labels and groups.
    load_21cmfast : Coeval boxes.

    Notes
    -----
    py21cmfast 4.x files written by checkpointing (``lightcone_filename=``) keep the
    ``brightness_temp`` of before the final velocity-gradient correction that
    ``run_lightcone`` applies in memory; save the returned lightcone with
    ``LightCone.save`` to get the corrected field.

    Examples
    --------
    >>> import pathlib
    >>> from skcosmo21.datasets import load_lightcone
    >>> folder = pathlib.Path("tests/data/lightcone-v4")
    >>> data = load_lightcone(folder / "lightcone_v4_const-zeta_zeta30_seed1.h5")
    >>> data.delta_T.shape, round(float(data.los_redshift[0]), 4), data.zeta.tolist()
    ((1, 16, 16, 108), 7.0, [30.0])
    """
    fields = _validated_fields(fields)
    paths = _lightcone_paths(path_or_paths)
    headers = [_read_header(path, fields) for path in paths]
    _check_same_geometry(headers)
    first = headers[0]
    n, n_cells, n_los = len(headers), first["n_cells"], first["n_los"]
    bunch = Bunch()
    for field in fields:
        stack = np.empty((n, n_cells, n_cells, n_los), dtype=np.float32)
        for i, header in enumerate(headers):
            _read_field(header["path"], header, field, stack[i])
        bunch[field] = stack
    seeds = np.array([h["seed"] for h in headers])
    mass_dependent = np.array([h["mass_dependent_zeta"] for h in headers])
    zeta = np.array([float(h["zeta_parameter"]) for h in headers])
    zeta[mass_dependent] = np.nan
    versions = sorted({h["version"] for h in headers})
    bunch.update(
        los_redshift=first["los_redshift"],
        los_distance=first["distances"],
        neutral_fraction=np.stack([h["neutral_fraction"] for h in headers]),
        zeta=zeta,
        escape_fraction=zeta / efficiency_per_escape_fraction,
        mass_dependent_zeta=mass_dependent,
        seed=seeds,
        realization=np.unique(seeds, return_inverse=True)[1],
        box_size=first["box_size"],
        cell_size=first["box_size"] / n_cells,
        global_quantities=[h["global_quantities"] for h in headers],
        params=[{**h["params"], "py21cmfast_version": h["version"]} for h in headers],
        files=[str(h["path"]) for h in headers],
        DESCR=DESCR.format(
            version=__version__,
            versions=", ".join(versions),
            efficiency=efficiency_per_escape_fraction,
        ),
    )
    logger.info("read %d lightcones of shape %s from %s", n, (n_cells, n_cells, n_los), paths)
    return bunch


def _per_lightcone_column(lightcones, key, n_lightcones, what):
    return _per_cube_column(lightcones, key, n_lightcones, what, kind="lightcone")


def _los_values(lightcones, key, n_lightcones, n_los):
    """A per-line-of-sight-cell column (shared, or one row per lightcone), checked."""
    if key not in lightcones:
        raise ValueError(
            f"lightcones must hold {key!r} (one value per line-of-sight cell), as "
            f"load_lightcone returns; the data has {sorted(lightcones)}"
        )
    values = np.asarray(lightcones[key], dtype=float)
    if values.shape not in ((n_los,), (n_lightcones, n_los)):
        raise ValueError(
            f"lightcones[{key!r}] must have one value per line-of-sight cell ({n_los}), shared "
            f"or per lightcone; got shape {values.shape}"
        )
    return np.broadcast_to(values, (n_lightcones, n_los))


@validate_params(
    {
        "lightcones": [dict],
        "slicer": [None, LightconeSlicer],
        "patcher": [None, PatchExtractor],
        **_DATASET_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_lightcone_dataset(
    lightcones,
    targets=("redshift",),
    slicer=None,
    patcher=None,
    *,
    field="delta_T",
    groups="realization",
):
    """Cut lightcones into labelled 2-D images, with per-image redshifts, targets and groups.

    The lightcone counterpart of :func:`make_slice_dataset`. Each image has its own redshift
    (a transverse slice that of its cell, a line-of-sight window that of its centre), so
    ``"redshift"`` and ``"neutral_fraction"`` are labels per image; other targets are
    per-lightcone columns (``escape_fraction``, ``zeta``, ...) repeated over its images.

    Parameters
    ----------
    lightcones : Bunch or dict
        Output of :func:`load_lightcone`: the field array plus ``los_redshift`` and the
        per-lightcone columns.
    targets : str or sequence of str, default=("redshift",)
        ``"redshift"`` (the image's redshift), ``"neutral_fraction"`` (the global x_HI at
        it) or per-lightcone columns; several give a 2-D ``y``.
    slicer : LightconeSlicer, default=None
        How to cut; ``LightconeSlicer()`` (every transverse slice) when None. It is cloned.
    patcher : PatchExtractor, default=None
        Optional patch extraction after slicing. It is cloned.
    field : str, default="delta_T"
        Which lightcones to cut.
    groups : str, array-like or None, default="realization"
        Per-lightcone group labels, so that group-aware splits keep the images of one
        lightcone (or one set of initial conditions) on one side.

    Returns
    -------
    data : Bunch
        ``X`` (n_images, h, w), ``y`` (n_images,) or (n_images, n_targets), ``redshift``
        (n_images,), ``groups`` (n_images,) or None, ``locations`` (structured array:
        lightcone, axis, position, los_start, los_stop[, row, col]), ``target_names``,
        ``slicer`` and ``patcher`` (fitted).

    Examples
    --------
    >>> from skcosmo21.datasets import load_lightcone, make_lightcone_dataset
    >>> from skcosmo21.preprocessing import LightconeSlicer
    >>> data = load_lightcone("tests/data/lightcone-v4/lightcone_v4_const-zeta_zeta30_seed1.h5")
    >>> images = make_lightcone_dataset(data, ["redshift", "zeta"], LightconeSlicer(step=50))
    >>> images.X.shape, images.y.round(3).tolist()
    ((3, 16, 16), [[7.0, 30.0], [7.446, 30.0], [7.931, 30.0]])
    """
    data = _field_array(lightcones, field, "lightcone", "(n_lightcones, N, N, n_los)")
    n_lightcones, n_los = len(data), np.shape(data)[-1]
    names = [targets] if isinstance(targets, str) else list(targets)
    if not names:
        raise ValueError("targets must name at least one label")
    los_redshift = _los_values(lightcones, "los_redshift", n_lightcones, n_los)
    slicer = clone(slicer if slicer is not None else LightconeSlicer()).fit(data)
    X = slicer.transform(data)
    redshift = slicer.expand_los(los_redshift)
    columns = []
    for name in names:
        if name == "redshift":
            columns.append(redshift)
        elif name == "neutral_fraction":
            values = _los_values(lightcones, "neutral_fraction", n_lightcones, n_los)
            columns.append(slicer.expand_los(values))
        else:
            values = _per_lightcone_column(lightcones, name, n_lightcones, "targets")
            columns.append(slicer.expand(values))
    y = columns[0] if len(columns) == 1 else np.column_stack(columns)
    group_values = None
    if groups is not None:
        group_values = slicer.expand(
            _per_lightcone_column(lightcones, groups, n_lightcones, "groups")
        )
    locations = slicer.locations(n_lightcones)
    if patcher is not None:
        patcher = clone(patcher).fit(X)
        X = patcher.transform(X)
        locations = patcher.locations(locations)
        y = patcher.expand(y)
        redshift = patcher.expand(redshift)
        group_values = None if group_values is None else patcher.expand(group_values)
    return Bunch(
        X=X,
        y=y,
        redshift=redshift,
        groups=group_values,
        locations=locations,
        target_names=names,
        slicer=slicer,
        patcher=patcher,
    )
