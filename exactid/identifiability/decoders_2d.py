r"""Decoders with a two-dimensional latent compared exactly, as piecewise-affine maps on their
cells: is :math:`g(A z + b) = f(z)` for every :math:`z \in \mathbb R^2`?

What to use when: :func:`decoders_match_2d` for two ReLU networks with input dimension 2 and
a given invertible affine map :math:`h(z) = A z + b` (paper 003, Definition 2.1.2:
:math:`g = f \circ h^{-1}`); :func:`models_equivalent_2d` to try the candidate prior maps of
two models with ``m = 2`` in turn.  For ``m = 1`` use
:func:`exactid.identifiability.decoders_match`.

Method.  f is affine on each cell C of :func:`exactid.regions.polygons_2d` (an exact rational
polygon), and :math:`g \circ h` is affine on each preimage :math:`h^{-1}(C')` of a cell of g
(normals :math:`N A`, offsets :math:`o - N b`, computed in :class:`fractions.Fraction`, floats
taken as the rationals they are).  Both functions are continuous and the closed cells cover
the plane, so they are equal everywhere iff their affine pieces agree on every pair of cells
whose intersection has a nonempty interior.  Whether it has one is decided exactly: f's
polygon, inside a *symbolic* box :math:`[-R, R]^2` with :math:`R \to \infty` (coordinates
:math:`p + qR` compared lexicographically, as in :mod:`exactid.regions.plane`), is clipped by
the half-planes of the other cell; the clipped polygon also gives the overlap's finite
vertices (``q = 0``) and its recession directions (the ``q`` of the box vertices).

Verdicts.  With ``atol = 0`` the pieces are compared exactly (:math:`M_f = M_g A`,
:math:`c_f = M_g b + c_g`): the answer is exact for the networks' float weights and the
given A, b.  With ``atol > 0`` (A, b or the weights rounded, e.g. a numerically computed prior
map or :func:`~exactid.identifiability.affine_reparametrize`), comparing pieces cannot work:
a boundary line moved by rounding leaves a thin (even unbounded) sliver where f and
:math:`g \circ h` use *different* pieces that nevertheless differ by a rounding-sized amount.
The difference :math:`d(z)` is therefore bounded on each overlap by its values at the
overlap's generating points (vertices, plus, as in the 1-D comparison, the points nearest to
where the tolerance is tightest) and its slopes along the recession directions, each against
``atol * (1 + size)``: the size of every intermediate quantity of either network there (see
:func:`decoders_match_2d`).

Cost: every pair of cells is clipped, so the work is about ``cells_f * cells_g`` small exact
clippings; :data:`MAX_CELL_PAIRS` bounds it before it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational, Real

import numpy as np

from ..errors import LimitExceeded
from ..models import LatentModel, ReluNet
from ..regions import polygons_2d
from ..validation import check_instance, check_integer
from .checks import check_real

__all__ = ["MAX_CELL_PAIRS", "Witness", "DecoderComparison", "decoders_match_2d",
           "models_equivalent_2d"]

#: Most pairs (cells of f) x (cells of g) compared by one call.  Pairs whose bounding boxes
#: are apart cost a float comparison, the others one exact clipping (30-250 us measured on
#: random nets of 11-201 cells), so the bound is under a minute of work.
MAX_CELL_PAIRS = 250_000

_ZERO = Fraction(0)
_ONE = Fraction(1)

# -- exact input ----------------------------------------------------------------------------


def _exact_array(value, name: str, shape: tuple, want: str) -> np.ndarray:
    """``value`` as an object array of Fractions (floats taken as exact rationals)."""
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name}: expected {want}, found {value!r}")
    # dtype=object keeps Fractions (and Python ints) exact instead of rounding them; a ragged
    # sequence becomes an array of lists, refused by its shape.
    arr = np.array(value, dtype=object)
    if arr.shape != shape:
        raise ValueError(f"{name}: expected {want}, found shape {arr.shape}")
    out = np.empty(shape, dtype=object)
    for index, entry in np.ndenumerate(arr):
        if isinstance(entry, (bool, np.bool_)) or not isinstance(entry, Real):
            raise ValueError(f"{name}: expected {want}, found entry {entry!r}")
        if not isinstance(entry, Rational) and not np.isfinite(float(entry)):
            raise ValueError(f"{name}: expected finite numbers, found {float(entry)!r}")
        out[index] = Fraction(entry) if isinstance(entry, Rational) else Fraction(float(entry))
    return out


def _check_map(matrix, shift) -> tuple[tuple, tuple]:
    """(A as two rows of Fractions, b as two Fractions); A exactly invertible."""
    want = "an invertible (2, 2) matrix"
    a = _exact_array(matrix, "matrix", (2, 2), want)
    b = _exact_array(shift, "shift", (2,), "a vector of shape (2,)")
    if a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0] == 0:
        raise ValueError(f"matrix: expected {want}, found a singular matrix "
                         f"{[[float(x) for x in row] for row in a]} (exact determinant 0)")
    return (tuple(a[0]), tuple(a[1])), tuple(b)


def _check_net(net, name: str) -> ReluNet:
    check_instance(net, name, ReluNet)
    if net.input_dim != 2:
        raise ValueError(f"{name}: expected a ReluNet with input dimension 2, found input "
                         f"dimension {net.input_dim}")
    return net


def _to_float(x: Fraction) -> float:
    """float(x), or +-inf beyond the float range (exact vertices can be astronomically far)."""
    try:
        return float(x)
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


# -- exact clipping inside a symbolic box ---------------------------------------------------
# A line (a1, a2, bp, bq) is the half-plane a1 z1 + a2 z2 <= bp + bq R; bq = 1 for the box.
# A vertex (p1, p2, q1, q2) is the point (p1 + q1 R, p2 + q2 R).

_BOX = ((_ZERO, -_ONE, _ZERO, _ONE), (_ONE, _ZERO, _ZERO, _ONE),
        (_ZERO, _ONE, _ZERO, _ONE), (-_ONE, _ZERO, _ZERO, _ONE))


def _meet(l1, l2) -> tuple:
    # Adjacent edges of a polygon with an interior are never parallel: det != 0.
    a1, a2, bp, bq = l1
    c1, c2, dp, dq = l2
    det = a1 * c2 - a2 * c1
    return ((bp * c2 - dp * a2) / det, (a1 * dp - c1 * bp) / det,
            (bq * c2 - dq * a2) / det, (a1 * dq - c1 * bq) / det)


def _side(line, v) -> int:
    """Sign of a . v - b for all sufficiently large R (the R coefficient decides first)."""
    a1, a2, bp, bq = line
    q = a1 * v[2] + a2 * v[3] - bq
    if q != 0:
        return 1 if q > 0 else -1
    p = a1 * v[0] + a2 * v[1] - bp
    return (p > 0) - (p < 0)


class _Region:
    """A convex polygon with an interior, in the symbolic box: its edge lines in
    counter-clockwise order; vertex i is where lines i and i + 1 meet."""

    __slots__ = ("lines", "vertices")

    def __init__(self, lines):
        self.lines = tuple(lines)
        k = len(self.lines)
        self.vertices = tuple(_meet(self.lines[i], self.lines[(i + 1) % k]) for i in range(k))

    def clip(self, cut) -> _Region | None:
        """The part with a . z <= b, or None when that part has no interior."""
        signs = [_side(cut, v) for v in self.vertices]
        if all(s <= 0 for s in signs):
            return self
        if all(s >= 0 for s in signs):
            return None  # the polygon lies in a . z >= b: the overlap is at most a segment
        # Edge i runs from vertex i - 1 to vertex i and survives when one of its ends lies
        # strictly inside; by convexity the surviving edges form one cyclic run that starts
        # after the last vertex strictly outside, and the cut closes it.
        k = len(self.lines)
        last_out = next(j for j in range(k) if signs[j] > 0 and signs[(j + 1) % k] <= 0)
        run = [self.lines[i % k] for i in range(last_out + 1, last_out + 1 + k)
               if signs[(i - 1) % k] < 0 or signs[i % k] < 0]
        return _Region(run + [cut])

    def finite_lines(self) -> list:
        return [ln for ln in self.lines if ln[3] == 0]

    def contains(self, z) -> bool:
        return all(a1 * z[0] + a2 * z[1] <= b for a1, a2, b, _ in self.finite_lines())


def _bounds(region: _Region) -> tuple:
    """(lo1, lo2, hi1, hi2) of the region's bounding box, rounded to float (+-inf where it is
    unbounded).  Rounding to nearest is monotone, so float(hi) < float(lo') proves hi < lo'."""
    lo, hi = [], []
    for k in range(2):
        qs = [v[2 + k] for v in region.vertices]
        ps = [v[k] for v in region.vertices if v[2 + k] == 0]
        lo.append(float("-inf") if min(qs) < 0 else _to_float(min(ps)))
        hi.append(float("inf") if max(qs) > 0 else _to_float(max(ps)))
    return (lo[0], lo[1], hi[0], hi[1])


def _clip_all(region: _Region | None, halfplanes) -> _Region | None:
    for a1, a2, b in halfplanes:
        if region is None:
            return None
        region = region.clip((a1, a2, b, _ZERO))
    return region


# -- the two families of cells --------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """A cell: its half-planes (a1, a2, b) and the affine map z -> matrix z + offset on it."""

    halfplanes: tuple
    matrix: tuple
    offset: tuple


def _f_pieces(cells) -> list[_Piece]:
    return [_Piece(tuple((a1, a2, b) for (a1, a2), b in
                         zip(c.polygon.normals, c.polygon.offsets)), c.matrix, c.offset)
            for c in cells]


def _pulled_back(cells, a: tuple, b: tuple) -> list[_Piece]:
    """The cells of g o h in z: N (A z + b) <= o, map M_g (A z + b) + c_g, all exact."""
    out = []
    for c in cells:
        halfplanes = tuple((n1 * a[0][0] + n2 * a[1][0], n1 * a[0][1] + n2 * a[1][1],
                            o - n1 * b[0] - n2 * b[1])
                           for (n1, n2), o in zip(c.polygon.normals, c.polygon.offsets))
        matrix = tuple((m1 * a[0][0] + m2 * a[1][0], m1 * a[0][1] + m2 * a[1][1])
                       for m1, m2 in c.matrix)
        offset = tuple(m1 * b[0] + m2 * b[1] + k for (m1, m2), k in zip(c.matrix, c.offset))
        out.append(_Piece(halfplanes, matrix, offset))
    return out


# -- generators of an overlap ---------------------------------------------------------------


def _normalized(d: tuple) -> tuple:
    scale = max(abs(d[0]), abs(d[1]))
    return (d[0] / scale, d[1] / scale)


def _generators(region: _Region, extra_points) -> tuple[list, list]:
    r"""(points, directions) with overlap = conv(points) + cone(directions), exactly.

    Finite vertices (q = 0) and the directions q of the vertices on the box edges.  Without a
    finite vertex the overlap contains a line (all its edges are parallel): the feet of the
    perpendiculars from the origin on its edge lines (or the origin, for the plane) are then
    its points.  ``extra_points`` inside the overlap are added (points where the tolerance is
    tightest); they keep the identity true.
    """
    points = [(v[0], v[1]) for v in region.vertices if v[2] == 0 and v[3] == 0]
    directions = list(dict.fromkeys(_normalized((v[2], v[3])) for v in region.vertices
                                    if v[2] != 0 or v[3] != 0))
    feet = [(a1 * b / (a1 * a1 + a2 * a2), a2 * b / (a1 * a1 + a2 * a2))
            for a1, a2, b, _ in region.finite_lines()]
    if not points:
        points = feet or [(_ZERO, _ZERO)]
    else:
        extra_points = list(extra_points) + feet
    points += [z for z in extra_points if region.contains(z) and z not in points]
    return points, directions


def _interior_point(points, directions) -> tuple:
    """mean(points) + mean(directions): in the interior of conv(points) + cone(directions)."""
    c = [sum(p[k] for p in points) / len(points) for k in range(2)]
    if directions:
        c = [c[k] + sum(d[k] for d in directions) / len(directions) for k in range(2)]
    return (c[0], c[1])


# -- comparison -----------------------------------------------------------------------------


class _Difference:
    """d(z) = (M_f - M_g A) z + (c_f - M_g b - c_g) on one pair of cells, exactly."""

    def __init__(self, pf: _Piece, pg: _Piece):
        self.matrix = tuple((r[0] - s[0], r[1] - s[1]) for r, s in zip(pf.matrix, pg.matrix))
        self.offset = tuple(r - s for r, s in zip(pf.offset, pg.offset))

    def is_zero(self) -> bool:
        return (all(r[0] == 0 and r[1] == 0 for r in self.matrix)
                and all(e == 0 for e in self.offset))

    def linear(self, d) -> Fraction:
        return max(abs(r[0] * d[0] + r[1] * d[1]) for r in self.matrix)

    def value(self, z) -> Fraction:
        return max(abs(r[0] * z[0] + r[1] * z[1] + e) for r, e in zip(self.matrix, self.offset))


class _Tolerance:
    """``atol * (1 + size)``: size bounds every intermediate quantity of f at z and of g at
    h(z) (``|z|`` propagated through ``|A|``, ``|b|`` and the absolute weights and biases,
    like the 1-D ``_term_size``); for a direction d (max-norm 1) the biases are left out."""

    def __init__(self, f: ReluNet, g: ReluNet, a: tuple, b: tuple, atol: float):
        self.f, self.g, self.atol = f, g, atol
        self.abs_a = np.array([[abs(_to_float(x)) for x in row] for row in a])
        self.abs_b = np.array([abs(_to_float(x)) for x in b])

    @staticmethod
    def _size(net: ReluNet, magnitude: np.ndarray, biases: bool) -> float:
        # The activation multiplies |t| by at most max(1, slope) (a leaky slope may exceed 1).
        gain, size = max(1.0, net.negative_slope), magnitude
        with np.errstate(over="ignore", invalid="ignore"):  # inf: beyond the float range
            for k, (w, c) in enumerate(zip(net.weights, net.biases)):
                size = np.abs(w) @ (size * (gain if k else 1.0)) + (np.abs(c) if biases else 0.0)
        return float(size.max())

    def __call__(self, z, biases: bool = True) -> float:
        mag = np.array([abs(_to_float(z[0])), abs(_to_float(z[1]))])
        with np.errstate(over="ignore", invalid="ignore"):
            mag_g = self.abs_a @ mag + (self.abs_b if biases else 0.0)
        sizes = (self._size(self.f, mag, biases), self._size(self.g, mag_g, biases))
        # A nan or inf size (terms beyond the float range): nothing can be compared in floats
        # there, so the point passes, as in the 1-D comparison.
        if not all(np.isfinite(sizes)):
            return float("inf")
        return self.atol * (1.0 + max(sizes))


def _best_point(overlap_generators, diff: _Difference) -> tuple:
    """An interior point of the overlap where d(z) != 0 exactly, |d| large for its size.

    The candidates c, (c + v) / 2 and c + r (c interior, v the points, r the directions) are
    interior and affinely span the plane, so d, affine and not zero, is nonzero at one.
    """
    points, directions = overlap_generators
    c = _interior_point(points, directions)
    candidates = ([c] + [((c[0] + v[0]) / 2, (c[1] + v[1]) / 2) for v in points]
                  + [(c[0] + r[0], c[1] + r[1]) for r in directions])
    return max(candidates, key=lambda z: diff.value(z) / (1 + max(abs(z[0]), abs(z[1]))))


def _beyond_tolerance(diff: _Difference, tolerance: _Tolerance, generators) -> tuple | None:
    """A point of the (closed) overlap where |d| exceeds the tolerance, or None if none of
    the generators does (values at the points, slopes along the directions)."""
    points, directions = generators
    for z in points:
        if _to_float(diff.value(z)) > tolerance(z):
            return z
    for r in directions:
        if _to_float(diff.linear(r)) > tolerance(r, biases=False):
            # |d| grows like |slope| t along the ray, the tolerance like atol * size(r) t
            # with a smaller rate: doubling t reaches a point beyond the tolerance.
            c = _interior_point(points, directions)
            t = _ONE
            for _ in range(1100):  # 2**1100 overflows the float tolerance long before
                z = (c[0] + t * r[0], c[1] + t * r[1])
                if _to_float(diff.value(z)) > tolerance(z):
                    return z
                t *= 2
            return _best_point(generators, diff)
    return None


@dataclass(frozen=True)
class Witness:
    r"""A point where the two decoders differ: :math:`f(z) \ne g(h(z))`, exactly.

    Attributes
    ----------
    z : tuple of Fraction, shape (2,)
        The latent point, in the (closed) intersection of cell ``f_cell`` of f and the
        preimage under h of cell ``g_cell`` of g.
    f_value : tuple of Fraction, shape (n,)
        :math:`f(z)`, exact (f's affine piece on its cell, evaluated in rationals).
    g_value : tuple of Fraction, shape (n,)
        :math:`g(h(z))`, exact.
    f_cell, g_cell : int
        Indices into :func:`exactid.regions.polygons_2d` of f and of g.
    """

    z: tuple
    f_value: tuple
    g_value: tuple
    f_cell: int
    g_cell: int

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(z (2,), f(z) (n,), g(h(z)) (n,)) rounded once to float64."""
        return tuple(np.array([_to_float(x) for x in v])
                     for v in (self.z, self.f_value, self.g_value))


def _witness(z: tuple, pf: _Piece, pg: _Piece, i: int, j: int) -> Witness:
    def at(piece):
        return tuple(r[0] * z[0] + r[1] * z[1] + c for r, c in zip(piece.matrix, piece.offset))

    return Witness(z=z, f_value=at(pf), g_value=at(pg), f_cell=i, g_cell=j)


@dataclass(frozen=True)
class DecoderComparison:
    """Result of :func:`decoders_match_2d`; ``bool(result)`` is ``result.match``.

    Attributes
    ----------
    match : bool
        :math:`g(h(z)) = f(z)` for every z (within the tolerance when not ``exact``).
    exact : bool
        The comparison was exact (``atol = 0``): ``match`` is a proof either way.
    pairs_checked : int
        Pairs (cell of f, preimage of a cell of g) with overlapping interiors that were
        compared: all of them when ``match``, those up to the first difference otherwise.
    witness : Witness or None
        When not ``match``: a point where the decoders differ.
    """

    match: bool
    exact: bool
    pairs_checked: int
    witness: Witness | None

    def __bool__(self) -> bool:
        return self.match


def _compare(f: ReluNet, cells_f, g: ReluNet, cells_g, a: tuple, b: tuple, atol: float,
             max_pairs: int) -> DecoderComparison:
    n_pairs = len(cells_f) * len(cells_g)
    if n_pairs > max_pairs:
        raise LimitExceeded(
            f"max_pairs: f has {len(cells_f)} cells and g {len(cells_g)}, {n_pairs} pairs to "
            f"compare, more than max_pairs = {max_pairs} (MAX_CELL_PAIRS); raise max_pairs if "
            "the work is intended", "MAX_CELL_PAIRS")
    pieces_f, pieces_g = _f_pieces(cells_f), _pulled_back(cells_g, a, b)
    tolerance = _Tolerance(f, g, a, b, atol) if atol > 0 else None
    # Where the tolerance is tightest: z = 0 for f, h(z) = 0 for g.
    det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
    tight = [(_ZERO, _ZERO), ((a[0][1] * b[1] - a[1][1] * b[0]) / det,
                              (a[1][0] * b[0] - a[0][0] * b[1]) / det)]
    box, checked = _Region(_BOX), 0
    # Every cell has an interior (and h is invertible): no clipping below returns None.
    regions_f = [_clip_all(box, p.halfplanes) for p in pieces_f]
    bounds_g = np.array([_bounds(_clip_all(box, p.halfplanes)) for p in pieces_g]).reshape(-1, 4)
    for i, (pf, region_f) in enumerate(zip(pieces_f, regions_f)):
        # Cells whose bounding boxes are strictly apart cannot overlap: skip their clipping.
        lo1, lo2, hi1, hi2 = _bounds(region_f)
        near = ((bounds_g[:, 0] <= hi1) & (bounds_g[:, 2] >= lo1)
                & (bounds_g[:, 1] <= hi2) & (bounds_g[:, 3] >= lo2))
        for j in np.flatnonzero(near).tolist():
            pg = pieces_g[j]
            overlap = _clip_all(region_f, pg.halfplanes)
            if overlap is None:
                continue
            checked += 1
            diff = _Difference(pf, pg)
            if diff.is_zero():
                continue
            if tolerance is None:
                z = _best_point(_generators(overlap, ()), diff)
            else:
                z = _beyond_tolerance(diff, tolerance, _generators(overlap, tight))
                if z is None:
                    continue
            return DecoderComparison(False, tolerance is None, checked,
                                     _witness(z, pf, pg, i, j))
    return DecoderComparison(True, tolerance is None, checked, None)


def _check_options(atol, max_pairs) -> tuple[float, int]:
    atol = check_real(atol, "atol", nonnegative=True)
    max_pairs = check_integer(max_pairs, "max_pairs", 1)
    return atol, max_pairs


def decoders_match_2d(f: ReluNet, g: ReluNet, matrix, shift, atol: float = 0.0, *,
                      max_pairs: int = MAX_CELL_PAIRS) -> DecoderComparison:
    r"""Whether :math:`g(A z + b) = f(z)` for every :math:`z \in \mathbb R^2`, decided on the
    networks' cells.

    Equivalently :math:`g = f \circ h^{-1}` with :math:`h(z) = A z + b` (paper 003,
    Definition 2.1.2); a Gaussian mixture has support :math:`\mathbb R^2`, so this is
    equality on the support of the prior.  For every cell C of f and every cell C' of g
    whose preimage :math:`h^{-1}(C')` meets C in a set with an interior (decided exactly),
    the affine pieces are compared:

    .. math:: M_f = M_g A, \qquad c_f = M_g b + c_g .

    Parameters
    ----------
    f, g : ReluNet
        Networks with input dimension 2 and the same output dimension n (ReLU or leaky).
    matrix : array_like, shape (2, 2)
        A, exactly invertible.  Floats are taken as the rationals they are; entries may be
        :class:`fractions.Fraction` or ints for an exact map that no float represents.
    shift : array_like, shape (2,)
        b, likewise.
    atol : float
        ``0`` (default): exact comparison in rational arithmetic.  ``> 0``: on each overlap
        the difference :math:`d = f - g \circ h` must satisfy
        :math:`|d(v)| \le \mathrm{atol}\,(1 + \mathrm{size}(v))` at its vertices (or, for a
        strip or half-plane, the feet of the perpendiculars from 0 on its edges), at
        :math:`z = 0`, :math:`z = h^{-1}(0)` and the feet when they lie in it, and
        :math:`|D r| \le \mathrm{atol}\,(1 + \mathrm{size}_0(r))` along its recession
        directions r (max-norm 1).  size(z) bounds every intermediate quantity of f at z and
        of g at h(z): :math:`|z|` propagated through :math:`|A|, |b|` and the absolute
        weights and biases, times ``max(1, negative_slope)`` per activation (without the
        biases for :math:`\mathrm{size}_0`), the scale of float rounding errors.  Points
        where the size overflows are not compared.
    max_pairs : int
        Refuse (:class:`exactid.errors.LimitExceeded`) when ``cells_f * cells_g`` exceeds
        this; default :data:`MAX_CELL_PAIRS`.

    Returns
    -------
    DecoderComparison
        ``match``, whether it is ``exact``, the number of overlapping pairs compared and, when
        the decoders differ, a :class:`Witness`: an exact point z of an overlap with
        :math:`f(z) \ne g(h(z))` (with ``atol > 0``, one where the difference exceeds the
        tolerance).

    Raises
    ------
    ValueError
        If f or g is not a ReluNet with input dimension 2, their output dimensions differ,
        matrix is not an invertible (2, 2) matrix of finite numbers, shift is not a finite
        (2,) vector, or atol is negative.
    LimitExceeded
        If ``cells_f * cells_g > max_pairs`` (or a net has more than
        :data:`exactid.limits.MAX_CELLS` cells).

    Examples
    --------
    >>> absval = ReluNet([[[1.0, 0.0], [-1.0, 0.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> bool(decoders_match_2d(absval, absval, [[-1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]))
    True
    >>> w = decoders_match_2d(absval, absval, [[2.0, 0.0], [0.0, 1.0]], [0.0, 0.0]).witness
    >>> w.z, w.f_value, w.g_value                   # |z1| != |2 z1|
    ((Fraction(-3, 2), Fraction(1, 1)), (Fraction(3, 2),), (Fraction(3, 1),))
    """
    _check_net(f, "f")
    _check_net(g, "g")
    if g.output_dim != f.output_dim:
        raise ValueError(f"g: expected output dimension {f.output_dim} (that of f), found "
                         f"{g.output_dim}")
    a, b = _check_map(matrix, shift)
    atol, max_pairs = _check_options(atol, max_pairs)
    return _compare(f, polygons_2d(f), g, polygons_2d(g), a, b, atol, max_pairs)


def models_equivalent_2d(model_a: LatentModel, model_b: LatentModel, maps,
                         atol: float = 1e-9, *, max_pairs: int = MAX_CELL_PAIRS):
    r"""Try candidate prior maps h in turn until the decoders satisfy
    :math:`f_b = f_a \circ h^{-1}` (``m = 2``).

    Only the decoders are compared: the maps are assumed to push ``model_a.prior`` onto
    ``model_b.prior`` (e.g. from ``exactid.identifiability.prior_maps``), and the noise
    levels are not compared here.  The models' cells are computed once (cached on the
    models), so many maps cost one clipping pass each.

    Parameters
    ----------
    model_a, model_b : LatentModel
        Models with ``m = 2``; ``model_a = (f, P)``, ``model_b = (g, P')``.
    maps : iterable
        Objects with ``.matrix`` (2, 2) and ``.shift`` (2,), :math:`h(z) = A z + b`.
    atol : float
        Tolerance of :func:`decoders_match_2d` (``0`` for an exact decision).
    max_pairs : int
        As in :func:`decoders_match_2d`.

    Returns
    -------
    found : object or None
        The first map under which the decoders match.
    comparisons : tuple of DecoderComparison
        One per map tried, in order (the last one matches when ``found`` is not None); empty
        when the output dimensions differ (no map can then match).
    """
    check_instance(model_a, "model_a", LatentModel)
    check_instance(model_b, "model_b", LatentModel)
    f, g = _check_net(model_a.net, "model_a.net"), _check_net(model_b.net, "model_b.net")
    atol, max_pairs = _check_options(atol, max_pairs)
    try:
        maps = list(maps)
    except TypeError:
        raise ValueError("maps: expected an iterable of objects with .matrix and .shift, found "
                         f"{type(maps).__name__}") from None
    checked = []
    for k, h in enumerate(maps):
        if not (hasattr(h, "matrix") and hasattr(h, "shift")):
            raise ValueError(f"maps[{k}]: expected an object with .matrix and .shift, found "
                             f"{type(h).__name__}")
        checked.append(_check_map(h.matrix, h.shift))
    if f.output_dim != g.output_dim:
        return None, ()
    comparisons = []
    for h, (a, b) in zip(maps, checked):
        result = _compare(f, model_a.polygons, g, model_b.polygons, a, b, atol, max_pairs)
        comparisons.append(result)
        if result.match:
            return h, tuple(comparisons)
    return None, tuple(comparisons)
