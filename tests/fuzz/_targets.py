"""Public names under fuzz: how to call each with valid input, and which kind each parameter is.

A :class:`Target` holds a valid call (``base`` keyword arguments), the kind of every parameter
the fuzz varies (:mod:`tests.fuzz._kinds`) and an invariant its results must satisfy. A case
replaces one parameter of the valid call by one bad or odd value and classifies the outcome
(:mod:`tests.fuzz._outcomes`); values with an ordinary equivalent must give the result of
that equivalent.

The fuzz tests (``tests/fuzz/test_*.py``) draw cases with Hypothesis; the battery
(``benchmarks/bench_battery.py``) runs every systematic case of every target.
"""

import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ._kinds import NO_PLAIN, Value
from ._outcomes import Outcome, equivalent, run_case

#: Names an error about an array input may use besides the parameter's own name.
ARRAY_NAMES = ("array", "images", "cubes", "samples", "lightcones", "sample", "input")


@dataclass
class Target:
    """One public name (or public method) under fuzz.

    Parameters
    ----------
    name : str
        ``subpackage.Name`` or ``subpackage.Name.method``.
    call : callable
        ``call(**kwargs)`` runs it and returns what is checked (an estimator's output).
    base : dict or callable
        Valid keyword arguments (or ``base(workdir)`` returning them).
    kinds : dict or callable
        Parameter name -> Kind (or ``kinds(workdir)`` returning that dict).
    check : callable, optional
        ``check(result, kwargs)`` asserts an invariant of any result.
    names : dict, optional
        Parameter -> extra names an error message may use for it.
    rtol : float, default=1e-5
        Tolerance of the comparison with the plain equivalent (float32 input is computed in
        float32).
    key : callable, optional
        What of a result is compared with the plain equivalent's (all of it when None).
    also_sensible : tuple of exception types, optional
        Exception types that are the convention for this call (``IndexError`` for indexing).
    """

    name: str
    call: Callable[..., Any]
    base: Any
    kinds: Any
    check: Callable[[Any, dict], None] | None = None
    names: dict = field(default_factory=dict)
    rtol: float = 1e-5
    key: Callable[[Any], Any] | None = None
    also_sensible: tuple = ()

    def __repr__(self):
        return f"Target({self.name})"

    @property
    def area(self):
        return self.name.split(".")[0]

    @property
    def public_name(self):
        return ".".join(self.name.split(".")[:2])

    def resolved(self, workdir):
        """(base kwargs, kinds) for this working folder, made once per folder."""
        workdir = pathlib.Path(workdir)
        cache = self.__dict__.setdefault("_resolved", {})
        if workdir not in cache:
            kinds = self.kinds(workdir) if callable(self.kinds) else self.kinds
            base = self.base(workdir) if callable(self.base) else dict(self.base)
            cache[workdir] = (base, kinds)
        base, kinds = cache[workdir]
        return dict(base), kinds

    def error_names(self, parameter, workdir=None):
        extra = self.names.get(parameter, ())
        if isinstance(extra, str):
            extra = (extra,)
        arrays = ARRAY_NAMES if parameter in ("X", "cubes", "images", "lightcones") else ()
        # An error about a file names it: its path lies in the working folder.
        files = (str(workdir),) if workdir is not None else ()
        return (parameter, *extra, *arrays, *files)

    def run(self, parameter, value, workdir):
        """The outcome of the valid call with ``parameter`` replaced by ``value``."""
        base, _ = self.resolved(workdir)
        kwargs = {**base, parameter: value.value}

        def check(result):
            if self.check is not None:
                self.check(result, kwargs)
            if value.plain is not NO_PLAIN:
                reference = self.call(**{**base, parameter: value.plain})
                key = self.key or (lambda r: r)
                _close(key(result), key(reference), self.rtol)

        return run_case(
            lambda: self.call(**kwargs),
            names=self.error_names(parameter, workdir),
            expect=value.expect,
            check=check,
            also_sensible=self.also_sensible,
        )

    def cases(self, workdir):
        """Every systematic (parameter, value) of this target."""
        _, kinds = self.resolved(workdir)
        for parameter in kinds:
            for value in kinds[parameter].values():
                yield parameter, value

    def strategy(self, workdir):
        """Hypothesis strategy of (parameter, value) pairs, generated values included."""
        _, kinds = self.resolved(workdir)
        return st.sampled_from(sorted(kinds)).flatmap(
            lambda p: st.tuples(st.just(p), kinds[p].strategy())
        )


def _close(result, reference, rtol):
    """The result equals the reference within ``rtol`` of the reference's largest value."""
    scale = _largest(reference)
    equivalent(result, reference, rtol=rtol, atol=rtol * scale)


def _largest(value):
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return 0.0
    finite = array[np.isfinite(array)]
    return float(np.abs(finite).max()) if finite.size else 0.0


def outcome_of(target, parameter, value, workdir) -> Outcome:
    """Shorthand for :meth:`Target.run`."""
    assert isinstance(value, Value)
    return target.run(parameter, value, workdir)


# ------------------------------------------------------------------- invariants of results


def finite_array(result, kwargs=None):
    """The result is a finite floating array."""
    result = np.asarray(result)
    assert result.dtype.kind == "f", f"dtype {result.dtype} is not floating"
    assert np.isfinite(result).all(), "result holds NaN or inf"


def float_dtype_of(x):
    """The float dtype an estimator must keep for input ``x`` (float32 stays float32)."""
    dtype = getattr(np.asarray(x), "dtype", np.dtype(float))
    return np.float32 if dtype in (np.float32, np.float16) else np.float64
