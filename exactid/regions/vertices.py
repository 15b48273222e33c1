"""Vertices and minimal faces of polyhedra ``{z : N z <= d}`` in dimension m <= 3.

The automatic enumeration box (:mod:`exactid.regions.cells`) must contain one point of every
minimal face of every cell: the vertices, or for a cell containing a line, the point nearest
the origin of each face.  For m <= 3 the direct method is cheap and exact enough: solve every
r-subset of the rows (r the rank of N) and keep the solutions that satisfy all rows, with a
feasibility tolerance scaled by the conditioning of the subset (``VERTEX_RTOL``, ``DET_MIN``).
A spurious candidate only enlarges the box; a missed one cannot happen for non-degenerate
subsets.
"""

from __future__ import annotations

import itertools

import numpy as np

from .polyhedra import Cell

__all__ = ["VERTEX_RTOL", "DET_MIN", "face_points", "dedupe", "cell_vertices"]

#: Relative feasibility tolerance of vertex candidates.
VERTEX_RTOL = 1e-9
#: Smallest |det| of m unit rows accepted as defining a vertex.
DET_MIN = 1e-12

_EPS = np.finfo(float).eps



def face_points(N, d) -> np.ndarray:
    """One point of every minimal face of ``{N z <= d}`` (unit rows), shape (P, m).

    For rank m these are the vertices; for rank r < m, the point closest to the origin of
    each minimal face (an affine subspace of dimension m - r).
    """
    k, m = N.shape
    if k == 0:
        return np.zeros((1, m))
    with np.errstate(all="ignore"):
        P = _face_points_raw(N, d)
    return P[np.all(np.isfinite(P), axis=1)]



def _face_points_raw(N, d) -> np.ndarray:
    k, m = N.shape
    sv = np.linalg.svd(N, compute_uv=False)
    r = int(np.sum(sv > 1e-12 * max(1.0, sv[0])))
    if r == 0:
        return np.zeros((1, m)) if np.all(d >= 0) else np.zeros((0, m))
    combos = np.array(list(itertools.combinations(range(k), r)), dtype=int)
    M = N[combos]  # (C, r, m)
    if r == m:
        det = np.abs(np.linalg.det(M))
        ok = det > DET_MIN
        if not ok.any():
            return np.zeros((0, m))
        V = np.linalg.solve(M[ok], d[combos[ok]][..., None])[..., 0]
        det = det[ok]
    else:
        pts, dets = [], []
        for S, Ms in zip(combos, M):
            g = float(np.prod(np.linalg.svd(Ms, compute_uv=False)))
            if g > DET_MIN:
                pts.append(np.linalg.pinv(Ms) @ d[S])
                dets.append(g)
        if not pts:
            return np.zeros((0, m))
        V, det = np.array(pts), np.array(dets)
    size = np.max(np.abs(V), axis=1)
    allowed = VERTEX_RTOL * (1.0 + size) + 1e3 * _EPS * size / det
    feasible = np.all(V @ N.T - d <= allowed[:, None], axis=1)
    return V[feasible]



def dedupe(V: np.ndarray) -> np.ndarray:
    kept: list = []
    for v in V:
        scale = VERTEX_RTOL * (1.0 + np.max(np.abs(v)))
        if not any(np.max(np.abs(v - u)) <= scale for u in kept):
            kept.append(v)
    return np.array(kept).reshape(-1, V.shape[1])



def cell_vertices(cell: Cell) -> np.ndarray:
    """The vertices of a cell (a bounded polytope, the box included).

    Parameters
    ----------
    cell : Cell

    Returns
    -------
    ndarray, shape (V, m)
        Distinct vertices; sorted for ``m = 1`` and in counter-clockwise order about their
        mean for ``m = 2``.
    """
    V = dedupe(face_points(cell.H, cell.h))
    m = V.shape[1]
    if m == 1:
        return V[np.argsort(V[:, 0])]
    if m == 2 and len(V) > 2:
        c = V.mean(axis=0)
        return V[np.argsort(np.arctan2(V[:, 1] - c[1], V[:, 0] - c[0]))]
    return V
