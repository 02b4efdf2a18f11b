"""Parameter validation: scikit-learn's constraint language, imported in one place.

Every estimator declares ``_parameter_constraints`` and validates them once, at the start of
``fit`` (``self._validate_params()``), and public functions use :func:`validate_params`, so a
parameter that is not what it seems (``include_moments="False"``, ``axes=(0.7,)``) is refused
with a message that names it and lists what is accepted.

The constraint classes live in scikit-learn's private ``sklearn.utils._param_validation``:
scikit-learn has no public equivalent, and third-party estimators (imbalanced-learn,
scikit-learn-extra) use the same module. Importing it here, and nowhere else, keeps the
dependency on a private module in one line that a future scikit-learn release can change.
"""

import numbers

import numpy as np
from sklearn.utils._param_validation import (  # noqa: F401 (re-exported)
    HasMethods,
    Hidden,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)

__all__ = [
    "RANDOM_STATE_CONSTRAINT",
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "check_random_state_value",
    "validate_parameter_constraints",
    "validate_params",
]

from sklearn.utils._param_validation import Interval as _SklearnInterval


class Interval(_SklearnInterval):
    """scikit-learn's ``Interval``, except that a boolean is not a number.

    Python's ``True`` is the integer 1, and scikit-learn's ``Interval`` accepts it, so
    ``CubeSlicer(step=True)`` would slice every cell and ``PowerSpectrum2D(n_bins=True)`` give
    one bin without a word. A boolean given where a count or a size is expected is a mistake:
    refused here, with the usual message naming the parameter and the accepted range.
    """

    def is_satisfied_by(self, val):
        if isinstance(val, bool | np.bool_):
            return False
        return super().is_satisfied_by(val)


#: Largest integer seed accepted by the rule below.
MAX_SEED = 2**32 - 1

#: The one rule for every ``random_state`` of the library, scikit-learn's: None, an integer in
#: [0, 2**32 - 1] (the range NumPy's legacy seeding and Keras accept), or a
#: ``numpy.random.RandomState``; unlike scikit-learn's ``"random_state"`` constraint, not a
#: boolean.
RANDOM_STATE_CONSTRAINT = [
    None,
    Interval(numbers.Integral, 0, MAX_SEED, closed="both"),
    np.random.RandomState,
]


def check_random_state_value(value, name="random_state", caller_name="skcosmo21"):
    """Validate a seed by the library's one rule and return it unchanged.

    Parameters
    ----------
    value : None, int or numpy.random.RandomState
        Candidate seed.
    name : str, default="random_state"
        Parameter name for the error message.
    caller_name : str, default="skcosmo21"
        Function or estimator named in the error message.

    Returns
    -------
    value : None, int or numpy.random.RandomState

    Raises
    ------
    InvalidParameterError
        (a ``ValueError``) naming the parameter and the accepted values.

    Examples
    --------
    >>> from skcosmo21.utils import check_random_state_value
    >>> check_random_state_value(42)
    42
    >>> check_random_state_value(2**40)
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'random_state' parameter of ...
    """
    validate_parameter_constraints(
        {name: RANDOM_STATE_CONSTRAINT}, {name: value}, caller_name=caller_name
    )
    return value
