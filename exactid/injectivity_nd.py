r"""(F2), (F3), (F4) of paper 003 (Definition 3.1) for ReLU networks :math:`\mathbb R^m \to
\mathbb R^n`, :math:`m \le n`, :math:`m \le 3`, decided with linear programs on the exact
linear regions (:mod:`exactid.regions_nd`), each with a witness.

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

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from . import limits
from ._progress import Deadline, progress_bar
from .errors import UnsupportedModelError
from .models import ReluNet

__all__ = ["Verdict", "InjectivityReport", "check_injectivity", "format_report", "exact_rank"]

#: Relative size of a difference z1 - z2 that counts as two distinct points.
DISTINCT = 1e-6
#: A witness f(z1) = f(z2) must hold to this relative accuracy (of 1 + |f|, f normalised to a
#: largest map norm of 1) when evaluated by the network: far above rounding (1e-14 for the
#: sizes met here), far below any genuine gap.
WITNESS_RTOL = 1e-11
#: The search for an F2 ball gives up on a cell beyond this many pieces (with a note).
MAX_PIECES = 4096
#: Witness searches stay within this multiple of the enumeration box (LP solutions far out are
#: dominated by the solver's tolerances).
WITNESS_BOX = 10.0
#: Singular values below this fraction of the network's largest map norm count as zero (the
#: maps are normalised so that the largest has norm 1).
RANK_RTOL = 1e-10
#: A region whose smallest singular value lies below this fraction of the largest map norm
#: gets its rank in exact rational arithmetic; if it is nevertheless of full rank, its map is
#: "ill-conditioned": the linear programs (tolerances ~1e-10) cannot resolve its image, and a
#: collision or overlap found with it is reported as undecided, never as a verdict.
ILL_CONDITIONED = 1e-7


@dataclass(frozen=True)
class Verdict:
    """One condition's verdict.

    Attributes
    ----------
    holds : bool
        The verdict (decisions close to a tolerance are flagged in the report's ``notes``).
    reason : str
        A readable explanation.
    witness : dict
        JSON-ready arrays (lists) supporting the verdict.
    """

    holds: bool | None
    reason: str
    witness: dict = field(default_factory=dict)


@dataclass(frozen=True)
class InjectivityReport:
    """Result of :func:`check_injectivity`."""

    m: int
    n: int
    n_cells: int
    n_regions: int
    box: float
    F2: Verdict
    F3: Verdict
    F4: Verdict
    appendix_h: dict
    notes: tuple = ()

    def to_dict(self) -> dict:
        """JSON-ready summary: ``{"F2": bool, "F3": bool, "F4": bool, "witnesses": {...},
        "n_regions": int, ...}``."""
        return {
            "F2": self.F2.holds, "F3": self.F3.holds, "F4": self.F4.holds,
            "reasons": {k: getattr(self, k).reason for k in ("F2", "F3", "F4")},
            "witnesses": {k: getattr(self, k).witness for k in ("F2", "F3", "F4")},
            "n_regions": self.n_regions, "n_cells": self.n_cells, "m": self.m, "n": self.n,
            "box": self.box, "appendix_h": self.appendix_h, "notes": list(self.notes),
        }


# -- linear programming ---------------------------------------------------------------------------
def _linprog(c, a_ub=None, b_ub=None, a_eq=None, b_eq=None, bounds=None):
    """The region enumeration's LP call (tight HiGHS tolerances, retried with the defaults),
    with free variables by default."""
    from .regions_nd import _linprog as solve

    bounds = bounds if bounds is not None else [(None, None)] * len(c)
    return solve(c, a_ub, b_ub, a_eq, b_eq, bounds)


def _chebyshev(H, h, r_max=1.0, z_max=None):
    """Centre and radius of the largest ball (radius capped at ``r_max``, centre within
    ``[-z_max, z_max]^m`` if given) in {H z <= h}."""
    m = H.shape[1]
    if H.shape[0] == 0:
        return np.zeros(m), float(r_max)
    norms = np.linalg.norm(H, axis=1)
    c = np.zeros(m + 1)
    c[-1] = -1.0
    a = np.hstack([H, norms[:, None]])
    zb = (None, None) if z_max is None else (-z_max, z_max)
    bounds = [zb] * m + [(0.0, r_max)]
    res = _linprog(c, a, h, bounds=bounds)
    if res.status != 0:
        return None, -np.inf
    return res.x[:m], float(res.x[-1])


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


def _rank(A, scale) -> int:
    """Numerical rank: singular values above ``RANK_RTOL * scale`` (0 for a zero scale)."""
    if A.size == 0 or scale == 0:
        return 0
    s = np.linalg.svd(A, compute_uv=False)
    return int(np.sum(s > RANK_RTOL * scale))


# -- the decisions --------------------------------------------------------------------------------
class _Phase:
    """Progress and deadline of one decision loop."""

    def __init__(self, deadline: Deadline, progress, label: str, total: int):
        self.deadline, self.label = deadline, label
        self.bar = progress_bar(total, label, progress, unit="pair")

    def step(self, n: int = 1) -> None:
        self.deadline.check(f"deciding {self.label}")
        self.bar.update(n)

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
        see :func:`exactid.regions_nd.bounding_box`).
    tol : float
        Chebyshev-radius tolerance for full-dimensionality, in ``[1e-10, 1e-6]`` (see
        :func:`exactid.regions_nd.check_box_and_tol`).
    max_cells : int
        Bound on the linear cells enumerated (:func:`exactid.regions_nd.linear_regions`).
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
    from .regions_nd import check_box_and_tol, linear_regions

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
    cells = list(regs.cells)
    scale = max(1.0, regs.box)
    maps = [(np.asarray(cell.A, float), np.asarray(cell.b, float)) for cell in cells]
    if not all(np.isfinite(A).all() and np.isfinite(b).all() for A, b in maps):
        raise UnsupportedModelError("net: the affine maps of the network's regions overflow "
                                    "the float range (weights too large); rescale the network "
                                    "(injectivity does not depend on the scale)")
    # The verdicts do not depend on the scale of the output (f and 1e-11 f are equally
    # injective), but LP tolerances are absolute: work with f / c, c the largest map norm, and
    # scale the x-witnesses back at the end.
    c = max(float(np.linalg.norm(A, 2)) if A.size else 0.0 for A, _ in maps)
    c = c if c > 0 else 1.0
    info = []
    ill = set()
    for k, (cell, (A, b)) in enumerate(zip(cells, maps)):
        H, h = _strip_box(cell, regs.box)
        rank = _rank(A / c, 1.0)
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
    max_rank = max(r for *_, r, _ in info)

    def f(z):
        return net(z) / c

    K = len(info)
    phase = _Phase(deadline, progress, "(F4) injective", K * (K - 1) // 2)
    try:
        f4 = _unscale(_decide_f4(f, info, m, scale, notes, phase, ill), c)
    finally:
        phase.close()
    phase = _Phase(deadline, progress, "(F3) observably injective", K * (K - 1) // 2)
    try:
        f3 = _unscale(_decide_f3(f, info, m, max_rank, tol, scale, notes, phase, ill), c)
    finally:
        phase.close()
    phase = _Phase(deadline, progress, "(F2) weakly injective", K * (K - 1))
    try:
        f2 = _unscale(_decide_f2(f, info, m, max_rank, f3, tol, scale, notes, phase), c)
    finally:
        phase.close()
    return InjectivityReport(m=m, n=n, n_cells=len(cells), n_regions=len(regs.regions),
                             box=float(regs.box), F2=f2, F3=f3, F4=f4,
                             appendix_h=_appendix_h(net, info, m, max_rank, f3, f4),
                             notes=tuple(notes))


def _unscale(verdict: Verdict, c: float) -> Verdict:
    """x-space witnesses of f / c back to f."""
    w = dict(verdict.witness)
    for key in ("x", "center"):
        if key in w:
            w[key] = (np.asarray(w[key]) * c).tolist()
    if "radius" in w:
        w["radius"] = float(w["radius"] * c)
    return Verdict(verdict.holds, verdict.reason, w)


def _same_map(Ai, bi, Aj, bj) -> bool:
    return np.array_equal(Ai, Aj) and np.array_equal(bi, bj)


def _collision_ok(net, z1, z2, scale) -> bool:
    """Evaluate the network: distinct points with the same image."""
    fz = net(np.vstack([z1, z2]))
    gap = np.abs(fz[0] - fz[1]).max()
    size = np.abs(fz).max() + 1.0
    return gap <= WITNESS_RTOL * size and np.abs(z1 - z2).max() > DISTINCT * scale * 1e-3


def _undecided(key: str, found: str, cells, witness: dict) -> Verdict:
    """A finding that involves an ill-conditioned region: reported, not decided."""
    return Verdict(None, f"undecided: {found} involving the ill-conditioned region(s) "
                   f"{sorted(cells)}, which floating-point linear programs cannot resolve",
                   witness)


def exact_rank(net: ReluNet, pattern) -> int:
    """Rank of the affine map of the cell with activation ``pattern``, in exact rational
    arithmetic: ``W_L D_{L-1} W_{L-1} ... D_1 W_1`` with the multipliers ``D`` of the pattern.

    Parameters
    ----------
    net : ReluNet
    pattern : tuple of tuple of bool
        One tuple per hidden layer (as in :attr:`exactid.regions_nd.Cell.pattern`).
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


def _decide_f4(net, info, m, scale, notes, phase, ill=frozenset()) -> Verdict:
    """``net`` is the (normalised) map to evaluate: a callable on arrays of shape (N, m)."""
    for _, _, A, _, rank, cell in info:
        if rank < m:
            v = np.linalg.svd(A)[2][-1]  # a null vector (the smallest singular value is 0)
            z1 = np.asarray(cell.center, float)
            z2 = z1 + 0.5 * float(cell.radius) * v
            return Verdict(False, f"a region where f has rank {rank} < m = {m}: f is constant "
                           "along a segment in it",
                           {"z1": z1.tolist(), "z2": z2.tolist(),
                            "x": net(z1[None])[0].tolist(), "rank": rank})
    for i in range(len(info)):
        for j in range(i + 1, len(info)):
            phase.step()
            Hi, hi, Ai, bi, _, _ = info[i]
            Hj, hj, Aj, bj, _, _ = info[j]
            if _same_map(Ai, bi, Aj, bj):
                continue
            witness = _collision(net, Hi, hi, Ai, bi, Hj, hj, Aj, bj, m, scale)
            if witness is not None:
                z1, z2 = witness
                found = {"z1": z1.tolist(), "z2": z2.tolist(), "x": net(z1[None])[0].tolist()}
                if {i, j} & set(ill):
                    return _undecided("F4", "a collision", {i, j} & set(ill), found)
                return Verdict(False, "two distinct points with the same image", found)
    return Verdict(True, "every region has rank m and no two regions' images share a point "
                   "with distinct preimages")


def _collision(net, Hi, hi, Ai, bi, Hj, hj, Aj, bj, m, scale):
    """Points z1 in C_i, z2 in C_j with equal images and z1 != z2, or None."""
    ki, kj = Hi.shape[0], Hj.shape[0]
    a_ub = np.zeros((ki + kj, 2 * m))
    a_ub[:ki, :m] = Hi
    a_ub[ki:, m:] = Hj
    b_ub = np.concatenate([hi, hj])
    a_eq = np.hstack([Ai, -Aj])
    b_eq = bj - bi
    for k in range(m):
        for sign in (1.0, -1.0):
            c = np.zeros(2 * m)
            c[k], c[m + k] = -sign, sign  # maximise sign * (z1 - z2)_k
            for bound in (None, 100.0 * scale):
                bounds = None if bound is None else [(-bound, bound)] * (2 * m)
                res = _linprog(c, a_ub if a_ub.size else None, b_ub if a_ub.size else None,
                               a_eq, b_eq, bounds)
                if res.status == 2:  # infeasible: the images do not meet
                    return None
                if res.status == 3:  # unbounded: re-solve in a large box for a witness
                    continue
                if res.status == 0 and -res.fun > DISTINCT * scale:
                    z1, z2 = res.x[:m], res.x[m:]
                    if _collision_ok(net, z1, z2, scale):
                        return z1, z2
                    # The solver may drop tiny matrix entries (HiGHS ignores |a| <= 1e-9):
                    # re-solve z2 from z1 exactly and keep it if it stays in C_j.
                    z2 = np.linalg.lstsq(Aj, Ai @ z1 + bi - bj, rcond=None)[0]
                    inside = (Hj.size == 0 or np.all(Hj @ z2 <= hj + 1e-9 * scale))
                    if inside and np.abs(z1 - z2).max() > DISTINCT * scale and _collision_ok(
                            net, z1, z2, scale):
                        return z1, z2
                break
    return None


def _overlap(info_i, info_j, m, tol, scale, notes=None, label=""):
    """Full-dimensional overlap of the images of two full-rank cells, in z1 coordinates:
    (H, h, M, c) with z2 = M z1 + c, or None."""
    Hi, hi, Ai, bi, _, _ = info_i
    Hj, hj, Aj, bj, _, _ = info_j
    if _same_map(Ai, bi, Aj, bj):
        return None
    both = np.hstack([Ai, Aj])
    if _rank(both, np.linalg.norm(both, 2)) != m:
        return None  # different m-dimensional subspaces: a null intersection
    pinv = np.linalg.pinv(Aj)
    M = pinv @ Ai
    c = pinv @ (bi - bj)
    # b_i - b_j must lie in the column space of A_j (same affine subspace).
    if np.abs(Aj @ c - (bi - bj)).max() > 1e-9 * (1.0 + np.abs(bi - bj).max()):
        return None
    H = np.vstack([Hi, Hj @ M]) if Hj.size else Hi
    h = np.concatenate([hi, hj - Hj @ c]) if Hj.size else hi
    centre, radius = _chebyshev(H, h, z_max=WITNESS_BOX * scale)
    if centre is None or radius <= tol * scale:
        if notes is not None and centre is not None and radius > tol * scale / 10:
            notes.append(f"{label}: an overlap with Chebyshev radius {radius:.3g} within 10x "
                         f"of tol = {tol * scale:.3g} was treated as a null set")
        return None
    return H, h, M, c, centre, radius


def _decide_f3(net, info, m, max_rank, tol, scale, notes, phase, ill=frozenset()) -> Verdict:
    if max_rank < m:
        return Verdict(False, f"the image f(R^m) has dimension {max_rank} < m = {m}: every "
                       "point has infinitely many preimages", {"max_rank": max_rank})
    full = [k for k, item in enumerate(info) if item[4] == m]
    phase.bar.total = len(full) * (len(full) - 1) // 2
    for a in range(len(full)):
        for b in range(a + 1, len(full)):
            phase.step()
            ov = _overlap(info[full[a]], info[full[b]], m, tol, scale, notes,
                          f"F3: regions {full[a]} and {full[b]}")
            if ov is None:
                continue
            _, _, M, c, centre, radius = ov
            if radius <= 10 * tol * scale:
                notes.append(f"F3: overlap of regions {full[a]} and {full[b]} has Chebyshev "
                             f"radius {radius:.3g}, within 10x tolerance")
            z1 = centre
            z2 = M @ centre + c
            if not _collision_ok(net, z1, z2, scale):
                notes.append(f"F3: overlap witness of regions {full[a]}, {full[b]} failed the "
                             "network check")
                continue
            found = {"x": net(z1[None])[0].tolist(), "z1": z1.tolist(), "z2": z2.tolist(),
                     "overlap_radius_z": radius, "cells": [full[a], full[b]]}
            if {full[a], full[b]} & set(ill):
                return _undecided("F3", "an overlap", {full[a], full[b]} & set(ill), found)
            return Verdict(False, "the images of two regions overlap in a set of positive "
                           "measure", found)
    return Verdict(True, "the images of the full-rank regions overlap only in null sets")


def _decide_f2(net, info, m, max_rank, f3, tol, scale, notes, phase) -> Verdict:
    if max_rank < m:
        return Verdict(False, f"the image f(R^m) has dimension {max_rank} < m = {m}: the "
                       "points with infinitely many preimages fill the image",
                       {"max_rank": max_rank})
    full = [k for k, item in enumerate(info) if item[4] == m]
    # Largest cells first: the most likely place for a ball.
    full.sort(key=lambda k: -float(info[k][5].radius))
    covered_by = {}
    phase.bar.total = len(full) * (len(full) - 1)
    for i in full:
        overlaps = []
        for j in full:
            if j == i:
                continue
            phase.step()
            ov = _overlap(info[i], info[j], m, tol, scale)
            if ov is not None:
                overlaps.append((j, ov[0], ov[1]))
        ball = _uncovered_ball(net, info, i, overlaps, m, tol, scale, notes, phase)
        if ball is not None:
            return Verdict(True, "a ball in the image where every point has one preimage, and "
                           "the image has dimension m", ball)
        covered_by[i] = [j for j, *_ in overlaps]
    i0 = full[0]
    return Verdict(False, "every full-rank region's image is covered by images of other "
                   "regions (positive-measure overlaps), so no ball of unique preimages exists",
                   {"cell": i0, "covered_by": covered_by[i0],
                    "z": np.asarray(info[i0][5].center, float).tolist()})


def _uncovered_ball(net, info, i, overlaps, m, tol, scale, notes, phase):
    """A ball in f(C_i) outside every other cell's image, as a witness dict, or None."""
    Hi, hi, Ai, bi, _, cell = info[i]
    # Split C_i (without the box: an uncovered part may lie beyond it; radii are capped, so
    # unbounded pieces are fine) by the facets of the overlaps.
    H0, h0 = Hi, hi
    planes = []
    for _, H, h in overlaps:
        for row, rhs in zip(H, h):
            planes.append((row, rhs))
    pieces = [(H0, h0)]
    for row, rhs in planes:
        phase.deadline.check("searching a ball of unique preimages for (F2)")
        nxt = []
        for H, h in pieces:
            for sign in (1.0, -1.0):
                Hs = np.vstack([H, sign * row]) if H.size else (sign * row)[None]
                hs = np.append(h, sign * rhs)
                _, r = _chebyshev(Hs, hs)
                if r > tol * scale:
                    nxt.append((Hs, hs))
        pieces = nxt
        if len(pieces) > MAX_PIECES:
            notes.append(f"F2: cell {i} needs more than {MAX_PIECES} pieces to separate its "
                         "overlaps; it was not searched for a ball")
            return None
    sigma_min = np.linalg.svd(Ai, compute_uv=False).min()
    rng = np.random.default_rng(0)
    for H, h in pieces:
        centre, radius = _chebyshev(H, h, r_max=scale, z_max=WITNESS_BOX * scale)
        if centre is None:
            continue
        inside = [np.all(Ho @ centre <= ho + 1e-12 * scale) for _, Ho, ho in overlaps]
        if any(inside):
            continue
        # The centre's image may lie on a lower-dimensional image of another cell (a
        # transversal crossing); such sets are nowhere dense, so some of a few points of the
        # inscribed ball avoid them.
        directions = np.vstack([np.eye(m), -np.eye(m), rng.normal(size=(4 * m, m))])
        directions /= np.linalg.norm(directions, axis=1)[:, None]
        candidates = [(centre, radius)] + [(centre + 0.5 * radius * d, 0.5 * radius)
                                           for d in directions]
        best = None
        for z, r in candidates:
            x0 = Ai @ z + bi
            delta = r * sigma_min
            for k, (Hk, hk, Ak, bk, _, _) in enumerate(info):
                if k == i:
                    continue
                delta = min(delta, _distance_inf(x0, Hk, hk, Ak, bk, scale))
                if delta <= 0:
                    break
            if best is None or delta > best[0]:
                best = (delta, z, x0)
        delta, z, x0 = best
        # The tolerance is in z units: convert it with the cell's smallest gain.
        if delta > tol * scale * sigma_min:
            return {"center": x0.tolist(), "radius": float(delta), "z": z.tolist(),
                    "cell": i}
    return None


def _distance_inf(x0, H, h, A, b, scale) -> float:
    """max-norm distance from x0 to the image {A z + b : H z <= h} (a lower bound of the
    Euclidean distance)."""
    m = A.shape[1]
    n = A.shape[0]
    c = np.zeros(m + 1)
    c[-1] = 1.0
    rows = [np.hstack([A, -np.ones((n, 1))]), np.hstack([-A, -np.ones((n, 1))])]
    rhs = [x0 - b, b - x0]
    if H.size:
        rows.append(np.hstack([H, np.zeros((H.shape[0], 1))]))
        rhs.append(h)
    res = _linprog(c, np.vstack(rows), np.concatenate(rhs),
                   bounds=[(None, None)] * m + [(0.0, None)])
    if res.status != 0:
        return np.inf
    return float(res.x[-1])


# -- Appendix H -----------------------------------------------------------------------------------
def layer_conditions(net: ReluNet) -> tuple[list, bool, bool]:
    """Widths ``[m, n_1, ..., n]``, whether they never decrease, and whether every layer
    matrix has full column rank: the hypotheses of Corollaries H.2 and H.4 that need no
    region enumeration."""
    widths = [net.input_dim] + [w.shape[0] for w in net.weights]
    nondecreasing = all(a <= b for a, b in zip(widths[:-1], widths[1:]))
    full_column_rank = all(np.linalg.matrix_rank(w) == w.shape[1] for w in net.weights)
    return widths, nondecreasing, bool(full_column_rank)


def _appendix_h(net, info, m, max_rank, f3, f4) -> dict:
    widths, nondecreasing, full_column_rank = layer_conditions(net)
    slope = net.negative_slope
    out = {"widths": widths, "widths_nondecreasing": nondecreasing}
    if slope == 0.0:
        holds = bool(nondecreasing and max_rank == m)
        entry = {"statement": "ReLU, m = n0 <= n1 <= ... <= nt = n and dim f(R^m) = m => (F3)",
                 "conditions_hold": holds}
        if holds and f3.holds is False:
            entry["note"] = ("the conditions hold as printed but f is not (F3): the proof of "
                             "Lemma H.1 also needs every h_i to have full column rank")
        entry["every_layer_full_column_rank"] = bool(full_column_rank)
        out["Corollary H.2"] = entry
    else:
        holds = bool(nondecreasing and full_column_rank and slope != 1.0)
        entry = {"statement": "leaky ReLU, m = n0 <= ... <= nt = n, every h_i of full column "
                              "rank => (F4)", "conditions_hold": holds}
        if holds and f4.holds is False:
            entry["note"] = "the conditions hold but f is not (F4)"
        out["Corollary H.4"] = entry
    # Puthawala et al. (2022): x -> ReLU(W x + b) is injective iff for every x the rows with
    # <w_i, x> + b_i >= 0 span R^m; composing with a full-column-rank output layer keeps it.
    if net.n_layers == 2 and slope == 0.0 and (
            np.linalg.matrix_rank(net.weights[1]) == net.weights[1].shape[1]):
        W = net.weights[0]
        failing = None
        for k, (*_, cell) in enumerate(info):
            active = np.array(cell.pattern[0], dtype=bool)
            if np.linalg.matrix_rank(W[active]) < m if active.any() else True:
                failing = k
                break
        out["directed spanning set"] = {
            "applies": True, "holds": failing is None,
            "statement": "ReLU(W z + b) is injective iff the active rows span R^m everywhere "
                         "(Puthawala et al. 2022)",
            **({} if failing is None else {"failing_cell": failing})}
    else:
        out["directed spanning set"] = {"applies": False}
    return out


def format_report(report: InjectivityReport, name: str = "net") -> str:
    """The human-readable report printed by ``exactid check``."""

    def fmt(v):
        if isinstance(v, float):
            return f"{v:.6g}"
        if isinstance(v, list):
            return "(" + ", ".join(fmt(x) for x in v) + ")"
        return str(v)

    def verdict(flag):
        return {True: "yes", False: "NO", None: "undecided"}[flag]

    lines = [f"{name}: R^{report.m} -> R^{report.n}, {report.n_regions} linear regions "
             f"({report.n_cells} cells) in the box [-{report.box:g}, {report.box:g}]^{report.m}"]
    for key, title in (("F2", "weakly injective"), ("F3", "observably injective"),
                       ("F4", "injective")):
        v = getattr(report, key)
        lines.append(f"  ({key}) {title:<21} {verdict(v.holds):<9} {v.reason}")
        for wk, wv in v.witness.items():
            lines.append(f"         {wk} = {fmt(wv)}")
    lines.append("  Appendix H:")
    for key, entry in report.appendix_h.items():
        if isinstance(entry, dict):
            if entry.get("applies") is False:
                lines.append(f"    {key}: does not apply")
                continue
            state = entry.get("conditions_hold", entry.get("holds"))
            lines.append(f"    {key}: {'holds' if state else 'does not hold'}"
                         + (f" ({entry['statement']})" if "statement" in entry else ""))
            if "note" in entry:
                lines.append(f"      note: {entry['note']}")
        else:
            lines.append(f"    {key}: {entry}")
    for note in report.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)
