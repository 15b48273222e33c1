r"""The noiseless law :math:`f_\# P` for m = n = 2: its density and its singular part.

What to use when: :func:`exactid.density.log_pdf` calls :func:`log_pdf_pushforward_2d` for a
model with ``noise_std == 0`` and ``m = n = 2``; :func:`singular_part` reports the mass that
has no density (the images of the cells on which f is not invertible).

On a cell :math:`R_k` where :math:`f(z) = A_k z + c_k` with :math:`\det A_k \ne 0`, the change
of variables gives the density :math:`p_Z(A_k^{-1}(x - c_k)) / |\det A_k|` for x in
:math:`f(R_k)`; the density of :math:`f_\# P` is the sum over such cells whose image contains
x.  A cell with :math:`\operatorname{rank} A_k \le 1` maps onto a segment, ray, line or point:
its mass is singular (no density with respect to area), so it is reported separately by
:func:`singular_part` with its support, rather than silently dropped.

Accuracy: ``log p_Z`` of the mixture is computed in log space (log-sum-exp, a few ``eps``
relative); the preimage ``A_k^{-1}(x - c_k)`` carries a relative error of about
``eps * cond(A_k)``.  Membership of the preimage in the cell is decided in float on the rounded
cell: a point within rounding of a cell's boundary (a Lebesgue-null set of x) may be counted in
either or none of the adjacent cells; a preimage on a shared edge, found from both cells, is
counted once.  The ranks are decided exactly, on the rational
maps of :func:`exactid.regions.polygons_2d`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from ..models import LatentModel
from .multivariate import as_points

__all__ = ["log_pdf_pushforward_2d", "singular_part", "SingularPart", "SingularPiece"]

#: Two preimages closer than this (relative) are one point counted from two adjacent cells.
SAME_POINT = 1e-12


def _check(model: LatentModel, what: str) -> None:
    if not isinstance(model, LatentModel):
        raise ValueError(f"model: expected a LatentModel, found {type(model).__name__}")
    if (model.latent_dim, model.observed_dim) != (2, 2) or model.noise_std != 0:
        raise NotImplementedError(
            f"model: {what} is implemented for noise_std = 0 with m = n = 2 (and m = n = 1 by "
            f"the 1-D engine); this model has m = {model.latent_dim}, n = "
            f"{model.observed_dim}, noise_std = {model.noise_std} (with noise_std = 0 and "
            "n > m the law has no density)")


def _rank(matrix) -> int:
    (a, b), (c, d) = matrix
    if a * d - b * c != 0:
        return 2
    return 0 if a == b == c == d == 0 else 1


def log_pdf_pushforward_2d(model: LatentModel, x) -> np.ndarray:
    """Log density of the absolutely continuous part of :math:`f_\\# P` (m = n = 2).

    Parameters
    ----------
    model : LatentModel
        ``noise_std == 0``, ``m = n = 2``.
    x : array_like, shape (N, 2) or (2,)

    Returns
    -------
    ndarray, shape (N,)
        ``-inf`` outside the image of the full-rank cells; the singular part is given by
        :func:`singular_part`.
    """
    _check(model, "the pushforward density")
    x = as_points(x, 2)
    top = np.full(x.shape[0], -np.inf)
    parts, preimages = [], []
    for cell in model.polygons:
        if _rank(cell.matrix) < 2:
            continue
        matrix, offset = cell.map_arrays()
        normals, offsets, _ = cell.polygon.arrays()
        z = np.linalg.solve(matrix, (x - offset).T).T
        inside = np.all(z @ normals.T <= offsets, axis=1)
        # A preimage on an edge shared with a cell already counted is the same point of the
        # latent space (f is continuous): count it once.
        for z_prev, inside_prev in preimages:
            same = np.all(np.abs(z - z_prev) <= SAME_POINT * (1 + np.abs(z)), axis=1)
            inside &= ~(inside_prev & same)
        preimages.append((z, inside))
        values = np.full(x.shape[0], -np.inf)
        if inside.any():
            values[inside] = (model.prior.log_pdf(z[inside])
                              - math.log(abs(np.linalg.det(matrix))))
        parts.append(values)
        top = np.maximum(top, values)
    if not parts:
        return top
    with np.errstate(invalid="ignore"):
        scaled = sum(np.where(np.isneginf(v), 0.0, np.exp(v - top)) for v in parts)
    with np.errstate(divide="ignore"):
        return np.where(np.isneginf(top), -np.inf, top + np.log(scaled))


class SingularPiece(NamedTuple):
    """The image of one cell on which f has rank <= 1: the set
    ``{anchor + t * direction : t in [t_min, t_max]}`` (a point when ``direction`` is 0; a ray
    or line when an end is infinite), carrying probability ``mass``."""

    cell: int
    rank: int
    anchor: np.ndarray
    direction: np.ndarray
    t_min: float
    t_max: float
    mass: float


class SingularPart(NamedTuple):
    """The part of :math:`f_\\# P` without density: total ``mass`` (in [0, 1]) and ``pieces``."""

    mass: float
    pieces: tuple


def _recession(polygon):
    """Generators of the recession cone of a polygon (exact 2-vectors) and some of its points."""
    normals, vertices = polygon.normals, polygon.vertices
    travel = [(-a2, a1) for a1, a2 in normals]
    if polygon.bounded:
        return [], list(vertices)
    if not normals:
        return [(1, 0), (-1, 0), (0, 1), (0, -1)], [(Fraction(0), Fraction(0))]
    if not vertices:  # a half-plane or a strip
        (a1, a2), b = normals[0], polygon.offsets[0]
        foot = (b * a1 / (a1 * a1 + a2 * a2), b * a2 / (a1 * a1 + a2 * a2))
        t1, t2 = travel[0]
        cone = [(t1, t2), (-t1, -t2)] + ([(-a1, -a2)] if len(normals) == 1 else [])
        return cone, [foot]
    (t1, t2), (u1, u2) = travel[0], travel[-1]
    return [(-t1, -t2), (u1, u2)], list(vertices)


def _image(cell) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(anchor, direction, t_min, t_max) of f(cell) for rank <= 1 (exact, then rounded)."""
    (a, b), (c, d) = cell.matrix
    anchor = np.array([float(v) for v in cell.offset])
    if _rank(cell.matrix) == 0:
        return anchor, np.zeros(2), 0.0, 0.0
    v = (a, b) if (a, b) != (0, 0) else (c, d)
    vv = v[0] * v[0] + v[1] * v[1]
    u = tuple((row[0] * v[0] + row[1] * v[1]) / vv for row in cell.matrix)  # A = u v^T
    cone, points = _recession(cell.polygon)
    values = [v[0] * p[0] + v[1] * p[1] for p in points]
    slopes = [v[0] * g[0] + v[1] * g[1] for g in cone]
    t_min = -math.inf if any(s < 0 for s in slopes) else float(min(values))
    t_max = math.inf if any(s > 0 for s in slopes) else float(max(values))
    return anchor, np.array([float(w) for w in u]), t_min, t_max


def singular_part(model: LatentModel) -> SingularPart:
    """The mass of :math:`f_\\# P` carried by the cells on which f has rank <= 1 (m = n = 2).

    Each such cell's mass :math:`\\sum_j \\lambda_j P_j(R_k)` is a polygon mass
    (:func:`exactid.density.polygon_mass.log_polygon_mass1`, relative error about 1e-14).

    Returns
    -------
    SingularPart
        ``mass`` is 0 and ``pieces`` empty when f has full rank on every cell.
    """
    _check(model, "the singular part")
    from .cell_kernels import log_cell_mass1  # numba: compiled or loaded on first use

    prior = model.prior
    keep = np.flatnonzero(prior.weights > 0)
    chols = [np.linalg.cholesky(prior.covs[j]) for j in keep]
    pieces = []
    for k, cell in enumerate(model.polygons):
        rank = _rank(cell.matrix)
        if rank == 2:
            continue
        normals, offsets, _ = cell.polygon.arrays()
        logs = [math.log(prior.weights[j]) + log_cell_mass1(
                    np.ascontiguousarray(normals @ chol), offsets - normals @ prior.means[j])
                for j, chol in zip(keep, chols)]
        top = max(logs)
        mass = 0.0 if top == -math.inf else math.exp(top) * sum(math.exp(v - top) for v in logs)
        anchor, direction, t_min, t_max = _image(cell)
        pieces.append(SingularPiece(k, rank, anchor, direction, t_min, t_max, mass))
    return SingularPart(float(sum(p.mass for p in pieces)), tuple(pieces))
