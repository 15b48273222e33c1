"""Resumable searches: finished chunks recorded atomically in a directory.

``grid_search(..., checkpoint=DIR)`` (``exactid simulate --checkpoint DIR``) writes each
finished chunk (:mod:`exactid.search.chunks`) to ``DIR/<chunk>.npz`` through the atomic writer
of :mod:`exactid.files` (a temporary file renamed into place), so a run stopped at any moment --
Ctrl-C, a killed process, a lost machine -- leaves only complete chunk files.  Started again
with the same arguments, the search loads the chunks already there and computes the others;
chunk results are deterministic, so the result is the one an uninterrupted run gives.

``DIR/manifest.json`` records what the chunks are results *of*: the family, the reference or a
digest of the data, the quadrature rule's inputs, the kernel, the chunk size and the version.
A directory whose manifest differs is refused (:class:`CheckpointError`) rather than mixed in;
so is a directory that cannot be written, before any work starts.
"""

from __future__ import annotations

import hashlib
import io
import json
import os

import numpy as np

from .._version import __version__
from ..errors import InputError
from ..files import atomic_write
from .chunks import Chunk, ChunkResult

__all__ = ["Checkpoint", "CheckpointError", "MANIFEST", "check_directory", "search_key"]

#: The manifest's file name inside the checkpoint directory.
MANIFEST = "manifest.json"


class CheckpointError(InputError):
    """A checkpoint directory that cannot be used: written by a search with other arguments,
    unreadable, not writable, or holding a damaged chunk file."""


def check_directory(directory) -> str:
    """``directory`` as a path, checked to be usable (an existing writable directory, or a
    missing one whose parent is a writable directory) without creating anything.

    Raises
    ------
    CheckpointError
    """
    d = os.fspath(directory)
    if os.path.exists(d):
        if not os.path.isdir(d):
            raise CheckpointError(f"--checkpoint: {d!r} exists and is not a directory")
        target = d
    else:
        target = os.path.dirname(os.path.abspath(d))
        if not os.path.isdir(target):
            raise CheckpointError(f"--checkpoint: the parent directory {target!r} does not "
                                  "exist")
    if not os.access(target, os.W_OK | os.X_OK):
        raise CheckpointError(f"--checkpoint: the directory {target!r} is not writable")
    return d


def _array_digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def search_key(setup, reference, data, canonical: bool, keep: int, chunk: int) -> dict:
    """What the chunk results of a search depend on, JSON-ready, causes first: the family, the
    reference (its parameters, or a digest of its arrays), a digest of the data, the options,
    the kernel with its pruning threshold, and a digest of every array the kernel reads."""
    if reference is None:
        ref = None
    elif hasattr(reference, "to_dict"):
        ref = reference.to_dict()
    else:
        ref = _array_digest(reference.prior.weights, reference.prior.means,
                            reference.prior.covs, *reference.net.weights,
                            *reference.net.biases, np.array([reference.noise_std,
                                                             reference.net.negative_slope]))
    return {"family": setup.family.to_dict(), "reference": ref,
            "data": None if data is None else _array_digest(np.asarray(data, dtype=float)),
            "canonical": bool(canonical), "keep": int(keep), "chunk": int(chunk),
            "kernel": setup.kernel, "threshold": repr(float(setup.threshold)),
            "inputs": _array_digest(setup.x, setup.w_main, setup.w_check, setup.decoders,
                                    setup.cfg_atoms, setup.cfg_w, setup.atom_mu,
                                    setup.atom_var, np.array([setup.tail_coef]))}


def _digest(key: dict) -> str:
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class Checkpoint:
    """The chunk files of one search in ``directory``.

    Parameters
    ----------
    directory : str or os.PathLike
        Created if missing (its parent must exist).
    key : dict
        JSON-ready description of everything the chunk results depend on; a directory written
        with another key is refused.

    Raises
    ------
    CheckpointError
        The directory is not writable, its manifest belongs to other arguments, or the
        manifest is damaged.
    """

    def __init__(self, directory, key: dict):
        self.directory = os.fspath(directory)
        self.key = {**key, "exactid": __version__}
        self.digest = _digest(self.key)
        self._open()

    def _open(self) -> None:
        d = check_directory(self.directory)
        if not os.path.isdir(d):
            try:
                os.mkdir(d)
            except OSError as error:
                raise CheckpointError(f"--checkpoint: cannot create {d!r}: "
                                      f"{error.strerror}") from None
        path = os.path.join(d, MANIFEST)
        if os.path.exists(path):
            try:
                with open(path, encoding="utf-8") as fh:
                    found = json.load(fh)
            except (OSError, ValueError) as error:
                raise CheckpointError(f"--checkpoint: cannot read {path!r}: {error}") from None
            if not isinstance(found, dict) or found.get("digest") != self.digest:
                raise CheckpointError(
                    f"--checkpoint: {d!r} holds chunks of a search with other arguments "
                    f"({_difference(found, self.key)}); use another directory or delete it")
        else:
            atomic_write(path, json.dumps({"digest": self.digest, "key": self.key},
                                          indent=1, sort_keys=True), "--checkpoint")

    def _path(self, chunk: Chunk) -> str:
        return os.path.join(self.directory, f"{chunk.name}.npz")

    def load(self, chunk: Chunk) -> ChunkResult | None:
        """The recorded result of ``chunk``, or None if it has not finished."""
        path = self._path(chunk)
        if not os.path.exists(path):
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                result = ChunkResult(data["obj"], data["err"], data["idx"], data["rest"])
        except (OSError, ValueError, KeyError) as error:
            raise CheckpointError(f"--checkpoint: damaged chunk file {path!r}: {error}") from None
        n = chunk.hi - chunk.lo
        if result.rest.shape != (n,) or result.obj.shape[0] != n:
            raise CheckpointError(f"--checkpoint: chunk file {path!r} holds {result.rest.shape} "
                                  f"decoders, expected {n}")
        return result

    def save(self, chunk: Chunk, result: ChunkResult) -> None:
        """Record ``result`` atomically (a reader never sees a partial file)."""
        buffer = io.BytesIO()
        np.savez(buffer, **result.arrays())
        atomic_write(self._path(chunk), buffer.getvalue(), "--checkpoint")


def _difference(found, key: dict) -> str:
    """A short description of the first differing field."""
    old = found.get("key", {}) if isinstance(found, dict) else {}
    # In the key's own order (family and reference first): the first cause, not a symptom
    # such as the quadrature nodes that a different reference implies.
    for name in [*key, *(n for n in old if n not in key)]:
        if old.get(name) != key.get(name):
            return f"{name} differs"
    return "the manifest differs"
