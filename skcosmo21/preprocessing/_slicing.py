"""Slicing cubes into 2-D images."""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..base import NDTransformer, SampleExpanderMixin, check_sample_stack, run_threaded
from ..utils._param_validation import Interval, StrOptions, validate_params
from ._locations import SampleLocations
from ._validation import N_JOBS_CONSTRAINT, check_min_side

#: dtype of the location tables: which cube, along which axis, at which index.
SLICE_LOCATION_DTYPE = np.dtype([("cube", np.int64), ("axis", np.int8), ("position", np.int32)])


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _normalized_axes(axes):
    expected = "'all', one of 0, 1, 2, or a tuple of distinct values among 0, 1, 2"
    if isinstance(axes, str):
        if axes != "all":
            raise ValueError(f"axes must be {expected}; got {axes!r}")
        return (0, 1, 2)
    if _is_int(axes):
        axes = (axes,)
    try:
        axes = tuple(axes)
    except TypeError:
        raise ValueError(f"axes must be {expected}; got {axes!r}") from None
    # int(0.7) would be 0: refuse anything that is not an integer rather than truncate it.
    if not axes or not all(_is_int(a) and 0 <= a <= 2 for a in axes) or len(set(axes)) != len(axes):
        raise ValueError(f"axes must be {expected}; got {axes!r}")
    return tuple(int(a) for a in axes)


@validate_params(
    {
        "n_cells": [Interval(numbers.Integral, 1, None, closed="left")],
        "step": [Interval(numbers.Integral, 1, None, closed="left")],
        "offset": [Interval(numbers.Integral, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def slice_positions(n_cells, step=1, offset=0):
    """Indices along one axis at which :func:`slice_cubes` cuts, ``range(offset, n, step)``.

    Parameters
    ----------
    n_cells : int
        Cube side.
    step : int, default=1
        Distance between slices in cells.
    offset : int, default=0
        First slice index.

    Returns
    -------
    positions : ndarray of int

    Examples
    --------
    >>> from skcosmo21.preprocessing import slice_positions
    >>> slice_positions(8, step=3, offset=1).tolist()
    [1, 4, 7]
    """
    return _positions(n_cells, step, offset)


def _positions(n_cells, step, offset):
    if not 0 <= offset < n_cells:
        raise ValueError(
            f"offset must be in [0, {n_cells}) for cubes of side {n_cells}, got {offset}"
        )
    return np.arange(offset, n_cells, step)


def _check_cubes(X, name, estimator_name):
    X = check_sample_stack(X, 3, name=name)
    if not X.shape[1] == X.shape[2] == X.shape[3]:
        raise ValueError(f"{name} must be cubic (n, n, n); got cubes of shape {X.shape[1:]}")
    return check_min_side(X, estimator_name, n_axes=3)


@validate_params(
    {
        "cubes": ["array-like"],
        "axes": [
            StrOptions({"all"}),
            Interval(numbers.Integral, 0, 2, closed="both"),
            "array-like",
        ],
        "step": [Interval(numbers.Integral, 1, None, closed="left")],
        "offset": [Interval(numbers.Integral, 0, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def slice_cubes(cubes, axes="all", step=1, offset=0, n_jobs=None):
    """Cut every cube into 2-D slices along the given axes.

    Output order is cube-major, then axis (in the order given), then position. A slice along
    axis 0 at index i is ``cube[i, :, :]``, along axis 1 ``cube[:, i, :]``, along axis 2
    ``cube[:, :, i]``; its image axes are the two remaining cube axes in order. In 21cmFAST
    boxes axis 2 is the line of sight (the RSD axis), so it is the image's column axis for
    slices along axes 0 and 1.

    When one axis is requested, along axis 0, and the positions tile the cube exactly, the
    result is a view of ``cubes``; otherwise it is built with a single copy into the output.

    Parameters
    ----------
    cubes : ndarray or CubeStack of shape (n_cubes, n, n, n)
        Cubic boxes; a lazy :class:`~skcosmo21.datasets.CubeStack` is read one cube at a time.
    axes : "all", int or tuple of int, default="all"
        Axes to slice along.
    step : int, default=1
        Distance between slices in cells.
    offset : int, default=0
        First slice index along each axis.
    n_jobs : int, default=None
        Threads that share the copy (None means 1, -1 all cores). Slicing across the memory
        layout is bound by memory latency, so a second thread nearly doubles its speed.

    Returns
    -------
    slices : ndarray of shape (n_cubes * n_axes * n_positions, n, n)

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.preprocessing import slice_cubes
    >>> cubes = np.arange(2 * 4**3, dtype=float).reshape(2, 4, 4, 4)
    >>> slice_cubes(cubes, axes=0).shape
    (8, 4, 4)
    >>> np.shares_memory(slice_cubes(cubes, axes=0), cubes)
    True
    >>> slice_cubes(cubes, axes=(1, 2), step=2).shape
    (8, 4, 4)
    """
    axes = _normalized_axes(axes)
    cubes = _check_cubes(cubes, "cubes", "slice_cubes")
    return _slice_cubes(cubes, axes, step, offset, n_jobs)


def _slice_cubes(cubes, axes, step, offset, n_jobs):
    """:func:`slice_cubes` on validated cubes and axes."""
    n_cubes, n = cubes.shape[0], cubes.shape[1]
    positions = _positions(n, step, offset)
    if axes == (0,) and isinstance(cubes, np.ndarray):
        # Basic slicing keeps a view; reshape copies only if the layout makes that necessary.
        return cubes[:, offset::step].reshape(n_cubes * len(positions), n, n)
    out = np.empty((n_cubes, len(axes), len(positions), n, n), dtype=cubes.dtype)
    selected = slice(offset, None, step)

    def copy_cube(c):
        # One cube at a time: for a lazy CubeStack only this cube's file is mapped.
        cube = cubes[c]
        for a, axis in enumerate(axes):
            target = out[c, a]
            if axis == 0:
                target[...] = cube[selected]
            elif axis == 1:
                target[...] = np.moveaxis(cube[:, selected], 1, 0)
            else:
                # Row by row: each source row block (n, k) stays in cache while it is
                # transposed, which is ~1.6x faster than one strided copy of the whole cube.
                for i in range(n):
                    target[:, i, :] = cube[i, :, selected].T

    run_threaded(copy_cube, range(n_cubes), n_jobs)
    return out.reshape(n_cubes * len(axes) * len(positions), n, n)


class CubeSlicer(SampleExpanderMixin, NDTransformer):
    """Cut cubes (n_cubes, n, n, n) into 2-D slices (n_cubes * k, n, n).

    The transformer form of :func:`slice_cubes`. It creates samples, which a ``Pipeline``
    cannot carry ``y`` through: use :meth:`expand` for labels and groups,
    :meth:`locations` for where each slice came from, or
    :func:`skcosmo21.datasets.make_slice_dataset` which does all of it.

    Parameters
    ----------
    axes : "all", int or tuple of int, default="all"
        Axes to slice along. Axis 2 is the line of sight of 21cmFAST boxes.
    step : int, default=1
        Distance in cells between successive slices (``step`` > 1 thins out nearly
        identical neighbours).
    offset : int, default=0
        Index of the first slice along each axis.
    n_jobs : int, default=None
        Threads that share the copy (None means 1, -1 all cores).

    Attributes
    ----------
    n_cells_ : int
        Side of the cubes seen in ``fit``.
    axes_ : tuple of int
        Normalised ``axes``.
    positions_ : ndarray of int
        Slice indices along each axis.
    n_outputs_per_sample_ : int
        Slices per cube.

    See Also
    --------
    slice_cubes : The function behind this transformer.
    PatchExtractor : Cut the slices further into patches.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.preprocessing import CubeSlicer
    >>> cubes = np.random.default_rng(0).normal(size=(3, 8, 8, 8))
    >>> slicer = CubeSlicer(axes=(0, 2), step=4).fit(cubes)
    >>> slicer.transform(cubes).shape
    (12, 8, 8)
    >>> slicer.expand([7.0, 8.0, 9.0]).tolist()
    [7.0, 7.0, 7.0, 7.0, 8.0, 8.0, 8.0, 8.0, 9.0, 9.0, 9.0, 9.0]
    >>> slicer.locations()["position"][:4].tolist()
    [0, 4, 0, 4]
    """

    _sample_ndim = 3

    _parameter_constraints = {
        "axes": [
            StrOptions({"all"}),
            Interval(numbers.Integral, 0, 2, closed="both"),
            "array-like",
        ],
        "step": [Interval(numbers.Integral, 1, None, closed="left")],
        "offset": [Interval(numbers.Integral, 0, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, axes="all", step=1, offset=0, n_jobs=None):
        self.axes = axes
        self.step = step
        self.offset = offset
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Validate the parameters and remember the cube size.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, n, n, n)
            Cubes.
        y : None
            Ignored.

        Returns
        -------
        self : CubeSlicer
        """
        self._validate_params()
        axes = _normalized_axes(self.axes)
        X = self._check_cubes(X)
        self.axes_ = axes
        self.n_cells_ = X.shape[1]
        self.positions_ = _positions(self.n_cells_, self.step, self.offset)
        self.n_outputs_per_sample_ = len(self.axes_) * len(self.positions_)
        self.n_samples_fit_ = len(X)
        return self

    def transform(self, X):
        """Slice the cubes.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, n, n, n)
            Cubes of the side seen in ``fit``.

        Returns
        -------
        slices : ndarray of shape (n_cubes * ``n_outputs_per_sample_``, n, n)
        """
        check_is_fitted(self)
        X = self._check_cubes(X)
        if X.shape[1] != self.n_cells_:
            raise ValueError(
                f"CubeSlicer was fitted on cubes of side {self.n_cells_}, got side {X.shape[1]}"
            )
        return _slice_cubes(X, self.axes_, self.step, self.offset, self.n_jobs)

    def locations(self, n_cubes=None, *, pixel_size=None):
        """Where each output slice comes from (cube, axis, position), on the cubes' grid.

        Parameters
        ----------
        n_cubes : int, default=None
            Number of cubes passed to :meth:`transform`; the number seen in ``fit`` when None.
        pixel_size : float, default=None
            Side of a cube cell in Mpc (``box_size / n_cells``), carried by the table for the
            steps that need it; None when unknown.

        Returns
        -------
        locations : SampleLocations
            Fields ``cube``, ``axis``, ``position``, aligned with :meth:`transform`'s output;
            ``n_cells``, ``sample_shape`` and ``pixel_size`` give the grid.
        """
        check_is_fitted(self)
        n_cubes = self.n_samples_fit_ if n_cubes is None else n_cubes
        if not _is_int(n_cubes) or n_cubes < 0:
            raise ValueError(f"n_cubes must be a non-negative integer, got {n_cubes!r}")
        n_pos = len(self.positions_)
        table = np.empty(n_cubes * self.n_outputs_per_sample_, dtype=SLICE_LOCATION_DTYPE)
        table["cube"] = np.repeat(np.arange(n_cubes), self.n_outputs_per_sample_)
        table["axis"] = np.tile(np.repeat(self.axes_, n_pos), n_cubes)
        table["position"] = np.tile(self.positions_, n_cubes * len(self.axes_))
        return SampleLocations(
            table,
            n_cells=self.n_cells_,
            sample_shape=(self.n_cells_, self.n_cells_),
            pixel_size=pixel_size,
        )

    def _check_cubes(self, X):
        return _check_cubes(X, "X", "CubeSlicer")
