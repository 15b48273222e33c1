r"""Exact linear regions of a ReLU network with a two-dimensional input, as convex polygons.

What to use when: for ``m = 2`` (any output dimension ``n``) :func:`polygons_2d` lists the cells
of the network (maximal sets of inputs with one activation pattern) as exact convex polygons,
bounded or not, each with the affine map :math:`f(z) = A z + c` of the network on it.  This is
what the 2-D density needs: a partition of the plane into polygons with exact (rational)
vertices and maps.  :func:`exactid.regions.linear_regions` is the general tool for
``m <= 3`` (linear programs, float tolerances, regions merged across cells).

Method.  Every weight and bias is a float, hence a rational number, and all the arithmetic is
done in :class:`fractions.Fraction`: nothing is rounded.  The plane starts as one cell; layer by
layer, the pre-activation of each unit is affine on a cell, and the cell is cut by the line where
it vanishes (a convex polygon cut by a line gives two convex polygons).  Unbounded cells are
handled exactly by a *symbolic* bounding box :math:`[-R, R]^2` with :math:`R \to \infty`:
coordinates are numbers :math:`p + qR` compared lexicographically (first :math:`q`, then
:math:`p`), which decides every sign for all sufficiently large :math:`R` at once.  The box
edges are dropped from the result: a cell is returned as the intersection of its finite
half-planes, with its finite vertices in counter-clockwise order.

Complexity: a cell is cut by each unit of each layer, so the work is about (number of cells) x
(number of units); :data:`exactid.limits.MAX_CELLS` bounds the cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import LimitExceeded
from ..limits import MAX_CELLS
from ..models import ReluNet
from ..validation import check_instance

__all__ = ["Polygon", "PolygonCell", "polygons_2d"]

# A number p + q R, R -> infinity, as the pair (p, q) of Fractions.
_ZERO = (Fraction(0), Fraction(0))


def _sign(value) -> int:
    p, q = value
    if q != 0:
        return 1 if q > 0 else -1
    return (p > 0) - (p < 0)


@dataclass(frozen=True)
class _Line:
    """The half-plane a1 z1 + a2 z2 <= b; b = b_p + b_q R (b_q = 1 for the box edges)."""

    a1: Fraction
    a2: Fraction
    b: tuple

    @property
    def at_infinity(self) -> bool:
        return self.b[1] != 0

    def value(self, v) -> tuple:
        """a . v - b at a vertex v = ((p1, q1), (p2, q2))."""
        (p1, q1), (p2, q2) = v
        return (self.a1 * p1 + self.a2 * p2 - self.b[0], self.a1 * q1 + self.a2 * q2 - self.b[1])

    def flipped(self) -> _Line:
        return _Line(-self.a1, -self.a2, (-self.b[0], -self.b[1]))


def _meet(l1: _Line, l2: _Line):
    """Intersection of the boundary lines of l1 and l2 (Cramer's rule; they are not parallel
    when they are adjacent edges of a polygon with an interior)."""
    det = l1.a1 * l2.a2 - l1.a2 * l2.a1
    if det == 0:
        raise ArithmeticError("adjacent edges are parallel")  # cannot happen (see callers)
    z1 = tuple((l1.b[k] * l2.a2 - l2.b[k] * l1.a2) / det for k in range(2))
    z2 = tuple((l1.a1 * l2.b[k] - l2.a1 * l1.b[k]) / det for k in range(2))
    return z1, z2


_BOX = (
    _Line(Fraction(0), Fraction(-1), (Fraction(0), Fraction(1))),  # z2 >= -R
    _Line(Fraction(1), Fraction(0), (Fraction(0), Fraction(1))),  # z1 <= R
    _Line(Fraction(0), Fraction(1), (Fraction(0), Fraction(1))),  # z2 <= R
    _Line(Fraction(-1), Fraction(0), (Fraction(0), Fraction(1))),  # z1 >= -R
)


class _Cell:
    """A convex polygon (inside the symbolic box) as its edge lines in counter-clockwise order;
    vertex i is the meeting point of lines i and i + 1 (cyclically)."""

    __slots__ = ("lines", "vertices")

    def __init__(self, lines):
        self.lines = tuple(lines)
        k = len(self.lines)
        self.vertices = tuple(_meet(self.lines[i], self.lines[(i + 1) % k]) for i in range(k))

    def split(self, line: _Line):
        """(part with a . z <= b, part with a . z >= b); None for a part without interior."""
        signs = [_sign(line.value(v)) for v in self.vertices]
        if all(s <= 0 for s in signs):
            return self, None
        if all(s >= 0 for s in signs):
            return None, self
        return self._keep(signs, -1, line), self._keep(signs, 1, line.flipped())

    def _keep(self, signs, side: int, cut: _Line) -> _Cell:
        # Edge i (on line i) runs from vertex i - 1 to vertex i; it has a part strictly on the
        # kept side when one of its ends does.  By convexity the kept edges form one cyclic
        # run (possibly all edges, when a single vertex is cut off), which starts after the
        # last vertex strictly on the other side; the cut closes it.
        k = len(self.lines)
        last_other = next(j for j in range(k) if signs[j] == -side and signs[(j + 1) % k] != -side)
        run = [self.lines[i % k] for i in range(last_other + 1, last_other + 1 + k)
               if signs[(i - 1) % k] == side or signs[i % k] == side]
        return _Cell(run + [cut])

    def interior_point(self):
        """The mean of the vertices (strictly inside a convex polygon with an interior)."""
        k = len(self.vertices)
        return tuple(tuple(sum(v[c][r] for v in self.vertices) / k for r in range(2))
                     for c in range(2))


@dataclass(frozen=True, eq=False)
class Polygon:
    r"""A convex polygon of the plane, possibly unbounded, with exact rational geometry.

    The polygon is :math:`\{z : a_i \cdot z \le b_i\}` over its edges, listed counter-clockwise
    (the interior on the left).  For a bounded polygon, ``vertices[i]`` is the corner where edge
    ``i`` meets edge ``i + 1`` (cyclically).  For an unbounded one the boundary enters from
    infinity along edge 0 and leaves along the last edge; ``vertices[i]`` is again where edge
    ``i`` meets edge ``i + 1``, and there is no vertex after the last edge.  The whole plane
    has no edge; a half-plane or a strip has no vertex.

    Attributes
    ----------
    normals : tuple of (Fraction, Fraction)
        :math:`a_i`, one per edge.
    offsets : tuple of Fraction
        :math:`b_i`.
    vertices : tuple of (Fraction, Fraction)
    bounded : bool
    """

    normals: tuple
    offsets: tuple
    vertices: tuple
    bounded: bool

    def contains(self, z, strict: bool = False) -> bool:
        """Whether the point z (two exact or float coordinates) lies in the polygon."""
        z1, z2 = (Fraction(c) for c in z)
        values = [a1 * z1 + a2 * z2 - b for (a1, a2), b in zip(self.normals, self.offsets)]
        return all(v < 0 for v in values) if strict else all(v <= 0 for v in values)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(normals (E, 2), offsets (E,), vertices (V, 2)) rounded once to float64."""
        return (np.array([[float(a) for a in n] for n in self.normals]).reshape(-1, 2),
                np.array([float(b) for b in self.offsets]),
                np.array([[float(c) for c in v] for v in self.vertices]).reshape(-1, 2))


@dataclass(frozen=True, eq=False)
class PolygonCell:
    r"""One cell of a network with input dimension 2: a polygon and the map on it.

    Attributes
    ----------
    polygon : Polygon
    matrix : tuple of tuple of Fraction, shape (n, 2)
        :math:`A` with :math:`f(z) = A z + c` on the polygon.
    offset : tuple of Fraction, shape (n,)
        :math:`c`.
    pattern : tuple of tuple of bool
        Per hidden layer, which units are active (pre-activation > 0) inside the cell.
    """

    polygon: Polygon
    matrix: tuple
    offset: tuple
    pattern: tuple

    def map_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(A (n, 2), c (n,)) rounded once to float64."""
        return (np.array([[float(a) for a in row] for row in self.matrix]),
                np.array([float(c) for c in self.offset]))


def _public(cell: _Cell) -> Polygon:
    lines, verts = cell.lines, cell.vertices
    k = len(lines)
    finite = [not ln.at_infinity for ln in lines]
    if all(finite):
        order = list(range(k))
        vertex_ids = order
        bounded = True
    elif not any(finite):
        order, vertex_ids, bounded = [], [], False
    else:
        # The finite edges come in runs separated by box edges.  A convex set unbounded in
        # two opposite directions is a strip (two parallel edges, two runs of one edge and
        # no vertex); otherwise there is one run, entered from infinity along its first
        # edge and left along its last.
        starts = [i for i in range(k) if finite[i] and not finite[i - 1]]
        order = []
        for start in starts:
            i = start
            while finite[i]:
                order.append(i)
                i = (i + 1) % k
        vertex_ids = order[:-1] if len(starts) == 1 else []
        bounded = False
    return Polygon(
        normals=tuple((lines[i].a1, lines[i].a2) for i in order),
        offsets=tuple(lines[i].b[0] for i in order),
        vertices=tuple((verts[i][0][0], verts[i][1][0]) for i in vertex_ids),
        bounded=bounded,
    )


def _affine_rows(matrix, offset, weights, biases):
    """Pre-activations W (M z + c) + b as rows (a1, a2, const)."""
    rows = []
    for w_row, b in zip(weights, biases):
        a1 = sum((w * m[0] for w, m in zip(w_row, matrix)), Fraction(0))
        a2 = sum((w * m[1] for w, m in zip(w_row, matrix)), Fraction(0))
        const = sum((w * c for w, c in zip(w_row, offset)), Fraction(0)) + b
        rows.append((a1, a2, const))
    return rows


def polygons_2d(net: ReluNet, *, max_cells: int = MAX_CELLS) -> tuple[PolygonCell, ...]:
    """The cells of a network with input dimension 2, as exact polygons with their maps.

    Parameters
    ----------
    net : ReluNet
        Input dimension 2, any output dimension, ReLU or leaky ReLU.
    max_cells : int
        Stop with :class:`exactid.errors.LimitExceeded` when more cells than this appear.

    Returns
    -------
    tuple of PolygonCell
        A partition of the plane (up to shared boundaries) into convex polygons; the
        activation pattern differs between any two cells.  Order: by layer-wise splitting.

    Raises
    ------
    ValueError
        If ``net`` is not a ReluNet with input dimension 2.
    LimitExceeded
        If the cells exceed ``max_cells``.

    Examples
    --------
    >>> absval = ReluNet([[[1.0, 0.0], [-1.0, 0.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> [c.polygon.normals for c in polygons_2d(absval)]
    [((Fraction(1, 1), Fraction(0, 1)),), ((Fraction(-1, 1), Fraction(0, 1)),)]
    """
    check_instance(net, "net", ReluNet)
    if net.input_dim != 2:
        raise ValueError(f"net: expected input dimension 2, found {net.input_dim}")
    slope = Fraction(net.negative_slope)
    weights = [[[Fraction(float(w)) for w in row] for row in layer] for layer in net.weights]
    biases = [[Fraction(float(b)) for b in layer] for layer in net.biases]
    identity = ((Fraction(1), Fraction(0)), (Fraction(0), Fraction(1)))
    # (cell, map matrix (rows of 2), map offset, pattern so far)
    work = [(_Cell(_BOX), identity, (Fraction(0), Fraction(0)), ())]
    for layer in range(len(weights) - 1):
        next_work = []
        for cell, matrix, offset, pattern in work:
            rows = _affine_rows(matrix, offset, weights[layer], biases[layer])
            parts = [cell]
            for a1, a2, const in rows:
                if a1 == 0 and a2 == 0:
                    continue  # constant on the cell: no cut
                cut = _Line(a1, a2, (-const, Fraction(0)))  # a . z + const <= 0
                new_parts = []
                for part in parts:
                    for piece in part.split(cut):
                        if piece is not None:
                            new_parts.append(piece)
                parts = new_parts
                if len(next_work) + len(parts) > max_cells:
                    raise LimitExceeded(
                        f"net: more than max_cells = {max_cells} cells; raise max_cells "
                        "(exactid.limits.MAX_CELLS) if the work is intended"
                    )
            for part in parts:
                # Every unit has one sign inside the part: read it at an interior point.
                inside = part.interior_point()
                active, new_matrix, new_offset = [], [], []
                for a1, a2, const in rows:
                    on = _sign(_Line(a1, a2, (-const, Fraction(0))).value(inside)) > 0
                    active.append(on)
                    factor = Fraction(1) if on else slope
                    new_matrix.append((factor * a1, factor * a2))
                    new_offset.append(factor * const)
                next_work.append((part, tuple(new_matrix), tuple(new_offset),
                                  pattern + (tuple(active),)))
        work = next_work
    out = []
    for cell, matrix, offset, pattern in work:
        rows = _affine_rows(matrix, offset, weights[-1], biases[-1])
        out.append(PolygonCell(polygon=_public(cell),
                               matrix=tuple((a1, a2) for a1, a2, _ in rows),
                               offset=tuple(const for _, _, const in rows),
                               pattern=pattern))
    return tuple(out)
