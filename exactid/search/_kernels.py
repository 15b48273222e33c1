"""numba kernels of the exhaustive grid search (:mod:`exactid.search.exhaustive`): the
reference kernel, and :func:`search_decoders`, the entry point of every kernel.

The search evaluates :math:`-\\sum_i w_i \\log q_\\theta(x_i)` for every grid point
:math:`\\theta` at fixed nodes :math:`x_i`.  A grid point is a decoder ``d`` (one hidden layer)
and a mixture configuration ``c`` (J pairs of weight and component "atom", an atom being a
(mean, variance) pair).  The log density of one atom pushed through one decoder,
``L[a, i] = log N_a(x_i)``, does not depend on the weights or on the other components, so it is
computed once per (decoder, atom) and shared by every configuration: per grid point only the
mixture sum ``sum_j w_j exp(L[a_j, i])`` and one ``log`` per node remain.  To keep that sum
cheap and exact, each node is shifted by its largest atom term (``E = exp(L - shift) <= 1``);
when the shifted sum underflows (a candidate that puts almost no mass near ``x_i``) the node is
recomputed by an exact log-sum-exp.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..density.kernels import log_pdf_smooth1

_JIT = dict(cache=True, error_model="numpy", nogil=True)

#: Below this shifted mixture sum the node is recomputed in log space (the shifted sum of
#: positive terms is exact to a few ulp while it is a normal float).
UNDERFLOW = 1e-290


@nb.njit(**_JIT)
def decoder_pieces1(alpha, beta, pi, negative_slope, breaks, slopes, intercepts):
    """Pieces of ``f(z) = sum_k alpha_k s(beta_k z + pi_k)``, ``s(t) = max(t, negative_slope t)``.

    Parameters
    ----------
    alpha, beta, pi : ndarray, shape (H,)
    negative_slope : float
    breaks : ndarray, shape (H,)
        Output: sorted breakpoints (first ``n - 1`` entries used).
    slopes, intercepts : ndarray, shape (H + 1,)
        Output: the affine map of each piece (first ``n`` entries used).

    Returns
    -------
    int
        The number of pieces ``n``; adjacent pieces with equal maps are merged.
    """
    n_units = alpha.shape[0]
    n_breaks = 0
    for k in range(n_units):
        # Units with alpha = 0 contribute nothing; units with beta = 0 are constant.
        if alpha[k] == 0.0 or beta[k] == 0.0:
            continue
        t = -pi[k] / beta[k]
        pos = n_breaks
        duplicate = False
        for m in range(n_breaks):
            if breaks[m] == t:
                duplicate = True
                break
        if duplicate:
            continue
        while pos > 0 and breaks[pos - 1] > t:
            breaks[pos] = breaks[pos - 1]
            pos -= 1
        breaks[pos] = t
        n_breaks += 1
    # First the map of every piece between the raw breakpoints, then the merge (merging while
    # scanning would move breakpoints that later test points still need).
    n_raw = n_breaks + 1
    for p in range(n_raw):
        # A point strictly inside piece p decides every unit's activation on the piece.
        if n_breaks == 0:
            z = 0.0
        elif p == 0:
            z = breaks[0] - 1.0
        elif p == n_breaks:
            z = breaks[n_breaks - 1] + 1.0
        else:
            z = 0.5 * (breaks[p - 1] + breaks[p])
        slope = 0.0
        intercept = 0.0
        for k in range(n_units):
            if alpha[k] == 0.0:
                continue
            pre = beta[k] * z + pi[k]
            gain = 1.0 if pre > 0.0 else negative_slope
            slope += alpha[k] * (gain * beta[k])
            intercept += alpha[k] * (gain * pi[k])
        slopes[p] = slope
        intercepts[p] = intercept
    # Merge neighbours with equal maps: piece p joins the last kept piece, and the breakpoint
    # between them (raw breakpoint p - 1) is dropped.
    n_pieces = 1
    for p in range(1, n_raw):
        if slopes[p] == slopes[n_pieces - 1] and intercepts[p] == intercepts[n_pieces - 1]:
            continue
        breaks[n_pieces - 1] = breaks[p - 1]
        slopes[n_pieces] = slopes[p]
        intercepts[n_pieces] = intercepts[p]
        n_pieces += 1
    return n_pieces


#: Rows of the scratch array of :func:`atom_log_density` (one per per-piece constant).
TERM_ROWS = 14


@nb.njit(**_JIT)
def atom_log_density(x, out, breaks, slopes, intercepts, n_pieces, mu, var, sigma, terms):
    """``out[i] = log p(x[i])`` for ``z ~ N(mu, var)`` through the pieces, noise ``sigma > 0``.

    The per-piece constants are those of :func:`exactid.density.smooth_terms` with weight 1;
    ``terms`` is scratch of shape (:data:`TERM_ROWS`, H + 1).  The means are used as rounded
    (``mean_lo`` = 0): the search's error estimates cover that rounding.
    """
    lognorm = terms[0]
    mean = terms[1]
    inv2v = terms[2]
    pa = terms[3]
    pb = terms[4]
    q = terms[5]
    flo = terms[6]
    fhi = terms[7]
    lo_inf = terms[8]
    hi_inf = terms[9]
    buf_g = terms[10]
    buf_a = terms[11]
    buf_b = terms[12]
    mean_lo = terms[13]
    sd = math.sqrt(var)
    s2 = sigma * sigma
    for k in range(n_pieces):
        a_k = slopes[k]
        b_k = intercepts[k]
        lo = -math.inf if k == 0 else breaks[k - 1]
        hi = math.inf if k == n_pieces - 1 else breaks[k]
        v = a_k * a_k * var + s2
        tau = sd * sigma / math.sqrt(v)
        scale = 1.0 / (v * tau)
        lognorm[k] = -0.5 * math.log(2.0 * math.pi * v)
        mean[k] = a_k * mu + b_k
        mean_lo[k] = 0.0
        inv2v[k] = 0.5 / v
        lo_inf[k] = 1.0 if k == 0 else 0.0
        hi_inf[k] = 1.0 if k == n_pieces - 1 else 0.0
        pa[k] = 0.0 if k == 0 else s2 * (lo - mu) * scale
        pb[k] = 0.0 if k == n_pieces - 1 else s2 * (hi - mu) * scale
        q[k] = a_k * var * scale
        # Images of the piece ends, shared with the neighbours (one value per breakpoint).
        flo[k] = 0.0 if k == 0 else slopes[k - 1] * breaks[k - 1] + intercepts[k - 1]
        fhi[k] = 0.0 if k == n_pieces - 1 else a_k * hi + b_k
    lo_b = lo_inf[:n_pieces] != 0.0
    hi_b = hi_inf[:n_pieces] != 0.0
    for i in range(x.shape[0]):
        out[i] = log_pdf_smooth1(x[i], lognorm[:n_pieces], mean[:n_pieces],
                                 mean_lo[:n_pieces], inv2v[:n_pieces],
                                 pa[:n_pieces], pb[:n_pieces], q[:n_pieces], flo[:n_pieces],
                                 fhi[:n_pieces], lo_b, hi_b, buf_g, buf_a, buf_b)


@nb.njit(**_JIT)
def insert_top(obj, err, idx, best_obj, best_err, best_idx, count):
    """Insert into the ascending top list; return the new count and the evicted lower bound."""
    keep = best_obj.shape[0]
    evicted = math.inf
    if count == keep:
        if obj >= best_obj[keep - 1]:
            return count, obj - err
        evicted = best_obj[keep - 1] - best_err[keep - 1]
        count -= 1
    pos = count
    while pos > 0 and best_obj[pos - 1] > obj:
        best_obj[pos] = best_obj[pos - 1]
        best_err[pos] = best_err[pos - 1]
        best_idx[pos] = best_idx[pos - 1]
        pos -= 1
    best_obj[pos] = obj
    best_err[pos] = err
    best_idx[pos] = idx
    return count + 1, evicted


@nb.njit(**_JIT)
def _search_one_decoder(d, decoders, negative_slope, atom_mu, atom_var, sigma, x, w_main,
                        w_check, n_edge, tail_coef, cfg_atoms, cfg_w, cfg_logw,
                        best_obj, best_err, best_idx, offset):
    """Objectives of every configuration for decoder ``d``; keep the best in the top lists.

    Returns the smallest lower bound (objective - error) among the points not kept.
    """
    n_units = decoders.shape[2]
    n_atoms = atom_mu.shape[0]
    n_x = x.shape[0]
    n_cfg = cfg_atoms.shape[0]
    n_comp = cfg_atoms.shape[1]
    breaks = np.empty(n_units)
    slopes = np.empty(n_units + 1)
    intercepts = np.empty(n_units + 1)
    n_pieces = decoder_pieces1(decoders[d, 0], decoders[d, 1], decoders[d, 2], negative_slope,
                               breaks, slopes, intercepts)
    terms = np.empty((TERM_ROWS, n_units + 1))
    table = np.empty((n_atoms, n_x))
    for a in range(n_atoms):
        atom_log_density(x, table[a], breaks, slopes, intercepts, n_pieces, atom_mu[a],
                         atom_var[a], sigma, terms)
    shift = np.empty(n_x)
    for i in range(n_x):
        m = -math.inf
        for a in range(n_atoms):
            m = max(m, table[a, i])
        shift[i] = m if m > -math.inf else 0.0
    scaled = np.empty((n_atoms, n_x))
    for a in range(n_atoms):
        for i in range(n_x):
            scaled[a, i] = math.exp(table[a, i] - shift[i])
    base_main = 0.0
    base_check = 0.0
    for i in range(n_x):
        base_main += w_main[i] * shift[i]
        base_check += w_check[i] * shift[i]
    first_edge = n_x - n_edge
    count = 0
    rest = math.inf
    for c in range(n_cfg):
        acc_main = 0.0
        acc_check = 0.0
        edge = 0.0
        for i in range(n_x):
            s = 0.0
            for j in range(n_comp):
                s += cfg_w[c, j] * scaled[cfg_atoms[c, j], i]
            if s > UNDERFLOW:
                ls = math.log(s)
            else:
                top = -math.inf
                for j in range(n_comp):
                    top = max(top, cfg_logw[c, j] + table[cfg_atoms[c, j], i])
                if top == -math.inf:
                    ls = -math.inf
                else:
                    acc = 0.0
                    for j in range(n_comp):
                        acc += math.exp(cfg_logw[c, j] + table[cfg_atoms[c, j], i] - top)
                    ls = top + math.log(acc) - shift[i]
            acc_main += w_main[i] * ls
            acc_check += w_check[i] * ls
            if i >= first_edge:
                edge = max(edge, abs(ls + shift[i]))
        obj = -(acc_main + base_main)
        err = abs(obj + (acc_check + base_check)) + tail_coef * (1.0 + edge)
        if obj != obj:  # NaN (only from an all -inf candidate): treat as +inf
            obj = math.inf
        count, evicted = insert_top(obj, err, offset + c, best_obj, best_err, best_idx, count)
        rest = min(rest, evicted)
    for r in range(count, best_obj.shape[0]):
        best_obj[r] = math.inf
        best_err[r] = 0.0
        best_idx[r] = -1
    return rest


def search_decoders(setup, lo, hi, sigma, best_obj, best_err, best_idx, rest) -> int:
    """Evaluate decoders ``lo .. hi - 1`` of a search with its kernel: the one place where a
    search calls a kernel (a Python function, so Ctrl-C is seen between chunks).

    Parameters
    ----------
    setup : exactid.search.exhaustive._Setup
        The search's fixed inputs; ``setup.kernel`` chooses between
        :func:`search_decoders_reference` and the pruned kernel
        (:class:`exactid.search._driver.PrunedDriver`, ``setup.driver()``).
    lo, hi : int
    sigma : float
    best_obj, best_err, best_idx, rest
        Outputs, as in :func:`search_decoders_reference` (shapes (hi - lo, K) and
        (hi - lo,)).

    Returns
    -------
    int
        The number of (configuration, node) pairs evaluated.
    """
    cfg = (setup.cfg_atoms, setup.cfg_w, setup.cfg_logw)
    if setup.kernel == "reference":
        search_decoders_reference(setup.decoders[lo:hi], setup.family.negative_slope,
                                  setup.atom_mu, setup.atom_var, sigma, setup.x, setup.w_main,
                                  setup.w_check, setup.n_edge, setup.tail_coef, *cfg, lo,
                                  best_obj, best_err, best_idx, rest)
        return (hi - lo) * cfg[0].shape[0] * (setup.x.size - setup.n_edge)
    # A list holding every configuration is a decoder re-run in full: no global threshold.
    full = best_obj.shape[-1] >= cfg[0].shape[0]
    return setup.driver().run(lo, hi, sigma, cfg, np.inf if full else setup.threshold,
                              setup.kernel == "pruned", best_obj, best_err, best_idx, rest)


@nb.njit(parallel=True, **_JIT)
def search_decoders_reference(decoders, negative_slope, atom_mu, atom_var, sigma, x, w_main,
                              w_check, n_edge, tail_coef, cfg_atoms, cfg_w, cfg_logw,
                              first_decoder, best_obj, best_err, best_idx, rest):
    """The reference kernel: :func:`_search_one_decoder` for every decoder (parallel over
    decoders).

    Parameters
    ----------
    decoders : ndarray, shape (D, 3, H)
        ``decoders[d] = (alpha, beta, pi)``.
    atom_mu, atom_var : ndarray, shape (A,)
    x, w_main, w_check : ndarray, shape (N,)
        Nodes, the weights of the main rule and of the embedded check rule (each already
        multiplied by the reference density); the last ``n_edge`` nodes have weight 0 and
        only feed the tail bound ``tail_coef * (1 + max |log q|)`` there.
    cfg_atoms : ndarray of int64, shape (C, J)
    cfg_w, cfg_logw : ndarray, shape (C, J)
    first_decoder : int
        Global index of ``decoders[0]``; grid point ``(d, c)`` has index ``d * C + c``.
    best_obj, best_err : ndarray, shape (D, K)
    best_idx : ndarray of int64, shape (D, K)
    rest : ndarray, shape (D,)
        Outputs: per decoder the K best objectives (ascending), their error estimates and
        indices, and the smallest lower bound among the points not kept.
    """
    n_cfg = cfg_atoms.shape[0]
    for d in nb.prange(decoders.shape[0]):
        rest[d] = _search_one_decoder(d, decoders, negative_slope, atom_mu, atom_var, sigma, x,
                                      w_main, w_check, n_edge, tail_coef, cfg_atoms, cfg_w,
                                      cfg_logw, best_obj[d], best_err[d], best_idx[d],
                                      (first_decoder + d) * n_cfg)


@nb.njit(**_JIT)
def candidate_log_density(decoder, negative_slope, atom_mu, atom_var, sigma, cfg_atom, cfg_logw,
                          x):
    """Log density of one grid point at ``x`` by plain log-sum-exp (the per-point path)."""
    n_units = decoder.shape[1]
    breaks = np.empty(n_units)
    slopes = np.empty(n_units + 1)
    intercepts = np.empty(n_units + 1)
    n_pieces = decoder_pieces1(decoder[0], decoder[1], decoder[2], negative_slope, breaks,
                               slopes, intercepts)
    terms = np.empty((TERM_ROWS, n_units + 1))
    n_comp = cfg_atom.shape[0]
    table = np.empty((n_comp, x.shape[0]))
    for j in range(n_comp):
        atom_log_density(x, table[j], breaks, slopes, intercepts, n_pieces,
                         atom_mu[cfg_atom[j]], atom_var[cfg_atom[j]], sigma, terms)
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        top = -math.inf
        for j in range(n_comp):
            top = max(top, cfg_logw[j] + table[j, i])
        if top == -math.inf:
            out[i] = -math.inf
            continue
        acc = 0.0
        for j in range(n_comp):
            acc += math.exp(cfg_logw[j] + table[j, i] - top)
        out[i] = top + math.log(acc)
    return out
