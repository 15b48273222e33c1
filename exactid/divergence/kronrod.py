"""Gauss-Kronrod rules computed from their definition (no tables).

The (2n+1)-point Kronrod rule adds ``n + 1`` nodes to the n-point Gauss-Legendre rule: the zeros
of the Stieltjes polynomial :math:`E_{n+1}`, defined by :math:`\\int_{-1}^1 P_n(x) E_{n+1}(x)
x^k dx = 0` for :math:`k \\le n`.  The combined rule integrates polynomials of degree
:math:`3n + 1` exactly, and the difference between the Kronrod and the embedded Gauss result is
a free (pessimistic) estimate of the Gauss rule's error.  We solve for the coefficients of
:math:`E_{n+1}` in exact rational arithmetic, find its zeros and all weights with mpmath at 60
digits, and round once.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np


def _legendre_coefficients(n: int) -> list[Fraction]:
    """Coefficients (ascending powers) of the Legendre polynomial P_n, exactly."""
    p_prev, p = [Fraction(1)], [Fraction(0), Fraction(1)]
    if n == 0:
        return p_prev
    for k in range(1, n):
        # (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1}
        nxt = [Fraction(0)] * (k + 2)
        for i, c in enumerate(p):
            nxt[i + 1] += Fraction(2 * k + 1, k + 1) * c
        for i, c in enumerate(p_prev):
            nxt[i] -= Fraction(k, k + 1) * c
        p_prev, p = p, nxt
    return p


def _moment(m: int) -> Fraction:
    """Integral of x^m over [-1, 1]."""
    return Fraction(2, m + 1) if m % 2 == 0 else Fraction(0)


@lru_cache(maxsize=None)
def gauss_kronrod(n: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes and weights of the (2n+1)-point Gauss-Kronrod rule on [-1, 1].

    Returns
    -------
    nodes : ndarray, shape (2n + 1,)
        Ascending.
    kronrod_weights : ndarray, shape (2n + 1,)
    gauss_weights : ndarray, shape (2n + 1,)
        The n-point Gauss-Legendre weights at the Gauss nodes, 0 at the added nodes.
    """
    import mpmath  # only to derive the rule; `import exactid` stays NumPy-only

    legendre = _legendre_coefficients(n)
    # E_{n+1}(x) = x^{n+1} + sum_{i<=n} c_i x^i; orthogonality to x^k P_n, k = 0..n.
    size = n + 1

    def pm(i, k):  # integral of x^(i+k) P_n(x)
        return sum((c * _moment(i + k + j) for j, c in enumerate(legendre)), Fraction(0))

    a = [[pm(i, k) for i in range(size)] for k in range(size)]
    rhs = [-pm(size, k) for k in range(size)]
    coeffs = _solve_exact(a, rhs) + [Fraction(1)]
    with mpmath.workdps(60):
        stieltjes = [mpmath.mpf(c.numerator) / c.denominator for c in reversed(coeffs)]
        added = [mpmath.re(r) for r in mpmath.polyroots(stieltjes, maxsteps=500, extraprec=200)]
        leg = [mpmath.mpf(c.numerator) / c.denominator for c in reversed(legendre)]
        gauss = [mpmath.re(r) for r in mpmath.polyroots(leg, maxsteps=500, extraprec=200)]
        nodes = sorted(added + gauss)
        kronrod = _interpolatory_weights(nodes)
        g_sorted = sorted(gauss)
        gw = _interpolatory_weights(g_sorted)
        gauss_w = []
        gauss_at = {float(x): float(w) for x, w in zip(g_sorted, gw)}
        for x in nodes:
            gauss_w.append(gauss_at.get(float(x), 0.0))
        return (np.array([float(x) for x in nodes]), np.array([float(w) for w in kronrod]),
                np.array(gauss_w))


def _interpolatory_weights(nodes):
    """Weights integrating the Legendre polynomials P_0 .. P_{len-1} exactly on [-1, 1] (a
    well-conditioned basis), at the current mpmath precision."""
    import mpmath  # only to derive the rule; `import exactid` stays NumPy-only

    count = len(nodes)
    mat = mpmath.matrix(count, count)
    vec = mpmath.matrix(count, 1)
    for k in range(count):
        for i, x in enumerate(nodes):
            mat[k, i] = mpmath.legendre(k, x)
        vec[k] = 2 if k == 0 else 0
    return mpmath.lu_solve(mat, vec)


def _solve_exact(a: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    """Gaussian elimination in rational arithmetic (small systems)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = next(r for r in range(col, n) if m[r][col] != 0)
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]
