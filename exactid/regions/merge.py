"""Merging the cells of the splitting into regions: equal maps and a shared facet.

Two cells form one region when their affine maps agree within ``MAP_RTOL`` times the
entrywise magnitude bound of the maps and they share a facet (an LP inside the separating
hyperplane, see :mod:`exactid.regions.cells`); regions are the connected components
(union-find) of that graph.  Kept apart from the splitting because it is the one quadratic
step (pairs of cells with equal maps).
"""

from __future__ import annotations

import numpy as np

from ..errors import NumericalError
from ..models import ReluNet
from .lp import linprog
from .polyhedra import Cell, Region
from .tolerances import EPS, MAP_RTOL, PARALLEL_TOL, ROUND_RTOL, UNDECIDED_FACTOR, band

__all__ = ["merge_cells", "map_bounds"]


def map_bounds(net: ReluNet):
    """Entrywise magnitude bounds of every cell's A (n, m) and b (n,)."""
    s = max(1.0, net.negative_slope)
    Ab, bb = np.abs(net.weights[0]), np.abs(net.biases[0])
    for W, b in zip(net.weights[1:], net.biases[1:]):
        Ab = np.abs(W) @ (s * Ab)
        bb = np.abs(W) @ (s * bb) + np.abs(b)
    return Ab, bb



def _row_key(row, rhs) -> bytes:
    return np.append(row, rhs).tobytes()



def _adjacent(P: Cell, Q: Cell, n_box: int, tol: float, cap: float, notes) -> bool:
    """Whether two cells of the splitting share an (m-1)-dimensional facet (see module doc)."""
    keys = {
        _row_key(P.H[i] + 0.0, P.h[i] + 0.0): i for i in range(P.H.shape[0] - n_box)
    }
    sep = None
    for jq in range(Q.H.shape[0] - n_box):
        i = keys.get(_row_key(-Q.H[jq] + 0.0, -Q.h[jq] + 0.0))
        if i is not None:
            sep = i
            break
    if sep is None:
        return False
    u, du = P.H[sep], P.h[sep]
    N = np.vstack([P.H, Q.H])
    d = np.concatenate([P.h, Q.h])
    m = N.shape[1]
    proj = N - np.outer(N @ u, u)
    pn = np.sqrt(np.sum(proj * proj, axis=1))
    par = pn <= PARALLEL_TOL
    d_lp = np.where(par, d + tol, d)
    coef = np.where(par, 0.0, pn)
    c = np.zeros(m + 1)
    c[-1] = -1.0
    res = linprog(
        c,
        np.hstack([N, coef[:, None]]),
        d_lp,
        a_eq=np.append(u, 0.0)[None, :],
        b_eq=[du],
        bounds=[(None, None)] * m + [(None, cap)],
    )
    if res.status == 2:  # infeasible: the cells do not even touch on the hyperplane
        return False
    if res.status != 0:
        raise NumericalError(f"the adjacency linear program failed ({res.message}); try a "
                             "smaller box or a larger tol")
    x = res.x[:m]
    x = x - (u @ x - du) * u
    slack = d - N @ x
    rounding = 1e3 * EPS * (1.0 + np.abs(d[par]) + np.max(np.abs(x)))
    if np.any(slack[par] < -(tol + rounding)):
        return False
    rc = float(min(cap, np.min(slack[~par] / pn[~par]))) if (~par).any() else cap
    r_lp = float(res.x[m])
    if band(rc, tol) or (r_lp > tol >= rc):
        notes.append(
            f"adjacency of two cells with equal maps: facet radius {rc:.3g} (LP {r_lp:.3g}) "
            f"within a factor {UNDECIDED_FACTOR:g} of tol={tol:g}: "
            f"{'merged' if rc > tol else 'not merged'}"
        )
    return rc > tol



def merge_cells(cells, net, box, tol, notes, deadline=None):
    K = len(cells)
    m = net.input_dim
    Ab, bb = map_bounds(net)
    parent = list(range(K))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if K:
        As = np.stack([cl.A for cl in cells])
        bs = np.stack([cl.b for cl in cells])
    for i in range(K - 1):
        if deadline is not None:
            deadline.check(f"merging {K} cells into regions")
        dA = np.abs(As[i + 1 :] - As[i])
        db = np.abs(bs[i + 1 :] - bs[i])
        close = np.all(dA <= MAP_RTOL * Ab, axis=(1, 2)) & np.all(db <= MAP_RTOL * bb, axis=1)
        for j in np.flatnonzero(close) + i + 1:
            if find(i) == find(j):
                continue
            if _adjacent(cells[i], cells[j], 2 * m, tol, 2.0 * box, notes):
                parent[find(j)] = find(i)
                exact = np.all(dA[j - i - 1] <= ROUND_RTOL * Ab) and np.all(
                    db[j - i - 1] <= ROUND_RTOL * bb
                )
                if not exact:
                    notes.append(
                        f"cells {i} and {j}: maps differ by more than rounding "
                        f"({ROUND_RTOL:g} of their magnitude) but within MAP_RTOL={MAP_RTOL:g}:"
                        " merged"
                    )
    groups: dict = {}
    for i in range(K):
        groups.setdefault(find(i), []).append(i)
    scale = float(np.linalg.norm(Ab))
    regions = []
    for members in sorted(groups.values(), key=lambda g: g[0]):
        first = cells[members[0]]
        sv = np.linalg.svd(first.A, compute_uv=False)
        rank = int(np.sum(sv > MAP_RTOL * scale))
        if np.any((sv > ROUND_RTOL * scale) & (sv <= MAP_RTOL * scale)):
            notes.append(
                f"region of cell {members[0]}: a singular value of A lies between "
                f"{ROUND_RTOL:g} and {MAP_RTOL:g} of the map scale {scale:.3g}; rank {rank}"
            )
        regions.append(Region(tuple(cells[i] for i in members), first.A, first.b, rank))
    return tuple(regions)
