"""Neural estimators on TensorFlow/Keras with the full scikit-learn contract.

Importing this subpackage does not import TensorFlow: Keras is imported when a network is
first built (fit, or a builder function), so constructing, cloning and configuring estimators
stays cheap.
"""

from ._builders import build_autoencoder, build_conv_network, build_dense_network
from ._estimators import (
    AutoencoderEncoder,
    ConvClassifier,
    ConvRegressor,
    DenseClassifier,
    DenseRegressor,
)

__all__ = [
    "AutoencoderEncoder",
    "ConvClassifier",
    "ConvRegressor",
    "DenseClassifier",
    "DenseRegressor",
    "build_autoencoder",
    "build_conv_network",
    "build_dense_network",
]
