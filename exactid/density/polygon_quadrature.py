r"""The quadrature path ("Q path") of the polygon mass: a 1-D integral of a positive integrand.

What to use when: nothing here is called directly; :func:`exactid.density.polygon_mass.
log_polygon_mass1` uses this path for every polygon the closed Owen's-T form does not accept
(far, small and thin polygons, slivers through 0), see the regimes in
:mod:`exactid.density.polygon_mass`.

The integral.  Let ``p*`` be a float point of ``Q`` nearest to 0, ``d = |p*|``, ``e = p* /
d`` and ``f = rot90(e)``.  With ``w = p* + tau e + s f``, ``|w|^2 = (d + tau)^2 + s^2``, so

.. math::

    P(Q) = \varphi(d) J, \quad J = \int e^{-d\tau - \tau^2/2}\,[\Phi(hi(\tau)) -
    \Phi(lo(\tau))]\, d\tau, \quad \log P = \log J - d^2/2 - \log\sqrt{2\pi}.

The integrand is ``>= 0`` and ``exp(-d^2/2)`` is never formed, so there is no cancellation
and no underflow for any ``d``.  If 0 lies in the closed ``Q``, ``Q`` is cut by the line
through 0 parallel to the nearest edge and each half is integrated with ``p* = 0``.

Design (the narrow-region form; why each piece is there is in the function docstrings):

* frame data from the raw rows in extended precision (residuals ``R = b - a . p*``, ``CS =
  cross(e, a)``, ``CT = a . e``, vertex ``tau`` from exactly rounded cross products); no row
  is ever snapped to the frame, ``hi`` and ``lo`` are the min / max over all rows at every
  node, so the integrand is 0 outside ``Q``;
* the slice width of the active pair ``(h, l)`` is ``(R_h CS_l - R_l CS_h + tau cross(a_l,
  a_h)) / (CS_h CS_l)``: the two ``R`` terms have the same sign, so slivers of width 1e-12
  keep about 1e-15 relative accuracy; this width, not ``hi > lo``, decides an empty slice,
  and of two nearly coincident rows the one giving the smaller width is taken (strips of
  width 1e-17 and nearly coincident rows, see :func:`slice_integrand`);
* far away (``d > D_SHIFT = 1e6``) the frame origin is moved to the nearest feature of ``Q``
  computed in the frame (``p*`` is off by ``eps d``, the integrand varies on ``1 / d``);
  beyond ``D_HUGE = 1e10``, ``log P = -d^2/2 - log d - log sqrt(2 pi)``, whose error
  ``|log(J d)|`` is below 1e-17 of ``|log P|``;
* ``Phi(hi) - Phi(lo)`` by Gauss-Legendre on narrow slices, else by tail forms with a
  cancellation factor of at most about 2.5;
* globally adaptive Gauss-Kronrod G10/K21 (QUADPACK's error heuristic plus a rounding floor),
  started on a partition that holds every known feature: the vertex ``tau`` (kinks), for
  steep rows the ``tau`` where their boundary crosses ``s = 0, +-1, +-2, +-4, +-8``, and the
  levels ``d tau + tau^2 / 2 = 3, 10, 24, 48``.

Error: the quadrature estimate (``<= EPSREL_Q`` relative; a heuristic, not a proof),
rounding of about 1e-15 relative (all terms positive), the truncation of an unbounded range
(``< TAIL_REL`` relative, a bound since ``Phi(hi) - Phi(lo) <= 1``), and 1-2 ulp of ``|log P|``
from rounding ``d^2 / 2`` and the final sum.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .polygon_geometry import (
    FLUSH,
    cross_dd,
    cross_exact,
    nearest_point,
    origin_outside,
    polygon_edges,
    residual_dd,
    two_prod,
)
from .polygon_slices import gk21_panel
from .special import JIT_OPTIONS, LOG_SQRT_2PI

#: The adaptive quadrature stops when its estimated error is at most this times J.
EPSREL_Q = 1e-15
#: An unbounded tau range is truncated where the neglected mass is below this times J.
TAIL_REL = 1e-18
#: Cap on the number of quadrature intervals (15000 random polygons needed at most 35).
MAXINT = 1000
#: Initial partition of the tau axis: d tau + tau^2/2 = level; the last is the first
#: truncation level (weight e^-48 = 1.4e-21), extended in steps of TAIL_STEP.
LEVELS = np.array([3.0, 10.0, 24.0, 48.0])
TAIL_STEP = 12.0
#: The tau range starts this far (times 64 + d) before its first vertex: p* is only a float.
TAU_MARGIN = 1.8e-15
#: Beyond this distance the frame is moved to the start of Q (see _start_tau): p* is off by
#: about eps d, and the weight exp(d eps d) of the part of Q before p* would overflow (at d
#: near 1e9) and could not be resolved (the integrand varies on a scale 1 / d).
D_SHIFT = 1e6
#: Beyond this distance ``log P = -d^2/2 - log d - log sqrt(2 pi)`` (J = 1/d): |log(J d)|,
#: a few hundred at most for any polygon wider than 1e-300, is below 1e-17 |log P|.
D_HUGE = 1e10

@nb.njit(**JIT_OPTIONS)
def _tau_level(d, level):
    """The ``tau >= 0`` with ``d tau + tau^2 / 2 = level`` (in the form without
    cancellation)."""
    return 2.0 * level / (d + math.sqrt(d * d + 2.0 * level))


@nb.njit(**JIT_OPTIONS)
def _frame_rows(AR, AL, BR, BL, mm, px, py, ex, ey):
    """Frame data ``G`` (see :func:`~exactid.density.polygon_slices.slice_integrand`) of every
    row in extended precision, and the limits ``tlow``, ``tupp`` set by rows exactly
    perpendicular to the frame (``CS == 0``).

    Returns ``(G, tlow, tupp, feasible)``; ``feasible`` is False if a row with ``CS = CT = 0``
    excludes everything.
    """
    G = np.empty((mm, 8))
    tlow = -np.inf
    tupp = np.inf
    for c in range(mm):
        a0 = AR[c, 0]
        a1 = AR[c, 1]
        l0 = AL[c, 0]
        l1 = AL[c, 1]
        p1, e1 = two_prod(a0, ex)
        p2, e2 = two_prod(a1, ey)
        ct = (p1 + p2) + ((e1 + e2) + (l0 * ex + l1 * ey))
        cs = cross_exact(ex, ey, a0, a1) + (ex * l1 - ey * l0)
        r = residual_dd(BR[c], a0, a1, px, py, BL[c] - (l0 * px + l1 * py))
        G[c, 0] = ct
        G[c, 1] = cs
        G[c, 2] = r
        G[c, 3] = a0
        G[c, 4] = a1
        G[c, 5] = 1.0 / cs if cs != 0.0 else 0.0
        G[c, 6] = l0
        G[c, 7] = l1
        if cs == 0.0:
            if ct < 0.0:
                tlow = max(tlow, r / ct)
            elif ct > 0.0:
                tupp = min(tupp, r / ct)
            elif r < 0.0:
                return G, tlow, tupp, False
    return G, tlow, tupp, True


@nb.njit(**JIT_OPTIONS)
def _chain_closed(EI, J0, J1, k):
    """Whether the edges form a chain: the edge ending at row ``j`` is followed by an edge on
    row ``j`` that starts at its row, and vice versa (unbounded ends aside)."""
    for q in range(k):
        for side in range(2):
            j = J1[q] if side == 1 else J0[q]
            if j < 0:
                continue
            found = False
            for r in range(k):
                if EI[r] == j and (J0[r] if side == 1 else J1[r]) == EI[q]:
                    found = True
                    break
            if not found:
                return False
    return True


@nb.njit(**JIT_OPTIONS)
def _vertex_taus(AR, AL, G, EI, S0, S1, J0, J1, k, mm, ee):
    """The sorted ``tau`` of the vertices of ``Q`` (from exactly rounded cross products), and
    whether ``Q`` is unbounded in ``+tau``.

    If the edges do not form a chain (:func:`_chain_closed`), the tau of every pair of rows
    is added: a polygon below the float resolution of its edge parameters (a triangle of
    size 1e-16 two units from 0: the edges collapse to a float range of length 0, one
    survives) is still resolved in the frame, whose data are relative to ``p*``, but its
    missing vertices must be breakpoints (without them: 1.66 in ``log P``, estimate 4e-16).
    Ties (three rows through one vertex) also break the chain; the extra breakpoints then
    only cost time."""
    closed = _chain_closed(EI, J0, J1, k)
    tv = np.empty(2 * k + 1 + (0 if closed else mm * (mm - 1) // 2))
    nv = 0
    if not closed:
        for c in range(mm):
            for j in range(c + 1, mm):
                det = cross_dd(AR[c, 0], AR[c, 1], AL[c, 0], AL[c, 1],
                               AR[j, 0], AR[j, 1], AL[j, 0], AL[j, 1]) * ee
                if det != 0.0:
                    tv[nv] = (G[c, 2] * G[j, 1] - G[j, 2] * G[c, 1]) / det
                    if math.isfinite(tv[nv]):
                        nv += 1
    unbounded = False
    for q in range(k):
        c = EI[q]
        for side in range(2):
            s = S0[q] if side == 0 else S1[q]
            j = J0[q] if side == 0 else J1[q]
            if math.isinf(s) or j < 0:
                # A ray, direction u (side 1) or -u (side 0); its tau component is -+CS.
                if (side == 1 and G[c, 1] < 0.0) or (side == 0 and G[c, 1] > 0.0):
                    unbounded = True
                continue
            det = cross_dd(AR[c, 0], AR[c, 1], AL[c, 0], AL[c, 1],
                            AR[j, 0], AR[j, 1], AL[j, 0], AL[j, 1]) * ee
            if det == 0.0:
                continue
            tv[nv] = (G[c, 2] * G[j, 1] - G[j, 2] * G[c, 1]) / det
            nv += 1
    return np.sort(tv[:nv]), unbounded


@nb.njit(**JIT_OPTIONS)
def _start_tau(G, EI, J0, J1, qn, side, ee):
    """The tau of the nearest feature of ``Q`` (``nearest_point``: the foot of edge ``qn``,
    ``side = -1``, or its vertex ``side``) from the frame data, i.e. to about ``eps |tau|``;
    near 0 (``|tau| <~ eps d``: ``p*`` is a float) but not exactly 0.  Not the smallest
    vertex tau: a vertex far along ``s`` (two nearly parallel rows) may lie anywhere."""
    if qn < 0:
        return 0.0
    c = EI[qn]
    if side < 0:
        return G[c, 2] / G[c, 0] if G[c, 0] != 0.0 else 0.0
    j = J0[qn] if side == 0 else J1[qn]
    if j < 0:
        return 0.0
    det = cross_dd(G[c, 3], G[c, 4], G[c, 6], G[c, 7], G[j, 3], G[j, 4], G[j, 6], G[j, 7]) * ee
    if det == 0.0:
        return 0.0
    return (G[c, 2] * G[j, 1] - G[j, 2] * G[c, 1]) / det


@nb.njit(**JIT_OPTIONS)
def _breakpoints(G, mm, tv, tstart, tend, d):
    """Sorted initial partition of ``[tstart, tend]``: the vertex ``tau`` and, for every
    "steep" row (its Phi transition narrower than half the first level interval), the ``tau``
    where its boundary has ``s = 0, +-1, +-2, +-4, +-8``.  Without the latter a transition of
    width 1e-6 fell between the nodes of one K21 interval (an error of 1.3 in ``log P`` with
    estimate 0: hard case 4 of the design notes)."""
    nv = tv.shape[0]
    bp = np.empty(nv + 9 * mm + 2)
    nb_ = 0
    bp[nb_] = tstart
    nb_ += 1
    for j in range(nv):
        if tv[j] > tstart and tv[j] < tend:
            bp[nb_] = tv[j]
            nb_ += 1
    wlev = 0.5 * _tau_level(d, 4.0)
    for c in range(mm):
        if G[c, 1] != 0.0 and G[c, 0] != 0.0:
            tc = G[c, 2] / G[c, 0]
            sl = G[c, 1] / G[c, 0]
            if not 16.0 * abs(sl) < wlev:
                continue  # not steep
            for isg in range(9):
                if isg == 0:
                    t = tc
                else:
                    sg = 2.0 ** ((isg - 1) // 2)
                    if isg % 2 == 0:
                        sg = -sg
                    t = tc - sg * sl
                if t > tstart and t < tend:
                    bp[nb_] = t
                    nb_ += 1
    bp[nb_] = tend
    nb_ += 1
    return np.sort(bp[:nb_])


@nb.njit(**JIT_OPTIONS)
def _initial_intervals(bp, d, G, mm, ee, IA, IB, IR, IE):
    """K21 on every piece of the partition ``bp`` up to the first truncation level, each
    piece split further at the levels.  Fills the interval arrays; returns ``(n, nev,
    t_trunc, level)``."""
    n = 0
    nev = 0
    level = LEVELS[LEVELS.shape[0] - 1]
    t_trunc = _tau_level(d, level)
    pts = np.empty(16)
    for q in range(bp.shape[0] - 1):
        a = bp[q]
        bb = bp[q + 1]
        if a >= t_trunc:
            break
        if bb > t_trunc:
            bb = t_trunc
        if not (bb > a):
            continue
        npts = 0
        pts[npts] = a
        npts += 1
        for lev in range(LEVELS.shape[0] - 1):
            tl = _tau_level(d, LEVELS[lev])
            if tl > a and tl < bb:
                pts[npts] = tl
                npts += 1
        pts[npts] = bb
        npts += 1
        for j in range(npts - 1):
            if pts[j + 1] > pts[j] and n < MAXINT:
                r, e = gk21_panel(pts[j], pts[j + 1], d, G, mm, ee)
                nev += 21
                IA[n] = pts[j]
                IB[n] = pts[j + 1]
                IR[n] = r
                IE[n] = e
                n += 1
    return n, nev, t_trunc, level


@nb.njit(**JIT_OPTIONS)
def _extend_tail(t_trunc, level, tend, d, G, mm, ee, IA, IB, IR, IE, n, nev):
    """Extend an unbounded range in steps of TAIL_STEP levels until the rest, at most
    ``exp(-level) / (d + tau)`` since ``Phi(hi) - Phi(lo) <= 1``, is below TAIL_REL J.
    Returns ``(n, nev)``."""
    while t_trunc < tend:
        J = 0.0
        for j in range(n):
            J += IR[j]
        if math.exp(-level) / (d + t_trunc) <= TAIL_REL * J:
            break
        new_level = level + TAIL_STEP
        t_new = min(_tau_level(d, new_level), tend)
        if n < MAXINT:
            r, e = gk21_panel(t_trunc, t_new, d, G, mm, ee)
            nev += 21
            IA[n] = t_trunc
            IB[n] = t_new
            IR[n] = r
            IE[n] = e
            n += 1
        level = new_level
        t_trunc = t_new
        if level > 800.0:  # exp(-800) underflows: nothing left to gain
            break
    return n, nev


@nb.njit(**JIT_OPTIONS)
def _refine(d, G, mm, ee, IA, IB, IR, IE, n, nev):
    """Global adaptive refinement: bisect the interval with the largest error estimate until
    the total estimate is at most EPSREL_Q J.  Returns ``(J, E, nev)``."""
    while True:
        J = 0.0
        E = 0.0
        jmax = 0
        emax = -1.0
        for j in range(n):
            J += IR[j]
            E += IE[j]
            if IE[j] > emax:
                emax = IE[j]
                jmax = j
        if E <= EPSREL_Q * J or n >= MAXINT - 1 or emax <= 0.0:
            return J, E, nev
        a = IA[jmax]
        bb = IB[jmax]
        c = 0.5 * (a + bb)
        if not (c > a and c < bb):
            IE[jmax] = 0.0  # cannot be split further
            continue
        r1, e1 = gk21_panel(a, c, d, G, mm, ee)
        r2, e2 = gk21_panel(c, bb, d, G, mm, ee)
        nev += 42
        IB[jmax] = c
        IR[jmax] = r1
        IE[jmax] = e1
        IA[n] = c
        IB[n] = bb
        IR[n] = r2
        IE[n] = e2
        n += 1


@nb.njit(**JIT_OPTIONS)
def _frame_integral(AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, k, px, py, d, ex, ey, qn,
                    side):
    """``J = int exp(-d tau - tau^2/2) (Phi(hi) - Phi(lo)) dtau`` over the tau range of ``Q``
    in the frame ``w = p* + tau e + s f``, ``f = rot90(e)``, ``p* = d e`` (floats), with ``Q``
    in ``{tau >= -O(eps (d + 64))}``.

    All frame quantities come from the rows exactly as given (see :func:`_frame_rows`,
    :func:`_vertex_taus`), so thin polygons and polygons small compared to ``|p*|`` keep full
    relative accuracy.

    Far away (``d > D_SHIFT``) the frame origin is moved along ``e`` to the tau ``t0`` of
    the nearest feature ``(qn, side)`` of ``Q`` (:func:`_start_tau`): ``R -= CT t0`` (with
    an exact product), ``d += t0``.  This is exact; the weight is then about 1 where ``Q``
    starts (not up to ``exp(eps d^2)``, which overflowed near ``d = 1e9``), and the features
    there keep their relative accuracy on the scale ``1 / d`` of the integrand.

    Returns ``(J, error estimate, number of integrand evaluations, d)`` with ``P = phi(d)
    J`` (``d``: the distance of the frame origin, moved or not).
    """
    ee = ex * ex + ey * ey
    G, tlow, tupp, feasible = _frame_rows(AR, AL, BR, BL, mm, px, py, ex, ey)
    if not feasible:
        return 0.0, 0.0, 0, d
    tv, unbounded = _vertex_taus(AR, AL, G, EI, S0, S1, J0, J1, k, mm, ee)
    nv = tv.shape[0]
    if d > D_SHIFT:
        t0 = _start_tau(G, EI, J0, J1, qn, side, ee)
        for c in range(mm):
            p, e = two_prod(G[c, 0], t0)
            G[c, 2] = (G[c, 2] - p) - e
        tv = tv - t0
        tlow -= t0
        tupp -= t0
        d += t0
    # p* is only a float, so the range starts a little before the first vertex (or 0); the
    # integrand is exactly 0 outside Q, so the margin costs nothing.
    margin = TAU_MARGIN * (64.0 + d)
    if tlow > -np.inf:
        tstart = tlow
    else:
        tstart = -margin
        if nv > 0:
            tstart = min(tv[0], 0.0) - margin
    tend = tupp
    if not unbounded and nv > 0:
        tend = min(tend, tv[nv - 1] + margin)
    if not (tend > tstart):
        return 0.0, 0.0, 0, d
    bp = _breakpoints(G, mm, tv, tstart, tend, d)
    IA = np.empty(MAXINT)
    IB = np.empty(MAXINT)
    IR = np.empty(MAXINT)
    IE = np.empty(MAXINT)
    n, nev, t_trunc, level = _initial_intervals(bp, d, G, mm, ee, IA, IB, IR, IE)
    n, nev = _extend_tail(t_trunc, level, tend, d, G, mm, ee, IA, IB, IR, IE, n, nev)
    J, E, nev = _refine(d, G, mm, ee, IA, IB, IR, IE, n, nev)
    return J, E, nev, d


@nb.njit(**JIT_OPTIONS)
def quadrature_path(N, B, AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, k):
    """The Q path on the edges of ``Q`` (see ``polygon_edges``).

    Returns ``(log P, relative error estimate, nev, inside)``: the estimate is the quadrature
    estimate only (rounding of about 1e-15 comes on top), ``nev`` the number of integrand
    evaluations, ``inside`` whether 0 lies in the closed ``Q``.
    """
    if origin_outside(B, mm):
        # Any float point within a few ulp of the nearest point will do: the frame data are
        # exact for the float p*.
        d, px, py, ex, ey, qn, side = nearest_point(N, B, EI, S0, S1, k)
        if not (d < np.inf):
            return -np.inf, 0.0, 0, False  # no nearest point: edges of zero length only
        if d > D_HUGE:
            return -0.5 * d * d - math.log(d) - LOG_SQRT_2PI, 0.0, 0, False
        # A component of e below FLUSH is taken as 0 (a tilt of the frame by 2.4e-181), like
        # the row components in polygon_edges: the products of the frame would be subnormal.
        if abs(ex) < FLUSH:
            ex = 0.0
        if abs(ey) < FLUSH:
            ey = 0.0
        J, E, nev, d = _frame_integral(AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, k,
                                       px, py, d, ex, ey, qn, side)
        if not (J > 0.0):
            return -np.inf, 0.0, nev, False
        return math.log(J) - 0.5 * d * d - LOG_SQRT_2PI, E / J, nev, False
    # 0 in the closed Q: cut Q by the line through 0 parallel to the nearest edge; each half
    # lies in {tau >= 0} with d = 0, p* = 0.
    j0 = EI[0]
    for q in range(k):
        if B[EI[q]] < B[j0]:
            j0 = EI[q]
    ex = N[j0, 0]
    ey = N[j0, 1]
    A2 = np.empty((mm + 1, 2))
    b2 = np.empty(mm + 1)
    bl2 = np.zeros(mm + 1)
    al2 = np.zeros((mm + 1, 2))
    A2[:mm] = AR[:mm]
    al2[:mm] = AL[:mm]
    b2[:mm] = BR[:mm]
    bl2[:mm] = BL[:mm]
    Jt = 0.0
    Et = 0.0
    nevt = 0
    for sgn in (1.0, -1.0):
        A2[mm, 0] = -sgn * ex
        A2[mm, 1] = -sgn * ey
        b2[mm] = 0.0
        (st, N2, B2, AR2, AL2, BR2, BL2, mm2, EI2, S02, S12, J02, J12,
         k2) = polygon_edges(A2, b2, bl2, al2)
        if st != 0:
            continue
        J, E, nev, _ = _frame_integral(AR2, AL2, BR2, BL2, mm2, EI2, S02, S12, J02, J12,
                                       k2, 0.0, 0.0, 0.0, sgn * ex, sgn * ey, -1, -1)
        Jt += J
        Et += E
        nevt += nev
    if Jt <= 0.0:
        return -np.inf, 0.0, nevt, True
    return math.log(Jt) - LOG_SQRT_2PI, Et / Jt, nevt, True
