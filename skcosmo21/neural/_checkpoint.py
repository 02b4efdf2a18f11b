"""Checkpoints of a fit in progress: written atomically, checked when read, resumed only on request.

Layout of ``checkpoint_dir``::

    state.json               what the fit had done: format, estimator, parameter and data
                             fingerprints, epochs done in the interrupted call of ``fit``,
                             history, validation mask, seed, and the name of the file below
    network-<token>.npz      after the last finished epoch: the value of every variable of the
                             network (``network_0``, ...; weights, batch-norm statistics, dropout
                             seed states) and of the optimizer (``optimizer_0``, ...: step
                             count, learning rate, moments)

Every epoch writes a new ``<token>`` file, then replaces ``state.json`` atomically (temporary
file, ``fsync``, ``os.replace``), then deletes the file the old state named. An interruption at
any moment therefore leaves a ``state.json`` that names a complete file: a checkpoint is never
lost or half-written. (``estimator.model_.save(...)`` gives a Keras file of a fitted network.)
"""

import base64
import hashlib
import json
import os
import pathlib
import uuid
import zipfile

import numpy as np

FORMAT_VERSION = 1
STATE_FILE = "state.json"


def data_fingerprint(*arrays):
    """Hex digest of arrays' dtypes, shapes and bytes (None entries included as such).

    Parameters
    ----------
    *arrays : ndarray or None
        The data of a fit: X, y, sample weights, groups, ...

    Returns
    -------
    digest : str
    """
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        if array is None:
            digest.update(b"none;")
            continue
        array = np.ascontiguousarray(array)
        if array.dtype.kind == "O":
            array = array.astype(str)
        digest.update(f"{array.dtype.str}{array.shape};".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def row_digests(X):
    """One 16-byte digest per sample, to recognise samples whatever their order.

    Parameters
    ----------
    X : ndarray of shape (n, ...)

    Returns
    -------
    digests : ndarray of dtype "S16" and shape (n,)
    """
    rows = np.ascontiguousarray(X).reshape(len(X), -1)
    return np.array(
        [hashlib.blake2b(memoryview(row).cast("B"), digest_size=16).digest() for row in rows],
        dtype="S16",
    )


def pack_mask(mask):
    """A boolean mask as compact JSON-friendly text."""
    return {"n": int(len(mask)), "bits": base64.b64encode(np.packbits(mask)).decode("ascii")}


def unpack_mask(packed):
    """Inverse of :func:`pack_mask`."""
    bits = np.frombuffer(base64.b64decode(packed["bits"]), np.uint8)
    return np.unpackbits(bits, count=packed["n"]).astype(bool)


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read; the message names the file."""


class CheckpointFolder:
    """Read and write the checkpoint in one folder.

    Parameters
    ----------
    folder : str or path
        ``checkpoint_dir`` of the estimator.
    """

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.state_path = self.folder / STATE_FILE

    def exists(self):
        """Whether the folder holds a checkpoint (a ``state.json``)."""
        return self.state_path.exists()

    def read_state(self):
        """The parsed ``state.json``; a clear error naming the file when it is unreadable."""
        try:
            state = json.loads(self.state_path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CheckpointError(
                f"checkpoint state file {str(self.state_path)!r} is unreadable ({error}); it "
                "must be the JSON a fit wrote, and may have been edited or damaged. Delete the "
                "folder, or pass resume=False to start afresh (the checkpoint is then replaced)."
            ) from None
        required = {"format", "estimator", "params", "data", "epochs_in_call", "history"}
        if not isinstance(state, dict) or not required <= set(state):
            raise CheckpointError(
                f"checkpoint state file {str(self.state_path)!r} is not a skcosmo21 checkpoint "
                f"(missing {sorted(required - set(state)) if isinstance(state, dict) else 'all'})"
            )
        if state["format"] != FORMAT_VERSION:
            raise CheckpointError(
                f"checkpoint {str(self.state_path)!r} has format {state['format']}, this version "
                f"of skcosmo21 reads format {FORMAT_VERSION}"
            )
        return state

    def read_network(self, state):
        """The network's and the optimizer's variable values that ``state`` names."""
        path = self.folder / state["network_file"]
        if not path.exists():
            raise CheckpointError(
                f"checkpoint file {str(path)!r}, named by {str(self.state_path)!r}, is missing; "
                "delete the folder or pass resume=False"
            )
        try:
            with np.load(path) as arrays:
                names = arrays.files
                network = [arrays[f"network_{i}"] for i in range(_count(names, "network_"))]
                optimizer = [arrays[f"optimizer_{i}"] for i in range(_count(names, "optimizer_"))]
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
            raise CheckpointError(
                f"checkpoint network file {str(path)!r} exists but cannot be read "
                f"({type(error).__name__}: {error}); it is truncated or damaged. Delete the "
                "folder or pass resume=False."
            ) from None
        return network, optimizer

    def write(self, network, optimizer_state, state):
        """Save a new network file, then point ``state.json`` at it, atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        previous = self._named_files()
        token = uuid.uuid4().hex[:12]
        path = self.folder / f"network-{token}.npz"
        arrays = {f"network_{i}": value for i, value in enumerate(network)}
        arrays.update({f"optimizer_{i}": value for i, value in enumerate(optimizer_state)})
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        state = {**state, "format": FORMAT_VERSION, "network_file": path.name}
        temporary = self.folder / f".{STATE_FILE}.{token}.tmp"
        with open(temporary, "w") as handle:
            json.dump(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.state_path)
        for name in previous:
            (self.folder / name).unlink(missing_ok=True)

    def _named_files(self):
        """Files the current state names (to delete once a newer state replaces it)."""
        if not self.state_path.exists():
            return []
        try:
            state = json.loads(self.state_path.read_text())
            return [state["network_file"]]
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
            return []  # an unreadable old state names nothing we can safely delete


def _count(names, prefix):
    return sum(name.startswith(prefix) for name in names)
