r"""Log mass of a convex polygon under the standard bivariate normal, as numba kernels.

What to use when: :func:`log_polygon_mass` for ``log P(W in Q)``, ``W ~ N(0, I_2)``, ``Q =
{w : A w <= b}``, from Python (it validates its input); :func:`log_polygon_mass1` for the same
from numba code; :func:`log_polygon_mass_vertices1` when ``Q`` is given by its vertices (the
float vertices are then exact, see below); :func:`log_polygon_mass_info` for diagnostics
(path taken, error estimate, number of integrand evaluations) and to force a path in tests.
:func:`exactid.density.polygon_geometry.halfplanes_from_vertices` converts vertices to
``(A, b)``.

``Q`` may be bounded or not: rows in any scaling, redundant and duplicate rows are allowed,
no rows is the whole plane (``log P = 0``), one row a half-plane, two opposite rows a strip.
An empty or zero-area ``Q`` gives ``-inf``; finite input never gives NaN or ``+inf``.  The
input floats are taken as exact.  Parallel rows are recognized exactly, whatever their
scaling (``a`` and ``-1.625 a``, ``1000 a`` and ``a``): two in the same direction make the
looser one redundant, two opposite ones a strip, ``-inf`` if its width is 0 or negative;
nearly parallel rows (``a`` and ``fl(-1.625 a)``: cross product 1e-17 relative) meet at their
true vertex, however far (:mod:`exactid.density.polygon_geometry`).

Regimes and error bounds (``eps`` = 2.2e-16):

* **T path** (closed form), for fat polygons containing or near 0: tried when ``dist(0, Q)
  <= D_T = 2.5``.  The divergence theorem with ``F = w (1 - e^{-|w|^2/2}) / (2 pi |w|^2)``
  (``div F = phi_2``) gives

  .. math::

      P(Q) = W_0 - \sum_i \operatorname{sign}(B_i) [T(|B_i|, S1_i / |B_i|) - T(|B_i|, S0_i /
      |B_i|)]

  over the non-redundant edges (``B_i`` the offset of the normalized row, ``[S0_i, S1_i]``
  the edge's parameter range), ``W_0`` = 1 (0 inside), 0 (outside) or the interior angle at 0
  over ``2 pi`` (0 on the boundary); ``W_0`` holds the flux at infinity of an unbounded ``Q``.
  ``err_T = EPS_T sum_i (|T_i1| + |T_i0|) + eps W_0`` bounds the absolute error of ``P``,
  ``EPS_T`` being the relative error bound of one Owen's T value
  (:data:`exactid.density.bivariate.OWENS_T_REL`).  The path is accepted only if ``err_T <=
  TOL_T P`` (``TOL_T = 1e-14``) and ``P > 1e-280``, i.e. for a cancellation ``sum |T| / P``
  of at most ``TOL_T / EPS_T = 5``, checked a posteriori for each polygon.  **Bound:** relative
  error of ``P`` at most 1e-14, so ``|error of log P| <= 1e-14`` plus 1 ulp of ``log P``.
  When 0 is inside, ``log P = log1p(-S)`` keeps the relative accuracy as ``P -> 1``.
* **Q path** (:mod:`exactid.density.polygon_quadrature`, its integrand in
  :mod:`exactid.density.polygon_slices`), for everything else: far, small
  and thin polygons, slivers through 0, near polygons that fail the cancellation test.  ``P =
  phi(d) J`` with ``J`` a 1-D integral of a positive integrand along the direction of the
  nearest point (distance ``d``), ``exp(-d^2/2)`` kept analytically (no underflow for any
  ``d``), slice widths formed without cancellation.  **Error:** the adaptive Gauss-Kronrod
  error *estimate* (at most ``EPSREL_Q = 1e-15`` relative; QUADPACK's heuristic on ``|K21 -
  G10|``, not a proof: its support is empirical, and it fails when a feature of the integrand
  is not seeded as a breakpoint, which is why vertices, steep Phi transitions and weight
  levels all are), plus rounding of a few 1e-15 relative, a truncation below ``TAIL_REL =
  1e-18`` relative (a bound), and 1-2 ulp of ``|log P|`` from rounding ``d^2 / 2`` and the
  final sum.
* Far (``d > 1e6``): the Q path moves its frame to the nearest feature of ``Q``; beyond
  ``d = 1e10``, ``log P = -d^2/2 - log d - log sqrt(2 pi)`` (its error ``|log(J d)|`` is below
  1e-17 of ``|log P|``).  Relative error of ``log P`` at most 1.5e-15 (the float ``p*``).
* Whole plane, empty, zero area: exactly 0, ``-inf``, ``-inf``.

Measured against mpmath references (50 digits for the regime table of 105 polygons in
``tests/exactid/density/test_polygon_mass.py``, 30 digits for 1000 random polygons; ``d`` up
to 100, widths down to 1e-10, ``log P`` down to -5006): ``|error of log P| <= 2.8e-14`` where
``log P >= -100`` (1-2 ulp of ``log P``; 1.8e-15 for ``d < 3``), relative error of ``log P``
at most 4.3e-16 below; slivers of width 1e-12 keep 2e-15.  The T path's ``err_T`` held on
all 388 stored polygons where it is below 1e-13 (actual error <= ``err_T / P`` + 1 ulp of
``log P``).  Parallel rows (``test_polygon_mass.py``, closed forms and slice references):
strips of exactly parallel rows scaled by 1.625, 3, 1e3, 1e-3, 2^-30, near, around and far
from 0 (``log P`` to -1000), of width down to 1e-8, with a third row or a redundant parallel
one, and nearly parallel strips: at most 4 ulp of ``log P`` (2.8e-14 at ``log P = -75``,
3.6e-15 for ``|log P| < 20``), 3.4e-16 relative below -100; polygons 1e7 .. 1e15 away:
1.4e-15 relative.

Constants: ``D_T``, ``TOL_T``, ``EPS_T``, ``P_MIN_T`` (here) decide the T path as above;
``EPSREL_Q`` (quadrature tolerance), ``TAIL_REL`` (truncation), ``NARROW`` (slices where
``Phi(hi) - Phi(lo)`` is integrated rather than differenced), ``LEVELS`` / ``TAIL_STEP``
(initial partition and tail extension), ``TAU_MARGIN`` (start of the range before the first
vertex, since ``p*`` is a float), ``MAXINT`` (interval cap), ``D_SHIFT`` / ``D_HUGE`` (far
regimes) are in :mod:`exactid.density.polygon_quadrature`; ``CU_EXACT`` (below which two
rows are clipped in double-double) and ``FLUSH`` in :mod:`exactid.density.polygon_geometry`;
``A_INF`` (here: beyond it ``T(h, a)`` is taken as ``T(h, +-inf)``).

Limits: ``log P`` near 0 from the Q path (slivers through 0) has an absolute error of about
1e-16, not a small relative one.  A polygon below the float resolution of its own edge
parameters (edges shorter than about ``eps`` times their distance from 0, e.g. a triangle of
three lines through nearly one point) loses the collapsed edges; the Q path then seeds the
vertices of every pair of rows and stays accurate (its frame is relative to ``p*``), but if
all edges collapse the polygon comes out as empty, ``-inf``, its true ``P`` being below
``exp(-70)`` or so.  A row component below ``FLUSH = 2^-600`` times the other is taken as 0
(a rotation by 2.4e-181).  The input is taken as exact: data that were rounded from
something else (rotated coordinates, ``b = a . v`` in double) perturb ``P`` by a relative
``eps |v| / width(Q) + eps d^2``, which for far slivers exceeds the figures above;
:func:`log_polygon_mass_vertices1` keeps ``A`` and ``b`` as double-doubles and so avoids the
``b = a . v`` part.

Design trade-off: the closed form costs 2-5 microseconds but cancels for thin, small or far
polygons; the quadrature is cancellation-free everywhere but costs 10-40 microseconds, so it
is used only where the a-posteriori test rejects the closed form.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..validation import as_float_array, check_shape
from .bivariate import OWENS_T_REL, owens_t1
from .polygon_geometry import (
    halfplanes_from_vertices_dd,
    nearest_point,
    origin_outside,
    polygon_edges,
    winding_weight,
)
from .polygon_quadrature import quadrature_path
from .special import JIT_OPTIONS

__all__ = ["log_polygon_mass", "log_polygon_mass1", "log_polygon_mass_vertices1",
           "log_polygon_mass_info", "D_T", "TOL_T", "EPS_T", "PATH_WHOLE", "PATH_EMPTY",
           "PATH_T", "PATH_Q_OUT", "PATH_Q_IN"]

#: The T path is tried only if the distance of Q from 0 is at most this (beyond, its terms
#: are ~exp(-h^2/2) of the edge lines, not of the polygon, and cancel).
D_T = 2.5
#: The T path is accepted only if its error bound is at most TOL_T * P.
TOL_T = 1e-14
#: Relative error bound of one Owen's T value, used in the T path's error bound.
EPS_T = OWENS_T_REL
#: The T path is accepted only above this P (its sum loses accuracy near underflow).
P_MIN_T = 1e-280

#: Path codes returned by log_polygon_mass_info: whole plane, empty (or zero area), T path,
#: Q path with 0 outside Q, Q path with 0 in the closed Q.
PATH_WHOLE = 0
PATH_EMPTY = 1
PATH_T = 2
PATH_Q_OUT = 3
PATH_Q_IN = 4


#: Beyond this |a|, T(h, a) is replaced by T(h, +-inf): they differ by at most 1 / (2 pi |a|)
#: (the integrand of T is at most 1 / (1 + x^2)).
A_INF = 1e150


@nb.njit(**JIT_OPTIONS)
def _slope(s, h):
    """``s / h``, the second argument of Owen's T for an edge end at ``s``, as ``+-inf``
    beyond ``A_INF``: ``owens_t1`` squares it (``(a - 1)(a + 1) h^2`` overflows for ``|a| >
    1.3e154``; ``T(4.6e-255, -5.5e253)`` came out as -0.150 instead of -0.25, a whole cell
    of a density off by 0.29 in ``log P``: an edge line 4.6e-255 from 0)."""
    a = s / h
    if abs(a) > A_INF:
        return math.copysign(np.inf, a)
    return a


@nb.njit(**JIT_OPTIONS)
def _path_t(B, AR, EI, S0, S1, k, mm):
    """The Owen's-T edge sum: ``(P, err_T, W0, S)`` with ``P = W0 - S`` (module docstring);
    ``W0 = -1`` if the winding weight of 0 could not be determined."""
    W0 = winding_weight(B, AR, EI, S0, S1, k, mm)
    S = 0.0
    M = 0.0
    for q in range(k):
        bi = B[EI[q]]
        if bi == 0.0:
            continue  # an edge line through 0 has no flux
        h = abs(bi)
        t1 = owens_t1(h, _slope(S1[q], h))
        t0 = owens_t1(h, _slope(S0[q], h))
        if bi > 0.0:
            S += t1 - t0
        else:
            S -= t1 - t0
        M += abs(t1) + abs(t0)
    P = W0 - S
    err = EPS_T * M + 2.2e-16 * abs(W0)
    return P, err, W0, S


@nb.njit(**JIT_OPTIONS)
def _log_mass_edges(N, B, AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, k, force):
    """The dispatch between the paths; ``force``: 0 automatic, 1 T path only, 2 Q path only.
    Returns ``(log P, relative error estimate, nev, path)``."""
    if force != 2:
        dmin = 0.0
        if origin_outside(B, mm):
            dmin = nearest_point(N, B, EI, S0, S1, k)[0]
        if dmin <= D_T or force == 1:
            P, err, W0, S = _path_t(B, AR, EI, S0, S1, k, mm)
            if W0 >= 0.0 and (P > P_MIN_T or (force == 1 and P > 0.0)) and (
                    err <= TOL_T * P or force == 1):
                lp = math.log1p(-S) if W0 == 1.0 else math.log(P)
                return lp, err / P, 0, PATH_T
            if force == 1:
                return np.nan, np.inf, 0, PATH_T
    lp, rel, nev, inside = quadrature_path(N, B, AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, k)
    return lp, rel, nev, (PATH_Q_IN if inside else PATH_Q_OUT)


@nb.njit(**JIT_OPTIONS)
def _info(A, b, bl, al, force):
    """:func:`log_polygon_mass_info` for rows and offsets with low parts ``al``, ``bl``."""
    st, N, B, AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, k = polygon_edges(A, b, bl, al)
    if st == 2:
        return 0.0, 0.0, 0, PATH_WHOLE
    if st == 1:
        return -np.inf, 0.0, 0, PATH_EMPTY
    return _log_mass_edges(N, B, AR, AL, BR, BL, mm, EI, S0, S1, J0, J1, k, force)


@nb.njit(**JIT_OPTIONS)
def log_polygon_mass_info(A, b, force=0):
    """``log P(W in Q)`` with diagnostics, ``W ~ N(0, I_2)``, ``Q = {w : A w <= b}``.

    Parameters
    ----------
    A : (m, 2) float64 array
    b : (m,) float64 array
        Constraints ``A[i] . w <= b[i]`` (any row scaling; a zero row is ignored if ``b[i] >=
        0`` and makes ``Q`` empty otherwise).  ``m = 0`` is the whole plane.
    force : int
        0: automatic choice; 1: T path only (NaN if it fails); 2: Q path only.  1 and 2 are
        for tests.

    Returns
    -------
    logp : float
        ``log P(W in Q)``; 0 for the whole plane, ``-inf`` if ``Q`` is empty or has zero
        area.
    relerr : float
        A-posteriori estimate of the relative error of ``P``: T path ``err_T / P`` (a bound);
        Q path the quadrature error estimate only (heuristic; rounding of about 1e-15 not
        included).
    nev : int
        Number of integrand evaluations (Q path), 0 otherwise.
    path : int
        ``PATH_WHOLE``, ``PATH_EMPTY``, ``PATH_T``, ``PATH_Q_OUT`` (0 outside ``Q``) or
        ``PATH_Q_IN`` (0 in the closed ``Q``).
    """
    return _info(A, b, np.zeros(b.shape[0]), np.zeros((b.shape[0], 2)), force)


@nb.njit(**JIT_OPTIONS)
def log_polygon_mass1(A, b):
    """``log P(W in Q)`` for ``W ~ N(0, I_2)`` and the convex ``Q = {w : A w <= b}``.

    Parameters
    ----------
    A : (m, 2) float64 array
    b : (m,) float64 array
        ``Q = {w : A[i, 0] w_0 + A[i, 1] w_1 <= b[i], i < m}``: bounded polygons, wedges,
        unbounded polygons, half-planes (``m = 1``), strips, the whole plane (``m = 0``).
        Finite values; not checked here (:func:`log_polygon_mass` checks them).

    Returns
    -------
    float
        ``log P(W in Q)``; ``-inf`` iff ``Q`` is empty or of zero area.  Regimes and error
        bounds: module docstring.
    """
    return log_polygon_mass_info(A, b, 0)[0]


@nb.njit(**JIT_OPTIONS)
def log_polygon_mass_vertices1(V, ray_in, ray_out):
    """``log P(W in Q)`` for ``Q`` given by a counter-clockwise vertex chain.

    Parameters
    ----------
    V : (k, 2) float64 array
        Vertices, counter-clockwise.
    ray_in, ray_out : (2,) float64 arrays
        Both zero: the bounded polygon ``V``.  Otherwise the boundary is the ray arriving at
        ``V[0]`` along ``ray_in``, the chain, and the ray leaving ``V[-1]`` along ``ray_out``
        (see :func:`exactid.density.polygon_geometry.halfplanes_from_vertices`).

    Returns
    -------
    float
        ``log P(W in Q)``.  The rows ``(dy, -dx)`` and offsets ``a . v`` are kept as
        double-doubles, so each boundary line passes exactly through its two float vertices:
        no extra error for thin polygons far from 0.
    """
    A, al, b, bl = halfplanes_from_vertices_dd(V, ray_in, ray_out)
    return _info(A, b, bl, al, 0)[0]


def log_polygon_mass(A, b) -> float:
    """``log P(W in Q)`` for ``W ~ N(0, I_2)`` and ``Q = {w : A w <= b}``, input checked.

    Parameters
    ----------
    A : array_like, shape (k, 2)
        Finite constraint rows (any scaling; ``k = 0`` is the whole plane).
    b : array_like, shape (k,)
        Finite offsets.

    Returns
    -------
    float
        ``log P(W in Q)``, see :func:`log_polygon_mass1` and the module docstring for the
        regimes and error bounds.

    Raises
    ------
    ValueError
        If ``A`` is not a finite (k, 2) array or ``b`` not a finite (k,) array.
    """
    A = as_float_array(A, "A", 2)
    check_shape(A, "A", (A.shape[0], 2), "(k, 2): one row per constraint")
    b = as_float_array(b, "b", 1)
    check_shape(b, "b", (A.shape[0],), f"(k,) with k = {A.shape[0]} rows of A")
    return float(log_polygon_mass1(A, b))
