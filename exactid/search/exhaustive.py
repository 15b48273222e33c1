r"""The exhaustive search for the global minimizers of the NLL over a :class:`~.grid.Family`
(paper 003, J.3.1).

:func:`grid_search` evaluates, at **every** grid point, either the population NLL
(cross-entropy) of a reference model,

.. math::

    H(p, q_\theta) = -\int p(x) \log q_\theta(x)\,dx = H(p) + \mathrm{KL}(p \,\|\, q_\theta),

or the sample NLL of a data set, and returns every point within ``tol`` of the minimum, the
minimum, and the gap to the best point not equivalent to the reference.

Why it is fast.  The integral uses the fixed nodes of :func:`~.rule.quadrature_rule`.  The log
density of one mixture component pushed through one decoder does not depend on the weights or
the other components, so it is computed once per (decoder, component) and shared by every grid
point with that decoder -- and assembled from terms shared between decoders with the same
pieces; per grid point only the mixture sum and one ``log`` per node remain, vectorised.  The
default kernel (``kernel="pruned"``, :mod:`exactid.search._pruned`) visits the nodes heaviest
cell first and stops a point as soon as its objective is certainly above the decoder's
``keep``-th best or, with a reference on the grid, above that reference point's objective plus
``tol`` and :data:`PRUNE_MARGIN` (a bound proved in that module; the kept points are exactly
those of the unpruned kernel); ``kernel="reference"`` is the original kernel
(:mod:`exactid.search._kernels`).  Only one canonical representative per symmetry orbit is
evaluated (:mod:`exactid.search.grid`).  Decoders are processed in chunks (bounded memory,
Ctrl-C within about a second) in parallel with numba ``prange``; each decoder keeps its
``keep`` best points and a lower bound on the rest, and decoders whose unkept points could
still be minimizers are re-run in full.

Accuracy.  Each objective comes with an error estimate: the difference between the Kronrod
result and the embedded 10-point Gauss result (a pessimistic estimate of the Kronrod rule's
error), plus a bound on the neglected tails.  The search reports ``certified = False`` if the
error estimates of the points near the ``minimum + tol`` boundary are too large to decide.
The best candidates are also recomputed by the independent adaptive integrator of
:func:`exactid.cross_entropy`, and the largest difference is reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .. import limits
from ..density import log_pdf
from ..divergence import cross_entropy
from ..errors import Interrupted, LimitExceeded
from ..identifiability import models_equivalent
from ..models import LatentModel
from ..progress import progress_bar
from ..validation import (
    as_float_array,
    check_bool,
    check_instance,
    check_integer,
    check_number,
)
from .checkpoint import Checkpoint, check_directory, search_key
from .chunks import plan, serial_results
from .distributed import dask_results
from .grid import Family, FamilyPoint
from .results import Candidate, SearchResult
from .rule import quadrature_rule

__all__ = ["grid_search", "reference_search", "DEFAULT_TOL", "KEEP_PER_DECODER",
           "DECODERS_PER_CHUNK", "KERNELS", "PRUNE_MARGIN"]

#: Default objective tolerance defining the global minimizers.  It must exceed the quadrature
#: error (about 1e-15 here) and stay below the smallest KL divergence that separates genuinely
#: different grid models: KL values of 1e-11 occur between models that differ only by a tail
#: mass of 3e-5, so a tolerance of 1e-9 would call such models global minimizers.
DEFAULT_TOL = 1e-12
#: Number of best points kept per decoder (more are recovered by re-running a decoder).
KEEP_PER_DECODER = 16
#: Decoders per parallel chunk: small enough that Ctrl-C and the progress bar respond within
#: about a second, large enough to keep both cores busy.
DECODERS_PER_CHUNK = 64
#: The search kernels: ``"pruned"`` (default; :mod:`exactid.search._pruned`), ``"unpruned"``
#: (the same kernel evaluating every node of every point: the same kept points bit for bit,
#: for tests and benchmarks) and ``"reference"`` (:mod:`exactid.search._kernels`, one ``log``
#: per node, every node).
KERNELS = ("pruned", "unpruned", "reference")
#: With a reference on the family's grid, points whose objective exceeds that of the
#: reference's own grid point by more than ``tol + PRUNE_MARGIN`` (nats) are stopped early and
#: only bounded, not kept.  Minimizers are never affected; the gap to the best non-equivalent
#: point is exact whenever it is below about this margin (else a lower bound, as reported).
PRUNE_MARGIN = 1.0


@dataclass
class _Setup:
    """Everything the kernel needs that does not change between chunks.

    The pruned kernel's state (:class:`exactid.search._driver.PrunedDriver`: node order, piece
    cache) is made on first use; its cache is built in each process and never pickled.
    """

    family: Family
    decoders: np.ndarray      # (D, 3, H)
    dec_orbit: np.ndarray     # (D,)
    cfg_atoms: np.ndarray     # (C, J)
    cfg_w: np.ndarray         # (C, J)
    cfg_logw: np.ndarray      # (C, J)
    cfg_orbit: np.ndarray     # (C,)
    atom_mu: np.ndarray       # (A,)
    atom_var: np.ndarray      # (A,)
    x: np.ndarray             # (N,) nodes, the last n_edge only feed the tail bound
    w_main: np.ndarray        # (N,)
    w_check: np.ndarray       # (N,)
    tail_coef: float
    n_edge: int
    kernel: str = "pruned"
    #: Global pruning threshold G (inf: none), fixed before the sweep (_global_threshold).
    threshold: float = np.inf
    #: Per-process counters: (configuration, node) pairs and grid points evaluated.
    nodes_evaluated: int = 0
    points_evaluated: int = 0
    _driver: object = field(default=None, repr=False, compare=False)

    @property
    def n_cfg(self) -> int:
        return len(self.cfg_atoms)

    @property
    def n_dec(self) -> int:
        return len(self.decoders)

    @property
    def n_nodes(self) -> int:
        return self.x.size - self.n_edge

    def run(self, lo: int, hi: int, sigma: float, obj, err, idx, rest) -> None:
        """Evaluate decoders ``lo .. hi - 1`` at noise ``sigma`` into the output arrays
        (``obj``, ``err``, ``idx`` of shape (hi - lo, K), ``rest`` of shape (hi - lo,)).

        With ``K >= C`` (a decoder re-run in full) every point is kept: no global threshold.
        """
        from . import _kernels  # numba: compiled or loaded on first use

        self.nodes_evaluated += _kernels.search_decoders(self, lo, hi, sigma, obj, err, idx,
                                                         rest)
        self.points_evaluated += (hi - lo) * self.n_cfg

    def driver(self):
        """The pruned kernel's state (made on first use)."""
        if self._driver is None:
            from ._driver import PrunedDriver  # lazy: numba kernels behind it

            self._driver = PrunedDriver(self.decoders, self.family.negative_slope,
                                        self.atom_mu, self.atom_var, self.x, self.w_main,
                                        self.w_check, self.n_edge, self.tail_coef)
        return self._driver

    def point(self, sigma_index: int, index: int) -> tuple[FamilyPoint, int]:
        """The grid point of a flat index ``d * C + c`` and its orbit size."""
        d, c = divmod(index, self.n_cfg)
        point = self.family.point(sigma_index, self.decoders[d], self.cfg_atoms[c], self.cfg_w[c])
        return point, int(self.dec_orbit[d] * self.cfg_orbit[c])


@dataclass
class _Kept:
    """Per (noise, decoder): the best objectives kept, their errors and indices, and a lower
    bound on the objectives not kept."""

    obj: np.ndarray   # (S, D, K)
    err: np.ndarray   # (S, D, K)
    idx: np.ndarray   # (S, D, K)
    rest: np.ndarray  # (S, D)

    @classmethod
    def empty(cls, n_sigma: int, n_dec: int, keep: int) -> "_Kept":
        return cls(np.full((n_sigma, n_dec, keep), np.inf), np.zeros((n_sigma, n_dec, keep)),
                   np.full((n_sigma, n_dec, keep), -1, dtype=np.int64),
                   np.full((n_sigma, n_dec), np.inf))

    def store(self, chunk, result) -> None:
        """The kept lists of one finished chunk (:class:`~exactid.search.chunks.ChunkResult`)."""
        s, lo, hi = chunk.sigma_index, chunk.lo, chunk.hi
        self.obj[s, lo:hi], self.err[s, lo:hi] = result.obj, result.err
        self.idx[s, lo:hi], self.rest[s, lo:hi] = result.idx, result.rest

    def replace_decoder(self, s: int, d: int, obj, err, idx) -> None:
        """All points of one decoder (after a full re-run); the kept lists grow to fit."""
        if self.obj.shape[-1] < obj.size:
            self.obj = _grow(self.obj, obj.size, np.inf)
            self.err = _grow(self.err, obj.size, 0.0)
            self.idx = _grow(self.idx, obj.size, -1)
        self.obj[s, d], self.err[s, d], self.idx[s, d] = obj, err, idx
        self.rest[s, d] = np.inf

    def ranked(self):
        """Flat arrays of every kept point in ascending objective (stable order): objective,
        error, index and noise index."""
        order = np.argsort(self.obj, axis=None, kind="stable")
        n_sigma, n_dec, keep = self.obj.shape
        sigma = np.repeat(np.arange(n_sigma), n_dec * keep)[order]
        return self.obj.ravel()[order], self.err.ravel()[order], self.idx.ravel()[order], sigma


def _grow(arr, size, fill):
    out = np.full(arr.shape[:-1] + (size,), fill, dtype=arr.dtype)
    out[..., : arr.shape[-1]] = arr
    return out


def _max_finite(arr) -> float:
    finite = arr[np.isfinite(arr)]
    return float(finite.max()) if finite.size else 0.0


def _check_inputs(family, reference, data, kernel="pruned"):
    check_instance(family, "family", Family)
    if kernel not in KERNELS:
        raise ValueError(f"kernel: expected one of {', '.join(map(repr, KERNELS))}, found "
                         f"{kernel!r}")
    if reference is None and data is None:
        raise ValueError("reference: expected a FamilyPoint or LatentModel (population NLL) "
                         "or data (sample NLL), found neither")
    if reference is not None:
        check_instance(reference, "reference", (FamilyPoint, LatentModel),
                       "a FamilyPoint or LatentModel")


def _reference_model(reference):
    if reference is None:
        return None
    return reference.model() if isinstance(reference, FamilyPoint) else reference


def _nodes(family, ref_model, data):
    """Nodes and weights of the objective (population rule or sample mean)."""
    if data is None:
        if ref_model.noise_std <= 0:
            raise ValueError("reference: the population NLL needs noise_std > 0, found "
                             f"{ref_model.noise_std}")
        return quadrature_rule(ref_model, min(family.noise_stds)) + (2,)
    x = as_float_array(data, "data", (1, 2))
    if x.ndim == 2:
        if x.shape[1] != 1:
            raise ValueError(f"data: expected shape (N,) or (N, 1), found {x.shape}")
        x = x[:, 0]
    if x.size == 0:
        raise ValueError("data: expected at least one observation, found none")
    w = np.full(x.size, 1.0 / x.size)
    return np.ascontiguousarray(x), w, w.copy(), 0.0, 0


def _prepare(family: Family, ref_model, data, canonical: bool, kernel: str = "pruned",
             reference=None, tol: float = DEFAULT_TOL) -> _Setup:
    x, w_main, w_check, tail_coef, n_edge = _nodes(family, ref_model, data)
    atoms = family.atoms()
    cfg_atoms, cfg_w, cfg_orbit = family.configurations(canonical)
    with np.errstate(divide="ignore"):
        cfg_logw = np.log(cfg_w)
    decoders, dec_orbit = family.decoders(canonical)
    setup = _Setup(family, decoders, dec_orbit, cfg_atoms, cfg_w, cfg_logw, cfg_orbit,
                   np.ascontiguousarray(atoms[:, 0]), np.ascontiguousarray(atoms[:, 1]),
                   x, w_main, w_check, tail_coef, n_edge, kernel)
    if kernel == "pruned":
        setup.threshold = _global_threshold(setup, reference, tol)
    return setup


def _global_threshold(setup: _Setup, reference, tol: float) -> float:
    """The global pruning threshold G: the objective of the reference's own grid point plus
    its error estimate, ``tol`` and :data:`PRUNE_MARGIN` (inf without a reference on the grid).

    The minimum of the grid is at most that objective, so every point within ``tol`` of the
    minimum lies below G.  Computed by the search kernel itself, before the sweep, from the
    fixed inputs only: every chunk of the search sees the same G.
    """
    family = setup.family
    if not isinstance(reference, FamilyPoint):
        return np.inf
    try:
        point = family.canonical(reference)
    except ValueError:  # not on this family's grid
        return np.inf
    n_var = len(family.variances)
    atoms = [family.means.index(m) * n_var + family.variances.index(v)
             for m, v in zip(point.means, point.variances)]
    dec = np.array([point.alpha, point.beta, point.pi], dtype=float)
    d = np.flatnonzero(np.all(setup.decoders == dec, axis=(1, 2)))
    c = np.flatnonzero(np.all(setup.cfg_atoms == atoms, axis=1)
                       & np.all(setup.cfg_w == np.array(point.weights), axis=1))
    if d.size == 0 or c.size == 0:
        return np.inf
    cfg = (setup.cfg_atoms[c[:1]], setup.cfg_w[c[:1]], setup.cfg_logw[c[:1]])
    obj, err = np.full((1, 1), np.inf), np.zeros((1, 1))
    # The kernel's own value for the point (same decoder table, same sums as in the sweep).
    setup.driver().run(int(d[0]), int(d[0]) + 1, point.noise_std, cfg, np.inf, False, obj, err,
                       np.full((1, 1), -1, dtype=np.int64), np.full(1, np.inf))
    value = float(obj[0, 0] + err[0, 0]) + tol + PRUNE_MARGIN
    return value if np.isfinite(value) else np.inf


def _sweep(setup: _Setup, kept: _Kept, progress, n_grid_points: int, tol: float,
           client=None, store=None) -> float:
    """Evaluate every chunk of decoders (:mod:`~exactid.search.chunks`): loaded from the
    checkpoint ``store``, else computed here or on the Dask ``client``; return the elapsed
    seconds.  Ctrl-C raises :class:`~exactid.errors.Interrupted` carrying the partial result
    (finished chunks stay in ``store``)."""
    family = setup.family
    n_total = setup.n_dec * len(family.noise_stds)
    chunks = plan(len(family.noise_stds), setup.n_dec, DECODERS_PER_CHUNK)
    # In evaluated grid points, chunks as a postfix; tqdm adds the rate and the time left.
    bar = progress_bar(n_total * setup.n_cfg, "grid search", progress, unit="point",
                       unit_scale=True)
    start, done, keep = time.perf_counter(), 0, kept.obj.shape[-1]
    counter = iter(range(1, len(chunks) + 1))

    def advance(chunk):
        nonlocal done
        done += chunk.hi - chunk.lo
        bar.set_postfix_str(f"chunk {next(counter)}/{len(chunks)}", refresh=False)
        bar.update((chunk.hi - chunk.lo) * setup.n_cfg)

    try:
        todo = []
        for chunk in chunks:
            result = store.load(chunk) if store is not None else None
            if result is None:
                todo.append(chunk)
                continue
            kept.store(chunk, result)
            advance(chunk)
        source = (serial_results(setup, todo, keep) if client is None
                  else dask_results(client, setup, todo, keep))
        for chunk, result in source:
            kept.store(chunk, result)
            if store is not None:
                store.save(chunk, result)
            advance(chunk)
    except KeyboardInterrupt:
        elapsed = time.perf_counter() - start
        n_evaluated = done * setup.n_cfg
        finite = kept.obj[np.isfinite(kept.obj)]
        # Never a result: the partial search travels only inside the exception.
        partial = SearchResult(
            minimum=float(finite.min()) if finite.size else float("inf"), minimizers=[],
            tol=float(tol), n_grid_points=n_grid_points, n_evaluated=n_evaluated,
            n_nodes=setup.n_nodes, elapsed=elapsed,
            throughput=n_evaluated * setup.n_nodes / max(elapsed, 1e-9), certified=False,
            max_error=0.0, interrupted=True)
        raise Interrupted(f"grid search stopped after {done} of {n_total} decoders "
                          f"({n_evaluated:,} of {setup.n_cfg * n_total:,} evaluated points); no "
                          "result", partial=partial) from None
    finally:
        bar.close()
    return time.perf_counter() - start


def _complete(setup: _Setup, kept: _Kept, boundary: float, tol: float,
              max_minimizers: int) -> None:
    """Re-run in full every decoder whose unkept points might still lie below ``boundary``."""
    rerun = list(zip(*np.nonzero(kept.rest < boundary + _max_finite(kept.err))))
    if len(rerun) * setup.n_cfg > 10 * max_minimizers:
        raise LimitExceeded(
            f"tol: {len(rerun)} decoders have all their {kept.obj.shape[-1]} best "
            f"configurations within tol = {tol:g} of the minimum, i.e. more than "
            f"max_minimizers = {max_minimizers} global minimizers; use a smaller tol",
            "MAX_MINIMIZERS")
    n_cfg = setup.n_cfg
    for s, d in rerun:
        obj, err = np.full((1, n_cfg), np.inf), np.zeros((1, n_cfg))
        idx, rest = np.full((1, n_cfg), -1, dtype=np.int64), np.full(1, np.inf)
        setup.run(d, d + 1, setup.family.noise_stds[s], obj, err, idx, rest)
        kept.replace_decoder(s, d, obj[0], err[0], idx[0])


def _check_run(family, reference, progress, canonical, checkpoint):
    """The remaining checks before any work; returns the reference model (or None)."""
    if progress is not None:
        check_bool(progress, "progress")
    family.check_size(canonical)
    ref_model = _reference_model(reference)
    if ref_model is not None and (ref_model.latent_dim != 1 or ref_model.observed_dim != 1):
        raise NotImplementedError("grid_search: only m = n = 1 models are supported")
    if checkpoint is not None:
        check_directory(checkpoint)
    return ref_model


def grid_search(family: Family | None = None, reference=None, *, data=None,
                tol: float = DEFAULT_TOL, kernel: str = "pruned", canonical: bool = True,
                progress: bool = False, crosscheck: int = 16, keep: int = KEEP_PER_DECODER,
                equivalence_atol: float = 1e-9, max_minimizers: int = limits.MAX_MINIMIZERS,
                client=None, checkpoint=None) -> SearchResult:
    """Exhaustive search of the NLL over every point of ``family``.

    Parameters
    ----------
    family : Family, optional
        The grid (default: the J.3.1 family, ``Family()``).
    reference : FamilyPoint or LatentModel, optional
        The ground truth: the objective is its cross-entropy ``H(p, q)`` (unless ``data`` is
        given), and minimizers are classified as equivalent to it or not.
    data : array_like, shape (N,), optional
        Observations: the objective is the sample NLL ``-mean log q(x_i)`` instead.
    tol : float
        A point is a global minimizer if its objective is within ``tol`` of the minimum.  It
        must exceed the quadrature error (the error estimates are reported); see
        :data:`DEFAULT_TOL`.
    kernel : {"pruned", "unpruned", "reference"}
        The search kernel (:data:`KERNELS`; the default stops points early, see
        :data:`PRUNE_MARGIN`): the same minimizers, objectives within their error estimates.
    client, checkpoint : distributed.Client, path, optional
        Chunks on a Dask cluster (:mod:`~.distributed`, bit-identical), and a resumable record
        of finished chunks (:mod:`~.checkpoint`).
    canonical : bool
        Evaluate one representative per symmetry orbit (default) or every grid point.
    progress : bool or None
        A progress bar on stderr (None: only on a terminal; see :mod:`exactid.progress`).
    crosscheck : int
        Recompute this many best points with the adaptive :func:`exactid.cross_entropy`.
    keep : int
        Best points kept per decoder before re-running it in full.
    equivalence_atol : float
        Tolerance of :func:`exactid.identifiability.models_equivalent`.
    max_minimizers : int
        Refuse (:class:`~exactid.errors.LimitExceeded`) to list more grid points within
        ``tol`` of the minimum than this (default :data:`exactid.limits.MAX_MINIMIZERS`): a
        tolerance that admits more is almost always a mistake, and classifying them all would
        take hours.

    Returns
    -------
    SearchResult

    Raises
    ------
    exactid.errors.Interrupted
        On Ctrl-C, between chunks of decoders (about a second).  It is a
        :class:`KeyboardInterrupt`, so the caller stops as for any Ctrl-C; its ``partial``
        attribute holds the incomplete result (``interrupted = True``, only the decoders done
        so far, no classification), which must not be read as a search result.
    LimitExceeded
        If the family is too large to enumerate (:meth:`Family.check_size`), or more than
        ``max_minimizers`` points lie within ``tol`` of the minimum.
    """
    family = Family() if family is None else family
    _check_inputs(family, reference, data, kernel)
    tol = check_number(tol, "tol", "a finite number >= 0", lambda v: v >= 0)
    max_minimizers = check_integer(max_minimizers, "max_minimizers", 1)
    keep = check_integer(keep, "keep", 1)
    crosscheck = check_integer(crosscheck, "crosscheck", 0)
    ref_model = _check_run(family, reference, progress, canonical, checkpoint)
    setup = _prepare(family, ref_model, data, canonical, kernel, reference, tol)
    n_sigma = len(family.noise_stds)
    n_grid_points = family.n_grid_points if canonical else setup.n_cfg * setup.n_dec * n_sigma
    kept = _Kept.empty(n_sigma, setup.n_dec, max(1, min(keep, setup.n_cfg)))
    store = None if checkpoint is None else Checkpoint(checkpoint, search_key(
        setup, reference, data, canonical, kept.obj.shape[-1], DECODERS_PER_CHUNK))
    elapsed = _sweep(setup, kept, progress, n_grid_points, tol, client, store)
    minimum = float(kept.obj.min())
    _complete(setup, kept, minimum + tol, tol, max_minimizers)
    result, ranked = _collect(setup, kept, minimum, tol, max_minimizers, n_grid_points, elapsed,
                              reference)
    if data is None and crosscheck > 0 and ref_model is not None:
        result.crosscheck = _crosscheck(ref_model, ranked, crosscheck)
    if ref_model is not None:
        _classify(result, ref_model, ranked, kept.rest, minimum, equivalence_atol)
    return result


def _collect(setup, kept, minimum, tol, max_minimizers, n_grid_points, elapsed, reference):
    """The :class:`SearchResult` without classification, and the ranked candidates: a list-like
    ``ranked`` with ``ranked.objective[k]`` and ``ranked.candidate(k)``."""
    obj, err, idx, sigma = kept.ranked()
    ranked = _Ranked(setup, obj, err, idx, sigma)
    boundary = minimum + tol
    inside = np.nonzero((obj <= boundary) & (idx >= 0))[0]
    if inside.size > max_minimizers:
        raise LimitExceeded(
            f"tol: {inside.size} grid points lie within tol = {tol:g} of the minimum, more than "
            f"max_minimizers = {max_minimizers}; use a smaller tol", "MAX_MINIMIZERS")
    max_err = float(err[inside].max()) if inside.size else 0.0
    # Certified when no point's error interval straddles the boundary.
    straddle = (np.abs(obj - boundary) <= err + max_err) & (idx >= 0)
    n_evaluated = setup.n_cfg * setup.n_dec * len(setup.family.noise_stds)
    result = SearchResult(
        minimum=minimum, minimizers=[ranked.candidate(k) for k in inside], tol=float(tol),
        n_grid_points=n_grid_points, n_evaluated=n_evaluated, n_nodes=setup.n_nodes,
        elapsed=elapsed, throughput=n_evaluated * setup.n_nodes / max(elapsed, 1e-9),
        certified=not straddle.any(), max_error=max_err, interrupted=False,
        reference=reference if isinstance(reference, FamilyPoint) else None)
    return result, ranked


@dataclass
class _Ranked:
    """Every kept point in ascending objective."""

    setup: _Setup
    objective: np.ndarray
    error: np.ndarray
    index: np.ndarray
    sigma: np.ndarray

    def valid(self, k: int) -> bool:
        return self.index[k] >= 0 and np.isfinite(self.objective[k])

    def candidate(self, k: int) -> Candidate:
        point, orbit = self.setup.point(int(self.sigma[k]), int(self.index[k]))
        return Candidate(point, float(self.objective[k]), float(self.error[k]), orbit)


def _crosscheck(ref_model, ranked: _Ranked, n: int):
    """Largest difference between the fast objective and the adaptive cross-entropy over the
    ``n`` best points (None if there are none)."""

    diffs = []
    for k in range(min(n, ranked.objective.size)):
        if not ranked.valid(k):
            break
        ref_val = cross_entropy(ref_model, ranked.candidate(k).point.model(), tol=1e-12)
        diffs.append(abs(ref_val.value - ranked.objective[k]))
    return float(max(diffs)) if diffs else None


def _classify(result, ref_model, ranked: _Ranked, rest, minimum, atol):
    """Equivalence of the minimizers to the reference and the gap to non-equivalent points."""

    equiv = []
    for cand in result.minimizers:
        e = models_equivalent(ref_model, cand.point.model(), atol=atol)
        equiv.append((bool(e.priors), bool(e.full)))
    result.equivalence = equiv
    # Walk the kept points in ascending order until the first non-equivalent one.  Points not
    # kept have objective >= their decoder's last kept value, so a decoder whose kept points
    # are all equivalent bounds the unseen ones by that value.
    for k in range(ranked.objective.size):
        if not ranked.valid(k):
            break
        cand = ranked.candidate(k)
        if k < len(result.minimizers):
            full = equiv[k][1]
        else:
            full = bool(models_equivalent(ref_model, cand.point.model(), atol=atol).full)
        if not full:
            result.best_nonequivalent = cand
            result.gap_to_nonequivalent = float(cand.objective - minimum)
            break
    # A decoder whose every kept point is at most as good as the best non-equivalent one might
    # hide a better non-equivalent point beyond its kept list.
    hidden = float(np.min(rest)) if rest.size else np.inf
    threshold = (result.best_nonequivalent.objective if result.best_nonequivalent is not None
                 else np.inf)
    if hidden < threshold:
        # Including the case where every kept point is equivalent but some were not kept.
        result.gap_is_lower_bound = True
        result.gap_to_nonequivalent = float(max(hidden - minimum, 0.0))


def reference_search(family: Family, reference, *, tol: float = DEFAULT_TOL,
                     adaptive: bool = True):
    """Slow, obviously correct search: every grid point built as a model and evaluated alone.

    Parameters
    ----------
    family : Family
    reference : FamilyPoint or LatentModel
    tol : float
    adaptive : bool
        True: each objective by the adaptive :func:`exactid.cross_entropy` (independent
        quadrature); False: by :func:`exactid.log_pdf` at the fixed nodes of the fast search
        (the plain per-point path).

    Returns
    -------
    points : list of FamilyPoint
        Every grid point, in the order of ``Family.configurations(False)`` within
        ``Family.decoders(False)`` within the noise grid.
    objectives : ndarray, shape (len(points),)
    minimizer_indices : ndarray of int
        Indices of the points within ``tol`` of the minimum.
    """

    ref_model = _reference_model(reference)
    cfg_atoms, cfg_w, _ = family.configurations(False)
    decoders, _ = family.decoders(False)
    if not adaptive:
        x, w_main, _, _, n_edge = _nodes(family, ref_model, None)
        x, w_main = x[: x.size - n_edge], w_main[: x.size - n_edge]
    points, values = [], []
    for s in range(len(family.noise_stds)):
        for dec in decoders:
            for atoms, w in zip(cfg_atoms, cfg_w):
                point = family.point(s, dec, atoms, w)
                model = point.model()
                if adaptive:
                    value = cross_entropy(ref_model, model, tol=1e-12).value
                else:
                    value = -float(np.dot(w_main, log_pdf(model, x)))
                points.append(point)
                values.append(value)
    values = np.array(values)
    return points, values, np.nonzero(values <= values.min() + tol)[0]
