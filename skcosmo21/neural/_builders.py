"""Keras model builders: plain functions of shapes and hyperparameters, no scikit-learn.

Each returns an uncompiled ``keras.Model``. Classification heads end in a softmax,
regression heads are linear; a model has one named output per target column
(``head_0``, ``head_1``, ...), which is how joint (redshift, f_esc) targets share one network.
"""


def _keras():
    import keras  # imported here so that importing skcosmo21.neural stays cheap

    return keras


def _heads(features, heads):
    keras = _keras()
    return [
        keras.layers.Dense(units, activation=activation, name=f"head_{i}")(features)
        for i, (units, activation) in enumerate(heads)
    ]


def build_dense_network(
    input_shape,
    heads,
    hidden_layer_sizes=(350,),
    activation="relu",
    dropout=0.0,
    batch_norm=False,
    alpha=0.0,
):
    """Fully connected network on flattened input.

    The original study's network is ``hidden_layer_sizes=(350,)`` on 50 × 50 patches with one
    17-class softmax head: 2500 → 350 → 17.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample; anything but a vector is flattened by the first layer.
    heads : list of (int, str)
        ``(units, activation)`` of each output head.
    hidden_layer_sizes : tuple of int, default=(350,)
        Units of the hidden layers.
    activation : str, default="relu"
        Hidden activation.
    dropout : float, default=0.0
        Dropout rate after each hidden layer.
    batch_norm : bool, default=False
        Batch normalisation after each hidden layer.
    alpha : float, default=0.0
        L2 penalty on the hidden layers' weights (as scikit-learn's ``MLPClassifier``):
        with far more pixels than training images it is what keeps the network from
        memorising pixel noise.

    Returns
    -------
    model : keras.Model

    Examples
    --------
    >>> from skcosmo21.neural import build_dense_network
    >>> model = build_dense_network((50, 50), heads=[(17, "softmax")])
    >>> model.count_params() == 2500 * 350 + 350 + 350 * 17 + 17
    True
    """
    keras = _keras()
    inputs = keras.Input(shape=tuple(input_shape))
    x = keras.layers.Flatten()(inputs) if len(input_shape) > 1 else inputs
    regularizer = keras.regularizers.L2(alpha) if alpha else None
    for units in hidden_layer_sizes:
        x = keras.layers.Dense(units, activation=activation, kernel_regularizer=regularizer)(x)
        if batch_norm:
            x = keras.layers.BatchNormalization()(x)
        if dropout:
            x = keras.layers.Dropout(dropout)(x)
    return keras.Model(inputs, _heads(x, heads), name="dense_network")


def _spatial_layers(n_spatial):
    """Keras layer classes for 1-D signals or 2-D images."""
    keras = _keras()
    if n_spatial == 1:
        return {
            "conv": keras.layers.Conv1D,
            "max": keras.layers.MaxPooling1D,
            "average": keras.layers.AveragePooling1D,
            "global": keras.layers.GlobalAveragePooling1D,
            "upsample": keras.layers.UpSampling1D,
        }
    return {
        "conv": keras.layers.Conv2D,
        "max": keras.layers.MaxPooling2D,
        "average": keras.layers.AveragePooling2D,
        "global": keras.layers.GlobalAveragePooling2D,
        "upsample": keras.layers.UpSampling2D,
    }


def _check_input_shape(input_shape, what):
    if len(input_shape) not in (2, 3):
        raise ValueError(
            f"{what} takes signals (length, channels) or images (height, width, channels); "
            f"got input_shape {tuple(input_shape)}"
        )
    return len(input_shape) - 1


def _convolution(x, n_filters, kernel_size, padding, layers, activation=None):
    """One convolution that keeps the spatial size: zero ("same") or periodic padding."""
    if padding == "periodic":
        from ._layers import PeriodicPadding

        x = PeriodicPadding(kernel_size)(x)
        return layers["conv"](n_filters, kernel_size, padding="valid", activation=activation)(x)
    return layers["conv"](n_filters, kernel_size, padding="same", activation=activation)(x)


def _conv_block(
    x, n_filters, *, kernel_size, padding, batch_norm, residual, n_convs, activation, layers
):
    """[Conv → (BatchNorm) → activation] × n_convs, with an identity or 1×1 shortcut."""
    keras = _keras()
    shortcut = x
    for i in range(n_convs):
        last = i == n_convs - 1
        # Without batch norm or a shortcut the activation is fused into the convolution (the
        # original study's layers); otherwise it follows the normalisation or the sum.
        fused = not batch_norm and not (residual and last)
        x = _convolution(x, n_filters, kernel_size, padding, layers, activation if fused else None)
        if batch_norm:
            x = keras.layers.BatchNormalization()(x)
        if not fused and not (residual and last):
            x = keras.layers.Activation(activation)(x)
    if residual:
        if shortcut.shape[-1] != n_filters:
            shortcut = layers["conv"](n_filters, 1)(shortcut)  # projection (He et al. 2016)
        x = keras.layers.Activation(activation)(keras.layers.Add()([x, shortcut]))
    return x


def build_conv_network(
    input_shape,
    heads,
    filters=(16, 32),
    kernel_size=3,
    pooling="max",
    dense_units=(64,),
    dropout=0.0,
    batch_norm=False,
    activation="relu",
    padding="same",
    residual=False,
    convs_per_block=1,
):
    """Convolutional network: blocks of convolutions and pooling, global pooling, dense heads.

    Each entry of ``filters`` is a block of ``convs_per_block`` convolutions (each followed by
    batch normalisation when ``batch_norm``), with a shortcut around the block when
    ``residual`` (He et al. 2016; a 1 × 1 convolution where the number of channels changes),
    then 2× pooling. Global average pooling makes the network independent of the input size.
    Input of shape (length, channels) gives 1-D convolutions (e.g. line-of-sight skewers),
    (height, width, channels) 2-D ones.

    Parameters
    ----------
    input_shape : tuple of int
        (length, channels) or (height, width, channels).
    heads : list of (int, str)
        ``(units, activation)`` of each output head.
    filters : tuple of int, default=(16, 32)
        Filters of each convolutional block.
    kernel_size : int, default=3
        Convolution kernel side.
    pooling : {"max", "average", None}, default="max"
        2× pooling after each block; ``None`` keeps the resolution.
    dense_units : tuple of int, default=(64,)
        Hidden dense layers after global average pooling.
    dropout : float, default=0.0
        Dropout before the heads.
    batch_norm : bool, default=False
        Batch normalisation after each convolution.
    activation : str, default="relu"
        Hidden activation.
    padding : {"same", "periodic"}, default="same"
        Zero padding, or wrapping around (:class:`PeriodicPadding`) for inputs that are one
        period of a periodic field, such as whole slices of a coeval box.
    residual : bool, default=False
        Add a shortcut around every block.
    convs_per_block : int, default=1
        Convolutions in each block (depth).

    Returns
    -------
    model : keras.Model

    Examples
    --------
    >>> from skcosmo21.neural import build_conv_network
    >>> model = build_conv_network((32, 32, 1), heads=[(17, "softmax"), (5, "softmax")])
    >>> [tuple(o.shape) for o in model.outputs]
    [(None, 17), (None, 5)]
    >>> build_conv_network((64, 1), heads=[(1, None)], residual=True).count_params() > 0
    True
    """
    keras = _keras()
    n_spatial = _check_input_shape(input_shape, "build_conv_network")
    layers = _spatial_layers(n_spatial)
    if pooling is not None and pooling not in ("max", "average"):
        raise ValueError(f"pooling must be 'max', 'average' or None, got {pooling!r}")
    if padding not in ("same", "periodic"):
        raise ValueError(f"padding must be 'same' or 'periodic', got {padding!r}")
    inputs = keras.Input(shape=tuple(input_shape))
    x = inputs
    for n_filters in filters:
        x = _conv_block(
            x,
            n_filters,
            kernel_size=kernel_size,
            padding=padding,
            batch_norm=batch_norm,
            residual=residual,
            n_convs=convs_per_block,
            activation=activation,
            layers=layers,
        )
        if pooling is not None:
            x = layers[pooling](2, padding="same")(x)
    # Global pooling makes the network size-agnostic and keeps the parameter count small.
    x = layers["global"]()(x)
    for units in dense_units:
        x = keras.layers.Dense(units, activation=activation)(x)
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
    return keras.Model(inputs, _heads(x, heads), name="conv_network")


def build_autoencoder(
    input_shape,
    encoder_filters=(16, 8, 8),
    decoder_filters=(8, 8, 16),
    kernel_size=3,
    activation="relu",
):
    """Convolutional autoencoder; the defaults are the original study's, layer for layer.

    Encoder: [Conv(f) → MaxPool(2)] for f in ``encoder_filters``. Decoder: [Conv(f) →
    UpSampling(2)] for f in ``decoder_filters``, then Conv(channels) with a linear output
    (the inputs are standardised δT_b, not [0, 1] pixels). For 200 × 200 × 1 input the code is
    25 × 25 × 8 (40,000 → 5,000 values) and the model has 4,385 trainable parameters.
    Input of shape (length, channels) gives 1-D convolutions. Sizes that 2**depth does not
    divide are pooled with "same" padding (rounding up) and the reconstruction is cropped back
    to the input's size.

    Parameters
    ----------
    input_shape : tuple of int
        (length, channels) or (height, width, channels).
    encoder_filters, decoder_filters : tuple of int
        Filters per block; both must have the same length.
    kernel_size : int, default=3
        Kernel side, 'same' padding throughout.
    activation : str, default="relu"
        Activation of every convolution but the last.

    Returns
    -------
    autoencoder, encoder, decoder : keras.Model
        The decoder maps a code back to an image with the autoencoder's weights.

    Examples
    --------
    >>> from skcosmo21.neural import build_autoencoder
    >>> autoencoder, encoder, decoder = build_autoencoder((200, 200, 1))
    >>> autoencoder.count_params(), tuple(encoder.output.shape)
    (4385, (None, 25, 25, 8))
    """
    keras = _keras()
    n_spatial = _check_input_shape(input_shape, "build_autoencoder")
    layers = _spatial_layers(n_spatial)
    if len(decoder_filters) != len(encoder_filters):
        raise ValueError("encoder_filters and decoder_filters must have the same length")
    inputs = keras.Input(shape=tuple(input_shape))
    x = inputs
    for n_filters in encoder_filters:
        x = layers["conv"](n_filters, kernel_size, padding="same", activation=activation)(x)
        x = layers["max"](2, padding="same")(x)
    encoder = keras.Model(inputs, x, name="encoder")

    code = keras.Input(shape=tuple(x.shape[1:]))
    y = code
    for n_filters in decoder_filters:
        y = layers["conv"](n_filters, kernel_size, padding="same", activation=activation)(y)
        y = layers["upsample"](2)(y)
    y = layers["conv"](input_shape[-1], kernel_size, padding="same")(y)
    excess = [
        int(out) - int(size) for out, size in zip(y.shape[1:-1], input_shape[:-1], strict=True)
    ]
    if any(excess):
        # Pooling rounded odd sizes up: drop the surplus at the end of each axis.
        cropping = tuple((0, e) for e in excess)
        if n_spatial == 1:
            y = keras.layers.Cropping1D(cropping[0])(y)
        else:
            y = keras.layers.Cropping2D(cropping)(y)
    decoder = keras.Model(code, y, name="decoder")
    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder")
    return autoencoder, encoder, decoder
