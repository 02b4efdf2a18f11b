"""Splitters that keep spatially related samples apart."""

import numbers

import numpy as np
from sklearn.model_selection import BaseCrossValidator

from ..preprocessing import SampleLocations


def _circular_overlap(start, width, other_start, other_width, period):
    """Whether periodic intervals [start, start+width) and [other...) intersect."""
    if np.any(other_width >= period):
        return np.ones(np.broadcast(start, other_start).shape, dtype=bool)
    return ((start - other_start) % period < other_width) | ((other_start - start) % period < width)


def _checked_blocks(n_blocks, n_cells):
    expected = (
        "n_blocks must be 3 integers, the number of blocks along cube axes 0, 1 and 2, each "
        f"in [1, n_cells={n_cells}], e.g. (4, 1, 1)"
    )
    try:
        blocks = tuple(n_blocks)
    except TypeError:
        raise ValueError(f"{expected}; got {n_blocks!r}") from None
    if len(blocks) != 3 or not all(
        isinstance(b, numbers.Integral) and not isinstance(b, bool) and 1 <= b <= n_cells
        for b in blocks
    ):
        raise ValueError(f"{expected}; got {n_blocks!r}")
    return tuple(int(b) for b in blocks)


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

    The splitter takes the samples' locations as its first argument, as scikit-learn's
    ``PredefinedSplit`` takes its ``test_fold``, rather than through ``split(groups=...)``:
    a location table is not group labels (``GroupKFold`` given one would put every cube on
    both sides of every split, so :class:`~skcosmo21.preprocessing.SampleLocations` refuses
    to be used as groups), and the geometry comes with it: the cube side and the sample
    shape are read from the locations, so a grid that does not cover the data or a patch
    size that understates the samples' extent (and lets training samples overlap test
    samples across the gap) cannot be given. It works unchanged in ``cross_val_score``,
    ``GridSearchCV`` and friends, with or without metadata routing; ``split`` checks that
    ``X`` has one sample per location.

    Which layouts give usable folds: a slice along axis a spans the whole cube along the two
    other axes, so it fits inside a block only if ``n_blocks`` is 1 along those axes — slices
    along axis 0 need ``n_blocks=(k, 1, 1)``. Slicing along several axes gives no usable fold
    unless the slices are cut into patches smaller than a block; when some fold would have no
    test or no training sample a ``ValueError`` says so.

    Parameters
    ----------
    locations : SampleLocations
        Where each sample comes from, e.g. ``data.locations`` of
        :func:`~skcosmo21.datasets.make_slice_dataset` (or a subset of it, aligned with the
        ``X`` that will be split).
    n_blocks : tuple of 3 int, default=(4, 1, 1)
        Blocks along each cube axis; the number of folds is their product.
    gap : int, default=0
        Minimum distance in cells between any training sample and the test block.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.model_selection import SpatialBlockKFold
    >>> from skcosmo21.preprocessing import CubeSlicer
    >>> locations = CubeSlicer(axes=0).fit(np.zeros((2, 16, 16, 16))).locations()
    >>> cv = SpatialBlockKFold(locations, n_blocks=(4, 1, 1), gap=2)
    >>> train, test = next(cv.split(np.zeros(32)))
    >>> np.unique(locations["position"][test]).tolist()
    [0, 1, 2, 3]
    >>> np.unique(locations["position"][train]).tolist()  # 2-cell gap on both sides, periodic
    [6, 7, 8, 9, 10, 11, 12, 13]
    """

    def __init__(self, locations, n_blocks=(4, 1, 1), gap=0):
        if not isinstance(locations, SampleLocations):
            raise TypeError(
                "locations must be the samples' SampleLocations (data.locations of "
                f"make_slice_dataset, or CubeSlicer/PatchExtractor.locations()); got "
                f"{type(locations).__name__}"
            )
        if not locations.from_cubes:
            raise ValueError(
                "SpatialBlockKFold needs locations of slices of cubes (fields cube, axis, "
                f"position); got fields {locations.fields}"
            )
        self.locations = locations
        self.n_blocks = _checked_blocks(n_blocks, locations.n_cells)
        if isinstance(gap, bool) or not isinstance(gap, numbers.Integral) or gap < 0:
            raise ValueError(f"gap must be a non-negative integer (cells), got {gap!r}")
        self.gap = int(gap)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds: one per block.

        Parameters
        ----------
        X, y, groups : object
            Ignored, present for API compatibility.

        Returns
        -------
        n_splits : int
        """
        return int(np.prod(self.n_blocks))

    def split(self, X, y=None, groups=None):
        """Generate (train, test) indices, one fold per block.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples, one per location (only their number is used).
        y : object
            Ignored.
        groups : object
            Ignored: the splitter reads the locations given to it.

        Yields
        ------
        train, test : ndarray of int
        """
        try:
            n_samples = len(X)
        except TypeError:
            raise ValueError(
                f"X must be an array-like of samples, one per location; got {type(X).__name__}"
            ) from None
        if n_samples != len(self.locations):
            raise ValueError(
                f"X must have one sample per location ({len(self.locations)}), got "
                f"{n_samples}: give SpatialBlockKFold the locations of exactly these samples "
                "(e.g. data.locations[mask] for data.X[mask])"
            )
        n_cells = self.locations.n_cells
        start, stop = self.locations.extents()
        width = stop - start
        edges = [np.linspace(0, n_cells, b + 1).round().astype(int) for b in self.n_blocks]
        for block in np.ndindex(*self.n_blocks):
            low = np.array([edges[a][block[a]] for a in range(3)])
            high = np.array([edges[a][block[a] + 1] for a in range(3)])
            inside = np.all((start >= low) & (stop <= high), axis=1)
            near = np.ones(len(start), dtype=bool)
            for a in range(3):
                near &= _circular_overlap(
                    start[:, a],
                    width[:, a],
                    low[a] - self.gap,
                    high[a] - low[a] + 2 * self.gap,
                    n_cells,
                )
            test, train = np.flatnonzero(inside), np.flatnonzero(~near)
            if not len(test) or not len(train):
                raise ValueError(
                    f"block {block} of n_blocks={self.n_blocks} has {len(test)} test and "
                    f"{len(train)} training samples: slices along axis a span the cube along "
                    "the other two axes, so n_blocks must be 1 along those (or cut the slices "
                    "into patches smaller than a block), and the gap must leave room for "
                    "training data"
                )
            yield train, test

    def _iter_test_indices(self, X=None, y=None, groups=None):
        for _, test in self.split(X, y, groups):
            yield test

    def __repr__(self):
        return (
            f"SpatialBlockKFold(locations=<{len(self.locations)} samples, n_cells="
            f"{self.locations.n_cells}>, n_blocks={self.n_blocks}, gap={self.gap})"
        )
