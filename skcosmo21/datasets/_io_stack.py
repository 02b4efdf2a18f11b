"""Lazy stacks of cubes: many boxes on disk, one in memory at a time.

A :class:`CubeStack` holds where each cube lives (a raw 21cmFAST box, a dataset of an HDF5
file) instead of the values. Indexing one cube maps (or reads) that file only; NumPy functions
and operators load every cube, as they would for a memory map. Transformers that work cube by
cube (:class:`~skcosmo21.preprocessing.CubeSlicer`) therefore slice hundreds of boxes in the
memory of one box plus their output.

The physical-range checks of every loaded field live here as well, because they too walk a
box slab by slab so that checking a memory-mapped box allocates almost nothing.
"""

import numbers
import os
import pathlib
from dataclasses import dataclass

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

__all__ = ["CubeStack", "H5Source", "RawSource", "check_physical_range"]

#: Values a field can physically take (inclusive), the test that catches a box read with the
#: wrong byte order or dtype: δT_b in mK (21cmFAST boxes stay within a few hundred mK), the
#: density contrast δ = ρ/ρ̄ − 1 ≥ −1 (21cmFAST clips at −1; 10⁶ is far above any HII_DIM
#: cell), the neutral fraction in [0, 1]. A small tolerance absorbs float32 rounding.
PHYSICAL_RANGES = {
    "delta_T": (-1e4, 1e4),
    "density": (-1.0 - 1e-5, 1e6),
    "x_HI": (-1e-5, 1.0 + 1e-5),
}
_UNITS = {"delta_T": " mK", "density": "", "x_HI": ""}


@dataclass(frozen=True)
class RawSource:
    """One headerless little-endian float32 box of ``n_cells**3`` values (21cmFAST 1.x/2.x)."""

    path: pathlib.Path
    n_cells: int

    @property
    def shape(self):
        return (self.n_cells,) * 3

    def open(self):
        """Memory map of the box (read-only)."""
        return np.memmap(self.path, dtype="<f4", mode="r", shape=self.shape)

    def read_into(self, out):
        """Read the box into ``out`` (a float32 array of the box's shape)."""
        # Copying from a memory map measured faster than readinto() into fresh memory
        # (benchmarks/bench_io.py).
        out[...] = self.open()

    def __str__(self):
        return str(self.path)


@dataclass(frozen=True)
class H5Source:
    """One 3-D dataset of an HDF5 file (py21cmfast 3.x and 4.x)."""

    path: pathlib.Path
    dataset: str
    shape: tuple
    offset: int | None  # byte offset of a contiguous, unfiltered little-endian float32 dataset

    def open(self):
        """Memory map of the dataset where its layout allows, else its values read as float32."""
        if self.offset is not None:
            return np.memmap(self.path, dtype="<f4", mode="r", shape=self.shape, offset=self.offset)
        import h5py

        with h5py.File(self.path, "r") as handle:
            return np.asarray(handle[self.dataset], dtype=np.float32)

    def read_into(self, out):
        """Read the dataset into ``out`` (float32 of the dataset's shape)."""
        if self.offset is not None:
            out[...] = self.open()
            return
        import h5py

        with h5py.File(self.path, "r") as handle:
            handle[self.dataset].read_direct(out)

    def __str__(self):
        return f"{self.path}:{self.dataset}"


def check_physical_range(source, field, values=None):
    """Raise a ValueError naming ``source`` if its values are NaN, infinite or unphysical.

    Walks the box (``values`` if it was read already, else a memory map of ``source``) slab by
    slab, a few MB at a time, and on failure says whether the bytes make sense as big-endian
    float32 or as text, the usual causes.
    """
    low, high = PHYSICAL_RANGES[field]
    if isinstance(source, RawSource) and _is_text(source.path):
        raise ValueError(
            f"{source}: its bytes are printable text, not a binary float32 box of {field}; "
            "convert the text to little-endian float32 first (e.g. numpy.loadtxt, then tofile)"
        )
    cube = source.open() if values is None else values
    step = max(1, 2**20 // max(1, cube[0].size))
    for start in range(0, len(cube), step):
        slab = cube[start : start + step]
        # NaN fails both comparisons and ±inf one of them: two passes, no temporary array.
        if slab.min() >= low and slab.max() <= high:
            continue
        finite = np.isfinite(slab)
        if not finite.all():
            problem = "the box contains NaN or infinite values"
        else:
            example = float(slab[(slab < low) | (slab > high)].flat[0])
            problem = (
                f"{field} values outside the physical range [{low:g}, {high:g}]{_UNITS[field]} "
                f"(e.g. {example:g})"
            )
        raise ValueError(
            f"{source}: {problem}, so it is not read as a little-endian float32 box of "
            f"{field}. {_diagnose(source, cube, low, high)}"
        )


def _is_text(path):
    # 4 KB of float32 data, whose mantissa bytes are close to random, are never all printable;
    # text, even of digits only (which read as tiny float32 values), always is.
    with open(path, "rb") as handle:
        head = handle.read(4096)
    return bool(head) and all(32 <= byte < 127 or byte in b"\t\n\r" for byte in head)


def _diagnose(source, cube, low, high):
    swapped = np.asarray(cube).byteswap()
    if np.isfinite(swapped).all() and swapped.min() >= low and swapped.max() <= high:
        return (
            "Read as big-endian float32 its values are physical: the box was written on a "
            "big-endian machine; convert it with numpy.fromfile(path, '>f4').astype('<f4')."
        )
    return (
        "Check the byte order (21cmFAST writes the machine's native order), the dtype "
        "(float32 expected, not float64 or text) and that the file is the field its name says."
    )


class CubeStack(NDArrayOperatorsMixin):
    """A stack of equally shaped cubes read from their files only when asked for.

    Behaves like a read-only array of shape (n_cubes, n, n, n) whose cubes stay on disk:
    ``stack[i]`` maps (or reads) one file and returns that cube, ``stack[a:b]`` or
    ``stack[[i, j]]`` give a smaller stack without reading anything, and ``len``, ``shape``,
    ``dtype``, ``ndim``, ``nbytes`` need no I/O. NumPy functions and operators
    (``np.asarray(stack)``, ``np.mean(stack)``, ``stack > 0``) load every cube into one array,
    so use them only when that fits in memory; array methods (``stack.mean()``) are not offered.
    :class:`~skcosmo21.preprocessing.CubeSlicer` and
    :func:`~skcosmo21.datasets.make_slice_dataset` read one cube at a time.

    :func:`~skcosmo21.datasets.load_21cmfast` returns one for several cubes with
    ``mmap=True``; build one directly from files with :meth:`from_raw_files`.

    Parameters
    ----------
    sources : sequence of RawSource or H5Source
        Where each cube lives.

    Attributes
    ----------
    sources : list
        Where each cube lives, in order.
    files : list of str
        The file (and dataset) of each cube.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from skcosmo21.datasets import CubeStack
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for i in range(3):
    ...     np.full(4**3, i, "<f4").tofile(folder / f"box{i}")
    >>> stack = CubeStack.from_raw_files(sorted(folder.iterdir()), n_cells=4)
    >>> stack.shape, stack.dtype, len(stack)
    ((3, 4, 4, 4), dtype('float32'), 3)
    >>> float(stack[2][0, 0, 0]), stack[1:].shape
    (2.0, (2, 4, 4, 4))
    >>> np.asarray(stack).mean()
    np.float32(1.0)
    """

    # NumPy prefers our __array_ufunc__ over an ndarray operand's (stack + array -> ours).
    __array_priority__ = 20

    def __init__(self, sources):
        sources = list(sources)
        if not sources:
            raise ValueError("a CubeStack needs at least one cube: got no files or sources")
        shapes = {tuple(s.shape) for s in sources}
        if len(shapes) != 1:
            raise ValueError(
                f"the cubes of a CubeStack must share one shape, got {sorted(shapes)} "
                f"(first file {sources[0]})"
            )
        (shape,) = shapes
        if len(shape) != 3 or len(set(shape)) != 1:
            raise ValueError(f"cubes must be cubic (n, n, n), got shape {shape} in {sources[0]}")
        self.sources = sources

    @classmethod
    def from_raw_files(cls, paths, n_cells):
        """Stack headerless little-endian float32 boxes of ``n_cells**3`` values.

        Parameters
        ----------
        paths : sequence of str or path
            One file per cube.
        n_cells : int
            Cube side; each file must hold exactly ``4 * n_cells**3`` bytes.

        Returns
        -------
        stack : CubeStack
        """
        if not _is_integer(n_cells) or n_cells < 1:
            raise ValueError(f"n_cells must be a positive integer, got {n_cells!r}")
        if isinstance(paths, str | os.PathLike) or not hasattr(paths, "__iter__"):
            raise ValueError(f"paths must be a sequence of files, got {type(paths).__name__}")
        sources = []
        for path in map(pathlib.Path, paths):
            expected = 4 * n_cells**3
            if not path.is_file():
                raise FileNotFoundError(f"{path}: no such file (paths must name box files)")
            actual = os.path.getsize(path)
            if actual != expected:
                raise ValueError(
                    f"{path}: a box of n_cells={n_cells} must hold 4 * {n_cells}^3 = {expected} "
                    f"bytes of float32, got {actual} bytes"
                )
            sources.append(RawSource(path, int(n_cells)))
        if not sources:
            raise ValueError("paths must list at least one box file, got none")
        return cls(sources)

    @property
    def shape(self):
        return (len(self.sources),) + tuple(self.sources[0].shape)

    @property
    def dtype(self):
        return np.dtype(np.float32)

    @property
    def ndim(self):
        return 4

    @property
    def size(self):
        return int(np.prod(self.shape))

    @property
    def nbytes(self):
        return self.size * self.dtype.itemsize

    @property
    def files(self):
        return [str(source) for source in self.sources]

    def __len__(self):
        return len(self.sources)

    def __iter__(self):
        for source in self.sources:
            yield source.open()

    def __getitem__(self, index):
        if isinstance(index, tuple):
            if not index:
                return self
            first, rest = index[0], index[1:]
            if _is_integer(first):
                return self[first][rest]
            if rest and any(item != slice(None) for item in rest):
                raise IndexError(
                    "a CubeStack is indexed one cube at a time (stack[i, ...]) or by cubes "
                    "(stack[a:b], stack[[i, j]]); use np.asarray(stack)[...] to index the values"
                )
            return self[first]
        if _is_integer(index):
            return self.sources[_normalized(int(index), len(self))].open()
        if isinstance(index, slice):
            return CubeStack(self.sources[index])
        selection = np.asarray(index)
        if selection.dtype == bool:
            if selection.shape != (len(self),):
                raise IndexError(
                    f"a boolean index must have one entry per cube ({len(self)}), got shape "
                    f"{selection.shape}"
                )
            selection = np.flatnonzero(selection)
        if selection.ndim != 1 or selection.dtype.kind not in "iu":
            raise IndexError(
                "a CubeStack index must be an integer, a slice, a list of integers or a boolean "
                f"mask, got {index!r}"
            )
        return CubeStack([self.sources[_normalized(int(i), len(self))] for i in selection])

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError("a CubeStack cannot become an array without reading (copying) it")
        out = np.empty(self.shape, dtype=np.float32)
        for i, source in enumerate(self.sources):
            source.read_into(out[i])
        return out if dtype is None else out.astype(dtype, copy=False)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = tuple(np.asarray(x) if isinstance(x, CubeStack) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return func(*_materialized(args), **_materialized(kwargs))

    def __repr__(self):
        return (
            f"CubeStack(n_cubes={len(self)}, shape={self.shape}, dtype=float32, "
            f"first={self.files[0]!r})"
        )

    def __reduce__(self):
        return (CubeStack, (self.sources,))


def _is_integer(value):
    return isinstance(value, numbers.Integral | np.integer) and not isinstance(value, bool)


def _normalized(index, length):
    if not -length <= index < length:
        raise IndexError(
            f"cube index must be in [-{length}, {length}) for {length} cubes, got {index}"
        )
    return index % length


def _materialized(value):
    if isinstance(value, CubeStack):
        return np.asarray(value)
    if isinstance(value, list | tuple):
        return type(value)(_materialized(v) for v in value)
    if isinstance(value, dict):
        return {k: _materialized(v) for k, v in value.items()}
    return value
