"""Cutting images into square patches on a regular grid."""

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.utils.validation import check_is_fitted

from ..base import NDTransformer, SampleExpanderMixin, check_sample_stack, run_threaded
from ..utils._param_validation import Interval, validate_params
from ._locations import IMAGE_FIELD, PATCH_FIELDS, SampleLocations
from ._validation import MIN_SIDE, N_JOBS_CONSTRAINT, check_min_side


@validate_params(
    {
        "image_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "patch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "stride": [Interval(numbers.Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def patch_corners(image_size, patch_size, stride):
    """Top-left indices of the patches along one image axis.

    Parameters
    ----------
    image_size : int
        Pixels along the axis.
    patch_size : int
        Patch side.
    stride : int
        Distance between patch corners.

    Returns
    -------
    corners : ndarray of int

    Examples
    --------
    >>> from skcosmo21.preprocessing import patch_corners
    >>> patch_corners(200, 50, 50).tolist()
    [0, 50, 100, 150]
    """
    return _corners(image_size, patch_size, stride)


def _corners(image_size, patch_size, stride):
    if patch_size > image_size:
        raise ValueError(
            f"patch_size must be at most the side of the images ({image_size} pixels), got "
            f"{patch_size}"
        )
    return np.arange(0, image_size - patch_size + 1, stride)


@validate_params(
    {
        "images": ["array-like"],
        "patch_size": [Interval(numbers.Integral, MIN_SIDE, None, closed="left")],
        "stride": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def extract_patches(images, patch_size, stride=None, n_jobs=None):
    """Cut each image into ``patch_size`` × ``patch_size`` patches on a regular grid.

    Patches are ordered image-major, then by row, then by column of their top-left corner.
    Built from a strided view (a reshape for non-overlapping tiles, ``sliding_window_view``
    otherwise) with one copy into the output.

    Parameters
    ----------
    images : ndarray of shape (n_images, height, width)
        Images.
    patch_size : int
        Patch side in pixels.
    stride : int, default=None
        Distance between patch corners; ``patch_size`` (non-overlapping tiles) when None.
    n_jobs : int, default=None
        Threads that share the copy (None means 1, -1 all cores).

    Returns
    -------
    patches : ndarray of shape (n_images * n_patches, patch_size, patch_size)

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.preprocessing import extract_patches
    >>> extract_patches(np.zeros((2, 200, 200)), 50).shape  # the study's 16 tiles per slice
    (32, 50, 50)
    """
    images = check_min_side(check_sample_stack(images, 2, name="images"), "extract_patches")
    return _extract_patches(images, patch_size, stride, n_jobs)


def _extract_patches(images, patch_size, stride, n_jobs):
    """:func:`extract_patches` on validated images."""
    stride = patch_size if stride is None else stride
    rows = _corners(images.shape[1], patch_size, stride)
    cols = _corners(images.shape[2], patch_size, stride)
    n_images = images.shape[0]
    out = np.empty((n_images, len(rows), len(cols), patch_size, patch_size), images.dtype)
    chunk = max(1, n_images // 32)

    def windows(block):
        if stride == patch_size:
            # Non-overlapping tiles: a reshape view, whose inner rows are contiguous.
            height, width = len(rows) * patch_size, len(cols) * patch_size
            tiles = block[:, :height, :width].reshape(
                len(block), len(rows), patch_size, len(cols), patch_size
            )
            return tiles.transpose(0, 1, 3, 2, 4)
        view = sliding_window_view(block, (patch_size, patch_size), axis=(1, 2))
        return view[:, rows[0] : rows[-1] + 1 : stride, cols[0] : cols[-1] + 1 : stride]

    def copy_block(start):
        block = slice(start, start + chunk)
        out[block] = windows(images[block])

    run_threaded(copy_block, range(0, n_images, chunk), n_jobs)
    return out.reshape(-1, patch_size, patch_size)


class PatchExtractor(SampleExpanderMixin, NDTransformer):
    """Cut images (n, H, W) into patches (n * p, patch_size, patch_size) on a fixed grid.

    The transformer form of :func:`extract_patches`. The grid is deterministic (unlike
    scikit-learn's random ``PatchExtractor``), so every patch has a known location; composed
    after :class:`CubeSlicer`, :meth:`locations` gives each patch's cube, axis, position, row
    and column. With the defaults, 200 × 200 slices give the original study's 16 tiles of
    50 × 50.

    Parameters
    ----------
    patch_size : int, default=50
        Patch side in pixels.
    stride : int, default=None
        Distance between patch corners; ``patch_size`` (non-overlapping) when None.
    n_jobs : int, default=None
        Threads that share the copy (None means 1, -1 all cores).

    Attributes
    ----------
    image_shape_ : tuple of int
        (height, width) of the images seen in ``fit``.
    corners_ : ndarray of shape (n_patches, 2)
        Top-left (row, col) of each patch within an image.
    n_outputs_per_sample_ : int
        Patches per image.

    See Also
    --------
    extract_patches : The function behind this transformer.
    CubeSlicer : Make the images from cubes.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.preprocessing import PatchExtractor
    >>> images = np.zeros((2, 8, 8))
    >>> patcher = PatchExtractor(patch_size=4).fit(images)
    >>> patcher.transform(images).shape
    (8, 4, 4)
    >>> patcher.locations(1).table.tolist()
    [(0, 0, 0), (0, 0, 4), (0, 4, 0), (0, 4, 4)]
    """

    _sample_ndim = 2

    _parameter_constraints = {
        "patch_size": [Interval(numbers.Integral, MIN_SIDE, None, closed="left")],
        "stride": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, patch_size=50, stride=None, n_jobs=None):
        self.patch_size = patch_size
        self.stride = stride
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Validate the parameters against the image size.

        Parameters
        ----------
        X : ndarray of shape (n_images, height, width)
            Images.
        y : None
            Ignored.

        Returns
        -------
        self : PatchExtractor
        """
        self._validate_params()
        X = check_min_side(check_sample_stack(X, 2), "PatchExtractor")
        stride = self.patch_size if self.stride is None else self.stride
        rows = _corners(X.shape[1], self.patch_size, stride)
        cols = _corners(X.shape[2], self.patch_size, stride)
        self.image_shape_ = X.shape[1:]
        self.corners_ = np.stack(np.meshgrid(rows, cols, indexing="ij"), axis=-1).reshape(-1, 2)
        self.n_outputs_per_sample_ = len(self.corners_)
        self.n_samples_fit_ = len(X)
        return self

    def transform(self, X):
        """Cut the images into patches.

        Parameters
        ----------
        X : ndarray of shape (n_images, height, width)
            Images of the shape seen in ``fit``.

        Returns
        -------
        patches : ndarray of shape (n_images * ``n_outputs_per_sample_``, patch_size, patch_size)
        """
        check_is_fitted(self)
        X = check_sample_stack(X, 2)
        if X.shape[1:] != self.image_shape_:
            raise ValueError(
                f"PatchExtractor was fitted on images of shape {self.image_shape_}, "
                f"got {X.shape[1:]}"
            )
        return _extract_patches(X, self.patch_size, self.stride, self.n_jobs)

    def locations(self, images=None):
        """Where each patch comes from, on the grid of its images.

        Parameters
        ----------
        images : int, SampleLocations or structured ndarray, default=None
            The number of images passed to :meth:`transform` (the number seen in ``fit`` when
            None), or their locations (e.g. from :meth:`CubeSlicer.locations`), whose fields,
            cube side and pixel size carry over to each patch. A plain structured array
            (e.g. the locations of lightcone slices) gives a plain structured array back.

        Returns
        -------
        locations : SampleLocations or structured ndarray
            The images' fields (or ``image``, the image index) plus ``row`` and ``col`` of the
            patch corner in its image, aligned with :meth:`transform`'s output; as a
            :class:`SampleLocations` with ``sample_shape`` the patch shape, unless ``images``
            was a plain structured array.
        """
        check_is_fitted(self)
        images = self.n_samples_fit_ if images is None else images
        n_cells = pixel_size = None
        if isinstance(images, numbers.Integral) and not isinstance(images, bool):
            if images < 0:
                raise ValueError(f"the number of images must be non-negative, got {images}")
            parent = np.zeros(images, dtype=[(IMAGE_FIELD, np.int64)])
            parent[IMAGE_FIELD] = np.arange(images)
        elif isinstance(images, SampleLocations):
            if images.sample_shape != tuple(self.image_shape_):
                raise ValueError(
                    f"images: the locations describe samples of shape {images.sample_shape}, "
                    f"but PatchExtractor was fitted on images of shape "
                    f"{tuple(self.image_shape_)}; expected the locations of those images"
                )
            parent, n_cells, pixel_size = images.table, images.n_cells, images.pixel_size
        elif isinstance(images, np.ndarray) and images.dtype.names is not None:
            return self._patch_table(images)
        else:
            raise ValueError(
                "images must be a number of images or the locations of the images "
                f"(e.g. CubeSlicer.locations()); got {type(images).__name__}"
            )
        return SampleLocations(
            self._patch_table(parent),
            n_cells=n_cells,
            sample_shape=(self.patch_size, self.patch_size),
            pixel_size=pixel_size,
        )

    def _patch_table(self, parent):
        """The parent table's rows repeated for each patch, with the patch corners."""
        repeat = self.n_outputs_per_sample_
        names = [name for name in parent.dtype.names if name not in PATCH_FIELDS]
        dtype = [(name, parent.dtype[name]) for name in names]
        dtype += [(name, np.int32) for name in PATCH_FIELDS]
        table = np.empty(len(parent) * repeat, dtype=dtype)
        for name in names:
            table[name] = np.repeat(parent[name], repeat)
        for k, name in enumerate(PATCH_FIELDS):
            corner = np.tile(self.corners_[:, k], len(parent))
            # Patches of patches: corners add up to the position in the original image.
            offset = np.repeat(parent[name], repeat) if name in parent.dtype.names else 0
            table[name] = corner + offset
        return table
