r"""Numba kernels of the exact density for latent dimension 1 or 2 and any observed dimension.

What to use when: :func:`exactid.density.log_pdf` calls these; use them directly only with the
arrays of :func:`exactid.density.cell_terms.cell_terms`.  :func:`log_pdf_cells1` evaluates one
point, :func:`log_pdf_cells` a batch in parallel (``prange`` over points) and
:func:`log_pdf_cells_serial` a small batch.

For each point, every term first gets an upper bound: its Gaussian factor ``g`` (``O(n^2)``)
plus ``log Phi(-delta)``, where ``delta`` is the largest distance by which the origin of the
whitened coordinates lies outside one of the cell's half-planes (the cell lies inside that
half-plane, whose mass is ``Phi(-delta)``).  The masses, which cost microseconds each for a
polygon, are then added in decreasing order of the bound, and the sum stops as soon as the
terms left cannot change it: the ``R`` terms left add at most ``R exp(u)`` with ``u`` the next
bound, so the loop stops when ``log R + u < log(sum so far) - STOP_MARGIN``, a relative
truncation error below ``exp(-STOP_MARGIN) = 4.2e-18``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .polygon_mass import log_polygon_mass1
from .special import JIT_OPTIONS, log_gauss_mass1, log_ndtr1, lse_add, lse_value

#: A term whose bound is this far below the running sum (in log units) is not evaluated.
STOP_MARGIN = 40.0


@nb.njit(**JIT_OPTIONS)
def log_cell_mass1(rows, offsets):
    """log P(W in {w : rows @ w <= offsets}), W ~ N(0, I_m), m = rows.shape[1] in {1, 2}."""
    if rows.shape[1] == 2:
        return log_polygon_mass1(rows, offsets)
    lo = -math.inf
    hi = math.inf
    for i in range(rows.shape[0]):
        r = rows[i, 0]
        if r > 0.0:
            hi = min(hi, offsets[i] / r)
        elif r < 0.0:
            lo = max(lo, offsets[i] / r)
        elif offsets[i] < 0.0:
            return -math.inf
    if not lo < hi:
        return -math.inf
    return log_gauss_mass1(lo, hi)


@nb.njit(**JIT_OPTIONS)
def _gaussian_factors(x, log_const, mean, chol_inv, out):
    """out[t] = log_const[t] - |chol_inv[t] (x - mean[t])|^2 / 2 (lower-triangular chol_inv)."""
    n = x.shape[0]
    for t in range(log_const.shape[0]):
        q = 0.0
        for i in range(n):
            s = 0.0
            for k in range(i + 1):
                s += chol_inv[t, i, k] * (x[k] - mean[t, k])
            q += s * s
        out[t] = log_const[t] - 0.5 * q


@nb.njit(**JIT_OPTIONS)
def _offsets(x, beta, gamma, start, stop, out):
    """out[:stop - start] = beta[i] - gamma[i] @ x for the rows i = start .. stop - 1."""
    for i in range(start, stop):
        v = beta[i]
        for k in range(x.shape[0]):
            v -= gamma[i, k] * x[k]
        out[i - start] = v


@nb.njit(**JIT_OPTIONS)
def _violation(rows, offsets):
    """max(0, max_i -offsets[i] / |rows[i]|): how far 0 lies outside the cell's half-planes."""
    delta = 0.0
    for i in range(rows.shape[0]):
        norm = 0.0
        for k in range(rows.shape[1]):
            norm += rows[i, k] * rows[i, k]
        if norm > 0.0:
            delta = max(delta, -offsets[i] / math.sqrt(norm))
    return delta


@nb.njit(**JIT_OPTIONS)
def log_pdf_cells1(x, log_const, mean, chol_inv, row_start, rows, beta, gamma):
    """log p(x) at one point x (shape (n,)) from the term arrays of ``cell_terms``."""
    n_terms = log_const.shape[0]
    factors = np.empty(n_terms)
    _gaussian_factors(x, log_const, mean, chol_inv, factors)
    bounds = factors.copy()
    offsets = np.empty(rows.shape[0])
    for t in range(n_terms):
        start, stop = row_start[t], row_start[t + 1]
        _offsets(x, beta, gamma, start, stop, offsets[start:stop])
        delta = _violation(rows[start:stop], offsets[start:stop])
        if delta > 0.0:
            bounds[t] += log_ndtr1(-delta)
    order = np.argsort(-bounds)
    top = -math.inf
    scaled_sum = 0.0
    for idx in range(n_terms):
        t = order[idx]
        bound = bounds[t]
        if bound == -math.inf:
            break
        if scaled_sum > 0.0 and (bound + math.log(n_terms - idx)
                                 < top + math.log(scaled_sum) - STOP_MARGIN):
            break
        start, stop = row_start[t], row_start[t + 1]
        log_mass = log_cell_mass1(rows[start:stop], offsets[start:stop])
        if log_mass == -math.inf:
            continue
        top, scaled_sum = lse_add(top, scaled_sum, factors[t] + log_mass)
    return lse_value(top, scaled_sum)


@nb.njit(parallel=True, **JIT_OPTIONS)  # pragma: no mutate (parallel: speed only)
def log_pdf_cells(x, log_const, mean, chol_inv, row_start, rows, beta, gamma):
    """:func:`log_pdf_cells1` at each row of x (shape (N, n)), in parallel; shape (N,)."""
    out = np.empty(x.shape[0])
    for i in nb.prange(x.shape[0]):
        out[i] = log_pdf_cells1(x[i], log_const, mean, chol_inv, row_start, rows, beta, gamma)
    return out


@nb.njit(**JIT_OPTIONS)
def log_pdf_cells_serial(x, log_const, mean, chol_inv, row_start, rows, beta, gamma):
    """Serial version of :func:`log_pdf_cells` (for small N)."""
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = log_pdf_cells1(x[i], log_const, mean, chol_inv, row_start, rows, beta, gamma)
    return out
