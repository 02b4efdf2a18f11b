"""Labelled, grouped slices of fresh simulations, streamed a few realizations at a time.

The simulator makes a realization of the default 17 × 5 grid at 64³ in about two seconds, so
a network need not be trained on the handful of realizations that fit in memory: a
:class:`SimulationStream` simulates, slices and labels one chunk of realizations when it is
asked for it and forgets it afterwards. It is a plain Python iterable of chunks (for
``partial_fit``/``fit_stream`` of the neural estimators) and, through
:meth:`SimulationStream.as_keras_dataset`, a ``keras.utils.PyDataset`` of batches for plain
Keras. Keras is imported only by that method.

How seeds are partitioned
-------------------------
The stream's ``random_state`` is the root entropy of a :class:`numpy.random.SeedSequence`
tree with two branches, ``0`` for ``subset="train"`` and ``1`` for ``subset="test"``.
Realization ``i`` of branch ``b`` is simulated by ``make_reionization_cubes(...,
n_realizations=1, random_state=seed)`` with ::

    word = SeedSequence(random_state, spawn_key=(b, i)).generate_state(1, numpy.uint32)[0]
    seed = (word & ~1) | b

the first 32-bit word of the child with spawn key ``(b, i)``, its lowest bit set to the
branch. Training seeds are even and test seeds odd, so no test realization is ever drawn for
training, however many realizations either stream has; within a branch the words of
different ``i`` are independent (two coincide with probability below n²/2³², 2·10⁻⁴ for
1,000 realizations). The same ``random_state`` with ``subset="test"`` therefore gives held-out
realizations for any training stream of that ``random_state``.
"""

import functools
import math
import numbers

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch

from ..preprocessing import CubeSlicer
from ..utils import check_random_state_value, check_scalar_in_range
from ._simulator import make_reionization_cubes
from ._slice_dataset import make_slice_dataset

_BRANCHES = {"train": 0, "test": 1}


def simulation_seed(random_state, subset, index):
    """Simulator seed of realization ``index`` of a stream (see the module docstring).

    Parameters
    ----------
    random_state : int
        Root entropy of the stream, in [0, 2**32 - 1].
    subset : {"train", "test"}
        Branch of the seed tree.
    index : int
        Realization number within the branch (>= 0).

    Returns
    -------
    seed : int
        In [0, 2**32 - 1]; even for "train", odd for "test".

    Examples
    --------
    >>> from skcosmo21.datasets import simulation_seed
    >>> simulation_seed(0, "train", 0) % 2, simulation_seed(0, "test", 0) % 2
    (0, 1)
    """
    branch = _BRANCHES[subset]
    word = np.random.SeedSequence(int(random_state), spawn_key=(branch, int(index)))
    word = int(word.generate_state(1, np.uint32)[0])
    return (word & ~1) | branch


class SimulationStream:
    """Fresh simulated realizations, sliced and labelled, one chunk at a time.

    Each chunk holds ``realizations_per_chunk`` realizations of the whole (redshift, escape
    fraction) grid, simulated by :func:`make_reionization_cubes` and cut by ``slicer``
    (:func:`make_slice_dataset`); it is made when asked for and not kept, so memory holds one
    chunk whatever ``n_realizations`` is. Iterating twice gives the same chunks.

    Parameters
    ----------
    redshifts : array-like of float
        Redshifts of the grid.
    escape_fractions : array-like of float
        Escape fractions of the grid.
    targets : str or list of str, default="redshift"
        Per-cube columns used as ``y`` ("redshift", "escape_fraction", "neutral_fraction");
        several give a 2-D ``y``.
    n_realizations : int, default=16
        Realizations (independent initial conditions) in the stream.
    subset : {"train", "test"}, default="train"
        Branch of the seed tree: test realizations are never training ones (module
        docstring).
    realizations_per_chunk : int, default=1
        Realizations simulated together and shuffled together by the Keras dataset.
    slicer : CubeSlicer, default=None
        Slicing of each cube; ``CubeSlicer(axes="all", step=4)`` when None. Cloned.
    n_cells : int, default=64
        Cells per side of each cube.
    box_size : float, default=300.0
        Side of each cube in Mpc.
    transform : callable, default=None
        Applied to each chunk's ``X`` (e.g. clipping or standardising slices).
    string_labels : bool, default=False
        Give ``y`` and :attr:`classes` as strings such as ``"7.25"`` (``f"{value:g}"``), the
        form in which scikit-learn classifiers take labels that are not integers (the main
        job's labels).
    random_state : int, default=0
        Root of the seed tree, in [0, 2**32 - 1].
    simulation_params : dict, default=None
        Further keyword arguments of :func:`make_reionization_cubes` (physics settings).

    Attributes
    ----------
    seeds : list of int
        Simulator seed of each realization, in order.
    classes : ndarray, or list of ndarray for several targets
        Every label of each target over the grid (for ``partial_fit``'s ``classes``).

    Examples
    --------
    >>> from skcosmo21.datasets import SimulationStream
    >>> from skcosmo21.preprocessing import CubeSlicer
    >>> stream = SimulationStream([7.0, 9.0], [0.2], n_realizations=2, n_cells=16,
    ...                           box_size=48.0, slicer=CubeSlicer(axes="all", step=8))
    >>> len(stream), [chunk.X.shape for chunk in stream]
    (2, [(12, 16, 16), (12, 16, 16)])
    >>> stream.classes.tolist(), sorted(set(next(iter(stream)).groups.tolist()))
    ([7.0, 9.0], [0])
    """

    def __init__(
        self,
        redshifts,
        escape_fractions,
        targets="redshift",
        *,
        n_realizations=16,
        subset="train",
        realizations_per_chunk=1,
        slicer=None,
        n_cells=64,
        box_size=300.0,
        transform=None,
        string_labels=False,
        random_state=0,
        simulation_params=None,
    ):
        self.redshifts = np.atleast_1d(np.asarray(redshifts, dtype=float))
        self.escape_fractions = np.atleast_1d(np.asarray(escape_fractions, dtype=float))
        self.targets = [targets] if isinstance(targets, str) else list(targets)
        self.n_realizations = check_scalar_in_range(
            n_realizations, "n_realizations", low=1, integer=True
        )
        if subset not in _BRANCHES:
            raise ValueError(f"subset must be 'train' or 'test', got {subset!r}")
        self.subset = subset
        self.realizations_per_chunk = check_scalar_in_range(
            realizations_per_chunk, "realizations_per_chunk", low=1, integer=True
        )
        self.slicer = CubeSlicer(axes="all", step=4) if slicer is None else clone(slicer)
        self.n_cells = check_scalar_in_range(n_cells, "n_cells", low=8, integer=True)
        self.box_size = check_scalar_in_range(box_size, "box_size", low=0, low_inclusive=False)
        if transform is not None and not callable(transform):
            raise ValueError(f"transform must be a callable X -> X or None, got {transform!r}")
        self.transform = transform
        self.string_labels = bool(string_labels)
        check_random_state_value(random_state, caller_name="SimulationStream")
        if not isinstance(random_state, numbers.Integral):
            raise ValueError(
                "SimulationStream needs an int random_state (the root of its seed tree), got "
                f"{random_state!r}"
            )
        self.random_state = int(random_state)
        self.simulation_params = dict(simulation_params or {})
        unknown = {"random_state", "n_realizations", "fields"} & set(self.simulation_params)
        if unknown:
            raise ValueError(f"simulation_params may not set {sorted(unknown)}: the stream does")
        valid_targets = {"redshift", "escape_fraction", "neutral_fraction"}
        if not self.targets or not set(self.targets) <= valid_targets:
            raise ValueError(f"targets must be among {sorted(valid_targets)}, got {self.targets!r}")
        self.seeds = [
            simulation_seed(self.random_state, subset, i) for i in range(self.n_realizations)
        ]

    @property
    def classes(self):
        """Every label of each target over the grid (neutral fractions are not classes)."""
        grid = {"redshift": self.redshifts, "escape_fraction": self.escape_fractions}
        if "neutral_fraction" in self.targets:
            return None
        classes = [np.unique(grid[name]) for name in self.targets]
        if self.string_labels:
            # Sorted as strings, as np.unique (and scikit-learn's classes_) sorts them.
            classes = [np.unique(_as_strings(c)) for c in classes]
        return classes[0] if len(classes) == 1 else classes

    def __len__(self):
        return math.ceil(self.n_realizations / self.realizations_per_chunk)

    def __iter__(self):
        for index in range(len(self)):
            yield self.chunk(index)

    def chunk_realizations(self, index):
        """Realization numbers of chunk ``index``."""
        start = index * self.realizations_per_chunk
        return range(start, min(start + self.realizations_per_chunk, self.n_realizations))

    def chunk(self, index):
        """Simulate, slice and label chunk ``index``.

        Parameters
        ----------
        index : int
            Chunk number, in [0, len(stream)).

        Returns
        -------
        chunk : Bunch
            ``X`` (n, h, w), ``y``, ``groups`` (the realization number of each slice),
            ``locations`` (cube, axis, position of each slice) and ``seeds`` (of its
            realizations).
        """
        if not 0 <= index < len(self):
            raise IndexError(f"chunk index {index} out of range for {len(self)} chunks")
        parts = []
        for realization in self.chunk_realizations(index):
            cubes = make_reionization_cubes(
                self.redshifts,
                self.escape_fractions,
                n_realizations=1,
                n_cells=self.n_cells,
                box_size=self.box_size,
                fields=("delta_T",),
                random_state=self.seeds[realization],
                **self.simulation_params,
            )
            cubes["realization"] = np.full(len(cubes["redshift"]), realization)
            parts.append(cubes)
        cubes = _concatenate_cubes(parts)
        data = make_slice_dataset(cubes, self.targets, self.slicer)
        X = data.X if self.transform is None else self.transform(data.X)
        return Bunch(
            X=X,
            y=_as_strings(data.y) if self.string_labels else data.y,
            groups=data.groups,
            locations=data.locations,
            seeds=[self.seeds[r] for r in self.chunk_realizations(index)],
        )

    def slices_per_realization(self):
        """Number of slices one realization gives."""
        probe = clone(self.slicer).fit(np.zeros((1,) + (self.n_cells,) * 3, np.float32))
        n_cubes = len(self.redshifts) * len(self.escape_fractions)
        return n_cubes * probe.n_outputs_per_sample_

    def as_keras_dataset(
        self, batch_size=32, *, labels="index", workers=1, use_multiprocessing=False
    ):
        """The stream as a ``keras.utils.PyDataset`` of shuffled batches.

        Batches never straddle chunks, and within a chunk the samples are shuffled afresh
        every epoch (seeded by ``random_state``). Pass ``shuffle=False`` to ``model.fit``:
        Keras shuffling the batch order would make nearly every batch simulate a new chunk.

        Parameters
        ----------
        batch_size : int, default=32
            Samples per batch.
        labels : {"index", "value"}, default="index"
            ``y`` as the position of each label in :attr:`classes` (for a sparse
            categorical cross-entropy) or as the value itself (for regression).
        workers : int, default=1
            Passed to ``PyDataset``.
        use_multiprocessing : bool, default=False
            Passed to ``PyDataset``.

        Returns
        -------
        dataset : keras.utils.PyDataset
            Batches ``(x, y)``: ``x`` of shape (batch, h, w, 1), ``y`` an array, or a tuple
            of arrays (one per target) for several targets.
        """
        if labels not in ("index", "value"):
            raise ValueError(f"labels must be 'index' or 'value', got {labels!r}")
        if labels == "index" and self.classes is None:
            raise ValueError("labels='index' needs class targets; use labels='value'")
        check_scalar_in_range(batch_size, "batch_size", low=1, integer=True)
        return _keras_dataset_class()(
            self, batch_size, labels, workers=workers, use_multiprocessing=use_multiprocessing
        )


def _as_strings(values):
    return np.vectorize(lambda v: f"{v:g}")(np.asarray(values, dtype=float))


def _concatenate_cubes(parts):
    if len(parts) == 1:
        return parts[0]
    n_cubes = len(parts[0]["redshift"])
    merged = Bunch(**parts[0])
    for key, value in parts[0].items():
        if isinstance(value, np.ndarray) and value.shape[:1] == (n_cubes,):
            merged[key] = np.concatenate([part[key] for part in parts])
    return merged


@functools.cache
def _keras_dataset_class():
    """Define the ``PyDataset`` subclass on first use, so that Keras is imported only then."""
    import keras

    class StreamDataset(keras.utils.PyDataset):
        """Batches of a :class:`SimulationStream`; one chunk is kept at a time."""

        def __init__(self, stream, batch_size, labels, **kwargs):
            super().__init__(**kwargs)
            self.stream = stream
            self.batch_size = batch_size
            self.labels = labels
            self.epoch = 0
            per_realization = stream.slices_per_realization()
            self.chunk_sizes = [
                len(stream.chunk_realizations(k)) * per_realization for k in range(len(stream))
            ]
            self.batches = [math.ceil(size / batch_size) for size in self.chunk_sizes]
            self.first_batch = np.concatenate([[0], np.cumsum(self.batches)])
            self.cached = None

        def __len__(self):
            return int(self.first_batch[-1])

        def _load(self, chunk_index):
            if self.cached is None or self.cached[0] != (chunk_index, self.epoch):
                chunk = self.stream.chunk(chunk_index)
                branch = _BRANCHES[self.stream.subset]
                rng = np.random.default_rng(
                    [self.stream.random_state, branch, chunk_index, self.epoch]
                )
                order = rng.permutation(len(chunk.X))
                self.cached = ((chunk_index, self.epoch), chunk, order)
            return self.cached[1], self.cached[2]

        def __getitem__(self, index):
            if not 0 <= index < len(self):
                raise IndexError(f"batch index {index} out of range for {len(self)} batches")
            chunk_index = int(np.searchsorted(self.first_batch, index, side="right") - 1)
            chunk, order = self._load(chunk_index)
            start = (index - self.first_batch[chunk_index]) * self.batch_size
            rows = np.sort(order[start : start + self.batch_size])
            x = np.asarray(chunk.X[rows], dtype=np.float32)[..., None]
            y = np.asarray(chunk.y[rows])
            columns = [y] if y.ndim == 1 else [y[:, j] for j in range(y.shape[1])]
            if self.labels == "index":
                classes = self.stream.classes
                classes = [classes] if len(columns) == 1 else classes
                columns = [
                    np.searchsorted(c, column).astype(np.int32)
                    for c, column in zip(classes, columns, strict=True)
                ]
            else:
                columns = [np.asarray(column, dtype=np.float32) for column in columns]
            return x, columns[0] if len(columns) == 1 else tuple(columns)

        def on_epoch_end(self):
            self.epoch += 1

    return StreamDataset
