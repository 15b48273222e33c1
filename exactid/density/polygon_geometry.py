"""Geometry of a convex polygon ``Q = {w : A w <= b}`` in the plane, as numba kernels.

What to use when: :func:`halfplanes_from_vertices` turns a counter-clockwise vertex chain
(plus two rays for an unbounded ``Q``) into the half-plane form ``(A, b)`` that
:mod:`exactid.density.polygon_mass` takes.  The other public kernels are the building blocks
of :mod:`exactid.density.polygon_mass` and :mod:`exactid.density.polygon_quadrature` (public
only so that those modules may import them; not part of the package API): the non-redundant
edges of ``Q`` (:func:`polygon_edges`), the nearest point of ``Q`` to 0
(:func:`nearest_point`), the winding weight of 0 (:func:`winding_weight`), and the
double-double arithmetic they rest on (:func:`two_prod`, :func:`cross_exact`, ...).

Design: the input floats are taken as exact, and every quantity whose rounding would be
amplified by the geometry is formed in extended precision from the *raw* rows: vertex
parameters along an edge (``_vertex_s``; nearly parallel rows would otherwise move the shared
vertex by ``eps / angle``), cross products (:func:`cross_exact`; exactly rounded, so nearly
parallel rows and small angles keep their relative accuracy) and residuals ``b - a . p``
(:func:`residual_dd`).  Every combinatorial decision comes from the raw rows too, never from
the normalized ones (whose cross products carry an absolute error of ``eps``): on which side a
row cuts another and whether two rows are parallel (the sign of the exactly rounded cross
product, :func:`cross_rows`), which of two exactly parallel rows is tighter or whether their
strip is empty or of zero width (:func:`_parallel_gap`), where nearly parallel rows cut
(``_vertex_s``), whether 0 is outside (:func:`origin_outside`, all rows).  Exactly parallel
rows such as ``a`` and ``-1.625 a``, and nearly parallel ones such as ``a`` and ``fl(-1.625
a)`` (cross product 1e-17 relative, vertex 1e17 away), are thus ordinary input.  Rows and
offsets may carry low parts (``al``, ``bl``): the vertex form
keeps ``a = (dy, -dx)`` and ``b = a . v`` as double-doubles, so that every boundary line
passes exactly through its two float vertices.  Of :mod:`exactid.density.special` only
``JIT_OPTIONS`` is used: its ``exact_square`` has no overflow guard, and the products here
(:func:`two_prod`) need one (coordinates up to 1e300 must not give NaN).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .special import JIT_OPTIONS

__all__ = ["halfplanes_from_vertices"]

#: Veltkamp's splitting constant 2**27 + 1.
_SPLIT = 134217729.0
#: Beyond this magnitude the split overflows; products of such factors are returned without
#: their (then irrelevant) rounding error.
_SPLIT_LIMIT = 1e150


@nb.njit(**JIT_OPTIONS)
def two_prod(a, b):
    """``a * b = p + e`` exactly (Dekker, no FMA); ``e = 0`` if ``|a|`` or ``|b| > 1e150``
    (the split would overflow; such magnitudes never need the low part here)."""
    p = a * b
    if not (abs(a) < _SPLIT_LIMIT and abs(b) < _SPLIT_LIMIT):
        return p, 0.0
    c = _SPLIT * a
    ah = c - (c - a)
    al = a - ah
    c = _SPLIT * b
    bh = c - (c - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


@nb.njit(**JIT_OPTIONS)
def two_diff(a, b):
    """``a - b = s + e`` exactly (Knuth's TwoSum; no ordering of the operands needed)."""
    s = a - b
    bb = s - a
    e = (a - (s - bb)) - (b + bb)
    return s, e


@nb.njit(**JIT_OPTIONS)
def dot_dd(a0, a1, x0, x1):
    """``a0 x0 + a1 x1`` as a normalized double-double ``(hi, lo)``."""
    p1, e1 = two_prod(a0, x0)
    p2, e2 = two_prod(a1, x1)
    sh = p1 + p2
    bb = sh - p1
    sl = ((p1 - (sh - bb)) + (p2 - bb)) + (e1 + e2)
    hi = sh + sl
    lo = sl - (hi - sh)
    return hi, lo


@nb.njit(**JIT_OPTIONS)
def residual_dd(b, a0, a1, p0, p1, bl):
    """``(b + bl) - (a0 p0 + a1 p1)`` with error about ``eps |result| + eps^2 |b|`` (``bl``:
    low part of a double-double offset, 0 for plain input)."""
    h1, l1 = two_prod(a0, p0)
    h2, l2 = two_prod(a1, p1)
    sh = h1 + h2
    bb = sh - h1
    sl = (h1 - (sh - bb)) + (h2 - bb)  # two-sum error of h1 + h2
    t = b - sh
    bb2 = t - b
    tl = (b - (t - bb2)) - (sh + bb2)  # two-sum error of b - sh
    return t + ((tl + bl) - (sl + l1 + l2))


@nb.njit(**JIT_OPTIONS)
def cross_exact(a0, a1, b0, b1):
    """``a0 b1 - a1 b0`` with both products exact: accurate even for nearly parallel
    vectors, where the plain formula loses ``eps / angle``."""
    p1, e1 = two_prod(a0, b1)
    p2, e2 = two_prod(a1, b0)
    return (p1 - p2) + (e1 - e2)


@nb.njit(**JIT_OPTIONS)
def cross_dd(a0, a1, al0, al1, b0, b1, bl0, bl1):
    """``cross(a + al, b + bl)`` to first order in the low parts."""
    return cross_exact(a0, a1, b0, b1) + ((a0 * bl1 - a1 * bl0) + (al0 * b1 - al1 * b0))


@nb.njit(**JIT_OPTIONS)
def cross_rows(AR, AL, i, j):
    """``cross(a_i, a_j)`` of two raw rows with their low parts (:func:`cross_dd`).  For rows
    near parallel its sign decides on which side row ``j`` cuts the line of row ``i``, and 0
    means "parallel": the edge ranges (``_edge_range``) and the vertex parameters
    (``_vertex_s``) use this one value, so that they cannot disagree."""
    return cross_dd(AR[i, 0], AR[i, 1], AL[i, 0], AL[i, 1],
                    AR[j, 0], AR[j, 1], AL[j, 0], AL[j, 1])


@nb.njit(**JIT_OPTIONS)
def _parallel_gap(AR, AL, BR, BL, i, j):
    """For exactly parallel rows ``a_j = c a_i`` (``c != 0``): a number whose sign is that of
    ``b_j - c b_i`` (0 iff the two lines coincide).

    For ``c > 0`` it is negative iff row ``j`` is the tighter one (row ``i`` redundant); for
    ``c < 0`` it is the width of the strip ``-b_j / |c| <= a_i . w <= b_i`` times a positive
    factor (negative: empty, 0: zero width).  With ``k`` the larger component of ``a_i``
    (nonzero), ``c = a_jk / a_ik`` and ``b_j - c b_i`` has the sign of ``sign(a_ik) (b_j a_ik -
    b_i a_jk)``, a cross product of raw data formed with exact products: the decision does not
    depend on the rounding of normalized rows (two rows ``a`` and ``-1.625 a`` normalize to
    unit normals that are not exactly opposite)."""
    k = 0 if abs(AR[i, 0]) >= abs(AR[i, 1]) else 1
    g = cross_dd(BR[j], BR[i], BL[j], BL[i], AR[j, k], AR[i, k], AL[j, k], AL[i, k])
    return g if AR[i, k] > 0.0 else -g


@nb.njit(**JIT_OPTIONS)
def _norm2_dd(a0, a1):
    """``a0^2 + a1^2`` as an unnormalized double-double ``(hi, lo)``."""
    p1, e1 = two_prod(a0, a0)
    p2, e2 = two_prod(a1, a1)
    hi = p1 + p2
    bb = hi - p1
    return hi, ((p1 - (hi - bb)) + (p2 - bb)) + e1 + e2


@nb.njit(**JIT_OPTIONS)
def _vertex_s(ai0, ai1, bi, bli, n2h, n2l, aj0, aj1, bj, blj, det):
    """Parameter ``s`` along edge ``i`` (from its foot point, along ``u_i = rot90(a_i) /
    |a_i|``) of the intersection of the lines ``a_i . w = b_i`` and ``a_j . w = b_j``; ``(n2h,
    n2l) = |a_i|^2`` (:func:`_norm2_dd`), ``det = cross(a_i, a_j) != 0`` (:func:`cross_rows`).

    ``s = (|a_i|^2 b_j - (a_i . a_j) b_i) / (cross(a_i, a_j) |a_i|)``, numerator and cross
    product in double-double: accurate for nearly parallel rows (hard case 5 of the design
    notes: from normalized rows the shared vertex was off by 1e-14, 2e-13 in ``log P``).
    ``+-inf`` if the vertex is beyond the float range.
    """
    # a_i . a_j as an unnormalized double-double (hi + two-sum error + product errors).
    p1, e1 = two_prod(ai0, aj0)
    p2, e2 = two_prod(ai1, aj1)
    dth = p1 + p2
    bb = dth - p1
    dtl = ((p1 - (dth - bb)) + (p2 - bb)) + e1 + e2
    q1, f1 = two_prod(n2h, bj)
    f1 += n2l * bj
    q2, f2 = two_prod(dth, bi)
    f2 += dtl * bi
    num = (q1 - q2) + ((f1 - f2) + (n2h * blj - dth * bli))
    return num / (det * math.sqrt(n2h))


#: A row component below this times the row's larger one is taken as 0 (a rotation of the
#: line by at most 2.4e-181): products of such components with the others would have
#: subnormal low parts, and the "exact" cross products and residuals would not be exact
#: (rows (1.5e-300, -0.84) gave P = 1 for a half-plane through 0).
FLUSH = 2.0 ** -600

#: Rows whose unit normals have a cross product below this are clipped with the
#: double-double vertex parameter (_vertex_s) rather than from the normalized rows.
CU_EXACT = 0.125

#: _edge_range status: the line carries no edge / carries an edge / Q is empty or has zero
#: area (an exactly parallel opposite row leaves a strip of width <= 0).
_NO_EDGE = 0
_EDGE = 1
_NO_AREA = 2


@nb.njit(**JIT_OPTIONS)
def _edge_range(N, B, NR, AR, AL, BR, BL, mm, i):
    """Clip line ``i`` by all other rows: ``(status, s0, s1, j0, j1)``, the parameter range
    ``[s0, s1]`` along ``u_i`` and the rows ``j0``, ``j1`` that cut it (-1: unbounded);
    ``status`` is ``_NO_EDGE`` if the line carries no edge (outside, or redundant: a parallel
    tighter row or a duplicate of an earlier row), ``_NO_AREA`` if an exactly parallel
    opposite row makes ``Q`` empty or of zero area.

    Which side a row ``j`` cuts (and whether it is parallel) is decided by the sign of the
    exactly rounded ``cross(a_i, a_j)`` of the raw rows; where it cuts, by the double-double
    ``_vertex_s`` when the unit normals are within ``CU_EXACT`` of parallel, else by ``v =
    (B_j - B_i n_i . n_j) / cu`` from the normalized rows (error ``eps (|B_i| + |B_j|) /
    |cu|``; the end points are recomputed by ``_vertex_s`` in :func:`polygon_edges`).  From
    the normalized rows alone, the cross product carries an absolute error of about ``eps``:
    for (nearly) parallel rows the side was noise (a strip of rows ``a`` and ``-1.625 a``
    became the empty far side of a vertex: NaN / +inf), and for two nearly coincident lines
    (``3 a``, ``3 b`` rounded next to ``a``, ``b``: they cross at an O(1) distance) the
    tighter row was chosen at random (the T path then summed an open chain: ``log P`` off by
    4 with an error bound of 1e-15)."""
    s0, s1 = -np.inf, np.inf
    j0, j1 = -1, -1
    n2h, n2l = _norm2_dd(AR[i, 0], AR[i, 1])
    for j in range(mm):
        if j == i:
            continue
        # Plain cross product first: when the normals are far from parallel its sign is
        # certain and the cut from the normalized rows accurate enough.
        det = AR[i, 0] * AR[j, 1] - AR[i, 1] * AR[j, 0]
        cn = N[j, 0] * N[i, 0] + N[j, 1] * N[i, 1]
        cu = det / (NR[i] * NR[j])  # cross(n_i, n_j) = n_j . u_i
        if abs(cu) >= CU_EXACT:
            v = (B[j] - B[i] * cn) / cu
        else:
            det = cross_rows(AR, AL, i, j)
            if det == 0.0:
                gap = _parallel_gap(AR, AL, BR, BL, i, j)
                if cn > 0.0:
                    if gap < 0.0 or (gap == 0.0 and j < i):
                        return _NO_EDGE, s0, s1, j0, j1  # a tighter (or earlier equal) row
                elif gap <= 0.0:
                    return _NO_AREA, s0, s1, j0, j1  # an empty strip or one of zero width
                continue
            v = _vertex_s(AR[i, 0], AR[i, 1], BR[i], BL[i], n2h, n2l,
                          AR[j, 0], AR[j, 1], BR[j], BL[j], det)
        if det > 0.0:  # row j bounds s from above
            if v < s1:
                s1, j1 = v, j
        elif v > s0:
            s0, j0 = v, j
        if not (s0 < s1):
            return _NO_EDGE, s0, s1, j0, j1
    return _EDGE, s0, s1, j0, j1


@nb.njit(**JIT_OPTIONS)
def polygon_edges(A, b, bl, al):
    """Constraint rows and non-redundant edges of ``Q = {w : (A + al) w <= b + bl}``.

    Parameters
    ----------
    A : (m, 2) float64 array
    b : (m,) float64 array
    bl : (m,) float64 array
        Low parts of double-double offsets (zeros for plain input).
    al : (m, 2) float64 array
        Low parts of double-double rows (zeros for plain input).

    Returns
    -------
    tuple
        ``(status, N, B, AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, k)``.  ``status``: 0 ok, 1 empty
        or of zero area (a row ``0 . w <= b < 0``, a strip of width <= 0, ...), 2 whole plane.
        ``N``, ``B`` (first ``mm`` rows): the rows with ``a != 0``, normalized (unit outward
        normals, ``B = (b + bl) / |a|``); ``AR``, ``AL``, ``BR``, ``BL``: the same rows,
        each scaled (with its offset) by a power of 2 that brings its larger component into
        ``[1, 2)`` (exact, so the result does not depend on such a scaling of the input,
        and the products of the double-double arithmetic neither overflow nor underflow:
        rows of 1e200 gave ``inf - inf``), and with a component below ``FLUSH`` times the
        larger one set to 0.
        Rows with ``B = +inf`` (beyond the float range) are dropped, ``B = -inf`` gives
        status 1.  Edge ``q < k`` lies on row ``EI[q]``: ``{B n + s u : S0[q] <= s <= S1[q]}``
        with ``u = rot90(n)`` (the counter-clockwise tangent); its end points are the
        intersections with rows ``J0[q]``, ``J1[q]`` (-1 and an infinite ``S`` if unbounded;
        an infinite ``S`` may also come with ``J >= 0`` for a vertex beyond the float range),
        recomputed from the raw rows in double-double (``_vertex_s``).
    """
    m = b.shape[0]
    N = np.empty((m, 2))
    B = np.empty(m)
    AR = np.empty((m, 2))
    BR = np.empty(m)
    BL = np.empty(m)
    AL = np.empty((m, 2))
    NR = np.empty(m)
    EI = np.empty(m, dtype=np.int64)
    J0 = np.empty(m, dtype=np.int64)
    J1 = np.empty(m, dtype=np.int64)
    S0 = np.empty(m)
    S1 = np.empty(m)
    mm = 0
    for i in range(m):
        mx = max(abs(A[i, 0]), abs(A[i, 1]))
        if mx == 0.0:
            if b[i] < 0.0:
                return 1, N, B, AR, AL, BR, BL, 0, EI, S0, S1, J0, J1, 0
            continue
        AR[mm, 0] = A[i, 0]
        AR[mm, 1] = A[i, 1]
        BR[mm] = b[i]
        BL[mm] = bl[i]
        AL[mm, 0] = al[i, 0]
        AL[mm, 1] = al[i, 1]
        for c in range(2):
            if abs(AR[mm, c]) < FLUSH * mx:
                AR[mm, c] = 0.0
                AL[mm, c] = 0.0
        # Scale row i by 2^(1 - e) (exact): its larger component then lies in [1, 2).
        sc = 1 - math.frexp(mx)[1]
        if sc != 0:
            for c in range(2):
                AR[mm, c] = math.ldexp(AR[mm, c], sc)
                AL[mm, c] = math.ldexp(AL[mm, c], sc)
            BR[mm] = math.ldexp(BR[mm], sc)
            BL[mm] = math.ldexp(BL[mm], sc)
        NR[mm] = math.hypot(AR[mm, 0], AR[mm, 1])
        N[mm, 0] = AR[mm, 0] / NR[mm]
        N[mm, 1] = AR[mm, 1] / NR[mm]
        B[mm] = (BR[mm] + BL[mm]) / NR[mm]
        if B[mm] == np.inf:
            continue  # the line is beyond the float range: no constraint on any float w
        if B[mm] == -np.inf:
            return 1, N, B, AR, AL, BR, BL, 0, EI, S0, S1, J0, J1, 0
        mm += 1
    if mm == 0:
        return 2, N, B, AR, AL, BR, BL, 0, EI, S0, S1, J0, J1, 0
    k = 0
    for i in range(mm):
        st, s0, s1, j0, j1 = _edge_range(N, B, NR, AR, AL, BR, BL, mm, i)
        if st == _NO_AREA:
            return 1, N, B, AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, 0
        if st == _NO_EDGE:
            continue
        # End points from the raw rows in double-double (see _vertex_s), whichever way the
        # cutting rows were chosen.
        n2h, n2l = _norm2_dd(AR[i, 0], AR[i, 1])
        for side in range(2):
            j = j0 if side == 0 else j1
            if j >= 0:
                s = _vertex_s(AR[i, 0], AR[i, 1], BR[i], BL[i], n2h, n2l, AR[j, 0], AR[j, 1],
                              BR[j], BL[j], cross_rows(AR, AL, i, j))
                if side == 0:
                    s0 = s
                else:
                    s1 = s
        if not (s0 < s1):
            continue
        EI[k] = i
        S0[k] = s0
        S1[k] = s1
        J0[k] = j0
        J1[k] = j1
        k += 1
    if k == 0:
        return 1, N, B, AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, 0
    return 0, N, B, AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, k


@nb.njit(**JIT_OPTIONS)
def origin_outside(B, mm):
    """True if 0 is outside the closed ``Q``: some row (edge or redundant) has 0 on its outer
    side.  All rows are looked at, not only the edges: when the edges of a polygon far below
    the float resolution (three lines through nearly one point) do not close, a row without
    an edge may be the only one that excludes 0 (the T path then took ``W0 = 1``, ``P = 1``)."""
    for c in range(mm):
        if B[c] < 0.0:
            return True
    return False


@nb.njit(**JIT_OPTIONS)
def nearest_point(N, B, EI, S0, S1, k):
    """A float point ``p*`` of ``Q`` nearest to 0, for 0 outside ``Q``: an edge foot or a
    vertex.  Returns ``(d, px, py, ex, ey, q, side)`` with ``d = |p*|``, ``e = p* / d``, and
    the feature: the foot of edge ``q`` (``side = -1``) or its end ``side`` (0: at ``S0[q]``,
    1: at ``S1[q]``); ``d = inf``, ``q = -1`` if there is none (edges of zero length only)."""
    best = np.inf
    px, py, ex, ey = 0.0, 0.0, 1.0, 0.0
    qb, sb = -1, -1
    for q in range(k):
        c = EI[q]
        if B[c] < 0.0 and S0[q] <= 0.0 and S1[q] >= 0.0 and -B[c] < best:
            best = -B[c]
            px, py = B[c] * N[c, 0], B[c] * N[c, 1]
            ex, ey = -N[c, 0], -N[c, 1]
            qb, sb = q, -1
    if qb >= 0:
        # A foot within its edge is the nearest point (Q lies in the half-plane of that
        # edge): the vertices are not compared with it.  They were, and a vertex 6e-8 away
        # along the edge won by rounding (its distance exceeds the foot's by 1e-16): the frame
        # then tilted by 4e-9, the part of Q before p* was lost, 5e-8 in log P.
        return best, px, py, ex, ey, qb, sb
    for q in range(k):
        c = EI[q]
        for side in range(2):
            s = S0[q] if side == 0 else S1[q]
            if math.isinf(s):
                continue
            vx = B[c] * N[c, 0] - s * N[c, 1]
            vy = B[c] * N[c, 1] + s * N[c, 0]
            dv = math.hypot(vx, vy)
            if dv < best:
                best = dv
                px, py = vx, vy
                ex, ey = vx / dv, vy / dv
                qb, sb = q, side
    return best, px, py, ex, ey, qb, sb


@nb.njit(**JIT_OPTIONS)
def winding_weight(B, AR, EI, S0, S1, k, mm):
    """The winding weight ``W0`` of 0 for the Owen's-T edge sum: 1 inside, 0 outside (any of
    the ``mm`` rows violated, see :func:`origin_outside`), the interior angle / 2 pi on the
    boundary; -1.0 if it cannot be determined."""
    if origin_outside(B, mm):
        return 0.0
    on_boundary = False
    for q in range(k):
        if B[EI[q]] == 0.0:
            on_boundary = True
    if not on_boundary:
        return 1.0
    ii = -1
    jj = -1
    for q in range(k):
        if B[EI[q]] == 0.0:
            if S0[q] < 0.0 and S1[q] > 0.0:
                return 0.5
            if S1[q] == 0.0:
                ii = EI[q]
            if S0[q] == 0.0:
                jj = EI[q]
    if ii < 0 or jj < 0:
        return -1.0
    # 0 is the vertex between edges ii and jj.  Interior angle between u_j and -u_i, as
    # atan2(cross(n_i, n_j), -n_i . n_j) with the cross product exactly rounded: pi minus the
    # turn would cancel for thin wedges (relative 1e-8 for an angle of 1e-8).
    cr = cross_exact(AR[ii, 0], AR[ii, 1], AR[jj, 0], AR[jj, 1])
    dt = AR[ii, 0] * AR[jj, 0] + AR[ii, 1] * AR[jj, 1]
    return math.atan2(cr, -dt) / (2.0 * math.pi)


@nb.njit(**JIT_OPTIONS)
def halfplanes_from_vertices_dd(V, ray_in, ray_out):
    """As :func:`halfplanes_from_vertices`, but rows and offsets as double-doubles ``(A, al,
    b, bl)`` (exact differences of the float vertices), so that every boundary line passes
    exactly through its two float vertices."""
    k = V.shape[0]
    bounded = (ray_in[0] == 0.0 and ray_in[1] == 0.0
               and ray_out[0] == 0.0 and ray_out[1] == 0.0)
    m = k if bounded else k + 1
    A = np.empty((m, 2))
    al = np.zeros((m, 2))
    b = np.empty(m)
    bl = np.empty(m)
    r = 0
    if not bounded:
        A[r, 0] = ray_in[1]
        A[r, 1] = -ray_in[0]
        b[r], bl[r] = dot_dd(A[r, 0], A[r, 1], V[0, 0], V[0, 1])
        r += 1
    n_segments = k if bounded else k - 1
    for i in range(n_segments):
        j = i + 1
        if j == k:
            j = 0
        dy, ey = two_diff(V[j, 1], V[i, 1])
        dx, ex = two_diff(V[j, 0], V[i, 0])
        A[r, 0] = dy
        A[r, 1] = -dx
        al[r, 0] = ey
        al[r, 1] = -ex
        b[r], bl[r] = dot_dd(A[r, 0], A[r, 1], V[i, 0], V[i, 1])
        bl[r] += ey * V[i, 0] - ex * V[i, 1]
        r += 1
    if not bounded:
        A[r, 0] = ray_out[1]
        A[r, 1] = -ray_out[0]
        b[r], bl[r] = dot_dd(A[r, 0], A[r, 1], V[k - 1, 0], V[k - 1, 1])
        r += 1
    return A[:r], al[:r], b[:r], bl[:r]


@nb.njit(**JIT_OPTIONS)
def halfplanes_from_vertices(V, ray_in, ray_out):
    """Half-plane form ``(A, b)`` of a convex polygon given by its vertices.

    Parameters
    ----------
    V : (k, 2) float64 array
        Vertices in counter-clockwise order.
    ray_in, ray_out : (2,) float64 arrays
        Both zero: ``Q`` is the bounded polygon ``V`` (``k >= 3``).  Otherwise ``Q`` is
        unbounded, with boundary: the ray ``{V[0] - t ray_in, t >= 0}`` (traversed towards
        ``V[0]``), the chain ``V[0] -> ... -> V[k-1]``, then the ray ``{V[k-1] + t ray_out,
        t >= 0}``; ``k >= 1`` (``k = 1``: a wedge with apex ``V[0]``).  Half-planes and strips
        have no vertex: give them in half-plane form directly.

    Returns
    -------
    A : (m, 2) float64 array
        Rows ``(dy, -dx)`` (not normalized) of the boundary pieces; ``m = k`` (bounded) or
        ``k + 1``.
    b : (m,) float64 array
        Offsets ``a . vertex``, rounded once to double.  That rounding moves each line by about
        ``1e-16 |vertex|``, a relative perturbation of the mass of about ``1e-16 |vertex| /
        width(Q)``; :func:`exactid.density.polygon_mass.log_polygon_mass_vertices1` avoids it
        by keeping ``A`` and ``b`` as double-doubles.
    """
    A, _al, b, _bl = halfplanes_from_vertices_dd(V, ray_in, ray_out)
    return A, b
