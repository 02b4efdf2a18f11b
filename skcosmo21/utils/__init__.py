"""Utilities: estimator discovery and input validation."""

from ._validation import check_finite_array, check_scalar_in_range

__all__ = ["check_finite_array", "check_scalar_in_range"]
