"""Neural estimators: dense and convolutional classifiers and regressors, an autoencoder."""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils import Interval, StrOptions
from ._base import (
    _ACTIVATIONS,
    KerasClassifierBase,
    KerasRegressorBase,
    KerasTransformerBase,
    _layer_sizes,
)
from ._builders import build_autoencoder, build_conv_network, build_dense_network

_TRAINING_PARAMETERS = """
    epochs : int, default={epochs}
        Passes over the training data in each call of ``fit``: a warm-started ``fit`` trains
        this many more; a ``fit`` that resumes an interrupted one from ``checkpoint_dir``
        completes that call, training the passes it had left. ``partial_fit`` makes one pass.
    batch_size : int, default=32
        Samples per gradient step.
    learning_rate : float, default={learning_rate}
        Optimizer step size.
    optimizer : {{"adam", "adamw", "rmsprop", "sgd"}}, default="adam"
        Keras optimizer.
    validation_fraction : float, default=0.1
        Fraction of the training data held out to monitor ``val_loss``; by whole groups when
        ``fit`` gets ``groups``. Fixed by ``random_state``; a resumed fit keeps its
        checkpoint's split and a warm start holds out the same samples (recognised by
        content, in any order). 0 disables it.
    early_stopping : bool, default=False
        Stop when the monitored loss (``val_loss``, or ``loss`` without validation) has not
        improved for ``n_iter_no_change`` epochs, and restore the best weights. A resumed fit
        restarts the count.
    n_iter_no_change : int, default=5
        Patience of early stopping, in epochs (>= 1).
    warm_start : bool, default=False
        Continue training the existing network on the next ``fit`` (history is appended).
    checkpoint_dir : str or path, default=None
        Save the network, optimizer state, history and validation split after every epoch of
        ``fit``, atomically (an interruption never leaves a damaged checkpoint). A ``fit``
        that does not resume replaces the checkpoint, with a warning.
    resume : bool, default=False
        Let ``fit`` take up the checkpoint in ``checkpoint_dir`` when it was written by this
        estimator class with the same parameters (but ``epochs``, ``verbose``,
        ``checkpoint_dir``, ``warm_start``, ``resume``) on the same data (a hash of X, y,
        weights, groups and slice orientations, not only their shapes). Otherwise, ``fit``
        starts afresh.
    random_state : int, RandomState or None, default=None
        Seeds weights, shuffling, augmentation, dropout and the validation split; with an
        int, a fit is exactly repeatable on a CPU (on a GPU, also call
        ``tf.config.experimental.enable_op_determinism()``). An int in [0, 2**32 - 1].
    verbose : int, default=0
        0 silent; otherwise a progress bar over epochs with the latest losses."""

_CLASSIFIER_EXTRA = """
    class_weight : dict, "balanced", list or None, default=None
        Class weights ({{label: non-negative weight}}), turned into sample weights; a list
        gives one per target column for joint targets. ``partial_fit`` takes dicts only."""

_REGRESSOR_EXTRA = """
    loss : {"mse", "gaussian_nll"}, default="mse"
        ``"mse"``: one linear unit per target. ``"gaussian_nll"``: a mean and a variance per
        target trained by the Gaussian negative log-likelihood, so that
        ``predict(X, return_std=True)`` gives calibrated uncertainties."""

_CONV_EXTRA = """
    padding : {"same", "periodic"}, default="same"
        Zero padding, or wrapping around the edges for inputs that are one period of a
        periodic field (whole slices of a coeval box, whose opposite edges touch). The
        default is zero padding because patches and observed maps are not periodic.
    residual : bool, default=False
        Add a shortcut around every convolutional block (residual network).
    convs_per_block : int, default=1
        Convolutions in each block: the network's depth is ``len(filters) *
        convs_per_block`` convolutions.
    augment : bool, default=False
        During ``fit`` and ``partial_fit`` only, give each training sample a random exact
        symmetry of a periodic slice: a periodic shift and a reflection along each axis, and
        a random 90° rotation for slices along the line of sight (cube axis 2), when
        ``locations`` says which those are. Meant for whole slices of coeval boxes: patches
        and lightcones are not periodic. Never applied at prediction."""

_FITTED = """
    history_ : dict of list
        Training ``loss`` (and ``accuracy``) and validation ``val_*`` per epoch, across
        warm starts, resumed fits and ``partial_fit`` calls.
    model_ : keras.Model
        The trained network, built from the fitted values when first read (a copy: training
        it does not change the estimator).
    validation_mask_ : ndarray of bool
        Which samples of the last ``fit`` were held out for validation.
    sample_shape_ : tuple of int
        Shape of one sample seen in ``fit``.
    n_features_in_ : int
        Values per sample (features, or pixels × channels)."""


def _doc(cls, **defaults):
    for key, text in (
        ("{training}", _TRAINING_PARAMETERS.format(**defaults)),
        ("{classifier}", _CLASSIFIER_EXTRA),
        ("{regressor}", _REGRESSOR_EXTRA),
        ("{conv}", _CONV_EXTRA),
        ("{fitted}", _FITTED),
    ):
        cls.__doc__ = cls.__doc__.replace(key, text)
    return cls


_DENSE_CONSTRAINTS = {
    "hidden_layer_sizes": [tuple, list],
    "activation": [StrOptions(_ACTIVATIONS)],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "batch_norm": ["boolean"],
    "alpha": [Interval(numbers.Real, 0, None, closed="left")],
}

_CONV_CONSTRAINTS = {
    "filters": [tuple, list],
    "kernel_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "pooling": [StrOptions({"max", "average"}), None],
    "dense_units": [tuple, list],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "batch_norm": ["boolean"],
    "padding": [StrOptions({"same", "periodic"})],
    "residual": ["boolean"],
    "convs_per_block": [Interval(numbers.Integral, 1, None, closed="left")],
    "augment": ["boolean"],
}


class _DenseMixin:
    _input_kind = "dense"

    def _check_architecture(self):
        super()._check_architecture()
        _layer_sizes(
            self.hidden_layer_sizes, "hidden_layer_sizes", type(self).__name__, allow_empty=True
        )

    def _network(self):
        return build_dense_network, {
            "hidden_layer_sizes": tuple(self.hidden_layer_sizes),
            "activation": self.activation,
            "dropout": self.dropout,
            "batch_norm": self.batch_norm,
            "alpha": self.alpha,
        }


class _ConvMixin:
    _input_kind = "conv"
    _augments = True

    def _check_architecture(self):
        super()._check_architecture()
        owner = type(self).__name__
        _layer_sizes(self.filters, "filters", owner, allow_empty=False)
        _layer_sizes(self.dense_units, "dense_units", owner, allow_empty=True)

    def _network(self):
        return build_conv_network, {
            "filters": tuple(self.filters),
            "kernel_size": self.kernel_size,
            "pooling": self.pooling,
            "dense_units": tuple(self.dense_units),
            "dropout": self.dropout,
            "batch_norm": self.batch_norm,
            "padding": self.padding,
            "residual": self.residual,
            "convs_per_block": self.convs_per_block,
        }


class DenseClassifier(_DenseMixin, KerasClassifierBase):
    """Fully connected neural-network classifier (TensorFlow/Keras).

    The default is the original study's network: ``DenseClassifier()`` on flattened 50 × 50
    patches is 2500 → 350 → n_classes. Accepts vectors (n, d) or images (n, h, w[, c]), which
    the network flattens. A 2-column ``y`` (e.g. redshift and f_esc) trains one network with
    one softmax head per column.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(350,)
        Units of each hidden layer.
    activation : str, default="relu"
        Hidden activation: "relu", "elu", "gelu", "selu", "silu", "swish", "tanh",
        "sigmoid" or "softplus".
    dropout : float, default=0.0
        Dropout after each hidden layer, in [0, 1).
    batch_norm : bool, default=False
        Batch normalisation after each hidden layer.
    alpha : float, default=0.0
        L2 penalty on the hidden weights.
    {training}
    {classifier}

    Attributes
    ----------
    classes_ : ndarray, or list of ndarray for joint targets
        Class labels per target column.
    {fitted}

    See Also
    --------
    ConvClassifier : Convolutional counterpart for images.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.neural import DenseClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 8)).astype("float32")
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = DenseClassifier(hidden_layer_sizes=(16,), epochs=30, learning_rate=0.01,
    ...                       random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    _parameter_constraints = {
        **KerasClassifierBase._parameter_constraints,
        **_DENSE_CONSTRAINTS,
    }

    def __init__(
        self,
        hidden_layer_sizes=(350,),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        alpha=0.0,
        *,
        epochs=10,
        batch_size=32,
        learning_rate=1e-3,
        optimizer="adam",
        validation_fraction=0.1,
        early_stopping=False,
        n_iter_no_change=5,
        warm_start=False,
        checkpoint_dir=None,
        resume=False,
        random_state=None,
        verbose=0,
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.alpha = alpha
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.random_state = random_state
        self.verbose = verbose
        self.class_weight = class_weight


DenseClassifier = _doc(DenseClassifier, epochs=10, learning_rate=1e-3)


class DenseRegressor(_DenseMixin, KerasRegressorBase):
    """Fully connected neural-network regressor, e.g. for continuous redshift and f_esc.

    Targets are standardised internally; a 2-column ``y`` trains one network with one head
    per column, and ``score`` is the R² averaged over columns. With ``loss="gaussian_nll"``
    each head also predicts a variance: ``predict(X, return_std=True)``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(350,)
        Units of each hidden layer.
    activation : str, default="relu"
        Hidden activation: "relu", "elu", "gelu", "selu", "silu", "swish", "tanh",
        "sigmoid" or "softplus".
    dropout : float, default=0.0
        Dropout after each hidden layer, in [0, 1).
    batch_norm : bool, default=False
        Batch normalisation after each hidden layer.
    alpha : float, default=0.0
        L2 penalty on the hidden weights.
    {regressor}
    {training}

    Attributes
    ----------
    {fitted}

    See Also
    --------
    ConvRegressor : Convolutional counterpart for images.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.neural import DenseRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 4)).astype("float32")
    >>> y = 8.0 + X[:, 0] - 0.5 * X[:, 1]
    >>> reg = DenseRegressor(hidden_layer_sizes=(32,), epochs=40, learning_rate=0.01,
    ...                      random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """

    _parameter_constraints = {
        **KerasRegressorBase._parameter_constraints,
        **_DENSE_CONSTRAINTS,
    }

    def __init__(
        self,
        hidden_layer_sizes=(350,),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        alpha=0.0,
        *,
        loss="mse",
        epochs=10,
        batch_size=32,
        learning_rate=1e-3,
        optimizer="adam",
        validation_fraction=0.1,
        early_stopping=False,
        n_iter_no_change=5,
        warm_start=False,
        checkpoint_dir=None,
        resume=False,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.alpha = alpha
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.random_state = random_state
        self.verbose = verbose


DenseRegressor = _doc(DenseRegressor, epochs=10, learning_rate=1e-3)


class ConvClassifier(_ConvMixin, KerasClassifierBase):
    """Convolutional neural-network classifier for images or one-dimensional signals.

    Images (n, h, w) or (n, h, w, c) get 2-D convolutions; 2-D input (n, length) is taken as
    single-channel one-dimensional signals (e.g. line-of-sight skewers of δT_b) and gets 1-D
    convolutions. Blocks of [Conv → (BatchNorm) → activation] × ``convs_per_block`` (with a
    shortcut when ``residual``) → pooling, per entry of ``filters``; global average pooling;
    dense layers; one softmax head per target column (joint redshift and f_esc with a
    2-column ``y``).

    Parameters
    ----------
    filters : tuple of int, default=(16, 32)
        Filters of each convolutional block.
    kernel_size : int, default=3
        Kernel side.
    pooling : {"max", "average", None}, default="max"
        2× pooling after each block.
    dense_units : tuple of int, default=(64,)
        Dense layers after global pooling.
    dropout : float, default=0.0
        Dropout before the heads, in [0, 1).
    batch_norm : bool, default=False
        Batch normalisation after each convolution.{conv}
    {training}
    {classifier}

    Attributes
    ----------
    classes_ : ndarray, or list of ndarray for joint targets
        Class labels per target column.
    {fitted}

    See Also
    --------
    AutoencoderEncoder : Learned compression to put in front of this classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.neural import ConvClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 8, 8)).astype("float32")
    >>> y = np.repeat([0, 1], 60)
    >>> X[y == 1] += 1.0
    >>> clf = ConvClassifier(filters=(4,), dense_units=(8,), epochs=20, learning_rate=0.01,
    ...                      random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (120, 2)
    """

    _parameter_constraints = {
        **KerasClassifierBase._parameter_constraints,
        **_CONV_CONSTRAINTS,
    }

    def __init__(
        self,
        filters=(16, 32),
        kernel_size=3,
        pooling="max",
        dense_units=(64,),
        dropout=0.0,
        batch_norm=False,
        *,
        padding="same",
        residual=False,
        convs_per_block=1,
        augment=False,
        epochs=10,
        batch_size=32,
        learning_rate=1e-3,
        optimizer="adam",
        validation_fraction=0.1,
        early_stopping=False,
        n_iter_no_change=5,
        warm_start=False,
        checkpoint_dir=None,
        resume=False,
        random_state=None,
        verbose=0,
        class_weight=None,
    ):
        self.filters = filters
        self.kernel_size = kernel_size
        self.pooling = pooling
        self.dense_units = dense_units
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.padding = padding
        self.residual = residual
        self.convs_per_block = convs_per_block
        self.augment = augment
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.random_state = random_state
        self.verbose = verbose
        self.class_weight = class_weight


ConvClassifier = _doc(ConvClassifier, epochs=10, learning_rate=1e-3)


class ConvRegressor(_ConvMixin, KerasRegressorBase):
    """Convolutional neural-network regressor for images or signals, one head per target.

    The architecture is :class:`ConvClassifier`'s, with linear (or, with
    ``loss="gaussian_nll"``, Gaussian mean-and-variance) heads on standardised targets.

    Parameters
    ----------
    filters : tuple of int, default=(16, 32)
        Filters of each convolutional block.
    kernel_size : int, default=3
        Kernel side.
    pooling : {"max", "average", None}, default="max"
        2× pooling after each block.
    dense_units : tuple of int, default=(64,)
        Dense layers after global pooling.
    dropout : float, default=0.0
        Dropout before the heads, in [0, 1).
    batch_norm : bool, default=False
        Batch normalisation after each convolution.{conv}
    {regressor}
    {training}

    Attributes
    ----------
    {fitted}

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.neural import ConvRegressor
    >>> X = np.random.default_rng(0).normal(size=(60, 8, 8)).astype("float32")
    >>> reg = ConvRegressor(filters=(4,), dense_units=(8,), epochs=2, random_state=0)
    >>> reg.fit(X, X.mean(axis=(1, 2))).predict(X).shape
    (60,)
    """

    _parameter_constraints = {
        **KerasRegressorBase._parameter_constraints,
        **_CONV_CONSTRAINTS,
    }

    def __init__(
        self,
        filters=(16, 32),
        kernel_size=3,
        pooling="max",
        dense_units=(64,),
        dropout=0.0,
        batch_norm=False,
        *,
        padding="same",
        residual=False,
        convs_per_block=1,
        augment=False,
        loss="mse",
        epochs=10,
        batch_size=32,
        learning_rate=1e-3,
        optimizer="adam",
        validation_fraction=0.1,
        early_stopping=False,
        n_iter_no_change=5,
        warm_start=False,
        checkpoint_dir=None,
        resume=False,
        random_state=None,
        verbose=0,
    ):
        self.filters = filters
        self.kernel_size = kernel_size
        self.pooling = pooling
        self.dense_units = dense_units
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.padding = padding
        self.residual = residual
        self.convs_per_block = convs_per_block
        self.augment = augment
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # scikit-learn's bar (R² > 0.5 on make_regression, ten columns of which one matters)
        # asks a model to weight columns individually; global pooling makes a convolutional
        # network's features invariant to where a pattern sits, so on tabular columns it
        # cannot single one out. Images and signals, its input, have no such privileged
        # position.
        tags.regressor_tags.poor_score = True
        return tags


ConvRegressor = _doc(ConvRegressor, epochs=10, learning_rate=1e-3)


class AutoencoderEncoder(KerasTransformerBase):
    """Convolutional autoencoder whose ``transform`` is the encoder (a learned compression).

    ``fit`` trains the autoencoder to reproduce its input (mean squared error); ``transform``
    returns the code, ``inverse_transform`` decodes it. The default architecture is the
    original study's, layer for layer: for 200 × 200 × 1 input, Conv2D(16) → MaxPool →
    Conv2D(8) → MaxPool → Conv2D(8) → MaxPool gives a 25 × 25 × 8 code (40,000 → 5,000
    values), then Conv2D(8) → UpSampling → Conv2D(8) → UpSampling → Conv2D(16) → UpSampling →
    Conv2D(1): 3 × 3 kernels, 'same' padding, 4,385 trainable parameters. The output layer is
    linear (inputs are standardised δT_b, not [0, 1] pixels). 2-D input (n, length) is taken
    as one-dimensional signals with 1-D convolutions; sizes that ``2**len(encoder_filters)``
    does not divide are pooled rounding up, and reconstructions cropped to the input's size.

    Parameters
    ----------
    encoder_filters : tuple of int, default=(16, 8, 8)
        Filters per encoder block.
    decoder_filters : tuple of int, default=(8, 8, 16)
        Filters per decoder block (same length as ``encoder_filters``).
    kernel_size : int, default=3
        Kernel side.
    flatten : bool, default=False
        ``transform`` returns rows (n, code size) instead of code images (n, ``*code_shape_``).
    {training}

    Attributes
    ----------
    code_shape_ : tuple of int
        Shape of one code: (h, w, c) for images, (length, c) for signals.
    {fitted}

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.neural import AutoencoderEncoder
    >>> X = np.random.default_rng(0).normal(size=(16, 16, 16)).astype("float32")
    >>> ae = AutoencoderEncoder(epochs=1, random_state=0).fit(X)
    >>> ae.transform(X).shape, ae.inverse_transform(ae.transform(X)).shape
    ((16, 2, 2, 8), (16, 16, 16))
    """

    _input_kind = "conv"

    _parameter_constraints = {
        **KerasTransformerBase._parameter_constraints,
        "encoder_filters": [tuple, list],
        "decoder_filters": [tuple, list],
        "kernel_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "flatten": ["boolean"],
    }

    def __init__(
        self,
        encoder_filters=(16, 8, 8),
        decoder_filters=(8, 8, 16),
        kernel_size=3,
        flatten=False,
        *,
        epochs=10,
        batch_size=32,
        learning_rate=1e-3,
        optimizer="adam",
        validation_fraction=0.1,
        early_stopping=False,
        n_iter_no_change=5,
        warm_start=False,
        checkpoint_dir=None,
        resume=False,
        random_state=None,
        verbose=0,
    ):
        self.encoder_filters = encoder_filters
        self.decoder_filters = decoder_filters
        self.kernel_size = kernel_size
        self.flatten = flatten
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.random_state = random_state
        self.verbose = verbose

    def _check_architecture(self):
        super()._check_architecture()
        owner = type(self).__name__
        _layer_sizes(self.encoder_filters, "encoder_filters", owner, allow_empty=False)
        _layer_sizes(self.decoder_filters, "decoder_filters", owner, allow_empty=False)
        if len(self.encoder_filters) != len(self.decoder_filters):
            raise ValueError(
                f"encoder_filters {tuple(self.encoder_filters)} and decoder_filters "
                f"{tuple(self.decoder_filters)} must have the same length"
            )

    def _heads(self):
        return []

    def _network(self):
        return _autoencoder, {
            "encoder_filters": tuple(self.encoder_filters),
            "decoder_filters": tuple(self.decoder_filters),
            "kernel_size": self.kernel_size,
        }

    def _set_target_attributes(self):
        pass

    def _start(self, X, y, classes=None):
        super()._start(X, y, classes)
        with self._workspace() as space:
            encoder = space.model.get_layer("encoder")
            self.code_shape_ = tuple(int(d) for d in encoder.output.shape[1:])

    def transform(self, X):
        """Encode images or signals.

        Parameters
        ----------
        X : ndarray of shape (n, length), (n, h, w) or (n, h, w, c)
            Samples of the shape seen in ``fit``.

        Returns
        -------
        codes : ndarray of shape (n, ``*code_shape_``), or (n, code size) with ``flatten``
        """
        (codes,) = self._outputs(X, part="encoder")
        return codes.reshape(len(codes), -1) if self.flatten else codes

    def inverse_transform(self, X):
        """Decode codes back to samples in the layout of the training input.

        Parameters
        ----------
        X : ndarray of shape (n, ``*code_shape_``) or (n, code size)
            Codes from :meth:`transform`, image-shaped or flattened.

        Returns
        -------
        samples : ndarray
        """
        check_is_fitted(self, "_values")
        codes = np.asarray(X, dtype=np.float32)
        size = int(np.prod(self.code_shape_))
        if codes.ndim < 2 or (codes.shape[1:] != self.code_shape_ and codes.shape[1:] != (size,)):
            expected = ", ".join(map(str, self.code_shape_))
            raise ValueError(
                f"inverse_transform needs codes of shape (n, {expected}) "
                f"or flattened (n, {size}), as transform returns; got shape {codes.shape}"
            )
        if not np.isfinite(codes).all():
            raise ValueError("inverse_transform got codes with NaN or infinite values")
        codes = codes.reshape((len(codes),) + self.code_shape_)
        (samples,) = self._network_outputs(codes, part="decoder")
        return samples[..., 0] if len(self.sample_shape_) < 3 else samples

    @property
    def predict(self):
        """Not offered (``hasattr`` is False): an autoencoder transforms."""
        raise AttributeError("AutoencoderEncoder has no predict; use transform")

    def score(self, X, y=None):
        """Negative mean squared reconstruction error (higher is better).

        Parameters
        ----------
        X : ndarray
            Samples.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        reconstruction = self.inverse_transform(self.transform(X))
        return -float(np.mean((np.asarray(X, dtype=np.float32) - reconstruction) ** 2))


AutoencoderEncoder = _doc(AutoencoderEncoder, epochs=10, learning_rate=1e-3)


def _autoencoder(input_shape, heads, **kwargs):
    """The autoencoder model alone (the builder also returns its encoder and decoder)."""
    autoencoder, _, _ = build_autoencoder(input_shape, **kwargs)
    return autoencoder
