"""Keras pieces of our own: periodic padding and the per-sample losses of our heads.

This module imports Keras (hence TensorFlow) at import time; only the builders and the training
loop import it, when a network is built, so ``import skcosmo21.neural`` stays cheap.
``PeriodicPadding`` is registered with Keras's serialisation so that saved models (pickles,
checkpoints) load back.
"""

import keras
from keras import ops

#: Added to the predicted variance of a Gaussian head, so that the loss stays finite when the
#: network drives the variance of a perfectly fitted training point to zero.
MIN_VARIANCE = 1e-6


@keras.saving.register_keras_serializable(package="skcosmo21")
class PeriodicPadding(keras.layers.Layer):
    """Pad the spatial axes by wrapping around: the input is one period of a periodic field.

    Coeval boxes are periodic, and so is every whole slice of one. Zero padding ("same") puts
    an edge into the image that the sky does not have; wrapping lets a convolution see across
    the boundary exactly as it sees anywhere else. A convolution with ``padding="valid"`` after
    this layer is a circular convolution.

    Parameters
    ----------
    kernel_size : int
        Side of the convolution kernel that follows: ``(k - 1) // 2`` values are wrapped in
        before and ``k // 2`` after each spatial axis, so the output keeps the input's size.
    **kwargs : dict
        Passed to ``keras.layers.Layer``.
    """

    def __init__(self, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = int(kernel_size)

    def call(self, inputs):
        """Wrap ``(k - 1) // 2`` and ``k // 2`` values around every spatial axis."""
        before, after = (self.kernel_size - 1) // 2, self.kernel_size // 2
        x = inputs
        # Axis 0 is the batch and the last axis the channels; the rest are spatial.
        for axis in range(1, len(inputs.shape) - 1):
            size = x.shape[axis]
            parts = []
            if before:
                parts.append(_take_range(x, axis, size - before, size))
            parts.append(x)
            if after:
                parts.append(_take_range(x, axis, 0, after))
            x = ops.concatenate(parts, axis=axis) if len(parts) > 1 else x
        return x

    def compute_output_shape(self, input_shape):
        """Spatial axes grow by ``kernel_size - 1``."""
        grow = self.kernel_size - 1
        return (
            (input_shape[0],)
            + tuple(None if d is None else d + grow for d in input_shape[1:-1])
            + (input_shape[-1],)
        )

    def get_config(self):
        """Serialisable configuration."""
        return {**super().get_config(), "kernel_size": self.kernel_size}


def _take_range(x, axis, start, stop):
    index = [slice(None)] * len(x.shape)
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def sparse_crossentropy_per_sample(y_true, probabilities):
    """Cross-entropy of integer labels against softmax probabilities, one value per sample."""
    return keras.losses.sparse_categorical_crossentropy(y_true, probabilities)


def squared_error_per_sample(y_true, y_pred):
    """Squared error of a one-unit linear head, one value per sample."""
    return ops.square(y_true - ops.reshape(y_pred, (-1,)))


def gaussian_nll_per_sample(y_true, y_pred):
    r"""Gaussian negative log-likelihood of a (mean, raw variance) head, up to a constant.

    :math:`\tfrac12[\ln\sigma^2 + (y - \mu)^2/\sigma^2]` with :math:`\mu` the head's first
    unit and :math:`\sigma^2 = \operatorname{softplus}(s) + 10^{-6}` from its second unit
    :math:`s` (Nix & Weigend 1994; Lakshminarayanan et al. 2017).
    """
    mean = y_pred[:, 0]
    variance = ops.softplus(y_pred[:, 1]) + MIN_VARIANCE
    return 0.5 * (ops.log(variance) + ops.square(y_true - mean) / variance)


def reconstruction_error_per_sample(y_true, y_pred):
    """Mean squared reconstruction error over every non-batch axis, one value per sample."""
    axes = tuple(range(1, len(y_pred.shape)))
    return ops.mean(ops.square(y_true - y_pred), axis=axes)


#: Per-sample loss of each kind of head.
PER_SAMPLE_LOSSES = {
    "softmax": sparse_crossentropy_per_sample,
    "linear": squared_error_per_sample,
    "gaussian": gaussian_nll_per_sample,
    "reconstruction": reconstruction_error_per_sample,
}
