"""Bad and odd values for each kind of parameter, generated systematically (issue #13).

A kind (a positive integer, a boolean, a seed, a stack of images, a file to read, ...) lists
the values a user might give by mistake or in an unusual but valid form. Each value says
whether it must be refused (``expect="error"``), must work (``"result"``: then ``plain`` is
the ordinary equivalent, and the result must equal the result for ``plain``), or may go either
way (``"either"``: a clear refusal or a result equal to the one for ``plain``).

:meth:`Kind.values` is the fixed list the battery runs; :meth:`Kind.strategy` draws from it
and, for numbers and arrays, from values Hypothesis generates.
"""

import math
import pathlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

#: Marks a value without an ordinary equivalent: the result is checked on its own.
NO_PLAIN = object()


@dataclass(frozen=True)
class Value:
    """One value to try: what it is, the value, what must happen, its ordinary equivalent."""

    label: str
    value: Any = field(compare=False)
    expect: str
    plain: Any = field(default=NO_PLAIN, compare=False)


def bad(label, value):
    return Value(label, value, "error")


def good(label, value, plain=NO_PLAIN):
    return Value(label, value, "result", plain)


def either(label, value, plain=NO_PLAIN):
    return Value(label, value, "either", plain)


class Kind:
    """A kind of parameter: its systematic bad/odd values and a Hypothesis strategy."""

    def values(self):
        raise NotImplementedError

    def generated(self):
        """Extra values Hypothesis generates (beyond :meth:`values`), or None."""
        return None

    def strategy(self):
        fixed = st.sampled_from(self.values())
        extra = self.generated()
        return fixed if extra is None else st.one_of(fixed, extra)


class Int(Kind):
    """An integer in [low, high] (None: unbounded), optionally None."""

    def __init__(self, low=None, high=None, *, optional=False, example=None):
        self.low, self.high, self.optional = low, high, optional
        self.example = example if example is not None else (low if low is not None else 0)

    def _inside(self, v):
        return (self.low is None or v >= self.low) and (self.high is None or v <= self.high)

    def values(self):
        e = self.example
        out = [
            bad("float with a fraction", e + 0.5),
            bad("integral float", float(e)),
            bad("numeric string", str(e)),
            bad("bool", True),
            bad("NaN", math.nan),
            good("numpy int64", np.int64(e), plain=int(e)),
        ]
        if self.low is not None:
            out.append(bad("below the range", self.low - 1))
            out.append(bad("negative", -1 if self.low >= 0 else self.low - 10))
        if self.high is not None:
            out.append(bad("above the range", self.high + 1))
        if not self.optional:
            out.append(bad("None", None))
        return _unique(out)

    def generated(self):
        # Moderate values only: a valid count of 2**40 would make an honest call allocate
        # terabytes (sizes that big are the memory estimate's business, fuzzed where promised).
        ints = st.integers(-1000, 1000)
        return ints.map(
            lambda v: (
                Value(f"generated {v}", v, "either", v)
                if self._inside(v)
                else bad(f"generated {v}", v)
            )
        )


class Real(Kind):
    """A real number in an interval (``open`` ends excluded), optionally None."""

    def __init__(
        self, low=None, high=None, *, open_low=False, open_high=False, optional=False, example=1.0
    ):
        self.low, self.high = low, high
        self.open_low, self.open_high, self.optional = open_low, open_high, optional
        self.example = example

    def _inside(self, v):
        if not math.isfinite(v):
            return False
        low_ok = self.low is None or (v > self.low if self.open_low else v >= self.low)
        high_ok = self.high is None or (v < self.high if self.open_high else v <= self.high)
        return low_ok and high_ok

    def values(self):
        e = self.example
        out = [
            bad("NaN", math.nan),
            bad("inf", math.inf),
            bad("-inf", -math.inf),
            bad("numeric string", str(e)),
            bad("bool", True),
            bad("complex", complex(e, 1.0)),
            good("numpy float32", np.float32(e), plain=float(np.float32(e))),
        ]
        if float(e).is_integer():
            out.append(good("int", int(e), plain=float(e)))
        if self.low is not None:
            out.append(
                bad(
                    "at the open bound" if self.open_low else "below the range",
                    self.low if self.open_low else self.low - 1.0,
                )
            )
            out.append(bad("far below the range", self.low - 1e6))
        if self.high is not None:
            out.append(
                bad(
                    "at the open bound" if self.open_high else "above the range",
                    self.high if self.open_high else self.high + 1.0,
                )
            )
        if not self.optional:
            out.append(bad("None", None))
        return _unique(out)

    def generated(self):
        floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
        return floats.map(
            lambda v: (
                Value(f"generated {v!r}", v, "either", v)
                if self._inside(v)
                else bad(f"generated {v!r}", v)
            )
        )


class Bool(Kind):
    def __init__(self, *, example=True):
        self.example = example

    def values(self):
        return [
            bad("string 'False'", "False"),
            bad("string 'no'", "no"),
            bad("string 'True'", "True"),
            bad("int 0", 0),
            bad("int 1", 1),
            bad("None", None),
            good("numpy bool", np.bool_(self.example), plain=bool(self.example)),
        ]


class Choice(Kind):
    """One of the strings ``options`` (optionally None)."""

    def __init__(self, options, *, optional=False):
        self.options, self.optional = tuple(options), optional

    def values(self):
        first = self.options[0]
        out = [bad("unknown string", "bogus"), bad("empty string", ""), bad("int", 1)]
        if first.upper() != first and first.upper() not in self.options:
            out.append(bad("upper case", first.upper()))
        if not self.optional:
            out.append(bad("None", None))
        out.append(bad("list of an option", [first]))
        return out


class Seed(Kind):
    """The library's one ``random_state`` rule: None, int in [0, 2**32 - 1], a RandomState."""

    def values(self):
        return [
            bad("-1", -1),
            bad("2**32", 2**32),
            bad("2**40", 2**40),
            bad("2**70", 2**70),
            bad("float", 1.5),
            bad("numeric string", "0"),
            bad("NaN", math.nan),
            good("numpy int64", np.int64(7), plain=7),
            good("2**32 - 1", 2**32 - 1),
            good("RandomState", np.random.RandomState(0)),
        ]


class NJobs(Kind):
    """joblib's n_jobs: None, a positive count or -1, -2, ..."""

    def values(self):
        return [
            bad("0", 0),
            bad("string", "two"),
            bad("float", 1.5),
            bad("bool", True),
            good("-1 (all cores)", -1, plain=None),
            good("2", 2, plain=None),
            good("numpy int64", np.int64(2), plain=None),
        ]


class Fixed(Kind):
    """An explicit list of values for a parameter of its own kind."""

    def __init__(self, *values):
        self._values = list(values)

    def values(self):
        return self._values


# ---------------------------------------------------------------- stacks of images and cubes


def _float_samples(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


class Stack(Kind):
    """A stack of samples: images (n, h, w), cubes (n, n, n, n) or lightcones (n, N, N, L).

    ``shape`` is a valid example shape; ``square`` says whether the first two sample axes
    must be equal (``"all"``: every sample axis), ``min_side`` the smallest accepted side.
    """

    def __init__(
        self, shape, *, square=False, min_side=2, allow_empty=True, values=None, other_ndims=()
    ):
        self.shape = tuple(shape)
        self.other_ndims = tuple(other_ndims)
        self.square = square
        self.min_side = min_side
        self.allow_empty = allow_empty
        self.base = _float_samples(self.shape) if values is None else values

    def _valid_shape(self, shape):
        if len(shape) in self.other_ndims:
            return len(shape) < 3 or min(shape[1:3]) >= self.min_side
        if len(shape) != len(self.shape) or min(shape[1:]) < self.min_side:
            return False
        if self.square == "all":
            return len(set(shape[1:])) == 1
        if self.square:
            return shape[1] == shape[2]
        return True

    def values(self):
        x = self.base
        n = len(x)
        fewer, more = x[0], x[..., None]
        out = [
            (good if fewer.ndim in self.other_ndims else bad)("one axis fewer", fewer),
            (good if more.ndim in self.other_ndims else bad)("one axis more", more),
            bad("scalar", 1.0),
            bad("None", None),
            bad("string", "cubes.npz"),
            bad("complex", x.astype(complex) + 1j),
            bad("strings", x.astype(str)),
            either("object array of floats", x.astype(object), plain=x),
            either("bool", x > 0, plain=(x > 0).astype(float)),
            good("int", np.round(x * 10).astype(np.int64), plain=np.round(x * 10)),
            either("float16", x.astype(np.float16), plain=x.astype(np.float16).astype(float)),
            good("big-endian float64", x.astype(">f8"), plain=x),
            good("float32", x.astype(np.float32), plain=x.astype(np.float32).astype(float)),
            good("Fortran order", np.asfortranarray(x), plain=x),
            good("nested lists", x.tolist(), plain=x),
            good("read-only", _read_only(x), plain=x),
            good("tiny values 1e-300", x * 1e-300, plain=x * 1e-300),
            good(
                "huge float32 (1e38)",
                (x / np.abs(x).max() * 1e38).astype(np.float32),
                plain=(x / np.abs(x).max() * 1e38).astype(np.float32).astype(float),
            ),
            good("constant", np.full_like(x, 3.0), plain=np.full_like(x, 3.0)),
            bad("NaN", _with(x, np.nan)),
            bad("inf", _with(x, np.inf)),
            bad("-inf", _with(x, -np.inf)),
            bad("sides of 0", np.zeros((n,) + (0,) * (x.ndim - 1))),
            bad("sides of 1", np.zeros((n,) + (1,) * (x.ndim - 1))),
        ]
        empty = np.zeros((0,) + x.shape[1:])
        out.append(either("no samples", empty) if self.allow_empty else bad("no samples", empty))
        if self.square:
            shape = list(x.shape)
            shape[2] += 1
            out.append(bad("not square", _float_samples(tuple(shape))))
        return out

    def generated(self):
        ndim = len(self.shape)
        shapes = hnp.array_shapes(min_dims=ndim - 1, max_dims=ndim + 1, min_side=0, max_side=6)
        floats = st.floats(-1e6, 1e6, allow_nan=False, width=32)
        elements = {np.float64: floats, np.float32: floats, np.int32: st.integers(-1000, 1000)}
        arrays = st.sampled_from(list(elements)).flatmap(
            lambda dtype: hnp.arrays(dtype, shapes, elements=elements[dtype])
        )
        return arrays.map(self._classify)

    def _classify(self, x):
        label = f"generated {x.dtype} {x.shape}"
        if not self._valid_shape(x.shape):
            return bad(label, x)
        if len(x) == 0:
            return either(label, x, plain=x.astype(float))
        return good(label, x, plain=x.astype(float))


def _with(x, value):
    x = np.array(x, dtype=float)
    x.flat[min(3, x.size - 1)] = value
    return x


def _read_only(x):
    x = np.array(x)
    x.setflags(write=False)
    return x


# ------------------------------------------------------------------------------ files


class FileToRead(Kind):
    """A path to read; ``make_valid(folder)`` writes a valid file and returns its path."""

    def __init__(self, folder, make_valid, *, suffix=""):
        self.folder = pathlib.Path(folder)
        self.make_valid = make_valid
        self.suffix = suffix

    def values(self):
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        valid = pathlib.Path(self.make_valid(folder / f"valid{self.suffix}"))
        empty = folder / f"empty{self.suffix}"
        empty.write_bytes(b"")
        garbage = folder / f"garbage{self.suffix}"
        garbage.write_bytes(np.random.default_rng(0).bytes(3000))
        text = folder / f"text{self.suffix}"
        text.write_text("delta_T = 1\n")
        truncated = folder / f"truncated{self.suffix}"
        truncated.write_bytes(valid.read_bytes()[: max(1, valid.stat().st_size // 2)])
        return [
            bad("missing file", folder / f"missing{self.suffix}"),
            bad("a folder", folder),
            bad("empty file", empty),
            bad("garbage bytes", garbage),
            bad("a text file", text),
            bad("truncated file", truncated),
            bad("int", 5),
            bad("None", None),
            good("str path", str(valid), plain=valid),
        ]


class FileToWrite(Kind):
    """A path to write into."""

    def __init__(self, folder, *, suffix=""):
        self.folder = pathlib.Path(folder)
        self.suffix = suffix

    def values(self):
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        a_file = folder / "a-file"
        a_file.write_text("x")
        (folder / f"is-a-folder{self.suffix}").mkdir(exist_ok=True)
        return [
            bad("inside a missing folder", folder / "missing" / f"out{self.suffix}"),
            bad("inside a file", a_file / f"out{self.suffix}"),
            bad("a folder", folder / f"is-a-folder{self.suffix}"),
            bad("under /proc", pathlib.Path("/proc/skcosmo21-fuzz") / f"out{self.suffix}"),
            bad("int", 5),
            bad("None", None),
        ]


class Callback(Kind):
    """A callable parameter: things that are not callables, callables that misbehave."""

    def __init__(self, returns_wrong=()):
        self.returns_wrong = returns_wrong

    def values(self):
        out = [
            bad("a number", 3),
            bad("a list", [1, 2]),
            bad("returns a list", lambda *args, **kwargs: [1, 2]),
            bad("returns None", lambda *args, **kwargs: None),
        ]
        out += [bad(label, function) for label, function in self.returns_wrong]
        return out


def _unique(values):
    seen, out = set(), []
    for v in values:
        key = (v.label, repr(v.value))
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out
