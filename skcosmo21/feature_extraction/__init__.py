"""Features computed from images: one-point statistics and power spectra."""

from ._one_point import OnePointStatistics
from ._power_spectrum import PowerSpectrum2D

__all__ = ["OnePointStatistics", "PowerSpectrum2D"]
