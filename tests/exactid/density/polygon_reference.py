"""mpmath references for ``log P(W in Q)``, ``W ~ N(0, I_2)``, ``Q = {w : A w <= b}``.

Two independent methods, both at high precision (default 50 digits), and closed forms:

* :func:`ref_log_mass` -- the *slice* method: in the frame of the nearest point ``p*`` of
  ``Q`` (distance ``d``),
  ``P = phi(d) int_0^inf exp(-d tau - tau^2/2) [Phi(hi) - Phi(lo)] dtau``
  (``hi``, ``lo``: the boundary of the slice at ``tau``), with mp.quad (tanh-sinh) on
  intervals split at every pairwise line intersection, every crossing of a line with ``s =
  0``, and geometrically around the peak (``tau = 2^j / (d + 1)``, ``j = -8..6``); ``-d^2/2`` is
  added analytically.  When 0 is in ``Q``, ``Q`` is cut along the x axis (a different cut
  from the kernel's) and each half integrated.  Phi differences in the upper tail use
  ``ncdf(-lo) - ncdf(-hi)``.
* :func:`ref_log_mass_owen` -- the *edge* method: the divergence theorem,
  ``P = W0 - sum_i sign(b_i) [T(|b_i|, s1/|b_i|) - T(|b_i|, s0/|b_i|)]``,
  with Owen's T by mp.quad at extra precision (the sum can cancel by up to ``exp(|log P|)``,
  so the precision is raised by that).
* Closed forms: :func:`cf_halfplane` (``Phi(b / |a|)``), :func:`cf_rectangle` (product of
  two Phi differences).

Both methods compute the polygon geometry in mpmath from the float input, which is taken as
exact.  Independent of the kernels in :mod:`exactid.density.polygon_mass`: nothing here is
shared with them.
"""

from __future__ import annotations

import mpmath as mp

DPS = 50


def _mp_constraints(A, b):
    """Normalized rows ``(n0, n1, b / |a|)`` in mpmath; None if a zero row excludes all."""
    rows = []
    for (a0, a1), bi in zip(A, b):
        a0 = mp.mpf(float(a0))
        a1 = mp.mpf(float(a1))
        bi = mp.mpf(float(bi))
        nr = mp.sqrt(a0 * a0 + a1 * a1)
        if nr == 0:
            if bi < 0:
                return None
            continue
        rows.append((a0 / nr, a1 / nr, bi / nr))
    return rows


def _feasible(rows, x, y, tol, skip=()):
    return all(r[0] * x + r[1] * y <= r[2] + tol
               for q, r in enumerate(rows) if q not in skip)


def _vertices(rows, tol):
    vs = []
    n = len(rows)
    for i in range(n):
        for j in range(i + 1, n):
            a0, a1, bi = rows[i]
            c0, c1, bj = rows[j]
            det = a0 * c1 - a1 * c0
            if abs(det) < mp.mpf(10) ** (-mp.mp.dps + 5):
                continue
            x = (bi * c1 - a1 * bj) / det
            y = (a0 * bj - bi * c0) / det
            if _feasible(rows, x, y, tol, (i, j)):
                vs.append((x, y))
    return vs


def nearest_point(rows, tol):
    """Nearest point of ``Q`` to 0 (None if ``Q`` is empty), from the normalized rows."""
    if _feasible(rows, 0, 0, 0):
        return (mp.mpf(0), mp.mpf(0))
    cands = []
    for q, (a0, a1, bi) in enumerate(rows):
        x, y = bi * a0, bi * a1
        if _feasible(rows, x, y, tol, (q,)):
            cands.append((x, y))
    cands += _vertices(rows, tol)
    if not cands:
        return None
    return min(cands, key=lambda p: p[0] ** 2 + p[1] ** 2)


def _frame_constraints(rows, px, py, ex, ey, tol):
    """Rows in the frame ``(tau, s)``: ``(cons, tlo, thi)`` with ``cons`` the rows ``ct tau +
    cs s <= r`` that bound ``s``, and the ``tau`` limits of the others (None if empty)."""
    fx, fy = -ey, ex
    cons = []
    tlo, thi = mp.mpf(0), mp.inf
    for (a0, a1, bi) in rows:
        ct = a0 * ex + a1 * ey
        cs = a0 * fx + a1 * fy
        r = bi - (a0 * px + a1 * py)
        if abs(cs) <= tol:
            if ct > 0:
                thi = min(thi, r / ct)
            elif ct < 0:
                tlo = max(tlo, r / ct)
            elif r < -tol:
                return None, tlo, thi
        else:
            cons.append((ct, cs, r))
    return cons, tlo, thi


def _phi_difference(hi, lo):
    """``Phi(hi) - Phi(lo)`` in the form without cancellation (``hi``, ``lo`` may be inf)."""
    if hi <= lo:
        return mp.mpf(0)
    if lo >= 0:
        return mp.ncdf(-lo) - (mp.ncdf(-hi) if hi != mp.inf else 0)
    if hi <= 0:
        return mp.ncdf(hi) - (mp.ncdf(lo) if lo != -mp.inf else 0)
    return 1 - (mp.ncdf(lo) if lo != -mp.inf else 0) - (mp.ncdf(-hi) if hi != mp.inf else 0)


def _slice_integral(rows, px, py, ex, ey, d):
    """``int_0^inf exp(-d tau - tau^2/2) D(tau) dtau`` in the frame ``(p*, e)``."""
    tol = mp.mpf(10) ** (-mp.mp.dps + 10)
    cons, tlo, thi = _frame_constraints(rows, px, py, ex, ey, tol)
    if cons is None or thi <= tlo:
        return mp.mpf(0)

    def integrand(t):
        hi, lo = mp.inf, -mp.inf
        for ct, cs, r in cons:
            v = (r - ct * t) / cs
            if cs > 0:
                hi = min(hi, v)
            else:
                lo = max(lo, v)
        return mp.exp(-d * t - t * t / 2) * _phi_difference(hi, lo)

    # Breakpoints: vertices (pairwise intersections, in the frame), crossings of s = 0, and
    # a geometric grid around the peak of the weight.
    pts = {tlo}
    for i in range(len(cons)):
        ct, cs, r = cons[i]
        if ct != 0:
            pts.add(r / ct)
        for j in range(i + 1, len(cons)):
            ct2, cs2, r2 = cons[j]
            det = ct * cs2 - cs * ct2
            if det != 0:
                pts.add((r * cs2 - cs * r2) / det)
    sc = 1 / (d + 1)
    for j in range(-8, 7):
        pts.add(sc * mp.mpf(2) ** j)
    # Far end: where the weight is below 10^-(dps + 20).
    level = (mp.mp.dps + 20) * mp.log(10)
    tmax = 2 * level / (d + mp.sqrt(d * d + 2 * level))
    end = min(thi, tmax)
    grid = [tlo] + sorted(p for p in pts if tlo < p < end) + [end]
    total = mp.mpf(0)
    for a, bb in zip(grid[:-1], grid[1:]):
        if bb > a:
            total += mp.quad(integrand, [a, bb])
    return total


def ref_log_mass(A, b, dps=DPS, rows=None):
    """``log P`` by the slice method (module docstring); ``rows``: normalized rows given
    directly (then ``A``, ``b`` are ignored)."""
    with mp.workdps(dps):
        if rows is None:
            rows = _mp_constraints(A, b)
        if rows is None:
            return -mp.inf
        if not rows:
            return mp.mpf(0)
        tol = mp.mpf(10) ** (-dps + 10)
        p = nearest_point(rows, tol)
        if p is None:
            return -mp.inf
        px, py = p
        d = mp.sqrt(px * px + py * py)
        if d > 0:
            J = _slice_integral(rows, px, py, px / d, py / d, d)
        else:
            J = mp.mpf(0)
            for sg in (1, -1):
                rows2 = rows + [(mp.mpf(0), mp.mpf(-sg), mp.mpf(0))]
                J += _slice_integral(rows2, mp.mpf(0), mp.mpf(0), mp.mpf(0), mp.mpf(sg),
                                     mp.mpf(0))
        if J <= 0:
            return -mp.inf
        return mp.log(J) - d * d / 2 - mp.log(2 * mp.pi) / 2


def ref_log_mass_vertices(V, dps=DPS):
    """``log P`` of the bounded counter-clockwise polygon with (exact) float vertices ``V``,
    slice method; the rows are formed exactly in mpmath."""
    with mp.workdps(dps):
        k = len(V)
        rows = []
        for i in range(k):
            x0, y0 = mp.mpf(float(V[i][0])), mp.mpf(float(V[i][1]))
            x1, y1 = mp.mpf(float(V[(i + 1) % k][0])), mp.mpf(float(V[(i + 1) % k][1]))
            a0, a1 = y1 - y0, -(x1 - x0)
            nr = mp.sqrt(a0 * a0 + a1 * a1)
            rows.append((a0 / nr, a1 / nr, (a0 * x0 + a1 * y0) / nr))
        return ref_log_mass(None, None, dps, rows=rows)


def _owen_t(h, a):
    """Owen's ``T(h, a)`` by mp.quad, split where the integrand falls off."""
    if a == 0:
        return mp.mpf(0)
    if a < 0:
        return -_owen_t(h, -a)

    def integrand(x):
        return mp.exp(-h * h * (1 + x * x) / 2) / (1 + x * x)

    pts = [mp.mpf(0)]
    if h > 0:
        for c in (0.25, 1, 4, 16):
            if c / h < a:
                pts.append(c / h)
    if a > 1 and 1 not in pts:
        pts.append(mp.mpf(1))
    pts = sorted(set(pts))
    pts.append(a)
    return mp.quad(integrand, pts) / (2 * mp.pi)


def _mp_edges(rows, tol):
    """The non-redundant edges ``(a0, a1, b, s0, s1)`` of the normalized rows."""
    edges = []
    for i, (a0, a1, bi) in enumerate(rows):
        ux, uy = -a1, a0
        s0, s1 = -mp.inf, mp.inf
        ok = True
        for j, (c0, c1, bj) in enumerate(rows):
            if j == i:
                continue
            cu = c0 * ux + c1 * uy
            rhs = bj - bi * (c0 * a0 + c1 * a1)
            if abs(cu) <= tol:
                if rhs < -tol or (abs(rhs) <= tol and c0 * a0 + c1 * a1 > 0 and j < i):
                    ok = False
                continue
            v = rhs / cu
            if cu > 0:
                s1 = min(s1, v)
            else:
                s0 = max(s0, v)
        if ok and s1 - s0 > tol:
            edges.append((a0, a1, bi, s0, s1))
    return edges


def ref_log_mass_owen(A, b, dps=DPS, extra=60, logp_guess=0.0):
    """``log P`` by the Owen's-T edge formula at ``dps + extra`` digits, ``extra`` raised by
    ``|logp_guess| / ln 10`` to absorb the cancellation of the sum (far polygons whose edge
    lines pass near 0).  0 on the boundary of ``Q`` is not supported (ValueError)."""
    extra = int(extra + abs(float(logp_guess)) / 2.302585 + 1)
    with mp.workdps(dps + extra):
        rows = _mp_constraints(A, b)
        if rows is None:
            return -mp.inf
        if not rows:
            return mp.mpf(0)
        edges = _mp_edges(rows, mp.mpf(10) ** (-(dps + extra) + 10))
        if not edges:
            return -mp.inf
        lowest = min(e[2] for e in edges)
        if lowest == 0:
            raise ValueError("origin on the boundary: not supported here")
        W0 = 1 if lowest > 0 else 0
        S = mp.mpf(0)
        for (_a0, _a1, bi, s0, s1) in edges:
            h = abs(bi)
            T1 = _owen_t(h, s1 / h if s1 != mp.inf else mp.inf)
            T0 = _owen_t(h, s0 / h if s0 != -mp.inf else -mp.inf)
            S += mp.sign(bi) * (T1 - T0)
        P = W0 - S
        if P <= 0:
            return mp.mpf("nan")
        return mp.log(P)


def cf_halfplane(a, b, dps=DPS):
    """``log P(a . w <= b) = log Phi(b / |a|)``."""
    with mp.workdps(dps):
        a0, a1, b = mp.mpf(float(a[0])), mp.mpf(float(a[1])), mp.mpf(float(b))
        return mp.log(mp.ncdf(b / mp.sqrt(a0 * a0 + a1 * a1)))


def _phidiff(lo, hi):
    if lo >= 0:
        return mp.ncdf(-lo) - mp.ncdf(-hi)
    return mp.ncdf(hi) - mp.ncdf(lo)


def cf_rectangle(x0, x1, y0, y1, dps=DPS):
    """``log P`` of ``[x0, x1] x [y0, y1]`` (infinite ends allowed)."""
    with mp.workdps(dps):
        x0, x1, y0, y1 = [mp.mpf(float(v)) for v in (x0, x1, y0, y1)]
        return mp.log(_phidiff(x0, x1)) + mp.log(_phidiff(y0, y1))


def cf_strip(a1, b1, a2, b2, dps=DPS):
    """``log P`` of the strip ``{a1 . w <= b1, a2 . w <= b2}`` with ``a2`` a negative multiple
    of ``a1`` (exactly): ``Phi(u) - Phi(l)`` on the unit normal ``n = a1 / |a1|``, ``u = b1 /
    |a1|``, ``l = -b2 / |a2|``, from the smaller tail; ``-inf`` if ``u <= l``."""
    with mp.workdps(dps):
        u = mp.mpf(float(b1)) / mp.sqrt(mp.mpf(float(a1[0])) ** 2 + mp.mpf(float(a1[1])) ** 2)
        lo = -mp.mpf(float(b2)) / mp.sqrt(mp.mpf(float(a2[0])) ** 2
                                          + mp.mpf(float(a2[1])) ** 2)
        if u <= lo:
            return -mp.inf
        if lo >= 0:
            p = mp.ncdf(-lo) - mp.ncdf(-u)
        elif u <= 0:
            p = mp.ncdf(u) - mp.ncdf(lo)
        else:
            p = 1 - mp.ncdf(lo) - mp.ncdf(-u)
        return mp.log(p)
