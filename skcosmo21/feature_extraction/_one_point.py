"""One-point statistics of images: the distribution of their pixel values."""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..base import NDTransformer, check_sample_stack
from ..preprocessing._validation import check_min_side
from ..utils._param_validation import Interval


def _moments(flat):
    """Mean, standard deviation, skewness and excess kurtosis of each row, in float64.

    Written out rather than taken from ``scipy.stats.skew``/``kurtosis`` because those return
    NaN (with a warning) for constant rows, e.g. a fully ionized slice, and features must
    stay finite: skewness and kurtosis are 0 there. A row counts as constant when its spread
    is within rounding of its values (the mean of identical float values need not equal them
    exactly, which left a residual "variance" of ~1e-31 and skewness -1, kurtosis -2). Each
    row is divided by its largest absolute value first, so tiny (1e-300) or huge values
    neither underflow nor overflow.
    """
    flat = np.asarray(flat, dtype=np.float64)
    # Each row in units of its largest |value|, so that squares and fourth powers of tiny
    # (1e-300) values do not underflow to 0 (a zero spread) and those of huge ones do not
    # overflow; mean and spread are scaled back at the end.
    magnitude = np.max(np.abs(flat), axis=1)
    unit = np.where(magnitude > 0, magnitude, 1.0)
    scaled = flat / unit[:, None]
    mean = scaled.mean(axis=1)
    centred = scaled - mean[:, None]
    std = np.sqrt(np.mean(centred**2, axis=1))
    constant = std <= 8 * np.finfo(np.float64).eps
    safe = np.where(constant, 1.0, std)
    standardized = centred / safe[:, None]
    skewness = np.mean(standardized**3, axis=1)
    kurtosis = np.mean(standardized**4, axis=1) - 3.0
    std[constant] = 0.0
    skewness[constant] = 0.0
    kurtosis[constant] = 0.0
    mean, std = mean * unit, std * unit
    return np.stack([mean, std, skewness, kurtosis], axis=1)


class OnePointStatistics(NDTransformer):
    r"""Quantiles and moments of each image's pixel values: its one-point distribution.

    The one-point distribution (PDF) of δT_b is the 21-cm summary statistic that sees what the
    power spectrum of a mean-subtracted map cannot: the mean brightness, the fraction of
    ionized (zero) pixels, and the brightness of the neutral gas, :math:`\propto
    \sqrt{1+z}\,(1+\delta)`, whose location and skewness change with redshift independently
    of the ionized fraction (Harker et al. 2009; Shimabukuro et al. 2015). It is what breaks
    the degeneracy between redshift and escape fraction when both vary.

    Quantiles are used rather than a histogram: they need no bin edges fixed in advance, are
    as fine where pixels are dense as where they are sparse, and an ionized fraction of ``p``
    shows up as the first ``p`` quantiles at zero.

    Parameters
    ----------
    n_quantiles : int, default=32
        Number of quantiles, evenly spaced over ``quantile_range``.
    quantile_range : (float, float), default=(0.01, 0.99)
        Lowest and highest quantile, in [0, 1].
    include_moments : bool, default=True
        Append each image's mean, standard deviation, skewness and excess kurtosis (the last
        two 0 for a constant image).

    Attributes
    ----------
    quantiles_ : ndarray of shape (n_quantiles,)
        The quantile levels computed.
    n_features_out_ : int
        Number of features per image.

    See Also
    --------
    PowerSpectrum2D : The two-point statistic of the same images.

    Notes
    -----
    The default range stops at the 1st and 99th percentiles because the extreme pixels of a
    semi-numerical map sit on the edges of its sub-grid model (Poisson-sampled halo counts in
    cells that are not flagged ionized, the redshift-space factor clipped at 1/0.8), which
    depend on the grid rather than on the parameters a user wants to read. The minimum is 0
    wherever a slice holds an ionized cell. The built-in simulator follows 21cmFAST 3.4's
    cell-scale model, and its slice maxima scatter like 21cmFAST's
    (``tests/datasets/test_simulator.py``); an earlier version capped them, and a classifier
    given the maximum then read the parameters off that cap.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.feature_extraction import OnePointStatistics
    >>> images = np.arange(2 * 10 * 10, dtype=float).reshape(2, 10, 10)
    >>> stats = OnePointStatistics(n_quantiles=3, quantile_range=(0, 1)).fit(images)
    >>> stats.transform(images)[:, :3]
    array([[  0. ,  49.5,  99. ],
           [100. , 149.5, 199. ]])
    >>> stats.get_feature_names_out()[:4].tolist()
    ['quantile_0', 'quantile_0.5', 'quantile_1', 'mean']
    """

    _sample_ndim = 2

    _parameter_constraints = {
        "n_quantiles": [Interval(numbers.Integral, 1, None, closed="left")],
        "quantile_range": ["array-like"],
        "include_moments": ["boolean"],
    }

    def __init__(self, n_quantiles=32, quantile_range=(0.01, 0.99), include_moments=True):
        self.n_quantiles = n_quantiles
        self.quantile_range = quantile_range
        self.include_moments = include_moments

    def fit(self, X, y=None):
        """Fix the quantile levels.

        Parameters
        ----------
        X : ndarray of shape (n_images, height, width)
            Images.
        y : None
            Ignored.

        Returns
        -------
        self : OnePointStatistics
        """
        self._validate_params()
        check_min_side(check_sample_stack(X, 2), "OnePointStatistics")
        n = self.n_quantiles
        try:
            low, high = (float(q) for q in self.quantile_range)
        except (TypeError, ValueError):
            raise ValueError(
                f"quantile_range must be a pair (low, high), got {self.quantile_range!r}"
            ) from None
        if not 0.0 <= low <= high <= 1.0 or (n > 1 and low == high):
            raise ValueError(
                f"quantile_range must satisfy 0 <= low < high <= 1, got {self.quantile_range!r}"
            )
        self.quantiles_ = np.linspace(low, high, n) if n > 1 else np.array([low])
        self.n_features_out_ = n + (4 if self.include_moments else 0)
        return self

    def transform(self, X):
        """Compute the quantiles (and moments) of each image's pixels.

        Parameters
        ----------
        X : ndarray of shape (n_images, height, width)
            Images of any size.

        Returns
        -------
        features : ndarray of shape (n_images, ``n_features_out_``)
        """
        check_is_fitted(self)
        X = check_min_side(check_sample_stack(X, 2), "OnePointStatistics")
        flat = X.reshape(len(X), -1)
        features = [np.quantile(flat, self.quantiles_, axis=1).T]
        if self.include_moments:
            features.append(_moments(flat))
        return np.hstack(features).astype(X.dtype, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Feature names: ``quantile_<level>`` then ``mean``, ``std``, ``skewness``, ``kurtosis``.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        names = [f"quantile_{q:.4g}" for q in self.quantiles_]
        if self.include_moments:
            names += ["mean", "std", "skewness", "kurtosis"]
        return np.asarray(names, dtype=object)
