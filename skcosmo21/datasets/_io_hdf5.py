"""py21cmfast 3.x and 4.x HDF5 files: which structs a file holds and which belong together.

py21cmfast 3.x (read against 3.4.0, ``py21cmfast/outputs.py`` and ``_utils.py``)
    One output struct per cache file, ``<Struct>_<hash>_r<seed>.h5``: root attributes
    ``redshift``, ``random_seed``, ``version``; the struct's arrays as datasets of the group
    ``<Struct>`` (``BrightnessTemp/brightness_temp``, ``PerturbedField/density``,
    ``IonizedBox/xH_box``); the parameters as attributes of the groups ``user_params``,
    ``cosmo_params``, ``astro_params``, ``flag_options`` and ``global_params``.
    ``Coeval.save`` writes the same root attributes and parameter groups with every struct
    of the coeval box as a group of one file.
py21cmfast 4.x (read against 4.3.1, ``py21cmfast/io/h5.py``)
    Every struct is a group ``<Struct>`` with a ``redshift`` attribute, an ``InputParameters``
    group (attribute ``random_seed``; parameter groups ``simulation_options``,
    ``matter_options``, ``cosmo_params``, ``cosmo_tables``, ``astro_params``,
    ``astro_options``) and an ``OutputFields`` group with the arrays
    (``BrightnessTemp/OutputFields/brightness_temp``, ``PerturbedField/OutputFields/density``,
    ``IonizedBox/OutputFields/neutral_fraction``). ``Coeval.save`` writes all structs of one
    redshift into one file (root attribute ``coeval``); cache files hold one struct each.

Structs of one coeval file belong together. Structs of separate cache files are paired by seed,
redshift and parameters: the density needs only the matter and cosmology parameters (it does not
depend on the astrophysics), the neutral fraction needs all of them.
"""

import json
import math
from dataclasses import dataclass

import numpy as np

from ._io_stack import H5Source

#: The struct, its dataset (3.x, 4.x) and the field it holds.
STRUCTS = {
    "BrightnessTemp": ("brightness_temp", "delta_T"),
    "PerturbedField": ("density", "density"),
    "IonizedBox": ("xH_box", "x_HI"),
}
_V4_DATASETS = {
    "BrightnessTemp": "brightness_temp",
    "PerturbedField": "density",
    "IonizedBox": "neutral_fraction",
}
#: Parameter groups that fix the matter field (py21cmfast 3.x, 4.x); the rest is astrophysics.
_MATTER_GROUPS = {
    3: ("user_params", "cosmo_params"),
    4: ("simulation_options", "matter_options", "cosmo_params", "cosmo_tables"),
}
_ALL_GROUPS = {
    3: ("user_params", "cosmo_params", "astro_params", "flag_options", "global_params"),
    4: (
        "simulation_options",
        "matter_options",
        "cosmo_params",
        "cosmo_tables",
        "astro_params",
        "astro_options",
    ),
}
_PAIRING_GROUPS = {
    3: ("user_params", "cosmo_params", "astro_params", "flag_options"),
    4: _ALL_GROUPS[4],
}
#: Settings that change how fast, not what, 21cmFAST computes.
_NOT_PHYSICS = {"N_THREADS", "USE_FFTW_WISDOM", "MINIMIZE_MEMORY"}


@dataclass(frozen=True, eq=False)
class H5Struct:
    """One struct (BrightnessTemp, PerturbedField or IonizedBox) of a py21cmfast file."""

    source: H5Source
    kind: str
    major: int  # py21cmfast major version, 3 or 4
    version: str
    redshift: float
    seed: int
    params: dict  # {group: {name: value}}
    in_coeval_file: bool

    @property
    def path(self):
        return self.source.path

    @property
    def field(self):
        return STRUCTS[self.kind][1]

    @property
    def n_cells(self):
        return self.source.shape[0]

    @property
    def box_size(self):
        group = "user_params" if self.major == 3 else "simulation_options"
        return float(self.params.get(group, {}).get("BOX_LEN", np.nan))

    def key(self, matter_only=False):
        """What identifies the run this struct belongs to (seed, redshift, parameters)."""
        groups = _MATTER_GROUPS[self.major] if matter_only else _PAIRING_GROUPS[self.major]
        physics = {
            group: {k: v for k, v in self.params.get(group, {}).items() if k not in _NOT_PHYSICS}
            for group in groups
        }
        return (self.major, self.seed, round(self.redshift, 6), _canonical(physics))

    @property
    def zeta(self):
        """ζ (HII_EFF_FACTOR) where the run used a constant ionizing efficiency, else NaN."""
        astro = self.params.get("astro_params", {})
        if self.major == 3:
            constant = not self.params.get("flag_options", {}).get("USE_MASS_DEPENDENT_ZETA")
        else:
            source_model = self.params.get("matter_options", {}).get("SOURCE_MODEL")
            constant = source_model == "CONST-ION-EFF"
        return float(astro.get("HII_EFF_FACTOR", np.nan)) if constant else math.nan


def read_structs(path):
    """The BrightnessTemp, PerturbedField and IonizedBox structs of one HDF5 file.

    Returns
    -------
    structs : list of H5Struct
        Empty for py21cmfast files of other structs (InitialConditions, TsBox, ...).
    kind : {"coeval", "lightcone", "other"}
        What the file is.

    Raises
    ------
    ValueError
        Naming the file, if it is not HDF5, lacks a redshift, or holds a field of another shape.
    """
    import h5py

    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(
            f"{path}: not a readable HDF5 file ({error}); expected a py21cmfast 3.x/4.x "
            "output (BrightnessTemp, PerturbedField, IonizedBox or a Coeval.save file)"
        ) from None
    with handle:
        if "lightcones" in handle or handle.attrs.get("lightcone", False):
            return [], "lightcone"
        major = 4 if any("OutputFields" in _group(handle, k) for k in STRUCTS) else 3
        structs = []
        kinds = [kind for kind in STRUCTS if kind in handle]
        for kind in kinds:
            if major == 3:
                structs.append(_v3_struct(handle, path, kind, len(kinds) > 1))
            else:
                structs.append(_v4_struct(handle, path, kind, len(kinds) > 1))
        return structs, "coeval" if structs else "other"


def _group(handle, name):
    item = handle.get(name)
    return item if item is not None and hasattr(item, "keys") else {}


def _v3_struct(handle, path, kind, in_coeval_file):
    dataset = f"{kind}/{STRUCTS[kind][0]}"
    if dataset not in handle:
        raise ValueError(f"{path}: HDF5 file has no dataset {dataset!r}")
    attrs = handle.attrs
    if "redshift" not in attrs:
        raise ValueError(
            f"{path}: HDF5 file has no 'redshift' attribute on its root, where py21cmfast 3.x "
            "writes it; expected a py21cmfast output file"
        )
    seed = attrs.get("random_seed", attrs.get("_random_seed"))
    if seed is None:
        raise ValueError(f"{path}: HDF5 file has no 'random_seed' attribute on its root")
    params = {}
    for group in _ALL_GROUPS[3]:
        # Coeval.save names the global parameters' group "_globals", cache files "global_params".
        name = "_globals" if group == "global_params" and group not in handle else group
        if name in handle:
            params[group] = _plain_attrs(handle[name].attrs)
    n_cells = params.get("user_params", {}).get("HII_DIM")
    return H5Struct(
        source=_source(handle, path, dataset, n_cells),
        kind=kind,
        major=3,
        version=_plain(attrs.get("version", "3")),
        redshift=float(attrs["redshift"]),
        seed=int(seed),
        params=params,
        in_coeval_file=in_coeval_file,
    )


def _v4_struct(handle, path, kind, in_coeval_file):
    group = handle[kind]
    dataset = f"{kind}/OutputFields/{_V4_DATASETS[kind]}"
    if dataset not in handle:
        raise ValueError(f"{path}: HDF5 file has no dataset {dataset!r}")
    if "redshift" not in group.attrs:
        raise ValueError(
            f"{path}: the group {kind!r} has no 'redshift' attribute, where py21cmfast 4.x "
            "writes it; expected a py21cmfast output file"
        )
    inputs = _group(group, "InputParameters")
    if not inputs or "random_seed" not in inputs.attrs:
        raise ValueError(f"{path}: {kind}/InputParameters has no 'random_seed' attribute")
    params = {name: _plain_attrs(inputs[name].attrs) for name in _ALL_GROUPS[4] if name in inputs}
    n_cells = params.get("simulation_options", {}).get("HII_DIM")
    return H5Struct(
        source=_source(handle, path, dataset, n_cells),
        kind=kind,
        major=4,
        version=_plain(handle.attrs.get("21cmFAST-version", inputs.attrs.get("21cmFAST-version"))),
        redshift=float(group.attrs["redshift"]),
        seed=int(inputs.attrs["random_seed"]),
        params=params,
        in_coeval_file=in_coeval_file,
    )


def _source(handle, path, dataset, n_cells):
    data = handle[dataset]
    expected = (int(n_cells),) * 3 if n_cells is not None else (data.shape[0],) * 3
    if data.shape != expected:
        raise ValueError(
            f"{path}: dataset {dataset!r} has shape {data.shape}, expected a cube of "
            f"HII_DIM = {expected[0]} cells per side {expected}"
        )
    # A contiguous, unfiltered little-endian float32 dataset is memory-mapped like a raw box.
    offset = None
    if data.chunks is None and data.compression is None and data.dtype == np.dtype("<f4"):
        offset = data.id.get_offset()
    return H5Source(path, dataset, expected, offset)


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _plain_attrs(attrs):
    return {key: _plain(value) for key, value in attrs.items()}


def _canonical(value):
    return json.dumps(value, sort_keys=True, default=str)


def neutral_fraction(struct):
    """Volume-averaged neutral fraction of an IonizedBox struct (as 21cmFAST's ``nf``)."""
    cube = struct.source.open()
    return float(np.mean(cube, dtype=np.float64))
