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


def check_finite_array(array, name="X", *, ndim=None):
    """Return ``array`` as a numeric ndarray after checking its dimensionality and values.

    Never copies a valid float array (memory maps stay memory maps); converts integer and bool
    input to float32.

    Parameters
    ----------
    array : array-like
        Input.
    name : str, default="X"
        Name used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.

    Returns
    -------
    array : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.utils import check_finite_array
    >>> check_finite_array(np.zeros((2, 3)), ndim=2).shape
    (2, 3)
    """
    if not isinstance(array, np.ndarray):
        try:
            array = np.asarray(array)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} could not be converted to a numeric array: {error}") from None
    if array.dtype.kind not in "fiub":
        raise ValueError(f"{name} must be numeric, got dtype {array.dtype}")
    if array.dtype.kind != "f":
        array = array.astype(np.float32)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and array.ndim not in allowed:
        expected = " or ".join(str(d) for d in allowed)
        raise ValueError(
            f"{name} must have {expected} dimensions, got an array of shape {array.shape}"
        )
    if array.size and not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return array
