"""21cmFAST 1.x/2.x raw boxes: the names 21cmFAST writes and which boxes belong together.

Every box is headerless float32 in the machine's byte order (little-endian on the machines
21cmFAST runs on), C order, ``HII_DIM**3`` values. The C programs put the parameters in the
file name with ``sprintf``; the forms below are those of andreimesinger/21cmFAST (tags v1.2
c43c112, v1.3 42e7566, v2.0 ccc7bcb, v2.1 fd2d4f0, and commit e454dd3 between them)::

    # delta_T.c v1.2:283-291 (no velocities), v1.2:394-402 (RSDs along VELOCITY_COMPONENT)
    [sphere_]delta_T[_v%i][_no_halos]_z%06.2f_nf%f_useTs%i_zetaX%.1e_alphaX%.1f_TvirminX%.1e
        _aveTb%06.2f_Pop%i_%i_%.0fMpc
    # delta_T.c e454dd3:283-306, 408-430: MturnX or MminX instead of TvirminX, and _SFR_
    [sphere_]delta_T[_SFR][_v%i][_no_halos][_SFR]_z..._MturnX%.1e_aveTb%06.2f_Pop%i_%i_%.0fMpc
    # delta_T.c v2.1:294 and v2.1:640
    delta_T[_v%i]_z%06.2f_nf%f_useTs%i_%i_%.0fMpc
    # find_HII_bubbles.c v1.2:255-263, 849-857
    [sphere_]xH[_nohalos]_z%06.2f_nf%f_eff%.1f_effPLindex%.1f_HIIfilter%i_Mmin%.1e_RHIImax%.0f
        _%i_%.0fMpc
    # find_HII_bubbles.c v2.1:359 and v2.1:365 (new and old parametrisation)
    xH_nohalos_z%06.2f_nf%f_Fstar%.4f_starPL%.4f_Fesc%.4f_escPL%.4f_Mturn%.2e_HIIfilter%i
        _RHIImax%.0f_%i_%.0fMpc
    xH_nohalos_z%06.2f_nf%f_eff%.1f_effPLindex0_HIIfilter%i_Mmin%.1e_RHIImax%.0f_%i_%.0fMpc
    # perturb_field.c v1.2:424 = v2.1:424 (also written by delta_T.c and find_HII_bubbles.c)
    updated_smoothed_deltax_z%06.2f_%i_%.0fMpc

Older 1.0x runs, and forks, write the same tokens in other orders or sets:
``xH_nohalos_z008.40_nf0.595490_eff30.0_HIIfilter1_Mmin2.7e+09_RHIImax35_256_300Mpc`` (no
``effPLindex``), ``xH_nohalos_nf0.000000_eff31.5_HIIfilter1_Mmin1.0e+08_RHIImax30_z5.60_450_500Mpc``
(redshift last, comment at redshift_interpolate_boxes.c v1.3:145), and
``delta_T_v3_no_halos_z015.00_nf0.999808_useTs1_NX0000.063_alphaX1.5_MminX3.1e+09
_aveTb-108.88_Pop2_400_600Mpc`` (a public analysis script). The parser therefore reads any
sequence of ``_<letters><number>`` tokens and the flags ``no_halos``/``nohalos``/``SFR``
between the kind and ``_<HII_DIM>_<BOX_LEN>Mpc``.

What the tokens mean (delta_T.c parses ``nf`` and the X-ray tokens back from the xH and Ts file
names it is given): ``nf`` the box-mean neutral fraction, the same string in a ``delta_T``
name and in the ``xH`` box it was made from; ``eff`` the ionizing efficiency ζ; ``zetaX`` the
X-ray efficiency of the spin-temperature run (−1 with ``useTs0``), *not* ζ; ``aveTb`` the box
mean of δT_b in mK; ``v`` the velocity component of the RSDs (3 = z, the last axis).
"""

import re
from dataclasses import dataclass
from pathlib import Path

from ..utils._param_validation import validate_params

#: Box kinds and the field each holds.
KIND_FIELDS = {"delta_T": "delta_T", "xH": "x_HI", "updated_smoothed_deltax": "density"}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TOKEN_BODY = rf"(?:no_?halos|SFR|[A-Za-z]+{_NUMBER})"
_NAME = re.compile(
    r"^(?P<sphere>sphere_)?(?P<kind>delta_T|xH|updated_smoothed_deltax)"
    rf"(?P<tokens>(?:_{_TOKEN_BODY})*)"
    r"_(?P<dim>\d+)_(?P<box>\d+(?:\.\d+)?)Mpc$"
)
_TOKEN = re.compile(rf"_(?:(?P<flag>no_?halos|SFR)|(?P<key>[A-Za-z]+)(?P<value>{_NUMBER}))")
_LOOKS_LIKE_BOX = re.compile(r"^(?:sphere_)?(?:delta_T|xH|updated_smoothed_deltax)_")
#: Tokens renamed to what they mean; every other token keeps its 21cmFAST name.
_RENAMED = {"z": "redshift", "nf": "neutral_fraction", "eff": "zeta", "v": "velocity_component"}
#: Parameters that identify the ionization field a delta_T box was computed from.
_PAIRING_FLAGS = ("halos", "sphere")


@validate_params({"name": [str]}, prefer_skip_nested_validation=True)
def parse_raw_box_name(name):
    """Parameters held by a 21cmFAST 1.x/2.x box name, or None if it is not one.

    Parameters
    ----------
    name : str
        File name (no folder).

    Returns
    -------
    info : dict or None
        ``field`` ("delta_T", "density" or "x_HI"), ``kind`` (the name's prefix: "delta_T",
        "xH" or "updated_smoothed_deltax"), ``redshift``, ``n_cells`` (HII_DIM), ``box_size``
        (BOX_LEN, Mpc), the flags ``halos`` (False for ``no_halos``/``nohalos``), ``sphere``
        (``sphere_`` prefix: spherical bubble algorithm) and ``SFR`` (``halos`` and ``sphere``
        are None for the 2.x ``delta_T`` form, which does not record them), and every
        ``<key><number>`` token under its 21cmFAST name (``useTs``, ``zetaX``, ``alphaX``,
        ``TvirminX``, ``MminX``, ``MturnX``, ``NX``, ``aveTb``, ``Pop``, ``effPLindex``,
        ``HIIfilter``, ``Mmin``, ``RHIImax``, ``Fstar``, ``starPL``, ``Fesc``, ``escPL``,
        ``Mturn``, ...) except four renamed to what they mean: ``nf`` → ``neutral_fraction``,
        ``eff`` → ``zeta`` (the ionizing efficiency ζ), ``z`` → ``redshift``, ``v`` →
        ``velocity_component``. ``zetaX`` is the X-ray efficiency, not ζ. Whole numbers
        are ints, others floats.

    Raises
    ------
    ValueError
        If the name starts like a 21cmFAST box but carries no redshift, a token twice, or a
        grid of no cells or no length.

    Examples
    --------
    >>> from skcosmo21.datasets import parse_raw_box_name
    >>> info = parse_raw_box_name(
    ...     "delta_T_v3_no_halos_z008.40_nf0.595490_useTs0_zetaX-1.0e+00_alphaX-1.0"
    ...     "_TvirminX-1.0e+00_aveTb012.19_Pop-1_256_300Mpc")
    >>> info["field"], info["redshift"], info["neutral_fraction"], info["n_cells"]
    ('delta_T', 8.4, 0.59549, 256)
    >>> info["velocity_component"], info["halos"], info["zetaX"], info["aveTb"]
    (3, False, -1.0, 12.19)
    >>> parse_raw_box_name("xH_nohalos_z008.40_nf0.595490_eff30.0_HIIfilter1_Mmin2.7e+09"
    ...                    "_RHIImax35_256_300Mpc")["zeta"]
    30.0
    """
    match = _NAME.match(name)
    if match is None:
        return None
    kind = match["kind"]
    info = {
        "field": KIND_FIELDS[kind],
        "kind": kind,
        "n_cells": int(match["dim"]),
        "box_size": float(match["box"]),
    }
    if info["n_cells"] < 1 or info["box_size"] <= 0:
        raise ValueError(
            f"{name}: a box name must give a positive HII_DIM and BOX_LEN, got "
            f"{info['n_cells']} cells and {info['box_size']} Mpc"
        )
    if kind != "updated_smoothed_deltax":
        info.update(halos=True, sphere=bool(match["sphere"]), SFR=False)
    for token in _TOKEN.finditer(match["tokens"]):
        if token["flag"] is not None:
            flag = "SFR" if token["flag"] == "SFR" else "halos"
            info[flag] = flag == "SFR"
            continue
        key = _RENAMED.get(token["key"], token["key"])
        if key in info and key not in ("halos", "SFR"):
            raise ValueError(f"{name}: the token {token['key']!r} appears twice")
        info[key] = _number(token["value"])
    if kind == "delta_T" and "aveTb" not in info:
        # The 2.x form (delta_T.c v2.1:294, 640) records neither the halo field nor the bubble
        # algorithm, whatever the run used: unknown, not "with halos".
        info.update(halos=None, sphere=None)
    if "redshift" not in info:
        raise ValueError(
            f"{name}: a 21cmFAST box name without a redshift token (_z<redshift>); no parsable "
            "redshift"
        )
    info["redshift"] = float(info["redshift"])
    return info


def _number(text):
    return int(text) if re.fullmatch(r"[-+]?\d+", text) else float(text)


@dataclass(frozen=True, eq=False)
class RawBox:
    """One raw box: its file and the parameters its name holds."""

    path: Path
    info: dict

    @property
    def field(self):
        return self.info["field"]

    @property
    def grid(self):
        return self.info["n_cells"], self.info["box_size"]


def scan_folder(folder, names):
    """Sort the files of one folder into raw boxes, lightcones and other files.

    Parameters
    ----------
    folder : Path
        The folder.
    names : list of str
        File names in it.

    Returns
    -------
    boxes : list of RawBox
    lightcones : list of Path
        21cmFAST 1.x/2.x lightcone boxes (``..._lighttravel``), not coeval boxes.
    others : list of Path
        Files that are not 21cmFAST boxes.
    """
    boxes, lightcones, others = [], [], []
    for name in names:
        path = folder / name
        if name.endswith("_lighttravel") and _LOOKS_LIKE_BOX.match(name):
            lightcones.append(path)
            continue
        try:
            info = parse_raw_box_name(name)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
        if info is None and _LOOKS_LIKE_BOX.match(name):
            raise ValueError(
                f"{path}: looks like a 21cmFAST box but its name is not in a form 21cmFAST "
                "writes: no parsable redshift (_z<zzz.zz>) and grid (_<HII_DIM>_<BOX_LEN>Mpc) "
                "with _<key><number> tokens between them"
            )
        if info is None:
            others.append(path)
        else:
            boxes.append(RawBox(path, info))
    return boxes, lightcones, others


def density_partner(anchor, boxes):
    """The density box of ``anchor``'s redshift, HII_DIM and BOX_LEN among ``boxes``, or None."""
    for box in boxes:
        if (
            box.field == "density"
            and box.info["redshift"] == anchor.info["redshift"]
            and box.grid == anchor.grid
        ):
            return box
    return None


def ionization_partners(anchor, boxes):
    """The xH boxes ``anchor`` (a delta_T box) was computed from.

    Same redshift, grid, neutral fraction (both names print the same float with ``%f``) and
    halo/bubble-algorithm flags. Several can match when runs with different ζ reached the same
    neutral fraction, so the caller decides what an ambiguity means.
    """
    info = anchor.info
    if "neutral_fraction" not in info:
        return []
    return [
        box
        for box in boxes
        if box.field == "x_HI"
        and box.info["redshift"] == info["redshift"]
        and box.grid == anchor.grid
        and round(box.info.get("neutral_fraction", -1.0), 6) == round(info["neutral_fraction"], 6)
        and all(info[flag] is None or box.info[flag] == info[flag] for flag in _PAIRING_FLAGS)
    ]


def expected_density_name(info):
    """The name 21cmFAST gives the density box of a box with these parameters."""
    return (
        f"updated_smoothed_deltax_z{info['redshift']:06.2f}_{info['n_cells']}_"
        f"{info['box_size']:.0f}Mpc"
    )
