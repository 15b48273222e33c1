"""numba kernels of the exact 1-D density: per-piece log-sum-exp sums, smooth and noiseless.

Only jitted code lives here; :mod:`exactid.density.exact` prepares the arrays and validates
input, and the special functions (with their error bounds) are in
:mod:`exactid.density.special`.  Every kernel comes as a scalar function (suffix ``1``) and
``prange`` / serial loops over the points.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .special import JIT_OPTIONS, LOG_SQRT_2PI, log_gauss_mass1, lse_add, lse_value

LOG2 = math.log(2.0)
#: Terms whose upper bound lies more than this below the running log-sum are skipped; the
#: relative error this introduces is at most (number of terms) * exp(-PRUNE_LOG) = 2e-22 T.
PRUNE_LOG = 50.0
#: Differences at least this large are scaled before squaring (their square would overflow).
BIG = 1e150


@nb.njit(**JIT_OPTIONS)
def log_pdf_smooth1(xi, lognorm, mean, mean_lo, inv2v, pa, pb, q, flo, fhi, lo_inf, hi_inf,
                    buf_gauss, buf_a, buf_b):
    """Log density at one point for sigma > 0: log-sum-exp over (piece, component) terms.

    Term t is ``lognorm - (x - mean - mean_lo)^2 / (2 v) + log(Phi(b) - Phi(a))`` with ``a = pa
    + q (flo - x)`` and ``b = pb + q (fhi - x)`` (see :mod:`exactid.density.exact`; ``mean_lo``
    is the rounding error of ``mean``, zero where the caller has no exact mean).  ``buf_*``
    are scratch arrays of shape (T,), reused across points to avoid allocations.
    """
    n_terms = lognorm.shape[0]
    # Pass 1: cheap parts of every term and an upper bound on it (Phi(-t) <= exp(-t^2/2)/2);
    # the term with the largest bound is evaluated first so the pruning of pass 2 is tight.
    best_bound = -math.inf
    best = 0
    for t in range(n_terms):
        # mean + mean_lo is the exact mean to about eps^2 (see exactid.density.exact).
        dx = (xi - mean[t]) - mean_lo[t]
        if abs(dx) < BIG:
            log_gauss = lognorm[t] - dx * dx * inv2v[t]
        else:  # dx * dx would overflow although dx^2 / (2 v) may not
            r = dx * math.sqrt(inv2v[t])
            log_gauss = lognorm[t] - r * r
        a = -math.inf if lo_inf[t] else pa[t] + q[t] * (flo[t] - xi)
        b = math.inf if hi_inf[t] else pb[t] + q[t] * (fhi[t] - xi)
        buf_gauss[t] = log_gauss
        buf_a[t] = a
        buf_b[t] = b
        if a > 0.0:
            bound = log_gauss - 0.5 * a * a - LOG2
        elif b < 0.0:
            bound = log_gauss - 0.5 * b * b - LOG2
        else:
            bound = log_gauss
        if bound > best_bound:
            best_bound = bound
            best = t
    top = buf_gauss[best] + log_gauss_mass1(buf_a[best], buf_b[best])
    scaled_sum = 1.0
    if top == -math.inf:
        scaled_sum = 0.0
    # Pass 2: running log-sum-exp (top = running maximum, scaled_sum = sum of exp(term - top)).
    for t in range(n_terms):
        if t == best:
            continue
        a = buf_a[t]
        b = buf_b[t]
        bound = buf_gauss[t]
        if a > 0.0:
            bound -= 0.5 * a * a + LOG2
        elif b < 0.0:
            bound -= 0.5 * b * b + LOG2
        if bound < top - PRUNE_LOG:
            continue
        term = buf_gauss[t] + log_gauss_mass1(a, b)
        if term == -math.inf:
            continue
        top, scaled_sum = lse_add(top, scaled_sum, term)
    return lse_value(top, scaled_sum)


#: Points per parallel chunk (each chunk allocates its scratch buffers once).
CHUNK = 4096

# The serial and the parallel array kernels are separate Python functions on purpose: numba's
# on-disk cache is keyed by function and source line, not by the ``parallel`` option, so two
# dispatchers made from one function share a cache entry, and whichever compiles first (e.g.
# the serial one) is then loaded for both.


@nb.njit(**JIT_OPTIONS)
def _smooth_range(x, out, start, stop, lognorm, mean, mean_lo, inv2v, pa, pb, q, flo, fhi,
                  lo_inf, hi_inf):
    """Fill ``out[start:stop]`` with :func:`log_pdf_smooth1` (one set of scratch buffers)."""
    n_terms = lognorm.shape[0]
    buf_gauss = np.empty(n_terms)
    buf_a = np.empty(n_terms)
    buf_b = np.empty(n_terms)
    for i in range(start, stop):
        out[i] = log_pdf_smooth1(x[i], lognorm, mean, mean_lo, inv2v, pa, pb, q, flo, fhi,
                                 lo_inf, hi_inf, buf_gauss, buf_a, buf_b)


@nb.njit(parallel=True, **JIT_OPTIONS)
def log_pdf_smooth(x, lognorm, mean, mean_lo, inv2v, pa, pb, q, flo, fhi, lo_inf, hi_inf):
    """Array version of :func:`log_pdf_smooth1`, parallel over chunks; ``x`` of shape (N,),
    terms of shape (T,)."""
    out = np.empty_like(x)
    n_chunks = (x.shape[0] + CHUNK - 1) // CHUNK
    for c in nb.prange(n_chunks):
        _smooth_range(x, out, c * CHUNK, min((c + 1) * CHUNK, x.shape[0]), lognorm, mean,
                      mean_lo, inv2v, pa, pb, q, flo, fhi, lo_inf, hi_inf)
    return out


@nb.njit(**JIT_OPTIONS)
def log_pdf_smooth_serial(x, lognorm, mean, mean_lo, inv2v, pa, pb, q, flo, fhi, lo_inf,
                          hi_inf):
    """Serial version of :func:`log_pdf_smooth` (no thread-pool launch, for small N)."""
    out = np.empty_like(x)
    _smooth_range(x, out, 0, x.shape[0], lognorm, mean, mean_lo, inv2v, pa, pb, q, flo, fhi,
                  lo_inf, hi_inf)
    return out


@nb.njit(**JIT_OPTIONS)
def log_pdf_pushforward1(xi, slopes, intercepts, lo, hi, f_lo, f_hi, log_w, mu, var):
    """Log density of the absolutely continuous part of f#P at one point (sigma = 0).

    Sums ``p_Z(z) / |A_k|`` over the non-flat pieces k with a preimage ``z`` of ``xi``.  Piece
    k owns ``z`` in ``[lo_k, hi_k)``; membership is decided on the x side against the shared
    breakpoint images ``f_lo``, ``f_hi`` so that rounding can never drop or double a preimage.
    """
    n_pieces = slopes.shape[0]
    n_comp = log_w.shape[0]
    top = -math.inf
    scaled_sum = 0.0
    for k in range(n_pieces):
        slope = slopes[k]
        if slope == 0.0:
            continue
        if slope > 0.0:
            inside = f_lo[k] <= xi < f_hi[k]
        else:
            inside = f_hi[k] < xi <= f_lo[k]
        if not inside:
            continue
        z = (xi - intercepts[k]) / slope
        z = min(max(z, lo[k]), hi[k])
        # log p_Z(z) by log-sum-exp over components.
        ctop = -math.inf
        csum = 0.0
        for j in range(n_comp):
            if log_w[j] == -math.inf:
                continue
            d = z - mu[j]
            if abs(d) < BIG:
                lj = log_w[j] - 0.5 * d * d / var[j] - 0.5 * math.log(var[j]) - LOG_SQRT_2PI
            else:  # d * d would overflow although d^2 / var may not
                r = d / math.sqrt(var[j])
                lj = log_w[j] - 0.5 * r * r - 0.5 * math.log(var[j]) - LOG_SQRT_2PI
            if lj == -math.inf:
                continue  # exp(-inf - -inf) would be NaN
            ctop, csum = lse_add(ctop, csum, lj)
        if csum == 0.0:
            continue
        term = ctop + math.log(csum) - math.log(abs(slope))
        top, scaled_sum = lse_add(top, scaled_sum, term)
    return lse_value(top, scaled_sum)


@nb.njit(parallel=True, **JIT_OPTIONS)
def log_pdf_pushforward(x, slopes, intercepts, lo, hi, f_lo, f_hi, log_w, mu, var):
    """Array version of :func:`log_pdf_pushforward1` (parallel)."""
    out = np.empty_like(x)
    for i in nb.prange(x.shape[0]):
        out[i] = log_pdf_pushforward1(x[i], slopes, intercepts, lo, hi, f_lo, f_hi, log_w, mu,
                                      var)
    return out


@nb.njit(**JIT_OPTIONS)
def log_pdf_pushforward_serial(x, slopes, intercepts, lo, hi, f_lo, f_hi, log_w, mu, var):
    """Serial version of :func:`log_pdf_pushforward` (for small N)."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = log_pdf_pushforward1(x[i], slopes, intercepts, lo, hi, f_lo, f_hi, log_w, mu,
                                      var)
    return out
