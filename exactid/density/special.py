"""Special functions of the normal distribution in log space, as numba kernels.

What to use when: :func:`log_ndtr1` for ``log Phi(x)`` and :func:`log_gauss_mass1` for the log
mass ``log(Phi(b) - Phi(a))`` of an interval under a standard normal, from numba code (the
array versions :func:`log_ndtr` and :func:`log_gauss_mass` from NumPy); :func:`lse_add` /
:func:`lse_value` for a streaming log-sum-exp.  :mod:`exactid.density.kernels` builds the
densities on these.  Every function comes in the numba-stats style: a scalar function
(suffix ``1``) and, where it is used on arrays, a ``prange`` loop over the input.  No
``fastmath``: the code relies on IEEE infinities (``log(0) = -inf``, ``erfc(+inf) = 0``).

Accuracy (``eps`` = 2.2e-16), checked against mpmath in ``tests/exactid/density/test_special.py``:

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

#: Options of every jitted function here and in exactid.density.kernels (cache: compiled once
#: per machine; numpy error model: IEEE results instead of exceptions).
JIT_OPTIONS = dict(cache=True, error_model="numpy", nogil=True)  # pragma: no mutate (speed only)

SQRT2 = math.sqrt(2.0)
INV_SQRT2 = 1.0 / SQRT2
INV_SQRT_PI = 1.0 / math.sqrt(math.pi)
#: log sqrt(2 pi), correctly rounded (0.5 * math.log(2 pi) is 1 ulp below it).
LOG_SQRT_2PI = 0.9189385332046728
#: erfcx switches from exp(u^2) erfc(u) to its asymptotic series at this argument.
#: (The series reaches 1e-17 from u ~ 8 on, and exp(u^2) overflows beyond 26.6: 24 and 26 are
#: as good.)
ERFCX_ASYMPTOTIC_FROM = 25.0  # pragma: no mutate (see above)
#: log_gauss_mass uses its Hermite series when (b - a) * max(1, |(a + b) / 2|) is at most this;
#: beyond it the tail difference log Phi(a) - log Phi(b) is at least about 0.3 in magnitude,
#: so log(1 - exp(d)) loses no accuracy.
NARROW_INTERVAL = 1.0  # equivalent mutant: 2.0 (14 series terms still reach eps there)
#: Number of series terms used for narrow intervals (see _log_mass_narrow).
NARROW_TERMS = 14  # pragma: no mutate (terms 13-15 are below 1e-22: 13 or 15 are as good)
#: A left-tail interval with (a^2 - b^2)/2 above this has mass Phi(b) (1 - delta), delta <
#: exp(-40): log(1 - delta) is dropped (absolute error < 5e-18).
LONG_INTERVAL = 40.0  # pragma: no mutate (a shortcut: 39 or 41 drop < 1e-17 as well)


@nb.njit(**JIT_OPTIONS)
def exact_square(u):
    """Return (hi, lo) with hi + lo == u*u exactly (Veltkamp split, no FMA needed)."""
    hi = u * u
    # 2**27 + 1.  Equivalent mutants: 2**27 and 2**27 + 2 (their splits were exact on 20,000
    # random u too).
    c = 134217729.0 * u
    uh = c - (c - u)
    ul = u - uh
    lo = ((uh * uh - hi) + 2.0 * uh * ul) + ul * ul
    return hi, lo


@nb.njit(**JIT_OPTIONS)
def erfcx1(u):
    """Scaled complementary error function ``exp(u^2) erfc(u)`` for ``u >= 0``."""
    if u < ERFCX_ASYMPTOTIC_FROM:  # pragma: no mutate (both forms are accurate at u = 25)
        hi, lo = exact_square(u)
        return math.exp(hi) * math.erfc(u) * (1.0 + lo)
    if math.isinf(u):
        return 0.0
    # Asymptotic series 1/(u sqrt(pi)) * sum_k (-1)^k (2k-1)!! / (2u^2)^k; at u >= 25 the
    # ratio of consecutive terms is <= (2k-1)/1250, so a handful of terms reach 1e-17.
    r = 1.0 / (2.0 * u * u)
    term = 1.0
    total = 1.0
    k = 1
    while k < 30:  # pragma: no mutate (the break below comes first, at k <= 8 for u >= 25)
        term *= -(2.0 * k - 1.0) * r
        total += term
        # The terms keep shrinking for k < u^2 (>= 625 here), so going on to k = 30 changes
        # nothing: the break only saves time.
        if abs(term) < 1e-17:  # pragma: no mutate (see above)
            break
        k += 1
    return INV_SQRT_PI / u * total


@nb.njit(**JIT_OPTIONS)
def upper_tail1(x):
    """``Phi(-x) = 1 - Phi(x)`` for ``x >= 0`` to a few ulp relative.

    ``erfc(x / sqrt2)`` would amplify the rounding of ``x / sqrt2`` by ``x^2``; instead
    ``erfcx`` (insensitive to that rounding) times ``exp(-x^2 / 2)`` with ``x^2`` split exactly.
    """
    # Phi(-x) underflows to 0 from x = 38.5 on; the test also keeps inf out of the split.
    # Equivalent mutants: '>=', and thresholds 39 or 41.
    if x > 40.0:
        return 0.0
    hi, lo = exact_square(x)
    return 0.5 * erfcx1(x * INV_SQRT2) * math.exp(-0.5 * hi) * (1.0 - 0.5 * lo)


@nb.njit(**JIT_OPTIONS)
def log_ndtr1(x):
    """``log Phi(x)`` for the standard normal CDF Phi."""
    if x > 0.0:  # equivalent mutants: '>=', -1.0 (both forms are within the bound there)
        return math.log1p(-upper_tail1(x))
    if math.isinf(x):
        return -math.inf
    # Phi(x) = erfcx(-x/sqrt2)/2 * exp(-x^2/2): the exponent is exact up to the rounding of x^2.
    return math.log(0.5 * erfcx1(-x * INV_SQRT2)) - 0.5 * x * x


@nb.njit(**JIT_OPTIONS)
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
    # Equivalent mutants: '>=', and every change that drops the correction less often or
    # never (sign flips, (b + a), (a - b), b / a, -a * b, (b - a)^2 for a < b <= 0, ...): it is
    # a shortcut, and computing the tiny correction is exact too.  Mutants that drop it more
    # often are killed by the table of left-tail intervals.
    if math.isinf(a) or 0.5 * (b - a) * (-a - b) > LONG_INTERVAL:
        return log_phi_b
    # Outside the narrow regime the ratio is at most exp(-0.3): log1p(-ratio) is finite.
    ratio = erfcx1(-a * INV_SQRT2) / erfcx_b * math.exp(-0.5 * (a - b) * (a + b))
    return log_phi_b + math.log1p(-ratio)


@nb.njit(**JIT_OPTIONS)
def _log_mass_narrow(c, h):
    """``log(Phi(c + h/2) - Phi(c - h/2))`` for ``h * max(1, |c|) <= 1`` by a series.

    With the probabilists' Hermite polynomials He_n and ``e^{-cu - u^2/2} = sum_n He_n(c)
    (-u)^n / n!``, integrating over ``|u| <= h/2`` leaves the even terms:

        Phi(c + h/2) - Phi(c - h/2) = phi(c) h sum_n He_2n(c) (h/2)^2n / ((2n)! (2n + 1)).

    ``g_k = He_k(c) (h/2)^k`` follows the scaled recurrence ``g_{k+1} = (h/2) c g_k - k (h/2)^2
    g_{k-1}``, which cannot overflow; for ``h max(1, |c|) <= 1`` the sum lies in [0.9, 1.2],
    so there is no cancellation.
    """
    half = 0.5 * h  # equivalent mutant: -0.5 (only the even terms, in half^2n, are summed)
    g_prev = 1.0  # g_0
    g_cur = half * c  # g_1
    total = 1.0
    factorial = 1.0
    # A fixed number of terms: He_2n(c) has zeros, so a small term says nothing about the
    # remainder.  With h max(1, |c|) <= 1 the n-th term is at most about 1 / (8^n n!)
    # (|c| <= 1: |He_2n| <= (2n-1)!!; |c| > 1: |g_k| <= 2^-k), i.e. < 1e-24 for n >= 14.
    for n in range(1, NARROW_TERMS + 1):  # equivalent mutants: + 0, * 1, - 1, + 2 (12-15 terms)
        k = 2 * n - 1  # advance g_{2n-1} -> g_{2n}
        g_prev, g_cur = g_cur, half * c * g_cur - k * half * half * g_prev
        factorial *= (2.0 * n - 1.0) * (2.0 * n)
        total += g_cur / (factorial * (2.0 * n + 1.0))
        # advance once more, g_{2n} -> g_{2n+1}
        g_prev, g_cur = g_cur, half * c * g_cur - (k + 1) * half * half * g_prev
    return math.log(h) - 0.5 * c * c - LOG_SQRT_2PI + math.log(total)


@nb.njit(**JIT_OPTIONS)
def log_gauss_mass1(a, b):
    """``log(Phi(b) - Phi(a))`` for ``a <= b`` (``-inf`` if ``a == b``); ``a``, ``b`` may be
    infinite."""
    if not a < b:
        return -math.inf
    h = b - a
    # Equivalent mutants: c -> -c (the mass of a centred interval is even in c), 2.0 for
    # 1.0 in max() and '<' for '<=' (thresholds between two accurate forms).
    c = 0.5 * (a + b)
    if h * max(1.0, abs(c)) <= NARROW_INTERVAL:
        return _log_mass_narrow(c, h)
    # Equivalent mutants: thresholds +-1.0 instead of 0.0 in either test, '<' and 'a > 0' (the
    # left-tail form stays within the bound for b <= 1 and its mirror for a >= -1, the central
    # form for -1 < b <= 0 and 0 <= a < 1; tested at those points).
    if b <= 0.0:
        return _log_mass_left(a, b)
    if a >= 0.0:
        return _log_mass_left(-b, -a)
    # a < 0 < b and, not narrow, b - a > 1.  The mass is 1 - t with t = Phi(a) + Phi(-b), two
    # tails each to a few ulp relative, and t <= 2 Phi(-1/2) ... Phi(0) + Phi(-1) = 0.66: a
    # relative error d of t moves log1p(-t) by at most d t / ((1 - t) |log(1 - t)|) <= 1.8 d
    # of the result, even where it is tiny (-1.5e-23 at (-10, 10), where log of the mass
    # would round to 0).
    return math.log1p(-(upper_tail1(-a) + upper_tail1(b)))


@nb.njit(parallel=True, **JIT_OPTIONS)  # pragma: no mutate (parallel: speed only)
def log_ndtr(x):
    """Array version of :func:`log_ndtr1`; ``x`` of shape (N,)."""
    out = np.empty_like(x)
    for i in nb.prange(x.shape[0]):  # pragma: no mutate (x is 1-D: shape[0] is shape[-1])
        out[i] = log_ndtr1(x[i])
    return out


@nb.njit(parallel=True, **JIT_OPTIONS)  # pragma: no mutate (parallel: speed only)
def log_gauss_mass(a, b):
    """Array version of :func:`log_gauss_mass1`; ``a``, ``b`` of shape (N,)."""
    out = np.empty_like(a)
    for i in nb.prange(a.shape[0]):  # pragma: no mutate (a is 1-D: shape[0] is shape[-1])
        out[i] = log_gauss_mass1(a[i], b[i])
    return out


@nb.njit(**JIT_OPTIONS)
def lse_add(top, scaled_sum, term):
    """One step of a streaming log-sum-exp: the running maximum ``top`` and the sum of
    ``exp(term_i - top)``, updated with a finite ``term``; returns the new pair."""
    if term > top:  # equivalent mutant: '>=' (equal terms give the same pair either way)
        return term, scaled_sum * math.exp(top - term) + 1.0
    return top, scaled_sum + math.exp(term - top)


@nb.njit(**JIT_OPTIONS)
def lse_value(top, scaled_sum):
    """The log of the sum accumulated by :func:`lse_add` (``-inf`` for an empty sum)."""
    if scaled_sum == 0.0:  # equivalent mutant: '<=' (the sum is >= 0)
        return -math.inf
    return top + math.log(scaled_sum)
