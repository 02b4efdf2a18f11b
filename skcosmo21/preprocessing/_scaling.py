"""Scaling and reshaping of image stacks."""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import check_finite, check_numeric_array
from ..utils._param_validation import StrOptions
from ._validation import check_min_side


def _validate_stack(estimator, X, reset):
    """Validate (n_samples, ...) numeric input; 2-D input also goes through ``validate_data``.

    2-D input is treated as flattened samples so that the estimator works on feature rows too
    (and sets ``n_features_in_``); higher-dimensional input must be numeric and finite, with
    images of at least 2 x 2 pixels (trailing channel axes may have any size).
    """
    X = check_numeric_array(X, "X", ndim_hint=" of shape (n_samples, ...)")
    if X.ndim < 2:
        raise ValueError(
            f"X must have a sample axis and at least one feature axis, got shape {X.shape}. "
            "Reshape your data (one sample: X[np.newaxis]; one feature: X[:, np.newaxis])"
        )
    if X.ndim == 2:
        X = validate_data(
            estimator, X, reset=reset, dtype=(np.float64, np.float32), ensure_all_finite=False
        )
        return check_finite(X, "X")
    X = check_array(
        X, allow_nd=True, dtype=(np.float64, np.float32), ensure_all_finite=False, input_name="X"
    )
    check_finite(X, "X")
    check_min_side(X, type(estimator).__name__)
    if reset and hasattr(estimator, "n_features_in_"):
        del estimator.n_features_in_
    return X


class ImageStandardizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise images with one location and one scale shared by every pixel.

    Unlike :class:`sklearn.preprocessing.StandardScaler` on flattened pixels, which treats each
    pixel position as its own feature (and so removes the per-position mean, meaningless for
    statistically homogeneous maps), this learns a single centre and scale over all pixels of
    all training images, preserving the relative brightness of every image: the mean 21-cm
    brightness of a slice carries most of its redshift information.

    Parameters
    ----------
    method : {"standard", "robust"}, default="standard"
        ``"standard"``: mean and standard deviation. ``"robust"``: median and interquartile
        range, insensitive to the bright tails of δT_b maps.

    Attributes
    ----------
    center_ : float
        Learned location.
    scale_ : float
        Learned scale (1 if the training pixels are constant).
    n_features_in_ : int
        Features seen in ``fit`` when the input is 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.preprocessing import ImageStandardizer
    >>> images = np.array([[[0.0, 2.0], [0.0, 2.0]], [[4.0, 6.0], [4.0, 6.0]]])
    >>> scaler = ImageStandardizer().fit(images)
    >>> scaler.center_, round(scaler.scale_, 4)
    (3.0, 2.2361)
    >>> scaler.transform(images).shape
    (2, 2, 2)
    """

    _parameter_constraints = {"method": [StrOptions({"standard", "robust"})]}

    def __init__(self, method="standard"):
        self.method = method

    def fit(self, X, y=None):
        """Learn the centre and scale over every pixel of ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...)
            Images (or flattened images).
        y : None
            Ignored.

        Returns
        -------
        self : ImageStandardizer
        """
        self._validate_params()
        X = _validate_stack(self, X, reset=True)
        # Statistics in float64: float32 values near their maximum (3.4e38) overflow when
        # subtracted or squared in float32.
        if self.method == "standard":
            center, scale = float(X.mean(dtype=np.float64)), float(X.std(dtype=np.float64))
        else:
            q25, center, q75 = np.percentile(X.astype(np.float64, copy=False), [25, 50, 75])
            center, scale = float(center), float(q75 - q25)
        self.center_ = center
        self.scale_ = scale if scale > 0 else 1.0
        return self

    def transform(self, X):
        """Apply ``(X - center_) / scale_``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...)
            Images.

        Returns
        -------
        X_scaled : ndarray, same shape and float dtype as ``X``
        """
        check_is_fitted(self)
        X = _validate_stack(self, X, reset=False)
        # Scale first, X / scale - center / scale, in the input's precision: X - center can
        # overflow float32 (and scale_ itself can exceed float32's range), the scaled values
        # cannot. The two factors are computed in float64.
        dtype = X.dtype.type
        scaled = X * dtype(1.0 / self.scale_)
        scaled -= dtype(self.center_ / self.scale_)
        return scaled

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : ndarray
            Scaled images.

        Returns
        -------
        X_original : ndarray
        """
        check_is_fitted(self)
        X = _validate_stack(self, X, reset=False)
        # In float64, then back: scale_ and X * scale_ may exceed float32's range on the way.
        original = X.astype(np.float64) * self.scale_ + self.center_
        if X.dtype != np.float64 and not np.isfinite(original.astype(X.dtype)).all():
            raise ValueError(
                f"X: the original values of these scaled {X.dtype} values exceed the range of "
                f"{X.dtype} (up to {np.finfo(X.dtype).max:.3g}); expected float64 input"
            )
        return original.astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class Flatten(TransformerMixin, BaseEstimator):
    """Flatten each sample (image, image with channels, cube) into one feature row.

    Lets scikit-learn's tabular models follow image transformers directly, e.g.
    ``make_pipeline(Flatten(), PCA(50), LogisticRegression())``; :meth:`inverse_transform`
    restores the sample shape (for instance to view PCA components as images).

    Attributes
    ----------
    sample_shape_ : tuple of int
        Shape of one sample seen in ``fit``.
    n_features_in_ : int
        Features seen in ``fit`` when the input is already 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.preprocessing import Flatten
    >>> flat = Flatten().fit_transform(np.zeros((5, 4, 3)))
    >>> flat.shape
    (5, 12)
    >>> Flatten().fit(np.zeros((5, 4, 3))).inverse_transform(flat).shape
    (5, 4, 3)
    """

    _parameter_constraints = {}

    def fit(self, X, y=None):
        """Remember the sample shape.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...)
            Samples.
        y : None
            Ignored.

        Returns
        -------
        self : Flatten
        """
        self._validate_params()
        X = _validate_stack(self, X, reset=True)
        self.sample_shape_ = X.shape[1:]
        return self

    def transform(self, X):
        """Reshape to (n_samples, n_features), a view when ``X`` is contiguous.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ``*sample_shape_``)
            Samples.

        Returns
        -------
        X_flat : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = _validate_stack(self, X, reset=False)
        if X.shape[1:] != self.sample_shape_:
            raise ValueError(
                f"Flatten was fitted on samples of shape {self.sample_shape_}, got {X.shape[1:]}"
            )
        return X.reshape(X.shape[0], -1)

    def inverse_transform(self, X):
        """Restore the sample shape.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Flat rows.

        Returns
        -------
        X_shaped : ndarray of shape (n_samples, ``*sample_shape_``)
        """
        check_is_fitted(self)
        X = check_numeric_array(X, "X", ndim_hint=" of shape (n_samples, n_features)")
        expected = int(np.prod(self.sample_shape_))
        if X.ndim != 2 or X.shape[1] != expected:
            raise ValueError(
                f"X must be rows of {expected} features, shape (n_samples, {expected}); got "
                f"shape {X.shape}"
            )
        X = check_finite(check_array(X, dtype=(np.float64, np.float32), ensure_all_finite=False))
        return X.reshape((X.shape[0],) + tuple(self.sample_shape_))

    def get_feature_names_out(self, input_features=None):
        """Names ``pixel0 … pixelN`` of the flattened features.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        return np.asarray([f"pixel{i}" for i in range(int(np.prod(self.sample_shape_)))], object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
