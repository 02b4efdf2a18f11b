"""Utilities: estimator discovery, parameter validation, the one seed rule, code fingerprints."""

from ._fingerprint import source_fingerprint
from ._param_validation import (
    RANDOM_STATE_CONSTRAINT,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    check_random_state_value,
    validate_params,
)
from ._validation import check_scalar_in_range

__all__ = [
    "RANDOM_STATE_CONSTRAINT",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "check_random_state_value",
    "check_scalar_in_range",
    "source_fingerprint",
    "validate_params",
]
