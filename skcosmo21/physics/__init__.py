"""Physics of the simulator: cosmology, power spectra, excursion sets and 21-cm emission.

Every formula lives here once and is unit-tested against analytic or published values, or
against 21cmFAST 3.4 itself (whose C sources each function cites).
"""

from ._brightness import brightness_temperature, brightness_temperature_prefactor
from ._cosmology import (
    Cosmology,
    growth_factor,
    growth_factor_fit,
    growth_rate,
    hubble_ratio,
    mass_to_radius,
    omega_m_of_z,
    radius_to_mass,
    virial_temperature_to_mass,
)
from ._distances import comoving_distance
from ._excursion_set import (
    DELTA_CRIT,
    ExcursionSet,
    cell_neutral_fraction,
    cell_smoothing_radius,
    conditional_collapsed_fraction,
    ionization_threshold,
    neutral_from_sources,
    press_schechter_collapsed_fraction,
    sheth_tormen_collapsed_fraction,
    smoothing_radii,
    source_fraction,
)
from ._fields import (
    cloud_in_cell_density,
    filter_window,
    fourier_grid,
    gaussian_random_field_k,
    line_of_sight_velocity_gradient,
    second_order_displacement,
    wavenumber_magnitude,
    zeldovich_displacement,
)
from ._linear_theory import eisenstein_hu_transfer, linear_power_spectrum, sigma_r, top_hat_window
from ._measured_spectra import (
    binned_power_spectrum,
    default_k_edges,
    dimensionless_power,
    merge_empty_bins,
)
from ._observing import (
    LINE_FREQUENCY_MHZ,
    frequency_to_redshift,
    hubble_parameter,
    line_of_sight_distance_per_frequency,
    redshift_to_frequency,
    wedge_slope,
)

__all__ = [
    "DELTA_CRIT",
    "LINE_FREQUENCY_MHZ",
    "Cosmology",
    "ExcursionSet",
    "binned_power_spectrum",
    "brightness_temperature",
    "brightness_temperature_prefactor",
    "cell_neutral_fraction",
    "cell_smoothing_radius",
    "cloud_in_cell_density",
    "comoving_distance",
    "conditional_collapsed_fraction",
    "default_k_edges",
    "dimensionless_power",
    "eisenstein_hu_transfer",
    "filter_window",
    "fourier_grid",
    "frequency_to_redshift",
    "gaussian_random_field_k",
    "growth_factor",
    "growth_factor_fit",
    "growth_rate",
    "hubble_parameter",
    "hubble_ratio",
    "ionization_threshold",
    "line_of_sight_distance_per_frequency",
    "line_of_sight_velocity_gradient",
    "linear_power_spectrum",
    "mass_to_radius",
    "merge_empty_bins",
    "neutral_from_sources",
    "omega_m_of_z",
    "press_schechter_collapsed_fraction",
    "radius_to_mass",
    "redshift_to_frequency",
    "second_order_displacement",
    "sheth_tormen_collapsed_fraction",
    "sigma_r",
    "smoothing_radii",
    "source_fraction",
    "top_hat_window",
    "virial_temperature_to_mass",
    "wavenumber_magnitude",
    "wedge_slope",
    "zeldovich_displacement",
]
