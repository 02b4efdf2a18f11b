"""Neural estimators on TensorFlow/Keras with the full scikit-learn contract.

Importing this subpackage imports TensorFlow (several seconds); the rest of skcosmo21 does not.
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
