r"""The pruned search kernel: certified early stopping, cell by cell, with vectorised inner loops.

Same job as :func:`exactid.search._kernels.search_decoders_reference`: for each decoder, the
objective :math:`F(c) = -\sum_i w_i \log q_c(x_i)` of every mixture configuration ``c``, the
``K`` best kept with their error estimates, and a lower bound ``rest`` on the others.  What
makes it faster:

* **Shared tables.**  The per-atom log densities come from the piece cache of
  :mod:`exactid.search._pieces` instead of being recomputed per decoder.
* **Vectorised loops.**  Per block of nodes the mixture sum, the ``log``
  (:func:`exactid.search._vecmath.log_normal1`) and the weighted sums (eight interleaved
  partial sums, :func:`_sum8`) run as SIMD loops; no ``fastmath``: the results do not depend
  on the vector width.
* **Pruning.**  The nodes are visited cell by cell, heaviest cell first (:mod:`._driver`), and
  a configuration is stopped as soon as its objective is certainly above a threshold ``T``:
  the decoder's current ``K``-th best objective (it could not enter the top list) or the
  global threshold ``G`` fixed before the search (:func:`exactid.search.exhaustive.grid_search`
  with a reference on the grid; else ``inf``).  A decoder whose envelope ``B`` (below) is
  above ``G`` is settled without evaluating any configuration -- mostly before its table is
  even computed, from a bound that needs no special function (:func:`search_chunk`, stage 0).

The bound.  Let ``shift_i = max_a log p_a(x_i)`` over all atoms.  ``q_c`` is a convex
combination of atom densities, so ``q_c(x) <= max_a p_a(x)`` everywhere and
``e_i = shift_i - log q_c(x_i) >= 0``.  With ``B = -sum_i w_i shift_i`` (one number per
decoder),

.. math::

    F(c) = B + \sum_i w_i e_i \ge B + \sum_{i \in S} w_i e_i \ge B

for every set ``S`` of nodes already summed, since the weights are non-negative (Kronrod and
Gauss weights times the reference density; ``1/n`` for a sample).  The kernel computes
``F(c)`` as ``fl(B + E)`` with ``E`` the floating-point sum of the non-negative per-cell sums
in a fixed order, and ``e_i`` clamped at 0 (it can round to -1e-16): floating-point addition
of a non-negative number never decreases a sum, and rounding is monotone, so the partial value
``fl(B + E_S)`` is at most the full ``fl(B + E)`` *exactly*.  A configuration is stopped only
when ``fl(B + E_S) > T``; then its computed objective exceeds ``T`` and it would not have been
kept either.  Hence the kept lists -- points, objectives, error estimates -- are bit for bit
those of the same kernel without pruning (``prune = False``) restricted to objectives at most
``G``; only ``rest`` changes.  Likewise for a whole decoder, ``F(c) >= B`` for every ``c``:
stage 0 bounds ``B`` from below without the table, replacing ``shift_i`` at the first
(heaviest) cells by an upper bound free of special functions
(:func:`exactid.search._pieces.upper_envelope`) and at the other cells by
``cap = -log(sqrt(2 pi) sigma)`` (the noise's density at its mode, plus 1e-9; ``shift`` is
clipped there, which it never reaches).  Summed with the same operations in the same order
(:func:`_head_bounds`), monotonicity again makes this an exact lower bound of the computed
``B``.

The lower bound of a stopped point.  ``rest`` must bound the *true* objective of every point
not kept (the reference kernel uses ``F - err`` with ``err = |F - F_check| + tail``).  For a
point stopped after the cells in ``S`` we use the per-cell form of the same error model (that
of adaptive Gauss-Kronrod quadrature): on each cell ``k`` the true integral of
``p (-log q_c)`` is at least ``K_k - |K_k - G_k|`` (Kronrod and embedded Gauss results of the
cell); on a cell not yet summed it is at least that of ``p (-log max_a p_a)``, whose Kronrod
and Gauss results ``B_k``, ``B'_k`` are known per decoder, so it is at least
``B_k - |B_k - B'_k|`` (for a decoder settled in stage 0: the same with the upper envelope
at the first cells, and ``-cap`` times the cell's mass of ``p`` at the others, since
``-log q >= -cap``); outside the window the tail term is charged as for kept points (bounded
over all configurations, :func:`_tail_bound`).  Thus

.. math::

    F_{\text{true}}(c) \ge \sum_{k \in S} (K_k - |K_k - G_k|)
        + \sum_{k \notin S} (B_k - |B_k - B'_k|) - \text{tail} - \delta,

with ``delta`` a bound on the rounding of these sums.  The kernel reports the smaller of this
and ``fl(B + E_S)`` (a lower bound on the computed objective, needed because minimizers are
defined by computed objectives): ``rest`` stays a lower bound of both, only weaker than the
reference's where points were stopped.  For a sample NLL the check weights equal the main
ones and the bound is the partial sum itself.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ._kernels import insert_top
from ._pieces import cached_table, direct_table, envelope, upper_envelope
from ._vecmath import log_normal1

_JIT = dict(cache=True, error_model="numpy", nogil=True)

#: Below this mixture sum (relative to the envelope) a node is recomputed in log space, as in
#: the reference kernel.
UNDERFLOW = 1e-290
#: Unit roundoff of float64.
ROUNDOFF = 2.0 ** -53
U0, U1, U2, U3, U4, U5, U6, U7, U8 = (np.uint64(k) for k in range(9))


@nb.njit(**_JIT)
def _log_space(c, i, cfg_atoms, cfg_logw, table, shift):
    """``-log q_c(x_i) + shift_i`` by log-sum-exp (inf if every term is -inf)."""
    n_comp = cfg_atoms.shape[1]
    top = -math.inf
    for j in range(n_comp):
        top = max(top, cfg_logw[c, j] + table[cfg_atoms[c, j], i])
    if top == -math.inf:
        return math.inf
    acc = 0.0
    for j in range(n_comp):
        acc += math.exp(cfg_logw[c, j] + table[cfg_atoms[c, j], i] - top)
    return shift[i] - (top + math.log(acc))


@nb.njit(**_JIT)
def _excess(c, i0, i1, cfg_atoms, cfg_w, cfg_logw, table, shift, scaled, ebuf, sbuf):
    """``ebuf[t] = max(0, -log q_c(x_i) + shift_i)`` for the nodes ``i = i0 + t < i1``."""
    # Loops over 0-based slices (an offset index of unknown sign would stop vectorisation).
    n = i1 - i0
    n_comp = cfg_atoms.shape[1]
    row = scaled[cfg_atoms[c, 0], i0:i1]
    w0 = cfg_w[c, 0]
    for t in range(n):
        sbuf[t] = w0 * row[t]
    for j in range(1, n_comp):
        row = scaled[cfg_atoms[c, j], i0:i1]
        wj = cfg_w[c, j]
        for t in range(n):
            sbuf[t] += wj * row[t]
    n_low = 0
    for t in range(n):
        s = sbuf[t]
        low = s <= UNDERFLOW
        n_low += low
        e = -log_normal1(1.0 if low else s)
        ebuf[t] = e if e > 0.0 else 0.0
    if n_low:
        # A mixture with almost no mass where the envelope has it: exact log-sum-exp.
        for t in range(n):
            if sbuf[t] <= UNDERFLOW:
                e = _log_space(c, i0 + t, cfg_atoms, cfg_logw, table, shift)
                ebuf[t] = e if e > 0.0 else 0.0


@nb.njit(**_JIT)
def _sum8(p, a, b):
    """``sum(p[a:b])`` in a fixed order: eight interleaved partial sums (the remainder spread
    over them), then a balanced tree -- short dependency chains, and SIMD-friendly."""
    # Unsigned indices: numba then need not wrap negative ones around (that costs 3x here).
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    i = np.uint64(a)
    end = np.uint64(b)
    while i + U8 <= end:
        s0 += p[i]
        s1 += p[i + U1]
        s2 += p[i + U2]
        s3 += p[i + U3]
        s4 += p[i + U4]
        s5 += p[i + U5]
        s6 += p[i + U6]
        s7 += p[i + U7]
        i += U8
    n = end - i
    s0 += p[i] if n > U0 else 0.0
    s1 += p[i + U1] if n > U1 else 0.0
    s2 += p[i + U2] if n > U2 else 0.0
    s3 += p[i + U3] if n > U3 else 0.0
    s4 += p[i + U4] if n > U4 else 0.0
    s5 += p[i + U5] if n > U5 else 0.0
    s6 += p[i + U6] if n > U6 else 0.0
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@nb.njit(**_JIT)
def _products(w_main, w_check, i0, i1, ebuf, pm, pc):
    """``pm[t] = w_main[i0 + t] * ebuf[t]`` and the same with ``w_check``, for ``i0 + t < i1``."""
    wm = w_main[i0:i1]
    wc = w_check[i0:i1]
    for t in range(i1 - i0):
        pm[t] = wm[t] * ebuf[t]
        pc[t] = wc[t] * ebuf[t]


@nb.njit(**_JIT)
def _cell_shift_sums(w_main, w_check, shift, lo, hi, magnitude):
    """Main and check sums of ``w * shift`` over nodes ``lo .. hi - 1``, and ``magnitude`` plus
    their ``(w_main + w_check) |shift|``.  One definition for :func:`_envelope_cells` and
    :func:`_head_bounds`, so that the head bound adds exactly the floats ``B`` is made of."""
    sm = 0.0
    sc = 0.0
    for i in range(lo, hi):
        sm += w_main[i] * shift[i]
        sc += w_check[i] * shift[i]
        magnitude += (w_main[i] + w_check[i]) * abs(shift[i])
    return sm, sc, magnitude


@nb.njit(**_JIT)
def _envelope_cells(shift, w_main, w_check, cell_start, bm, bc, lower):
    """Per cell ``k`` the main and check sums ``bm[k]``, ``bc[k]`` of ``-w shift``, and the
    suffix sums ``lower[k] = sum_{k' >= k} (bm - |bm - bc|)`` (``lower[n_cells] = 0``).

    Returns
    -------
    (B, B_check, sum_i (w_main + w_check) |shift_i|)
    """
    n_cells = cell_start.shape[0] - 1
    total_m = 0.0
    total_c = 0.0
    magnitude = 0.0
    for k in range(n_cells):
        sm, sc, magnitude = _cell_shift_sums(w_main, w_check, shift, cell_start[k],
                                             cell_start[k + 1], magnitude)
        bm[k] = -sm
        bc[k] = -sc
        total_m += bm[k]
        total_c += bc[k]
    lower[n_cells] = 0.0
    for k in range(n_cells - 1, -1, -1):
        lower[k] = lower[k + 1] + (bm[k] - abs(bm[k] - bc[k]))
    return total_m, total_c, magnitude


@nb.njit(**_JIT)
def _edge(c, n_nodes, n_edge, cfg_atoms, cfg_w, cfg_logw, table, shift, scaled):
    """``max |log q_c|`` over the window ends (the last ``n_edge`` nodes), 0 if none."""
    edge = 0.0
    n_comp = cfg_atoms.shape[1]
    for i in range(n_nodes, n_nodes + n_edge):
        s = 0.0
        for j in range(n_comp):
            s += cfg_w[c, j] * scaled[cfg_atoms[c, j], i]
        if s > UNDERFLOW:
            e = -math.log(s)
        else:
            e = _log_space(c, i, cfg_atoms, cfg_logw, table, shift)
        edge = max(edge, abs(shift[i] - e))
    return edge


@nb.njit(**_JIT)
def _tail_bound(rule, cfg, table, shift):
    """A tail term at least that of every configuration of a decoder: at a window end
    ``log q_c`` lies between ``log(smallest positive weight) + min_a log p_a`` and the
    envelope ``shift``, so ``|log q_c|`` is at most the larger magnitude of the two."""
    cell_start, n_edge, tail_coef = rule[2], rule[3], rule[4]
    n_nodes = cell_start[cell_start.shape[0] - 1]
    cfg_w = cfg[1]
    w_min = math.inf
    for c in range(cfg_w.shape[0]):
        for j in range(cfg_w.shape[1]):
            if cfg_w[c, j] > 0.0:
                w_min = min(w_min, cfg_w[c, j])
    edge = 0.0
    for i in range(n_nodes, n_nodes + n_edge):
        low = table[0, i]
        for a in range(1, table.shape[0]):
            low = min(low, table[a, i])
        edge = max(edge, abs(shift[i]), abs(math.log(w_min) + low))
    return tail_coef * (1.0 + edge * (1.0 + 1e-12))


@nb.njit(**_JIT)
def _checkpoints(n_cells, prune):
    """Cells after which the threshold is checked: 1, 2, 4, 8, ... (the heaviest cells in small
    blocks, the light tail in growing ones), and always the last; only the last without
    pruning."""
    ends = np.empty(n_cells, dtype=np.int64)
    n = 0
    k = 1
    while prune and k < n_cells:
        ends[n] = k
        n += 1
        k *= 2
    ends[n] = n_cells
    return ends[: n + 1]


@nb.njit(**_JIT)
def _evaluate(c, ends, limit, tail, table, shift, scaled, w_main, w_check, cell_start, bm, bc,
              lower, totals, cfg_atoms, cfg_w, cfg_logw, work, trace):
    """One configuration, block by block (cells ``ends[b-1] .. ends[b] - 1``), stopped as soon
    as its objective is certainly above ``limit``.

    ``totals`` is from :func:`_prepare_decoder`; ``work`` is scratch of shape (4, N); with a
    non-empty ``trace`` of shape (len(ends), 2), row ``b`` receives the two lower bounds after
    block ``b`` (on the computed objective, and the one reported for a stopped point).

    ``tail`` (at least the configuration's tail term) enters the bound of a stopped point.

    Returns
    -------
    (stopped, value, error, nodes evaluated)
        ``value`` is the objective (error: its estimate without the tail term) or, if
        stopped, the lower bound.
    """
    base_m, base_c, slack = totals[0], totals[1], totals[2]
    ebuf, sbuf, pm, pc = work[0], work[1], work[2], work[3]
    sum_m = 0.0
    sum_c = 0.0
    cells_lower = 0.0
    n_evaluated = 0
    k0 = 0
    for b in range(ends.shape[0]):
        k1 = ends[b]
        i0 = cell_start[k0]
        _excess(c, i0, cell_start[k1], cfg_atoms, cfg_w, cfg_logw, table, shift, scaled, ebuf,
                sbuf)
        _products(w_main, w_check, i0, cell_start[k1], ebuf, pm, pc)
        for k in range(k0, k1):
            part_m = _sum8(pm, cell_start[k] - i0, cell_start[k + 1] - i0)
            part_c = _sum8(pc, cell_start[k] - i0, cell_start[k + 1] - i0)
            sum_m += part_m
            sum_c += part_c
            cell_m = bm[k] + part_m
            cell_c = bc[k] + part_c
            cells_lower += cell_m - abs(cell_m - cell_c)
        n_evaluated += cell_start[k1] - i0
        k0 = k1
        partial = base_m + sum_m
        if trace.shape[0] or partial > limit:
            bound = min(partial, cells_lower + lower[k1] - tail
                        - slack * (abs(base_m) + totals[3] + sum_m + sum_c + 1.0))
            if trace.shape[0]:
                trace[b, 0] = partial
                trace[b, 1] = bound
            if partial > limit:
                return True, bound, 0.0, n_evaluated
    obj = base_m + sum_m
    return False, obj, abs(obj - (base_c + sum_c)), n_evaluated


@nb.njit(**_JIT)
def _prepare_decoder(shift, w_main, w_check, cell_start):
    """From the envelope ``shift`` of a decoder: per-cell sums and lower bounds, and the
    totals ``(B, B_check, rounding slack per unit of magnitude, sum (w + w') |shift|)``."""
    n_cells = cell_start.shape[0] - 1
    bm = np.empty(n_cells)
    bc = np.empty(n_cells)
    lower = np.empty(n_cells + 1)
    base_m, base_c, magnitude = _envelope_cells(shift, w_main, w_check, cell_start, bm, bc,
                                                lower)
    totals = np.empty(4)
    totals[0] = base_m
    totals[1] = base_c
    totals[2] = 4.0 * (cell_start[n_cells] + n_cells + 8) * ROUNDOFF
    totals[3] = magnitude
    return bm, bc, lower, totals


@nb.njit(**_JIT)
def _empty_lists(best_obj, best_err, best_idx):
    for r in range(best_obj.shape[0]):
        best_obj[r] = math.inf
        best_err[r] = 0.0
        best_idx[r] = -1


@nb.njit(**_JIT)
def _search_one_decoder(table, shift, scaled, rule, cfg, threshold, prune, best_obj, best_err,
                        best_idx, offset):
    """Every configuration of one decoder whose ``table``, ``shift`` and ``scaled`` are
    filled; returns ``(rest, nodes evaluated)``."""
    w_main, w_check, cell_start, n_edge, tail_coef = rule[0], rule[1], rule[2], rule[3], rule[4]
    cfg_atoms, cfg_w, cfg_logw = cfg
    n_cells = cell_start.shape[0] - 1
    n_nodes = cell_start[n_cells]
    keep = best_obj.shape[0]
    bm, bc, lower, totals = _prepare_decoder(shift, w_main, w_check, cell_start)
    _empty_lists(best_obj, best_err, best_idx)
    tail_max = _tail_bound(rule, cfg, table, shift)
    if prune and totals[0] > threshold:
        # Every objective is at least the envelope's, B > G: no configuration can be kept.
        slack = totals[2] * (abs(totals[0]) + totals[3] + 1.0)
        return min(totals[0], lower[0] - tail_max - slack), 0
    ends = _checkpoints(n_cells, prune)
    work = np.empty((4, n_nodes))
    no_trace = np.empty((0, 2))
    count = 0
    rest = math.inf
    n_evaluated = 0
    for c in range(cfg_atoms.shape[0]):
        limit = threshold if prune else math.inf
        if prune and count == keep and best_obj[keep - 1] < limit:
            limit = best_obj[keep - 1]
        stopped, value, err, n = _evaluate(c, ends, limit, tail_max, table, shift, scaled,
                                           w_main, w_check, cell_start, bm, bc, lower, totals,
                                           cfg_atoms, cfg_w, cfg_logw, work, no_trace)
        n_evaluated += n
        if stopped:
            rest = min(rest, value)
            continue
        # The error estimate: Kronrod against Gauss, plus this configuration's tail term.
        err += tail_coef * (1.0 + _edge(c, n_nodes, n_edge, cfg_atoms, cfg_w, cfg_logw, table,
                                        shift, scaled))
        if value != value:  # NaN (only from an all -inf candidate): treat as +inf
            value = math.inf
        count, evicted = insert_top(value, err, offset + c, best_obj, best_err, best_idx,
                                    count)
        rest = min(rest, evicted)
    return rest, n_evaluated


@nb.njit(**_JIT)
def _fill_table(d, grid, table, top, i0, i1):
    """Columns ``i0 .. i1 - 1`` of decoder ``d``'s table, from the piece cache if there is
    one."""
    decoder_keys, terms, decoders, negative_slope, atom_mu, atom_var, sigma, x = grid[:8]
    if terms.shape[0] > 0:
        cached_table(decoder_keys[d], terms, table, top, i0, i1)
    else:
        direct_table(decoders[d], negative_slope, atom_mu, atom_var, sigma, x, table, i0, i1)


@nb.njit(**_JIT)
def _head_bounds(shift, rule, floor):
    """Lower bounds on a decoder's envelope ``B`` from an upper bound ``shift`` on its
    envelope at the first ``n_head`` cells.

    Returns ``(bound on the computed B, model bound on the true envelope integral,
    magnitude)``: the cells after the head contribute ``floor[k]`` (the cell's main-rule sum
    of ``-w cap``, at most its true contribution since ``shift <= cap``), summed in the order
    of :func:`_envelope_cells`, so that floating-point monotonicity makes the first an exact
    lower bound of the computed ``B``.
    """
    w_main, w_check, cell_start, n_head = rule[0], rule[1], rule[2], rule[6]
    n_cells = cell_start.shape[0] - 1
    total = 0.0
    model = 0.0
    magnitude = 0.0
    for k in range(n_head):
        sm, sc, magnitude = _cell_shift_sums(w_main, w_check, shift, cell_start[k],
                                             cell_start[k + 1], magnitude)
        total += -sm
        model += -sm - abs(sc - sm)
    for k in range(n_head, n_cells):
        total += floor[k]
        model += floor[k]
    return total, model, magnitude


@nb.njit(**_JIT)
def _cell_floor(rule):
    """Per cell ``-sum_i w_main[i] * cap`` in node order (see :func:`_head_bounds`)."""
    w_main, cell_start, cap = rule[0], rule[2], rule[5]
    n_cells = cell_start.shape[0] - 1
    floor = np.empty(n_cells)
    for k in range(n_cells):
        sm = 0.0
        for i in range(cell_start[k], cell_start[k + 1]):
            sm += w_main[i] * cap
        floor[k] = -sm
    return floor


@nb.njit(**_JIT)
def _head_stage(d, grid, rule, cfg, threshold, prune, floor, tables, shifts, scaled, live,
                best_obj, best_err, best_idx, rest):
    """Stage 0 for decoder ``d`` (see :func:`search_chunk`)."""
    keys = grid[8]
    cell_start, cap, n_head = rule[2], rule[5], rule[6]
    n_cells = cell_start.shape[0] - 1
    n_nodes = cell_start[n_cells]
    n_x = grid[7].shape[0]
    top = np.empty(n_x)
    # The window ends exactly (every configuration's tail term needs them).
    _fill_table(d, grid, tables[d], top, n_nodes, n_x)
    envelope(tables[d], shifts[d], scaled[d], n_nodes, n_x, cap)
    live[d] = True
    if prune and threshold < math.inf:
        # An upper bound on the envelope at the head, in place of the exact one (stage 1).
        upper_envelope(grid[0][d], keys, grid[4], grid[5], grid[6], grid[7], shifts[d], 0,
                       cell_start[n_head], cap)
        bound, model, magnitude = _head_bounds(shifts[d], rule, floor)
        if bound > threshold:
            live[d] = False
            _empty_lists(best_obj[d], best_err[d], best_idx[d])
            slack = 4.0 * (n_nodes + n_cells + 8) * ROUNDOFF * (abs(bound) + magnitude + 1.0)
            rest[d] = min(bound, model - _tail_bound(rule, cfg, tables[d], shifts[d]) - slack)


@nb.njit(parallel=True, **_JIT)
def search_chunk(grid, rule, cfg, first_decoder, threshold, prune, stage, tables, shifts,
                 scaled, live, best_obj, best_err, best_idx, rest, n_evaluated):
    """One stage of the pruned search over a chunk of decoders (parallel over decoders).

    Stage 0: each decoder's table at the window ends, and the decoders settled without any
    table: those whose envelope ``B`` is certainly above the threshold by a bound from the
    first ``n_head`` cells that needs no special function
    (:func:`exactid.search._pieces.upper_envelope`; the other cells at their floor, see
    :func:`_head_bounds`) have no point below it, so their lists are emptied, ``rest`` receives
    their bound and ``live[d] = False``.  Stage 1: the live decoders, tables completed (the
    piece cache must then be filled for their pieces) and every configuration evaluated.

    Parameters
    ----------
    grid : tuple
        ``(decoder_keys, terms, decoders, negative_slope, atom_mu, atom_var, sigma, x, keys)``:
        the decoders' pieces as rows of the piece cache ``terms`` (shape (P, A, N + n_edge);
        with ``P = 0`` the tables are computed per decoder from ``decoders``, shape
        (D, 3, H)), the atoms (shape (A,)), the noise, the nodes (shape (N + n_edge,)) and the
        pieces (shape (P', 6), :func:`exactid.search._pieces.piece_keys`).
    rule : tuple
        ``(w_main, w_check, cell_start, n_edge, tail_coef, cap, n_head)``: the weights of the
        main and the check rule (non-negative, shape (N + n_edge,), in the kernel's node
        order: cells heaviest first, then the ``n_edge`` window ends of weight 0 that only
        feed the tail bound ``tail_coef * (1 + max |log q|)`` there); cell ``k`` is nodes
        ``cell_start[k] .. cell_start[k + 1] - 1`` (``cell_start[-1] = N``); ``cap`` bounds
        every log density from above; the head is the first ``n_head`` cells.
    cfg : tuple
        ``(cfg_atoms, cfg_w, cfg_logw)``, shapes (C, J).
    first_decoder : int
        Global index of ``decoders[0]``; grid point ``(d, c)`` has index ``d * C + c``.
    threshold : float
        Global pruning threshold G (``inf``: none).
    prune : bool
        False: evaluate every node of every configuration (same results for kept points).
    stage : int
    tables, scaled : ndarray, shape (D, A, N + n_edge)
    shifts : ndarray, shape (D, N + n_edge)
    live : ndarray of bool, shape (D,)
        State between the stages.
    best_obj, best_err : ndarray, shape (D, K)
    best_idx : ndarray of int64, shape (D, K)
    rest : ndarray, shape (D,)
    n_evaluated : ndarray of int64, shape (D,)
        Outputs: the top lists, the lower bound on the points not kept (see the module
        docstring), and the number of (configuration, node) pairs evaluated.
    """
    cell_start, cap = rule[2], rule[5]
    n_nodes = cell_start[cell_start.shape[0] - 1]
    n_cfg = cfg[0].shape[0]
    n_x = grid[7].shape[0]
    floor = _cell_floor(rule)
    for d in nb.prange(tables.shape[0]):
        if stage == 0:
            _head_stage(d, grid, rule, cfg, threshold, prune, floor, tables, shifts, scaled,
                        live, best_obj, best_err, best_idx, rest)
        elif live[d]:
            top = np.empty(n_x)
            _fill_table(d, grid, tables[d], top, 0, n_nodes)
            envelope(tables[d], shifts[d], scaled[d], 0, n_nodes, cap)
            rest[d], n_evaluated[d] = _search_one_decoder(
                tables[d], shifts[d], scaled[d], rule, cfg, threshold, prune, best_obj[d],
                best_err[d], best_idx[d], (first_decoder + d) * n_cfg)


@nb.njit(**_JIT)
def trace_configuration(table, rule, cfg, c):
    """The kernel's bounds for configuration ``c`` after every cell (for tests).

    Parameters
    ----------
    table : ndarray, shape (A, N + n_edge)
        A decoder's per-atom log densities at the nodes.
    rule, cfg
        As in :func:`search_decoders`.
    c : int

    Returns
    -------
    trace : ndarray, shape (n_cells, 2)
        After each cell: the lower bound on the computed objective the kernel compares with
        its threshold, and the lower bound it reports for a point stopped there.
    objective, error : float
        The configuration's objective and error estimate.
    decoder : ndarray, shape (4,)
        The decoder-level bounds: ``B`` and the bound reported when the whole decoder is
        skipped on it; the configuration's tail term and the decoder's bound on it.
    """
    w_main, w_check, cell_start, n_edge, tail_coef, cap = (rule[0], rule[1], rule[2], rule[3],
                                                           rule[4], rule[5])
    n_cells = cell_start.shape[0] - 1
    n_nodes = cell_start[n_cells]
    shift = np.empty(table.shape[1])
    scaled = np.empty_like(table)
    envelope(table, shift, scaled, 0, table.shape[1], cap)
    bm, bc, lower, totals = _prepare_decoder(shift, w_main, w_check, cell_start)
    tail = tail_coef * (1.0 + _edge(c, n_nodes, n_edge, cfg[0], cfg[1], cfg[2], table, shift,
                                    scaled))
    tail_max = _tail_bound(rule, cfg, table, shift)
    trace = np.empty((n_cells, 2))
    _, obj, err, _ = _evaluate(c, np.arange(1, n_cells + 1), math.inf, tail_max, table, shift,
                               scaled, w_main, w_check, cell_start, bm, bc, lower, totals,
                               cfg[0], cfg[1], cfg[2], np.empty((4, n_nodes)), trace)
    decoder = np.empty(4)
    decoder[0] = totals[0]
    decoder[1] = min(totals[0], lower[0] - tail_max
                     - totals[2] * (abs(totals[0]) + totals[3] + 1.0))
    decoder[2] = tail
    decoder[3] = tail_max
    return trace, obj, err + tail, decoder


@nb.njit(**_JIT)
def trace_head(shift, rule, tail):
    """The stage-0 bounds of a decoder from an upper envelope ``shift`` (for tests): the
    lower bound on its computed ``B`` and the one reported when it is skipped."""
    cell_start = rule[2]
    n_cells = cell_start.shape[0] - 1
    bound, model, magnitude = _head_bounds(shift, rule, _cell_floor(rule))
    slack = 4.0 * (cell_start[n_cells] + n_cells + 8) * ROUNDOFF * (abs(bound) + magnitude
                                                                     + 1.0)
    return bound, min(bound, model - tail - slack)
