"""Splitters that keep spatially related samples apart."""

import numbers

import numpy as np
from sklearn.model_selection import BaseCrossValidator

from ..preprocessing._slicing import SLICE_LOCATION_DTYPE

_IMAGE_AXES = {0: (1, 2), 1: (0, 2), 2: (0, 1)}


def sample_extents(locations, n_cells, sample_size=None):
    """Half-open 3-D extent [start, stop) of every slice or patch in its cube.

    Parameters
    ----------
    locations : structured ndarray
        Location table from :meth:`CubeSlicer.locations` (fields ``cube``, ``axis``,
        ``position``) or :meth:`PatchExtractor.locations` (plus ``row``, ``col``).
    n_cells : int
        Cube side.
    sample_size : int, default=None
        Patch side; required when the table has ``row``/``col`` fields.

    Returns
    -------
    start, stop : ndarray of shape (n_samples, 3)

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.model_selection import sample_extents
    >>> from skcosmo21.preprocessing import CubeSlicer
    >>> table = CubeSlicer(axes=2).fit(np.zeros((1, 4, 4, 4))).locations(1)
    >>> start, stop = sample_extents(table[:1], 4)
    >>> start.tolist(), stop.tolist()
    ([[0, 0, 0]], [[4, 4, 1]])
    """
    names = locations.dtype.names or ()
    missing = [name for name, _ in SLICE_LOCATION_DTYPE.descr if name not in names]
    if missing:
        raise ValueError(
            f"locations must be a location table with fields cube, axis, position "
            f"(from CubeSlicer/PatchExtractor.locations); missing {missing}"
        )
    n = len(locations)
    start = np.zeros((n, 3), dtype=np.int64)
    stop = np.full((n, 3), n_cells, dtype=np.int64)
    axis = locations["axis"].astype(np.int64)
    rows = np.arange(n)
    start[rows, axis] = locations["position"]
    stop[rows, axis] = locations["position"] + 1
    if "row" in names:
        if sample_size is None:
            raise ValueError("sample_size (the patch side) is needed for patch locations")
        for image_axis, field in enumerate(("row", "col")):
            cube_axis = np.array([_IMAGE_AXES[a][image_axis] for a in range(3)])[axis]
            start[rows, cube_axis] = locations[field]
            stop[rows, cube_axis] = locations[field] + sample_size
    return start, stop


def _circular_overlap(start, width, other_start, other_width, period):
    """Whether periodic intervals [start, start+width) and [other...) intersect."""
    if np.any(other_width >= period):
        return np.ones(np.broadcast(start, other_start).shape, dtype=bool)
    return ((start - other_start) % period < other_width) | ((other_start - start) % period < width)


class SpatialBlockKFold(BaseCrossValidator):
    """K-fold over 3-D blocks of the cubes, with a gap: for data from a single realization.

    Slices of one cube are near copies of their neighbours, and every cube of one
    initial-condition realization shares its large-scale structure. When all data come from
    one realization (the original study's situation) no group split exists; instead this
    splitter divides the cube volume into ``n_blocks`` blocks and, in fold k, tests on the
    samples that lie entirely inside block k (in every cube: the same region of space) and
    trains on the samples whose extent stays more than ``gap`` cells away from that block,
    with the cube's periodic boundaries taken into account. Samples that straddle the block
    edge or sit in the gap are used in neither set for that fold.

    Pass the location table of :func:`skcosmo21.datasets.make_slice_dataset` (or of
    :meth:`CubeSlicer.locations` / :meth:`PatchExtractor.locations`) as ``groups``.

    Which layouts give usable folds: a slice along axis a spans the whole cube along the two
    other axes, so it fits inside a block only if ``n_blocks`` is 1 along those axes — slices
    along axis 0 need ``n_blocks=(k, 1, 1)``. Slicing along several axes gives no usable fold
    unless the slices are cut into patches smaller than a block; when some fold would have no
    test or no training sample a ``ValueError`` says so.

    Parameters
    ----------
    n_cells : int
        Side of the cubes, in cells.
    n_blocks : tuple of 3 int, default=(4, 1, 1)
        Blocks along each cube axis; the number of folds is their product.
    gap : int, default=0
        Minimum distance in cells between any training sample and the test block.
    sample_size : int, default=None
        Patch side, needed when the locations have ``row``/``col`` (patches).

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.model_selection import SpatialBlockKFold
    >>> from skcosmo21.preprocessing import CubeSlicer
    >>> slicer = CubeSlicer(axes=0).fit(np.zeros((2, 16, 16, 16)))
    >>> locations = slicer.locations(2)
    >>> cv = SpatialBlockKFold(n_cells=16, n_blocks=(4, 1, 1), gap=2)
    >>> train, test = next(cv.split(np.zeros(32), groups=locations))
    >>> np.unique(locations["position"][test]).tolist()
    [0, 1, 2, 3]
    >>> np.unique(locations["position"][train]).tolist()  # 2-cell gap on both sides, periodic
    [6, 7, 8, 9, 10, 11, 12, 13]
    """

    # Consumes groups under metadata routing, as GroupKFold does.
    __metadata_request__split = {"groups": True}

    def __init__(self, n_cells, n_blocks=(4, 1, 1), gap=0, sample_size=None):
        self.n_cells = n_cells
        self.n_blocks = n_blocks
        self.gap = gap
        self.sample_size = sample_size

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds: one per block."""
        return int(np.prod(self._checked_blocks()))

    def _checked_blocks(self):
        blocks = tuple(self.n_blocks)
        if len(blocks) != 3 or any(
            not isinstance(b, numbers.Integral) or b < 1 or b > self.n_cells for b in blocks
        ):
            raise ValueError(f"n_blocks must be 3 integers in [1, n_cells], got {self.n_blocks}")
        if not isinstance(self.gap, numbers.Integral) or self.gap < 0:
            raise ValueError(f"gap must be a non-negative integer, got {self.gap!r}")
        return blocks

    def split(self, X, y=None, groups=None):
        """Generate (train, test) indices, one fold per block.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples (only their number is used).
        y : None
            Ignored.
        groups : structured ndarray
            The samples' location table.

        Yields
        ------
        train, test : ndarray of int
        """
        if groups is None:
            raise ValueError("SpatialBlockKFold needs the samples' location table passed as groups")
        locations = np.asarray(groups)
        if len(locations) != len(X):
            raise ValueError(f"groups has {len(locations)} rows but X has {len(X)} samples")
        start, stop = sample_extents(locations, self.n_cells, self.sample_size)
        width = stop - start
        edges = [
            np.linspace(0, self.n_cells, b + 1).round().astype(int) for b in self._checked_blocks()
        ]
        for block in np.ndindex(*self._checked_blocks()):
            low = np.array([edges[a][block[a]] for a in range(3)])
            high = np.array([edges[a][block[a] + 1] for a in range(3)])
            inside = np.all((start >= low) & (stop <= high), axis=1)
            near = np.ones(len(locations), dtype=bool)
            for a in range(3):
                near &= _circular_overlap(
                    start[:, a],
                    width[:, a],
                    low[a] - self.gap,
                    high[a] - low[a] + 2 * self.gap,
                    self.n_cells,
                )
            test, train = np.flatnonzero(inside), np.flatnonzero(~near)
            if not len(test) or not len(train):
                raise ValueError(
                    f"block {block} of n_blocks={tuple(self.n_blocks)} has "
                    f"{len(test)} test and {len(train)} training samples: slices along axis a "
                    "span the cube along the other two axes, so n_blocks must be 1 along "
                    "those (or cut the slices into patches smaller than a block), and the "
                    "gap must leave room for training data"
                )
            yield train, test

    def _iter_test_indices(self, X=None, y=None, groups=None):
        for _, test in self.split(X, y, groups):
            yield test
