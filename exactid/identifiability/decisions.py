"""The three decisions of :func:`~exactid.identifiability.cells.check_injectivity` on the cells
of a network: collisions (F4), positive-measure overlaps of images (F3), a ball of unique
preimages (F2), each with a witness checked by evaluating the network.  See
:mod:`exactid.identifiability.cells` for the method and the tolerances.

Each decision takes ``info``, one tuple ``(H, h, A, b, rank, cell)`` per cell (constraints
without the box, the map normalised by the network's largest map norm, the rank), and a
``phase`` that carries the deadline and the progress bar.
"""

from __future__ import annotations

import numpy as np

from ..regions.lp import largest_ball, linprog
from .verdicts import Verdict

__all__ = ["DISTINCT", "WITNESS_RTOL", "MAX_PIECES", "WITNESS_BOX", "RANK_RTOL",
           "decide_f4", "decide_f3", "decide_f2", "numerical_rank"]

#: Relative size of a difference z1 - z2 that counts as two distinct points.
DISTINCT = 1e-6
#: A witness f(z1) = f(z2) must hold to this relative accuracy (of 1 + |f|, f normalised to a
#: largest map norm of 1) when evaluated by the network: far above rounding (1e-14 for the
#: sizes met here), far below any genuine gap.
WITNESS_RTOL = 1e-11
#: The search for an F2 ball gives up on a cell beyond this many pieces (with a note).
MAX_PIECES = 4096
#: Witness searches stay within this multiple of the enumeration box (LP solutions far out are
#: dominated by the solver's tolerances).  A witness is first sought inside the box itself, so
#: that the report's points lie in the box it prints; only if none exists there (an overlap or a
#: ball of unique preimages that lies wholly outside) is it taken from the larger box.
WITNESS_BOX = 10.0
#: Singular values below this fraction of the network's largest map norm count as zero (the
#: maps are normalised so that the largest has norm 1).
RANK_RTOL = 1e-10


def numerical_rank(A, scale) -> int:
    """Numerical rank: singular values above ``RANK_RTOL * scale`` (0 for a zero scale)."""
    if A.size == 0 or scale == 0:
        return 0
    s = np.linalg.svd(A, compute_uv=False)
    return int(np.sum(s > RANK_RTOL * scale))


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


def decide_f4(net, info, m, scale, notes, phase, ill=frozenset(), box=None) -> Verdict:
    """``net`` is the (normalised) map to evaluate: a callable on arrays of shape (N, m);
    ``box`` the half-width of the enumeration box, where witnesses are sought first."""
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
                witness = _collision(net, Hi, hi, Ai, bi, Hj, hj, Aj, bj, m, scale,
                                     box=box) or witness
                z1, z2 = witness
                found = {"z1": z1.tolist(), "z2": z2.tolist(), "x": net(z1[None])[0].tolist()}
                if {i, j} & set(ill):
                    return _undecided("F4", "a collision", {i, j} & set(ill), found)
                return Verdict(False, "two distinct points with the same image", found)
    return Verdict(True, "every region has rank m and no two regions' images share a point "
                   "with distinct preimages")


def _collision(net, Hi, hi, Ai, bi, Hj, hj, Aj, bj, m, scale, box=None):
    """Points z1 in C_i, z2 in C_j with equal images and z1 != z2, or None.

    With ``box``, only points in ``[-box, box]^m`` are sought: None then says nothing about
    collisions outside the box (used to relocate a witness already found)."""
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
            for bound in ((None, 100.0 * scale) if box is None else (box,)):
                bounds = None if bound is None else [(-bound, bound)] * (2 * m)
                res = linprog(c, a_ub if a_ub.size else None, b_ub if a_ub.size else None,
                               a_eq, b_eq, bounds)
                if res.status == 2:  # infeasible: the images do not meet (in the box)
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
    if numerical_rank(both, np.linalg.norm(both, 2)) != m:
        return None  # different m-dimensional subspaces: a null intersection
    pinv = np.linalg.pinv(Aj)
    M = pinv @ Ai
    c = pinv @ (bi - bj)
    # b_i - b_j must lie in the column space of A_j (same affine subspace).
    if np.abs(Aj @ c - (bi - bj)).max() > 1e-9 * (1.0 + np.abs(bi - bj).max()):
        return None
    H = np.vstack([Hi, Hj @ M]) if Hj.size else Hi
    h = np.concatenate([hi, hj - Hj @ c]) if Hj.size else hi
    centre, radius = largest_ball(H, h, z_max=WITNESS_BOX * scale)
    if centre is None or radius <= tol * scale:
        if notes is not None and centre is not None and radius > tol * scale / 10:
            notes.append(f"{label}: an overlap with Chebyshev radius {radius:.3g} within 10x "
                         f"of tol = {tol * scale:.3g} was treated as a null set")
        return None
    return H, h, M, c, centre, radius


def decide_f3(net, info, m, max_rank, tol, scale, notes, phase, ill=frozenset(),
              box=None) -> Verdict:
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
            H, h, M, c, centre, radius = ov
            if box is not None:
                centre, radius = _overlap_in_box(H, h, M, c, box, tol * scale, centre, radius)
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


def _overlap_in_box(H, h, M, c, box, tol, centre, radius):
    """The largest ball of the overlap ``{H z1 <= h}`` with both preimages ``z1`` and
    ``z2 = M z1 + c`` in ``[-box, box]^m``, if its radius exceeds ``tol``; else the ball found
    without that bound, ``(centre, radius)``."""
    rows = np.vstack([H, M, -M])
    rhs = np.concatenate([h, box - c, box + c])
    inside, r = largest_ball(rows, rhs, z_max=box)
    return (inside, r) if inside is not None and r > tol else (centre, radius)


def decide_f2(net, info, m, max_rank, f3, tol, scale, notes, phase, box=None) -> Verdict:
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
        ball = _uncovered_ball(net, info, i, overlaps, m, tol, scale, notes, phase, box)
        if ball is not None:
            return Verdict(True, "a ball in the image where every point has one preimage, and "
                           "the image has dimension m", ball)
        covered_by[i] = [j for j, *_ in overlaps]
    i0 = full[0]
    return Verdict(False, "every full-rank region's image is covered by images of other "
                   "regions (positive-measure overlaps), so no ball of unique preimages exists",
                   {"cell": i0, "covered_by": covered_by[i0],
                    "z": np.asarray(info[i0][5].center, float).tolist()})


def _uncovered_ball(net, info, i, overlaps, m, tol, scale, notes, phase, box=None):
    """A ball in f(C_i) outside every other cell's image, as a witness dict, or None; its
    preimage centre is sought inside ``[-box, box]^m`` first."""
    Hi, hi = info[i][:2]
    # Split C_i (without the box: an uncovered part may lie beyond it; radii are capped, so
    # unbounded pieces are fine) by the facets of the overlaps.
    H0, h0 = Hi, hi
    planes = []
    for _, H, h in overlaps:
        for row, rhs in zip(H, h):
            planes.append((row, rhs))
    pieces = [(H0, h0)]
    for done, (row, rhs) in enumerate(planes):
        phase.deadline.check("searching a ball of unique preimages for (F2)")
        phase.note(f"region {i}: {len(pieces)} pieces, cut {done + 1} of {len(planes)}")
        nxt = []
        for H, h in pieces:
            for sign in (1.0, -1.0):
                Hs = np.vstack([H, sign * row]) if H.size else (sign * row)[None]
                hs = np.append(h, sign * rhs)
                _, r = largest_ball(Hs, hs)
                if r > tol * scale:
                    nxt.append((Hs, hs))
        pieces = nxt
        if len(pieces) > MAX_PIECES:
            notes.append(f"F2: cell {i} needs more than {MAX_PIECES} pieces to separate its "
                         "overlaps; it was not searched for a ball")
            return None
    # Inside the enumeration box first, so that the printed witness lies in the printed box.
    limits = (WITNESS_BOX * scale,) if box is None else (box, WITNESS_BOX * scale)
    for z_max in limits:
        for H, h in pieces:
            ball = _ball_in_piece(info, i, H, h, overlaps, m, tol, scale, z_max)
            if ball is not None:
                return ball
    return None


def _ball_in_piece(info, i, H, h, overlaps, m, tol, scale, z_max):
    """A ball of unique preimages from the piece ``{H z <= h}`` of cell i, with its preimage
    centre in ``[-z_max, z_max]^m``, as a witness dict, or None."""
    _, _, Ai, bi, _, _ = info[i]
    centre, radius = largest_ball(H, h, r_max=scale, z_max=z_max)
    if centre is None:
        return None
    if any(np.all(Ho @ centre <= ho + 1e-12 * scale) for _, Ho, ho in overlaps):
        return None
    # The centre's image may lie on a lower-dimensional image of another cell (a transversal
    # crossing); such sets are nowhere dense, so some of a few points of the inscribed ball
    # avoid them.
    rng = np.random.default_rng(0)
    directions = np.vstack([np.eye(m), -np.eye(m), rng.normal(size=(4 * m, m))])
    directions /= np.linalg.norm(directions, axis=1)[:, None]
    candidates = [(centre, radius)] + [(centre + 0.5 * radius * d, 0.5 * radius)
                                       for d in directions]
    sigma_min = np.linalg.svd(Ai, compute_uv=False).min()
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
        return {"center": x0.tolist(), "radius": float(delta), "z": z.tolist(), "cell": i}
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
    res = linprog(c, np.vstack(rows), np.concatenate(rhs),
                   bounds=[(None, None)] * m + [(0.0, None)])
    if res.status != 0:
        return np.inf
    return float(res.x[-1])
