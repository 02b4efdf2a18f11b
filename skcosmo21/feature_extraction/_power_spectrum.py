"""Azimuthally averaged 2-D power spectra of images as features."""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..base import NDTransformer, check_sample_stack
from ..physics import binned_power_spectrum, default_k_edges, merge_empty_bins
from ..preprocessing import SampleLocations
from ..preprocessing._validation import check_min_side
from ..utils._param_validation import Interval

#: Smallest image side: below 3 pixels the fundamental mode 2π/N is the Nyquist frequency π.
MIN_IMAGE_SIDE = 3


class PowerSpectrum2D(NDTransformer):
    r"""Azimuthally averaged power spectrum of each image, the classic 21-cm summary statistic.

    For each image the mean is removed, the 2-D FFT taken (``scipy.fft``, vectorised over the
    batch) and :math:`|\tilde f_\mathbf{k}|^2 A/N_\mathrm{pix}^2` averaged in bins of
    :math:`|\mathbf{k}|`. This is the physics baseline that CNNs are measured against (Hassan
    et al. 2019).

    The power spectrum of a mean-subtracted image discards the image's mean brightness, which
    carries most of the redshift information of a δT_b slice (on real 21cmFAST slices of
    300 Mpc boxes over 17 redshifts a logistic regression scored 0.38 on the power spectrum
    alone and 0.81 on mean and standard deviation alone). ``include_moments=True`` appends the
    mean and standard deviation so the baseline is not handicapped by construction.

    Parameters
    ----------
    n_bins : int, default=16
        Requested number of k bins. Bins without any Fourier mode on the image grid (common at
        low k with log spacing) are merged into their neighbours, so ``n_bins_`` may be smaller.
    k_range : (float, float), default=None
        Range of :math:`|\mathbf{k}|`; from the fundamental mode to the Nyquist frequency when
        None. In :math:`\mathrm{Mpc}^{-1}` when the pixel size is known, else radians per
        pixel.
    pixel_size : float, default=None
        Side of a pixel in Mpc: ``data.pixel_size`` of
        :func:`~skcosmo21.datasets.make_slice_dataset`, the cubes' ``box_size / n_cells``.
        Slicing and patching do not change it, so the same value serves whole slices and
        patches of any size. When None, it is read from the ``locations`` passed to
        :meth:`fit` if any, else k is measured per pixel. (There is no ``box_size``: the side
        of the *image* is not the side of the cube once slices are cut into patches.)
    log : bool, default=True
        Log-spaced bins and :math:`\log_{10}` of the power as features.
    include_moments : bool, default=False
        Append each image's mean and standard deviation.

    Attributes
    ----------
    bin_edges_ : ndarray of shape (``n_bins_`` + 1,)
        Edges actually used.
    k_ : ndarray of shape (``n_bins_``,)
        Mode-weighted mean wavenumber of each bin.
    n_bins_ : int
        Number of power-spectrum features.
    image_size_ : int
        Side of the (square) images seen in ``fit``.
    pixel_size_ : float or None
        Mpc per pixel used for k: ``pixel_size``, else that of the ``locations`` given to
        :meth:`fit`; None when k is per pixel.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.feature_extraction import PowerSpectrum2D
    >>> images = np.random.default_rng(0).normal(size=(4, 32, 32))
    >>> ps = PowerSpectrum2D(n_bins=8, include_moments=True).fit(images)
    >>> ps.transform(images).shape == (4, ps.n_bins_ + 2)
    True

    On patches of slices the pixel size of the cubes gives k in Mpc⁻¹ directly: here the
    fundamental mode of an 8-pixel patch of 2-Mpc cells, 2π/16 Mpc⁻¹.

    >>> from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
    >>> from skcosmo21.preprocessing import CubeSlicer, PatchExtractor
    >>> cubes = make_reionization_cubes([8.0], [0.2], n_cells=16, box_size=32.0, random_state=0)
    >>> data = make_slice_dataset(cubes, "redshift", CubeSlicer(axes=0, step=8), PatchExtractor(8))
    >>> ps = PowerSpectrum2D(n_bins=4, pixel_size=data.pixel_size).fit(data.X)
    >>> round(float(ps.bin_edges_[0] * 16 / (2 * np.pi)), 6)
    1.0
    """

    _sample_ndim = 2

    _parameter_constraints = {
        "n_bins": [Interval(numbers.Integral, 1, None, closed="left")],
        "k_range": [None, "array-like"],
        "pixel_size": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "log": ["boolean"],
        "include_moments": ["boolean"],
    }

    def __init__(self, n_bins=16, k_range=None, pixel_size=None, log=True, include_moments=False):
        self.n_bins = n_bins
        self.k_range = k_range
        self.pixel_size = pixel_size
        self.log = log
        self.include_moments = include_moments

    def fit(self, X, y=None, locations=None):
        """Fix the k bins for images of this size.

        Parameters
        ----------
        X : ndarray of shape (n_images, n, n)
            Square images.
        y : None
            Ignored.
        locations : SampleLocations, default=None
            The images' locations (``data.locations``): their pixel size is used when
            ``pixel_size`` is None, and checked against it otherwise. In a pipeline, pass
            ``powerspectrum2d__locations=data.locations`` to ``fit``.

        Returns
        -------
        self : PowerSpectrum2D
        """
        self._validate_params()
        low_high = self._checked_k_range()
        X = self._check_images(X)
        n = X.shape[1]
        self.pixel_size_ = self._resolved_pixel_size(X, locations)
        side = self._side(n)
        if low_high is None:
            edges = default_k_edges(n, side, self.n_bins, log=self.log)
        else:
            space = np.geomspace if self.log else np.linspace
            edges = space(*low_high, self.n_bins + 1)
        try:
            self.bin_edges_ = merge_empty_bins(edges, n, side, ndim=2)
        except ValueError:
            unit = "Mpc^-1" if self.pixel_size_ is not None else "radians per pixel"
            raise ValueError(
                f"k_range must hold at least one Fourier mode of {n}-pixel images, between "
                f"{2 * np.pi / side:.4g} and {np.pi * n / side:.4g} {unit}; got {self.k_range!r}"
            ) from None
        k, _, _ = binned_power_spectrum(np.zeros((1, n, n)), side, self.bin_edges_, ndim=2)
        self.k_ = k
        self.n_bins_ = len(k)
        self.image_size_ = n
        return self

    def _checked_k_range(self):
        if self.k_range is None:
            return None
        expected = "k_range must be (low, high) with 0 < low < high"
        try:
            low, high = (float(k) for k in self.k_range)
        except (TypeError, ValueError):
            raise ValueError(f"{expected}, got {self.k_range!r}") from None
        if not 0 < low < high < np.inf:
            raise ValueError(f"{expected}, got {self.k_range!r}")
        return low, high

    def _resolved_pixel_size(self, X, locations):
        if locations is None:
            return None if self.pixel_size is None else float(self.pixel_size)
        if not isinstance(locations, SampleLocations):
            raise ValueError(
                "locations must be the images' SampleLocations (data.locations), got "
                f"{type(locations).__name__}"
            )
        if len(locations) != len(X) or locations.sample_shape != X.shape[1:]:
            raise ValueError(
                f"locations must describe the images of X ({len(X)} of shape {X.shape[1:]}); "
                f"got the locations of {len(locations)} samples of shape "
                f"{locations.sample_shape}"
            )
        if self.pixel_size is None:
            return locations.pixel_size
        if locations.pixel_size is not None and not np.isclose(
            self.pixel_size, locations.pixel_size, rtol=1e-9
        ):
            raise ValueError(
                f"pixel_size={self.pixel_size} Mpc, but the images' locations say "
                f"{locations.pixel_size} Mpc per pixel; leave pixel_size=None to read it "
                "from the data"
            )
        return float(self.pixel_size)

    def transform(self, X):
        """Compute the binned power spectrum (and moments) of each image.

        Parameters
        ----------
        X : ndarray of shape (n_images, n, n)
            Images of the size seen in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_images, ``n_bins_`` [+ 2])
        """
        check_is_fitted(self)
        X = self._check_images(X)
        if X.shape[1] != self.image_size_:
            raise ValueError(
                f"PowerSpectrum2D was fitted on {self.image_size_}-pixel images, got {X.shape[1]}"
            )
        # In float64: squared Fourier amplitudes of float32 maps overflow float32 long before
        # the maps themselves do (a pixel of 1e20 is enough).
        X = X.astype(np.float64, copy=False)
        _, power, _ = binned_power_spectrum(X, self._side(X.shape[1]), self.bin_edges_, ndim=2)
        if self.log:
            power = np.log10(np.maximum(power, np.finfo(np.float64).tiny))
        if not self.include_moments:
            return power
        moments = np.stack([X.mean(axis=(1, 2)), X.std(axis=(1, 2))], axis=1)
        return np.hstack([power, moments])

    def get_feature_names_out(self, input_features=None):
        """Feature names: ``power_k<i>`` per bin, then ``mean`` and ``std`` if requested.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        names = [f"power_k{i}" for i in range(self.n_bins_)]
        if self.include_moments:
            names += ["mean", "std"]
        return np.asarray(names, dtype=object)

    def _side(self, n_pixels):
        """Side of an image: in Mpc when the pixel size is known, else in pixels."""
        pixel_size = getattr(self, "pixel_size_", None)
        return float(n_pixels) * (1.0 if pixel_size is None else pixel_size)

    def _check_images(self, X):
        X = check_sample_stack(X, 2)
        if X.shape[1] != X.shape[2]:
            raise ValueError(f"images must be square, got images of shape {X.shape[1:]}")
        return check_min_side(X, "PowerSpectrum2D", min_side=MIN_IMAGE_SIDE)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
