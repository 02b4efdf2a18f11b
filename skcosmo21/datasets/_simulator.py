"""Built-in semi-numerical simulator of 21-cm reionization cubes (the default data source)."""

import numbers
from contextlib import nullcontext

import joblib
import numpy as np
import scipy.fft
from scipy import special
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_memory
from tqdm.auto import tqdm

from .._version import __version__
from ..physics import (
    DELTA_CRIT,
    Cosmology,
    brightness_temperature,
    brightness_temperature_prefactor,
    cloud_in_cell_density,
    filter_window,
    gaussian_random_field_k,
    growth_factor,
    growth_rate,
    ionization_threshold,
    line_of_sight_velocity_gradient,
    linear_power_spectrum,
    mass_to_radius,
    sheth_tormen_collapsed_fraction,
    sigma_r,
    virial_temperature_to_mass,
    wavenumber_magnitude,
    zeldovich_displacement,
)
from ..physics._excursion_set import SHETH_TORMEN_21CMFAST
from ..utils import check_scalar_in_range

FIELDS = ("delta_T", "density", "x_HI")

#: Radius of the sphere with one cell's volume, in cells (21cmFAST's L_FACTOR).
_CELL_RADIUS_FACTOR = 0.620350491
#: Ratio of successive smoothing radii (21cmFAST's DELTA_R_HII_FACTOR).
_RADIUS_STEP = 1.1
#: Bins of the histogram that gives each filtered field's mean collapsed fraction.
_N_HISTOGRAM_BINS = 4096
#: Cells sampled (by a regular stride) for that histogram.
_HISTOGRAM_SAMPLE = 2**20

DESCR = """\
Simulated 21-cm reionization cubes
----------------------------------

Coeval cubes of the 21-cm brightness temperature (``delta_T``, mK) and of the evolved matter
overdensity (``density``), made by skcosmo21's semi-numerical simulator: Gaussian initial
conditions from the Eisenstein & Hu linear power spectrum, Zel'dovich-evolved density, and the
excursion-set ionization of Mesinger & Furlanetto (2007) as 21cmFAST implements it, with the
ionizing efficiency zeta = efficiency_per_escape_fraction * f_esc.

Cube i is (realization, redshift, escape_fraction) in realization-major order:
i = (r * n_redshifts + j) * n_escape_fractions + k. All cubes of one realization share their
initial conditions (and so their large-scale structure). Axis 2 is the line of sight along
which redshift-space distortions are applied, as in 21cmFAST boxes.
"""


def _validated_grid(values, name, low, high, low_inclusive):
    values = np.atleast_1d(np.asarray(values, dtype=float))
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of numbers")
    for value in values:
        check_scalar_in_range(float(value), name, low=low, high=high, low_inclusive=low_inclusive)
    if np.unique(values).size != values.size:
        raise ValueError(f"{name} contains duplicate values: {values.tolist()}")
    return values


def _validated_fields(fields):
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    unknown = [f for f in fields if f not in FIELDS]
    if unknown or not fields:
        raise ValueError(f"fields must be a non-empty subset of {FIELDS}, got unknown {unknown}")
    return fields


def _realization_seeds(random_state, n_realizations):
    # One independent, order-free seed per realization: results do not depend on n_jobs or
    # on which realizations were cached before.
    if random_state is None or isinstance(random_state, numbers.Integral):
        entropy = random_state
    else:
        entropy = int(check_random_state(random_state).randint(0, 2**31 - 1))
    children = np.random.SeedSequence(entropy).spawn(n_realizations)
    return [int(child.generate_state(1, dtype=np.uint64)[0]) for child in children]


def smoothing_radii(n_cells, box_size, max_radius):
    """Excursion-set smoothing radii (Mpc), smallest first, as 21cmFAST's ``setup_radii``.

    Parameters
    ----------
    n_cells : int
        Cells per side.
    box_size : float
        Side length in Mpc.
    max_radius : float
        Largest radius (R_BUBBLE_MAX), capped at the box's own scale.

    Returns
    -------
    radii : ndarray

    Examples
    --------
    >>> from skcosmo21.datasets import smoothing_radii
    >>> r = smoothing_radii(64, 128.0, 15.0)
    >>> round(float(r[0]), 3), float(r[-1])
    (1.241, 15.0)
    """
    r_min = _CELL_RADIUS_FACTOR * box_size / n_cells
    r_max = min(max_radius, _CELL_RADIUS_FACTOR * box_size)
    radii = [r_min]
    while radii[-1] * _RADIUS_STEP < r_max:
        radii.append(radii[-1] * _RADIUS_STEP)
    if r_max > r_min:
        radii.append(r_max)
    return np.asarray(radii)


def _mean_collapsed_fraction(delta, growth, sigma_min, sigma_radius):
    """Box mean of the conditional collapsed fraction at each redshift, from one histogram.

    The filtered linear field does not depend on redshift, so one histogram of it serves
    every redshift: the mean is a 4096-term sum instead of an erfc over every cell.
    """
    sample = delta.ravel()[:: max(1, delta.size // _HISTOGRAM_SAMPLE)]
    counts, edges = np.histogram(sample, bins=_N_HISTOGRAM_BINS)
    centres = 0.5 * (edges[1:] + edges[:-1])
    width = np.sqrt(2.0 * (sigma_min[:, None] ** 2 - sigma_radius**2))
    fcoll = np.minimum(special.erfc((DELTA_CRIT / growth[:, None] - centres) / width), 1.0)
    return fcoll @ counts / counts.sum()


class _ExcursionSet:
    """Ionization state of one realization, updated one smoothing scale at a time.

    Holds everything that does not depend on the filtered field: the barrier's redshift
    dependence, the Sheth–Tormen means and the per-(redshift, escape fraction) ionized flags.
    """

    def __init__(self, redshifts, escape_fractions, shape, radii, cosmo, physics):
        self.growth = growth_factor(redshifts, cosmo)
        self.efficiency = physics["efficiency_per_escape_fraction"] * np.asarray(escape_fractions)
        t_vir = physics["min_virial_temperature"]
        m_min = np.array([virial_temperature_to_mass(t_vir, z, cosmo) for z in redshifts])
        self.sigma_min = sigma_r(mass_to_radius(m_min, cosmo), cosmo)
        self.mean_fcoll_st = sheth_tormen_collapsed_fraction(
            DELTA_CRIT / (self.sigma_min * self.growth), **physics["sheth_tormen"]
        )
        self.sigma_radii = sigma_r(radii, cosmo)
        n_z, n_e = len(redshifts), len(escape_fractions)
        self.ionized = np.zeros((n_z, n_e) + shape, dtype=bool)
        self.neutral = np.empty((n_z, n_e) + shape, dtype=np.float32)

    def update(self, delta_r, scale, redshift_indices):
        """Flag cells where the field smoothed on ``radii[scale]`` crosses the barrier.

        ``delta_r`` is the smoothed density extrapolated linearly to z = 0 (δ/D), which makes
        one field serve every redshift in ``redshift_indices`` when it is linearly evolved.
        """
        z_idx = np.asarray(redshift_indices)
        growth, sigma_min = self.growth[z_idx], self.sigma_min[z_idx]
        sigma_radius = self.sigma_radii[scale]
        box_fcoll = _mean_collapsed_fraction(delta_r, growth, sigma_min, sigma_radius)
        with np.errstate(divide="ignore"):
            rescale = np.where(box_fcoll > 0, self.mean_fcoll_st[z_idx] / box_fcoll, 0.0)
        effective = self.efficiency[None, :] * rescale[:, None]
        for row, j in enumerate(z_idx):
            thresholds = ionization_threshold(
                effective[row], sigma_min[row], sigma_radius, DELTA_CRIT / growth[row]
            )
            for e, threshold in enumerate(thresholds):
                if np.isfinite(threshold):
                    self.ionized[j, e] |= delta_r >= np.float32(threshold)
            if scale == 0:
                self._partially_ionize(delta_r, j, effective[row], sigma_radius)

    def _partially_ionize(self, delta_cell, j, effective, sigma_cell):
        # Cells the excursion set left neutral: x_HI = 1 - ζ n f_coll at the cell scale.
        width = np.sqrt(2.0 * (self.sigma_min[j] ** 2 - sigma_cell**2))
        barrier = np.float32(DELTA_CRIT / self.growth[j])
        cell_fcoll = special.erfc((barrier - delta_cell) / np.float32(width))
        for e, efficiency in enumerate(effective):
            partial = 1.0 - np.float32(efficiency) * cell_fcoll
            np.clip(partial, 0.0, 1.0, out=partial)
            partial[self.ionized[j, e]] = 0.0
            self.neutral[j, e] = partial


def _smoothed(delta_k, window, shape, workers):
    if window is None:
        return scipy.fft.irfftn(delta_k, s=shape, workers=workers)
    return scipy.fft.irfftn(delta_k * window, s=shape, workers=workers)


def _simulate_realization(
    seed,
    redshifts,
    escape_fractions,
    n_cells,
    box_size,
    fields,
    physics,
    verbose=False,
    workers=None,
):
    """Simulate every (redshift, escape fraction) cube of one initial-condition realization.

    Returns arrays of shape (n_redshifts, n_escape_fractions, n, n, n) for the requested
    fields and the (n_redshifts, n_escape_fractions) volume-averaged neutral fractions.
    """
    cosmo = Cosmology(**physics["cosmology"])
    rng = np.random.default_rng(seed)
    shape = (n_cells,) * 3
    n_z, n_e = len(redshifts), len(escape_fractions)

    delta_k = gaussian_random_field_k(
        n_cells, box_size, lambda k: linear_power_spectrum(k, cosmo), rng, workers=workers
    )
    k = wavenumber_magnitude(n_cells, box_size)
    # 21cmFAST smooths its high-resolution initial conditions onto the output grid with a
    # real-space top hat of radius L_FACTOR * cell before evolving them; do the same.
    delta_k *= filter_window("top-hat", k, _CELL_RADIUS_FACTOR * box_size / n_cells)
    radii = smoothing_radii(n_cells, box_size, physics["max_bubble_radius"])
    # Largest scale first, as 21cmFAST; the smallest (cell) scale uses the unfiltered field.
    # Windows are built once and reused for every redshift (sharp-k ones as compact masks).
    kind = physics["ionization_filter"]
    scales = []
    for i in range(len(radii) - 1, -1, -1):
        window = None if i == 0 else filter_window(kind, k, radii[i])
        if kind == "sharp-k" and window is not None:
            window = window.astype(bool)
        scales.append((i, window))
    excursion = _ExcursionSet(redshifts, escape_fractions, shape, radii, cosmo, physics)
    growth = excursion.growth
    zeldovich = physics["density_evolution"] == "zeldovich"
    displacement = zeldovich_displacement(delta_k, box_size, workers=workers) if zeldovich else None

    def evolved_density(j):
        if zeldovich:
            return cloud_in_cell_density(growth[j] * displacement)
        linear = scipy.fft.irfftn(delta_k, s=shape, workers=workers)
        return np.maximum(growth[j] * linear, -1.0).astype(np.float32)

    progress = tqdm(
        total=len(scales) * (n_z if physics["barrier_density"] == "evolved" else 1),
        desc="excursion set",
        unit="filter",
        disable=not verbose,
        leave=False,
    )
    densities = {}
    if physics["barrier_density"] == "linear":
        # One filtered field per scale serves every redshift.
        for i, window in scales:
            excursion.update(_smoothed(delta_k, window, shape, workers), i, range(n_z))
            progress.update()
    else:
        for j in range(n_z):
            densities[j] = evolved_density(j)
            evolved_k = scipy.fft.rfftn(densities[j] / np.float32(growth[j]), workers=workers)
            for i, window in scales:
                excursion.update(_smoothed(evolved_k, window, shape, workers), i, [j])
                progress.update()
            if "density" not in fields and "delta_T" not in fields:
                del densities[j]
    progress.close()
    neutral = excursion.neutral
    del excursion
    result = {"neutral_fraction": neutral.mean(axis=(2, 3, 4), dtype=np.float64)}
    if "density" in fields:
        result["density"] = np.empty((n_z, n_e) + shape, dtype=np.float32)
    if "delta_T" in fields:
        result["delta_T"] = np.empty((n_z, n_e) + shape, dtype=np.float32)
        if physics["redshift_space_distortions"]:
            gradient_today = line_of_sight_velocity_gradient(delta_k, workers=workers)
            rate = growth_rate(redshifts, cosmo)
    for j, z in enumerate(redshifts):
        if "density" not in fields and "delta_T" not in fields:
            break
        density = densities.pop(j) if j in densities else evolved_density(j)
        if "density" in fields:
            result["density"][j] = density
        if "delta_T" in fields:
            gradient = None
            if physics["redshift_space_distortions"]:
                gradient = np.float32(rate[j] * growth[j]) * gradient_today
            prefactor = brightness_temperature_prefactor(z, cosmo)
            for e in range(n_e):
                result["delta_T"][j, e] = brightness_temperature(
                    neutral[j, e], density, prefactor, gradient
                )
    if "x_HI" in fields:
        result["x_HI"] = neutral
    return result


def make_reionization_cubes(
    redshifts,
    escape_fractions,
    *,
    n_realizations=1,
    n_cells=64,
    box_size=300.0,
    fields=("delta_T", "density"),
    random_state=None,
    n_jobs=None,
    memory=None,
    verbose=False,
    cosmology=None,
    efficiency_per_escape_fraction=200.0,
    min_virial_temperature=5e4,
    max_bubble_radius=15.0,
    ionization_filter="sharp-k",
    density_evolution="zeldovich",
    barrier_density="evolved",
    redshift_space_distortions=True,
):
    r"""Simulate 21-cm brightness-temperature and density cubes on a grid of parameters.

    A fast semi-numerical model of the physics of 21cmFAST's coeval boxes (Mesinger, Furlanetto
    & Cen 2011), batched so that the work shared by the grid is done once:

    1. **Initial conditions.** A Gaussian random field with the linear ΛCDM power spectrum
       :math:`P(k) \propto k^{n_s}T^2(k)` (Eisenstein & Hu 1998 transfer function, normalised to
       :math:`\sigma_8`), one per realization.
    2. **Density.** Zel'dovich (1970) displacements :math:`\mathbf{x} = \mathbf{q} +
       D(z)\boldsymbol\psi(\mathbf{q})` deposited by cloud-in-cell, as 21cmFAST's perturbed
       field does (``density_evolution="linear"`` uses :math:`D(z)\delta_0` clipped at -1).
    3. **Ionization.** The excursion set of Mesinger & Furlanetto (2007): a cell is ionized
       when :math:`\zeta\, n_{R,z}\, f_\mathrm{coll}(\delta_R, R) \ge 1` for some radius R
       from ``max_bubble_radius`` down to the cell (steps of 1.1, 21cmFAST's
       ``DELTA_R_HII_FACTOR``), with

       .. math:: f_\mathrm{coll} = \operatorname{erfc}\left[\frac{\delta_c - \delta_R}
          {\sqrt{2(\sigma^2(M_\mathrm{min}) - \sigma^2(R))}}\right],

       :math:`M_\mathrm{min}` the mass of halos with virial temperature
       ``min_virial_temperature`` (Barkana & Loeb 2001), and :math:`n_{R,z}` rescaling the box
       mean of :math:`f_\mathrm{coll}` to the Sheth–Tormen collapsed fraction (21cmFAST's
       ``HMF=1``). Cells left neutral are partially ionized, :math:`x_\mathrm{HI} = 1 - \zeta
       n f_\mathrm{coll}` at the cell scale. The criterion inverts to a density threshold, so
       every escape fraction costs one comparison: no FFT is repeated per escape fraction.
       By default the barrier is applied to the evolved density of each redshift, as in
       21cmFAST (one FFT per scale and redshift); ``barrier_density="linear"`` filters the
       linear field once per scale for all redshifts instead (faster, less faithful).
    4. **Emission.** :math:`\delta T_b = 27\,x_\mathrm{HI}(1+\delta)(\Omega_b h^2/0.023)
       \sqrt{0.15(1+z)/(10\,\Omega_m h^2)}` mK for :math:`T_S \gg T_\mathrm{CMB}`, divided by
       :math:`1 + \partial_\parallel v_\parallel/aH` (linear redshift-space distortions along
       axis 2, clipped at ±0.2 as 21cmFAST does).

    The ionizing efficiency is :math:`\zeta = \text{efficiency\_per\_escape\_fraction} \times
    f_\mathrm{esc}`: with the default 200 (:math:`f_* N_\gamma/(1+n_\mathrm{rec})`),
    :math:`f_\mathrm{esc} = 0.15` gives 21cmFAST's default :math:`\zeta = 30`.

    Parameters
    ----------
    redshifts : array-like of float
        Redshifts, each > 0.
    escape_fractions : array-like of float
        Escape fractions, each in (0, 1].
    n_realizations : int, default=1
        Number of independent initial conditions.
    n_cells : int, default=64
        Cells per side (at least 8).
    box_size : float, default=300.0
        Comoving side length in Mpc.
    fields : sequence of {"delta_T", "density", "x_HI"}, default=("delta_T", "density")
        Cubes to return; only these are kept (the neutral fraction is always computed).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial conditions; the same value gives bitwise-identical cubes, whatever
        ``n_jobs``.
    n_jobs : int, default=None
        Realizations simulated in parallel by joblib (None means 1).
    memory : str or joblib.Memory, default=None
        Cache of per-realization results.
    verbose : bool, default=False
        Show progress bars.
    cosmology : Cosmology, default=None
        Cosmological parameters; Planck 2018 as in 21cmFAST 3.4 when None.
    efficiency_per_escape_fraction : float, default=200.0
        :math:`\zeta / f_\mathrm{esc}`.
    min_virial_temperature : float, default=5e4
        Minimum virial temperature (K) of ionizing halos (21cmFAST's ``ION_Tvir_MIN``).
    max_bubble_radius : float, default=15.0
        Largest smoothing radius in Mpc (``R_BUBBLE_MAX``).
    ionization_filter : {"sharp-k", "top-hat"}, default="sharp-k"
        Excursion-set filter (21cmFAST's ``HII_FILTER`` 1 and 0).
    density_evolution : {"zeldovich", "linear"}, default="zeldovich"
        How the density cubes are evolved to each redshift.
    barrier_density : {"evolved", "linear"}, default="evolved"
        Density that the excursion-set barrier is applied to. ``"evolved"`` (as 21cmFAST)
        filters the evolved density cube of each redshift: one FFT per (scale, redshift).
        ``"linear"`` filters the linear field once per scale and reuses it for every redshift,
        about ``len(redshifts)`` times fewer FFTs, but ionizes more (x_HI lower by up to ~0.08
        against 21cmFAST at 128 Mpc) because a Gaussian field lacks the evolved one's
        skewness.
    redshift_space_distortions : bool, default=True
        Apply linear RSDs to ``delta_T`` along axis 2.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``delta_T``, ``density``, ``x_HI`` (those requested; float32, shape
        (n_cubes, n_cells, n_cells, n_cells)), ``redshift``, ``escape_fraction``,
        ``realization``, ``neutral_fraction`` (length n_cubes), ``box_size``, ``params``
        (every setting used, with the library version) and ``DESCR``.

    See Also
    --------
    skcosmo21.datasets.load_21cmfast : Read real 21cmFAST boxes into the same layout.

    Notes
    -----
    Cube order is realization-major, then redshift, then escape fraction.

    Examples
    --------
    >>> from skcosmo21.datasets import make_reionization_cubes
    >>> cubes = make_reionization_cubes([7.0, 9.0], [0.1, 0.2], n_cells=16, box_size=32.0,
    ...                                  random_state=0)
    >>> cubes.delta_T.shape
    (4, 16, 16, 16)
    >>> cubes.redshift.tolist(), cubes.escape_fraction.tolist()
    ([7.0, 7.0, 9.0, 9.0], [0.1, 0.2, 0.1, 0.2])
    >>> bool(cubes.neutral_fraction[0] < cubes.neutral_fraction[2])
    True
    """
    redshifts = _validated_grid(redshifts, "redshifts", 0.0, None, low_inclusive=False)
    escape_fractions = _validated_grid(escape_fractions, "escape_fractions", 0.0, 1.0, False)
    n_realizations = check_scalar_in_range(n_realizations, "n_realizations", low=1, integer=True)
    n_cells = check_scalar_in_range(n_cells, "n_cells", low=8, integer=True)
    box_size = float(check_scalar_in_range(box_size, "box_size", low=0, low_inclusive=False))
    fields = _validated_fields(fields)
    check_scalar_in_range(
        efficiency_per_escape_fraction, "efficiency_per_escape_fraction", low=0, low_inclusive=False
    )
    check_scalar_in_range(
        min_virial_temperature, "min_virial_temperature", low=0, low_inclusive=False
    )
    check_scalar_in_range(max_bubble_radius, "max_bubble_radius", low=0, low_inclusive=False)
    if ionization_filter not in ("sharp-k", "top-hat"):
        raise ValueError(
            f"ionization_filter must be 'sharp-k' or 'top-hat', got {ionization_filter!r}"
        )
    if density_evolution not in ("zeldovich", "linear"):
        raise ValueError(
            f"density_evolution must be 'zeldovich' or 'linear', got {density_evolution!r}"
        )
    if barrier_density not in ("evolved", "linear"):
        raise ValueError(f"barrier_density must be 'evolved' or 'linear', got {barrier_density!r}")
    if cosmology is None:
        cosmology = Cosmology()
    elif not isinstance(cosmology, Cosmology):
        raise ValueError(f"cosmology must be a skcosmo21.physics.Cosmology, got {cosmology!r}")

    physics = {
        "cosmology": cosmology.to_dict(),
        "efficiency_per_escape_fraction": float(efficiency_per_escape_fraction),
        "min_virial_temperature": float(min_virial_temperature),
        "max_bubble_radius": float(max_bubble_radius),
        "ionization_filter": ionization_filter,
        "density_evolution": density_evolution,
        "barrier_density": barrier_density,
        "redshift_space_distortions": bool(redshift_space_distortions),
        "sheth_tormen": dict(SHETH_TORMEN_21CMFAST),
    }
    seeds = _realization_seeds(random_state, n_realizations)
    memory = check_memory(memory)
    simulate = memory.cache(_simulate_realization, ignore=["verbose", "workers"])

    sequential = n_jobs in (None, 1)
    workers = joblib.cpu_count() if sequential else 1
    n_z, n_e = len(redshifts), len(escape_fractions)
    n_cubes = n_realizations * n_z * n_e
    # Allocated lazily: a single realization's arrays are used as they are, without a copy.
    outputs = {}
    neutral_fraction = np.empty((n_realizations, n_z, n_e))

    tasks = (
        joblib.delayed(simulate)(
            seed,
            redshifts,
            escape_fractions,
            n_cells,
            box_size,
            fields,
            physics,
            verbose=verbose and sequential,
            workers=workers,
        )
        for seed in seeds
    )
    context = nullcontext() if sequential else joblib.parallel_config(n_jobs=n_jobs)
    with context:
        results = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
        progress = tqdm(
            results, total=n_realizations, desc="realizations", unit="IC", disable=not verbose
        )
        for r, result in enumerate(progress):
            neutral_fraction[r] = result.pop("neutral_fraction")
            for name, cube in result.items():
                if n_realizations == 1:
                    outputs[name] = cube[None]
                    continue
                if name not in outputs:
                    outputs[name] = np.empty((n_realizations,) + cube.shape, np.float32)
                outputs[name][r] = cube
            del result

    grid_r, grid_z, grid_e = np.meshgrid(
        np.arange(n_realizations), redshifts, escape_fractions, indexing="ij"
    )
    bunch = Bunch(
        redshift=grid_z.ravel(),
        escape_fraction=grid_e.ravel(),
        realization=grid_r.ravel(),
        neutral_fraction=neutral_fraction.ravel(),
        box_size=box_size,
        params={
            **physics,
            "n_cells": n_cells,
            "box_size": box_size,
            "seeds": seeds,
            "delta_crit": DELTA_CRIT,
            "radius_step": _RADIUS_STEP,
            "skcosmo21_version": __version__,
        },
        DESCR=DESCR,
    )
    for name, cubes in outputs.items():
        bunch[name] = cubes.reshape((n_cubes,) + (n_cells,) * 3)
    return bunch
