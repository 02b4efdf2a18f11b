r"""Collapsed fractions and the excursion-set ionization of 21cmFAST.

The semi-numerical reionization model of Mesinger & Furlanetto (2007) and Mesinger, Furlanetto &
Cen (2011, 21cmFAST) flags a cell as ionized when, for some smoothing radius R,

.. math:: \zeta\, \frac{\bar f_\mathrm{coll}^\mathrm{ST}(z)}
   {\langle f_\mathrm{coll}(\delta_R)\rangle}\, f_\mathrm{coll}(\delta_R, R) > 1,

where :math:`f_\mathrm{coll}(\delta_R, R)` is the extended Press–Schechter collapsed fraction of
:func:`conditional_collapsed_fraction` and the ratio rescales the box to the Sheth–Tormen mean.
:class:`ExcursionSet` runs the whole algorithm as 21cmFAST 3.4's ``IonisationBox.c`` does for
its default flags (no mass-dependent ζ, no recombinations, no spin temperature, no halo field):
the radii of :func:`smoothing_radii`, the sharp-k filter on the evolved density, and at the cell
scale the residual neutral fraction of :func:`cell_neutral_fraction` with Poisson-sampled halo
counts.
"""

import numpy as np
import scipy.fft
from scipy import special

from ._cosmology import (
    growth_factor_fit,
    mass_to_radius,
    radius_to_mass,
    virial_temperature_to_mass,
)
from ._fields import filter_window, wavenumber_magnitude
from ._linear_theory import sigma_r

#: Linear collapse threshold, 21cmFAST 3.4's ``Deltac`` (``Constants.h``).
DELTA_CRIT = 1.68

#: Sheth–Tormen parameters as 21cmFAST sets them (Jenkins et al. 2001 via Barkana et al. 2001).
SHETH_TORMEN_21CMFAST = {"a": 0.73, "p": 0.175, "A": 0.353}

#: Radius of the sphere with one cell's volume, in cells (21cmFAST's ``L_FACTOR``).
CELL_RADIUS_FACTOR = 0.620350491
#: Ratio of successive smoothing radii (21cmFAST's ``DELTA_R_HII_FACTOR``).
RADIUS_STEP = 1.1
#: Smallest smoothing radius in Mpc (21cmFAST's ``R_BUBBLE_MIN``: a 1 Mpc cell's sphere).
MIN_BUBBLE_RADIUS = 0.620350491
#: Mean halo count of the Poisson draw at the cell scale (21cmFAST's ``N_POISSON``).
N_POISSON = 5
#: 21cmFAST's ``FRACT_FLOAT_ERR``: floor of the box-mean collapsed fraction, and the tolerance of
#: its radius comparisons.
_FLOAT_TOLERANCE = 1e-7
#: Below this ζ times the mean collapsed fraction nothing ionizes (21cmFAST's ``HII_ROUND_ERR``).
_NEGLIGIBLE_IONIZATION = 1e-5
#: Bins of the histogram that gives a filtered field's mean collapsed fraction.
_N_HISTOGRAM_BINS = 4096
#: Cells sampled (by a regular stride) for that histogram.
_HISTOGRAM_SAMPLE = 2**20


def press_schechter_collapsed_fraction(nu):
    r"""Mass fraction in halos above the mass with peak height :math:`\nu = \delta_c/\sigma`.

    .. math:: F_\mathrm{PS}(>\nu) = \operatorname{erfc}(\nu/\sqrt{2})

    Parameters
    ----------
    nu : array-like
        Peak height.

    Returns
    -------
    fraction : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import press_schechter_collapsed_fraction
    >>> float(press_schechter_collapsed_fraction(0.0))
    1.0
    """
    return special.erfc(np.asarray(nu, dtype=float) / np.sqrt(2.0))


def sheth_tormen_collapsed_fraction(nu, a=0.73, p=0.175, A=0.353):
    r"""Sheth–Tormen mass fraction in halos above peak height :math:`\nu`, in closed form.

    With :math:`\hat\nu = \sqrt{a}\,\nu`, the multiplicity function
    :math:`A\sqrt{2/\pi}\,(1 + \hat\nu^{-2p})\,\hat\nu\,e^{-\hat\nu^2/2}` (per :math:`\ln\hat\nu`,
    21cmFAST's ``dNdM_st``) integrates to

    .. math:: F_\mathrm{ST}(>\nu) = A\left[\operatorname{erfc}\frac{\hat\nu}{\sqrt2}
       + \frac{2^{-p}\,\Gamma(\tfrac12 - p)}{\sqrt\pi}\,
       Q\!\left(\tfrac12 - p, \tfrac{\hat\nu^2}{2}\right)\right],

    where :math:`Q` is the regularised upper incomplete gamma function. With ``a=1, p=0,
    A=1/2`` this is exactly Press–Schechter.

    Parameters
    ----------
    nu : array-like
        Peak height :math:`\delta_c/\sigma(M, z)`.
    a, p, A : float
        Sheth–Tormen parameters; the defaults are 21cmFAST's.

    Returns
    -------
    fraction : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import sheth_tormen_collapsed_fraction
    >>> round(float(sheth_tormen_collapsed_fraction(1.3, a=1.0, p=0.0, A=0.5)), 6)
    0.193601
    """
    nu_hat = np.sqrt(a) * np.asarray(nu, dtype=float)
    shape = 0.5 - p
    tail = 2.0**-p * special.gamma(shape) / np.sqrt(np.pi) * special.gammaincc(shape, nu_hat**2 / 2)
    return A * (special.erfc(nu_hat / np.sqrt(2.0)) + tail)


def conditional_collapsed_fraction(delta, sigma_min, sigma_r, delta_crit=DELTA_CRIT):
    r"""Extended Press–Schechter collapsed fraction inside a region of overdensity δ.

    .. math:: f_\mathrm{coll}(\delta_R, R) = \operatorname{erfc}\left[
       \frac{\delta_c - \delta_R}{\sqrt{2(\sigma^2_\mathrm{min} - \sigma^2_R)}}\right]

    (Bond et al. 1991; Lacey & Cole 1993), capped at 1 for :math:`\delta_R > \delta_c` as
    21cmFAST's ``IonisationBox.c`` has it (its ``splined_erfc`` returns 1 for a negative
    argument). All of :math:`\delta_R, \sigma` must be at the same redshift (or all linearly
    extrapolated to z = 0).

    Parameters
    ----------
    delta : array-like
        Overdensity smoothed on R.
    sigma_min : float
        :math:`\sigma(M_\mathrm{min})`.
    sigma_r : float
        :math:`\sigma(R)`, smaller than ``sigma_min``.
    delta_crit : float, default=1.68
        Collapse threshold.

    Returns
    -------
    fraction : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import conditional_collapsed_fraction
    >>> float(conditional_collapsed_fraction(1.68, 2.0, 1.0))
    1.0
    """
    delta = np.asarray(delta)
    # Keep a float32 field in float32 (the simulator's cubes); anything else in float64.
    dtype = np.dtype(np.float32 if delta.dtype == np.float32 else np.float64)
    width = dtype.type(np.sqrt(2.0 * (sigma_min**2 - sigma_r**2)))
    fraction = special.erfc((dtype.type(delta_crit) - delta) / width)
    return np.minimum(fraction, dtype.type(1.0))


def ionization_threshold(efficiency, sigma_min, sigma_r, delta_crit=DELTA_CRIT):
    r"""Overdensity above which :math:`\text{efficiency} \cdot f_\mathrm{coll}(\delta_R, R) > 1`.

    Inverting :func:`conditional_collapsed_fraction`,

    .. math:: \delta_\mathrm{thr} = \delta_c - \sqrt{2(\sigma^2_\mathrm{min}-\sigma^2_R)}\;
       \operatorname{erfc}^{-1}(1/\text{efficiency}),

    so the whole excursion set reduces to one comparison per cell. The collapsed fraction is
    at most 1, so an efficiency of at most 1 can never ionize a region: the threshold is then
    :math:`+\infty`.

    Parameters
    ----------
    efficiency : array-like
        Effective ionizing efficiency (ζ times the Sheth–Tormen rescaling).
    sigma_min, sigma_r : float
        As in :func:`conditional_collapsed_fraction`.
    delta_crit : float, default=1.68
        Collapse threshold.

    Returns
    -------
    threshold : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import conditional_collapsed_fraction, ionization_threshold
    >>> thr = ionization_threshold(30.0, 2.0, 1.0)
    >>> round(30.0 * float(conditional_collapsed_fraction(thr, 2.0, 1.0)), 6)
    1.0
    """
    efficiency = np.asarray(efficiency, dtype=float)
    width = np.sqrt(2.0 * (sigma_min**2 - sigma_r**2))
    can_ionize = efficiency > 1.0
    safe = np.where(can_ionize, efficiency, 2.0)
    threshold = delta_crit - width * special.erfcinv(1.0 / safe)
    return np.where(can_ionize, threshold, np.inf)


def cell_smoothing_radius(n_cells, box_size):
    """Radius (Mpc) of the excursion set's last, cell-scale step, as 21cmFAST sets it.

    The sphere of one cell's volume, ``0.620350491 * box_size / n_cells``, but never below
    ``R_BUBBLE_MIN`` = 0.62 Mpc.

    Parameters
    ----------
    n_cells : int
        Cells per side.
    box_size : float
        Side length in Mpc.

    Returns
    -------
    radius : float

    Examples
    --------
    >>> from skcosmo21.physics import cell_smoothing_radius
    >>> round(cell_smoothing_radius(64, 300.0), 4)
    2.9079
    """
    return max(MIN_BUBBLE_RADIUS, CELL_RADIUS_FACTOR * box_size / n_cells)


def smoothing_radii(n_cells, box_size, max_radius):
    """Excursion-set smoothing radii (Mpc), largest first, as 21cmFAST 3.4's ``IonisationBox.c``.

    The first radius is ``max_radius`` (R_BUBBLE_MAX, capped at the box's own scale
    ``0.62 * box_size``); the next is the largest ``r_cell * 1.1**k`` not above it, and each
    following one is 1.1 times smaller, until the step that would reach ``1.1 * r_cell`` is
    replaced by the cell scale ``r_cell`` itself (:func:`cell_smoothing_radius`).

    Parameters
    ----------
    n_cells : int
        Cells per side.
    box_size : float
        Side length in Mpc.
    max_radius : float
        Largest radius in Mpc.

    Returns
    -------
    radii : ndarray
        Decreasing; the last is the cell scale.

    Examples
    --------
    >>> from skcosmo21.physics import smoothing_radii
    >>> r = smoothing_radii(64, 128.0, 15.0)
    >>> float(r[0]), round(float(r[-1]), 3), round(float(r[-2] / r[-1]), 2)
    (15.0, 1.241, 1.21)
    """
    r_cell = cell_smoothing_radius(n_cells, box_size)
    r_max = min(max_radius, CELL_RADIUS_FACTOR * box_size)
    # Largest r_cell * 1.1**k not above r_max (21cmFAST's stored_R).
    below_max = r_cell
    while below_max * RADIUS_STEP - r_max <= _FLOAT_TOLERANCE:
        below_max *= RADIUS_STEP
    radii = []
    radius = r_max
    while radius / RADIUS_STEP - r_cell > _FLOAT_TOLERANCE:
        radii.append(radius)
        radius = below_max if len(radii) == 1 else radius / RADIUS_STEP
    radii.append(r_cell)
    return np.asarray(radii)


def cell_neutral_fraction(
    collapsed_fraction, efficiency, density, cell_mass, min_mass, halo_counts=None
):
    r"""Neutral fraction of cells that no smoothing scale ionized (21cmFAST's last filter step).

    A cell holding collapsed fraction :math:`f` (Sheth–Tormen-rescaled, at the cell scale) is
    partially ionized, :math:`x_\mathrm{HI} = 1 - \zeta f`, clipped to [0, 1]. Where the cell
    holds on average fewer than ``N_POISSON`` = 5 halos of the minimum mass,
    :math:`\bar N = f\,M_\mathrm{cell}(1+\delta)/M_\mathrm{min} < 5`, 21cmFAST samples the
    halos: :math:`f \to f N/5` with :math:`N` Poisson-distributed of mean 5; where the cell holds
    less than a fifth of one such halo's mass, it holds none (:math:`f = 0`). Elsewhere
    :math:`f` is capped at 1.

    Parameters
    ----------
    collapsed_fraction : ndarray
        Rescaled collapsed fraction :math:`f` per cell.
    efficiency : float
        Ionizing efficiency ζ.
    density : ndarray
        Overdensity δ per cell.
    cell_mass : float
        Mean mass of one cell in :math:`M_\odot` (21cmFAST's ``pixel_mass``).
    min_mass : float
        Minimum halo mass in :math:`M_\odot`.
    halo_counts : ndarray of int, optional
        Poisson draws of mean 5 per cell; None uses their mean (no sampling noise).

    Returns
    -------
    x_HI : ndarray
        float32 neutral fraction.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import cell_neutral_fraction
    >>> f = np.array([0.01, 0.01, 0.1])
    >>> x = cell_neutral_fraction(f, 30.0, np.zeros(3), 1e12, 1e9, halo_counts=np.array([5, 10, 0]))
    >>> x.round(2).tolist()
    [0.7, 0.7, 0.0]
    """
    return neutral_from_sources(
        source_fraction(collapsed_fraction, density, cell_mass, min_mass, halo_counts), efficiency
    )


def source_fraction(collapsed_fraction, density, cell_mass, min_mass, halo_counts=None):
    """Collapsed fraction that ionizes a cell's own gas, after 21cmFAST's halo sampling.

    The part of :func:`cell_neutral_fraction` that does not depend on ζ: computed once, it
    serves every efficiency through :func:`neutral_from_sources`.

    Parameters
    ----------
    collapsed_fraction, density, cell_mass, min_mass, halo_counts
        As in :func:`cell_neutral_fraction`.

    Returns
    -------
    fraction : ndarray
        float32, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import source_fraction
    >>> source_fraction(np.array([0.5, 3.0]), np.zeros(2), 1e12, 1e9).tolist()
    [0.5, 1.0]
    """
    fraction = np.asarray(collapsed_fraction, dtype=np.float32)
    mass_in_halos = fraction * np.float32(cell_mass) * (1.0 + np.asarray(density, np.float32))
    sampled = np.minimum(fraction, np.float32(1.0))
    if halo_counts is not None:
        few_halos = mass_in_halos < np.float32(N_POISSON * min_mass)
        sampled = np.where(few_halos, fraction * (halo_counts / np.float32(N_POISSON)), sampled)
    sampled = np.where(mass_in_halos < np.float32(min_mass / 5.0), np.float32(0.0), sampled)
    return np.minimum(sampled, np.float32(1.0)).astype(np.float32)


def neutral_from_sources(fraction, efficiency, out=None):
    r"""Neutral fraction :math:`x_\mathrm{HI} = \mathrm{clip}(1 - \zeta f, 0, 1)`.

    Parameters
    ----------
    fraction : ndarray
        Source collapsed fraction from :func:`source_fraction`.
    efficiency : float
        Ionizing efficiency ζ.
    out : ndarray of float32, optional
        Where to write the result.

    Returns
    -------
    x_HI : ndarray
        float32.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import neutral_from_sources
    >>> neutral_from_sources(np.array([0.01, 0.1]), 20.0).round(2).tolist()
    [0.8, 0.0]
    """
    neutral = np.multiply(np.float32(efficiency), np.asarray(fraction, np.float32), out=out)
    np.subtract(np.float32(1.0), neutral, out=neutral)
    return np.clip(neutral, 0.0, 1.0, out=neutral)


def _mean_collapsed_fraction(delta, sigma_min, sigma_radius, delta_crit):
    """Box mean of the conditional collapsed fraction from a histogram of the filtered field.

    The erfc of 4096 bin centres weighted by their counts instead of one per cell: 7 times
    faster, and exact to well below the float32 precision the fields are kept in.
    """
    sample = delta.ravel()[:: max(1, delta.size // _HISTOGRAM_SAMPLE)]
    # 21cmFAST clips the filtered density at -1 before taking the collapsed fraction.
    sample = np.maximum(sample, np.float32(-1.0 + _FLOAT_TOLERANCE))
    low, high = float(sample.min()), float(sample.max())
    if high <= low:
        centres, counts = np.array([low]), np.array([sample.size])
    else:
        scale = (_N_HISTOGRAM_BINS - 1) / (high - low)
        bins = ((sample - np.float32(low)) * np.float32(scale)).astype(np.intp)
        counts = np.bincount(bins, minlength=_N_HISTOGRAM_BINS)
        centres = low + (np.arange(_N_HISTOGRAM_BINS) + 0.5) / scale
    fcoll = conditional_collapsed_fraction(centres, sigma_min, sigma_radius, delta_crit)
    return float(fcoll @ counts) / sample.size


#: A sharp-k filter keeping modes up to this fraction of the Nyquist index along each axis is
#: inverted by the pruned transform of :func:`_band_limited_inverse` (about half the work).
_PRUNE_BELOW = 0.6


def _band_limit(window):
    """Largest mode index kept by a sharp-k window along each axis (rfftn layout)."""
    along_last = np.flatnonzero(window.any(axis=(0, 1)))
    return int(along_last.max()) if along_last.size else 0


class _BandLimitedInverse:
    """``irfftn(delta_k * window)`` for sharp-k windows that keep only modes with index <= band.

    The inverse transform runs one axis at a time on the non-zero block only: the first two
    (complex) passes shrink to a (2 band + 1)-wide block, the last (real) one reads the block
    from a zero-padded buffer in the ``rfftn`` layout, reused from radius to radius
    (``scipy.fft.irfft`` would otherwise copy the block into a fresh padded array at every
    radius, which costs more than the transform). Large smoothing radii cost a fraction of a
    full transform. Exact: the same sums as the full transform, with the zero terms left out.
    """

    def __init__(self, delta_k, workers=None):
        self.delta_k = delta_k
        self.workers = workers
        self._padded = np.zeros_like(delta_k)
        self._written = 0  # columns (last axis) a previous window left non-zero

    def __call__(self, window, band):
        n_cells = self.delta_k.shape[0]
        rows = np.r_[0 : band + 1, n_cells - band : n_cells]
        columns = np.arange(band + 1)
        block = self.delta_k[np.ix_(rows, rows, columns)] * window[np.ix_(rows, rows, columns)]
        spread = np.zeros((n_cells, len(rows), band + 1), dtype=block.dtype)
        spread[rows] = block
        spread = scipy.fft.ifft(spread, axis=0, workers=self.workers, overwrite_x=True)
        self._padded[..., band + 1 : self._written] = 0.0
        self._written = max(self._written, band + 1)
        plane = self._padded[..., : band + 1]
        plane[...] = 0.0
        plane[:, rows] = spread
        # In place on the strided view; the columns beyond ``band`` stay zero.
        scipy.fft.ifft(plane, axis=1, workers=self.workers, overwrite_x=True)
        return scipy.fft.irfft(self._padded, n=n_cells, axis=2, workers=self.workers)


class ExcursionSet:
    r"""21cmFAST's excursion-set ionization on one grid, for any density field and redshift.

    Follows 21cmFAST 3.4's ``IonisationBox.c`` for its default flags: for each radius of
    :func:`smoothing_radii`, largest first, the evolved density is filtered (sharp-k by
    default, ``HII_FILTER=1``), clipped at -1, and a cell is ionized where
    :math:`\zeta\,n\,f_\mathrm{coll}(\delta_R, R) > 1`, with
    :math:`n = \bar f^\mathrm{ST}_\mathrm{coll}/\langle f_\mathrm{coll}\rangle` renormalising the
    box to the Sheth–Tormen collapsed fraction (``HMF=1``) above the minimum halo mass. At the
    cell scale (unfiltered when the cell is larger than 1 Mpc) the cells still neutral get
    :func:`cell_neutral_fraction`. Since the criterion inverts to a density threshle (see
    :func:`ionization_threshold`), every efficiency costs one comparison per scale.

    Parameters
    ----------
    n_cells : int
        Cells per side.
    box_size : float
        Side length in Mpc.
    cosmo : Cosmology
        Cosmological parameters.
    min_virial_temperature : float
        Minimum virial temperature (K) of ionizing halos (``ION_Tvir_MIN``).
    max_bubble_radius : float, default=15.0
        Largest smoothing radius in Mpc (``R_BUBBLE_MAX``).
    ionization_filter : {"sharp-k", "top-hat"}, default="sharp-k"
        Filter of the smoothing steps (``HII_FILTER`` 1 and 0).

    Attributes
    ----------
    radii : ndarray
        Smoothing radii in Mpc, largest first.
    cell_mass : float
        Mean mass of a cell in :math:`M_\odot`.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import Cosmology, ExcursionSet
    >>> steps = ExcursionSet(16, 48.0, Cosmology(), min_virial_temperature=5e4)
    >>> density = np.random.default_rng(0).normal(0, 0.2, (16, 16, 16)).astype(np.float32)
    >>> x_hi = steps.neutral_fraction(density, 8.0, [15.0, 60.0])
    >>> x_hi.shape, bool(x_hi[0].mean() > x_hi[1].mean())
    ((2, 16, 16, 16), True)
    """

    def __init__(
        self,
        n_cells,
        box_size,
        cosmo,
        min_virial_temperature,
        max_bubble_radius=15.0,
        ionization_filter="sharp-k",
    ):
        self.n_cells = n_cells
        self.box_size = box_size
        self.cosmo = cosmo
        self.min_virial_temperature = min_virial_temperature
        self.radii = smoothing_radii(n_cells, box_size, max_bubble_radius)
        self.cell_mass = float(radius_to_mass(CELL_RADIUS_FACTOR * box_size / n_cells, cosmo))
        self._sigma_radii = sigma_r(self.radii, cosmo)
        # The last step is unfiltered when it is the cell's own scale (21cmFAST skips the
        # filter there; it only filters when R_BUBBLE_MIN exceeds the cell's sphere).
        unfiltered = self.radii[-1] - CELL_RADIUS_FACTOR * box_size / n_cells <= _FLOAT_TOLERANCE
        k = wavenumber_magnitude(n_cells, box_size)
        self._windows, self._bands = [], []
        for i, radius in enumerate(self.radii):
            if i == len(self.radii) - 1 and unfiltered:
                self._windows.append(None)
                self._bands.append(None)
                continue
            window = filter_window(ionization_filter, k, radius)
            band = None
            if ionization_filter == "sharp-k":
                window = window.astype(bool)
                band = _band_limit(window)
                if n_cells < 32 or 2 * band + 1 > _PRUNE_BELOW * n_cells:
                    band = None
            self._windows.append(window)
            self._bands.append(band)

    def min_mass(self, redshift):
        r"""Minimum mass (:math:`M_\odot`) of ionizing halos at ``redshift``.

        Parameters
        ----------
        redshift : float
            Redshift.

        Returns
        -------
        mass : float
        """
        return float(virial_temperature_to_mass(self.min_virial_temperature, redshift, self.cosmo))

    def neutral_fraction(
        self,
        density,
        redshift,
        efficiencies,
        halo_counts=None,
        workers=None,
        out=None,
        density_k=None,
    ):
        """Neutral fraction per cell of one density field, for each ionizing efficiency.

        Parameters
        ----------
        density : ndarray of shape (n, n, n)
            Evolved overdensity at ``redshift``.
        redshift : float
            Redshift.
        efficiencies : array-like of float
            Ionizing efficiencies ζ.
        halo_counts : ndarray of int, optional
            Poisson draws (mean 5) per cell for :func:`cell_neutral_fraction`.
        workers : int, optional
            Threads for ``scipy.fft``.
        out : ndarray of shape (n_efficiencies, n, n, n), optional
            float32 array to write the result into.
        density_k : ndarray, optional
            ``scipy.fft.rfftn`` of ``density`` (as float32), when the caller has it already
            (the simulator needs it for the redshift-space distortions too).

        Returns
        -------
        x_HI : ndarray of shape (n_efficiencies, n, n, n)
            float32.

        Raises
        ------
        ValueError
            If the minimum halo mass exceeds the mass of the smallest smoothing sphere: the
            excursion set then has no scale to ionize from.
        """
        density = np.asarray(density, dtype=np.float32)
        efficiencies = np.asarray(efficiencies, dtype=float)
        shape = density.shape
        growth = float(growth_factor_fit(redshift, self.cosmo))
        min_mass = self.min_mass(redshift)
        smallest = float(radius_to_mass(self.radii[-1], self.cosmo))
        if min_mass >= smallest:
            raise ValueError(
                f"halos of the minimum virial temperature have {min_mass:.3g} M_sun at z = "
                f"{redshift:g}, more than the {smallest:.3g} M_sun inside the smallest smoothing "
                f"sphere (R = {self.radii[-1]:.3g} Mpc): the excursion set needs sources lighter "
                "than a cell"
            )
        sigma_min = float(sigma_r(mass_to_radius(min_mass, self.cosmo), self.cosmo)) * growth
        sigma_radii = self._sigma_radii * growth
        mean_fcoll = float(
            sheth_tormen_collapsed_fraction(DELTA_CRIT / sigma_min, **SHETH_TORMEN_21CMFAST)
        )
        if out is None:
            out = np.empty((len(efficiencies),) + shape, dtype=np.float32)
        neutral = out
        active = efficiencies * mean_fcoll >= _NEGLIGIBLE_IONIZATION
        neutral[~active] = 1.0
        if not active.any():
            return neutral
        ionized = np.zeros((len(efficiencies),) + shape, dtype=bool)
        delta_k = scipy.fft.rfftn(density, workers=workers) if density_k is None else density_k
        floor = np.float32(-1.0 + _FLOAT_TOLERANCE)
        # Buffers reused at every radius: fresh arrays of this size cost page faults.
        filtered_k = np.empty_like(delta_k)
        band_limited_inverse = _BandLimitedInverse(delta_k, workers)
        crossing = np.empty(shape, dtype=bool)
        for window, band, sigma_radius in zip(self._windows, self._bands, sigma_radii, strict=True):
            if window is None:
                smoothed = density.copy()
            elif band is not None:
                smoothed = band_limited_inverse(window, band)
            else:
                np.multiply(delta_k, window, out=filtered_k)
                smoothed = scipy.fft.irfftn(filtered_k, s=shape, workers=workers, overwrite_x=True)
            box_mean = _mean_collapsed_fraction(smoothed, sigma_min, sigma_radius, DELTA_CRIT)
            rescale = mean_fcoll / max(box_mean, _FLOAT_TOLERANCE)
            thresholds = ionization_threshold(
                efficiencies * rescale, sigma_min, sigma_radius, DELTA_CRIT
            )
            for e, threshold in enumerate(thresholds):
                if not active[e] or not np.isfinite(threshold):
                    continue
                if threshold < floor:  # every cell, its density clipped at -1, crosses
                    ionized[e][...] = True
                else:
                    np.greater(smoothed, np.float32(threshold), out=crossing)
                    ionized[e] |= crossing
        # ``smoothed`` is now the cell-scale field: partial ionization of the cells left.
        np.maximum(smoothed, floor, out=smoothed)
        fcoll = conditional_collapsed_fraction(smoothed, sigma_min, sigma_radius, DELTA_CRIT)
        fcoll *= np.float32(rescale)
        sources = source_fraction(fcoll, smoothed, self.cell_mass, min_mass, halo_counts)
        for e, efficiency in enumerate(efficiencies):
            if active[e]:
                neutral_from_sources(sources, efficiency, out=neutral[e])
                np.copyto(neutral[e], np.float32(0.0), where=ionized[e])
        return neutral
