"""Fuzz of skcosmo21.preprocessing: every function, estimator and public method.

Results are checked against independent computations written here with plain NumPy indexing
(slices by ``np.take``, patches by loops, standardisation in float64).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcosmo21.preprocessing import (
    CubeSlicer,
    Flatten,
    ImageStandardizer,
    LightconeSlicer,
    PatchExtractor,
    SampleLocations,
    extract_patches,
    patch_corners,
    slice_cubes,
    slice_lightcones,
    slice_positions,
)

from ._harness import check_generated, check_systematic
from ._kinds import Choice, Fixed, Int, NJobs, Real, Stack, bad, either, good
from ._targets import Target, finite_array

CUBES = np.random.default_rng(1).normal(size=(2, 4, 4, 4))
IMAGES = np.random.default_rng(2).normal(size=(3, 6, 6))
LIGHTCONES = np.random.default_rng(3).normal(size=(2, 4, 4, 10))

# ------------------------------------------------------------------ independent references


def _axes(axes):
    if isinstance(axes, str):
        return (0, 1, 2)
    return tuple(int(a) for a in np.atleast_1d(axes))


def reference_slices(cubes, axes="all", step=1, offset=0):
    cubes = np.asarray(cubes, dtype=float)
    n = cubes.shape[1]
    return np.array(
        [
            np.take(cube, p, axis=a)
            for cube in cubes
            for a in _axes(axes)
            for p in range(offset, n, step)
        ]
    ).reshape(-1, n, n)


def reference_patches(images, patch_size, stride=None):
    images = np.asarray(images, dtype=float)
    stride = patch_size if stride is None else stride
    _, h, w = images.shape
    return np.array(
        [
            image[r : r + patch_size, c : c + patch_size]
            for image in images
            for r in range(0, h - patch_size + 1, stride)
            for c in range(0, w - patch_size + 1, stride)
        ]
    ).reshape(-1, patch_size, patch_size)


def reference_standardized(X, method="standard"):
    X = np.asarray(X, dtype=float)
    if method == "standard":
        center, scale = X.mean(), X.std()
    else:
        q25, center, q75 = np.percentile(X, [25, 50, 75])
        scale = q75 - q25
    return (X - center) / (scale if scale > 0 else 1.0)


def reference_lightcone_images(
    lightcones, kind="transverse", step=1, offset=0, width=None, stride=None, axes="all"
):
    lightcones = np.asarray(lightcones, dtype=float)
    _, n, _, n_los = lightcones.shape
    if kind == "transverse":
        return np.array([lc[:, :, k] for lc in lightcones for k in range(offset, n_los, step)])
    width = n if width is None else width
    stride = width if stride is None else stride
    axes = (0, 1) if axes == "all" else tuple(np.atleast_1d(axes))
    images = [
        np.take(lc, p, axis=a)[:, s : s + width]
        for lc in lightcones
        for a in axes
        for p in range(offset, n, step)
        for s in range(0, n_los - width + 1, stride)
    ]
    return np.array(images).reshape(-1, n, width)


def _same_as(reference, dtype_from=None):
    """A check: the result equals ``reference(**kwargs)`` and keeps float32 as float32."""

    def check(result, kwargs):
        finite_array(result)
        expected = reference(kwargs)
        assert result.shape == expected.shape, f"shape {result.shape} != {expected.shape}"
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5 * _top(expected))
        if dtype_from is not None:
            x = np.asarray(kwargs[dtype_from]) if not isinstance(kwargs[dtype_from], list) else 0
            if getattr(x, "dtype", None) == np.float32:
                assert result.dtype == np.float32, f"float32 input gave {result.dtype}"

    return check


def _top(array):
    return float(np.abs(array).max()) if array.size else 0.0


# ------------------------------------------------------------------------------- kinds

CUBE_STACK = Stack(CUBES.shape, square="all")
IMAGE_STACK = Stack(IMAGES.shape)
#: ImageStandardizer and Flatten also take feature rows (2-D) and images with channels (4-D).
ANY_STACK = Stack(IMAGES.shape, other_ndims=(2, 4))
LIGHTCONE_STACK = Stack(LIGHTCONES.shape, square=True)
AXES = Fixed(
    bad("float in a tuple", (0.7,)),
    bad("float", 1.0),
    bad("repeated axis", (0, 0)),
    bad("empty tuple", ()),
    bad("axis 3", 3),
    bad("axis -1", -1),
    bad("upper-case 'ALL'", "ALL"),
    bad("numeric string", "0"),
    bad("bool", True),
    bad("None", None),
    good("list", [0, 2], plain=(0, 2)),
    good("numpy int64", np.int64(1), plain=1),
    good("tuple of numpy ints", (np.int64(2), np.int64(0)), plain=(2, 0)),
)
OFFSET = Fixed(*Int(0).values(), bad("past the cube", 4), either("last cell", 3))


def _slicer_call(X=CUBES, **params):
    return CubeSlicer(**params).fit(X).transform(X)


def _fitted_slicer():
    return CubeSlicer(axes=(0, 2), step=2).fit(CUBES)


def _patcher_call(X=IMAGES, **params):
    return PatchExtractor(**params).fit(X).transform(X)


def _lightcone_call(X=LIGHTCONES, **params):
    return LightconeSlicer(**params).fit(X).transform(X)


def _locations_check(result, kwargs):
    assert isinstance(result, SampleLocations)
    n_cubes = 2 if kwargs.get("n_cubes") is None else int(kwargs["n_cubes"])
    expected = _fitted_slicer().n_outputs_per_sample_ * n_cubes
    assert len(result) == expected, f"{len(result)} rows for {expected} slices"


def _expand_check(result, kwargs):
    values = np.asarray(kwargs["values"])
    np.testing.assert_array_equal(result, np.repeat(values, 4, axis=0))


VALUES = Fixed(
    bad("too few", [7.0]),
    bad("too many", [7.0, 8.0, 9.0]),
    bad("scalar", 7.0),
    bad("None", None),
    good("strings", ["a", "b"]),
    good("rows", [[1, 2], [3, 4]]),
    good("numpy", np.array([7.0, 8.0]), plain=[7.0, 8.0]),
)


def _structured(n=4, fields=("cube", "axis", "position")):
    table = np.zeros(n, dtype=[(f, np.int64) for f in fields])
    if "position" in fields:
        table["position"] = np.arange(n) % 4
    return table


def _locations_table_check(result, kwargs):
    assert isinstance(result, SampleLocations)
    assert len(result) == len(kwargs["table"])


TARGETS = [
    Target(
        "preprocessing.CubeSlicer",
        _slicer_call,
        {"X": CUBES},
        {
            "X": CUBE_STACK,
            "axes": AXES,
            "step": Int(1, example=2),
            "offset": OFFSET,
            "n_jobs": NJobs(),
        },
        check=_same_as(
            lambda kw: reference_slices(
                kw["X"], kw.get("axes", "all"), kw.get("step", 1), kw.get("offset", 0)
            ),
            dtype_from="X",
        ),
    ),
    Target(
        "preprocessing.slice_cubes",
        lambda **kw: slice_cubes(**kw),
        {"cubes": CUBES},
        {
            "cubes": CUBE_STACK,
            "axes": AXES,
            "step": Int(1, example=2),
            "offset": OFFSET,
            "n_jobs": NJobs(),
        },
        check=_same_as(
            lambda kw: reference_slices(
                kw["cubes"], kw.get("axes", "all"), kw.get("step", 1), kw.get("offset", 0)
            )
        ),
    ),
    Target(
        "preprocessing.CubeSlicer.expand",
        lambda **kw: _fitted_slicer().expand(**kw),
        {"values": [7.0, 8.0]},
        {"values": VALUES, "n_samples": Fixed(*Int(0, optional=True, example=2).values())},
        check=_expand_check,
    ),
    Target(
        "preprocessing.CubeSlicer.locations",
        lambda **kw: _fitted_slicer().locations(**kw),
        {},
        {
            "n_cubes": Int(0, optional=True, example=3),
            "pixel_size": Real(0.0, open_low=True, optional=True, example=2.0),
        },
        check=_locations_check,
    ),
    Target(
        "preprocessing.slice_positions",
        lambda **kw: slice_positions(**kw),
        {"n_cells": 8, "step": 3, "offset": 1},
        {
            "n_cells": Int(1, example=8),
            "step": Int(1, example=3),
            "offset": Fixed(*Int(0, example=1).values(), bad("past the end", 8)),
        },
        check=lambda r, kw: np.testing.assert_array_equal(
            r, list(range(int(kw["offset"]), int(kw["n_cells"]), int(kw["step"])))
        ),
    ),
    Target(
        "preprocessing.PatchExtractor",
        _patcher_call,
        {"X": IMAGES, "patch_size": 3},
        {
            "X": IMAGE_STACK,
            "patch_size": Fixed(*Int(2, example=3).values(), bad("larger than the images", 7)),
            "stride": Int(1, optional=True, example=2),
            "n_jobs": NJobs(),
        },
        check=_same_as(
            lambda kw: reference_patches(kw["X"], kw["patch_size"], kw.get("stride")),
            dtype_from="X",
        ),
    ),
    Target(
        "preprocessing.extract_patches",
        lambda **kw: extract_patches(**kw),
        {"images": IMAGES, "patch_size": 3},
        {
            "images": IMAGE_STACK,
            "patch_size": Fixed(*Int(2, example=3).values(), bad("larger than the images", 7)),
            "stride": Int(1, optional=True, example=2),
            "n_jobs": NJobs(),
        },
        check=_same_as(
            lambda kw: reference_patches(kw["images"], kw["patch_size"], kw.get("stride"))
        ),
    ),
    Target(
        "preprocessing.patch_corners",
        lambda **kw: patch_corners(**kw),
        {"image_size": 10, "patch_size": 4, "stride": 3},
        {
            "image_size": Int(1, example=10),
            "patch_size": Fixed(*Int(1, example=4).values(), bad("larger than the image", 11)),
            "stride": Int(1, example=3),
        },
        check=lambda r, kw: np.testing.assert_array_equal(
            r, list(range(0, int(kw["image_size"]) - int(kw["patch_size"]) + 1, int(kw["stride"])))
        ),
    ),
    Target(
        "preprocessing.PatchExtractor.locations",
        lambda **kw: PatchExtractor(patch_size=2).fit(IMAGES).locations(**kw),
        {},
        {
            "images": Fixed(
                bad("negative count", -1),
                bad("float count", 2.5),
                bad("string", "3"),
                bad("bool", True),
                bad("list", [0, 1]),
                bad(
                    "locations of other shapes",
                    CubeSlicer(axes=0).fit(CUBES).locations(),
                ),
                good("numpy int", np.int64(2), plain=2),
                good("structured array", _structured(2, ("image", "row", "col"))),
            )
        },
    ),
    Target(
        "preprocessing.ImageStandardizer",
        lambda X=IMAGES, **p: ImageStandardizer(**p).fit(X).transform(X),
        {"X": IMAGES},
        {"X": ANY_STACK, "method": Choice(["standard", "robust"])},
        check=_same_as(
            lambda kw: reference_standardized(kw["X"], kw.get("method", "standard")),
            dtype_from="X",
        ),
    ),
    Target(
        "preprocessing.ImageStandardizer.inverse_transform",
        lambda X: ImageStandardizer().fit(IMAGES * 5 + 2).inverse_transform(X),
        {"X": IMAGES},
        {"X": ANY_STACK},
        check=_same_as(
            lambda kw: np.asarray(kw["X"], float) * (IMAGES * 5 + 2).std() + (IMAGES * 5 + 2).mean()
        ),
    ),
    Target(
        "preprocessing.Flatten",
        lambda X: Flatten().fit(X).transform(X),
        {"X": IMAGES},
        {"X": ANY_STACK},
        check=_same_as(
            lambda kw: np.asarray(kw["X"], float).reshape(len(kw["X"]), -1), dtype_from="X"
        ),
    ),
    Target(
        "preprocessing.Flatten.inverse_transform",
        lambda X: Flatten().fit(IMAGES).inverse_transform(X),
        {"X": IMAGES.reshape(3, -1)},
        {
            "X": Fixed(
                bad("wrong width", np.zeros((3, 35))),
                bad("images", IMAGES),
                bad("strings", IMAGES.reshape(3, -1).astype(str)),
                bad("NaN", np.full((3, 36), np.nan)),
                good(
                    "float32",
                    IMAGES.reshape(3, -1).astype(np.float32),
                    plain=IMAGES.reshape(3, -1).astype(np.float32).astype(float),
                ),
                good("lists", IMAGES.reshape(3, -1).tolist(), plain=IMAGES.reshape(3, -1)),
            )
        },
        check=lambda r, kw: np.testing.assert_allclose(
            r, np.asarray(kw["X"], float).reshape(-1, 6, 6), rtol=1e-6
        ),
    ),
    Target(
        "preprocessing.LightconeSlicer",
        _lightcone_call,
        {"X": LIGHTCONES, "kind": "line_of_sight", "width": 4},
        {
            "X": LIGHTCONE_STACK,
            "kind": Choice(["transverse", "line_of_sight"]),
            "step": Int(1, example=2),
            "offset": Fixed(*Int(0).values(), bad("past the lightcone", 10)),
            "width": Fixed(*Int(1, optional=True, example=3).values(), bad("too wide", 11)),
            "stride": Int(1, optional=True, example=2),
            "axes": Fixed(
                bad("axis 2", 2),
                bad("float", 0.5),
                bad("list", [0, 1]),
                bad("bool", True),
                good("numpy int", np.int64(1), plain=1),
            ),
            "n_jobs": NJobs(),
        },
        check=_same_as(
            lambda kw: reference_lightcone_images(
                kw["X"],
                kw.get("kind", "transverse"),
                kw.get("step", 1),
                kw.get("offset", 0),
                kw.get("width"),
                kw.get("stride"),
                kw.get("axes", "all"),
            ),
            dtype_from="X",
        ),
    ),
    Target(
        "preprocessing.slice_lightcones",
        lambda **kw: slice_lightcones(**kw),
        {"lightcones": LIGHTCONES, "kind": "line_of_sight", "width": 4},
        {
            "lightcones": LIGHTCONE_STACK,
            "kind": Choice(["transverse", "line_of_sight"]),
            "step": Int(1, example=2),
            "offset": Fixed(*Int(0).values(), bad("past the lightcone", 10)),
            "width": Fixed(*Int(1, optional=True, example=3).values(), bad("too wide", 11)),
            "stride": Int(1, optional=True, example=2),
            "axes": Fixed(bad("axis 2", 2), bad("float", 0.5), bad("bool", True)),
            "n_jobs": NJobs(),
        },
        check=_same_as(
            lambda kw: reference_lightcone_images(
                kw["lightcones"],
                kw.get("kind", "transverse"),
                kw.get("step", 1),
                kw.get("offset", 0),
                kw.get("width"),
                kw.get("stride"),
                kw.get("axes", "all"),
            )
        ),
    ),
    Target(
        "preprocessing.LightconeSlicer.expand",
        lambda **kw: LightconeSlicer(step=5).fit(LIGHTCONES).expand(**kw),
        {"values": [7.0, 8.0]},
        {"values": VALUES},
        check=lambda r, kw: np.testing.assert_array_equal(
            r, np.repeat(np.asarray(kw["values"]), 2, axis=0)
        ),
    ),
    Target(
        "preprocessing.LightconeSlicer.expand_los",
        lambda **kw: LightconeSlicer(step=5).fit(LIGHTCONES).expand_los(**kw),
        {"values": np.linspace(7, 8, 10), "n_lightcones": 2},
        {
            "values": Fixed(
                bad("wrong length", np.arange(9.0)),
                bad("strings", ["a"] * 10),
                good("NaN (unknown) stays NaN", np.full(10, np.nan)),
                bad("scalar", 7.0),
                good(
                    "per lightcone",
                    np.tile(np.linspace(7, 8, 10), (2, 1)),
                    plain=np.linspace(7, 8, 10),
                ),
            ),
            "n_lightcones": Int(0, optional=True, example=2),
        },
        check=lambda r, kw: np.testing.assert_allclose(
            r,
            np.broadcast_to(kw["values"], (int(kw["n_lightcones"] or 2), 10))[:, [0, 5]].ravel(),
        ),
    ),
    Target(
        "preprocessing.LightconeSlicer.locations",
        lambda **kw: LightconeSlicer(step=5).fit(LIGHTCONES).locations(**kw),
        {"n_lightcones": 2},
        {"n_lightcones": Int(0, example=2)},
        check=lambda r, kw: np.testing.assert_array_equal(
            r["lightcone"], np.repeat(np.arange(int(kw["n_lightcones"])), 2)
        ),
    ),
    Target(
        "preprocessing.SampleLocations",
        lambda **kw: SampleLocations(**kw),
        {"table": _structured(), "n_cells": 4, "sample_shape": (4, 4)},
        {
            "table": Fixed(
                bad("plain array", np.zeros(4)),
                bad("2-D structured", _structured().reshape(2, 2)),
                bad("unknown fields", _structured(4, ("a", "b"))),
                bad("position outside", np.array([(0, 0, 9)], dtype=_structured(1).dtype)),
                bad("axis 3", np.array([(0, 3, 0)], dtype=_structured(1).dtype)),
                bad("None", None),
                good("empty", _structured(0)),
            ),
            "n_cells": Fixed(*Int(1, example=4).values(), bad("too small", 2)),
            "sample_shape": Fixed(
                bad("one number", 4),
                bad("three numbers", (4, 4, 4)),
                bad("floats", (4.0, 4.0)),
                bad("not the cube side", (3, 3)),
                bad("zero", (0, 0)),
                bad("None", None),
                good("numpy ints", (np.int64(4), np.int64(4)), plain=(4, 4)),
            ),
            "pixel_size": Real(0.0, open_low=True, optional=True, example=2.0),
        },
        check=_locations_table_check,
        names={"table": ("axis", "position", "fields")},
    ),
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_every_systematic_case(target, fuzz_dir):
    check_systematic(target, fuzz_dir)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@settings(max_examples=12)
@given(data=st.data())
def test_generated_cases(target, data, fuzz_dir):
    check_generated(target, data, fuzz_dir)


# -------------------------------------------------------------------- properties


@settings(max_examples=15)
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(2, 7), st.integers(2, 7)),
    method=st.sampled_from(["standard", "robust"]),
    scale=st.floats(1e-3, 1e3),
    shift=st.floats(-1e3, 1e3),
    seed=st.integers(0, 100),
)
def test_standardizer_is_affine_invariant_and_inverts(shape, method, scale, shift, seed):
    # Standardising a*X + b gives the same images as standardising X (a > 0), and
    # inverse_transform gives the input back.
    X = np.random.default_rng(seed).normal(size=shape)
    scaler = ImageStandardizer(method=method).fit(X)
    moved = ImageStandardizer(method=method).fit(X * scale + shift)
    out = scaler.transform(X)
    if scaler.scale_ != 1.0:  # constant images keep the unit scale
        np.testing.assert_allclose(moved.transform(X * scale + shift), out, atol=1e-7)
    np.testing.assert_allclose(scaler.inverse_transform(out), X, atol=1e-9)
    np.testing.assert_allclose(out, reference_standardized(X, method), atol=1e-9)


@settings(max_examples=10)
@given(
    n_los=st.integers(2, 12),
    n=st.integers(2, 5),
    kind=st.sampled_from(["transverse", "line_of_sight"]),
    step=st.integers(1, 3),
    data=st.data(),
)
def test_lightcone_images_match_their_locations_and_los_values(n_los, n, kind, step, data):
    lightcones = np.random.default_rng(n_los).normal(size=(2, n, n, n_los))
    width = None
    if kind == "line_of_sight":
        width = data.draw(st.integers(1, n_los))
    offset = data.draw(st.integers(0, (n_los if kind == "transverse" else n) - 1))
    slicer = LightconeSlicer(kind=kind, step=step, offset=offset, width=width).fit(lightcones)
    images = slicer.transform(lightcones)
    table = slicer.locations(2)
    los_values = slicer.expand_los(np.arange(n_los, dtype=float), n_lightcones=2)
    assert len(images) == len(table) == len(los_values) == len(slicer.expand([0, 1]))
    for image, (lc, axis, position, start, stop) in zip(images, table.tolist(), strict=True):
        cells = lightcones[lc, :, :, start:stop]
        expected = cells[:, :, 0] if axis == 2 else np.take(cells, position, axis=axis)
        np.testing.assert_array_equal(image, expected)
    np.testing.assert_allclose(los_values, (table["los_start"] + table["los_stop"] - 1) / 2)
