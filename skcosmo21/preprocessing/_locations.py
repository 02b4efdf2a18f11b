"""Where every slice or patch of a dataset comes from, together with the grid it lives on."""

import numbers

import numpy as np

#: Fields of a location table of slices cut from cubes: which cube, along which axis, where.
SLICE_FIELDS = ("cube", "axis", "position")
#: Fields added by patch extraction: the top-left corner of the patch in its image.
PATCH_FIELDS = ("row", "col")
#: Field of a location table of images that did not come from cubes.
IMAGE_FIELD = "image"

#: Cube axes spanned by the rows and the columns of a slice cut along each axis.
IMAGE_AXES = {0: (1, 2), 1: (0, 2), 2: (0, 1)}

_NOT_GROUPS = (
    "groups must be group labels, not a location table (SampleLocations): pass data.groups, and "
    "give the locations to the splitter that reads them, SpatialBlockKFold(data.locations, ...); "
    "locations.table is the plain structured array"
)


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class SampleLocations:
    """Where each sample of a dataset comes from, and the grid it lives on.

    A table with one row per slice or patch (fields ``cube``, ``axis``, ``position`` and, for
    patches, ``row`` and ``col``) that also knows the side of the cubes (``n_cells``), the
    shape of every sample and the pixel size. Steps that need geometry read it from here, so
    no number is typed twice: :class:`~skcosmo21.model_selection.SpatialBlockKFold` takes the
    locations themselves, :class:`~skcosmo21.feature_extraction.PowerSpectrum2D` takes
    ``pixel_size``.

    Made by :meth:`CubeSlicer.locations`, :meth:`PatchExtractor.locations` and
    :func:`~skcosmo21.datasets.make_slice_dataset`; rarely built by hand.

    It behaves like a 1-D array of samples where scikit-learn needs one: ``len``, ``shape``
    and indexing by slices, integer or boolean arrays return a new table with the same grid,
    so it can be passed as a fit parameter through ``cross_validate`` and ``GridSearchCV``,
    which index it with each fold's samples. A string gives a field as a read-only array,
    an integer one row. It refuses to be turned into a plain array: a location table is not
    group labels, and passing it as ``groups`` to ``GroupKFold`` would put every cube on both
    sides of every split.

    Parameters
    ----------
    table : structured ndarray of shape (n_samples,)
        Fields ``cube``, ``axis``, ``position`` (slices of cubes) and optionally ``row``,
        ``col`` (patches of them); or ``image``, ``row``, ``col`` (patches of images that did
        not come from cubes).
    n_cells : int, default=None
        Side of the cubes in cells; None for images that did not come from cubes.
    sample_shape : tuple of 2 int
        (height, width) of every sample in pixels.
    pixel_size : float, default=None
        Side of a pixel (a cube cell) in Mpc; None when unknown.

    Attributes
    ----------
    n_cells : int or None
        Side of the cubes in cells.
    sample_shape : tuple of int
        (height, width) of every sample in pixels.
    pixel_size : float or None
        Mpc per pixel; slicing and patching do not change it.
    fields : tuple of str
        Names of the table's fields.
    shape : tuple of int
        ``(n_samples,)``.

    See Also
    --------
    CubeSlicer.locations, PatchExtractor.locations : Make the tables.
    skcosmo21.model_selection.SpatialBlockKFold : Splits that read them.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.preprocessing import CubeSlicer, PatchExtractor
    >>> cubes = np.zeros((2, 8, 8, 8))
    >>> slicer = CubeSlicer(axes=0, step=4).fit(cubes)
    >>> slices = slicer.locations(2, pixel_size=1.5)
    >>> slices
    SampleLocations(n_samples=4, n_cells=8, sample_shape=(8, 8), pixel_size=1.5, fields=(cube, axis, position))
    >>> slices["position"].tolist()
    [0, 4, 0, 4]
    >>> patches = PatchExtractor(patch_size=4).fit(np.zeros((1, 8, 8))).locations(slices)
    >>> len(patches), patches.sample_shape, patches.pixel_size
    (16, (4, 4), 1.5)
    >>> patches[patches["cube"] == 1].shape
    (8,)
    """  # noqa: E501 (the repr is one line)

    def __init__(self, table, *, n_cells=None, sample_shape, pixel_size=None):
        table = np.asarray(table)
        if table.dtype.names is None or table.ndim != 1:
            raise ValueError(
                "table must be a 1-D structured array with fields cube, axis, position "
                f"[, row, col] or image, row, col; got dtype {table.dtype} and shape {table.shape}"
            )
        n_cells = None if n_cells is None else _positive_int(n_cells, "n_cells")
        try:
            height, width = sample_shape
        except (TypeError, ValueError):
            raise ValueError(
                f"sample_shape must be (height, width), got {sample_shape!r}"
            ) from None
        sample_shape = (
            _positive_int(height, "sample_shape[0]"),
            _positive_int(width, "sample_shape[1]"),
        )
        if pixel_size is not None:
            if isinstance(pixel_size, bool) or not isinstance(pixel_size, numbers.Real):
                raise ValueError(f"pixel_size must be a positive number, got {pixel_size!r}")
            if not (np.isfinite(pixel_size) and pixel_size > 0):
                raise ValueError(f"pixel_size must be a positive number, got {pixel_size!r}")
            pixel_size = float(pixel_size)
        table = table.copy()
        table.setflags(write=False)
        self._set(table, n_cells, sample_shape, pixel_size)
        self._check_grid()

    @classmethod
    def _subset(cls, parent, table):
        """A table on the parent's grid, without re-checking rows that were already checked."""
        if table.flags.writeable:
            table.setflags(write=False)
        locations = cls.__new__(cls)
        locations._set(table, parent._n_cells, parent._sample_shape, parent._pixel_size)
        return locations

    def _set(self, table, n_cells, sample_shape, pixel_size):
        self._table = table
        self._n_cells = n_cells
        self._sample_shape = sample_shape
        self._pixel_size = pixel_size

    def _check_grid(self):
        names = set(self.fields)
        from_cubes = set(SLICE_FIELDS) <= names
        if not from_cubes:
            if names != {IMAGE_FIELD, *PATCH_FIELDS}:
                raise ValueError(
                    "table must have fields cube, axis, position [, row, col] or image, row, "
                    f"col; got {self.fields}"
                )
            if self._n_cells is not None:
                raise ValueError(
                    "n_cells must be None for patches of images (it is the side of the cubes "
                    f"that slices come from), got {self._n_cells}"
                )
            return
        if self._n_cells is None:
            raise ValueError("n_cells (the side of the cubes) must be given for slices of cubes")
        n = self._n_cells
        if len(self) and not np.isin(self._table["axis"], (0, 1, 2)).all():
            raise ValueError("table: axis must be 0, 1 or 2 in every row")
        position = self._table["position"]
        if len(self) and (position.min() < 0 or position.max() >= n):
            raise ValueError(
                f"table: positions must lie in [0, n_cells={n}); got positions from "
                f"{position.min()} to {position.max()}"
            )
        if not set(PATCH_FIELDS) <= names:
            if self._sample_shape != (n, n):
                raise ValueError(
                    f"sample_shape must be ({n}, {n}) for slices of cubes of side n_cells={n}, "
                    f"got {self._sample_shape}"
                )
            return
        for field, side in zip(PATCH_FIELDS, self._sample_shape, strict=True):
            corner = self._table[field]
            if len(self) and (corner.min() < 0 or corner.max() + side > n):
                raise ValueError(
                    f"table: patches of {side} pixels must fit in cubes of side n_cells={n}; "
                    f"got {field} {corner.min()}..{corner.max()}"
                )

    @property
    def n_cells(self):
        """Side of the cubes in cells (None for images that did not come from cubes)."""
        return self._n_cells

    @property
    def sample_shape(self):
        """(height, width) of every sample in pixels."""
        return self._sample_shape

    @property
    def pixel_size(self):
        """Side of a pixel in Mpc (None when unknown)."""
        return self._pixel_size

    @property
    def fields(self):
        """Names of the table's fields."""
        return self._table.dtype.names

    @property
    def shape(self):
        """``(n_samples,)``, as for a 1-D array of samples."""
        return (len(self._table),)

    @property
    def table(self):
        """A copy of the table as a plain structured array (e.g. for ``pandas.DataFrame``)."""
        return self._table.copy()

    @property
    def from_cubes(self):
        """Whether the samples are slices (or patches of slices) of cubes."""
        return set(SLICE_FIELDS) <= set(self.fields)

    def __len__(self):
        return len(self._table)

    def __iter__(self):
        return iter(self._table)

    def __getitem__(self, key):
        if isinstance(key, str):
            return self._table[key]
        # scikit-learn's _safe_indexing indexes arrays as ``array[key, ...]``.
        if isinstance(key, tuple) and len(key) == 2 and key[1] is Ellipsis:
            key = key[0]
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            return self._table[key]
        if isinstance(key, list) and all(isinstance(k, str) for k in key) and key:
            raise KeyError("select one field at a time, e.g. locations['cube']")
        return SampleLocations._subset(self, np.atleast_1d(self._table[key]))

    def __array__(self, dtype=None, copy=None):
        raise TypeError(_NOT_GROUPS)

    def __repr__(self):
        return (
            f"SampleLocations(n_samples={len(self)}, n_cells={self._n_cells}, "
            f"sample_shape={self._sample_shape}, pixel_size={self._pixel_size}, "
            f"fields=({', '.join(self.fields)}))"
        )

    def extents(self):
        """Half-open 3-D extent [start, stop) of every sample in its cube, in cells.

        A slice along axis a at position p spans [p, p + 1) along a and the whole cube along
        the other two axes; a patch narrows those two to its rows and columns (the first and
        second of the remaining cube axes).

        Returns
        -------
        start, stop : ndarray of shape (n_samples, 3)

        Examples
        --------
        >>> import numpy as np
        >>> from skcosmo21.preprocessing import CubeSlicer
        >>> locations = CubeSlicer(axes=2).fit(np.zeros((1, 4, 4, 4))).locations(1)
        >>> start, stop = locations[:1].extents()
        >>> start.tolist(), stop.tolist()
        ([[0, 0, 0]], [[4, 4, 1]])
        """
        if not self.from_cubes:
            raise ValueError("these locations are patches of images, not of cubes: no 3-D extent")
        n = len(self)
        start = np.zeros((n, 3), dtype=np.int64)
        stop = np.full((n, 3), self._n_cells, dtype=np.int64)
        axis = self._table["axis"].astype(np.int64)
        rows = np.arange(n)
        start[rows, axis] = self._table["position"]
        stop[rows, axis] = self._table["position"] + 1
        if set(PATCH_FIELDS) <= set(self.fields):
            for image_axis, field in enumerate(PATCH_FIELDS):
                cube_axis = np.array([IMAGE_AXES[a][image_axis] for a in range(3)])[axis]
                start[rows, cube_axis] = self._table[field]
                stop[rows, cube_axis] = self._table[field] + self._sample_shape[image_axis]
        return start, stop
