r"""What an observation can see: the noise model against 21cmSense, and signal-to-noise per k.

Both work with the per-mode thermal noise of :func:`thermal_noise_model` and the inverse-variance
combination of modes that 21cmSense uses for its sensitivities: a spherical k bin measured by
modes :math:`m` with noise :math:`\Delta^2_{N,m} = k_m^3 P_{N,m}/2\pi^2` has error
:math:`\delta\Delta^2_N = (\sum_m \Delta_{N,m}^{-4})^{-1/2}`.
"""

from numbers import Integral, Real

import numpy as np
import scipy.fft
from sklearn.utils import Bunch

from ..physics import Cosmology, line_of_sight_distance_per_frequency, wedge_slope
from ..physics._observing import SPEED_OF_LIGHT_KM_S
from ..utils import RANDOM_STATE_CONSTRAINT, Interval, StrOptions, validate_params
from ._constraints import GEOMETRY, OBSERVING, POSITIVE, WEDGE
from ._filters import wedge_mask
from ._noise import thermal_noise_cubes, thermal_noise_model
from ._observe import _bunch_cosmology, _bunch_geometry, _wedge_angle
from ._telescopes import _observatory, _py21cmsense, _quiet, resolve_scan

__all__ = ["compare_noise_with_21cmsense", "signal_to_noise_per_k"]


def _comparison_edges(fundamental, k_max, min_width, n_bins):
    """Log-spaced edges up to k_max, each bin at least ``min_width`` wide.

    Edges sit at half-integer multiples of the box's fundamental mode: a mode's |k| is
    sqrt(integer) times the fundamental and never falls on such an edge, so rounding cannot
    put the same mode in different bins on the two sides.
    """
    ratio = (k_max / fundamental) ** (1.0 / n_bins)
    edges = [fundamental]
    while edges[-1] < k_max:
        edges.append(max(edges[-1] * ratio, edges[-1] + min_width))
    snapped = (np.round(np.asarray(edges) / fundamental - 0.5) + 0.5) * fundamental
    snapped = np.unique(np.clip(snapped, 0.5 * fundamental, k_max))
    return snapped


def _per_mode(k, delta_squared, statistic):
    """A mode's noise as Δ²_N (mK²) or as the power P_N = 2π² Δ²_N / k³ (mK² Mpc³)."""
    if statistic == "delta_squared":
        return delta_squared
    return delta_squared * 2 * np.pi**2 / k**3


def _inverse_variance_sums(k, noise, weights, edges):
    """Sum of weights / noise² of the modes in every bin, and the number of modes."""
    index = np.searchsorted(edges, k, side="right") - 1
    inside = (index >= 0) & (index < len(edges) - 1)
    sums = np.bincount(
        index[inside],
        weights=weights[inside] / noise[inside] ** 2,
        minlength=len(edges) - 1,
    )
    counts = np.bincount(index[inside], weights=weights[inside], minlength=len(edges) - 1)
    return sums, counts


def _astropy_cosmology(cosmology):
    from astropy import units
    from astropy.cosmology import FlatLambdaCDM

    # The radiation content of our distances (physics._distances): astropy's Planck15 one.
    return FlatLambdaCDM(
        H0=100.0 * cosmology.hlittle,
        Om0=cosmology.omega_m,
        Ob0=cosmology.omega_b,
        Tcmb0=2.7255,
        Neff=3.046,
        m_nu=[0.0, 0.0, 0.06] * units.eV,
    )


def _ours(noise, model, box_size, edges, statistic):
    """Per-bin Σ 1/Δ²² of noise realizations, their power pooled over k∥ at every uv cell."""
    n_real, n_cells, _, n_los = noise.shape
    power = np.zeros((n_cells, n_cells))
    for cube in noise:
        modes = scipy.fft.rfftn(cube.astype(np.float64))
        # The noise is white along the line of sight: pool 0 < k∥ < Nyquist at each uv cell.
        power += (np.abs(modes[:, :, 1 : (n_los + 1) // 2]) ** 2).mean(axis=-1)
    volume = box_size**2 * (box_size * n_los / n_cells)
    power *= volume / (n_cells**2 * n_los) ** 2 / n_real
    spacing = box_size / n_cells
    k_x = 2 * np.pi * np.fft.fftfreq(n_cells, d=spacing)
    k_perp = np.hypot(k_x[:, None], k_x[None, :])
    k_par = 2 * np.pi * np.arange(1, (n_los + 1) // 2) / (spacing * n_los)
    measured = model.measured[0]
    k = np.sqrt(k_perp[measured][:, None] ** 2 + k_par[None, :] ** 2).ravel()
    p = np.broadcast_to(power[measured][:, None], (measured.sum(), len(k_par))).ravel()
    per_mode = _per_mode(k, k**3 * p / (2 * np.pi**2), statistic)
    # Every (uv cell of the full plane, k∥ > 0) is one independent mode.
    return _inverse_variance_sums(k, per_mode, np.ones_like(k), edges), volume


def _theirs(
    model, box_size, n_cells, hours, hours_per_day, integration_time, scan, declination, uv_grid
):
    """21cmSense's Observation and PowerSpectrum for the same observation, in 1/Mpc units.

    With ``uv_grid="21cmsense"`` also its 2-D sensitivity as it reports it (which grids its
    coverage on its own uv cells, the costly part).
    """
    from astropy import units
    from astropy.cosmology.units import littleh

    py21cmsense = _py21cmsense()
    cosmology = model.cosmology
    frequency = float(model.frequency[0])
    n_days = hours / hours_per_day
    if abs(n_days - round(n_days)) > 1e-9:
        raise ValueError(
            f"21cmSense needs a whole number of days: hours / hours_per_day = {n_days:g}"
        )
    bandwidth = box_size / line_of_sight_distance_per_frequency(model.redshift[0], cosmology)
    settings = {
        "observatory": _observatory(model.settings["telescope"]),
        "frequency": frequency * units.MHz,
        "time_per_day": hours_per_day * units.hour,
        "integration_time": integration_time * units.s,
        "n_days": round(n_days),
        "bandwidth": float(bandwidth) * units.MHz,
        "n_channels": n_cells,
        "cosmo": _astropy_cosmology(cosmology),
    }
    if scan == "track":
        settings["lst_bin_size"] = hours_per_day * units.hour
    if declination is not None:
        settings["phase_center_dec"] = declination * units.deg
    half_plane = coverage = None
    with _quiet(py21cmsense):
        observation = py21cmsense.Observation(**settings)
        sensitivity = py21cmsense.PowerSpectrum(
            observation=observation, foreground_model="foreground_free"
        )
        if uv_grid == "21cmsense":
            half_plane = sensitivity.calculate_sensitivity_2d(thermal=True, sample=False)
            coverage = observation.uv_coverage
    h = cosmology.hlittle
    k_par = sensitivity.kparallel.to_value(littleh / units.Mpc) * h
    n_lst = float(observation.n_lst_bins)
    return Bunch(
        observation=observation,
        sensitivity=sensitivity,
        half_plane=half_plane,
        coverage=coverage,
        k_par=k_par,
        n_lst=n_lst,
        h=h,
        littleh=littleh,
    )


def _their_mode_noise(theirs, k_perp, seconds, per_dish_cell, statistic):
    """21cmSense's noise of modes at (k_perp, every k∥ > 0) whose uv cells hold ``seconds``.

    ``per_dish_cell`` turns a cell's seconds into the seconds of one of 21cmSense's own cells
    (one dish diameter) at the same sample density: 1 on its own grid.
    """
    from astropy import units

    observation, sensitivity, h = theirs.observation, theirs.sensitivity, theirs.h
    t_rms = observation.Tsys.to_value("mK") / np.sqrt(
        2 * observation.bandwidth.to_value("Hz") * seconds * per_dish_cell
    )
    k = np.hypot(k_perp[:, None], theirs.k_par[None, :])
    delta_squared = sensitivity.thermal_noise(
        k / h * theirs.littleh / units.Mpc, t_rms[:, None] * units.mK
    ).to_value("mK2")
    return k.ravel(), _per_mode(k, delta_squared, statistic).ravel()


def _their_sums_on_the_box_grid(theirs, model, box_size, edges, statistic):
    """Per-bin Σ 1/P_N² of 21cmSense on the box's own uv cells: the box's modes, its noise.

    21cmSense grids its baseline tracks (its projection, with astropy's apparent coordinates,
    and its gridding) on uv cells one beam ``dish_size`` wide (``Observatory.xgrid_edges``);
    a clone of its observatory whose beam's ``dish_size`` is the box's uv cell (in metres at
    the box's frequency) grids them on the box's cells, centred on the same multiples of the
    cell. Everything else (beam solid angle, T_sys, radiometer equation, X²Y) comes from the
    real profile. Each box cell's seconds become the seconds of one of 21cmSense's own cells
    at the same sample density, (D/λ)²/Δu², the density its radiometer equation is written for.
    """
    from astropy import units

    py21cmsense = _py21cmsense()
    observation = theirs.observation
    observatory = observation.observatory
    n_cells = model.measured.shape[-1]
    wavelength = SPEED_OF_LIGHT_KM_S * 1e3 / (float(model.frequency[0]) * 1e6)
    cell = float(model.uv_cell[0])
    gridder = observatory.clone(beam=observatory.beam.clone(dish_size=cell * wavelength * units.m))
    with _quiet(py21cmsense):
        half = gridder.grid_baselines(
            coherent=observation.coherent,
            integration_time=observation.integration_time,
            observation_duration=observation.lst_bin_size,
            phase_center_dec=observation.phase_center_dec,
        )
    full = py21cmsense.convert_half_to_full_uv_plane(half)
    # Its grid is centred on u = 0 out to its longest baseline; keep the box's cells below
    # Nyquist, in numpy.fft order, and leave out k_perp = 0, which no box measures.
    centred = np.arange(full.shape[0]) - full.shape[0] // 2
    inside = np.abs(centred) < (n_cells + 1) // 2
    samples = np.zeros((n_cells, n_cells))
    index = centred[inside] % n_cells
    samples[np.ix_(index, index)] = full[np.ix_(inside, inside)]
    samples[0, 0] = 0.0
    measured = samples > 0
    seconds = samples[measured] * observation.n_days * observation.integration_time.to_value("s")
    k_x = 2 * np.pi * np.fft.fftfreq(n_cells, d=box_size / n_cells)
    k_perp = np.hypot(k_x[:, None], k_x[None, :])[measured]
    dish = float(observatory.beam.uv_resolution(observation.frequency))
    k, per_mode = _their_mode_noise(theirs, k_perp, seconds, (dish / cell) ** 2, statistic)
    return _inverse_variance_sums(k, per_mode, np.ones(k.size), edges)


def _their_sums(theirs, edges, statistic):
    """Per-bin Σ 1/Δ²² from 21cmSense on its own uv grid, per field: as reported, full plane."""
    from astropy import units

    py21cmsense = _py21cmsense()
    littleh, h = theirs.littleh, theirs.h
    observation = theirs.observation
    # (a) calculate_sensitivity_2d, 1/σ² summed over its (k⊥, k∥) entries; it has combined
    # n_lst_bins fields, so divide them out to compare one field.
    k_half, inv_half = [], []
    for k_perp, sigma in theirs.half_plane.items():
        sigma = sigma.to_value("mK2")
        finite = np.isfinite(sigma)
        k_perp = k_perp.to_value(littleh / units.Mpc) * h
        k_entry = np.hypot(k_perp, theirs.k_par[finite])
        k_half.append(k_entry)
        inv_half.append(1.0 / _per_mode(k_entry, sigma[finite], statistic) ** 2 / theirs.n_lst)
    k_half, inv_half = np.concatenate(k_half), np.concatenate(inv_half)
    sums_half, counts_half = _inverse_variance_sums(k_half, np.ones_like(k_half), inv_half, edges)
    # (b) its coverage unfolded onto the full uv plane with its own
    # convert_half_to_full_uv_plane (the half-plane grid counts the conjugate cells (u, 0)
    # and (-u, 0) as two modes), the radiometer equation of Observation.Trms and the
    # per-mode noise of PowerSpectrum.thermal_noise.
    full = py21cmsense.convert_half_to_full_uv_plane(theirs.coverage)
    grid = np.asarray(observation.ugrid)
    u, v = np.meshgrid(grid, grid, indexing="ij")
    dk_du = py21cmsense.conversions.dk_du(observation.redshift, observation.cosmo)
    k_perp = np.hypot(u, v)[full > 0] * dk_du.to_value(littleh / units.Mpc) * h
    seconds = full[full > 0] * observation.n_days * observation.integration_time.to_value("s")
    k, per_mode = _their_mode_noise(theirs, k_perp, seconds, 1.0, statistic)
    sums_full, counts_full = _inverse_variance_sums(k, per_mode, np.ones(k.size), edges)
    # The k-space volume of one 21cmSense mode gives the survey volume its sums belong to.
    du = float(grid[1] - grid[0])
    dk_perp = du * dk_du.to_value(littleh / units.Mpc) * h
    dk_par = float(theirs.k_par[1] - theirs.k_par[0])
    volume = (2 * np.pi) ** 3 / (dk_perp**2 * dk_par)
    return (sums_half, counts_half), (sums_full, counts_full), volume, dk_perp


@validate_params(
    {
        **OBSERVING,
        "redshift": [Interval(Real, 0, None, closed="neither")],
        "box_size": POSITIVE,
        "n_cells": [Interval(Integral, 4, None, closed="left")],
        "hours": POSITIVE,
        "n_realizations": [Interval(Integral, 1, None, closed="left")],
        "k_edges": ["array-like", None],
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "statistic": [StrOptions({"power", "delta_squared"})],
        "uv_grid": [StrOptions({"box", "21cmsense"})],
        "cosmology": GEOMETRY["cosmology"],
        "random_state": RANDOM_STATE_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def compare_noise_with_21cmsense(
    telescope,
    *,
    redshift,
    box_size,
    n_cells,
    hours,
    hours_per_day=6.0,
    integration_time=60.0,
    scan=None,
    declination=None,
    n_realizations=16,
    k_edges=None,
    n_bins=8,
    statistic="power",
    uv_grid="box",
    cosmology=None,
    random_state=0,
):
    r"""Thermal-noise power spectrum of our realizations against 21cmSense's, per k bin.

    Both sides observe one field with the same array, track, integration and number of days,
    in a band as deep as the box (``n_cells`` channels), with no foreground cut.

    * **ours**: ``n_realizations`` noise cubes of :func:`thermal_noise_cubes`; the power of
      every measured uv cell is averaged over the realizations and over
      :math:`0 < k_\parallel <` Nyquist (the noise is white along the line of sight), giving
      the noise power :math:`P_{N,m}` of every mode;
    * **21cmSense** with ``uv_grid="box"`` (the like-for-like comparison): its own baseline
      tracks (astropy's apparent coordinates, its gridding) counted on the box's uv cells,
      with its ``Observation.Tsys``, the radiometer equation of its ``Observation.Trms`` and
      its ``PowerSpectrum.thermal_noise`` per mode, at the sample density of each cell (a box
      cell's seconds times :math:`(D/\lambda)^2/\Delta u^2`, the seconds of one of its own
      dish-wide cells at that density). Both sides then have the same modes at the same k,
      so every ingredient of the noise is compared and nothing else.
    * **21cmSense** with ``uv_grid="21cmsense"``: its coverage on its own uv grid (one dish
      diameter per cell) unfolded onto the full plane, per unit survey volume (``theirs``);
      and its ``PowerSpectrum.calculate_sensitivity_2d`` as it reports it
      (``theirs_half_plane``), which counts the conjugate cells :math:`(u, 0)` and
      :math:`(-u, 0)` of its half-plane grid as two modes with half the samples each. This is
      the sensitivity of a field as wide as the primary beam whose sky has an independent
      mode in every dish-wide uv cell; a box whose uv cells are wider holds less information
      where the samples are uneven within its cells (see Notes).

    In every bin each side's inverse-variance combination :math:`\delta P_N = (\sum_m
    P_{N,m}^{-2})^{-1/2}` (with ``statistic="delta_squared"``, :math:`\delta\Delta^2_N` from
    :math:`\Delta^2_{N,m} = k_m^3 P_{N,m}/2\pi^2`, 21cmSense's 1-D sensitivity) is for the same
    survey volume (the box, or with ``uv_grid="21cmsense"`` 21cmSense's field: the k-space
    volume of one of its modes), so the ratio compares the noise per mode, not the number of
    modes. The noise power is the default: the :math:`k^6` weight of :math:`\Delta^4` makes a
    wide low-k bin hang on its few lowest modes. A drift scan's sensitivity is divided by its
    number of fields (``n_lst_bins``) to compare one field. Bins are at least twice as wide as
    the coarser of the two uv grids.

    Cosmology: 21cmSense gets ours as an astropy ``FlatLambdaCDM`` with the radiation of our
    distances (Planck15's photons and neutrinos), so its :math:`k` grid is ours; it works in
    :math:`h/\mathrm{Mpc}`, converted with our h. Its ``X2Y`` factor always uses astropy's
    Planck15, whose :math:`h` and :math:`\Omega_m` differ slightly from ours (its
    :math:`X^2Y` is 0.5 % above ours at z = 8).

    Parameters
    ----------
    telescope : str
        One of :data:`~skcosmo21.observation.TELESCOPES`.
    redshift : float
        Redshift of the (coeval) box.
    box_size : float
        Comoving side in Mpc.
    n_cells : int
        Cells per side.
    hours : float
        Total observing time; ``hours / hours_per_day`` must be whole (21cmSense counts days).
    hours_per_day, integration_time, scan, declination
        As in :func:`thermal_noise_model`.
    n_realizations : int, default=16
        Noise cubes averaged.
    k_edges : array-like, optional
        Bin edges in :math:`\mathrm{Mpc^{-1}}`; by default ``n_bins`` log-spaced bins from the
        box's fundamental mode to its Nyquist frequency, widened as said above.
    n_bins : int, default=8
        Bins when ``k_edges`` is None.
    statistic : {"power", "delta_squared"}, default="power"
        Combine the modes' noise power :math:`P_N` or their :math:`\Delta^2_N`.
    uv_grid : {"box", "21cmsense"}, default="box"
        The uv cells 21cmSense counts its samples in: the box's (like for like) or its own.
    cosmology : Cosmology, optional
        Default: :class:`~skcosmo21.physics.Cosmology`.
    random_state : int, RandomState instance or None, default=0
        Entropy of the realizations.

    Returns
    -------
    comparison : sklearn.utils.Bunch
        ``k_edges``, ``k`` (geometric bin centres, Mpc⁻¹), ``ours`` and ``theirs``
        (:math:`\delta P_N` in mK² Mpc³, or :math:`\delta\Delta^2_N` in mK², for the survey
        volume; NaN where a side has no mode), ``ratio`` (ours / theirs), ``n_modes_ours``,
        ``n_modes_theirs``, ``system_temperature`` (K) and ``settings``; with
        ``uv_grid="21cmsense"`` also ``theirs_half_plane`` and ``ratio_half_plane`` (None
        with ``"box"``).

    Notes
    -----
    **Why the box grid is the like-for-like comparison.** A box of side :math:`L` is a
    periodic sky: it has one independent transverse mode per uv cell :math:`\Delta u =
    D_c/L`, and every baseline sample that falls in a cell measures that one mode, so the
    minimum-variance estimate weights them equally and its noise follows the cell's total
    time, which is what the noise model does. 21cmSense describes a field as wide as the
    primary beam, with an independent mode in every dish-wide cell :math:`D/\lambda`, and sums
    :math:`t^2` over those finer cells. When the box's cell is a dish diameter the two are the
    same; when it is wider they agree per unit volume only if the samples are spread evenly
    within each box cell (the mean of :math:`t^2` over the fine cells equals the square of
    their mean). For a redundant array, whose samples sit on a few lattice points per box
    cell, the box keeps less information than a beam-wide analysis (HERA with a 300 Mpc box:
    its :math:`\delta P_N` is about 1.7 times 21cmSense's per volume); and in a bin of few
    modes the two grids put the same information at different :math:`k_\perp`, on either side
    of a bin edge. Neither is an error of the noise per mode, which ``uv_grid="box"`` checks.

    Examples
    --------
    >>> from skcosmo21.observation import compare_noise_with_21cmsense
    >>> result = compare_noise_with_21cmsense(
    ...     "HERA", redshift=8.0, box_size=300.0, n_cells=32, hours=600.0, scan="drift",
    ...     n_realizations=4)
    >>> bool(abs(result.ratio[1] - 1) < 0.1)
    True
    """
    cosmology = Cosmology() if cosmology is None else cosmology
    scan = resolve_scan(telescope, scan)
    settings = dict(
        n_cells=n_cells,
        box_size=box_size,
        redshift=float(redshift),
        hours=hours,
        hours_per_day=hours_per_day,
        integration_time=integration_time,
        scan=scan,
        declination=declination,
        cosmology=cosmology,
    )
    model = thermal_noise_model(telescope, **settings)
    theirs = _theirs(
        model,
        box_size,
        n_cells,
        hours,
        hours_per_day,
        integration_time,
        scan,
        declination,
        uv_grid,
    )
    fundamental = 2 * np.pi / box_size
    if k_edges is None:
        dk_perp_theirs = (
            _their_sums(theirs, np.array([0.0, np.inf]), statistic)[3]
            if uv_grid == "21cmsense"
            else fundamental
        )
        k_edges = _comparison_edges(
            fundamental,
            np.pi * n_cells / box_size,
            2 * max(fundamental, dk_perp_theirs),
            n_bins,
        )
    edges = np.asarray(k_edges, dtype=float)
    noise = thermal_noise_cubes(n_realizations, telescope, random_state=random_state, **settings)
    (sums_ours, counts_ours), volume_ours = _ours(noise, model, box_size, edges, statistic)
    half = None
    if uv_grid == "box":
        sums_theirs, counts_theirs = _their_sums_on_the_box_grid(
            theirs, model, box_size, edges, statistic
        )
        volume = volume_ours
    else:
        (sums_half, _), (sums_theirs, counts_theirs), volume, _ = _their_sums(
            theirs, edges, statistic
        )
        with np.errstate(divide="ignore"):
            half = np.where(sums_half > 0, sums_half**-0.5, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ours = np.where(sums_ours > 0, (sums_ours * volume / volume_ours) ** -0.5, np.nan)
        full = np.where(sums_theirs > 0, sums_theirs**-0.5, np.nan)
    return Bunch(
        k_edges=edges,
        k=np.sqrt(edges[:-1] * edges[1:]),
        ours=ours,
        theirs=full,
        theirs_half_plane=half,
        ratio=ours / full,
        ratio_half_plane=None if half is None else ours / half,
        n_modes_ours=counts_ours,
        n_modes_theirs=counts_theirs,
        system_temperature=float(model.system_temperature[0]),
        settings={
            **model.settings,
            "redshift": float(redshift),
            "n_realizations": n_realizations,
            "uv_grid": uv_grid,
            "survey_volume_Mpc3": float(volume),
            "n_lst_bins": theirs.n_lst,
        },
    )


@validate_params(
    {
        "data": [dict],
        **OBSERVING,
        "hours": [*POSITIVE, "array-like"],
        "wedge": WEDGE,
        "wedge_buffer": [Interval(Real, 0, None, closed="left")],
        "k_edges": ["array-like", None],
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "field": [str],
        "cosmology": GEOMETRY["cosmology"],
    },
    prefer_skip_nested_validation=True,
)
def signal_to_noise_per_k(
    data,
    *,
    telescope="SKA1-Low",
    hours=(10.0, 100.0, 1000.0),
    hours_per_day=6.0,
    integration_time=60.0,
    scan=None,
    declination=None,
    wedge="horizon",
    wedge_buffer=0.0,
    k_edges=None,
    n_bins=8,
    field="delta_T",
    cosmology=None,
):
    r"""Signal-to-noise of the 21-cm power per k bin, by redshift and observing time.

    For the coeval cubes of ``data`` at each redshift, the modes kept are those the array
    measures, with :math:`k_\perp > 0` (mean removed) and, with ``wedge``, outside the
    foreground wedge. In every spherical k bin:

    * ``signal_power`` :math:`P_S`: the cubes' power over those modes (mK² Mpc³);
    * ``noise_power`` :math:`P_N`: the thermal noise per mode, inverse-variance averaged
      over the bin's modes (:func:`thermal_noise_model`);
    * ``mode_snr`` :math:`= P_S / P_N`: signal against noise in one mode, i.e. in a map at
      that scale (below 1, the maps are noise-dominated there);
    * ``box_snr`` :math:`= [\sum_m (P_S/(P_S + P_{N,m}))^2]^{1/2}`: significance of the
      bin's power measured from one box (sample variance and thermal noise).

    Parameters
    ----------
    data : sklearn.utils.Bunch
        Coeval cubes with ``box_size`` and per-cube ``redshift``.
    telescope : str, default="SKA1-Low"
        One of :data:`~skcosmo21.observation.TELESCOPES`.
    hours : float or sequence of float, default=(10.0, 100.0, 1000.0)
        Observing times.
    hours_per_day, integration_time, scan, declination
        As in :func:`thermal_noise_model`.
    wedge : {"horizon", "primary-beam"}, float or None, default="horizon"
        As in :func:`observe_cubes`.
    wedge_buffer : float, default=0.0
        Mpc⁻¹ above the wedge.
    k_edges : array-like, optional
        Bin edges in Mpc⁻¹; default ``n_bins`` log bins from :math:`2\pi/L` to :math:`\pi N/L`.
    n_bins : int, default=8
        Bins when ``k_edges`` is None.
    field : str, default="delta_T"
        Bunch entry (mK).
    cosmology : Cosmology, optional
        Default: the Bunch's, else :class:`~skcosmo21.physics.Cosmology`.

    Returns
    -------
    snr : sklearn.utils.Bunch
        ``k_edges``, ``k`` (geometric centres), ``redshift`` (n_z,), ``hours`` (n_h,),
        ``signal_power`` (n_z, n_bins), ``noise_power``, ``mode_snr`` and ``box_snr``
        (n_z, n_h, n_bins), ``n_modes`` (n_z, n_bins, independent modes kept); NaN where a bin
        keeps no mode.

    Examples
    --------
    >>> from skcosmo21.datasets import make_reionization_cubes
    >>> from skcosmo21.observation import signal_to_noise_per_k
    >>> cubes = make_reionization_cubes([8.0], [0.2], n_cells=16, box_size=300.0,
    ...                                 random_state=0)
    >>> snr = signal_to_noise_per_k(cubes, hours=(100.0, 1000.0), n_bins=4)
    >>> snr.mode_snr.shape
    (1, 2, 4)
    """
    cubes, box_size, per_cube, _ = _bunch_geometry(data, field)
    if per_cube is None:
        raise ValueError("signal_to_noise_per_k needs coeval cubes (a Bunch with 'redshift')")
    cosmology = _bunch_cosmology(data, cosmology)
    hours = np.atleast_1d(np.asarray(hours, dtype=float))
    n_cells = cubes.shape[1]
    if k_edges is None:
        k_edges = np.geomspace(2 * np.pi / box_size, np.pi * n_cells / box_size, n_bins + 1)
    edges = np.asarray(k_edges, dtype=float)
    spacing = box_size / n_cells
    k_x = 2 * np.pi * scipy.fft.fftfreq(n_cells, d=spacing)
    k_z = 2 * np.pi * scipy.fft.rfftfreq(n_cells, d=spacing)
    k_perp = np.hypot(k_x[:, None], k_x[None, :])
    k = np.sqrt(k_perp[:, :, None] ** 2 + k_z[None, None, :] ** 2)
    # Independent modes per rfftn entry: 1 for 0 < k∥ < Nyquist, 1/2 on the self-conjugate planes.
    independent = np.ones(k.shape)
    independent[..., 0] = 0.5
    if n_cells % 2 == 0:
        independent[..., -1] = 0.5
    bins = np.searchsorted(edges, k, side="right") - 1
    redshifts = np.unique(per_cube)
    shape = (len(redshifts), len(hours), len(edges) - 1)
    out = Bunch(
        k_edges=edges,
        k=np.sqrt(edges[:-1] * edges[1:]),
        redshift=redshifts,
        hours=hours,
        signal_power=np.full(shape[::2], np.nan),
        noise_power=np.full(shape, np.nan),
        mode_snr=np.full(shape, np.nan),
        box_snr=np.full(shape, np.nan),
        n_modes=np.zeros(shape[::2]),
    )
    for iz, redshift in enumerate(redshifts):
        block = cubes[per_cube == redshift].astype(np.float64)
        power = np.abs(scipy.fft.rfftn(block, axes=(1, 2, 3))) ** 2
        power = power.mean(axis=0) * box_size**3 / n_cells**6
        for ih, h in enumerate(hours):
            model = thermal_noise_model(
                telescope,
                n_cells=n_cells,
                box_size=box_size,
                redshift=float(redshift),
                hours=float(h),
                hours_per_day=hours_per_day,
                integration_time=integration_time,
                scan=scan,
                declination=declination,
                cosmology=cosmology,
            )
            keep = np.broadcast_to(model.measured[0][:, :, None], k.shape)
            keep = keep & (bins >= 0) & (bins < len(edges) - 1)
            if wedge is not None:
                slope = _wedge_slope_for(wedge, telescope, redshift, cosmology)
                removed = wedge_mask(n_cells, n_cells, box_size, slope, wedge_buffer)
                keep = keep & ~removed
            noise = np.broadcast_to(model.noise_power[0][:, :, None], k.shape)
            _fill_bins(out, iz, ih, bins[keep], power[keep], noise[keep], independent[keep])
    return out


def _wedge_slope_for(wedge, telescope, redshift, cosmology):
    return float(wedge_slope(redshift, cosmology, angle=_wedge_angle(wedge, telescope, redshift)))


def _fill_bins(out, iz, ih, bins, signal, noise, weights):
    n_bins = len(out.k)
    n_modes = np.bincount(bins, weights=weights, minlength=n_bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_s = np.bincount(bins, weights=weights * signal, minlength=n_bins) / n_modes
        p_n = n_modes / np.bincount(bins, weights=weights / noise, minlength=n_bins)
        per_mode = p_s[bins] / (p_s[bins] + noise)
        box = np.sqrt(np.bincount(bins, weights=weights * per_mode**2, minlength=n_bins))
    empty = n_modes == 0
    out.signal_power[iz] = np.where(empty, np.nan, p_s)
    out.noise_power[iz, ih] = np.where(empty, np.nan, p_n)
    out.mode_snr[iz, ih] = np.where(empty, np.nan, p_s / p_n)
    out.box_snr[iz, ih] = np.where(empty, np.nan, box)
    out.n_modes[iz] = n_modes
