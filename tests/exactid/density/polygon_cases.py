"""Polygon generators (half-plane form ``Q = {w : A w <= b}``) for the polygon-mass tests and
the regime table of ``scripts/make_polygon_references.py``.

Every generator draws from the ``numpy.random.Generator`` it is given, in a fixed order: the
regime table and the stored references depend on that order.
"""

from __future__ import annotations

import math

import numpy as np


def hp_from_vertices(V):
    """``(A, b)`` of the bounded counter-clockwise polygon ``V`` (float64, unit normals)."""
    V = np.asarray(V, float)
    k = len(V)
    A = np.empty((k, 2))
    b = np.empty(k)
    for i in range(k):
        P, Q = V[i], V[(i + 1) % k]
        dx, dy = Q - P
        nr = math.hypot(dx, dy)
        A[i] = (dy / nr, -dx / nr)
        b[i] = A[i] @ P
    return A, b


def rot(theta):
    """The 2x2 rotation matrix by ``theta``."""
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


def random_polygon(rng, k, center, length, width, theta):
    """Vertices (k, 2): an affine image of ``k`` random points on the unit circle (convex,
    counter-clockwise)."""
    ang = np.sort(rng.uniform(0, 2 * np.pi, k))
    P = np.stack([length * np.cos(ang), width * np.sin(ang)], 1)
    return P @ rot(theta).T + np.asarray(center, float)


def box(x0, x1, y0, y1):
    """The axis-aligned box ``[x0, x1] x [y0, y1]`` (infinite ends drop their row)."""
    A = np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]])
    b = np.array([x1, -x0, y1, -y0], float)
    keep = np.isfinite(b)
    return A[keep], b[keep]


def rotate_hp(A, b, theta, shift=(0.0, 0.0)):
    """``Q -> R Q + shift`` in half-plane form (the rotated floats are rounded)."""
    R = rot(theta)
    A2 = A @ R.T
    b2 = b + A2 @ np.asarray(shift, float)
    return A2, b2


def unbounded_chain(rng, k, center, radius, span, theta):
    """Unbounded polygon: ``k + 1`` tangent half-planes of a circle whose outward normals
    span an arc ``span < pi``."""
    ang = theta + np.sort(rng.uniform(0, span, k + 1))
    ang[0], ang[-1] = theta, theta + span
    A = np.stack([np.cos(ang), np.sin(ang)], 1)
    b = radius + A @ np.asarray(center, float)
    return A, b


def wedge(apex, theta0, theta1):
    """Wedge ``{apex + s d0 + t d1 : s, t >= 0}``, ``d_j = (cos theta_j, sin theta_j)``, with
    opening angle ``theta1 - theta0`` in (0, pi)."""
    apex = np.asarray(apex, float)
    d0 = np.array([math.cos(theta0), math.sin(theta0)])
    d1 = np.array([math.cos(theta1), math.sin(theta1)])
    A = np.array([[d0[1], -d0[0]], [-d1[1], d1[0]]])
    return A, A @ apex


def sliver(center, length, width, theta, k=4):
    """Thin convex polygon: ``k = 3`` a triangle, ``k = 4`` a rectangle."""
    if k == 3:
        V = np.array([[-length / 2, -width / 2], [length / 2, 0.0], [-length / 2, width / 2]])
    else:
        V = np.array([[-length / 2, -width / 2], [length / 2, -width / 2],
                      [length / 2, width / 2], [-length / 2, width / 2]])
    V = V @ rot(theta).T + np.asarray(center, float)
    return hp_from_vertices(V)


def regular(k, center, radius, theta=0.0):
    """Vertices of the regular ``k``-gon."""
    ang = theta + 2 * np.pi * np.arange(k) / k
    return np.stack([radius * np.cos(ang), radius * np.sin(ang)], 1) + center


KINDS = ["fat", "thin", "small", "wedge", "thinwedge", "chain", "strip", "halfplane"]


def random_case(rng):
    """A random polygon of a random kind, at distance in [0, 3), [3, 14) or [14, 100).

    Returns ``(kind, A, b, pt)`` with ``pt`` a point of ``Q`` (where a random cut is put).
    Kinds: fat (3-16 vertices), thin (width 1e-10 .. 1e-3), small (size 1e-5 .. 1e-2),
    wedge, thinwedge (angle 1e-10 .. 1e-3), chain (unbounded), strip, halfplane.
    """
    kind = rng.choice(KINDS)
    r = rng.choice([rng.uniform(0, 3), rng.uniform(3, 14), rng.uniform(14, 100)])
    ph = rng.uniform(0, 2 * np.pi)
    c = np.array([r * math.cos(ph), r * math.sin(ph)])
    th = rng.uniform(0, 2 * np.pi)
    pt = c
    if kind == "fat":
        k = int(rng.integers(3, 17))
        L = 10 ** rng.uniform(-1, 0.8)
        A, b = hp_from_vertices(random_polygon(rng, k, c, L, L * rng.uniform(0.3, 1), th))
    elif kind == "thin":
        w = 10 ** rng.uniform(-10, -3)
        A, b = sliver(c, rng.uniform(0.2, 4), w, th, int(rng.integers(3, 5)))
    elif kind == "small":
        s = 10 ** rng.uniform(-5, -2)
        A, b = hp_from_vertices(random_polygon(rng, int(rng.integers(3, 8)), c, s, s * 0.7, th))
    elif kind in ("wedge", "thinwedge"):
        ang = rng.uniform(0.1, 3.0) if kind == "wedge" else 10 ** rng.uniform(-10, -3)
        A, b = wedge(c, th, th + ang)
        pt = c + 0.5 * np.array([math.cos(th + ang / 2), math.sin(th + ang / 2)])
    elif kind == "chain":
        k = int(rng.integers(1, 6))
        rad = rng.uniform(0.1, 2)
        A, b = unbounded_chain(rng, k, c, rad, rng.uniform(0.2, 3.0), th)
    elif kind == "strip":
        n = np.array([math.cos(th), math.sin(th)])
        w = 10 ** rng.uniform(-8, 0.5)
        lo = n @ c
        A, b = np.array([n, -n]), np.array([lo + w, -lo])
        pt = c + 0.5 * w * n
    else:
        n = np.array([math.cos(th), math.sin(th)])
        A, b = n[None, :], np.array([n @ c])
        pt = c - n
    return str(kind), A, b, pt


# ------------------------------------------------------------- (nearly) parallel rows
#: Row scalings of the parallel-row cases: dyadic, non-dyadic and far from 1 (1e3 and 1e-3
#: as the integer 1000 on the other row, so that the rows stay exactly parallel).
PARALLEL_FACTORS = [(1.0, 1.625), (3.0, 1.0), (1000.0, 1.0), (1.0, 1000.0), (1.625, 3.0),
                    (2.0 ** -30, 5.0)]


def round40(x):
    """``x`` rounded to 40 significant bits: its products with small integers and dyadic
    numbers (3, 1.625 = 13/8, 1000, 2^k) are exact."""
    m, e = np.frexp(x)
    return np.ldexp(np.round(m * 2.0 ** 40) / 2.0 ** 40, e)


def row40(theta):
    """``(cos theta, sin theta)`` rounded to 40 significant bits (:func:`round40`), so that
    ``f1 r`` and ``-f2 r`` are exactly parallel rows."""
    return round40(np.array([math.cos(theta), math.sin(theta)]))


def exact_strip(theta, lo, width, f1, f2):
    """The strip ``lo <= n . w <= lo + width`` (``n`` the unit normal of ``row40(theta)``) as
    the exactly parallel rows ``f1 r`` and ``-f2 r`` with offsets rounded to double (the
    strip of the float data is then ``-b2 / |a2| <= n . w <= b1 / |a1|``).  The offsets of
    ``r`` are rounded to 40 bits too, so that ``b`` times a small factor is exact (the same
    line in another scaling)."""
    r = row40(theta)
    nr = math.hypot(*r)
    A = np.array([f1 * r, -f2 * r])
    b = np.array([round40((lo + width) * nr) * f1, -round40(lo * nr) * f2])
    return A, b


def random_parallel_case(rng):
    """A random polygon with (nearly) parallel rows, for the stress tests: strips (exactly
    parallel rows of unequal scaling, or ``a`` next to ``fl(-c a)``) near, around and far
    from 0, of width 1e-10 .. 10, empty or of zero width; strips with a third row or a
    redundant parallel row; families of rows that are integer / dyadic / rounded multiples of
    one to three directions; with duplicated rows, zero components and rows scaled by 2^k.

    Returns ``(kind, A, b)``.
    """
    kind = str(rng.choice(["strip", "near_strip", "halfstrip", "redundant", "zero_width",
                           "empty", "family"]))
    if kind == "family":
        base = [row40(rng.choice([0.0, math.pi / 2, math.pi / 4, rng.uniform(0, 7)]))
                for _ in range(int(rng.integers(1, 4)))]
        center = rng.normal(0, [1.0, 3.0, 20.0][int(rng.integers(3))], 2)
        A, b = [], []
        for _ in range(int(rng.integers(1, 7))):
            r = base[int(rng.integers(len(base)))] * rng.choice(
                [1.0, -1.0, 2.0, -3.0, 0.25, -1.625, 5.0, 1024.0])
            if rng.random() < 0.1:
                r = r * rng.choice([1e-3, 0.1, 7.1])  # rounded: nearly parallel
            A.append(r)
            b.append(float(r @ center) + rng.choice([0.0, rng.uniform(-2, 3), 1e-9])
                     * math.hypot(*r))
        A, b = np.array(A), np.array(b)
    else:
        theta = rng.choice([0.0, math.pi / 2, rng.uniform(0, 2 * np.pi)])
        lo = rng.choice([rng.uniform(-3, 3), -rng.uniform(0, 3), rng.uniform(3, 45),
                         -rng.uniform(3, 45)])
        width = 10 ** rng.uniform(-10, 1)
        f1, f2 = PARALLEL_FACTORS[int(rng.integers(len(PARALLEL_FACTORS)))]
        if kind == "zero_width":
            A, b = exact_strip(theta, 0.0, 0.0, f1, f2)
            c = float(round40(lo * math.hypot(*A[0]) / f1))
            b = np.array([c * f1, -c * f2])  # exactly the same line
        else:
            A, b = exact_strip(theta, lo, -width if kind == "empty" else width, f1, f2)
        if kind == "near_strip":
            c = rng.choice([1.625, 3.0, 1e-3, 1e3, 0.1, 7.1])
            A[1] = -c * A[0]
            b[1] = -lo * math.hypot(*A[0]) * c
        if kind == "halfstrip":
            t = np.array([math.cos(theta + 1.0), math.sin(theta + 1.0)]) * rng.choice(
                [1.0, 3.0, 1e-3])
            A = np.vstack([A, t])
            b = np.append(b, rng.uniform(-3, 3) * math.hypot(*t))
        if kind == "redundant":
            f3 = rng.choice([2.0, 3.0, 1.625, 1000.0])
            A = np.vstack([A, A[0] * f3])
            b = np.append(b, b[0] * f3 + rng.choice([0.0, 1e-12, 0.5]))
    if rng.random() < 0.2:  # a duplicated row
        i = int(rng.integers(len(b)))
        A, b = np.vstack([A, A[i]]), np.append(b, b[i])
    if rng.random() < 0.2:  # rows scaled by 2^k
        k = rng.integers(-200, 200, len(b))
        A, b = np.ldexp(A, k[:, None]), np.ldexp(b, k)
    perm = rng.permutation(len(b))
    return kind, A[perm], b[perm]


def random_tiny_case(rng):
    """A polygon of :func:`random_case` with one or two edge lines moved to within 1e-320 ..
    1e-100 of 0 (either side), some with a row component 1e-300 .. 1e-100 times the other,
    or a wedge whose apex is such a tiny distance from 0.  Returns ``(kind, A, b)``."""
    kind, A, b, _ = random_case(rng)
    A, b = A.copy(), b.copy()
    for _ in range(int(rng.integers(1, 3))):
        i = int(rng.integers(len(b)))
        b[i] = rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-320, -100) * math.hypot(*A[i])
        if rng.random() < 0.3:
            A[i, int(rng.integers(2))] *= 10.0 ** rng.uniform(-300, -100)
    if rng.random() < 0.3:
        t = rng.uniform(0, 2 * np.pi)
        kind = "wedge"
        A = np.array([[math.cos(t), math.sin(t)], [-math.sin(t + 1.0), math.cos(t + 1.0)]])
        b = rng.choice([-1.0, 1.0], 2) * 10.0 ** rng.uniform(-320, -100, 2)
    return "tiny " + kind, A, b
