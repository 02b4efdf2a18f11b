"""Fingerprints of the library's own source code, to key caches by what determines a result."""

import functools
import hashlib
import importlib.util
import pathlib

__all__ = ["source_fingerprint"]


@functools.cache
def source_fingerprint(*modules):
    """SHA-256 of the source of the given skcosmo21 modules and subpackages.

    A cache keyed by the package version alone returns stale results after the code changes
    within a version (a development install, a patched checkout). Keyed by this digest, any
    change to the code that produced a cached result invalidates it.

    Parameters
    ----------
    *modules : str
        Dotted names relative to ``skcosmo21`` (``"physics"``, ``"datasets._simulator"``); a
        subpackage contributes every ``.py`` file below it. No name means the whole package.

    Returns
    -------
    digest : str
        Hexadecimal SHA-256.

    Examples
    --------
    >>> from skcosmo21.utils import source_fingerprint
    >>> len(source_fingerprint("physics"))
    64
    >>> source_fingerprint("physics") == source_fingerprint("physics")
    True
    """
    names = modules or ("",)
    digest = hashlib.sha256()
    for name in names:
        full_name = "skcosmo21" + (f".{name}" if name else "")
        spec = importlib.util.find_spec(full_name)
        if spec is None or spec.origin is None:
            raise ValueError(f"{full_name!r} is not a module of skcosmo21")
        origin = pathlib.Path(spec.origin)
        files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
        for path in files:
            digest.update(str(path.relative_to(origin.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
