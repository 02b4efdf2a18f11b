"""Turn cubes and their labels into an aligned (X, y, groups, locations) dataset."""

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch

from ..preprocessing import CubeSlicer, PatchExtractor
from ..utils._param_validation import validate_params


def _per_cube_column(source, key, n_cubes, what, kind="cube"):
    """One value per cube (or lightcone): the column ``key`` of ``source``, or ``key`` itself."""
    if isinstance(key, str):
        if key not in source:
            raise ValueError(
                f"{what} must name per-{kind} columns of the {kind} data; {key!r} is not one "
                f"(the data has {sorted(source)})"
            )
        values = np.asarray(source[key])
    else:
        values = np.asarray(key)
    if values.ndim != 1 or len(values) != n_cubes:
        raise ValueError(
            f"{what} must have one value per {kind} ({n_cubes}), got shape {values.shape}"
        )
    return values


def _field_array(source, field, kind, shape):
    """The array named ``field`` of ``source``, which must be 4-D, with a clear error if not."""
    if field not in source:
        raise ValueError(
            f"field {field!r} must name the {kind} array of the {kind} data; the data has "
            f"{sorted(source)}"
        )
    data = source[field]
    if np.ndim(data) != 4:
        raise ValueError(
            f"field {field!r} must name {kind}s {shape}; it holds shape {np.shape(data)}"
        )
    return data


def _pixel_size(cubes, n_cells):
    """Mpc per cell of the cubes, from their ``box_size``; None when they do not give one."""
    box_size = cubes.get("box_size") if hasattr(cubes, "get") else None
    if box_size is None:
        return None
    value = np.asarray(box_size)
    if value.dtype.kind not in "fiu" or value.ndim != 0 or not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"box_size of the cube data must be one positive number (Mpc), got {box_size!r}"
        )
    return float(value) / n_cells


_DATASET_CONSTRAINTS = {
    "targets": [str, list, tuple],
    "field": [str],
    "groups": [None, str, "array-like"],
}


@validate_params(
    {
        "cubes": [dict],
        "slicer": [None, CubeSlicer],
        "patcher": [None, PatchExtractor],
        **_DATASET_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_slice_dataset(
    cubes, targets, slicer=None, patcher=None, *, field="delta_T", groups="realization"
):
    """Slice (and optionally patch) cubes into a dataset with aligned labels and groups.

    This does the sample-creating step that a scikit-learn ``Pipeline`` cannot (it cannot
    carry ``y`` through a step that multiplies samples), and records where every image came
    from so that splits can keep related images apart.

    Parameters
    ----------
    cubes : Bunch or dict
        Output of :func:`make_reionization_cubes` or :func:`load_21cmfast`: the cube array
        under ``field`` plus per-cube arrays (``redshift``, ``escape_fraction``, ...).
    targets : str or list of str
        Per-cube columns to use as ``y``; several give a 2-D ``y`` (joint targets).
    slicer : CubeSlicer, default=None
        Slicing; ``CubeSlicer()`` (every slice along every axis) when None. It is cloned.
    patcher : PatchExtractor, default=None
        Optional patch extraction after slicing. It is cloned.
    field : str, default="delta_T"
        Which cubes to slice.
    groups : str, array-like or None, default="realization"
        Per-cube group labels, by default the initial-condition realization, so that
        ``GroupKFold`` and friends never put slices of related cubes on both sides of a split.

    Returns
    -------
    data : Bunch
        ``X`` (n_images, h, w); ``y`` (n_images,) or (n_images, n_targets); ``groups``
        (n_images,) or None, the labels for group-aware splitters; ``locations``, a
        :class:`~skcosmo21.preprocessing.SampleLocations` (cube, axis, position[, row, col]
        of every image, with the cube side, image shape and pixel size) for the splitters and
        steps that need geometry; ``pixel_size``, the side of a pixel in Mpc
        (``box_size / n_cells`` of the cubes, unchanged by slicing and patching; None when the
        cube data have no ``box_size``); ``target_names``; ``slicer`` and ``patcher``
        (fitted).

    Examples
    --------
    >>> from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
    >>> from skcosmo21.preprocessing import CubeSlicer, PatchExtractor
    >>> cubes = make_reionization_cubes([7.0, 9.0], [0.1], n_realizations=2, n_cells=16,
    ...                                  box_size=32.0, random_state=0)
    >>> data = make_slice_dataset(cubes, "redshift", CubeSlicer(axes=0, step=4))
    >>> data.X.shape, data.y[:5].tolist(), data.groups[-1]
    ((16, 16, 16), [7.0, 7.0, 7.0, 7.0, 9.0], np.int64(1))
    >>> data.pixel_size, data.locations.n_cells
    (2.0, 16)
    >>> patches = make_slice_dataset(cubes, "redshift", CubeSlicer(axes=0, step=4),
    ...                              PatchExtractor(patch_size=8))
    >>> patches.X.shape, patches.pixel_size, patches.locations.sample_shape
    ((64, 8, 8), 2.0, (8, 8))
    """
    data = _field_array(cubes, field, "cube", "(n_cubes, n, n, n)")
    n_cubes = len(data)
    names = [targets] if isinstance(targets, str) else list(targets)
    if not names:
        raise ValueError("targets must name at least one per-cube column")
    columns = [_per_cube_column(cubes, name, n_cubes, "targets") for name in names]
    y = columns[0] if len(columns) == 1 else np.column_stack(columns)
    group_values = None if groups is None else _per_cube_column(cubes, groups, n_cubes, "groups")

    slicer = clone(slicer if slicer is not None else CubeSlicer()).fit(data)
    X = slicer.transform(data)
    pixel_size = _pixel_size(cubes, slicer.n_cells_)
    locations = slicer.locations(n_cubes, pixel_size=pixel_size)
    y = slicer.expand(y)
    group_values = None if group_values is None else slicer.expand(group_values)
    if patcher is not None:
        patcher = clone(patcher).fit(X)
        X = patcher.transform(X)
        locations = patcher.locations(locations)
        y = patcher.expand(y)
        group_values = None if group_values is None else patcher.expand(group_values)
    return Bunch(
        X=X,
        y=y,
        groups=group_values,
        locations=locations,
        pixel_size=pixel_size,
        target_names=names,
        slicer=slicer,
        patcher=patcher,
    )
