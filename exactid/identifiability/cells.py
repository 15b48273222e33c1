r"""(F2), (F3), (F4) of paper 003 (Definition 3.1) for ReLU networks :math:`\mathbb R^m \to
\mathbb R^n`, :math:`m \le n`, :math:`m \le 3`, decided with linear programs on the exact
linear regions (:mod:`exactid.regions.cells`), each with a witness.

The decisions, with cells :math:`C_i = \{z : H_i z \le h_i\}` (box facets removed, so
unbounded cells stay unbounded) and maps :math:`f = A_i z + b_i` on them:

* **(F4) injective.**  A cell with :math:`\operatorname{rank} A_i < m` folds a segment to a point
  (witness: the Chebyshev centre and a point along a null vector).  Otherwise two cells i, j
  collide iff the polyhedron :math:`\{(z_1, z_2) : z_1 \in C_i, z_2 \in C_j, A_i z_1 + b_i =
  A_j z_2 + b_j\}` contains a point with :math:`z_1 \ne z_2`, i.e. iff one of the 2m linear
  programs :math:`\max \pm(z_1 - z_2)_k` over it is positive (or unbounded).  Cells with the same
  full-rank map are skipped (:math:`A z_1 = A z_2` forces :math:`z_1 = z_2`).
* **(F3) observably injective.**  Needs :math:`\dim f(\mathbb R^m) = m`.  Two full-rank cells
  whose images span the same m-dimensional affine subspace overlap with positive measure iff the
  polyhedron :math:`\{z_1 \in C_i : A_j^+ (A_i z_1 + b_i - b_j) \in C_j\}` has a positive
  Chebyshev radius (witness: its centre, mapped to x, with both preimages).  Images in different
  subspaces meet in a null set.
* **(F2) weakly injective.**  (ii) holds iff :math:`\dim f(\mathbb R^m) = m` (infinitely many
  preimages only come from rank-deficient cells, whose images are then null).  (i): a point
  in the interior of a full-rank cell i has a unique preimage iff its image avoids every other
  cell's image; lower-dimensional overlaps cannot cover an open set, so a ball exists iff the
  full-dimensional overlaps :math:`O_{ij} \subset C_i` do not cover :math:`C_i`.  We split
  :math:`C_i` by every facet hyperplane of the :math:`O_{ij}` and look for a sub-cell outside all
  of them; its Chebyshev centre, pushed forward, is the centre of the ball, whose radius is
  bounded by the sub-cell's radius times the smallest singular value of :math:`A_i` and by the
  distance (an LP in the max-norm) to the images of all other cells.

Tolerances: a polyhedron is full-dimensional when its Chebyshev radius exceeds ``tol`` (times
the scale of the box); a difference :math:`\|z_1 - z_2\|_\infty` counts when it exceeds
``1e-6`` relative to the box; ranks are taken relative to the largest map of the network, and
the output is normalised by that map's norm, so the verdicts do not depend on the scale of f.
Every witness is re-checked by evaluating the network.  A decision that depends on a quantity
within a factor 10 of its tolerance is still given, and flagged in ``notes`` so that the
reader knows it sits at the tolerance.  The verdicts are for f on all of R^m: the box only
bounds the enumeration (cells touching it are extended as the polyhedra they are), so a
user-given box must contain every vertex of the regions.
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from .. import limits
from ..errors import UnsupportedModelError
from ..models import ReluNet
from ..progress import Deadline, progress_bar
from ..regions import check_box_and_tol, linear_regions
from .appendix_h import appendix_h
from .decisions import decide_f2, decide_f3, decide_f4, numerical_rank
from .verdicts import InjectivityReport, Verdict

__all__ = ["check_injectivity", "exact_rank", "ILL_CONDITIONED"]

#: A region whose smallest singular value lies below this fraction of the largest map norm
#: gets its rank in exact rational arithmetic; if it is nevertheless of full rank, its map is
#: "ill-conditioned": the linear programs (tolerances ~1e-10) cannot resolve its image, and a
#: collision or overlap found with it is reported as undecided, never as a verdict.
ILL_CONDITIONED = 1e-7


def _strip_box(cell, box):
    """Constraints of a cell without the bounding-box facets (unbounded cells stay unbounded)."""
    H, h = np.asarray(cell.H, float), np.asarray(cell.h, float)
    keep = []
    for row, rhs in zip(H, h):
        nz = np.flatnonzero(row)
        is_box = (nz.size == 1 and abs(abs(row[nz[0]]) - 1.0) < 1e-12
                  and abs(rhs - box) <= 1e-9 * max(1.0, box))
        keep.append(not is_box)
    keep = np.array(keep, dtype=bool)
    if not keep.any():
        return np.zeros((0, H.shape[1])), np.zeros(0)
    return H[keep], h[keep]


# -- the decisions --------------------------------------------------------------------------------
class _Phase:
    """Progress and deadline of one decision loop."""

    def __init__(self, deadline: Deadline, progress, label: str, total: int):
        self.deadline, self.label = deadline, label
        self.bar = progress_bar(total, label, progress, unit="pair")
        self._shown = 0.0

    def step(self, n: int = 1) -> None:
        self.deadline.check(f"deciding {self.label}")
        self.bar.update(n)

    def note(self, text: str) -> None:
        """Show what a long step is doing (redrawn at most twice a second)."""
        self.bar.set_postfix_str(text, refresh=False)
        now = time.monotonic()
        if now - self._shown >= 0.5:
            self._shown = now
            self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def check_injectivity(net: ReluNet, *, box: float | None = None, tol: float = 1e-9,
                      max_cells: int = limits.MAX_CELLS, time_limit=None,
                      progress=None) -> InjectivityReport:
    """Decide (F2), (F3) and (F4) for ``net`` with witnesses, and the Appendix H conditions.

    Parameters
    ----------
    net : ReluNet
        ``f: R^m -> R^n`` with ``m <= n`` and ``m in {1, 2, 3}``.
    box : float, optional
        Half-width of the region enumeration box (default: chosen to contain every vertex,
        see :func:`exactid.regions.cells.bounding_box`).
    tol : float
        Chebyshev-radius tolerance for full-dimensionality, in ``[1e-10, 1e-6]`` (see
        :func:`exactid.regions.cells.check_box_and_tol`).
    max_cells : int
        Bound on the linear cells enumerated (:func:`exactid.regions.cells.linear_regions`).
    time_limit : float or None
        Seconds for the whole check (enumeration and decisions), None for no bound.
    progress : bool or None
        Progress bars on stderr for the enumeration and each decision (None: only on a
        terminal).

    Returns
    -------
    InjectivityReport

    Raises
    ------
    LimitExceeded
        More than ``max_cells`` cells, or ``time_limit`` reached.
    UnsupportedModelError
        If the network's affine maps overflow the float range.
    """

    if not isinstance(net, ReluNet):
        raise ValueError(f"net: expected a ReluNet, found {type(net).__name__}")
    m, n = net.input_dim, net.output_dim
    if m > n:
        raise ValueError(f"net: the conditions need m <= n (Remark 3.3), found m = {m} > n = {n}")
    if m > 3:
        raise NotImplementedError(f"net: input dimension m = {m}; m in {{1, 2, 3}} is supported")
    box, tol = check_box_and_tol(box, tol)
    deadline = Deadline.of(time_limit)
    regs = linear_regions(net, box=box, tol=tol, max_cells=max_cells, time_limit=deadline,
                          progress=progress)
    notes = list(regs.undecided)
    info, c, ill = _cell_info(net, regs, notes)
    max_rank = max(r for *_, r, _ in info)
    scale = max(1.0, regs.box)

    def f(z):
        return net(z) / c

    def decide(label, total, run):
        phase = _Phase(deadline, progress, label, total)
        try:
            return _unscale(run(phase), c)
        finally:
            phase.close()

    K = len(info)
    f4 = decide("(F4) injective", K * (K - 1) // 2,
                lambda ph: decide_f4(f, info, m, scale, notes, ph, ill, box=regs.box))
    f3 = decide("(F3) observably injective", K * (K - 1) // 2,
                lambda ph: decide_f3(f, info, m, max_rank, tol, scale, notes, ph, ill,
                                         box=regs.box))
    f2 = decide("(F2) weakly injective", K * (K - 1),
                lambda ph: decide_f2(f, info, m, max_rank, f3, tol, scale, notes, ph,
                                         box=regs.box))
    _note_witnesses_outside(regs.box, {"F2": f2, "F3": f3, "F4": f4}, notes)
    return InjectivityReport(m=m, n=n, n_cells=len(info), n_regions=len(regs.regions),
                             box=float(regs.box), F2=f2, F3=f3, F4=f4,
                             appendix_h=appendix_h(net, info, m, max_rank, f3, f4),
                             notes=tuple(notes))


def _cell_info(net, regs, notes):
    """Per cell ``(H, h, A / c, b / c, rank, cell)``, the normalisation ``c`` and the set of
    ill-conditioned full-rank cells.

    The verdicts do not depend on the scale of the output (f and 1e-11 f are equally
    injective), but LP tolerances are absolute: the maps are divided by ``c``, the largest map
    norm, and the x-witnesses scaled back at the end.
    """
    m = net.input_dim
    maps = [(np.asarray(cell.A, float), np.asarray(cell.b, float)) for cell in regs.cells]
    if not all(np.isfinite(A).all() and np.isfinite(b).all() for A, b in maps):
        raise UnsupportedModelError("net: the affine maps of the network's regions overflow "
                                    "the float range (weights too large); rescale the network "
                                    "(injectivity does not depend on the scale)")
    c = max(float(np.linalg.norm(A, 2)) if A.size else 0.0 for A, _ in maps)
    c = c if c > 0 else 1.0
    info, ill = [], set()
    for k, (cell, (A, b)) in enumerate(zip(regs.cells, maps)):
        H, h = _strip_box(cell, regs.box)
        rank = numerical_rank(A / c, 1.0)
        sv = np.linalg.svd(A / c, compute_uv=False)
        if sv.size and sv.min() < ILL_CONDITIONED:
            # Decide the rank exactly: a singular value of 1e-12 may be an exact zero (a
            # genuine fold) or a badly scaled but invertible map.
            rank = exact_rank(net, cell.pattern)
            if rank == m:
                ill.add(k)
        info.append((H, h, A / c, b / c, rank, cell))
    if ill:
        worst = min(float(np.linalg.svd(info[k][2], compute_uv=False).min()) for k in ill)
        notes.append(f"{len(ill)} region(s) of full rank have ill-conditioned maps (smallest "
                     f"singular value {worst:.2g} of the largest map norm): collisions or "
                     "overlaps found with them are reported as undecided; rescaling the "
                     "network's inputs or outputs may decide them")
    return info, c, ill


def _note_witnesses_outside(box: float, verdicts: dict, notes: list) -> None:
    """A note for each verdict whose witness points (z, z1, z2) lie outside the box: witnesses
    are sought inside it first, so none exists there."""
    for key, verdict in verdicts.items():
        points = [np.asarray(verdict.witness[k], float) for k in ("z", "z1", "z2")
                  if k in verdict.witness]
        if any(np.abs(z).max() > box * (1 + 1e-9) for z in points):
            notes.append(f"the ({key}) witness lies outside the enumeration box "
                         f"[-{box:g}, {box:g}]^{points[0].size}, because none exists inside "
                         "it; the verdicts hold on all of R^m")


def _unscale(verdict: Verdict, c: float) -> Verdict:
    """x-space witnesses of f / c back to f."""
    w = dict(verdict.witness)
    for key in ("x", "center"):
        if key in w:
            w[key] = (np.asarray(w[key]) * c).tolist()
    if "radius" in w:
        w["radius"] = float(w["radius"] * c)
    return Verdict(verdict.holds, verdict.reason, w)


def exact_rank(net: ReluNet, pattern) -> int:
    """Rank of the affine map of the cell with activation ``pattern``, in exact rational
    arithmetic: ``W_L D_{L-1} W_{L-1} ... D_1 W_1`` with the multipliers ``D`` of the pattern.

    Parameters
    ----------
    net : ReluNet
    pattern : tuple of tuple of bool
        One tuple per hidden layer (as in :attr:`exactid.regions.polyhedra.Cell.pattern`).
    """
    slope = Fraction(net.negative_slope)
    m = net.input_dim
    M = [[Fraction(float(v)) for v in row] for row in net.weights[0]]
    for layer, active in enumerate(pattern):
        M = [[v if a else slope * v for v in row] for a, row in zip(active, M)]
        W = net.weights[layer + 1]
        M = [[sum((Fraction(float(W[r, k])) * M[k][col] for k in range(W.shape[1])),
                  Fraction(0)) for col in range(m)] for r in range(W.shape[0])]
    return _rank_exact(M)


def _rank_exact(rows: list) -> int:
    """Rank of a matrix of Fractions by Gaussian elimination (no rounding)."""
    rows = [list(r) for r in rows]
    rank = 0
    n_cols = len(rows[0]) if rows else 0
    for col in range(n_cols):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(rank + 1, len(rows)):
            if rows[i][col] != 0:
                ratio = rows[i][col] / rows[rank][col]
                rows[i] = [a - ratio * b for a, b in zip(rows[i], rows[rank])]
        rank += 1
    return rank
