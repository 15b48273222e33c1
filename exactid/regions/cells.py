r"""Exact linear regions of a ReLU / leaky-ReLU network :math:`f: \mathbb R^m \to \mathbb R^n`,
``m <= 3``.

Method
------
The 1-D splitting of :func:`exactid.regions.pieces_1d`, lifted to polyhedra.  A *cell* is a
polyhedron ``{z : H z <= h}`` (rows of ``H`` of unit Euclidean norm, so ``h - H z`` is the
distance of ``z`` to each facet hyperplane) on which every hidden pre-activation is an affine
function of ``z``.  Starting from one cell (all of :math:`\mathbb R^m`), each hidden neuron of
the current layer splits every cell by its hyperplane ``a . z + c = 0`` into the side
``a . z + c >= 0`` (pattern ``True``) and the side ``<= 0`` (pattern ``False``); a side is
kept when its Chebyshev radius (largest inscribed ball) exceeds ``tol``.  After all neurons of
a layer the multipliers (1 or ``negative_slope``) are fixed on every cell and the next layer's
affine map follows, exactly as in 1-D.  The last affine map is the cell's ``A z + b``.

The Chebyshev radius of ``{N z <= d}`` (unit rows) is the linear programme
``max r  s.t.  N z + r <= d`` (HiGHS through :func:`scipy.optimize.linprog`).  The decision
never trusts the LP value alone: the radius used is the *certified* one,
``min_i (d_i - N_i x)`` at the LP's centre ``x``, a true lower bound up to the rounding of one
dot product.  A kept cell therefore really contains the ball of the reported ``radius``.
Most splits need no LP: if the hyperplane cuts the parent's inscribed ball near its centre,
both halves contain explicit balls (of radius ``(r0 +- s)/2``, ``s`` the signed distance of
the centre) and are certified directly; an LP is solved only when such a ball is not
clearly (by a factor ``UNDECIDED_FACTOR``) larger than ``tol``.  The splitting row is added
to a kept side unless the other side is empty with margin (LP radius ``<= -tol``): rows of
hyperplanes that miss a cell are not stored (the cheap part of removing redundant rows).

Bounding box
------------
Splitting is done in all of :math:`\mathbb R^m` (the LP radius is capped at ``1 + 10 tol``,
which makes the LP bounded and is enough for the ``> tol`` decision).  For every cell we then
take one point of each of its *minimal faces*: its vertices, or, for a cell whose constraint
normals span only ``r < m`` dimensions (a cell containing a line), the point closest to the
origin of each ``r``-dimensional intersection of its rows that lies in the cell.  These
points are found by solving every ``r``-subset of a cell's rows and keeping the solutions
that satisfy all rows (cheap for ``m <= 3``).  The automatic half-width is
``box = 2 (1 + max |coordinate|)`` over all of them, so every minimal face lies in the open
box with a margin of at least half the box.
Consequences: every bounded cell is inside the box; every cell and every facet shared by two
cells meets the box in a set of full dimension (a convex set is full-dimensional near each of
its points), so the cells, their adjacency and hence the merged regions inside the box are
exactly those of :math:`\mathbb R^m`; and a cell reaches the box boundary exactly when it is
unbounded in :math:`\mathbb R^m` (``touches_box``).  The ``2m`` box rows are then appended to
every cell and its Chebyshev ball is recomputed inside the box; a cell of
:math:`\mathbb R^m` whose radius in the box is ``<= tol`` (only an extremely thin wedge can do
this) is dropped and reported in ``undecided`` -- this is the "same cell count with the final
box" check.  A user-given ``box`` overrides: the splitting then starts from the box itself,
cells are those of the restriction of ``f`` to the box and regions are connected within it.

Merging
-------
Two cells form one region when their affine maps agree within ``MAP_RTOL`` times the
entrywise magnitude bound of the maps (products of ``|W|`` and ``|b|`` through the layers,
with multipliers ``max(1, negative_slope)``) and they share a facet.  Any two cells of the
splitting tree lie on opposite sides of the hyperplane that split their lowest common
ancestor; both store that row (with exactly opposite signs), which identifies it.  They are
facet-adjacent iff the Chebyshev radius, *within* that hyperplane, of the intersection of
both cells exceeds ``tol`` (an LP with the equality constraint; rows parallel to the
hyperplane are relaxed by ``tol``, so that two cells separated only by a dropped sliver of
width ``<= tol`` still count as adjacent; in 1-D the in-hyperplane radius is the cap and the
test is that the two intervals touch).  Connected components (union-find) of the adjacency
graph restricted to equal maps are the regions.

Tolerances (module constants)
-----------------------------
* ``tol`` (default ``1e-9``, absolute, in units of ``z``): a cell, a side of a split or a
  shared facet exists when its certified Chebyshev radius exceeds ``tol``.  It may not be
  smaller than ``MIN_TOL = 1e-10``, the primal/dual feasibility tolerance ``LP_FEAS_TOL``
  requested from HiGHS.  LP values are never trusted alone (HiGHS's presolve was seen to
  accept an equality-constrained LP violated by 8e-10): keep/merge decisions use the
  certified radius at the LP's point.  A decision whose radius lies within a factor
  ``UNDECIDED_FACTOR = 10`` of ``tol`` (or whose LP and certified radius straddle ``tol``)
  is recorded in ``Regions.undecided``; exactly degenerate sides (a hyperplane through a
  vertex, duplicated neurons) have certified radius 0 up to rounding and are not recorded.
* ``LP_REL_ACC = 3e-14``: accuracy of HiGHS's Chebyshev radius relative to the size of the
  coordinates, measured on 1000 thin random polytopes (error <= 1e-13 at coordinates ~1,
  <= 2e-11 at 1e3, <= 3e-10 at 1e4).  When ``LP_REL_ACC * box > tol`` the LPs can no longer
  resolve ``tol`` near the box boundary, and a note is recorded.
* ``MAX_OFFSET = 1e15``: without a user box, a splitting hyperplane farther than this from
  the origin (e.g. from a weight of 1e-300) raises ``ValueError`` (HiGHS treats 1e20 as
  infinite).  With a user box, a hyperplane farther from a cell's centre than the box's
  diameter is known to miss the cell and needs no LP, so such networks work there.
* ``ZERO_NORMAL_RTOL = 1e-12``: a neuron of a deeper layer whose gradient on a cell has norm
  below this fraction of the sum of the norms of its terms is a cancellation residue; it is
  treated as constant on the cell (active iff its constant term is > 0).  First-layer
  neurons are constant only when their weight row is exactly zero.
* ``MAP_RTOL = 1e-9``: two maps are equal when every entry of ``A`` and ``b`` differs by at
  most ``MAP_RTOL`` times its magnitude bound, and the rank counts singular values above
  ``MAP_RTOL`` times the Frobenius norm of the bound of ``A``.  Rounding is ~1e-15 of the
  same bounds; a merge or rank decision on a difference between ``ROUND_RTOL = 1e-12`` and
  ``MAP_RTOL`` of the bound is recorded in ``undecided``.
* ``PARALLEL_TOL = 1e-9``: in the adjacency LP, a row whose normal has a component of at most
  this size within the separating hyperplane counts as parallel to it (relaxed by ``tol``).
* ``VERTEX_RTOL = 1e-9``, ``DET_MIN = 1e-12``: a vertex candidate (solution of ``m`` unit
  rows with ``|det| > DET_MIN``; nearly parallel rows meet beyond ~1e12 and are ignored)
  belongs to the cell if it violates no row by more than ``VERTEX_RTOL (1 + |v|)`` plus its
  conditioning error ``1e3 eps |v| / |det|``.  A spurious candidate only enlarges the box.

Cost: about one small LP per (neuron, cell) pair that the hyperplane does not visibly cut,
one per final cell, and one per candidate merge; the vertex enumeration is ``C(k, m)`` small
solves per cell with ``k`` rows.  Meant for small networks (a few hundred cells).
"""

from __future__ import annotations

import numpy as np

from .. import limits
from ..errors import LimitExceeded, NumericalError
from ..models import ReluNet
from ..progress import Deadline, progress_bar
from ..validation import check_instance, check_integer, check_number
from .lp import certified_radius, chebyshev_ball
from .merge import merge_cells
from .polyhedra import Cell, Regions, frozen
from .tolerances import (
    BOX_TOL_RATIO,
    DEFAULT_TOL,
    LP_REL_ACC,
    MAX_INPUT_DIM,
    MAX_OFFSET,
    MAX_TOL,
    MIN_TOL,
    UNDECIDED_FACTOR,
    ZERO_NORMAL_RTOL,
    band,
)
from .vertices import VERTEX_RTOL, face_points

__all__ = [
    "bounding_box",
    "linear_regions",
    "evaluate_pattern",
    "check_box_and_tol",
]



def _check_net(net) -> None:
    check_instance(net, "net", ReluNet)
    if net.input_dim > MAX_INPUT_DIM:
        raise NotImplementedError(
            f"net: linear regions are implemented for input dimension m <= {MAX_INPUT_DIM}, "
            f"found m = {net.input_dim}"
        )



def _check_positive(value, name: str, minimum: float = 0.0) -> float:
    value = check_number(value, name, "a positive finite number", lambda v: v > 0)
    if value < minimum:
        raise ValueError(
            f"{name}: expected a number >= {minimum:g} (the LP feasibility tolerance), "
            f"found {value!r}"
        )
    return value



def _unit(a):
    """``(a / |a|, |a|)`` computed without underflow; ``|a| = 0`` gives ``(None, 0)``."""
    s = float(np.max(np.abs(a)))
    if s == 0.0:
        return None, 0.0
    u = a / s
    nu = float(np.sqrt(u @ u))
    return u / nu, s * nu



class _Work:
    """A cell during splitting."""

    __slots__ = ("N", "d", "done", "cur", "PA", "Pc", "mag", "x", "r")

    def __init__(self, N, d, done, cur, PA, Pc, mag, x, r):
        self.N, self.d, self.done, self.cur = N, d, done, cur
        self.PA, self.Pc, self.mag, self.x, self.r = PA, Pc, mag, x, r



def _split_neuron(w: _Work, j, layer, cap, tol, reach, notes):
    a, c = w.PA[j], float(w.Pc[j])
    n, na = _unit(a)
    if na <= ZERO_NORMAL_RTOL * w.mag[j]:
        w.cur = w.cur + (bool(c > 0),)
        return [w]
    with np.errstate(over="ignore"):
        off = c / na  # may overflow for a tiny gradient: the hyperplane is "at infinity"
    s = float(n @ w.x) + off  # signed distance of the centre, positive on the active side
    if reach is not None and abs(s) > reach:
        # Inside a user box every point of the cell is within `reach` of its centre: the
        # hyperplane misses the cell, which lies on the side of its centre (no LP, no row).
        w.cur = w.cur + (bool(s > 0),)
        return [w]
    if not abs(off) <= MAX_OFFSET:
        raise ValueError(
            f"net: hidden layer {layer}, neuron {j} has a hyperplane at distance {abs(off):.3g} "
            f"from the origin (> {MAX_OFFSET:g}); the automatic box cannot resolve it, pass "
            "box= to restrict the domain"
        )
    sides = []
    for active, sgn in ((True, 1.0), (False, -1.0)):
        row, rhs = -sgn * n + 0.0, sgn * off + 0.0  # + 0.0: no negative zeros (exact pairs)
        N1 = np.vstack([w.N, row])
        d1 = np.append(w.d, rhs)
        ss, r0 = sgn * s, w.r
        cand = None
        if ss >= r0:
            cand = w.x
        elif ss > -r0:
            cand = w.x + sgn * n * (r0 - 0.5 * (r0 + ss))
        if cand is not None:
            rc = certified_radius(N1, d1, cand, cap)
            if rc > UNDECIDED_FACTOR * tol:
                sides.append((active, N1, d1, cand, rc, rc))
                continue
        x, r_lp, rc = chebyshev_ball(N1, d1, cap)
        if band(rc, tol) or (r_lp > tol >= rc):
            notes.append(
                f"hidden layer {layer}, neuron {j}: a side with certified Chebyshev radius "
                f"{rc:.3g} (LP {r_lp:.3g}) within a factor {UNDECIDED_FACTOR:g} of "
                f"tol={tol:g}: {'kept' if rc > tol else 'dropped'}"
            )
        sides.append((active, N1, d1, x, r_lp, rc))
    out = []
    for i, (active, N1, d1, x, _, rc) in enumerate(sides):
        if rc <= tol:
            continue
        other_lp = sides[1 - i][4]
        if other_lp <= -tol:  # the hyperplane misses the cell: its row is redundant
            N1, d1 = w.N, w.d
        out.append(_Work(N1, d1, w.done, w.cur + (active,), w.PA, w.Pc, w.mag, x, rc))
    if not out:
        notes.append(
            f"hidden layer {layer}, neuron {j}: a cell of radius {w.r:.3g} split into two "
            f"sides of radius <= tol={tol:g}; both dropped"
        )
    return out



class _Limits:
    """The bounds of one enumeration: cell count, deadline and progress bar."""

    def __init__(self, max_cells, deadline, progress, total):
        self.max_cells = max_cells
        self.deadline = deadline
        self.bar = progress_bar(total, "linear regions", progress, unit="neuron")

    def check_cells(self, n: int, layer: int, j: int) -> None:
        if n > self.max_cells:
            raise LimitExceeded(
                f"max_cells: more than {self.max_cells} linear cells at hidden layer "
                f"{layer}, neuron {j}; the enumeration stopped (raise max_cells, or "
                "--max-regions, to go on)", "max_cells")
        self.deadline.check(f"enumerating linear regions ({n} cells at hidden layer "
                            f"{layer}, neuron {j})")



def _enumerate(net: ReluNet, N0, d0, cap, tol, notes, reach=None, bounds=None):
    """Split ``{N0 z <= d0}`` through all hidden layers; returns the list of _Work cells with
    ``PA, Pc`` holding the output map."""
    W0, b0 = net.weights[0], net.biases[0]
    mag0 = np.array([_unit(row)[1] for row in W0])
    x0, _, r0 = chebyshev_ball(N0, d0, cap)
    cells = [_Work(N0, d0, (), (), W0, b0, mag0, x0, r0)]
    slope = net.negative_slope
    for layer in range(net.n_layers - 1):
        width = net.weights[layer].shape[0]
        for j in range(width):
            nxt = []
            for w in cells:
                nxt.extend(_split_neuron(w, j, layer, cap, tol, reach, notes))
                if bounds is not None:
                    bounds.check_cells(len(nxt), layer, j)
            cells = nxt
            if bounds is not None:
                bounds.bar.update(1)
                bounds.bar.set_postfix(cells=len(cells), refresh=False)
        W, b = net.weights[layer + 1], net.biases[layer + 1]
        for w in cells:
            mult = np.where(np.array(w.cur, dtype=bool), 1.0, slope)
            M = mult[:, None] * w.PA
            w.PA = W @ M
            w.Pc = W @ (mult * w.Pc) + b
            w.mag = np.abs(W) @ np.array([_unit(row)[1] for row in M])
            w.done = w.done + (w.cur,)
            w.cur = ()
    return cells



def _box_rows(m: int, box: float):
    N = np.vstack([np.eye(m), -np.eye(m)])
    return N, np.full(2 * m, float(box))



def _auto_box(cells, tol, notes) -> float:
    biggest = 0.0
    for w in cells:
        P = face_points(w.N, w.d)
        if P.size:
            biggest = max(biggest, float(np.max(np.abs(P))))
    box = 2.0 * (1.0 + biggest)
    if LP_REL_ACC * box > tol:
        notes.append(
            f"box half-width {box:.3g}: the LP accuracy at this scale (about "
            f"{LP_REL_ACC * box:.1g}) exceeds tol={tol:g}; choose a larger tol"
        )
    return box



def _pass_one(net, tol, notes, bounds=None):
    cap = 1.0 + 10.0 * tol
    m = net.input_dim
    return _enumerate(net, np.zeros((0, m)), np.zeros(0), cap, tol, notes, bounds=bounds)



def bounding_box(net: ReluNet, *, tol: float = DEFAULT_TOL) -> float:
    """Half-width of a box ``[-box, box]^m`` containing every vertex (minimal face) of the
    network's linear cells, with a margin of half the box.

    Parameters
    ----------
    net : ReluNet
        Input dimension ``m <= 3``.
    tol : float
        Chebyshev-radius threshold of the splitting (see :func:`linear_regions`).

    Returns
    -------
    float
        ``2 (1 + max |coordinate|)`` over one point of each minimal face of every cell of
        ``R^m`` (see the module docstring); ``2`` if there is none.
    """
    _check_net(net)
    _, tol = check_box_and_tol(None, tol)
    notes: list = []
    n_neurons = sum(w.shape[0] for w in net.weights[:-1])
    bounds = _Limits(limits.MAX_CELLS, Deadline(None), False, n_neurons)
    return _auto_box(_pass_one(net, tol, notes, bounds), tol, notes)



def _check_count(value, name: str) -> int:
    return check_integer(value, name, 1)



def check_box_and_tol(box, tol) -> tuple:
    """Validate ``tol`` (``[MIN_TOL, MAX_TOL]``) and ``box`` (None, or within
    ``[BOX_TOL_RATIO * tol, MAX_OFFSET]``); return them as floats."""
    tol = _check_positive(tol, "tol", MIN_TOL)
    if tol > MAX_TOL:
        raise ValueError(
            f"tol: expected a number <= {MAX_TOL:g}, found {tol!r}: tol is a numerical "
            "threshold (cells and overlaps thinner than tol count as empty), not a modelling "
            "choice; a larger one silently changes the verdicts")
    if box is not None:
        box = _check_positive(box, "box")
        if box > MAX_OFFSET:
            raise ValueError(f"box: expected a half-width <= {MAX_OFFSET:g} (the linear "
                             f"programs cannot resolve larger boxes), found {box!r}")
        if box < BOX_TOL_RATIO * tol:
            raise ValueError(f"box: expected a half-width >= {BOX_TOL_RATIO:g} * tol = "
                             f"{BOX_TOL_RATIO * tol:g} (no cell could be certified in a "
                             f"smaller box), found {box!r}")
    return box, tol



def linear_regions(net: ReluNet, *, box: float | None = None, tol: float = DEFAULT_TOL,
                   max_cells: int = limits.MAX_CELLS, time_limit=None,
                   progress=None) -> Regions:
    """Exact linear cells and merged regions of a ReLU / leaky-ReLU network, ``m <= 3``.

    Parameters
    ----------
    net : ReluNet
        A network ``R^m -> R^n`` with ``m <= 3``.
    box : float, optional
        Half-width of the box ``[-box, box]^m``.  By default the box of
        :func:`bounding_box`, inside which the cell structure is that of all of ``R^m``.
    tol : float
        Chebyshev-radius threshold (absolute, units of z), in ``[MIN_TOL, MAX_TOL] = [1e-10,
        1e-6]``.
    max_cells : int
        Stop with :class:`~exactid.errors.LimitExceeded` beyond this many cells (default
        :data:`exactid.limits.MAX_CELLS`); the number of cells can grow exponentially with
        depth.
    time_limit : float, Deadline or None
        Stop with :class:`~exactid.errors.LimitExceeded` after this many seconds (or at a
        :class:`~exactid.progress.Deadline` shared with a caller).
    progress : bool or None
        A progress bar on stderr (None: only on a terminal).

    Returns
    -------
    Regions
        ``cells`` (each with pattern, polyhedron ``H z <= h``, map ``A z + b``, Chebyshev
        ball, ``touches_box``), ``regions`` (connected unions of cells with equal maps, with
        the rank of the map), the box, tol and notes on near-tolerance decisions.

    Raises
    ------
    ValueError
        If ``net`` is not a ReluNet, ``tol`` or ``box`` is out of range (see
        :func:`check_box_and_tol`), or (without ``box``) a hyperplane lies farther than
        ``MAX_OFFSET`` from the origin.
    LimitExceeded
        More than ``max_cells`` cells, or the time limit reached.
    NotImplementedError
        If ``m > 3``.

    Examples
    --------
    >>> relu2 = ReluNet([np.eye(2), np.eye(2)], [np.zeros(2), np.zeros(2)])
    >>> r = linear_regions(relu2)
    >>> r.n_cells, sorted(reg.rank for reg in r.regions)
    (4, [0, 1, 1, 2])
    """
    _check_net(net)
    box, tol = check_box_and_tol(box, tol)
    max_cells = _check_count(max_cells, "max_cells")
    deadline = Deadline.of(time_limit)
    n_neurons = sum(w.shape[0] for w in net.weights[:-1])
    bounds = _Limits(max_cells, deadline, progress, n_neurons)
    try:
        return _linear_regions(net, box, tol, bounds)
    finally:
        bounds.bar.close()



def _linear_regions(net, box, tol, bounds) -> Regions:
    m = net.input_dim
    nb = 2 * m
    notes: list = []
    if box is None:
        raw = _pass_one(net, tol, notes, bounds)
        box = _auto_box(raw, tol, notes)
        NB, dB = _box_rows(m, box)
        polys = [(w, np.vstack([w.N, NB]), np.concatenate([w.d, dB])) for w in raw]
    else:
        NB, dB = _box_rows(m, box)
        # Any two points of the box are within its diameter 2 sqrt(m) box of each other.
        reach = 2.0 * np.sqrt(m) * box * (1.0 + 1e-12)
        raw = _enumerate(net, NB, dB, 2.0 * box, tol, notes, reach, bounds)
        # Box rows last, as in the automatic case.
        polys = [
            (w, np.vstack([w.N[nb:], w.N[:nb]]), np.concatenate([w.d[nb:], w.d[:nb]]))
            for w in raw
        ]
    work = []
    for w, N, d in polys:
        bounds.deadline.check(f"certifying {len(polys)} cells")
        # The splitting may have certified a cell by a smaller inscribed ball: one LP per
        # final cell gives its Chebyshev ball in the box.
        x, r_lp, rc = chebyshev_ball(N, d, 2.0 * box)
        if rc <= tol or band(rc, tol):
            notes.append(
                f"a cell (pattern {w.done}) has certified radius {rc:.3g} (LP {r_lp:.3g}) "
                f"inside the box: {'kept' if rc > tol else 'dropped'}"
            )
        if rc > tol:
            work.append((w, N, d, x, rc))
    cells = []
    for w, N, d, x, rc in work:
        V = face_points(N, d)
        touches = bool(V.size and np.max(np.abs(V)) >= box * (1.0 - VERTEX_RTOL))
        cells.append(
            Cell(
                pattern=tuple(tuple(bool(v) for v in layer) for layer in w.done),
                H=frozen(N),
                h=frozen(d),
                A=frozen(w.PA),
                b=frozen(w.Pc),
                center=frozen(x),
                radius=float(rc),
                touches_box=touches,
            )
        )
    cells = tuple(cells)
    if not cells:
        raise NumericalError(f"no linear cell of radius > tol = {tol:g} was found in the box "
                             f"[-{box:g}, {box:g}]^{m}; use a larger box or a smaller tol")
    regions = merge_cells(cells, net, box, tol, notes, bounds.deadline)
    return Regions(regions, cells, float(box), tol, tuple(dict.fromkeys(notes)))



def evaluate_pattern(net: ReluNet, z) -> tuple:
    """The activation pattern of the network at one point.

    Parameters
    ----------
    net : ReluNet
    z : array_like, shape (m,) (a scalar is accepted for m = 1)

    Returns
    -------
    tuple of tuple of bool
        One tuple per hidden layer, ``True`` where the pre-activation is ``> 0``; computed
        with the same float operations as ``ReluNet.__call__``.
    """
    if not isinstance(net, ReluNet):
        raise ValueError(f"net: expected a ReluNet, found {type(net).__name__}")
    z = np.asarray(z, dtype=float).reshape(-1)
    if z.shape != (net.input_dim,):
        raise ValueError(f"z: expected shape ({net.input_dim},), found {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("z: expected finite coordinates")
    h = z[None, :]
    out = []
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        pre = h @ w.T + b
        out.append(tuple(bool(v > 0) for v in pre[0]))
        h = net.activation(pre)
    return tuple(out)
