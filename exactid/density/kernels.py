"""numba kernels: special functions in log space and the per-piece density sums.

Only jitted code lives here; :mod:`exactid.density` prepares the arrays and validates input.
Every kernel comes in the numba-stats style: a scalar function (suffix ``1``) and, where it
is used on arrays, a ``prange`` loop over the input.  No ``fastmath``: the code relies on
IEEE infinities (``log(0) = -inf``, ``erfc(+inf) = 0``).

Accuracy of the special functions (``eps`` = 2.2e-16), checked against mpmath in the tests:

* ``erfcx1(u)``, ``u >= 0``: relative error a few ``eps``.  For ``u < 25`` it is
  ``exp(u^2) erfc(u)`` with ``u^2`` split exactly into ``hi + lo`` (Dekker), so ``exp`` does
  not amplify the rounding of ``u^2``; beyond, the asymptotic series, truncated below
  ``1e-17``.
* ``log_ndtr1(x)``: relative error a few ``eps`` for every ``x``, including ``x > 0`` where
  ``log Phi(x) ~ -Phi(-x)`` is tiny (the upper tail is ``erfcx`` times an exactly split
  ``exp(-x^2/2)``); finite for every finite ``x`` with ``x^2 < 1.8e308``.
* ``log_gauss_mass1(a, b) = log(Phi(b) - Phi(a))``: relative error at most ``8 eps`` of the
  result in all regimes (narrow intervals, both tails, intervals holding almost all the mass,
  where the result is a tiny negative number such as -1.5e-23 at (-10, 10)); no difference of
  two probabilities close to 1 is ever formed.  A result below the normal range (subnormal)
  has an absolute error below 1e-322.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

_JIT = dict(cache=True, error_model="numpy", nogil=True)

SQRT2 = math.sqrt(2.0)
INV_SQRT2 = 1.0 / SQRT2
INV_SQRT_PI = 1.0 / math.sqrt(math.pi)
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
LOG2 = math.log(2.0)
#: erfcx switches from exp(u^2) erfc(u) to its asymptotic series at this argument.
ERFCX_ASYMPTOTIC_FROM = 25.0
#: log_gauss_mass uses its Hermite series when (b - a) * max(1, |(a + b) / 2|) is at most this;
#: beyond it the tail difference log Phi(a) - log Phi(b) is at least about 0.3 in magnitude,
#: so log(1 - exp(d)) loses no accuracy.
NARROW_INTERVAL = 1.0
#: Number of series terms used for narrow intervals (see _log_mass_narrow).
NARROW_TERMS = 14
#: A left-tail interval with (a^2 - b^2)/2 above this has mass Phi(b) (1 - delta), delta <
#: exp(-40): log(1 - delta) is dropped (absolute error < 5e-18).
LONG_INTERVAL = 40.0
#: Terms whose upper bound lies more than this below the running log-sum are skipped; the
#: relative error this introduces is at most (number of terms) * exp(-PRUNE_LOG) = 2e-22 T.
PRUNE_LOG = 50.0
#: Differences at least this large are scaled before squaring (their square would overflow).
BIG = 1e150


@nb.njit(**_JIT)
def _exact_square(u):
    """Return (hi, lo) with hi + lo == u*u exactly (Veltkamp split, no FMA needed)."""
    hi = u * u
    c = 134217729.0 * u  # 2**27 + 1
    uh = c - (c - u)
    ul = u - uh
    lo = ((uh * uh - hi) + 2.0 * uh * ul) + ul * ul
    return hi, lo


@nb.njit(**_JIT)
def erfcx1(u):
    """Scaled complementary error function ``exp(u^2) erfc(u)`` for ``u >= 0``."""
    if u < ERFCX_ASYMPTOTIC_FROM:
        hi, lo = _exact_square(u)
        return math.exp(hi) * math.erfc(u) * (1.0 + lo)
    if math.isinf(u):
        return 0.0
    # Asymptotic series 1/(u sqrt(pi)) * sum_k (-1)^k (2k-1)!! / (2u^2)^k; at u >= 25 the
    # ratio of consecutive terms is <= (2k-1)/1250, so a handful of terms reach 1e-17.
    r = 1.0 / (2.0 * u * u)
    term = 1.0
    total = 1.0
    k = 1
    while k < 30:
        term *= -(2.0 * k - 1.0) * r
        total += term
        if abs(term) < 1e-17:
            break
        k += 1
    return INV_SQRT_PI / u * total


@nb.njit(**_JIT)
def upper_tail1(x):
    """``Phi(-x) = 1 - Phi(x)`` for ``x >= 0`` to a few ulp relative.

    ``erfc(x / sqrt2)`` would amplify the rounding of ``x / sqrt2`` by ``x^2``; instead
    ``erfcx`` (insensitive to that rounding) times ``exp(-x^2 / 2)`` with ``x^2`` split exactly.
    """
    if x > 40.0:  # Phi(-40) < 1e-349 underflows anyway; also keeps inf out of the split
        return 0.0
    hi, lo = _exact_square(x)
    return 0.5 * erfcx1(x * INV_SQRT2) * math.exp(-0.5 * hi) * (1.0 - 0.5 * lo)


@nb.njit(**_JIT)
def log_ndtr1(x):
    """``log Phi(x)`` for the standard normal CDF Phi."""
    if x > 0.0:
        return math.log1p(-upper_tail1(x))
    if math.isinf(x):
        return -math.inf
    # Phi(x) = erfcx(-x/sqrt2)/2 * exp(-x^2/2): the exponent is exact up to the rounding of x^2.
    return math.log(0.5 * erfcx1(-x * INV_SQRT2)) - 0.5 * x * x


@nb.njit(**_JIT)
def _log_mass_left(a, b):
    """``log(Phi(b) - Phi(a))`` for ``a < b <= 0``, interval not narrow.

    For ``x <= 0``, ``Phi(x) = erfcx(-x / sqrt2) / 2 * exp(-x^2 / 2)``, so

        Phi(a) / Phi(b) = r E,  r = erfcx(-a/sqrt2) / erfcx(-b/sqrt2),  E = exp(-(a - b)(a + b)/2)

    with the large ``x^2 / 2`` parts cancelled exactly in the product ``(a - b)(a + b)``, not in
    floating point.  Outside the narrow regime ``r E <= exp(-0.3)``, so ``log1p(-r E)`` has no
    cancellation, and the result is ``log Phi(b) + log1p(-r E)``.  Two erfcx evaluations.
    """
    erfcx_b = erfcx1(-b * INV_SQRT2)
    log_phi_b = math.log(0.5 * erfcx_b) - 0.5 * b * b
    # E <= exp(-LONG_INTERVAL): the correction log1p(-r E) > -5e-18 is dropped.
    if math.isinf(a) or 0.5 * (b - a) * (-a - b) > LONG_INTERVAL:
        return log_phi_b
    ratio = erfcx1(-a * INV_SQRT2) / erfcx_b * math.exp(-0.5 * (a - b) * (a + b))
    if ratio >= 1.0:  # only rounding can get here; the interval mass is then ~0
        return -math.inf
    return log_phi_b + math.log1p(-ratio)


@nb.njit(**_JIT)
def _log_mass_narrow(c, h):
    """``log(Phi(c + h/2) - Phi(c - h/2))`` for ``h * max(1, |c|) <= 1`` by a series.

    With the probabilists' Hermite polynomials He_n and ``e^{-cu - u^2/2} = sum_n He_n(c)
    (-u)^n / n!``, integrating over ``|u| <= h/2`` leaves the even terms:

        Phi(c + h/2) - Phi(c - h/2) = phi(c) h sum_n He_2n(c) (h/2)^2n / ((2n)! (2n + 1)).

    ``g_k = He_k(c) (h/2)^k`` follows the scaled recurrence ``g_{k+1} = (h/2) c g_k - k (h/2)^2
    g_{k-1}``, which cannot overflow; for ``h max(1, |c|) <= 1`` the sum lies in [0.9, 1.2],
    so there is no cancellation.
    """
    half = 0.5 * h
    g_prev = 1.0  # g_0
    g_cur = half * c  # g_1
    total = 1.0
    factorial = 1.0
    # A fixed number of terms: He_2n(c) has zeros, so a small term says nothing about the
    # remainder.  With h max(1, |c|) <= 1 the n-th term is at most about 1 / (8^n n!)
    # (|c| <= 1: |He_2n| <= (2n-1)!!; |c| > 1: |g_k| <= 2^-k), i.e. < 1e-24 for n >= 14.
    for n in range(1, NARROW_TERMS + 1):
        k = 2 * n - 1  # advance g_{2n-1} -> g_{2n}
        g_prev, g_cur = g_cur, half * c * g_cur - k * half * half * g_prev
        factorial *= (2.0 * n - 1.0) * (2.0 * n)
        total += g_cur / (factorial * (2.0 * n + 1.0))
        # advance once more, g_{2n} -> g_{2n+1}
        g_prev, g_cur = g_cur, half * c * g_cur - (k + 1) * half * half * g_prev
    return math.log(h) - 0.5 * c * c - LOG_SQRT_2PI + math.log(total)


@nb.njit(**_JIT)
def log_gauss_mass1(a, b):
    """``log(Phi(b) - Phi(a))`` for ``a <= b`` (``-inf`` if ``a == b``); ``a``, ``b`` may be
    infinite."""
    if not a < b:
        return -math.inf
    h = b - a
    c = 0.5 * (a + b)
    if h * max(1.0, abs(c)) <= NARROW_INTERVAL:
        return _log_mass_narrow(c, h)
    if b <= 0.0:
        return _log_mass_left(a, b)
    if a >= 0.0:
        return _log_mass_left(-b, -a)
    # a < 0 < b.  The mass is 1 - t with t = Phi(a) + Phi(-b), two tails each to a few ulp
    # relative: when t <= 1/2, log1p(-t) keeps a few ulp of the result even where it is
    # tiny (-1.5e-23 at (-10, 10), where log of the mass would round to 0).  Otherwise the
    # mass (erf(b/sqrt2) + erf(-a/sqrt2))/2 is a sum of two non-negative numbers, below 1/2 +
    # rounding, whose log is far from 0: no cancellation either way.
    tails = upper_tail1(-a) + upper_tail1(b)
    if tails <= 0.5:
        return math.log1p(-tails)
    return math.log(0.5 * (math.erf(b * INV_SQRT2) + math.erf(-a * INV_SQRT2)))


@nb.njit(parallel=True, **_JIT)
def log_ndtr(x):
    """Array version of :func:`log_ndtr1`; ``x`` of shape (N,)."""
    out = np.empty_like(x)
    for i in nb.prange(x.shape[0]):
        out[i] = log_ndtr1(x[i])
    return out


@nb.njit(parallel=True, **_JIT)
def log_gauss_mass(a, b):
    """Array version of :func:`log_gauss_mass1`; ``a``, ``b`` of shape (N,)."""
    out = np.empty_like(a)
    for i in nb.prange(a.shape[0]):
        out[i] = log_gauss_mass1(a[i], b[i])
    return out


@nb.njit(**_JIT)
def lse_add(top, scaled_sum, term):
    """One step of a streaming log-sum-exp: the running maximum ``top`` and the sum of
    ``exp(term_i - top)``, updated with a finite ``term``; returns the new pair."""
    if term > top:
        return term, scaled_sum * math.exp(top - term) + 1.0
    return top, scaled_sum + math.exp(term - top)


@nb.njit(**_JIT)
def lse_value(top, scaled_sum):
    """The log of the sum accumulated by :func:`lse_add` (``-inf`` for an empty sum)."""
    if scaled_sum == 0.0:
        return -math.inf
    return top + math.log(scaled_sum)


@nb.njit(**_JIT)
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


@nb.njit(**_JIT)
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


@nb.njit(parallel=True, **_JIT)
def log_pdf_smooth(x, lognorm, mean, mean_lo, inv2v, pa, pb, q, flo, fhi, lo_inf, hi_inf):
    """Array version of :func:`log_pdf_smooth1`, parallel over chunks; ``x`` of shape (N,),
    terms of shape (T,)."""
    out = np.empty_like(x)
    n_chunks = (x.shape[0] + CHUNK - 1) // CHUNK
    for c in nb.prange(n_chunks):
        _smooth_range(x, out, c * CHUNK, min((c + 1) * CHUNK, x.shape[0]), lognorm, mean,
                      mean_lo, inv2v, pa, pb, q, flo, fhi, lo_inf, hi_inf)
    return out


@nb.njit(**_JIT)
def log_pdf_smooth_serial(x, lognorm, mean, mean_lo, inv2v, pa, pb, q, flo, fhi, lo_inf,
                          hi_inf):
    """Serial version of :func:`log_pdf_smooth` (no thread-pool launch, for small N)."""
    out = np.empty_like(x)
    _smooth_range(x, out, 0, x.shape[0], lognorm, mean, mean_lo, inv2v, pa, pb, q, flo, fhi,
                  lo_inf, hi_inf)
    return out


@nb.njit(**_JIT)
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


@nb.njit(parallel=True, **_JIT)
def log_pdf_pushforward(x, slopes, intercepts, lo, hi, f_lo, f_hi, log_w, mu, var):
    """Array version of :func:`log_pdf_pushforward1` (parallel)."""
    out = np.empty_like(x)
    for i in nb.prange(x.shape[0]):
        out[i] = log_pdf_pushforward1(x[i], slopes, intercepts, lo, hi, f_lo, f_hi, log_w, mu,
                                      var)
    return out


@nb.njit(**_JIT)
def log_pdf_pushforward_serial(x, slopes, intercepts, lo, hi, f_lo, f_hi, log_w, mu, var):
    """Serial version of :func:`log_pdf_pushforward` (for small N)."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = log_pdf_pushforward1(x[i], slopes, intercepts, lo, hi, f_lo, f_hi, log_w, mu,
                                      var)
    return out
