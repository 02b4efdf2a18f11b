"""Input validation shared by the library: clear errors that name the problem."""

import numbers

import numpy as np


def check_scalar_in_range(
    value, name, *, low=None, high=None, low_inclusive=True, high_inclusive=True, integer=False
):
    """Validate one number and return it, or raise ``ValueError`` naming ``name``.

    Parameters
    ----------
    value : object
        Candidate value.
    name : str
        Parameter name used in the error message.
    low, high : float, optional
        Bounds.
    low_inclusive, high_inclusive : bool, default=True
        Whether the bounds are allowed.
    integer : bool, default=False
        Require an integral value.

    Returns
    -------
    value : int or float

    Examples
    --------
    >>> from skcosmo21.utils import check_scalar_in_range
    >>> check_scalar_in_range(3, "n_cells", low=1, integer=True)
    3
    """
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(
            f"{name} must be {'an integer' if integer else 'a real number'}, got {value!r}"
        )
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    too_low = low is not None and (value < low or (value == low and not low_inclusive))
    too_high = high is not None and (value > high or (value == high and not high_inclusive))
    if too_low or too_high:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        lower = "-inf" if low is None else low
        upper = "inf" if high is None else high
        interval = f"{left}{lower}, {upper}{right}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value
