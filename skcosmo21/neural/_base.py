"""The scikit-learn contract for Keras networks, owned here on Keras 3.

Why not scikeras: its wrappers import Keras, hence TensorFlow (about 6 s), when their module is
imported, and ``import skcosmo21.neural`` must stay cheap until a network is built; its
``BaseWrapper`` also predates scikit-learn 1.6's tags (``BaseEstimator`` before the mixins, no
``__sklearn_tags__``), so subclassing it means fixing its class order and tags and reading its
private methods to know what a fit does. What we need from it is small: validate input, encode
targets, build a network from fitted metadata, run a training loop, pickle a Keras model. It is
written out here, where a reader can follow every step, and Keras and TensorFlow are imported
only inside the functions that build or run a network (``_training``, ``_layers``).

What a ``fit`` does, in order:

1. validate the parameters (``_parameter_constraints``) and the data: float32-representable
   numbers (float64 beyond float32's range is refused, not turned into infinities), the sample
   shape of the first fit on every later call;
2. start afresh (seed, encode targets, build the network) unless ``warm_start`` continues the
   fitted one; with ``checkpoint_dir`` and ``resume=True``, take up an interrupted fit whose
   estimator, parameters and data fingerprint (a hash of X, y, weights, groups) match;
3. hold out a validation split (whole ``groups`` when given) fixed by ``random_state``; a
   resumed fit keeps the split of its checkpoint and a warm start the same samples, found by
   content whatever their order;
4. train ``epochs`` passes (the epochs an interrupted call had left, when resuming), shuffled
   and, with ``augment``, transformed by exact symmetries, each pass seeded by
   ``(seed, epoch number)`` so that an interrupted and resumed fit equals an uninterrupted one;
   record ``history_``; stop early; write a checkpoint after every epoch.

``partial_fit`` is one pass over the batch it is given (scikit-learn's out-of-core protocol,
``classes=`` on the first call of a classifier), keeping the optimizer's state between calls;
``fit_stream`` trains afresh on a stream of chunks, such as
:class:`skcosmo21.datasets.SimulationStream`, by calling it once per chunk.
"""

import difflib
import logging
import numbers
import os
import uuid
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ..utils import RANDOM_STATE_CONSTRAINT, Interval, InvalidParameterError, StrOptions
from ._augment import random_symmetries, rotatable_slices
from ._checkpoint import (
    CheckpointFolder,
    data_fingerprint,
    pack_mask,
    row_digests,
    unpack_mask,
)
from ._targets import ClassifierTargetEncoder, ReconstructionTargetEncoder, RegressorTargetEncoder

logger = logging.getLogger(__name__)

_FLOAT32_MAX = float(np.finfo(np.float32).max)
_ACTIVATIONS = {"relu", "elu", "gelu", "selu", "silu", "swish", "tanh", "sigmoid", "softplus"}
#: Parameters that do not change what a fit computes: a checkpoint written under other values
#: of these may be resumed.
_NOT_IN_FINGERPRINT = ("epochs", "verbose", "checkpoint_dir", "warm_start", "resume")


def _layer_sizes(value, name, owner, allow_empty):
    """Refuse anything but a tuple or list of positive integers, naming the parameter."""
    valid = isinstance(value, (tuple, list)) and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in value
    )
    if not valid or (not allow_empty and not value):
        example = "(8,)" if not isinstance(value, numbers.Integral) else f"({value},)"
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be a {'' if allow_empty else 'non-empty '}"
            f"tuple of positive integers, e.g. {example}; got {value!r}."
        )


class _NeuralEstimator(BaseEstimator):
    """Shared machinery of every neural estimator; not public.

    Subclasses define ``__init__`` with explicit hyperparameters, ``_input_kind`` ("dense":
    vectors or images, flattened by the network; "conv": signals (n, length) or images (n, h,
    w[, c])), ``_target_encoder()`` and ``_network()`` (builder and keyword arguments).
    """

    _input_kind = "dense"
    _augments = False

    _parameter_constraints = {
        "epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "optimizer": [StrOptions({"adam", "adamw", "rmsprop", "sgd"})],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "checkpoint_dir": [None, str, os.PathLike],
        "resume": ["boolean"],
        "random_state": RANDOM_STATE_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def set_params(self, **params):
        """Set parameters; an unknown name gets a "did you mean" suggestion.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self
        """
        valid = self.get_params(deep=False)
        for key in params:
            name = key.split("__", 1)[0]
            if name not in valid:
                close = difflib.get_close_matches(name, list(valid), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}.{hint} "
                    f"Valid parameters are: {sorted(valid)}."
                )
        return super().set_params(**params)

    # ------------------------------------------------------------------- validation
    def _check_params(self):
        self._validate_params()
        self._check_architecture()

    def _check_architecture(self):
        """Element-wise checks that a constraint table cannot express; subclasses extend."""

    def _check_X(self, X, reset):
        """Validated float32 samples; the sample shape is learnt (reset) or checked."""
        name = type(self).__name__
        if getattr(getattr(X, "dtype", None), "kind", None) == "O" and any(
            isinstance(v, (str, bytes)) for v in np.asarray(X).flat
        ):
            # check_array would parse numeric strings: text is not a number.
            raise ValueError(f"{name} needs a numeric array; X holds strings (dtype object)")
        X = check_array(
            X,
            accept_sparse=False,
            dtype="numeric",
            allow_nd=True,
            ensure_all_finite=True,
            input_name="X",
            estimator=self,
        )
        if X.ndim > 4:
            what = "signals (n, length), images (n, height, width) or (n, height, width, channels)"
            if self._input_kind == "dense":
                what = "vectors (n, features) or images (n, height, width[, channels])"
            raise ValueError(f"{name} needs {what}; got an array of shape {X.shape}")
        if 0 in X.shape[1:]:
            raise ValueError(f"{name} needs samples with at least one value; got shape {X.shape}")
        if X.dtype != np.float32 and X.size:
            largest = max(abs(float(X.max())), abs(float(X.min())))
            if largest > _FLOAT32_MAX:
                raise ValueError(
                    f"X holds values up to {largest:.3g} in magnitude, beyond float32's range "
                    f"(±{_FLOAT32_MAX:.3g}) in which {name} computes; rescale X (e.g. "
                    "standardise it) first"
                )
        X = X.astype(np.float32, copy=False)
        if reset:
            self.sample_shape_ = tuple(int(d) for d in X.shape[1:])
            self.n_features_in_ = int(np.prod(self.sample_shape_))
        elif tuple(X.shape[1:]) != self.sample_shape_:
            if X.ndim == 2 and len(self.sample_shape_) == 1:
                raise ValueError(
                    f"X has {X.shape[1]} features, but {name} is expecting "
                    f"{self.sample_shape_[0]} features as input."
                )
            raise ValueError(
                f"X has samples of shape {tuple(X.shape[1:])}, but {name} was fitted on "
                f"samples of shape {self.sample_shape_}"
            )
        return X

    def _network_input(self, X):
        """The array the network takes: a channel axis is added to signals and images."""
        if self._input_kind == "conv" and X.ndim in (2, 3):
            return X[..., None]
        return X

    def _check_sample_weight(self, sample_weight, n_samples):
        if sample_weight is None:
            return np.ones(n_samples, np.float32)
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (n_samples,):
            raise ValueError(
                f"sample_weight must have shape ({n_samples},), got {sample_weight.shape}"
            )
        if not np.isfinite(sample_weight).all() or (sample_weight < 0).any():
            raise ValueError("sample_weight must be finite and non-negative")
        if not sample_weight.any():
            raise ValueError("sample_weight must not be all zero")
        return sample_weight.astype(np.float32)

    def _check_groups(self, groups, n_samples):
        if groups is None:
            return None
        groups = np.asarray(groups)
        if groups.shape != (n_samples,):
            raise ValueError(
                f"groups must hold one label per sample, shape ({n_samples},); got shape "
                f"{groups.shape}"
            )
        return groups

    def _rotatable(self, locations, n_samples):
        if locations is not None and not self._augments:
            raise ValueError(
                f"{type(self).__name__} takes locations only to orient augmentation; it has "
                "no augment option"
            )
        return rotatable_slices(locations, n_samples)

    # ----------------------------------------------------------------- start / state
    def _resolve_seed(self):
        """(seed used for splits, shuffling and augmentation; whether Keras is seeded)."""
        if self.random_state is None:
            return int(np.random.SeedSequence().generate_state(1)[0]), False
        if isinstance(self.random_state, np.random.RandomState):
            # Draw one integer without advancing the caller's RandomState.
            state = np.random.RandomState()
            state.set_state(self.random_state.get_state())
            return int(state.randint(0, 2**32 - 1, dtype=np.int64)), True
        return int(self.random_state), True

    def _start(self, X, y, classes=None):
        """Forget any previous fit: seed, fit the target encoder, build a fresh network."""
        from . import _training

        self._seed, seeded = self._resolve_seed()
        self._encoder = self._target_encoder()
        if y is not None:
            if isinstance(self._encoder, ClassifierTargetEncoder):
                self._encoder.fit(y, classes=classes)
            else:
                self._encoder.fit(y)
        self._set_target_attributes()
        self._architecture = self._current_architecture()
        values = _training.initial_values(
            self._architecture["key"], self._build, self._seed if seeded else None
        )
        self._set_values(values)
        self._optimizer_state = None
        self.history_ = {}
        self._row_digests = None

    def _set_target_attributes(self):
        """Expose what the encoder learnt (``classes_``...); subclasses extend."""

    def _set_values(self, values):
        """Hold a network's variable values; a new token tells workspaces they changed."""
        self._values = values
        self._values_token = uuid.uuid4().hex

    @property
    def model_(self):
        """The trained network as a Keras model.

        Built from the fitted variable values on first access and kept until the next fit;
        it is a copy: training or changing it does not change the estimator.
        """
        if "_values" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__} is not fitted: it has no model_")
        cached = self.__dict__.get("_model")
        if cached is None or cached[0] != self._values_token:
            from . import _training

            model = _training.build_with_values(self._build, self._values)
            self._model = (self._values_token, model)
        return self._model[1]

    def _workspace(self):
        from . import _training

        architecture = self._architecture
        return _training.workspace(
            architecture["key"],
            self._build,
            architecture["optimizer"],
            self._encoder.head_kinds(),
            architecture["input_shape"],
        )

    def _heads(self):
        return [
            (units, "softmax" if kind == "softmax" else None)
            for units, kind in zip(
                self._encoder.head_units(), self._encoder.head_kinds(), strict=True
            )
        ]

    def _network_shape(self):
        shape = self.sample_shape_
        if self._input_kind == "conv" and len(shape) in (1, 2):
            return shape + (1,)
        return shape

    def _current_architecture(self):
        """What the network is, from the parameters and the data of the first fit.

        Kept with the fitted network, so that ``set_params`` after ``fit`` never changes what
        ``predict`` runs; a warm start under other architecture parameters is refused.
        """
        builder, kwargs = self._network()
        input_shape, heads = self._network_shape(), [tuple(h) for h in self._heads()]
        frozen = tuple(sorted((k, repr(v)) for k, v in kwargs.items()))
        key = (builder.__name__, frozen, input_shape, tuple(heads), self.optimizer)
        return {
            "builder": builder,
            "kwargs": kwargs,
            "input_shape": input_shape,
            "heads": heads,
            "optimizer": self.optimizer,
            "key": key,
        }

    def _check_same_architecture(self):
        now = self._current_architecture()
        if now["key"] != self._architecture["key"]:
            raise ValueError(
                f"warm_start continues the fitted network, whose architecture or optimizer "
                f"{self._architecture['kwargs']}, optimizer={self._architecture['optimizer']!r} "
                "differs from the current parameters; set warm_start=False to start afresh"
            )

    def _build(self):
        architecture = self._architecture
        return architecture["builder"](
            architecture["input_shape"], architecture["heads"], **architecture["kwargs"]
        )

    def _encode(self, y, X):
        if isinstance(self._encoder, ReconstructionTargetEncoder):
            return [None]  # the (augmented) input batch itself
        return self._encoder.transform(y)

    # ------------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None, groups=None, locations=None):
        """Train the network.

        Parameters
        ----------
        X : ndarray
            Samples: vectors (n, d) for dense models, or images (n, h, w[, c]); convolutional
            models also take signals (n, length), convolved along their length.
        y : ndarray of shape (n,) or (n, n_targets)
            Targets; several columns train one network with one head per target.
        sample_weight : ndarray of shape (n,), default=None
            Per-sample loss weights.
        groups : ndarray of shape (n,), default=None
            Group labels (e.g. simulation realization). When given, the validation split
            holds out whole groups, so related samples never sit on both sides. Routed by
            ``Pipeline`` and ``GridSearchCV`` under metadata routing
            (``sklearn.set_config(enable_metadata_routing=True)`` and
            ``estimator.set_fit_request(groups=True)``).
        locations : object, default=None
            Where each sample was cut from, with ``locations["axis"]`` the cube axis of each
            slice (``make_slice_dataset(...).locations``): with ``augment=True`` only slices
            along the line of sight are rotated. Only estimators with ``augment`` take it.

        Returns
        -------
        self
        """
        self._check_params()
        continuing = bool(self.warm_start and hasattr(self, "_values"))
        X = self._check_X(X, reset=not continuing)
        y = self._check_targets(X, y)
        sample_weight = self._combined_weight(y, self._check_sample_weight(sample_weight, len(X)))
        groups = self._check_groups(groups, len(X))
        rotatable = self._rotatable(locations, len(X))
        if continuing:
            self._check_same_architecture()
        else:
            self._start(X, y)
        targets = self._encode(y, X)

        folder = None if self.checkpoint_dir is None else CheckpointFolder(self.checkpoint_dir)
        data = None
        epochs_done, restored_mask = 0, None
        if folder is not None:
            data = data_fingerprint(X, y, sample_weight, groups, rotatable)
            if not continuing:
                epochs_done, restored_mask = self._take_up_checkpoint(folder, data)
        mask = self._validation_split(X, y, groups, continuing, restored_mask)
        self._train(
            X,
            targets,
            sample_weight,
            rotatable,
            mask=mask,
            n_epochs=self.epochs - epochs_done,
            checkpoint=None if folder is None else (folder, data, epochs_done),
        )
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None, locations=None):
        """One pass over the given samples, continuing the network trained so far.

        The first call builds the network; classifiers need ``classes`` (every label that any
        call will see) on it, and regressors standardise targets with the first batch's mean
        and spread. The optimizer's state (step count, moments) is kept between calls. No
        validation split, early stopping or checkpoint is made here: use :meth:`fit` for those.

        Parameters
        ----------
        X : ndarray
            Samples, shaped as for :meth:`fit`.
        y : ndarray of shape (n,) or (n, n_targets)
            Targets.
        classes : array-like, or list of array-like for joint targets, default=None
            All classes; required on the first call of a classifier, ignored by regressors.
        sample_weight : ndarray of shape (n,), default=None
            Per-sample loss weights.
        locations : object, default=None
            As in :meth:`fit`.

        Returns
        -------
        self
        """
        self._check_params()
        first = not hasattr(self, "_values")
        X = self._check_X(X, reset=first)
        y = self._check_targets(X, y)
        self._check_partial_fit_classes(classes, first)
        sample_weight = self._combined_weight(
            y, self._check_sample_weight(sample_weight, len(X)), partial=True
        )
        rotatable = self._rotatable(locations, len(X))
        if first:
            self._start(X, y, classes=classes)
        else:
            self._check_same_architecture()
        targets = self._encode(y, X)
        mask = np.zeros(len(X), bool)
        self.validation_mask_ = mask
        self._row_digests = None
        self._train(X, targets, sample_weight, rotatable, mask=mask, n_epochs=1, checkpoint=None)
        return self

    def fit_stream(self, stream, *, epochs=1):
        """Train afresh on a stream of chunks, one :meth:`partial_fit` per chunk.

        For data that do not fit in memory, such as fresh simulations from
        :class:`skcosmo21.datasets.SimulationStream`. ``fit(X, y)`` keeps scikit-learn's
        meaning (arrays in, everything learnt from them), so a stream gets its own method
        rather than being passed as ``X``: cloning, cross-validation and grid search keep
        working on arrays, and this method is scikit-learn's out-of-core protocol
        (``partial_fit``) run over the stream.

        Parameters
        ----------
        stream : iterable
            Chunks, each a mapping or Bunch with ``X`` and ``y`` (and optionally
            ``locations``) or a tuple ``(X, y[, locations])``. Classifiers need the stream's
            ``classes`` attribute (all labels, per target column for joint targets).
        epochs : int, default=1
            Passes over the stream.

        Returns
        -------
        self
        """
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
            raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
        classes = self._stream_classes(stream)
        for attribute in ("_values", "history_"):
            if hasattr(self, attribute):
                delattr(self, attribute)
        for _ in range(epochs):
            for chunk in stream:
                X, y, locations = _unpack_chunk(chunk)
                self._partial_fit_chunk(X, y, classes, locations)
        return self

    def _stream_classes(self, stream):
        return None

    def _partial_fit_chunk(self, X, y, classes, locations):
        self.partial_fit(X, y, locations=locations)

    def _check_partial_fit_classes(self, classes, first):
        """Classifiers check ``classes``; others ignore it."""

    def _combined_weight(self, y, sample_weight, partial=False):
        return sample_weight

    # ---------------------------------------------------------------- checkpoints
    def _fingerprint_params(self):
        params = {k: repr(v) for k, v in self.get_params().items() if k not in _NOT_IN_FINGERPRINT}
        if self.random_state is None or isinstance(self.random_state, np.random.RandomState):
            params["random_state"] = type(self.random_state).__name__
        return params

    def _take_up_checkpoint(self, folder, data):
        """Resume from ``folder`` when asked to and it holds this fit; (epochs done, mask)."""
        if not folder.exists():
            return 0, None
        if not self.resume:
            warnings.warn(
                f"checkpoint_dir {str(folder.folder)!r} holds a checkpoint; this fit starts "
                "afresh (resume=False) and replaces it after its first epoch",
                UserWarning,
                stacklevel=3,
            )
            return 0, None
        state = folder.read_state()
        mismatch = [
            what
            for what, mine, theirs in (
                ("estimator", type(self).__name__, state["estimator"]),
                ("parameters", self._fingerprint_params(), state["params"]),
                ("data", data, state["data"]),
            )
            if mine != theirs
        ]
        if mismatch:
            warnings.warn(
                f"checkpoint_dir {str(folder.folder)!r} holds a fit with other "
                f"{' and '.join(mismatch)}; not resuming it: this fit starts afresh and "
                "replaces it",
                UserWarning,
                stacklevel=3,
            )
            return 0, None
        values, self._optimizer_state = folder.read_network(state)
        self._set_values(values)
        self.history_ = {k: [float(v) for v in values] for k, values in state["history"].items()}
        self._seed = int(state["seed"])
        logger.info("resuming from %s after %d epochs", folder.state_path, state["epochs_in_call"])
        return int(state["epochs_in_call"]), unpack_mask(state["validation_mask"])

    def _write_checkpoint(self, checkpoint, epochs_in_call):
        folder, data, _ = checkpoint
        state = {
            "estimator": type(self).__name__,
            "params": self._fingerprint_params(),
            "data": data,
            "epochs_in_call": epochs_in_call,
            "history": self.history_,
            "seed": self._seed,
            "validation_mask": pack_mask(self.validation_mask_),
        }
        folder.write(self._values, self._optimizer_state, state)

    # ------------------------------------------------------------ validation split
    def _validation_split(self, X, y, groups, continuing, restored_mask):
        n_samples = len(X)
        follow = self.warm_start and self.validation_fraction > 0
        digests = row_digests(X) if follow else None
        previous = getattr(self, "_row_digests", None) if continuing else None
        if restored_mask is not None:
            mask = restored_mask
        elif not self.validation_fraction:
            mask = np.zeros(n_samples, bool)
        elif (held_out := self._same_samples_held_out(previous, digests)) is not None:
            mask = held_out
        else:
            mask = self._draw_validation_mask(X, y, groups)
        self.validation_mask_ = mask
        self._row_digests = digests
        return mask

    def _same_samples_held_out(self, previous, digests):
        """The previous fit's held-out samples in the new order, if the samples are the same.

        Samples are matched by content; identical samples by order of appearance (a stable
        sort), so data in the same order get exactly the same mask.
        """
        if previous is None or digests is None or len(previous) != len(digests):
            return None
        old_order = np.argsort(previous, kind="stable")
        new_order = np.argsort(digests, kind="stable")
        if not np.array_equal(previous[old_order], digests[new_order]):
            return None
        mask = np.empty(len(digests), bool)
        mask[new_order] = self.validation_mask_[old_order]
        return mask

    def _draw_validation_mask(self, X, y, groups):
        n_samples = len(X)
        n_val = int(np.ceil(self.validation_fraction * n_samples))
        if n_samples - n_val < 1:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no training sample "
                f"with n_samples={n_samples}"
            )
        if groups is not None:
            if np.unique(groups).size < 2:
                raise ValueError("a group-aware validation split needs at least 2 groups")
            splitter = GroupShuffleSplit(
                1, test_size=self.validation_fraction, random_state=self._seed
            )
        elif self._stratify_validation(y, n_val):
            splitter = StratifiedShuffleSplit(1, test_size=n_val, random_state=self._seed)
        else:
            splitter = ShuffleSplit(1, test_size=n_val, random_state=self._seed)
        _, val = next(splitter.split(np.zeros(n_samples), y, groups))
        mask = np.zeros(n_samples, bool)
        mask[val] = True
        return mask

    def _stratify_validation(self, y, n_val):
        return False

    # ------------------------------------------------------------------- training
    def _train(self, X, targets, sample_weight, rotatable, *, mask, n_epochs, checkpoint):
        """Run ``n_epochs`` passes in a workspace; record history; checkpoint; stop early."""
        from tqdm.auto import tqdm

        if n_epochs <= 0:
            return
        network_X = self._network_input(X)
        train_index = np.flatnonzero(~mask)
        validation = None
        if mask.any():
            val_index = np.flatnonzero(mask)
            validation = (
                network_X[val_index],
                sample_weight[val_index],
                [network_X[val_index] if t is None else t[val_index] for t in targets],
            )
        is_classifier = isinstance(self._encoder, ClassifierTargetEncoder)
        with self._workspace() as space:
            space.load(self._values, self._values_token, self._optimizer_state, self.learning_rate)
            best, best_values, wait = np.inf, None, 0
            epochs_in_call = 0 if checkpoint is None else checkpoint[2]
            progress = tqdm(
                range(n_epochs), desc=type(self).__name__, unit="epoch", disable=not self.verbose
            )
            for _ in progress:
                epoch_number = len(self.history_.get("loss", []))
                rng = np.random.default_rng([self._seed, epoch_number])
                loss, correct = self._run_epoch(
                    space, network_X, targets, sample_weight, train_index, rotatable, rng
                )
                record = {"loss": loss}
                if is_classifier:
                    record["accuracy"] = correct / len(train_index)
                if validation is not None:
                    val_loss, val_correct = space.evaluate(*validation)
                    record["val_loss"] = val_loss
                    if is_classifier:
                        record["val_accuracy"] = val_correct / len(validation[0])
                for key, value in record.items():
                    self.history_.setdefault(key, []).append(float(value))
                progress.set_postfix({k: f"{v:.4g}" for k, v in record.items()})
                epochs_in_call += 1

                monitored = record.get("val_loss", record["loss"])
                stop = False
                if self.early_stopping:
                    if monitored < best:
                        best, wait, best_values = monitored, 0, space.values()
                    else:
                        wait += 1
                        stop = wait >= self.n_iter_no_change
                if checkpoint is not None:
                    self._read_back(space)
                    self._write_checkpoint(checkpoint, epochs_in_call)
                if stop:
                    break
            if best_values is not None:
                space.load(best_values, None)
            self._read_back(space)

    def _read_back(self, space):
        """Take the workspace's network and optimizer values as the estimator's."""
        self._set_values(space.values())
        space.holds = self._values_token
        self._optimizer_state = space.optimizer_state()

    def _run_epoch(self, space, X, targets, sample_weight, train_index, rotatable, rng):
        order = train_index[rng.permutation(len(train_index))]
        total, correct = 0.0, 0
        for start in range(0, len(order), self.batch_size):
            batch = np.sort(order[start : start + self.batch_size])  # sorted: faster gathers
            x = X[batch]
            if self._augments and self.augment:
                x = random_symmetries(x, rotatable[batch], rng)
            loss, right = space.train_batch(
                x, sample_weight[batch], [x if t is None else t[batch] for t in targets]
            )
            total += loss * len(batch)
            correct += right
        return total / len(order), correct

    # ------------------------------------------------------------------ inference
    @property
    def current_epoch(self):
        """Number of epochs (and ``partial_fit`` passes) trained so far, across resumed fits."""
        return len(getattr(self, "history_", {}).get("loss", []))

    def _outputs(self, X, part=None):
        check_is_fitted(self, "_values")
        X = self._check_X(X, reset=False)
        return self._network_outputs(self._network_input(X), part)

    def _network_outputs(self, inputs, part=None):
        """Outputs of the fitted network (or of its layer ``part``) on network-ready input."""
        with self._workspace() as space:
            space.load(self._values, self._values_token)
            return space.predict(inputs, part)

    # ------------------------------------------------------------------- pickling
    def __getstate__(self):
        # The network is its variable values (arrays): no Keras object is pickled, and
        # unpickling does not import TensorFlow.
        state = super().__getstate__()
        state.pop("_model", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        tags.target_tags.multi_output = True
        return tags


def _unpack_chunk(chunk):
    if isinstance(chunk, tuple):
        if len(chunk) not in (2, 3):
            raise ValueError(f"a stream chunk tuple must be (X, y[, locations]), got {len(chunk)}")
        return chunk[0], chunk[1], chunk[2] if len(chunk) == 3 else None
    try:
        return chunk["X"], chunk["y"], chunk.get("locations") if hasattr(chunk, "get") else None
    except (KeyError, TypeError):
        raise ValueError(
            "a stream chunk must be a tuple (X, y[, locations]) or a mapping with 'X' and 'y', "
            f"got {type(chunk).__name__}"
        ) from None


def _column_to_1d(y):
    """Ravel a column-vector y with scikit-learn's DataConversionWarning."""
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change the "
            "shape of y to (n_samples, ), for example using ravel().",
            DataConversionWarning,
            stacklevel=4,
        )
        return y.ravel()
    return y


def _refuse_mixed_label_types(y):
    """Labels mixing strings and numbers would be silently turned into strings by NumPy."""
    values = np.asarray(y, dtype=object).ravel() if not isinstance(y, np.ndarray) else y
    if values.dtype != object:
        return
    kinds = {isinstance(v, (str, bytes)) for v in values.ravel()}
    if len(kinds) > 1:
        examples = {type(v).__name__: v for v in values.ravel()}
        raise ValueError(
            "y mixes string and numeric labels (e.g. "
            + ", ".join(f"{v!r}" for v in list(examples.values())[:3])
            + "); use one type for every label"
        )


class KerasClassifierBase(ClassifierMixin, _NeuralEstimator):
    """Base of neural classifiers: softmax heads, one per target column.

    ``score`` is the accuracy; with several target columns it is the fraction of samples
    with every column right (scikit-learn's subset accuracy).
    """

    _parameter_constraints = {
        **_NeuralEstimator._parameter_constraints,
        "class_weight": [None, StrOptions({"balanced"}), dict, list],
    }

    def _target_encoder(self):
        return ClassifierTargetEncoder()

    def _check_targets(self, X, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        _refuse_mixed_label_types(y)
        y = _column_to_1d(np.asarray(y))
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}")
        check_consistent_length(X, y)
        check_classification_targets(y)
        return y

    def _check_architecture(self):
        super()._check_architecture()
        weights = self.class_weight
        per_column = weights if isinstance(weights, list) else [weights]
        for column in per_column:
            if column is None or column == "balanced":
                continue
            if not isinstance(column, dict):
                raise InvalidParameterError(
                    "The 'class_weight' parameter must be a dict {class: weight}, 'balanced', "
                    f"None, or a list of those per target column; got {column!r}."
                )
            for label, value in column.items():
                if (
                    isinstance(value, bool)
                    or not isinstance(value, numbers.Real)
                    or not np.isfinite(value)
                    or value < 0
                ):
                    raise InvalidParameterError(
                        f"The 'class_weight' parameter gives class {label!r} the weight "
                        f"{value!r}; class weights must be finite non-negative numbers."
                    )

    def _combined_weight(self, y, sample_weight, partial=False):
        if self.class_weight is None:
            return sample_weight
        if partial and "balanced" in (
            self.class_weight if isinstance(self.class_weight, list) else [self.class_weight]
        ):
            raise ValueError(
                "class_weight='balanced' needs every label at once, which partial_fit does not "
                "see; pass class weights as a dict"
            )
        weights = compute_sample_weight(self.class_weight, y)
        combined = sample_weight * weights.astype(np.float32)
        if not combined.any():
            raise ValueError("class_weight and sample_weight give every sample zero weight")
        return combined

    def _set_target_attributes(self):
        encoder = self._encoder
        single = encoder.single_output_
        self.classes_ = encoder.classes_[0] if single else encoder.classes_
        counts = [len(c) for c in encoder.classes_]
        self.n_classes_ = counts[0] if single else counts
        self.n_outputs_ = len(counts)

    def _check_partial_fit_classes(self, classes, first):
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if not first and classes is not None:
            known = self._encoder.classes_
            given = [classes] if self._encoder.single_output_ else list(classes)
            if len(given) != len(known) or any(
                not np.array_equal(np.unique(np.asarray(g)), k)
                for g, k in zip(given, known, strict=False)
            ):
                raise ValueError(
                    "`classes` is not the same as on the first call to partial_fit: "
                    f"{classes!r} against {self.classes_!r}"
                )

    def _stream_classes(self, stream):
        classes = getattr(stream, "classes", None)
        if classes is None:
            raise ValueError(
                f"{type(self).__name__}.fit_stream needs the stream's classes (a `classes` "
                "attribute listing every label) to build its output layer"
            )
        return classes

    def _partial_fit_chunk(self, X, y, classes, locations):
        self.partial_fit(X, y, classes=classes, locations=locations)

    def _stratify_validation(self, y, n_val):
        if y.ndim != 1:
            return False
        _, counts = np.unique(y, return_counts=True)
        return counts.min() >= 2 and n_val >= len(counts)

    def predict(self, X):
        """Predict class labels, (n,) or (n, n_targets) for joint targets.

        Parameters
        ----------
        X : ndarray
            Samples shaped as in ``fit``.

        Returns
        -------
        y_pred : ndarray
        """
        outputs = self._outputs(X)
        return self._encoder.inverse_transform(outputs)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : ndarray
            Samples.

        Returns
        -------
        proba : ndarray of shape (n, n_classes), or a list of such arrays (one per target
            column) for joint targets, as scikit-learn's multi-output classifiers.
        """
        outputs = self._outputs(X)
        return self._encoder.inverse_transform(outputs, return_proba=True)

    def score(self, X, y, sample_weight=None):
        """Accuracy; for joint targets the fraction of samples with every column right.

        scikit-learn's ``accuracy_score`` refuses multiclass-multioutput targets, so the
        joint case (subset accuracy) is computed here.

        Parameters
        ----------
        X : ndarray
            Samples.
        y : ndarray of shape (n,) or (n, n_targets)
            True labels.
        sample_weight : ndarray of shape (n,), default=None
            Sample weights.

        Returns
        -------
        score : float
        """
        y = np.asarray(y)
        if y.ndim == 1:
            return super().score(X, y, sample_weight=sample_weight)
        all_right = np.all(self.predict(X) == y, axis=1)
        return float(np.average(all_right, weights=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = False
        return tags


class KerasRegressorBase(RegressorMixin, _NeuralEstimator):
    """Base of neural regressors: standardised targets, a linear or Gaussian head per column."""

    _parameter_constraints = {
        **_NeuralEstimator._parameter_constraints,
        "loss": [StrOptions({"mse", "gaussian_nll"})],
    }

    def _target_encoder(self):
        return RegressorTargetEncoder(gaussian=self.loss == "gaussian_nll")

    def _check_targets(self, X, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        y = check_array(y, ensure_2d=False, dtype="numeric", ensure_all_finite=True, input_name="y")
        y = _column_to_1d(y)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}")
        check_consistent_length(X, y)
        return y

    def _set_target_attributes(self):
        self.n_outputs_ = len(self._encoder.mean_)

    def predict(self, X, return_std=False):
        """Predict targets, (n,) or (n, n_targets); with ``return_std`` their uncertainty.

        Parameters
        ----------
        X : ndarray
            Samples shaped as in ``fit``.
        return_std : bool, default=False
            Also return the standard deviation of the predictive Gaussian (as
            ``BayesianRidge.predict``); needs ``loss="gaussian_nll"``.

        Returns
        -------
        y_mean : ndarray of shape (n,) or (n, n_targets)
        y_std : ndarray of the same shape
            Only with ``return_std=True``.
        """
        if return_std and self.loss != "gaussian_nll":
            raise ValueError(
                "return_std=True needs loss='gaussian_nll', which trains a variance head; this "
                f"estimator has loss={self.loss!r}"
            )
        outputs = self._outputs(X)
        return self._encoder.inverse_transform(outputs, return_std=return_std)


class KerasTransformerBase(TransformerMixin, _NeuralEstimator):
    """Base of unsupervised neural transformers trained to reproduce their input."""

    def _target_encoder(self):
        return ReconstructionTargetEncoder()

    def _check_targets(self, X, y):
        return None

    def fit(self, X, y=None, sample_weight=None, groups=None):
        """Train the network to reproduce its input.

        Parameters
        ----------
        X : ndarray
            Signals (n, length) or images (n, h, w[, c]).
        y : None
            Ignored.
        sample_weight : ndarray of shape (n,), default=None
            Per-sample loss weights.
        groups : ndarray of shape (n,), default=None
            Group labels for a validation split that holds out whole groups.

        Returns
        -------
        self
        """
        return super().fit(X, None, sample_weight=sample_weight, groups=groups)

    def partial_fit(self, X, y=None, sample_weight=None):
        """One pass over the given samples, continuing the network trained so far.

        Parameters
        ----------
        X : ndarray
            Signals or images, shaped as for :meth:`fit`.
        y : None
            Ignored.
        sample_weight : ndarray of shape (n,), default=None
            Per-sample loss weights.

        Returns
        -------
        self
        """
        return super().partial_fit(X, None, sample_weight=sample_weight)

    def _partial_fit_chunk(self, X, y, classes, locations):
        self.partial_fit(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.target_tags.multi_output = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
