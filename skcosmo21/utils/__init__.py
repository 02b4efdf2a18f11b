"""Utilities: estimator discovery and parameter validation."""

from ._validation import check_scalar_in_range

__all__ = ["check_scalar_in_range"]
