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
):
    """Convolutional network: [Conv2D → (BatchNorm) → Pool] × len(filters) → Dense → heads.

    Parameters
    ----------
    input_shape : tuple of int
        (height, width, channels).
    heads : list of (int, str)
        ``(units, activation)`` of each output head.
    filters : tuple of int, default=(16, 32)
        Filters of each convolutional block.
    kernel_size : int, default=3
        Convolution kernel side.
    pooling : {"max", "average", None}, default="max"
        2 × 2 pooling after each block; ``None`` keeps the resolution.
    dense_units : tuple of int, default=(64,)
        Hidden dense layers after global average pooling.
    dropout : float, default=0.0
        Dropout before the heads.
    batch_norm : bool, default=False
        Batch normalisation after each convolution.
    activation : str, default="relu"
        Hidden activation.

    Returns
    -------
    model : keras.Model

    Examples
    --------
    >>> from skcosmo21.neural import build_conv_network
    >>> model = build_conv_network((32, 32, 1), heads=[(17, "softmax"), (5, "softmax")])
    >>> [tuple(o.shape) for o in model.outputs]
    [(None, 17), (None, 5)]
    """
    keras = _keras()
    pools = {"max": keras.layers.MaxPooling2D, "average": keras.layers.AveragePooling2D}
    if pooling is not None and pooling not in pools:
        raise ValueError(f"pooling must be 'max', 'average' or None, got {pooling!r}")
    inputs = keras.Input(shape=tuple(input_shape))
    x = inputs
    for n_filters in filters:
        x = keras.layers.Conv2D(n_filters, kernel_size, padding="same", activation=activation)(x)
        if batch_norm:
            x = keras.layers.BatchNormalization()(x)
        if pooling is not None:
            x = pools[pooling](2, padding="same")(x)
    # Global pooling makes the network size-agnostic and keeps the parameter count small.
    x = keras.layers.GlobalAveragePooling2D()(x)
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

    Encoder: [Conv2D(f) → MaxPool(2)] for f in ``encoder_filters``. Decoder: [Conv2D(f) →
    UpSampling(2)] for f in ``decoder_filters``, then Conv2D(channels) with a linear output
    (the inputs are standardised δT_b, not [0, 1] pixels). For 200 × 200 × 1 input the code is
    25 × 25 × 8 (40,000 → 5,000 values) and the model has 4,385 trainable parameters.

    Parameters
    ----------
    input_shape : tuple of int
        (height, width, channels); height and width divisible by 2**len(encoder_filters).
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
    height, width, channels = input_shape
    depth = len(encoder_filters)
    if len(decoder_filters) != depth:
        raise ValueError("encoder_filters and decoder_filters must have the same length")
    if height % 2**depth or width % 2**depth:
        raise ValueError(
            f"image height and width must be divisible by 2**{depth} = {2**depth} for a "
            f"{depth}-level autoencoder, got {height} x {width}"
        )
    inputs = keras.Input(shape=tuple(input_shape))
    x = inputs
    for n_filters in encoder_filters:
        x = keras.layers.Conv2D(n_filters, kernel_size, padding="same", activation=activation)(x)
        x = keras.layers.MaxPooling2D(2, padding="same")(x)
    encoder = keras.Model(inputs, x, name="encoder")

    code = keras.Input(shape=tuple(x.shape[1:]))
    y = code
    for n_filters in decoder_filters:
        y = keras.layers.Conv2D(n_filters, kernel_size, padding="same", activation=activation)(y)
        y = keras.layers.UpSampling2D(2)(y)
    y = keras.layers.Conv2D(channels, kernel_size, padding="same")(y)
    decoder = keras.Model(code, y, name="decoder")
    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder")
    return autoencoder, encoder, decoder
