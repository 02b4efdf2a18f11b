"""The scikit-learn contract for Keras models, built on scikeras.

This is the only module of skcosmo21 that imports scikeras, so the wrapper library could be
swapped without touching the estimators. scikeras 0.13 (its last release) predates
scikit-learn 1.6's tags: its ``KerasClassifier`` puts ``BaseEstimator`` before
``ClassifierMixin`` and defines no ``__sklearn_tags__``, so ``is_classifier`` is False and
``cross_val_score(..., cv=5)`` silently stops stratifying. Here the mixins come first and the
tags are declared; scikeras supplies model building (``_keras_build_fn`` with fitted ``meta``),
input validation, the Keras fit loop, prediction and pickling of Keras models.

On top of scikeras this base adds what the original study lacked: a validation split drawn by
``groups`` (so slices of one cube never sit on both sides), fixed by ``random_state`` and
reused when training resumes; a ``history_`` that survives ``warm_start``; early stopping;
checkpoints that let an interrupted fit resume; and seeded, deterministic training.
"""

import difflib
import json
import numbers
import os
import pathlib
import warnings
from collections import defaultdict

import numpy as np
import scipy.sparse as sp
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit, StratifiedShuffleSplit
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._targets import ClassifierTargetEncoder, RegressorTargetEncoder


def _keras():
    import keras

    return keras


class _KerasEstimator(BaseEstimator):
    """Shared machinery of every neural estimator; not public.

    Subclasses define ``__init__`` with explicit hyperparameters, ``_input_kind`` ("dense":
    vectors or images; "conv": images only) and ``_build_network(meta)``.

    scikeras's methods are reused as plain functions rather than by inheriting
    ``BaseWrapper``: that class defines the legacy ``_more_tags`` without
    ``__sklearn_tags__``, which scikit-learn >= 1.6 rejects anywhere in an estimator's MRO,
    and it orders ``BaseEstimator`` before the mixins. None of the borrowed methods uses
    ``super()``, so they behave exactly as in scikeras.
    """

    _scikeras_initialize = BaseWrapper._initialize
    _validate_data = BaseWrapper._validate_data
    _check_model_param = BaseWrapper._check_model_param
    _build_keras_model = BaseWrapper._build_keras_model
    _ensure_compiled_model = BaseWrapper._ensure_compiled_model
    _fit_keras_model = BaseWrapper._fit_keras_model
    _predict_raw_scikeras = BaseWrapper._predict_raw
    _get_metadata = BaseWrapper._get_metadata
    _initialize_callbacks = BaseWrapper._initialize_callbacks
    _type_of_target = BaseWrapper._type_of_target
    initialized_ = BaseWrapper.initialized_
    __name__ = BaseWrapper.__dict__["__name__"]

    # scikeras reads these; they are not hyperparameters of ours.
    model = None
    build_fn = None
    _input_kind = "dense"
    # Keras.fit arguments taken from our parameters; epochs and validation are handled here.
    _fit_kwargs = frozenset({"batch_size", "verbose"})
    _predict_kwargs = frozenset({"batch_size", "verbose"})

    # Parameters come from the __init__ signature, as in scikit-learn, not from the instance
    # __dict__ as scikeras does: fitted or private state can then never leak into get_params.
    _get_param_names = classmethod(BaseEstimator._get_param_names.__func__)

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

    # ----------------------------------------------------------------- validation helpers
    def _check_hyperparameters(self):
        checks = {
            "epochs": (numbers.Integral, 1),
            "batch_size": (numbers.Integral, 1),
        }
        for name, (kind, low) in checks.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, kind) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if not isinstance(self.learning_rate, numbers.Real) or not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be a positive number, got {self.learning_rate!r}")
        fraction = self.validation_fraction
        if not isinstance(fraction, numbers.Real) or not 0.0 <= fraction < 1.0:
            raise ValueError(f"validation_fraction must be in [0, 1), got {fraction!r}")
        if self.optimizer not in ("adam", "sgd", "rmsprop", "adamw"):
            raise ValueError(
                f"optimizer must be 'adam', 'adamw', 'rmsprop' or 'sgd', got {self.optimizer!r}"
            )

    def _check_input_shape(self, X):
        name = type(self).__name__
        if sp.issparse(X):
            raise TypeError(f"{name} does not support sparse input; pass a dense array")
        shape = X.shape if hasattr(X, "shape") else np.asarray(X).shape
        ndim = len(shape)
        kind = getattr(getattr(X, "dtype", None), "kind", "f")
        # Object arrays of numbers are accepted for feature rows, as scikit-learn does;
        # images must be numeric arrays, and strings never are.
        if kind in "USV" or (kind == "O" and self._input_kind == "conv"):
            raise ValueError(f"{name} needs a numeric array, got dtype {X.dtype}")
        if ndim == 1:
            raise ValueError(
                f"{name} expected a 2-D or higher array, got a 1-D array of shape {shape}. "
                "Reshape your data, e.g. with X.reshape(-1, 1) for a single feature."
            )
        if self._input_kind == "conv" and ndim not in (3, 4):
            raise ValueError(
                f"{name} needs images of shape (n, height, width) or (n, height, width, "
                f"channels); got an array of shape {shape}"
            )
        if self._input_kind == "dense" and ndim not in (2, 3, 4):
            raise ValueError(
                f"{name} needs vectors (n, features) or images (n, height, width[, channels]); "
                f"got an array of shape {shape}"
            )
        fitted_shape = getattr(self, "X_shape_", None)
        if fitted_shape is not None and tuple(shape[1:]) != tuple(fitted_shape[1:]):
            if ndim == 2 and len(fitted_shape) == 2:
                raise ValueError(
                    f"X has {shape[1]} features, but {name} is expecting "
                    f"{fitted_shape[1]} features as input"
                )
            raise ValueError(
                f"X has samples of shape {tuple(shape[1:])}, but {name} was fitted on samples "
                f"of shape {tuple(fitted_shape[1:])}"
            )
        if shape[0] == 0:
            raise ValueError(f"{name} needs at least one sample; got 0 samples")

    @property
    def feature_encoder(self):
        """Cast inputs to float32 and give single-channel images their channel axis."""
        if self._input_kind == "conv":
            return FunctionTransformer(_to_float32_with_channel)
        return FunctionTransformer(_to_float32)

    # --------------------------------------------------------------------- seeding
    def _seed(self):
        """Seed Keras's global generators so weights, dropout and shuffling repeat.

        scikeras seeds TensorFlow and enables op determinism around building and fitting,
        but Keras 3 initialisers draw from Keras's own seed generator, which only
        ``keras.utils.set_random_seed`` resets. NumPy's and Python's global states are
        restored so that seeding a model does not reseed the caller's code.
        """
        if self._random_state is None:
            return
        import random

        # The legacy global NumPy state is exactly what Keras reseeds, so it is what we save.
        numpy_state, python_state = np.random.get_state(), random.getstate()  # noqa: NPY002
        _keras().utils.set_random_seed(int(self._random_state))
        np.random.set_state(numpy_state)  # noqa: NPY002
        random.setstate(python_state)

    def _initialize(self, X, y=None):
        if isinstance(self.random_state, np.random.RandomState):
            # Draw one integer without advancing the caller's RandomState, as scikeras does.
            state = np.random.RandomState()
            state.set_state(self.random_state.get_state())
            self._random_state = int(state.randint(0, 2**31 - 1))
        else:
            self._random_state = self.random_state
        self._seed()
        return self._scikeras_initialize(X, y)

    def _keras_build_fn(self, meta):
        model = self._build_network(meta)
        model.compile(
            optimizer=self._make_optimizer(), loss=self._loss(meta), **self._compile_extra(meta)
        )
        return model

    def _make_optimizer(self):
        keras = _keras()
        optimizers = {
            "adam": keras.optimizers.Adam,
            "adamw": keras.optimizers.AdamW,
            "rmsprop": keras.optimizers.RMSprop,
            "sgd": keras.optimizers.SGD,
        }
        return optimizers[self.optimizer](learning_rate=self.learning_rate)

    def _compile_extra(self, meta):
        return {}

    # --------------------------------------------------------------- validation split
    def _validation_split(self, X, y, groups, resuming):
        n_samples = len(X)
        if not self.validation_fraction:
            return np.ones(n_samples, bool)
        previous = getattr(self, "validation_mask_", None)
        if resuming and previous is not None and len(previous) == n_samples:
            return ~previous  # the same held-out samples as before the resumed fit
        seed = self._random_state if self._random_state is not None else None
        n_val = int(np.ceil(self.validation_fraction * n_samples))
        if groups is not None:
            groups = np.asarray(groups)
            if len(groups) != n_samples:
                raise ValueError(f"groups has {len(groups)} entries but X has {n_samples} samples")
            if np.unique(groups).size < 2:
                raise ValueError("a group-aware validation split needs at least 2 groups")
            splitter = GroupShuffleSplit(1, test_size=self.validation_fraction, random_state=seed)
        elif self._stratify_validation(y, n_val):
            splitter = StratifiedShuffleSplit(1, test_size=n_val, random_state=seed)
        else:
            splitter = ShuffleSplit(1, test_size=n_val, random_state=seed)
        if n_samples - n_val < 1:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no training sample "
                f"with n_samples={n_samples}"
            )
        train, val = next(splitter.split(X, y, groups))
        mask = np.zeros(n_samples, bool)
        mask[val] = True
        self.validation_mask_ = mask
        return ~mask

    def _stratify_validation(self, y, n_val):
        return False

    # --------------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None, groups=None):
        """Train the network.

        Parameters
        ----------
        X : ndarray
            Samples: vectors (n, d) for dense models, or images (n, h, w[, c]).
        y : ndarray of shape (n,) or (n, n_targets)
            Targets; two columns train one network with one head per target.
        sample_weight : ndarray of shape (n,), default=None
            Per-sample loss weights.
        groups : ndarray of shape (n,), default=None
            Group labels (e.g. simulation realization). When given, the validation split
            holds out whole groups, so related samples never sit on both sides. Routed by
            ``Pipeline`` and ``GridSearchCV`` under metadata routing
            (``sklearn.set_config(enable_metadata_routing=True)`` and
            ``estimator.set_fit_request(groups=True)``).

        Returns
        -------
        self
        """
        self._check_hyperparameters()
        self._check_input_shape(X)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        y = _column_to_1d(y)
        resuming = bool(self.warm_start and self.initialized_)
        if resuming:
            X, y = self._validate_data(X, y)
            initial_epoch = self.current_epoch
        else:
            X, y = self._initialize(X, y)
            self.history_ = {}
            initial_epoch = self._restore_checkpoint(X)
        sample_weight = self._combined_sample_weight(X, y, sample_weight)
        train = self._validation_split(X, y, groups, resuming)

        y_encoded = self.target_encoder_.transform(y)
        X_encoded = self.feature_encoder_.transform(X)
        fit_kwargs = {}
        if not train.all():
            val = ~train
            fit_kwargs["validation_data"] = (
                X_encoded[val],
                _index(y_encoded, val),
                None if sample_weight is None else sample_weight[val],
            )
        remaining = self.epochs if resuming else self.epochs - initial_epoch
        if remaining > 0:
            self._seed()
            self._fit_callbacks = self._training_callbacks(bool(fit_kwargs), X)
            # scikeras appends to history_ when warm_start is set and initial_epoch > 0.
            self.history_ = defaultdict(list, self.history_)
            everything = bool(train.all())  # no validation split: train without a copy of X
            self._fit_keras_model(
                X_encoded if everything else X_encoded[train],
                y_encoded if everything else _index(y_encoded, train),
                sample_weight=(
                    sample_weight if sample_weight is None or everything else sample_weight[train]
                ),
                warm_start=True,
                epochs=remaining,
                initial_epoch=initial_epoch,
                **fit_kwargs,
            )
        self.history_ = dict(self.history_)
        return self

    @property
    def partial_fit(self):
        """Not offered (``hasattr`` is False): use ``warm_start=True`` with ``fit``."""
        raise AttributeError("use warm_start=True and fit() to continue training")

    def _combined_sample_weight(self, X, y, sample_weight):
        if sample_weight is None:
            return None
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (len(X),):
            raise ValueError(
                f"sample_weight must have shape ({len(X)},), got {sample_weight.shape}"
            )
        if not np.isfinite(sample_weight).all() or (sample_weight < 0).any():
            raise ValueError("sample_weight must be finite and non-negative")
        if not sample_weight.any():
            raise ValueError("sample_weight must not be all zero")
        return sample_weight

    def _training_callbacks(self, has_validation, X):
        keras = _keras()
        callbacks = []
        if self.early_stopping:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss" if has_validation else "loss",
                    patience=self.n_iter_no_change,
                    restore_best_weights=True,
                )
            )
        if self.checkpoint_dir is not None:
            callbacks.append(_checkpoint_callback(self, self._checkpoint_fingerprint(X)))
        return callbacks

    # -------------------------------------------------------------------- checkpoints
    def _checkpoint_paths(self):
        folder = pathlib.Path(self.checkpoint_dir)
        return folder / "model.keras", folder / "state.json"

    def _checkpoint_fingerprint(self, X):
        params = {
            k: repr(v)
            for k, v in self.get_params().items()
            if k not in ("epochs", "verbose", "checkpoint_dir", "warm_start")
        }
        return {"estimator": type(self).__name__, "params": params, "X_shape": list(X.shape)}

    def _restore_checkpoint(self, X):
        """Resume from ``checkpoint_dir`` if it holds a fit of this estimator on this data."""
        if self.checkpoint_dir is None:
            return 0
        model_path, state_path = self._checkpoint_paths()
        if not (model_path.exists() and state_path.exists()):
            return 0
        state = json.loads(state_path.read_text())
        if state.get("fingerprint") != self._checkpoint_fingerprint(X):
            raise ValueError(
                f"checkpoint_dir {str(self.checkpoint_dir)!r} holds a checkpoint of another "
                "estimator, parameter set or data shape; use an empty folder"
            )
        self.model_ = _keras().models.load_model(model_path)
        self.history_ = {k: list(v) for k, v in state["history"].items()}
        if state.get("validation_mask") is not None:
            self.validation_mask_ = np.asarray(state["validation_mask"], bool)
        return int(state["epoch"])

    # ---------------------------------------------------------------------- inference
    @property
    def current_epoch(self):
        """Number of epochs trained so far, across resumed fits."""
        if not hasattr(self, "history_") or not self.history_:
            return 0
        return len(self.history_["loss"])

    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self, "model_")
        self._check_input_shape(X)
        return self._predict_raw_scikeras(X, **kwargs)

    def predict(self, X):
        """Predict targets: class labels or values, (n,) or (n, n_targets).

        Parameters
        ----------
        X : ndarray
            Samples shaped as in ``fit``.

        Returns
        -------
        y_pred : ndarray
        """
        raw = self._predict_raw(X)
        return self.target_encoder_.inverse_transform(raw)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = self._input_kind == "dense"
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        tags.target_tags.multi_output = True
        return tags


def _column_to_1d(y):
    """Ravel a column-vector y with scikit-learn's DataConversionWarning."""
    shape = getattr(y, "shape", None)
    if shape is not None and len(shape) == 2 and shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change the "
            "shape of y to (n_samples, ), for example using ravel().",
            DataConversionWarning,
            stacklevel=3,
        )
        return np.asarray(y).ravel()
    return y


def _to_float32(X):
    return np.asarray(X, dtype=np.float32)


def _to_float32_with_channel(X):
    X = np.asarray(X, dtype=np.float32)
    return X[..., None] if X.ndim == 3 else X


def _index(y_encoded, mask):
    if isinstance(y_encoded, list):
        return [column[mask] for column in y_encoded]
    return y_encoded[mask]


def _checkpoint_callback(estimator, fingerprint):
    keras = _keras()
    model_path, state_path = estimator._checkpoint_paths()

    class Checkpoint(keras.callbacks.Callback):
        """Save model (with optimizer state), history and epoch after every epoch."""

        def on_train_begin(self, logs=None):
            self._history = {k: list(v) for k, v in estimator.history_.items()}
            model_path.parent.mkdir(parents=True, exist_ok=True)

        def on_epoch_end(self, epoch, logs=None):
            for key, value in (logs or {}).items():
                self._history.setdefault(key, []).append(float(value))
            self.model.save(model_path)
            mask = getattr(estimator, "validation_mask_", None)
            state = {
                "epoch": epoch + 1,
                "history": self._history,
                "fingerprint": fingerprint,
                "validation_mask": None if mask is None else mask.tolist(),
            }
            tmp = state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            os.replace(tmp, state_path)  # atomic: an interruption never leaves half a state

    return Checkpoint()


class KerasClassifierBase(ClassifierMixin, _KerasEstimator):
    """Base of neural classifiers: softmax heads, one per target column.

    ``score`` is the accuracy; with several target columns it is the fraction of samples
    with every column right (scikit-learn's subset accuracy).
    """

    @property
    def target_encoder(self):
        """Encode each target column as integer class indices."""
        return ClassifierTargetEncoder()

    def fit(self, X, y, sample_weight=None, groups=None):  # noqa: D102 (documented in base)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        check_classification_targets(y)
        if self.class_weight is not None:
            weights = compute_sample_weight(self.class_weight, y)
            sample_weight = weights if sample_weight is None else sample_weight * weights
        return super().fit(X, y, sample_weight=sample_weight, groups=groups)

    fit.__doc__ = _KerasEstimator.fit.__doc__

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
        raw = self._predict_raw(X)
        return self.target_encoder_.inverse_transform(raw, return_proba=True)

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

    def _loss(self, meta):
        return ["sparse_categorical_crossentropy"] * meta["n_outputs_expected_"]

    def _compile_extra(self, meta):
        return {"metrics": [["accuracy"]] * meta["n_outputs_expected_"]}

    def _heads(self, meta):
        return [(len(classes), "softmax") for classes in self.target_encoder_.classes_]

    def _stratify_validation(self, y, n_val):
        y = np.asarray(y)
        if y.ndim != 1:
            return False
        _, counts = np.unique(y, return_counts=True)
        return counts.min() >= 2 and n_val >= len(counts)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = False
        return tags


class KerasRegressorBase(RegressorMixin, _KerasEstimator):
    """Base of neural regressors: linear heads on standardised targets, one per column."""

    @property
    def target_encoder(self):
        """Standardise each target column."""
        return RegressorTargetEncoder()

    def _loss(self, meta):
        return ["mse"] * meta["n_outputs_expected_"]

    def _heads(self, meta):
        return [(1, None)] * meta["n_outputs_expected_"]


class KerasTransformerBase(TransformerMixin, _KerasEstimator):
    """Base of unsupervised neural transformers trained to reproduce their input."""

    @property
    def target_encoder(self):
        """Targets are the (float32) inputs themselves."""
        return FunctionTransformer(_to_float32)

    def fit(self, X, y=None, sample_weight=None, groups=None):  # noqa: D102
        self._check_input_shape(X)
        target = _to_float32_with_channel(X)
        return super().fit(X, target, sample_weight=sample_weight, groups=groups)

    fit.__doc__ = _KerasEstimator.fit.__doc__

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        # Targets are images: validate X with scikeras and only check y's length.
        X, _ = super()._validate_data(X, None, reset=reset)
        if y is not None and len(y) != len(X):
            raise ValueError("X and its reconstruction target differ in length")
        if reset:
            self.target_type_ = "continuous"
        return X, y

    def _loss(self, meta):
        return "mse"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.target_tags.multi_output = False
        return tags
