"""Exact symmetries of slices of periodic coeval boxes, drawn at random for augmentation.

A coeval box is one period of a statistically homogeneous field, so a whole slice of it keeps
its statistics under periodic shifts and reflections. Rotations by 90° (and the transposition)
also do when both image axes are transverse to the line of sight: redshift-space distortions
stretch the field along the line of sight only, so for a slice that contains the line of
sight the two image axes are not equivalent. With :class:`~skcosmo21.preprocessing.CubeSlicer`
a slice along cube axis ``a`` has the two other cube axes as image axes, so only slices along
the line-of-sight axis (axis 2 of 21cmFAST and of our simulator) are rotated.

Only whole slices are periodic: a patch cut from a slice is not, and shifting it would move a
real edge into its interior.
"""

import numpy as np

#: Axis of the cube along which redshift-space distortions act (21cmFAST's and our simulator's).
LINE_OF_SIGHT_AXIS = 2


def rotatable_slices(locations, n_samples, line_of_sight_axis=LINE_OF_SIGHT_AXIS):
    """Which samples may be rotated by 90°: slices taken along the line of sight.

    Parameters
    ----------
    locations : object or None
        Anything with ``len`` and field access ``locations["axis"]`` giving the cube axis
        along which each sample was sliced (e.g. ``make_slice_dataset(...).locations``); None
        when unknown, in which case no sample is rotated.
    n_samples : int
        Number of samples the locations must describe.
    line_of_sight_axis : int, default=2
        Cube axis of the line of sight.

    Returns
    -------
    rotatable : ndarray of bool of shape (n_samples,)
    """
    if locations is None:
        return np.zeros(n_samples, bool)
    if len(locations) != n_samples:
        raise ValueError(f"locations has {len(locations)} entries but X has {n_samples} samples")
    try:
        axes = np.asarray(locations["axis"])
    except (KeyError, ValueError, TypeError, IndexError) as error:
        raise ValueError(
            "locations must give each sample's slice axis as locations['axis'] (the locations "
            f"of make_slice_dataset); got {type(locations).__name__} without it ({error})"
        ) from None
    if axes.shape != (n_samples,) or axes.dtype.kind not in "iu":
        raise ValueError(
            f"locations['axis'] must hold one integer cube axis per sample, got shape "
            f"{axes.shape} and dtype {axes.dtype}"
        )
    return axes == line_of_sight_axis


def random_symmetries(X, rotatable, rng):
    """Apply to each sample a random exact symmetry of a periodic slice.

    Every sample gets a random periodic shift along each spatial axis and a random reflection
    of each axis; samples marked ``rotatable`` (square images only) are also transposed with
    probability 1/2, which together with the reflections gives every 90° rotation: the whole
    dihedral group D4. Values are moved, never changed.

    Parameters
    ----------
    X : ndarray of shape (n, length), (n, h, w) or (n, h, w, channels)
        Periodic signals or slices (channels last).
    rotatable : ndarray of bool of shape (n,)
        Samples that may be rotated (see :func:`rotatable_slices`).
    rng : numpy.random.Generator
        Source of the random draws.

    Returns
    -------
    X_augmented : ndarray of the shape and dtype of ``X``

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.neural._augment import random_symmetries
    >>> X = np.arange(2 * 4 * 4, dtype=np.float32).reshape(2, 4, 4)
    >>> out = random_symmetries(X, np.array([True, False]), np.random.default_rng(0))
    >>> out.shape, bool(np.array_equal(np.sort(out[0], axis=None), np.sort(X[0], axis=None)))
    ((2, 4, 4), True)
    """
    n = len(X)
    n_spatial = 1 if X.ndim == 2 else 2
    spatial_shape = X.shape[1 : 1 + n_spatial]
    # Row index of output pixel j along an axis of size m: (shift + sign * j) mod m. A sign of
    # -1 reflects the axis, the shift moves it periodically; both at once in one gather.
    indices = []
    for axis, size in enumerate(spatial_shape):
        shift = rng.integers(0, size, n)
        sign = rng.choice(np.array([-1, 1]), n)
        j = np.arange(size)
        index = (shift[:, None] + sign[:, None] * j[None, :]) % size
        shape = [n] + [1] * n_spatial
        shape[1 + axis] = size
        indices.append(index.reshape(shape))
    samples = np.arange(n).reshape([n] + [1] * n_spatial)
    out = X[(samples, *indices)]
    if n_spatial == 2 and spatial_shape[0] == spatial_shape[1]:
        transpose = np.asarray(rotatable, bool) & (rng.random(n) < 0.5)
        if transpose.any():
            out[transpose] = np.swapaxes(out[transpose], 1, 2)
    return out
