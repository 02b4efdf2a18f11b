import numpy as np
import pytest
from sklearn.base import clone

from skcosmo21.preprocessing import LightconeSlicer, PatchExtractor, slice_lightcones
from skcosmo21.utils import InvalidParameterError


@pytest.fixture
def lightcones(rng):
    # 3 lightcones, 6 x 6 transverse cells, 20 line-of-sight cells; every value distinct.
    return rng.permutation(3 * 6 * 6 * 20).reshape(3, 6, 6, 20).astype(np.float32)


def _image_from_location(lightcones, row):
    cone = lightcones[row["lightcone"]]
    start, stop = row["los_start"], row["los_stop"]
    if row["axis"] == 2:
        assert stop == start + 1
        return cone[:, :, row["position"]]
    if row["axis"] == 0:
        return cone[row["position"], :, start:stop]
    return cone[:, row["position"], start:stop]


def test_transverse_slices_and_their_locations(lightcones):
    slicer = LightconeSlicer(step=4, offset=1).fit(lightcones)
    images = slicer.transform(lightcones)
    assert images.shape == (3 * 5, 6, 6)
    assert images.dtype == np.float32
    table = slicer.locations(3)
    assert table["lightcone"].tolist() == [0] * 5 + [1] * 5 + [2] * 5
    assert table["position"].tolist() == [1, 5, 9, 13, 17] * 3
    assert set(table["axis"]) == {2}
    for image, row in zip(images, table, strict=True):
        np.testing.assert_array_equal(image, _image_from_location(lightcones, row))
    redshift = np.linspace(7.0, 9.0, 20)
    np.testing.assert_array_equal(
        slicer.expand_los(redshift, n_lightcones=3), np.tile(redshift[[1, 5, 9, 13, 17]], 3)
    )
    assert slicer.expand([10, 20, 30]).tolist() == [10] * 5 + [20] * 5 + [30] * 5


@pytest.mark.parametrize("axes", ["all", 0, 1, (1, 0)])
@pytest.mark.parametrize(("width", "stride"), [(None, None), (5, None), (4, 3), (7, 7)])
def test_line_of_sight_windows_match_their_locations(lightcones, axes, width, stride):
    slicer = LightconeSlicer(kind="line_of_sight", step=2, width=width, stride=stride, axes=axes)
    images = slicer.fit_transform(lightcones)
    table = slicer.locations(3)
    w = 6 if width is None else width
    starts = list(range(0, 20 - w + 1, w if stride is None else stride))
    n_axes = 2 if axes in ("all", (1, 0)) else 1
    assert images.shape == (3 * n_axes * 3 * len(starts), 6, w)
    assert slicer.n_outputs_per_sample_ == n_axes * 3 * len(starts)
    assert sorted(set(table["los_start"].tolist())) == starts
    assert set(table["position"].tolist()) == {0, 2, 4}
    for image, row in zip(images, table, strict=True):
        np.testing.assert_array_equal(image, _image_from_location(lightcones, row))
    # Each window's label is the value at its centre (between the middle cells if w is even).
    cell_value = np.arange(20, dtype=float) * 10.0
    centres = slicer.expand_los(np.tile(cell_value, (3, 1)))
    np.testing.assert_allclose(centres, (table["los_start"] + (w - 1) / 2) * 10.0)


def test_per_lightcone_line_of_sight_values(lightcones):
    slicer = LightconeSlicer(step=10).fit(lightcones)
    values = np.arange(60, dtype=float).reshape(3, 20)
    assert slicer.expand_los(values).tolist() == [0, 10, 20, 30, 40, 50]
    with pytest.raises(ValueError, match="one entry per line-of-sight cell"):
        slicer.expand_los(values[:, :5])
    with pytest.raises(ValueError, match="need n_lightcones"):
        slicer.expand_los(values[0])
    with pytest.raises(ValueError, match="2 rows for 3 lightcones"):
        slicer.expand_los(values[:2], n_lightcones=3)


def test_a_cube_is_a_lightcone(rng):
    cubes = rng.normal(size=(2, 8, 8, 8))
    images = LightconeSlicer(kind="line_of_sight").fit_transform(cubes)
    np.testing.assert_array_equal(images[0], cubes[0, 0])  # one 8 x 8 window per position
    assert images.shape == (2 * 2 * 8, 8, 8)


def test_function_threads_and_patches_agree(lightcones):
    slicer = LightconeSlicer(kind="line_of_sight", width=6, n_jobs=2).fit(lightcones)
    threaded = slicer.transform(lightcones)
    np.testing.assert_array_equal(
        threaded, slice_lightcones(lightcones, "line_of_sight", width=6, n_jobs=None)
    )
    np.testing.assert_array_equal(
        threaded, clone(slicer).set_params(n_jobs=None).fit_transform(lightcones)
    )
    patcher = PatchExtractor(patch_size=3).fit(threaded)
    table = patcher.locations(slicer.locations(3))
    assert table.dtype.names == (
        "lightcone",
        "axis",
        "position",
        "los_start",
        "los_stop",
        "row",
        "col",
    )
    assert len(table) == len(patcher.transform(threaded))


def test_bad_parameters_and_input(lightcones):
    with pytest.raises(InvalidParameterError, match="kind"):
        LightconeSlicer(kind="radial").fit(lightcones)
    with pytest.raises(InvalidParameterError, match="step"):
        LightconeSlicer(step=0).fit(lightcones)
    with pytest.raises(ValueError, match="axes must be"):
        LightconeSlicer(kind="line_of_sight", axes=(0, 2)).fit(lightcones)
    with pytest.raises(
        ValueError, match="width must be at most the lightcones. 20 line-of-sight cells"
    ):
        LightconeSlicer(kind="line_of_sight", width=21).fit(lightcones)
    with pytest.raises(ValueError, match=r"offset must be in \[0, 20\)"):
        LightconeSlicer(offset=20).fit(lightcones)
    with pytest.raises(ValueError, match=r"offset must be in \[0, 6\)"):
        LightconeSlicer(kind="line_of_sight", offset=6).fit(lightcones)
    with pytest.raises(ValueError, match="square transverse grid"):
        LightconeSlicer().fit(lightcones[:, :5])
    with pytest.raises(ValueError, match="stack of lightcones"):
        LightconeSlicer().fit(lightcones[0])
    slicer = LightconeSlicer().fit(lightcones)
    with pytest.raises(ValueError, match=r"fitted on lightcones of shape \(6, 6, 20\)"):
        slicer.transform(lightcones[..., :10])
