"""Neural estimators: dense and convolutional classifiers and regressors, an autoencoder."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._base import KerasClassifierBase, KerasRegressorBase, KerasTransformerBase
from ._builders import build_autoencoder, build_conv_network, build_dense_network

_TRAINING_PARAMETERS = """
    epochs : int, default={epochs}
        Passes over the training data (in total, including epochs restored from a checkpoint).
    batch_size : int, default=32
        Samples per gradient step.
    learning_rate : float, default={learning_rate}
        Optimizer step size.
    optimizer : {{"adam", "adamw", "rmsprop", "sgd"}}, default="adam"
        Keras optimizer.
    validation_fraction : float, default=0.1
        Fraction of the training data held out to monitor ``val_loss``; by whole groups when
        ``fit`` gets ``groups``. Fixed by ``random_state`` and kept when training resumes.
        0 disables it.
    early_stopping : bool, default=False
        Stop when the monitored loss has not improved for ``n_iter_no_change`` epochs, and
        restore the best weights.
    n_iter_no_change : int, default=5
        Patience of early stopping.
    warm_start : bool, default=False
        Continue training the existing network on the next ``fit`` (history is appended).
    checkpoint_dir : str or path, default=None
        Save the model, optimizer state and history after every epoch; a new ``fit`` with an
        unfinished checkpoint of the same estimator and data resumes from it.
    random_state : int, RandomState or None, default=None
        Seeds weights, shuffling, dropout and the validation split; with an int, a fit is
        exactly repeatable.
    verbose : int, default=0
        Keras progress output (0 silent, 1 progress bar, 2 one line per epoch)."""

_CLASSIFIER_EXTRA = """
    class_weight : dict, "balanced" or None, default=None
        Class weights, turned into sample weights (per column for joint targets)."""

_FITTED = """
    history_ : dict of list
        Training ``loss`` (and metrics) and validation ``val_*`` per epoch, across resumed
        fits.
    model_ : keras.Model
        The trained network.
    validation_mask_ : ndarray of bool
        Which training samples were held out for validation."""


def _doc(cls, **defaults):
    cls.__doc__ = cls.__doc__.replace("{training}", _TRAINING_PARAMETERS.format(**defaults))
    cls.__doc__ = cls.__doc__.replace("{classifier}", _CLASSIFIER_EXTRA)
    cls.__doc__ = cls.__doc__.replace("{fitted}", _FITTED)
    return cls


class _DenseMixin:
    _input_kind = "dense"

    def _build_network(self, meta):
        return build_dense_network(
            meta["X_shape_"][1:],
            self._heads(meta),
            hidden_layer_sizes=self.hidden_layer_sizes,
            activation=self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            alpha=self.alpha,
        )


class _ConvMixin:
    _input_kind = "conv"

    def _build_network(self, meta):
        shape = tuple(meta["X_shape_"][1:])
        shape = shape + (1,) if len(shape) == 2 else shape
        return build_conv_network(
            shape,
            self._heads(meta),
            filters=self.filters,
            kernel_size=self.kernel_size,
            pooling=self.pooling,
            dense_units=self.dense_units,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
        )


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
        Hidden activation.
    dropout : float, default=0.0
        Dropout after each hidden layer.
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
        self.random_state = random_state
        self.verbose = verbose
        self.class_weight = class_weight


DenseClassifier = _doc(DenseClassifier, epochs=10, learning_rate=1e-3)


class DenseRegressor(_DenseMixin, KerasRegressorBase):
    """Fully connected neural-network regressor, e.g. for continuous redshift and f_esc.

    Targets are standardised internally; a 2-column ``y`` trains one network with one linear
    head per column, and ``score`` is the R² averaged over columns.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(350,)
        Units of each hidden layer.
    activation : str, default="relu"
        Hidden activation.
    dropout : float, default=0.0
        Dropout after each hidden layer.
    batch_norm : bool, default=False
        Batch normalisation after each hidden layer.
    alpha : float, default=0.0
        L2 penalty on the hidden weights.
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
        random_state=None,
        verbose=0,
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
        self.random_state = random_state
        self.verbose = verbose


DenseRegressor = _doc(DenseRegressor, epochs=10, learning_rate=1e-3)


class ConvClassifier(_ConvMixin, KerasClassifierBase):
    """Convolutional neural-network classifier for images (n, h, w) or (n, h, w, c).

    [Conv2D → (BatchNorm) → Pool] per entry of ``filters``, global average pooling, dense
    layers, then one softmax head per target column (joint redshift and f_esc with a 2-column
    ``y``).

    Parameters
    ----------
    filters : tuple of int, default=(16, 32)
        Filters of each convolutional block.
    kernel_size : int, default=3
        Kernel side.
    pooling : {"max", "average", None}, default="max"
        2 × 2 pooling after each block.
    dense_units : tuple of int, default=(64,)
        Dense layers after global pooling.
    dropout : float, default=0.0
        Dropout before the heads.
    batch_norm : bool, default=False
        Batch normalisation after each convolution.
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

    def __init__(
        self,
        filters=(16, 32),
        kernel_size=3,
        pooling="max",
        dense_units=(64,),
        dropout=0.0,
        batch_norm=False,
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
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.random_state = random_state
        self.verbose = verbose
        self.class_weight = class_weight


ConvClassifier = _doc(ConvClassifier, epochs=10, learning_rate=1e-3)


class ConvRegressor(_ConvMixin, KerasRegressorBase):
    """Convolutional neural-network regressor for images, one linear head per target column.

    Parameters
    ----------
    filters : tuple of int, default=(16, 32)
        Filters of each convolutional block.
    kernel_size : int, default=3
        Kernel side.
    pooling : {"max", "average", None}, default="max"
        2 × 2 pooling after each block.
    dense_units : tuple of int, default=(64,)
        Dense layers after global pooling.
    dropout : float, default=0.0
        Dropout before the heads.
    batch_norm : bool, default=False
        Batch normalisation after each convolution.
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

    def __init__(
        self,
        filters=(16, 32),
        kernel_size=3,
        pooling="max",
        dense_units=(64,),
        dropout=0.0,
        batch_norm=False,
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
        random_state=None,
        verbose=0,
    ):
        self.filters = filters
        self.kernel_size = kernel_size
        self.pooling = pooling
        self.dense_units = dense_units
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.random_state = random_state
        self.verbose = verbose


ConvRegressor = _doc(ConvRegressor, epochs=10, learning_rate=1e-3)


class AutoencoderEncoder(KerasTransformerBase):
    """Convolutional autoencoder whose ``transform`` is the encoder (a learned compression).

    ``fit`` trains the autoencoder to reproduce its input (mean squared error); ``transform``
    returns the code, ``inverse_transform`` decodes it. The default architecture is the
    original study's, layer for layer: for 200 × 200 × 1 input, Conv2D(16) → MaxPool →
    Conv2D(8) → MaxPool → Conv2D(8) → MaxPool gives a 25 × 25 × 8 code (40,000 → 5,000
    values), then Conv2D(8) → UpSampling → Conv2D(8) → UpSampling → Conv2D(16) → UpSampling →
    Conv2D(1): 3 × 3 kernels, 'same' padding, 4,385 trainable parameters. The output layer is
    linear (inputs are standardised δT_b, not [0, 1] pixels).

    Parameters
    ----------
    encoder_filters : tuple of int, default=(16, 8, 8)
        Filters per encoder block; the image side must be divisible by 2**len(...).
    decoder_filters : tuple of int, default=(8, 8, 16)
        Filters per decoder block (same length as ``encoder_filters``).
    kernel_size : int, default=3
        Kernel side.
    flatten : bool, default=False
        ``transform`` returns (n, h*w*c) rows instead of (n, h, w, c) code images.
    {training}

    Attributes
    ----------
    code_shape_ : tuple of int
        (h, w, c) of one code.
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
        self.random_state = random_state
        self.verbose = verbose

    def _build_network(self, meta):
        shape = tuple(meta["X_shape_"][1:])
        shape = shape + (1,) if len(shape) == 2 else shape
        autoencoder, encoder, _ = build_autoencoder(
            shape, self.encoder_filters, self.decoder_filters, kernel_size=self.kernel_size
        )
        self.code_shape_ = tuple(int(d) for d in encoder.output.shape[1:])
        return autoencoder

    def transform(self, X):
        """Encode images.

        Parameters
        ----------
        X : ndarray of shape (n, h, w) or (n, h, w, c)
            Images of the shape seen in ``fit``.

        Returns
        -------
        codes : ndarray of shape (n, ``*code_shape_``), or (n, h*w*c) with ``flatten``
        """
        check_is_fitted(self, "model_")
        self._check_input_shape(X)
        X, _ = self._validate_data(X)
        codes = self.model_.get_layer("encoder").predict(
            self.feature_encoder_.transform(X), batch_size=self.batch_size, verbose=self.verbose
        )
        return codes.reshape(len(codes), -1) if self.flatten else codes

    def inverse_transform(self, X):
        """Decode codes back to images in the layout of the training input.

        Parameters
        ----------
        X : ndarray
            Codes from :meth:`transform` (image-shaped or flattened).

        Returns
        -------
        images : ndarray
        """
        check_is_fitted(self, "model_")
        codes = np.asarray(X, dtype=np.float32).reshape((len(X),) + self.code_shape_)
        images = self.model_.get_layer("decoder").predict(
            codes, batch_size=self.batch_size, verbose=self.verbose
        )
        return images[..., 0] if len(self.X_shape_) == 3 else images

    @property
    def predict(self):
        """Not offered (``hasattr`` is False): an autoencoder transforms."""
        raise AttributeError("AutoencoderEncoder has no predict; use transform")

    def score(self, X, y=None):
        """Negative mean squared reconstruction error (higher is better).

        Parameters
        ----------
        X : ndarray
            Images.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        reconstruction = self.inverse_transform(self.transform(X))
        return -float(np.mean((np.asarray(X, dtype=np.float32) - reconstruction) ** 2))


AutoencoderEncoder = _doc(AutoencoderEncoder, epochs=10, learning_rate=1e-3)
