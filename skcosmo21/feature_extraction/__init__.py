"""Features computed from images: power spectra."""

from ._power_spectrum import PowerSpectrum2D

__all__ = ["PowerSpectrum2D"]
