r"""Exact preimages of a ReLU network :math:`f: \mathbb R \to \mathbb R^n`, and every point of
its image with two or more of them.

What to use when:

* the preimage set :math:`f^{-1}(\{x\})` of one point -- :func:`preimages_1d` (isolated points
  and intervals on which f is constant);
* every point of the image with at least two preimages -- :func:`multiple_points_1d`: isolated
  self-crossings and touching points (with their preimages), positive-length overlaps of the
  image with itself, and the values of constant pieces;
* (F3) of paper 003 (Definition 3.1) for ``m = 1`` and any ``n``, exactly --
  :func:`observably_injective_1d` (for ``n = 1`` also :func:`~exactid.identifiability.line.
  injectivity_1d`, for ``m <= 3`` with linear programs :func:`~exactid.identifiability.cells.
  check_injectivity`).

Everything is computed in rational arithmetic (:class:`fractions.Fraction`) from the exact
pieces of :func:`exactid.regions.pieces_1d`: piece k is :math:`f(z) = a_k z + b_k` on the
closed interval :math:`[l_k, h_k]` (a breakpoint belongs to both neighbouring pieces), and
floats, of the network or of x, are taken as the exact dyadic rationals they are.  The image of
a piece is a point (:math:`a_k = 0`), a segment, a ray or a line; two pieces are intersected by
solving :math:`a_j s + b_j = a_k t + b_k` for :math:`(s, t)` in their intervals, which is one
point or nothing when :math:`a_j, a_k` are independent and a (possibly unbounded) interval of
:math:`s = c t + d` when :math:`a_k = c a_j`.  The trade-off: the pairwise search is quadratic
in the number K of pieces (a sweep would be :math:`O(K \log K)` but needs an order on the
image, which :math:`\mathbb R^n` lacks).  Pairs whose float bounding boxes, rounded outwards,
do not meet are skipped before any exact arithmetic, which leaves few pairs unless the image
folds onto itself; K is bounded by :data:`MAX_PIECES_PAIRWISE` before the work starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral, Real

import numpy as np

from ..errors import LimitExceeded
from ..models import ReluNet
from ..regions import pieces_1d

__all__ = ["Preimages", "Overlap", "MultiplePoints", "preimages_1d", "multiple_points_1d",
           "observably_injective_1d", "MAX_PIECES_PAIRWISE"]

#: Largest number of pieces for which :func:`multiple_points_1d` runs its pairwise search
#: (half a million pairs: about 25 s for n = 2 when every pair of bounding boxes meets, as for
#: a curve that crosses itself 10^5 times; 0.1 s for 1000 pieces of a random network).
MAX_PIECES_PAIRWISE = 1000

#: A z-interval ``(lo, hi)``, closed; ``None`` is an infinite end.
Interval = tuple  # (Fraction | None, Fraction | None)


def _q(value) -> str | None:
    """A rational as an exact JSON string (``"9/2"``), None kept."""
    return None if value is None else str(value)


def _qs(values) -> list | None:
    return None if values is None else [str(v) for v in values]


@dataclass(frozen=True)
class Preimages:
    """The preimage set :math:`f^{-1}(\\{x\\})` of one point.

    Attributes
    ----------
    x : tuple of Fraction, length n
        The point, exactly.
    points : tuple of Fraction
        The isolated preimages, sorted (none lies in one of ``intervals``).
    intervals : tuple of (Fraction or None, Fraction or None)
        Maximal closed intervals ``[lo, hi]`` on which ``f = x`` (constant pieces), sorted;
        ``None`` is an infinite end.
    """

    x: tuple
    points: tuple
    intervals: tuple

    @property
    def count(self) -> int | float:
        """The number of preimages: ``len(points)``, or ``math.inf`` if there is an interval."""
        return math.inf if self.intervals else len(self.points)

    def to_dict(self) -> dict:
        """JSON-ready: rationals as exact strings (``"9/2"``), ``None`` for infinite ends and
        ``"inf"`` for an infinite count."""
        count = self.count
        return {"x": _qs(self.x), "points": _qs(self.points),
                "intervals": [[_q(lo), _q(hi)] for lo, hi in self.intervals],
                "count": "inf" if count == math.inf else count}


@dataclass(frozen=True)
class Overlap:
    """A positive-length part of the image covered by two non-constant pieces.

    The overlap is the segment from ``start`` to ``end``, or, when ``end`` is None, the ray
    ``{start + u * direction : u >= 0}``.  Piece ``pieces[0]`` maps the closed z-interval
    ``z_first`` onto it (``start`` is the image of the finite end of ``z_first`` that comes
    first, its lower end if finite) and piece ``pieces[1]`` maps ``z_second`` onto it.  Every
    point of the overlap has two or more preimages, except possibly an end that ``z_first`` and
    ``z_second`` share (the fold between two adjacent pieces, such as 0 for ``|z|``).

    Attributes
    ----------
    pieces : (int, int)
        Indices of the two pieces (in the order of :func:`exactid.regions.pieces_1d`).
    start : tuple of Fraction, length n
    end : tuple of Fraction, length n, or None
    direction : tuple of Fraction, length n, or None
        Only for an unbounded overlap (then ``end`` is None).
    z_first, z_second : (Fraction or None, Fraction or None)
        Closed z-intervals, ``None`` an infinite end.
    """

    pieces: tuple
    start: tuple
    end: tuple | None
    direction: tuple | None
    z_first: Interval
    z_second: Interval

    def to_dict(self) -> dict:
        """JSON-ready, rationals as exact strings."""
        return {"pieces": list(self.pieces), "start": _qs(self.start), "end": _qs(self.end),
                "direction": _qs(self.direction),
                "z_first": [_q(v) for v in self.z_first],
                "z_second": [_q(v) for v in self.z_second]}


@dataclass(frozen=True)
class MultiplePoints:
    """Every point of the image of :math:`f: \\mathbb R \\to \\mathbb R^n` with two or more
    preimages, :math:`S = \\{x : |f^{-1}(\\{x\\})| \\ge 2\\}`.

    ``S`` is exactly the union of the points of ``crossings``, the ``flat_values`` and the
    closed ``overlaps`` (less the fold ends described in :class:`Overlap`).

    Attributes
    ----------
    crossings : tuple of (tuple of Fraction, Preimages)
        Every point x with finitely many, at least two, preimages that no overlap covers
        twice (a transversal self-crossing of the image curve, or a point where it touches
        itself), with its exact preimage set; sorted by x.  There are finitely many: at most
        one per pair of pieces.
    overlaps : tuple of Overlap
        One per pair of non-constant pieces whose images overlap in a segment or ray of
        positive length (collinear pieces).
    flat_values : tuple of tuple of Fraction
        The values of the constant pieces (each has infinitely many preimages), sorted.
    constant : bool
        Whether f is constant (one flat piece).
    n_pieces : int
        Number of pieces examined.
    """

    crossings: tuple
    overlaps: tuple
    flat_values: tuple
    constant: bool
    n_pieces: int

    @property
    def observably_injective(self) -> bool:
        """(F3): f is not constant and no positive-length part of its image is covered twice
        (see :func:`observably_injective_1d`)."""
        return not self.constant and not self.overlaps

    def to_dict(self) -> dict:
        """JSON-ready, rationals as exact strings."""
        return {"crossings": [{"x": _qs(x), "preimages": p.to_dict()} for x, p in self.crossings],
                "overlaps": [o.to_dict() for o in self.overlaps],
                "flat_values": [_qs(v) for v in self.flat_values],
                "constant": self.constant, "n_pieces": self.n_pieces,
                "observably_injective": self.observably_injective}


# -- validation and pieces ------------------------------------------------------------------------
def _exact_pieces(net, name: str = "net") -> list:
    """The pieces ``(lo, hi, a, b)`` (``lo``/``hi`` Fraction or None, ``a``/``b`` tuples of
    Fraction of length n) of a ReluNet with input dimension 1."""
    if not isinstance(net, ReluNet):
        raise ValueError(f"{name}: expected a ReluNet, found {type(net).__name__}")
    if net.input_dim != 1:
        raise NotImplementedError(
            f"{name}: exact preimages need input dimension 1 (f: R -> R^n), found "
            f"R^{net.input_dim} -> R^{net.output_dim}")
    p = pieces_1d(net, exact=True)
    breaks = list(p.breakpoints)
    ends = zip([None] + breaks, breaks + [None])
    return [(lo, hi, tuple(p.slopes[k]), tuple(p.intercepts[k]))
            for k, (lo, hi) in enumerate(ends)]


def _as_point(x, n: int) -> tuple:
    """``x`` as a tuple of n Fractions (a bare number is accepted when n = 1)."""
    if isinstance(x, Real) and not isinstance(x, bool) and n == 1:
        x = [x]
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise ValueError(f"x: expected a sequence of {n} numbers, found {x!r}")
    if len(x) != n:
        raise ValueError(f"x: expected {n} coordinates (the output dimension of net), found "
                         f"{len(x)}")
    out = []
    for i, v in enumerate(x):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, Real):
            raise ValueError(f"x[{i}]: expected a finite number or Fraction, found {v!r}")
        if isinstance(v, Fraction):
            out.append(v)
        elif isinstance(v, Integral):
            out.append(Fraction(int(v)))
        else:
            f = float(v)
            if not math.isfinite(f):
                raise ValueError(f"x[{i}]: expected a finite number, found {f}")
            out.append(Fraction(f))
    return tuple(out)


# -- interval arithmetic with None for infinite ends ----------------------------------------------
def _inside(z, lo, hi) -> bool:
    return (lo is None or lo <= z) and (hi is None or z <= hi)


def _intersect(first: Interval, second: Interval) -> Interval | None:
    """The intersection of two closed intervals, or None if it is empty."""
    lows = [v for v in (first[0], second[0]) if v is not None]
    highs = [v for v in (first[1], second[1]) if v is not None]
    lo = max(lows) if lows else None
    hi = min(highs) if highs else None
    return None if lo is not None and hi is not None and lo > hi else (lo, hi)


def _affine_image(interval: Interval, c, d) -> Interval:
    """``{c t + d : t in interval}`` for ``c != 0``."""
    ends = [None if t is None else c * t + d for t in interval]
    return (ends[0], ends[1]) if c > 0 else (ends[1], ends[0])


def _value(a, b, z) -> tuple:
    return tuple(ai * z + bi for ai, bi in zip(a, b))


# -- preimages of one point -----------------------------------------------------------------------
def preimages_1d(net: ReluNet, x) -> Preimages:
    """The exact preimage set :math:`f^{-1}(\\{x\\})` of a network :math:`f: \\mathbb R \\to
    \\mathbb R^n`.

    Parameters
    ----------
    net : ReluNet
        Input dimension 1, any output dimension n (ReLU or leaky ReLU).
    x : sequence of n numbers or Fractions
        The point (floats are taken as the exact rationals they are); a bare number when
        ``n = 1``.

    Returns
    -------
    Preimages
        Isolated preimages and the intervals on which ``f = x``; a preimage at a breakpoint is
        reported once.

    Raises
    ------
    ValueError
        ``net`` is not a ReluNet, or ``x`` is not n finite numbers.
    NotImplementedError
        ``net`` has input dimension > 1.

    Examples
    --------
    >>> absval = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> p = preimages_1d(absval, [2])
    >>> [str(z) for z in p.points], p.count
    (['-2', '2'], 2)
    """
    pieces = _exact_pieces(net)
    return _preimages(pieces, _as_point(x, net.output_dim))


def _solve(a, b, x):
    """The z with ``a z + b = x`` (a not all zero), or None if there is none."""
    i = next(i for i, ai in enumerate(a) if ai != 0)
    z = (x[i] - b[i]) / a[i]
    return z if all(ai * z + bi == xi for ai, bi, xi in zip(a, b, x)) else None


def _preimages(pieces, x: tuple) -> Preimages:
    points, intervals = set(), []
    for lo, hi, a, b in pieces:
        if not any(a):
            if b == x:
                intervals.append((lo, hi))
            continue
        z = _solve(a, b, x)
        if z is not None and _inside(z, lo, hi):
            points.add(z)
    # The intervals are maximal and sorted: pieces_1d merges neighbours with the same map, so
    # two flat pieces with value x are never adjacent, and the pieces come in z order.
    isolated = sorted(z for z in points if not any(_inside(z, lo, hi) for lo, hi in intervals))
    return Preimages(x=x, points=tuple(isolated), intervals=tuple(intervals))


# -- every multiple point -------------------------------------------------------------------------
def _meet(first, second):
    """Where the images of two non-constant pieces meet.

    Returns None (they do not meet), ``("point", s, t)`` (one pair of parameters, s on the
    first piece, t on the second) or ``("segment", s_interval, t_interval, c, d)`` (collinear
    images meeting in the interval ``s_interval = c t_interval + d`` of positive length).
    """
    lo_j, hi_j, a_j, b_j = first
    lo_k, hi_k, a_k, b_k = second
    r = tuple(bk - bj for bj, bk in zip(b_j, b_k))  # a_j s - a_k t = r
    p = next(i for i, v in enumerate(a_j) if v != 0)
    # A row q with a non-zero 2x2 determinant makes (a_j, a_k) independent: one solution.
    for q, (ajq, akq) in enumerate(zip(a_j, a_k)):
        det = a_k[p] * ajq - a_j[p] * akq
        if det != 0:
            s = (a_k[p] * r[q] - r[p] * akq) / det
            t = (a_j[p] * r[q] - r[p] * ajq) / det
            solves = all(aj * s - ak * t == ri for aj, ak, ri in zip(a_j, a_k, r))
            if solves and _inside(s, lo_j, hi_j) and _inside(t, lo_k, hi_k):
                return ("point", s, t)
            return None
    # Otherwise a_k = c a_j: the equation is a_j (s - c t) = r, solvable iff r = d a_j.
    c, d = a_k[p] / a_j[p], r[p] / a_j[p]
    if any(ri != d * aj for ri, aj in zip(r, a_j)):
        return None
    t_range = _intersect((lo_k, hi_k), _affine_image((lo_j, hi_j), 1 / c, -d / c))
    if t_range is None:
        return None
    lo, hi = t_range
    if lo is not None and lo == hi:
        return ("point", c * lo + d, lo)
    return ("segment", _affine_image(t_range, c, d), t_range, c, d)


def _overlap(j: int, k: int, first, s_range: Interval, t_range: Interval) -> Overlap:
    _, _, a, b = first
    s0, s1 = s_range
    if s0 is not None and s1 is not None:
        return Overlap((j, k), _value(a, b, s0), _value(a, b, s1), None, s_range, t_range)
    if s0 is not None:  # [s0, inf): the ray from f(s0) along a
        return Overlap((j, k), _value(a, b, s0), None, tuple(a), s_range, t_range)
    # (-inf, s1]: from f(s1) along -a (both ends infinite needs a single piece: no pair)
    return Overlap((j, k), _value(a, b, s1), None, tuple(-v for v in a), s_range, t_range)


def _covered_twice(x: tuple, overlap: Overlap, pieces) -> bool:
    """Whether x has two distinct preimages in the overlap (not merely its fold end)."""
    s = _solve(*pieces[overlap.pieces[0]][2:], x)
    if s is None or not _inside(s, *overlap.z_first):
        return False
    return _solve(*pieces[overlap.pieces[1]][2:], x) != s


def _saturating_float(value) -> float:
    """``float(value)``, or +-inf beyond the float range."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _float_boxes(pieces) -> tuple[np.ndarray, np.ndarray]:
    """Bounding boxes of the pieces' images in float64: ``low, high`` of shape (K, n),
    infinite along rays.

    Rounding to nearest (saturating to +-inf) is monotone, ``p <= q`` implies ``float(p) <=
    float(q)``, so two boxes that meet exactly also meet in floats: skipping the pairs whose
    float boxes do not meet loses nothing."""
    n = len(pieces[0][2]) if pieces else 0
    low, high = np.empty((len(pieces), n)), np.empty((len(pieces), n))
    for r, (lo, hi, a, b) in enumerate(pieces):
        for i, (ai, bi) in enumerate(zip(a, b)):
            ends = []
            for z, side in ((lo, -1.0), (hi, 1.0)):
                if ai == 0 or z is not None:
                    ends.append(_saturating_float(bi if ai == 0 else ai * z + bi))
                else:  # the infinite end of a ray, on the side the slope's sign says
                    ends.append(side * math.inf if ai > 0 else -side * math.inf)
            low[r, i], high[r, i] = min(ends), max(ends)
    return low, high


def multiple_points_1d(net: ReluNet, *, max_pieces: int = MAX_PIECES_PAIRWISE
                       ) -> MultiplePoints:
    """Every point of the image of :math:`f: \\mathbb R \\to \\mathbb R^n` with two or more
    preimages, from all pairs of pieces, exactly.

    Parameters
    ----------
    net : ReluNet
        Input dimension 1, any output dimension n.
    max_pieces : int
        Refuse networks with more pieces (the search is quadratic in their number).

    Returns
    -------
    MultiplePoints
        ``crossings`` (isolated points with finitely many, >= 2, preimages, each with its
        :class:`Preimages`), ``overlaps`` (positive-length parts of the image covered twice,
        one per pair of pieces) and ``flat_values`` (values with infinitely many preimages).

    Raises
    ------
    ValueError
        ``net`` is not a ReluNet.
    NotImplementedError
        ``net`` has input dimension > 1.
    LimitExceeded
        More than ``max_pieces`` pieces.

    Examples
    --------
    ``|z|`` covers the ray ``x > 0`` twice:

    >>> absval = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> mp = multiple_points_1d(absval)
    >>> len(mp.overlaps), mp.crossings, mp.observably_injective
    (1, (), False)
    """
    pieces = _exact_pieces(net)
    if len(pieces) > max_pieces:
        raise LimitExceeded(
            f"net: {len(pieces)} linear pieces, more than max_pieces = {max_pieces} for the "
            "pairwise search of multiple points", "max_pieces")
    moving = [k for k, (_, _, a, _) in enumerate(pieces) if any(a)]
    flat_values = sorted({b for _, _, a, b in pieces if not any(a)})
    # Candidate crossings, each with the preimages the pairs meeting there give: for a point
    # that no overlap covers twice these are all its preimages (any two distinct preimages lie
    # on two pieces meeting there in a point), so no scan of all pieces is needed.
    overlaps, candidates = [], {}
    low, high = _float_boxes([pieces[k] for k in moving])
    for i, j in enumerate(moving):
        # Only pairs whose bounding boxes meet can meet: exact arithmetic for those alone.
        near = np.all((low[i] <= high[i + 1:]) & (low[i + 1:] <= high[i]), axis=1)
        for k in (moving[i + 1 + r] for r in np.flatnonzero(near)):
            met = _meet(pieces[j], pieces[k])
            if met is None:
                continue
            if met[0] == "segment":
                overlaps.append(_overlap(j, k, pieces[j], met[1], met[2]))
            elif met[1] != met[2]:  # s == t: the shared breakpoint of neighbours, one preimage
                candidates.setdefault(_value(*pieces[j][2:], met[1]), set()).update(met[1:])
    crossings = []
    flat = set(flat_values)
    for x in sorted(candidates):
        if x in flat or any(_covered_twice(x, o, pieces) for o in overlaps):
            continue
        crossings.append((x, Preimages(x=x, points=tuple(sorted(candidates[x])), intervals=())))
    return MultiplePoints(crossings=tuple(crossings), overlaps=tuple(overlaps),
                          flat_values=tuple(flat_values), constant=not moving,
                          n_pieces=len(pieces))


def observably_injective_1d(net: ReluNet, *, max_pieces: int = MAX_PIECES_PAIRWISE) -> bool:
    """(F3) of paper 003, Definition 3.1, for :math:`f: \\mathbb R \\to \\mathbb R^n`, decided
    exactly.

    f is observably injective iff it is not constant and no two non-constant pieces have
    images overlapping in positive length (``multiple_points_1d(net).overlaps`` is empty).
    Why: the image of a non-constant f is a curve of pieces of positive length, and the points
    with two or more preimages are the overlaps (positive length, so not null in the image),
    the crossings (finitely many, one per pair of pieces at most) and the flat values
    (finitely many); a constant f is not (F3), by the convention of paper 003, Example 1
    (x -> 0 is not even weakly injective).

    Parameters
    ----------
    net : ReluNet
        Input dimension 1, any output dimension n.
    max_pieces : int
        As in :func:`multiple_points_1d`.

    Returns
    -------
    bool
    """
    return multiple_points_1d(net, max_pieces=max_pieces).observably_injective
