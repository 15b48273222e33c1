"""Runs the pruned search kernel (:mod:`exactid.search._pruned`) for
:mod:`exactid.search.exhaustive`: the kernel's node order, the piece cache, and the two passes
over a chunk of decoders.

* **Node order.**  The fixed rule's cells (21-point Gauss-Kronrod) heaviest first, then the
  two window ends; for a sample NLL, blocks of :data:`DATA_BLOCK` observations in their order.
  The first cells holding all but :data:`HEAD_TAIL_WEIGHT` of the weight are the *head*.
* **Piece cache** (:mod:`exactid.search._pieces`): built per process and noise level, at most
  :data:`MAX_CACHE_BYTES` (else tables are computed per decoder); filled for every piece at the
  window ends when first used, and at the nodes only for the pieces of decoders that are
  evaluated.  It is never pickled (Dask workers build their own).
* **Two passes per chunk** of :func:`~exactid.search._pruned.search_chunk`: the first settles
  the decoders whose envelope certainly exceeds the global threshold, from a cheap bound on the
  head; the cache is completed for the pieces of the others, which the second evaluates.  The
  cache's contents are pure functions of the inputs, so results do not depend on what was
  cached before: every chunk gives the same numbers wherever it runs.
"""

from __future__ import annotations

import math
import threading

import numpy as np

#: Nodes per cell of the fixed rule and observations per block of a sample: the kernel's unit
#: of work between two threshold checks.
RULE_CELL = 21
DATA_BLOCK = 32
#: The head: the heaviest cells holding all but this fraction of the main rule's weight.
HEAD_TAIL_WEIGHT = 1e-3
#: Largest piece cache (bytes); beyond it the per-atom tables are computed per decoder.
MAX_CACHE_BYTES = 2**30
#: The bound on log densities is -log(sqrt(2 pi) sigma) plus this (never reached; see
#: exactid.search._pieces.envelope).
CAP_MARGIN = 1e-9

_LOCK = threading.RLock()


def node_order(x, w_main, w_check, n_edge: int) -> dict:
    """The kernel's node order.

    Parameters
    ----------
    x, w_main, w_check : ndarray, shape (N + n_edge,)
        Nodes and weights of :func:`exactid.search.exhaustive` (the window ends last).
    n_edge : int

    Returns
    -------
    dict
        ``x``, ``w_main``, ``w_check`` permuted (shape (N + n_edge,)), ``cell_start`` (shape
        (n_cells + 1,)) and ``n_head`` (cells).
    """
    n = x.size - n_edge
    size = RULE_CELL if n_edge else DATA_BLOCK
    cell_start = np.unique(np.append(np.arange(0, n, size), n))
    if n_edge and not _is_kronrod(w_check[:n], size):
        cell_start = np.array([0, n])  # an unknown rule: one cell, no early stop
    starts, stops = cell_start[:-1], cell_start[1:]
    weight = np.add.reduceat(w_main[:n], starts)
    cells = np.argsort(-weight, kind="stable") if n_edge else np.arange(starts.size)
    perm = np.concatenate([np.arange(starts[k], stops[k]) for k in cells]
                          + [np.arange(n, n + n_edge)]).astype(np.int64)
    tail = np.cumsum(weight[cells][::-1])[::-1]  # weight of cells k, k + 1, ...
    n_head = int(np.count_nonzero(tail > HEAD_TAIL_WEIGHT * tail[0])) if n else 0
    return dict(x=np.ascontiguousarray(x[perm]), w_main=np.ascontiguousarray(w_main[perm]),
                w_check=np.ascontiguousarray(w_check[perm]),
                cell_start=np.concatenate([[0], np.cumsum((stops - starts)[cells])]).astype(
                    np.int64), n_head=max(n_head, 1) if n else 0)


def _is_kronrod(w_check, size: int) -> bool:
    """Whether the check weights have the fixed rule's cell pattern (the embedded Gauss rule
    uses every other node of each ``size``-node cell), so that cells can be told apart."""
    if w_check.size % size:
        return False
    return bool(np.all(w_check.reshape(-1, size)[:, 0::2] == 0.0))


class PrunedDriver:
    """The pruned kernel's state for one search: node order and (per process) piece cache.

    Parameters
    ----------
    decoders : ndarray, shape (D, 3, H)
        Every decoder of the search.
    negative_slope : float
    atom_mu, atom_var : ndarray, shape (A,)
    x, w_main, w_check : ndarray, shape (N + n_edge,)
    n_edge : int
    tail_coef : float
    """

    def __init__(self, decoders, negative_slope, atom_mu, atom_var, x, w_main, w_check,
                 n_edge, tail_coef):
        self.decoders = decoders
        self.negative_slope = float(negative_slope)
        self.atom_mu, self.atom_var = atom_mu, atom_var
        self.order = node_order(x, w_main, w_check, n_edge)
        self.n_edge, self.tail_coef = int(n_edge), float(tail_coef)
        self._cache: dict = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_cache"] = {}  # rebuilt where it is used
        return state

    def _pieces(self, sigma: float):
        """Piece keys of every decoder and the cache at ``sigma`` (one noise level at a
        time), filled at the window ends."""
        from . import _pieces  # numba: compiled or loaded on first use

        cache = self._cache
        if "keys" not in cache:
            cache["keys"] = _pieces.piece_keys(self.decoders, self.negative_slope)
        keys, decoder_keys = cache["keys"]
        if cache.get("sigma") != sigma:
            cache.pop("terms", None)
            x, order = self.order["x"], self.order
            n_nodes = int(order["cell_start"][-1])
            size = _pieces.cache_bytes(len(keys), self.atom_mu.size, x.size)
            terms = np.empty((len(keys) if size <= MAX_CACHE_BYTES else 0, self.atom_mu.size,
                              x.size))
            _pieces.fill_terms(terms, np.arange(terms.shape[0], dtype=np.int64), keys,
                               self.atom_mu, self.atom_var, sigma, x, n_nodes, x.size)
            cache.update(sigma=sigma, terms=terms, ready=np.zeros(terms.shape[0], dtype=bool))
        return keys, decoder_keys, cache["terms"], cache["ready"]

    def _scratch(self, n: int):
        """Per-thread work arrays for ``n`` decoders (reused: fresh large arrays would cost
        a page fault per 4 KB on every chunk)."""
        shape = (self.atom_mu.size, self.order["x"].size)
        key = ("scratch", threading.get_ident())
        with _LOCK:
            arrays = self._cache.get(key)
            if arrays is None or arrays[0].shape[0] < n:
                arrays = (np.empty((n,) + shape), np.empty((n, shape[1])),
                          np.empty((n,) + shape))
                self._cache[key] = arrays
        return tuple(a[:n] for a in arrays)

    def _complete(self, keys, terms, ready, rows, sigma):
        """Fill the cache at every node for the pieces ``rows`` not filled yet."""
        from . import _pieces  # numba: compiled or loaded on first use

        rows = np.unique(rows[rows >= 0])
        rows = rows[~ready[rows]]
        if rows.size:
            _pieces.fill_terms(terms, rows, keys, self.atom_mu, self.atom_var, sigma,
                               self.order["x"], 0, int(self.order["cell_start"][-1]))
            ready[rows] = True

    def run(self, lo, hi, sigma, cfg, threshold, prune, obj, err, idx, rest) -> int:
        """Decoders ``lo .. hi - 1`` at noise ``sigma`` into the output arrays; returns the
        number of (configuration, node) pairs evaluated.

        Parameters
        ----------
        cfg : tuple
            ``(cfg_atoms, cfg_w, cfg_logw)``, shapes (C, J).
        threshold : float
        prune : bool
        obj, err, idx : ndarray, shape (hi - lo, K)
        rest : ndarray, shape (hi - lo,)
        """
        import numba  # lazy: only the kernels need it

        from . import _pruned  # numba: compiled or loaded on first use

        order = self.order
        with _LOCK:
            keys, decoder_keys, terms, ready = self._pieces(sigma)
        cap = -math.log(math.sqrt(2.0 * math.pi) * sigma) + CAP_MARGIN
        grid = (decoder_keys[lo:hi], terms, self.decoders[lo:hi], self.negative_slope,
                self.atom_mu, self.atom_var, float(sigma), order["x"], keys)
        rule = (order["w_main"], order["w_check"], order["cell_start"], self.n_edge,
                self.tail_coef, cap, order["n_head"])
        n = hi - lo
        tables, shifts, scaled = self._scratch(n)
        live = np.zeros(n, dtype=bool)
        counts = np.zeros(n, dtype=np.int64)
        state = (tables, shifts, scaled, live, obj, err, idx, rest, counts)
        # Decoders cost very different times (settled early or not): hand them out to the
        # threads one at a time instead of in two fixed halves.
        with numba.parallel_chunksize(1):
            _pruned.search_chunk(grid, rule, cfg, lo, threshold, prune, 0, *state)
            if live.any():
                if terms.shape[0]:
                    with _LOCK:
                        self._complete(keys, terms, ready, decoder_keys[lo:hi][live].ravel(),
                                       sigma)
                _pruned.search_chunk(grid, rule, cfg, lo, threshold, prune, 1, *state)
        return int(counts.sum())
