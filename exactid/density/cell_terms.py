r"""The per-(cell, component) constants of the exact density for latent dimension 1 or 2.

What to use when: :func:`cell_terms` once per model (it is cached on the model by
:func:`exactid.density.log_pdf`); the numba kernel
:func:`exactid.density.cell_kernels.log_pdf_cells` and the NumPy path
:func:`exactid.density.multivariate.log_pdf_cells_numpy` evaluate the density from these arrays.
This module is plain NumPy: it does the linear algebra that does not depend on x.

On a cell :math:`R_k` of the decoder, :math:`f(z) = A z + c` (A of shape (n, m)), and for a
component :math:`N(\mu, \Sigma)` of the prior completing the square gives

.. math::

    \lambda N(z; \mu, \Sigma)\, N(x; A z + c, \sigma^2 I)
      = \lambda N(x; A\mu + c, C)\, N(z; m^*(x), S^*),

with :math:`C = \sigma^2 I + A \Sigma A^T`, :math:`S^* = (\Sigma^{-1} + A^T A/\sigma^2)^{-1}`
and :math:`m^*(x) = u_0 + G x`, :math:`G = S^* A^T / \sigma^2`,
:math:`u_0 = S^* \Sigma^{-1} \mu - G c`.  So
:math:`p(x) = \sum_{k, j} \lambda_j N(x; A_k\mu_j + c_k, C_{jk}) P(Z^*_{jk} \in R_k)`.

Each term is stored in whitened form: with :math:`S^* = L L^T` (Cholesky) and
:math:`Z^* = m^* + L W`, :math:`W \sim N(0, I_m)`, the cell
:math:`\{z : a_i \cdot z \le b_i\}` becomes :math:`\{w : r_i \cdot w \le \beta_i - \gamma_i
\cdot x\}` with :math:`r_i = L^T a_i`, :math:`\beta_i = b_i - a_i \cdot u_0` and
:math:`\gamma_i = G^T a_i`: rows that do not depend on x, offsets affine in x.  The Gaussian
factor is :math:`\ell - \tfrac12 \lVert M (x - \nu) \rVert^2` with :math:`\nu = A\mu + c`,
:math:`M = \operatorname{chol}(C)^{-1}` and
:math:`\ell = \log\lambda - \tfrac n2 \log 2\pi - \tfrac12 \log\det C`.

Rounding: every constant is computed in float64 from the float cells (the exact rational cells
of :func:`exactid.regions.polygons_2d` / :func:`exactid.regions.pieces_1d` rounded once).  The
whitened offsets then carry an absolute error of a few ``eps * |x| * |G|`` in units of the
whitened coordinate, about ``eps * |x| / sigma`` for a decoder of unit gain, which is what
bounds the density's accuracy at small noise (see :mod:`exactid.density.multivariate`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..models import LatentModel

__all__ = ["CellTerms", "cell_terms", "cell_geometry"]

LOG_2PI = math.log(2.0 * math.pi)


class CellTerms(NamedTuple):
    """The terms of the density of a model with m in {1, 2}, flattened for the kernels.

    T terms (one per cell with a positive-weight component), K rows in all, n = observed
    dimension, m = latent dimension.

    Attributes
    ----------
    log_const : ndarray, shape (T,)
        :math:`\\ell`: log weight, normalising constant and log determinant of C.
    mean : ndarray, shape (T, n)
        :math:`\\nu = A\\mu + c`.
    chol_inv : ndarray, shape (T, n, n)
        :math:`M`, lower triangular, with :math:`M^T M = C^{-1}`.
    row_start : ndarray of int64, shape (T + 1,)
        The rows of term t are ``row_start[t]:row_start[t + 1]`` (none: the whole space).
    rows : ndarray, shape (K, m)
        :math:`r_i`, the whitened normals.
    beta : ndarray, shape (K,)
    gamma : ndarray, shape (K, n)
        The whitened offset of row i at x is ``beta[i] - gamma[i] @ x``.
    cell : ndarray of int64, shape (T,)
        The cell of each term (index into the model's cells).
    component : ndarray of int64, shape (T,)
        The prior component of each term.
    """

    log_const: np.ndarray
    mean: np.ndarray
    chol_inv: np.ndarray
    row_start: np.ndarray
    rows: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    cell: np.ndarray
    component: np.ndarray

    @property
    def latent_dim(self) -> int:
        """m."""
        return self.rows.shape[1]


def cell_geometry(model: LatentModel) -> list[tuple[np.ndarray, ...]]:
    """The decoder's cells as float arrays: one ``(normals (E, m), offsets (E,), A (n, m),
    c (n,))`` per cell, the cell being ``{z : normals @ z <= offsets}``.

    For m = 2 these are the polygons of :attr:`LatentModel.polygons` rounded once; for m = 1 the
    pieces ``[lo, hi]`` of :attr:`LatentModel.pieces` as the rows ``z <= hi`` and ``-z <= -lo``
    (an infinite end gives no row).
    """
    m = model.latent_dim
    cells = []
    if m == 1:
        pieces = model.pieces
        for k in range(pieces.n_pieces):
            lo, hi = pieces.lo[k], pieces.hi[k]
            normals = [[1.0]] * bool(np.isfinite(hi)) + [[-1.0]] * bool(np.isfinite(lo))
            offsets = [hi] * bool(np.isfinite(hi)) + [-lo] * bool(np.isfinite(lo))
            cells.append((np.array(normals, dtype=float).reshape(-1, 1),
                          np.array(offsets, dtype=float),
                          np.asarray(pieces.slopes[k], dtype=float).reshape(-1, 1),
                          np.asarray(pieces.intercepts[k], dtype=float)))
        return cells
    for cell in model.polygons:
        normals, offsets, _ = cell.polygon.arrays()
        matrix, offset = cell.map_arrays()
        cells.append((normals, offsets, matrix, offset))
    return cells


def _whitening(matrix, sigma, cov_inv, mu):
    """(L (m, m), G (m, n), u0 (m,)) for one (cell, component) pair, c not yet applied."""
    precision = cov_inv + matrix.T @ matrix / sigma**2
    s_star = np.linalg.inv(precision)
    s_star = 0.5 * (s_star + s_star.T)
    chol = np.linalg.cholesky(s_star)
    gain = s_star @ matrix.T / sigma**2
    return chol, gain, s_star @ (cov_inv @ mu)


def cell_terms(model: LatentModel) -> CellTerms:
    """The flattened per-(cell, component) constants of the density of ``model`` (sigma > 0).

    Parameters
    ----------
    model : LatentModel
        m in {1, 2}, any n >= m, ``noise_std > 0``.

    Returns
    -------
    CellTerms
        Components of weight 0 are left out.
    """
    sigma = model.noise_std
    n = model.observed_dim
    prior = model.prior
    keep = np.flatnonzero(prior.weights > 0)
    cov_inv = [np.linalg.inv(prior.covs[j]) for j in keep]
    log_const, mean, chol_inv, rows, beta, gamma, cell_ids, comp_ids = ([] for _ in range(8))
    row_start = [0]
    for k, (normals, offsets, matrix, offset) in enumerate(cell_geometry(model)):
        for jj, j in enumerate(keep):
            mu, cov = prior.means[j], prior.covs[j]
            cov_x = sigma**2 * np.eye(n) + matrix @ cov @ matrix.T
            chol_x = np.linalg.cholesky(0.5 * (cov_x + cov_x.T))
            log_const.append(math.log(prior.weights[j]) - 0.5 * n * LOG_2PI
                             - float(np.log(np.diag(chol_x)).sum()))
            mean.append(matrix @ mu + offset)
            chol_inv.append(np.linalg.inv(chol_x))
            chol, gain, u_mu = _whitening(matrix, sigma, cov_inv[jj], mu)
            u0 = u_mu - gain @ offset
            rows.append(normals @ chol)
            beta.append(offsets - normals @ u0)
            gamma.append(normals @ gain)
            row_start.append(row_start[-1] + normals.shape[0])
            cell_ids.append(k)
            comp_ids.append(j)
    m = model.latent_dim
    return CellTerms(
        log_const=np.array(log_const),
        mean=np.ascontiguousarray(np.array(mean).reshape(-1, n)),
        chol_inv=np.ascontiguousarray(np.array(chol_inv).reshape(-1, n, n)),
        row_start=np.array(row_start, dtype=np.int64),
        rows=np.ascontiguousarray(np.concatenate(rows).reshape(-1, m)),
        beta=np.ascontiguousarray(np.concatenate(beta)),
        gamma=np.ascontiguousarray(np.concatenate(gamma).reshape(-1, n)),
        cell=np.array(cell_ids, dtype=np.int64),
        component=np.array(comp_ids, dtype=np.int64),
    )
