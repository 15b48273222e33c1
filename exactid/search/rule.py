"""The fixed quadrature rule of the exhaustive search: nodes and weights for ``-int p log q``.

Every grid point of a search is scored with the same nodes: composite 21-point Gauss-Kronrod
on cells no wider than ``MAX_CELL_SD`` times the smallest noise sd, with the reference
density folded into the weights, refined until probe integrands (p times functions varying on
the noise scale) agree between the Kronrod and the embedded Gauss rule to ``RULE_TOL``.  The
window and the tail bound are those of :mod:`exactid.divergence.quadrature`, so the fixed rule
and the adaptive integrator charge the same tails.
"""

from __future__ import annotations

import numpy as np

from ..density import log_pdf
from ..divergence.kronrod import gauss_kronrod
from ..divergence.quadrature import (
    TAIL_FACTOR,
    TAIL_MASS,
    integration_window,
    uniform_edges,
)
from ..errors import LimitExceeded
from ..models import LatentModel

__all__ = ["quadrature_rule", "MAX_CELL_SD", "RULE_TOL", "MAX_RULE_CELLS"]

#: Initial cells of the fixed rule are at most this many noise standard deviations wide.
MAX_CELL_SD = 2.0
#: Absolute tolerance of the probe integrals that shape the fixed rule's cells.
RULE_TOL = 1e-13
#: Refinement of the fixed rule stops beyond this many cells.
MAX_RULE_CELLS = 4096


# -- the fixed quadrature rule ----------------------------------------------------------------
def quadrature_rule(reference: LatentModel, min_noise_std: float | None = None):
    """Nodes and weights of the fixed rule for :math:`-\\int p \\log q`, p the reference.

    Parameters
    ----------
    reference : LatentModel
        The model p (m = n = 1, ``noise_std > 0``).
    min_noise_std : float, optional
        Smallest noise of the candidates q (cells are at most half of the smaller of this and
        p's noise wide); default p's noise.

    Returns
    -------
    x : ndarray, shape (N + 2,)
        Nodes; the last two are the window ends (weight 0, used for the tail bound).
    w_main, w_check : ndarray, shape (N + 2,)
        Kronrod and embedded Gauss weights multiplied by p(x).
    tail_coef : float
        The tail bound is ``tail_coef * (1 + max |log q| at the window ends)`` (as in
        :func:`exactid.divergence.cross_entropy`).
    """

    sigma = reference.noise_std if min_noise_std is None else min(min_noise_std,
                                                                   reference.noise_std)
    x_min, x_max, points = integration_window(reference, reference)
    points = np.unique(np.concatenate([[x_min, x_max], points]))
    nodes, wk, wg = gauss_kronrod(10)
    centre = 0.5 * (x_min + x_max)

    def probes(x):
        """p times functions varying on the scale sigma (stand-ins for log q)."""
        log_p = log_pdf(reference, x)
        p = np.exp(log_p)
        u = (x - centre) / sigma
        p_log_p = np.where(p > 0, p * np.where(p > 0, log_p, 0.0), 0.0)
        return p, np.stack([p, p_log_p, p * np.sin(u), p * np.cos(u)])

    # Start from cells at most MAX_CELL_SD noise sds wide; halve every cell on which a probe's
    # Kronrod and Gauss results differ by more than its share of RULE_TOL.
    try:
        edges = uniform_edges(points, MAX_CELL_SD * sigma, MAX_RULE_CELLS,
                              f"family (smallest noise sd {sigma:g})")
    except LimitExceeded as exc:
        raise LimitExceeded(f"{exc}; use larger noise_stds", "MAX_RULE_CELLS") from None
    lo, hi = np.asarray(edges[:-1]), np.asarray(edges[1:])
    done_lo, done_hi = [], []
    total = x_max - x_min
    for _ in range(60):
        half = 0.5 * (hi - lo)[:, None]
        x = (0.5 * (hi + lo))[:, None] + half * nodes
        _, vals = probes(x.ravel())
        vals = vals.reshape(vals.shape[0], *x.shape)
        diff = np.abs(((vals * (wk - wg)) * half).sum(axis=2))
        # Differences below the rounding of the values themselves cannot be resolved.
        floor = 64 * np.finfo(float).eps * (np.abs(vals) * wk * half).sum(axis=2)
        ok = ((diff <= RULE_TOL * (hi - lo) / total + floor).all(axis=0)
              | (hi - lo <= 1e-9 * total))
        if lo.size > MAX_RULE_CELLS:
            ok[:] = True  # bounded work; the per-candidate error estimates still apply
        done_lo.append(lo[ok])
        done_hi.append(hi[ok])
        if ok.all():
            break
        mid = 0.5 * (lo + hi)
        lo, hi = np.concatenate([lo[~ok], mid[~ok]]), np.concatenate([mid[~ok], hi[~ok]])
    lo, hi = np.concatenate(done_lo + [lo[:0]]), np.concatenate(done_hi + [hi[:0]])
    order = np.argsort(lo)
    lo, hi = lo[order], hi[order]
    half = 0.5 * (hi - lo)[:, None]
    x = ((0.5 * (hi + lo))[:, None] + half * nodes).ravel()
    p = np.exp(log_pdf(reference, x))
    w_main = (half * wk).ravel() * p
    w_check = (half * wg).ravel() * p
    # The tail charge of exactid.divergence.quadrature.tail_bound.
    tail_coef = float(TAIL_MASS * TAIL_FACTOR)
    x = np.concatenate([x, [x_min, x_max]])
    w_main = np.concatenate([w_main, [0.0, 0.0]])
    w_check = np.concatenate([w_check, [0.0, 0.0]])
    return x, w_main, w_check, tail_coef
