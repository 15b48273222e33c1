"""Injectivity of a trained decoder: exact where feasible, sound one-sided checks otherwise.

A VaDE decoder of the paper's size (m -> 64 -> 512 -> 512 -> n, 1088 hidden units) has far too
many linear regions for exactid's exact decision (:func:`exactid.check_injectivity`), whose cost
grows with the number of cells: a 2 -> 16 -> 32 -> 2 network already has about a thousand.
So three things are reported, each with what it proves:

1. Appendix H, Corollary H.4 (leaky ReLU): non-decreasing widths and every layer of full column
   rank imply (F4).  A decoder that narrows to n < 512 cannot meet it, so for the paper's
   architecture it is inconclusive, never "fails".
2. An orientation scan of the latent region the data occupy (m = n): the Jacobian of every
   linear piece met on a grid.  An injective continuous map R^m -> R^m is open with a constant
   local degree (invariance of domain), so two full-rank pieces of opposite orientation, or
   one piece of rank < m (for any n), prove that (F4) fails; the two grid points are the
   witness.  Finding neither proves nothing (thin pieces can fall between grid points).
3. The exact decision of :func:`exactid.check_injectivity` when the decoder has at most
   ``exact_max_hidden`` hidden units (e.g. a decoder trained with small ``decoder_hidden``).
"""

from __future__ import annotations

import numpy as np

from exactid import ReluNet, check_injectivity
from exactid.identifiability import layer_conditions

__all__ = ["check_decoder", "piece_jacobians", "DEFAULT_EXACT_MAX_HIDDEN"]

#: Largest number of hidden units for which the exact region-based decision is attempted.
DEFAULT_EXACT_MAX_HIDDEN = 24
#: Singular values below this fraction of the largest one over the scan count as zero.
RANK_RTOL = 1e-10
#: Points whose pre-activations come this close (relatively) to 0 count as on a boundary.
BOUNDARY_RTOL = 1e-9


def piece_jacobians(net, z, chunk: int = 2048, *, return_interior: bool = False):
    """Jacobians of the linear pieces of ``net`` containing the points ``z``.

    Parameters
    ----------
    net : exactid.ReluNet
    z : ndarray, shape (P, m)
    return_interior : bool
        Also return which points lie in the interior of a piece: every hidden pre-activation
        is farther than ``BOUNDARY_RTOL`` (relative to its layer's largest) from 0.  On a
        boundary the activation pattern may belong to no full-dimensional piece, so those
        points must not be used as witnesses.

    Returns
    -------
    jac : ndarray, shape (P, n, m)
        ``W_L D_{L-1} W_{L-1} ... D_1 W_1``, ``D_i`` the diagonal of activation slopes (1 or
        the negative slope) at the point.
    interior : ndarray of bool, shape (P,)
        Only with ``return_interior``.
    """
    z = np.asarray(z, dtype=float)
    a = net.negative_slope
    out = np.empty((z.shape[0], net.output_dim, net.input_dim))
    interior = np.ones(z.shape[0], dtype=bool)
    for s in range(0, z.shape[0], chunk):
        h = z[s:s + chunk]
        p, m = h.shape
        # Forward-mode derivatives, one row block per input direction: (m * p, width) @ W^T
        # is one BLAS call per layer.
        tangent = np.repeat(np.eye(m), p, axis=0)
        for i, (w, b) in enumerate(zip(net.weights, net.biases)):
            h = h @ w.T + b
            tangent = tangent @ w.T
            if i < net.n_layers - 1:
                top = np.maximum(np.abs(h).max(1), 1.0)
                interior[s:s + chunk] &= np.abs(h).min(1) > BOUNDARY_RTOL * top
                slope = np.where(h > 0, 1.0, a)
                h = h * slope
                tangent = tangent * np.tile(slope, (m, 1))
        out[s:s + chunk] = tangent.reshape(m, p, -1).transpose(1, 2, 0)
    return (out, interior) if return_interior else out


def _appendix_h(net) -> dict:
    widths, nondecreasing, full_rank = layer_conditions(net)
    slope = net.negative_slope
    holds = bool(slope > 0 and slope != 1.0 and nondecreasing and full_rank)
    return {"statement": "leaky ReLU, m = n0 <= n1 <= ... <= nt = n, every layer of full "
                         "column rank => (F4) (Corollary H.4)",
            "widths": widths, "widths_nondecreasing": nondecreasing,
            "every_layer_full_column_rank": bool(full_rank), "conditions_hold": holds,
            "verdict": "F4 holds" if holds else "inconclusive (sufficient conditions not met)"}


def _scan(net, latents, grid: int, pad: float) -> dict:
    lo, hi = latents.min(0), latents.max(0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    m, n = net.input_dim, net.output_dim
    axes = [np.linspace(lo[k], hi[k], grid) for k in range(m)]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, m)
    jac, interior = piece_jacobians(net, points, return_interior=True)
    points, jac = points[interior], jac[interior]
    if len(points) == 0:
        return {"grid": grid, "points": 0, "F4": None, "witness": {},
                "reason": "every grid point lies on a piece boundary; nothing scanned"}
    sv = np.linalg.svd(jac, compute_uv=False)                       # (P, min(n, m))
    scale = float(sv.max()) if sv.size else 0.0
    rank = (sv > RANK_RTOL * scale).sum(1) if scale > 0 else np.zeros(len(points), int)
    out = {"grid": grid, "box": [lo.tolist(), hi.tolist()], "points": int(len(points)),
           "min_rank": int(rank.min()), "smallest_singular_value": float(sv[:, -1].min()),
           "largest_singular_value": scale}
    deficient = np.flatnonzero(rank < m)
    if deficient.size:
        k = int(deficient[0])
        out.update(F4=False, reason=f"a linear piece of rank {int(rank[k])} < m = {m}: f is "
                   "not injective on it", witness={"z": points[k].tolist()})
        return out
    if m == n:
        det = np.linalg.det(jac)
        pos, neg = np.flatnonzero(det > 0), np.flatnonzero(det < 0)
        out.update(fraction_positive=float(pos.size / len(points)),
                   fraction_negative=float(neg.size / len(points)))
        if pos.size and neg.size:
            out.update(F4=False, reason="full-rank pieces of both orientations: the local "
                       "degree of an injective map R^m -> R^m is constant (invariance of "
                       "domain), so f is not injective",
                       witness={"z_positive": points[pos[0]].tolist(),
                                "z_negative": points[neg[0]].tolist()})
            return out
    out.update(F4=None, reason="no violation found on the grid (not a proof of injectivity)",
               witness={})
    return out


def check_decoder(net, latents, *, grid: int = 200, pad: float = 0.05,
                  exact_max_hidden: int = DEFAULT_EXACT_MAX_HIDDEN) -> dict:
    """Injectivity report of a trained decoder (see the module docstring).

    Parameters
    ----------
    net : exactid.ReluNet
        The decoder ``R^m -> R^n``.
    latents : ndarray, shape (N, m)
        Encoded data; the scan covers their bounding box, widened by ``pad`` on each side.
    grid : int
        Grid points per latent axis (``grid ** m`` points in all).
    exact_max_hidden : int
        Attempt :func:`exactid.check_injectivity` only up to this many hidden units.

    Returns
    -------
    dict
        JSON-ready: ``appendix_h``, ``scan``, ``exact`` (the exact report's verdicts or the
        reason it was skipped) and ``F4``: the strongest conclusion (True, False or None).
    """
    if not isinstance(net, ReluNet):
        raise ValueError(f"net: expected an exactid.ReluNet, found {type(net).__name__}")
    latents = np.asarray(latents, dtype=float)
    if latents.ndim != 2 or latents.shape[1] != net.input_dim or len(latents) == 0:
        raise ValueError(f"latents: expected an array of shape (N, {net.input_dim}), "
                         f"found shape {latents.shape}")
    if not np.isfinite(latents).all():
        raise ValueError("latents: expected finite values, found NaN or inf")
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 2:
        raise ValueError(f"grid: expected an integer >= 2, found {grid!r}")
    hidden = sum(w.shape[0] for w in net.weights[:-1])
    report = {"hidden_units": int(hidden), "appendix_h": _appendix_h(net),
              "scan": _scan(net, latents, int(grid), float(pad))}
    exact_f4 = None
    if net.input_dim > net.output_dim or net.input_dim > 3:
        report["exact"] = {"skipped": f"m = {net.input_dim}, n = {net.output_dim}: the exact "
                                      "check needs m <= n and m <= 3"}
    elif hidden > exact_max_hidden:
        report["exact"] = {"skipped": f"{hidden} hidden units > exact_max_hidden = "
                                      f"{exact_max_hidden}: too many linear regions"}
    else:
        exact = check_injectivity(net).to_dict()
        report["exact"] = {k: exact[k] for k in ("F2", "F3", "F4", "reasons", "n_regions")}
        exact_f4 = exact["F4"]
    if exact_f4 is not None:
        report["F4"] = bool(exact_f4)
    elif report["appendix_h"]["conditions_hold"]:
        report["F4"] = True
    else:
        report["F4"] = report["scan"]["F4"]
    return report
