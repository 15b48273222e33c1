"""The integrand of the Q path of :mod:`exactid.density.polygon_quadrature` and its rule.

What to use when: only through :func:`exactid.density.polygon_mass.log_polygon_mass1`.  This
module holds the pieces of the 1-D integral ``J`` that are evaluated at every node: the slice
mass ``Phi(hi) - Phi(lo)`` formed without cancellation (:func:`phi_difference`, with
:func:`pair_width` for the width of a narrow slice), the integrand
``exp(-d tau - tau^2/2) (Phi(hi) - Phi(lo))`` (:func:`slice_integrand`) and one Gauss-Kronrod
21 / Gauss 10 panel with its error estimate (:func:`gk21_panel`).  The adaptive driver, the
frame and the breakpoints are in :mod:`exactid.density.polygon_quadrature`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .polygon_geometry import cross_dd
from .special import JIT_OPTIONS, exact_square, upper_tail1

#: A slice is "narrow" (Gauss-Legendre for Phi(hi) - Phi(lo)) when delta (|m| + delta) is at
#: most this (m, delta: centre and half-width); then exp(-m u - u^2/2) varies by at most e.
NARROW = 0.5

INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

# Gauss-Kronrod 21 / Gauss 10 (QUADPACK qk21): Kronrod nodes (the odd ones are Gauss nodes),
# Kronrod and Gauss weights, on [-1, 1].
_XGK = np.array([
    0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
    0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
    0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
    0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
    0.294392862701460198131126603103866, 0.148874338981631210884826001129720, 0.0])
_WGK = np.array([
    0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
    0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
    0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
    0.123491976262065851077958109831074, 0.134709217311473325928054001771707,
    0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
    0.149445554002916905664936468389821])
_WG = np.array([
    0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
    0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
    0.295524224714752870173892994651338])
# 8-point Gauss-Legendre on [-1, 1] (narrow slices).
_GL8_X, _GL8_W = np.polynomial.legendre.leggauss(8)


@nb.njit(**JIT_OPTIONS)
def normal_sf(x):
    """``Phi(-x)`` for any real ``x`` (:func:`exactid.density.special.upper_tail1` takes ``x
    >= 0``); a few ulp relative where the result is normal.

    ``upper_tail1`` (erfcx times an exactly split ``exp(-x^2/2)``) is insensitive to the
    rounding of ``x / sqrt2``, like the prototype's first-order corrected ``erfc``: 3.4 ulp at
    most against 2.2, the same errors of ``log P`` on 1105 reference polygons.
    """
    if x >= 0.0:
        return upper_tail1(x)
    return 1.0 - upper_tail1(-x)


@nb.njit(**JIT_OPTIONS)
def phi_difference(lo, hi, wd):
    """``Phi(hi) - Phi(lo) >= 0`` without cancellation; ``wd = hi - lo`` formed accurately
    by the caller (it decides narrow slices, where ``hi - lo`` itself would cancel)."""
    if not (wd > 0.0):
        return 0.0
    if math.isinf(hi):
        if math.isinf(lo):
            return 1.0
        return normal_sf(lo)
    if math.isinf(lo):
        return normal_sf(-hi)
    dl = 0.5 * wd
    m = 0.5 * (hi + lo)
    if dl * (abs(m) + dl) <= NARROW:
        # phi(m) int_{-dl}^{dl} exp(-m u - u^2/2) du: the integrand varies by at most e^0.5,
        # 8 Gauss-Legendre points are exact to < 1e-17 relative.
        if abs(m) > 40.0:
            return 0.0  # phi(m) < 1e-347 underflows (and m^2 must not be split)
        s = 0.0
        for k in range(8):
            u = dl * _GL8_X[k]
            s += _GL8_W[k] * math.exp(-u * (m + 0.5 * u))
        m2, m2_lo = exact_square(m)
        return s * dl * INV_SQRT_2PI * (math.exp(-0.5 * m2) * (1.0 - 0.5 * m2_lo))
    # Tail forms: each difference has a cancellation factor of at most about 2.5.
    if lo >= 0.0:
        return normal_sf(lo) - normal_sf(hi)
    if hi <= 0.0:
        return normal_sf(-hi) - normal_sf(-lo)
    return (1.0 - normal_sf(-lo)) - normal_sf(hi)


@nb.njit(**JIT_OPTIONS)
def pair_width(G, ih, il, tau, ee):
    """The slice width ``hi - lo`` of the rows ``ih`` (upper) and ``il`` (lower) at ``tau``:
    ``(W0 + tau DET) / (CS_h CS_l)`` with ``W0 = R_h CS_l - R_l CS_h`` (two terms of equal
    sign) and ``DET = cross(a_l, a_h) |e|^2`` (exactly rounded)."""
    w0 = G[ih, 2] * G[il, 1] - G[il, 2] * G[ih, 1]
    det = cross_dd(G[il, 3], G[il, 4], G[il, 6], G[il, 7],
                   G[ih, 3], G[ih, 4], G[ih, 6], G[ih, 7]) * ee
    return (w0 + tau * det) / (G[ih, 1] * G[il, 1])


@nb.njit(**JIT_OPTIONS)
def slice_integrand(tau, d, G, mm, ee):
    """The integrand ``exp(-d tau - tau^2/2) (Phi(hi) - Phi(lo))`` at ``tau``.

    ``G[c] = (CT, CS, R, a0, a1, 1/CS, al0, al1)`` of row ``c``: ``CT tau + CS s <= R`` in the
    frame; ``(a0 + al0, a1 + al1)`` is the row.  ``hi`` and ``lo`` are the min / max over all
    rows with ``CS != 0`` (rows with ``CS == 0`` exactly are the integration limits), so the
    integrand is 0 outside ``Q``.  The width ``hi - lo`` is that of the active pair ``(h,
    l)`` formed accurately (:func:`pair_width`): narrow slices keep full relative accuracy,
    and the slice is empty iff it is ``<= 0``.  When a second row is within rounding of
    ``hi`` (or ``lo``), two nearly coincident lines, the rounded bounds cannot tell which is
    the tighter one: the width is the smallest of the accurate pair widths (choosing by the
    rounded bounds gave a noise of 1e-8 relative on a strip of width 1e-8, and the adaptive
    loop ran to MAXINT).
    """
    hi = np.inf
    lo = -np.inf
    hi2 = np.inf
    lo2 = -np.inf
    ih = -1
    il = -1
    ih2 = -1
    il2 = -1
    for c in range(mm):
        cs = G[c, 1]
        if cs > 0.0:
            v = (G[c, 2] - G[c, 0] * tau) * G[c, 5]
            if v < hi:
                hi2, ih2 = hi, ih
                hi, ih = v, c
            elif v < hi2:
                hi2, ih2 = v, c
        elif cs < 0.0:
            v = (G[c, 2] - G[c, 0] * tau) * G[c, 5]
            if v > lo:
                lo2, il2 = lo, il
                lo, il = v, c
            elif v > lo2:
                lo2, il2 = v, c
    if ih >= 0 and il >= 0:
        # Ties: within 1e-15 (4.5 eps) of the magnitudes |R| + |CT tau| / |CS| that the
        # two rounded bounds are formed from.
        tie_h = ih2 >= 0 and hi2 - hi <= 1e-15 * (
            (abs(G[ih, 2]) + abs(G[ih, 0] * tau)) * abs(G[ih, 5])
            + (abs(G[ih2, 2]) + abs(G[ih2, 0] * tau)) * abs(G[ih2, 5]))
        tie_l = il2 >= 0 and lo - lo2 <= 1e-15 * (
            (abs(G[il, 2]) + abs(G[il, 0] * tau)) * abs(G[il, 5])
            + (abs(G[il2, 2]) + abs(G[il2, 0] * tau)) * abs(G[il2, 5]))
        wd = np.inf
        for pair in range(4):  # (ih, il), (ih, il2), (ih2, il), (ih2, il2)
            if (pair >= 2 and not tie_h) or (pair % 2 == 1 and not tie_l):
                continue
            wd = min(wd, pair_width(G, ih if pair < 2 else ih2, il if pair % 2 == 0 else il2,
                                     tau, ee))
        if not (wd > 0.0):
            # Empty slice, decided by the accurate width: ``hi > lo`` from the separately
            # rounded bounds is noise for strips of width 1e-17 (the adaptive loop then
            # chased it to MAXINT).
            return 0.0
    else:
        wd = np.inf
    D = phi_difference(lo, hi, wd)
    if D == 0.0:
        return 0.0
    # The exponent is positive only before the start of Q (tau < 0), where D is rounding
    # noise; capped so that it cannot overflow.
    return math.exp(min(-tau * (d + 0.5 * tau), 700.0)) * D


@nb.njit(**JIT_OPTIONS)
def gk21_panel(a, b, d, G, mm, ee):
    """Gauss-Kronrod 21 on ``[a, b]``: ``(result, error estimate)``, QUADPACK's heuristic
    with a rounding floor of 4.4e-16 of the result (the integrand is ``>= 0``), which stops
    the adaptive loop from chasing rounding noise."""
    c = 0.5 * (a + b)
    hl = 0.5 * (b - a)
    # All 21 nodes through one call site of slice_integrand (three made the compiled code
    # three times as large): fv1 / fv2 at c -+ hl x_j, then the centre.
    fv1 = np.empty(10)
    fv2 = np.empty(10)
    fc = 0.0
    for q in range(21):
        if q == 20:
            fc = slice_integrand(c, d, G, mm, ee)
        elif q < 10:
            fv1[q] = slice_integrand(c - hl * _XGK[q], d, G, mm, ee)
        else:
            fv2[q - 10] = slice_integrand(c + hl * _XGK[q - 10], d, G, mm, ee)
    resg = 0.0
    resk = _WGK[10] * fc
    for j in range(10):
        f1 = fv1[j]
        f2 = fv2[j]
        resk += _WGK[j] * (f1 + f2)
        if j % 2 == 1:
            resg += _WG[j // 2] * (f1 + f2)
    reskh = 0.5 * resk
    resasc = _WGK[10] * abs(fc - reskh)
    for j in range(10):
        resasc += _WGK[j] * (abs(fv1[j] - reskh) + abs(fv2[j] - reskh))
    result = resk * hl
    resasc *= abs(hl)
    err = abs((resk - resg) * hl)
    if resasc != 0.0 and err != 0.0:
        err = resasc * min(1.0, (200.0 * err / resasc) ** 1.5)
    err = max(err, 4.4e-16 * abs(result))
    return result, err
