"""Cutting lightcones (n, N, N, n_los) into labelled 2-D images."""

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..base import NDTransformer, SampleExpanderMixin, check_sample_stack, run_threaded
from ..utils import Interval, StrOptions, validate_params
from ._validation import N_JOBS_CONSTRAINT, check_min_side

__all__ = ["LIGHTCONE_LOCATION_DTYPE", "LightconeSlicer", "slice_lightcones"]

#: dtype of the location tables: which lightcone, the axis cut along (2: a transverse slice
#: at line-of-sight cell ``position``; 0 or 1: a line-of-sight image at transverse index
#: ``position`` of that axis) and the line-of-sight cells [los_start, los_stop) it covers.
LIGHTCONE_LOCATION_DTYPE = np.dtype(
    [
        ("lightcone", np.int64),
        ("axis", np.int8),
        ("position", np.int32),
        ("los_start", np.int32),
        ("los_stop", np.int32),
    ]
)

_KINDS = ("transverse", "line_of_sight")


def _check_lightcones(X, name="X"):
    if hasattr(X, "ndim") and X.ndim != 4:
        raise ValueError(
            f"{name} must be a stack of lightcones (n_lightcones, N, N, n_los); got an array "
            f"of shape {X.shape}"
        )
    X = check_sample_stack(X, 3, name=name)
    if X.shape[1] != X.shape[2]:
        raise ValueError(
            f"{name} must have a square transverse grid (N, N, n_los); got lightcones of "
            f"shape {X.shape[1:]}"
        )
    return check_min_side(X, "LightconeSlicer", n_axes=2)


def _normalized_axes(axes):
    if isinstance(axes, str):
        if axes != "all":
            raise ValueError(f"axes must be 'all', 0, 1 or (0, 1), got {axes!r}")
        return (0, 1)
    axes = (axes,) if isinstance(axes, Integral) and not isinstance(axes, bool) else axes
    valid = (
        isinstance(axes, tuple)
        and axes
        and all(isinstance(a, Integral) and not isinstance(a, bool) for a in axes)
        and all(a in (0, 1) for a in axes)
        and len(set(axes)) == len(axes)
    )
    if not valid:
        raise ValueError(f"axes must be 'all', 0, 1 or a tuple of distinct 0 and 1, got {axes!r}")
    return tuple(int(a) for a in axes)


def _layout(n_cells, n_los, kind, step, offset, width, stride, axes):
    """Axes, positions, window starts and window width of one lightcone's images."""
    axes = _normalized_axes(axes)
    if kind == "transverse":
        if not 0 <= offset < n_los:
            raise ValueError(
                f"offset must be in [0, {n_los}) for lightcones of {n_los} line-of-sight "
                f"cells, got {offset}"
            )
        return (2,), np.arange(offset, n_los, step), None, 1
    if kind != "line_of_sight":
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    width = n_cells if width is None else width
    if width > n_los:
        raise ValueError(
            f"width must be at most the lightcones' {n_los} line-of-sight cells, got {width}"
        )
    if not 0 <= offset < n_cells:
        raise ValueError(
            f"offset must be in [0, {n_cells}) for lightcones of {n_cells} transverse cells, "
            f"got {offset}"
        )
    starts = np.arange(0, n_los - width + 1, width if stride is None else stride)
    return axes, np.arange(offset, n_cells, step), starts, width


_SLICING_CONSTRAINTS = {
    "kind": [StrOptions(set(_KINDS))],
    "step": [Interval(Integral, 1, None, closed="left")],
    "offset": [Interval(Integral, 0, None, closed="left")],
    "width": [Interval(Integral, 1, None, closed="left"), None],
    "stride": [Interval(Integral, 1, None, closed="left"), None],
    "axes": [StrOptions({"all"}), Interval(Integral, 0, 1, closed="both"), tuple],
    "n_jobs": N_JOBS_CONSTRAINT,
}


@validate_params(
    {"lightcones": ["array-like"], **_SLICING_CONSTRAINTS}, prefer_skip_nested_validation=True
)
def slice_lightcones(
    lightcones,
    kind="transverse",
    *,
    step=1,
    offset=0,
    width=None,
    stride=None,
    axes="all",
    n_jobs=None,
):
    """Cut every lightcone into 2-D images: transverse slices or line-of-sight windows.

    Output order is lightcone-major. ``kind="transverse"`` gives, for line-of-sight cells
    ``k = offset, offset + step, ...``, the N × N image ``lightcone[:, :, k]`` (one
    redshift). ``kind="line_of_sight"`` gives, for each transverse axis in ``axes``, each
    transverse index ``p = offset, offset + step, ...`` along it and each window start ``s =
    0, stride, 2 stride, ...``, the N × ``width`` image ``lightcone[p, :, s:s + width]``
    (axis 0) or ``lightcone[:, p, s:s + width]`` (axis 1): rows are the other transverse
    axis, columns the line of sight with redshift increasing to the right. Cells past the
    last whole window are not used.

    Parameters
    ----------
    lightcones : ndarray of shape (n_lightcones, N, N, n_los)
        Lightcones, line of sight last (a cube is a lightcone with n_los = N).
    kind : {"transverse", "line_of_sight"}, default="transverse"
        Which images to cut.
    step : int, default=1
        Distance in cells between successive transverse slices (along the line of sight)
        or between the transverse indices of line-of-sight images.
    offset : int, default=0
        First of those indices.
    width : int, default=None
        Line-of-sight cells per window (``kind="line_of_sight"``); None means N, square
        images.
    stride : int, default=None
        Distance between window starts; None means ``width`` (adjacent windows).
    axes : "all", 0, 1 or tuple, default="all"
        Transverse axes held fixed by line-of-sight images ("all": 0 and 1).
    n_jobs : int, default=None
        Threads that share the copy (None means 1, -1 all cores).

    Returns
    -------
    images : ndarray of shape (n_images, N, N) or (n_images, N, width)

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.preprocessing import slice_lightcones
    >>> lightcones = np.zeros((2, 4, 4, 10))
    >>> slice_lightcones(lightcones, step=5).shape
    (4, 4, 4)
    >>> slice_lightcones(lightcones, "line_of_sight", width=5, axes=0).shape
    (16, 4, 5)
    """
    lightcones = _check_lightcones(lightcones, "lightcones")
    return _slice_lightcones(lightcones, kind, step, offset, width, stride, axes, n_jobs)


def _slice_lightcones(lightcones, kind, step, offset, width, stride, axes, n_jobs):
    """:func:`slice_lightcones` on validated lightcones."""
    n, n_cells, _, n_los = lightcones.shape
    axes, positions, starts, width = _layout(
        n_cells, n_los, kind, step, offset, width, stride, axes
    )
    if kind == "transverse":
        out = np.empty((n, len(positions), n_cells, n_cells), dtype=lightcones.dtype)

        def copy_one(i):
            out[i] = np.moveaxis(lightcones[i, :, :, offset::step], 2, 0)

        run_threaded(copy_one, range(n), n_jobs)
        return out.reshape(-1, n_cells, n_cells)
    shape = (n, len(axes), len(positions), len(starts), n_cells, width)
    out = np.empty(shape, dtype=lightcones.dtype)
    selected = slice(offset, None, step)

    def copy_windows(i):
        for a, axis in enumerate(axes):
            for w, start in enumerate(starts):
                window = lightcones[i, :, :, start : start + width]
                if axis == 0:
                    out[i, a, :, w] = window[selected]
                else:
                    out[i, a, :, w] = np.moveaxis(window[:, selected], 1, 0)

    run_threaded(copy_windows, range(n), n_jobs)
    return out.reshape(-1, n_cells, width)


class LightconeSlicer(SampleExpanderMixin, NDTransformer):
    """Cut lightcones (n, N, N, n_los) into 2-D images, each at its own redshift.

    The transformer form of :func:`slice_lightcones`: transverse N × N slices at chosen
    line-of-sight cells, or N × ``width`` windows along the line of sight. Every image of a
    lightcone has its own redshift, so besides :meth:`expand` (per-lightcone values: targets,
    groups) it offers :meth:`expand_los`, which takes per-line-of-sight-cell values (the
    redshift, the global neutral fraction) to the value at each image's line-of-sight centre;
    :meth:`locations` tells where each image came from.
    :func:`skcosmo21.datasets.make_lightcone_dataset` does all of it for a loaded lightcone.

    Parameters
    ----------
    kind : {"transverse", "line_of_sight"}, default="transverse"
        Transverse slices (axis 2 fixed) or line-of-sight windows (axis 0 or 1 fixed).
    step : int, default=1
        Distance in cells between successive slices: along the line of sight for transverse
        slices, across it for line-of-sight images.
    offset : int, default=0
        Index of the first slice.
    width : int, default=None
        Line-of-sight cells per window; None means N (square images).
    stride : int, default=None
        Distance between window starts; None means ``width``.
    axes : "all", 0, 1 or tuple, default="all"
        Transverse axes that line-of-sight images are cut along.
    n_jobs : int, default=None
        Threads that share the copy (None means 1, -1 all cores).

    Attributes
    ----------
    n_cells_ : int
        Transverse side N of the lightcones seen in ``fit``.
    n_los_ : int
        Their number of line-of-sight cells.
    axes_ : tuple of int
        Axis each group of images is cut along: (2,) for transverse slices.
    positions_ : ndarray of int
        Indices along that axis.
    window_starts_ : ndarray of int
        First line-of-sight cell of each window (``positions_`` for transverse slices).
    width_ : int
        Line-of-sight cells per image (1 for transverse slices).
    los_centres_ : ndarray of float
        Line-of-sight centre (in cells) of every image of one lightcone, in output order.
    n_outputs_per_sample_ : int
        Images per lightcone.

    See Also
    --------
    slice_lightcones : The function behind this transformer.
    CubeSlicer : The same for coeval cubes.
    skcosmo21.datasets.load_lightcone : Read py21cmfast lightcones.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.preprocessing import LightconeSlicer
    >>> lightcones = np.random.default_rng(0).normal(size=(2, 4, 4, 12))
    >>> redshift = np.linspace(7.0, 8.1, 12)
    >>> slicer = LightconeSlicer(kind="line_of_sight", width=4, axes=0, step=2).fit(lightcones)
    >>> slicer.transform(lightcones).shape
    (12, 4, 4)
    >>> slicer.locations(2)[:2].tolist()
    [(0, 0, 0, 0, 4), (0, 0, 0, 4, 8)]
    >>> slicer.expand_los(redshift, n_lightcones=2)[:3].round(2).tolist()
    [7.15, 7.55, 7.95]
    >>> slicer.expand([0, 1])[:8].tolist()
    [0, 0, 0, 0, 0, 0, 1, 1]
    """

    _sample_ndim = 3

    _parameter_constraints = _SLICING_CONSTRAINTS

    def __init__(
        self,
        kind="transverse",
        step=1,
        offset=0,
        width=None,
        stride=None,
        axes="all",
        n_jobs=None,
    ):
        self.kind = kind
        self.step = step
        self.offset = offset
        self.width = width
        self.stride = stride
        self.axes = axes
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Validate the parameters and remember the lightcone geometry.

        Parameters
        ----------
        X : ndarray of shape (n_lightcones, N, N, n_los)
            Lightcones, line of sight last.
        y : None
            Ignored.

        Returns
        -------
        self : LightconeSlicer
        """
        self._validate_params()
        X = _check_lightcones(X)
        self.n_cells_, self.n_los_ = X.shape[1], X.shape[3]
        axes, positions, starts, width = _layout(
            self.n_cells_,
            self.n_los_,
            self.kind,
            self.step,
            self.offset,
            self.width,
            self.stride,
            self.axes,
        )
        self.axes_, self.positions_, self.width_ = axes, positions, width
        if self.kind == "transverse":
            self.window_starts_ = positions
            self.los_centres_ = positions.astype(float)
        else:
            self.window_starts_ = starts
            centres = starts + (width - 1) / 2.0
            self.los_centres_ = np.tile(centres, len(axes) * len(positions))
        self.n_outputs_per_sample_ = len(self.los_centres_)
        self.n_samples_fit_ = len(X)
        return self

    def transform(self, X):
        """Cut the lightcones.

        Parameters
        ----------
        X : ndarray of shape (n_lightcones, N, N, n_los)
            Lightcones of the geometry seen in ``fit``.

        Returns
        -------
        images : ndarray of shape (n_lightcones * ``n_outputs_per_sample_``, N, N or width)
        """
        check_is_fitted(self)
        X = _check_lightcones(X)
        if (X.shape[1], X.shape[3]) != (self.n_cells_, self.n_los_):
            raise ValueError(
                f"LightconeSlicer was fitted on lightcones of shape "
                f"{(self.n_cells_, self.n_cells_, self.n_los_)}, got {X.shape[1:]}"
            )
        return _slice_lightcones(
            X, self.kind, self.step, self.offset, self.width, self.stride, self.axes, self.n_jobs
        )

    def expand_los(self, values, n_lightcones=None):
        """Per-line-of-sight-cell values at the line-of-sight centre of every output image.

        A transverse slice takes the value of its cell; a window takes the value at its
        centre, interpolated linearly between the two middle cells when ``width`` is even.

        Parameters
        ----------
        values : array-like of shape (n_lightcones, n_los) or (n_los,)
            One value per line-of-sight cell, per lightcone or shared by all (e.g.
            ``los_redshift``).
        n_lightcones : int, default=None
            Number of lightcones passed to :meth:`transform`, needed for shared values.

        Returns
        -------
        expanded : ndarray of shape (n_lightcones * ``n_outputs_per_sample_``,)
        """
        check_is_fitted(self)
        n_lightcones = _count(n_lightcones, "n_lightcones", optional=True)
        try:
            values = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"values must be numbers, one per line-of-sight cell; got {str(values)[:60]}"
            ) from None
        if values.ndim == 1:
            if n_lightcones is None:
                raise ValueError("values shared by all lightcones need n_lightcones")
            values = np.broadcast_to(values, (n_lightcones, len(values)))
        if values.ndim != 2 or values.shape[1] != self.n_los_:
            raise ValueError(
                f"values must have one entry per line-of-sight cell ({self.n_los_}), per "
                f"lightcone or shared; got shape {values.shape}"
            )
        if n_lightcones is not None and len(values) != n_lightcones:
            raise ValueError(f"values has {len(values)} rows for {n_lightcones} lightcones")
        cells = np.arange(self.n_los_)
        if not len(values):
            return np.empty(0)
        return np.concatenate([np.interp(self.los_centres_, cells, row) for row in values])

    def locations(self, n_lightcones):
        """Where each output image comes from.

        Parameters
        ----------
        n_lightcones : int
            Number of lightcones passed to :meth:`transform`.

        Returns
        -------
        locations : structured ndarray
            Fields ``lightcone``, ``axis`` (2 for transverse slices, 0 or 1 for line-of-sight
            images), ``position`` (the index along ``axis``), ``los_start`` and ``los_stop``
            (the line-of-sight cells covered), aligned with :meth:`transform`'s output.
        """
        check_is_fitted(self)
        n_lightcones = _count(n_lightcones, "n_lightcones")
        per = self.n_outputs_per_sample_
        one = np.empty(per, dtype=LIGHTCONE_LOCATION_DTYPE)
        if self.kind == "transverse":
            one["axis"] = 2
            one["position"] = self.positions_
            one["los_start"] = self.positions_
        else:
            n_pos, n_win = len(self.positions_), len(self.window_starts_)
            one["axis"] = np.repeat(self.axes_, n_pos * n_win)
            one["position"] = np.tile(np.repeat(self.positions_, n_win), len(self.axes_))
            one["los_start"] = np.tile(self.window_starts_, len(self.axes_) * n_pos)
        one["los_stop"] = one["los_start"] + self.width_
        table = np.tile(one, n_lightcones)
        table["lightcone"] = np.repeat(np.arange(n_lightcones), per)
        return table


def _count(value, name, optional=False):
    """A non-negative integer count (or None when ``optional``), else a clear error."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)
