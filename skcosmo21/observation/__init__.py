r"""Observation effects: what a radio interferometer makes of a 21-cm cube.

Interferometric sampling and thermal noise (array layouts, system temperatures and the
radiometer equation from 21cmSense, imported only when a telescope is first used), angular and
frequency resolution, and the foreground filters (the :math:`k_\perp = 0` mode and the wedge),
as functions on cube stacks, as :func:`observe_cubes` on a Bunch, and as scikit-learn
transformers. See :doc:`/user_guide/observing`.

Noise realizations are keyed by the content of each cube (and by its index in a Bunch), so no
two cubes share a noise pattern, whatever batch or split they are observed in, and the same
call with the same ``random_state`` is bitwise repeatable.
"""

from ._diagnostics import compare_noise_with_21cmsense, signal_to_noise_per_k
from ._filters import (
    average_channels,
    remove_transverse_mean,
    remove_wedge,
    smooth_with_beam,
    wedge_mask,
)
from ._noise import thermal_noise_cubes, thermal_noise_model
from ._observe import add_thermal_noise, observe_cubes, sample_uv_coverage
from ._telescopes import (
    TELESCOPES,
    beam_crossing_time,
    system_temperature,
    telescope_properties,
)
from ._transformers import (
    BeamSmoothing,
    ChannelAveraging,
    ThermalNoise,
    TransverseMeanRemoval,
    UVSampling,
    WedgeFilter,
)
from ._uv import baseline_tracks, grid_uv_samples

__all__ = [
    "TELESCOPES",
    "BeamSmoothing",
    "ChannelAveraging",
    "ThermalNoise",
    "TransverseMeanRemoval",
    "UVSampling",
    "WedgeFilter",
    "add_thermal_noise",
    "average_channels",
    "baseline_tracks",
    "beam_crossing_time",
    "compare_noise_with_21cmsense",
    "grid_uv_samples",
    "observe_cubes",
    "remove_transverse_mean",
    "remove_wedge",
    "sample_uv_coverage",
    "signal_to_noise_per_k",
    "smooth_with_beam",
    "system_temperature",
    "telescope_properties",
    "thermal_noise_cubes",
    "thermal_noise_model",
    "wedge_mask",
]
