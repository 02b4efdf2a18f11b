"""The outcome class of one call with bad or odd input, decided automatically (issue #13).

Every call ends in one of four outcomes:

``clear error``
    An exception of a sensible type (``ValueError``, ``TypeError`` or an ``OSError`` such as
    ``FileNotFoundError``) whose message names the bad parameter or input and says what is
    expected (it holds one of the words in :data:`EXPECTATION`).
``correct result``
    The call returned, and the result passed its check: an invariant, equality with the
    result for the plain equivalent of the input (``np.int64(2)`` acts as ``2``, float32
    values as the same values in float64), or an independent computation.
``silent wrong result``
    The call returned although the input was invalid (a parameter that is not what it
    seems), or returned a result that failed its check.
``unclear error``
    Any other exception: an internal type (``KeyError``, ``IndexError``, ``AttributeError``,
    ``ZeroDivisionError``, NumPy's ``AxisError``, ``JSONDecodeError``, ``BadZipFile``, ...)
    or a message that names neither the parameter nor what is expected.

Used by the fuzz suite (``tests/fuzz``) and by ``benchmarks/bench_battery.py``.
"""

import json
import re
import warnings
import zipfile
from dataclasses import dataclass

import numpy as np

CLEAR = "clear error"
CORRECT = "correct result"
SILENT = "silent wrong result"
UNCLEAR = "unclear error"
OUTCOMES = (CLEAR, CORRECT, SILENT, UNCLEAR)

#: Exceptions whose type says "your input is wrong".
SENSIBLE_TYPES = (ValueError, TypeError, OSError)
#: Subclasses of those that are still internal: they come from a library deep inside the call.
INTERNAL_TYPES = (
    np.exceptions.AxisError,
    json.JSONDecodeError,
    UnicodeError,
    zipfile.BadZipFile,
)
#: Words that say what is expected, or what to do instead.
EXPECTATION = re.compile(
    r"\b(must|expected|expects?|got|needs?|at least|at most|required|no such|should|only"
    r"|not an?|instead|rename|convert|read it with|list each)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Outcome:
    """The outcome class of one call and why."""

    kind: str
    detail: str

    @property
    def ok(self):
        """Whether the outcome is acceptable: a clear error or a correct result."""
        return self.kind in (CLEAR, CORRECT)


def names_in(message, names):
    """The first of ``names`` that the message mentions (None if none).

    Short names (``X``, ``y``, ``z``) must stand as a word and match case; longer ones are
    searched case-insensitively (``'redshifts'`` matches ``redshifts must ...``).
    """
    for name in names:
        if len(name) <= 2:
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message):
                return name
        elif name.lower() in message.lower():
            return name
    return None


def classify_error(error, names, also_sensible=()):
    """``CLEAR`` or ``UNCLEAR`` for an exception raised on input named by ``names``.

    ``also_sensible`` adds exception types that are the convention where they are raised
    (``IndexError`` from ``__getitem__``).
    """
    message = str(error)
    kind = type(error).__name__
    sensible = SENSIBLE_TYPES + tuple(also_sensible)
    if isinstance(error, INTERNAL_TYPES) or not isinstance(error, sensible):
        return Outcome(UNCLEAR, f"internal {kind}: {message[:300]}")
    named = names_in(message, names)
    if named is None:
        return Outcome(UNCLEAR, f"{kind} names none of {list(names)}: {message[:300]}")
    if not EXPECTATION.search(message):
        return Outcome(UNCLEAR, f"{kind} does not say what is expected: {message[:300]}")
    return Outcome(CLEAR, f"{kind}: {message[:300]}")


def assert_clear_error(error, names):
    """Assert that ``error`` is a clear error about one of ``names``."""
    outcome = classify_error(error, names)
    assert outcome.kind == CLEAR, outcome.detail


def run_case(call, *, names, expect, check=None, also_sensible=()):
    """Call ``call()`` and classify what happens.

    Parameters
    ----------
    call : callable
        The call with bad or odd input.
    names : sequence of str
        Names an error message may use for that input (the parameter, its aliases).
    expect : {"error", "result", "either"}
        ``"error"``: the input is invalid, so returning at all is a silent wrong result.
        ``"result"`` or ``"either"``: the input is valid (or may be accepted), so a result
        must pass ``check``; a clear error is also acceptable for ``"either"`` and for
        ``"result"`` (refusing what one cannot handle is never silent).
    check : callable, optional
        ``check(result)`` raises ``AssertionError`` (or any exception) when the result is
        wrong.

    Returns
    -------
    outcome : Outcome
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = call()
        except Exception as error:  # noqa: BLE001 (every exception is classified)
            return classify_error(error, names, also_sensible)
        if expect == "error":
            return Outcome(SILENT, f"accepted: returned {_describe(result)}")
        if check is None:
            return Outcome(CORRECT, "returned")
        try:
            check(result)
        except Exception as error:  # noqa: BLE001 (a failed check is a wrong result)
            return Outcome(SILENT, f"wrong result: {type(error).__name__}: {str(error)[:300]}")
    return Outcome(CORRECT, "checked")


def _describe(result):
    shape = getattr(result, "shape", None)
    if shape is not None:
        return f"{type(result).__name__} of shape {shape}"
    return type(result).__name__


def equivalent(a, b, rtol=1e-12, atol=0.0):
    """Assert that two results are the same: arrays, numbers, dicts, sequences, recursively.

    NaN equals NaN; floating arrays are compared with ``rtol`` and ``atol``. Location tables
    (:class:`~skcosmo21.preprocessing.SampleLocations`) compare by table and grid.
    """
    if type(a).__name__ == "SampleLocations":
        assert type(b) is type(a), f"{type(a).__name__} != {type(b).__name__}"
        assert (a.n_cells, a.sample_shape) == (b.n_cells, b.sample_shape), f"{a!r} != {b!r}"
        equivalent(a.pixel_size, b.pixel_size, rtol, atol)
        np.testing.assert_array_equal(a.table, b.table)
        return
    if isinstance(a, dict) or hasattr(a, "keys") and not isinstance(a, np.ndarray):
        assert set(a.keys()) == set(b.keys()), f"keys differ: {sorted(a)} != {sorted(b)}"
        for key in a:
            equivalent(a[key], b[key], rtol, atol)
        return
    scalars = (int, float, np.number, np.bool_)
    if isinstance(a, list | tuple) and not all(isinstance(v, scalars) for v in a):
        assert len(a) == len(b), f"lengths differ: {len(a)} != {len(b)}"
        for x, y in zip(a, b, strict=True):
            equivalent(x, y, rtol, atol)
        return
    if a is None or isinstance(a, str | bool):
        assert a == b, f"{a!r} != {b!r}"
        return
    a_array, b_array = np.asarray(a), np.asarray(b)
    assert a_array.shape == b_array.shape, f"shapes differ: {a_array.shape} != {b_array.shape}"
    if a_array.dtype.kind in "fc" or b_array.dtype.kind in "fc":
        np.testing.assert_allclose(a_array, b_array, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(a_array, b_array)
