"""The exhaustive search cut into chunks of decoders, and where the chunks run.

A *chunk* is a run of consecutive decoders at one noise level.  Its result -- per decoder the
kept objectives, their error estimates and indices, and a lower bound on the objectives not
kept -- depends only on the chunk and on the search's fixed inputs (the family, the quadrature
rule, the kernel): each decoder is evaluated sequentially by the kernel, so the numbers are the
same bit for bit whichever process or thread computes them and in whatever order chunks
finish.  That is what makes the distributed search (:mod:`exactid.search.distributed`) and a
resumed checkpoint (:mod:`exactid.search.checkpoint`) give the serial search's result exactly.

What to use when: :func:`plan` lists the chunks; :func:`run_chunk` computes one (anywhere:
it only needs the picklable ``setup``), :func:`run_chunks` several in a row (one Dask task,
so that the per-task overhead is paid once per batch); :func:`serial_results` runs them in
this process, in order, yielding each result as it is done.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Chunk", "ChunkResult", "plan", "run_chunk", "run_chunks", "serial_results"]


@dataclass(frozen=True)
class Chunk:
    """Decoders ``lo .. hi - 1`` at noise index ``sigma_index``."""

    sigma_index: int
    lo: int
    hi: int

    @property
    def name(self) -> str:
        """A stable file-name-safe label, e.g. ``s0-d000128-000192``."""
        return f"s{self.sigma_index}-d{self.lo:06d}-{self.hi:06d}"


@dataclass(frozen=True)
class ChunkResult:
    """The kernel's output for one chunk.

    Attributes
    ----------
    obj, err : ndarray, shape (hi - lo, K)
        Per decoder the K best objectives (ascending) and their error estimates.
    idx : ndarray of int64, shape (hi - lo, K)
        Their flat grid indices ``d * C + c`` (-1 for unused slots).
    rest : ndarray, shape (hi - lo,)
        Per decoder a lower bound on the objective of every point not kept.
    """

    obj: np.ndarray
    err: np.ndarray
    idx: np.ndarray
    rest: np.ndarray

    def arrays(self) -> dict:
        return {"obj": self.obj, "err": self.err, "idx": self.idx, "rest": self.rest}


def plan(n_sigma: int, n_decoders: int, size: int) -> list[Chunk]:
    """Every chunk of the search, noise level by noise level, ``size`` decoders each (the
    last one of a level may be shorter)."""
    return [Chunk(s, lo, min(lo + size, n_decoders))
            for s in range(n_sigma) for lo in range(0, n_decoders, size)]


def run_chunk(setup, chunk: Chunk, keep: int) -> ChunkResult:
    """Evaluate one chunk with the search kernel.

    Parameters
    ----------
    setup : exactid.search.exhaustive.SearchSetup
        The search's fixed inputs (family, decoders, configurations, quadrature rule).
    chunk : Chunk
    keep : int
        K, the best points kept per decoder.
    """
    n = chunk.hi - chunk.lo
    obj, err = np.full((n, keep), np.inf), np.zeros((n, keep))
    idx, rest = np.full((n, keep), -1, dtype=np.int64), np.full(n, np.inf)
    setup.run(chunk.lo, chunk.hi, setup.family.noise_stds[chunk.sigma_index], obj, err, idx,
              rest)
    return ChunkResult(obj, err, idx, rest)


def run_chunks(setup, chunks, keep: int) -> list[ChunkResult]:
    """:func:`run_chunk` for each of ``chunks``, in order."""
    return [run_chunk(setup, chunk, keep) for chunk in chunks]


def serial_results(setup, chunks, keep: int):
    """Yield ``(chunk, result)`` for each chunk, computed here, in order."""
    for chunk in chunks:
        yield chunk, run_chunk(setup, chunk, keep)
