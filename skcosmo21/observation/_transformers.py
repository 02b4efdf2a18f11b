"""Observation effects as scikit-learn transformers of cube stacks (n_cubes, N, N, n_los).

A transformer sees arrays, not Bunches, so the geometry of the cubes reaches it through
``box_size`` (transverse comoving side, Mpc) and ``redshift`` (one number for coeval cubes, one
per line-of-sight cell for lightcones); ``fit`` reads the number of cells from ``X`` and
refuses cubes of another shape in ``transform``. Cubes at different redshifts need one
transformer per redshift; :func:`~skcosmo21.observation.observe_cubes` does that grouping for
a Bunch.
"""

from numbers import Real

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from ..base import NDTransformer
from ..physics import Cosmology, wedge_slope
from ..utils import RANDOM_STATE_CONSTRAINT, Interval, StrOptions
from ._constraints import OBSERVING, TRANSFORMER_GEOMETRY
from ._filters import (
    _zero_modes,
    average_channels,
    remove_transverse_mean,
    smooth_with_beam,
    wedge_mask,
)
from ._geometry import channel_redshifts, check_cubes
from ._noise import _coverage, noise_amplitude, resolve_entropy, thermal_noise_model
from ._observe import _content_keys, _interferometer
from ._telescopes import TELESCOPES, telescope_properties

__all__ = [
    "BeamSmoothing",
    "ChannelAveraging",
    "ThermalNoise",
    "TransverseMeanRemoval",
    "UVSampling",
    "WedgeFilter",
]


class _CubeTransformer(NDTransformer):
    """Shared geometry handling: validate X, remember its shape, check it in transform."""

    _sample_ndim = 3

    def _fit_geometry(self, X):
        X = check_cubes(X, name="X")
        if self.box_size is None:
            raise ValueError(
                f"{type(self).__name__} needs box_size: the transverse comoving side of the "
                "cubes in Mpc (a simulated Bunch carries it as 'box_size')"
            )
        redshifts = channel_redshifts(self.redshift, X.shape[3])[0]
        self.sample_shape_ = X.shape[1:]
        return X, redshifts

    def _check_transform_input(self, X):
        check_is_fitted(self)
        X = check_cubes(X, name="X")
        if X.shape[1:] != self.sample_shape_:
            raise ValueError(
                f"X holds cubes of shape {X.shape[1:]}, but {type(self).__name__} was fitted "
                f"on cubes of shape {self.sample_shape_}"
            )
        return X

    @property
    def _cosmology(self):
        return Cosmology() if self.cosmology is None else self.cosmology


class ThermalNoise(_CubeTransformer):
    r"""Thermal noise of an interferometric observation, added to ``delta_T`` cubes (mK).

    Noise is drawn on the uv cells that the array measures, with the power of the radiometer
    equation (see :func:`~skcosmo21.observation.thermal_noise_model`); with ``sample_uv`` the
    signal's unmeasured modes (beyond the longest baseline, and :math:`k_\perp = 0`) are
    removed too, which is the whole interferometric measurement.

    Every cube gets its own realization, keyed by its content: ``fit`` resolves
    ``random_state`` into ``noise_entropy_``, and cube ``x`` then always gets the noise of
    ``SeedSequence(noise_entropy_, spawn_key=(0, *blake2b(x)))``, whatever its position in the
    batch. So training and test cubes transformed in separate calls never share a noise
    pattern, and transforming a cube twice gives the same result.

    Parameters
    ----------
    telescope : str, default="SKA1-Low"
        One of :data:`~skcosmo21.observation.TELESCOPES`.
    hours : float, default=1000.0
        Total observing time in hours.
    hours_per_day : float, default=6.0
        Hours observed per day.
    integration_time : float, default=60.0
        Seconds per visibility sample (sampling of the uv tracks).
    scan : {"track", "drift"} or None, default=None
        Tracked field or drift scan (one beam crossing per day); None: the array's own mode
        (drift for HERA, which cannot track; track for the others).
    declination : float, default=None
        Phase-centre declination in degrees; the array's latitude if None.
    box_size : float, default=None
        Transverse comoving side of the cubes in Mpc (required).
    redshift : float or array-like of shape (n_los,), default=None
        Redshift of coeval cubes, or of every line-of-sight cell of lightcones (required).
    sample_uv : bool, default=True
        Also remove the unmeasured modes of the signal.
    cosmology : Cosmology, default=None
        :class:`~skcosmo21.physics.Cosmology` when None.
    random_state : int, RandomState instance or None, default=None
        Entropy of the noise.

    Attributes
    ----------
    noise_power_ : ndarray of shape (n_distinct_redshifts, N, N)
        Thermal-noise power per mode, mK² Mpc³ (inf where unmeasured).
    measured_ : ndarray of bool, same shape
        uv cells the array measures.
    channel_index_ : ndarray of shape (n_los,)
        Row of ``noise_power_`` of every line-of-sight cell.
    noise_amplitude_ : ndarray of shape (n_distinct_redshifts, N, N // 2 + 1)
        sqrt(P_N / V_cell) on the rfft2 half plane (mK).
    noise_entropy_ : int
        The resolved ``random_state``.
    sample_shape_ : tuple of int
        Shape (N, N, n_los) of the cubes seen in ``fit``.

    See Also
    --------
    skcosmo21.observation.add_thermal_noise : The same as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import ThermalNoise
    >>> cubes = np.random.default_rng(0).normal(size=(3, 16, 16, 16))
    >>> noise = ThermalNoise("HERA", hours=100.0, scan="drift", box_size=600.0, redshift=8.0,
    ...                      random_state=0)
    >>> observed = noise.fit_transform(cubes)
    >>> bool(np.array_equal(noise.transform(cubes[2:]), observed[2:]))
    True
    """

    _parameter_constraints = {
        **OBSERVING,
        **TRANSFORMER_GEOMETRY,
        "hours": [Interval(Real, 0, None, closed="neither")],
        "sample_uv": ["boolean"],
        "random_state": RANDOM_STATE_CONSTRAINT,
    }

    def __init__(
        self,
        telescope="SKA1-Low",
        *,
        hours=1000.0,
        hours_per_day=6.0,
        integration_time=60.0,
        scan=None,
        declination=None,
        box_size=None,
        redshift=None,
        sample_uv=True,
        cosmology=None,
        random_state=None,
    ):
        self.telescope = telescope
        self.hours = hours
        self.hours_per_day = hours_per_day
        self.integration_time = integration_time
        self.scan = scan
        self.declination = declination
        self.box_size = box_size
        self.redshift = redshift
        self.sample_uv = sample_uv
        self.cosmology = cosmology
        self.random_state = random_state

    def fit(self, X, y=None):
        """Build the noise model for cubes shaped like ``X`` and fix the noise entropy.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes (only their shape is used).
        y : None
            Ignored.

        Returns
        -------
        self : ThermalNoise
        """
        self._validate_params()
        X, _ = self._fit_geometry(X)
        model = thermal_noise_model(
            self.telescope,
            n_cells=X.shape[1],
            box_size=self.box_size,
            redshift=self.redshift,
            hours=self.hours,
            hours_per_day=self.hours_per_day,
            integration_time=self.integration_time,
            scan=self.scan,
            declination=self.declination,
            n_los=X.shape[3],
            cosmology=self._cosmology,
        )
        self.noise_power_ = model.noise_power
        self.measured_ = model.measured
        self.channel_index_ = model.channel_index
        self.noise_amplitude_ = noise_amplitude(model)
        self.noise_entropy_ = resolve_entropy(self.random_state)
        return self

    def transform(self, X):
        """Observe every cube: its own noise realization (and uv sampling).

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Brightness temperature in mK.

        Returns
        -------
        X_observed : ndarray, same shape and float dtype
        """
        X = self._check_transform_input(X)
        coverage = Bunch(measured=self.measured_, channel_index=self.channel_index_)
        return _interferometer(
            X,
            coverage,
            sample_uv=self.sample_uv,
            amplitude=self.noise_amplitude_,
            entropy=self.noise_entropy_,
            keys=_content_keys,
        )


class UVSampling(_CubeTransformer):
    r"""Keep only the transverse modes an array measures (no noise).

    The angular resolution of the uv coverage itself: no power beyond the longest baseline, in
    the gaps between baseline tracks, or at :math:`k_\perp = 0`.

    Parameters
    ----------
    telescope : str, default="SKA1-Low"
        One of :data:`~skcosmo21.observation.TELESCOPES`.
    hours_per_day : float, default=6.0
        Hours tracked per day (the uv tracks' length).
    integration_time : float, default=60.0
        Seconds per visibility sample.
    scan : {"track", "drift"} or None, default=None
        Tracked field or drift scan; None: the array's own mode (drift for HERA, which cannot
        track; track for the others).
    declination : float, default=None
        Phase-centre declination in degrees; the array's latitude if None.
    box_size : float, default=None
        Transverse comoving side in Mpc (required).
    redshift : float or array-like of shape (n_los,), default=None
        Redshift of coeval cubes or of every line-of-sight cell (required).
    cosmology : Cosmology, default=None
        :class:`~skcosmo21.physics.Cosmology` when None.

    Attributes
    ----------
    measured_ : ndarray of bool, shape (n_distinct_redshifts, N, N)
        Measured uv cells (``numpy.fft`` order).
    channel_index_ : ndarray of shape (n_los,)
        Row of ``measured_`` of every line-of-sight cell.
    sample_shape_ : tuple of int
        Shape of the cubes seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import UVSampling
    >>> cubes = np.random.default_rng(0).normal(size=(2, 16, 16, 16))
    >>> sampler = UVSampling("HERA", scan="drift", box_size=600.0, redshift=8.0).fit(cubes)
    >>> float(abs(sampler.transform(cubes).mean(axis=(1, 2))).max()) < 1e-6
    True
    """

    _parameter_constraints = {**OBSERVING, **TRANSFORMER_GEOMETRY}

    def __init__(
        self,
        telescope="SKA1-Low",
        *,
        hours_per_day=6.0,
        integration_time=60.0,
        scan=None,
        declination=None,
        box_size=None,
        redshift=None,
        cosmology=None,
    ):
        self.telescope = telescope
        self.hours_per_day = hours_per_day
        self.integration_time = integration_time
        self.scan = scan
        self.declination = declination
        self.box_size = box_size
        self.redshift = redshift
        self.cosmology = cosmology

    def fit(self, X, y=None):
        """Grid the array's uv coverage onto the cubes' Fourier cells.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes (only their shape is used).
        y : None
            Ignored.

        Returns
        -------
        self : UVSampling
        """
        self._validate_params()
        X, _ = self._fit_geometry(X)
        coverage = _coverage(
            self.telescope,
            n_cells=X.shape[1],
            box_size=self.box_size,
            redshift=self.redshift,
            hours_per_day=self.hours_per_day,
            integration_time=self.integration_time,
            scan=self.scan,
            declination=self.declination,
            n_los=X.shape[3],
            cosmology=self._cosmology,
        )
        self.measured_ = coverage.measured
        self.channel_index_ = coverage.channel_index
        return self

    def transform(self, X):
        """Zero the unmeasured transverse modes of every channel.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes.

        Returns
        -------
        X_sampled : ndarray, same shape and float dtype
        """
        X = self._check_transform_input(X)
        coverage = Bunch(measured=self.measured_, channel_index=self.channel_index_)
        return _interferometer(
            X, coverage, sample_uv=True, amplitude=None, entropy=None, keys=_content_keys
        )


class BeamSmoothing(_CubeTransformer):
    """Angular resolution as a Gaussian beam of FWHM λ/B_max.

    Parameters
    ----------
    telescope : str, default="SKA1-Low"
        Array whose longest baseline sets B_max (ignored when ``max_baseline`` is given).
    max_baseline : float, default=None
        B_max in metres.
    box_size : float, default=None
        Transverse comoving side in Mpc (required).
    redshift : float or array-like of shape (n_los,), default=None
        Redshift of coeval cubes or of every line-of-sight cell (required).
    cosmology : Cosmology, default=None
        :class:`~skcosmo21.physics.Cosmology` when None.

    Attributes
    ----------
    max_baseline_ : float
        B_max used, in metres.
    sample_shape_ : tuple of int
        Shape of the cubes seen in ``fit``.

    See Also
    --------
    skcosmo21.observation.smooth_with_beam : The same as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import BeamSmoothing
    >>> cubes = np.random.default_rng(0).normal(size=(2, 16, 16, 16))
    >>> beam = BeamSmoothing(max_baseline=1000.0, box_size=200.0, redshift=8.0)
    >>> beam.fit_transform(cubes).shape
    (2, 16, 16, 16)
    """

    _parameter_constraints = {
        **TRANSFORMER_GEOMETRY,
        "telescope": [StrOptions(set(TELESCOPES))],
        "max_baseline": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        telescope="SKA1-Low",
        *,
        max_baseline=None,
        box_size=None,
        redshift=None,
        cosmology=None,
    ):
        self.telescope = telescope
        self.max_baseline = max_baseline
        self.box_size = box_size
        self.redshift = redshift
        self.cosmology = cosmology

    def fit(self, X, y=None):
        """Fix B_max and the cubes' shape.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes (only their shape is used).
        y : None
            Ignored.

        Returns
        -------
        self : BeamSmoothing
        """
        self._validate_params()
        self._fit_geometry(X)
        self.max_baseline_ = (
            float(self.max_baseline)
            if self.max_baseline is not None
            else telescope_properties(self.telescope).longest_baseline
        )
        return self

    def transform(self, X):
        """Convolve every channel with the beam.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes.

        Returns
        -------
        X_smoothed : ndarray, same shape and float dtype
        """
        X = self._check_transform_input(X)
        return smooth_with_beam(
            X,
            self.box_size,
            self.redshift,
            max_baseline=self.max_baseline_,
            cosmology=self._cosmology,
        )


class ChannelAveraging(_CubeTransformer):
    """Frequency resolution: average along the line of sight over a channel's width.

    Parameters
    ----------
    channel_width : float, default=0.1
        Channel width in MHz.
    box_size : float, default=None
        Transverse comoving side in Mpc (required; cells are cubes).
    redshift : float or array-like of shape (n_los,), default=None
        Redshift of coeval cubes (periodic line of sight) or of every line-of-sight cell of
        lightcones (required).
    cosmology : Cosmology, default=None
        :class:`~skcosmo21.physics.Cosmology` when None.

    Attributes
    ----------
    sample_shape_ : tuple of int
        Shape of the cubes seen in ``fit``.

    See Also
    --------
    skcosmo21.observation.average_channels : The same as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import ChannelAveraging
    >>> cubes = np.random.default_rng(0).normal(size=(2, 8, 8, 8))
    >>> out = ChannelAveraging(channel_width=2.0, box_size=100.0, redshift=8.0).fit_transform(cubes)
    >>> bool(out.std() < cubes.std())
    True
    """

    _parameter_constraints = {
        **TRANSFORMER_GEOMETRY,
        "channel_width": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, channel_width=0.1, *, box_size=None, redshift=None, cosmology=None):
        self.channel_width = channel_width
        self.box_size = box_size
        self.redshift = redshift
        self.cosmology = cosmology

    def fit(self, X, y=None):
        """Check the geometry against the cubes' shape.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes (only their shape is used).
        y : None
            Ignored.

        Returns
        -------
        self : ChannelAveraging
        """
        self._validate_params()
        X, _ = self._fit_geometry(X)
        # Fails here, not in transform, if the channel is wider than a coeval line of sight.
        average_channels(
            X[:1],
            self.box_size,
            self.redshift,
            channel_width=self.channel_width,
            cosmology=self._cosmology,
        )
        return self

    def transform(self, X):
        """Average every cube over the channel width.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes.

        Returns
        -------
        X_averaged : ndarray, same shape and float dtype
        """
        X = self._check_transform_input(X)
        return average_channels(
            X,
            self.box_size,
            self.redshift,
            channel_width=self.channel_width,
            cosmology=self._cosmology,
        )


class TransverseMeanRemoval(NDTransformer):
    r"""Remove every channel's mean, the :math:`k_\perp = 0` mode no interferometer measures.

    Stateless: ``fit`` only validates ``X``.

    See Also
    --------
    skcosmo21.observation.remove_transverse_mean : The same as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import TransverseMeanRemoval
    >>> cubes = np.random.default_rng(0).normal(loc=5.0, size=(2, 4, 4, 4))
    >>> out = TransverseMeanRemoval().fit_transform(cubes)
    >>> float(abs(out.mean(axis=(1, 2))).max()) < 1e-12
    True
    """

    _sample_ndim = 3

    def fit(self, X, y=None):
        """Validate ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes.
        y : None
            Ignored.

        Returns
        -------
        self : TransverseMeanRemoval
        """
        check_cubes(X, name="X")
        return self

    def transform(self, X):
        """Subtract the mean of every transverse slice.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes.

        Returns
        -------
        X_filtered : ndarray, same shape and float dtype
        """
        return remove_transverse_mean(check_cubes(X, name="X"))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


class WedgeFilter(_CubeTransformer):
    r"""Remove the foreground wedge :math:`|k_\parallel| \le m(z) k_\perp + b`.

    :math:`m(z) = D_c(z) H(z) \sin\theta / [c (1+z)]`
    (:func:`~skcosmo21.physics.wedge_slope`); every mode outside the wedge is kept exactly.

    Parameters
    ----------
    angle : float, default=90.0
        Largest angle of the foregrounds from the phase centre in degrees (90: horizon).
    buffer : float, default=0.0
        Extra :math:`k_\parallel` removed above the wedge, in :math:`\mathrm{Mpc^{-1}}`.
    box_size : float, default=None
        Transverse comoving side in Mpc (required).
    redshift : float or array-like of shape (n_los,), default=None
        Redshift of coeval cubes, or of every line-of-sight cell of lightcones (the slope is
        taken at their median) (required).
    cosmology : Cosmology, default=None
        :class:`~skcosmo21.physics.Cosmology` when None.

    Attributes
    ----------
    slope_ : float
        The wedge slope m.
    removed_ : ndarray of bool, shape (N, N, n_los // 2 + 1)
        Removed modes on the ``rfftn`` grid (:func:`~skcosmo21.observation.wedge_mask`).
    sample_shape_ : tuple of int
        Shape of the cubes seen in ``fit``.

    See Also
    --------
    skcosmo21.observation.remove_wedge : The same as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.observation import WedgeFilter
    >>> cubes = np.random.default_rng(0).normal(size=(2, 8, 8, 8))
    >>> wedge = WedgeFilter(box_size=100.0, redshift=8.0).fit(cubes)
    >>> round(wedge.slope_, 2)
    3.45
    """

    _parameter_constraints = {
        **TRANSFORMER_GEOMETRY,
        "angle": [Interval(Real, 0, 90, closed="both")],
        "buffer": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, angle=90.0, *, buffer=0.0, box_size=None, redshift=None, cosmology=None):
        self.angle = angle
        self.buffer = buffer
        self.box_size = box_size
        self.redshift = redshift
        self.cosmology = cosmology

    def fit(self, X, y=None):
        """Compute the wedge for cubes shaped like ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes (only their shape is used).
        y : None
            Ignored.

        Returns
        -------
        self : WedgeFilter
        """
        self._validate_params()
        X, redshifts = self._fit_geometry(X)
        self.slope_ = float(wedge_slope(np.median(redshifts), self._cosmology, self.angle))
        self.removed_ = wedge_mask(X.shape[1], X.shape[3], self.box_size, self.slope_, self.buffer)
        return self

    def transform(self, X):
        """Zero the wedge's modes of every cube.

        Parameters
        ----------
        X : ndarray of shape (n_cubes, N, N, n_los)
            Cubes.

        Returns
        -------
        X_filtered : ndarray, same shape and float dtype
        """
        X = self._check_transform_input(X)
        return _zero_modes(X, self.removed_)
