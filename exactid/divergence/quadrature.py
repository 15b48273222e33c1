r"""Quadrature over x: the adaptive Gauss-Legendre integrator, its meshes, window and tails.

The population quantities of :mod:`exactid.divergence.likelihood` are integrals over x of
smooth but possibly sharply featured integrands.  This module holds everything about *how*
they are integrated, so that the adaptive integrator, the fixed rule of the exhaustive search
(:mod:`exactid.search.rule`) and the 40-digit references share one window, one tail bound and
one way of cutting the line into cells:

* :func:`integration_window` -- p's window (all but ``4 Phi(-13) ~ 2.5e-38`` of its mass) and
  the forced cell boundaries (images of both models' breakpoints and component means);
* :func:`graded_edges` -- a geometric mesh graded towards every feature down to its width, so
  a tiny noise costs ``log(window / sigma)`` cells per feature instead of ``window / sigma``;
  :func:`uniform_edges` -- cells no wider than a given width, for the fixed rules;
* :func:`integrate_1d` -- adaptive composite Gauss-Legendre with an honest error estimate;
* :func:`tail_bound` -- the charge for what lies outside the window.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import limits
from ..density import log_pdf, piece_arrays
from ..errors import LimitExceeded
from ..models import LatentModel
from ..validation import check_number

__all__ = ["Integral", "integrate_1d", "graded_edges", "uniform_edges", "integration_window",
           "features", "tail_bound", "check_tol", "WINDOW_SD", "TAIL_MASS", "TAIL_FACTOR",
           "EVAL_RTOL"]

#: Half-width of the integration window in standard deviations (z-window and noise).
WINDOW_SD = 13.0
#: Gauss-Legendre order of the basic rule.
GL_ORDER = 20
#: Maximal number of refinement rounds (each halves the rejected cells).
MAX_ROUNDS = 40
#: Default relative accuracy of integrand values: the log densities are accurate to ~1e-14
#: relative in p where it matters, the rule's own sums to a few eps.
EVAL_RTOL = 64 * np.finfo(float).eps
#: Refinement stops (reporting the remaining disagreement as error) beyond this many cells.
MAX_CELLS = limits.MAX_QUADRATURE_CELLS
#: Initial cells of a population integral are at most this fraction of the window wide.
BASE_CELLS = 64
#: Mass of p outside its window: the latent leaves its WINDOW_SD window or the noise its own.
TAIL_MASS = 4.0 * 0.5 * math.erfc(WINDOW_SD / math.sqrt(2.0))  # 4 Phi(-WINDOW_SD)
#: Outside the window ``|log q|`` is charged this many times its value at the window's ends, a
#: generous bound for Gaussian tails that far out.
TAIL_FACTOR = 10.0



class Integral(NamedTuple):
    """A quadrature result.

    Attributes
    ----------
    value : float
    error : float
        Estimated absolute error (quadrature disagreement + neglected-tail bound).
    n_evals : int
        Number of integrand evaluations.
    """

    value: float
    error: float
    n_evals: int



def _gauss_legendre():
    nodes, weights = np.polynomial.legendre.leggauss(GL_ORDER)
    return nodes, weights



def integrate_1d(fun, breakpoints, tol: float, min_cells_per_unit: float = 0.0,
                 eval_rtol: float = EVAL_RTOL, max_cells: int = MAX_CELLS) -> Integral:
    """Adaptive composite Gauss-Legendre quadrature of a vectorised function.

    Parameters
    ----------
    fun : callable
        ``fun(x)`` with ``x`` of shape (N,) returns shape (N,).
    breakpoints : array_like, shape (P,)
        Sorted points (at least two); the first and last are the integration limits and the
        others are forced cell boundaries.
    tol : float
        Absolute tolerance, shared among cells in proportion to their width.
    min_cells_per_unit : float
        Initial cells are at most ``1 / min_cells_per_unit`` wide (0 for no limit).
    eval_rtol : float
        Relative accuracy of the values of ``fun`` (and of the rule's own arithmetic): a cell
        is also accepted when the two rules agree within ``eval_rtol * integral of |fun|`` over
        it, since no refinement can resolve differences below that.
    max_cells : int
        Refinement stops when more cells than this would need refining; their disagreement
        then goes into the reported error (no silent failure, bounded memory).

    Returns
    -------
    Integral
        ``error`` is the sum over cells of the rule disagreement plus ``eval_rtol`` times the
        integral of ``|fun|``: an estimate of the quadrature error and a bound on the part due
        to the evaluation of ``fun``.
    """
    check_tol(tol)
    points = np.unique(np.asarray(breakpoints, dtype=float))
    if points.size < 2:
        return Integral(0.0, 0.0, 0)
    if not np.isfinite(points).all():
        raise ValueError("breakpoints: expected finite numbers")
    total_width = points[-1] - points[0]
    if min_cells_per_unit > 0:
        points = uniform_edges(points, 1.0 / min_cells_per_unit, max_cells,
                               f"min_cells_per_unit ({min_cells_per_unit:g})")
    if points.size - 1 > max_cells:
        raise LimitExceeded(f"breakpoints: {points.size - 1} initial cells, more than max_cells "
                            f"= {max_cells}", "max_cells")
    a, b = points[:-1], points[1:]
    rule = _rule(fun)
    value, error, n_evals = 0.0, 0.0, 0
    for _ in range(MAX_ROUNDS):
        mid = 0.5 * (a + b)
        whole, _ = rule(a, b)
        left_int, left_abs = rule(a, mid)
        right_int, right_abs = rule(mid, b)
        halves = left_int + right_int
        n_evals += 3 * GL_ORDER * a.size
        disagreement = np.abs(whole - halves)
        evaluation = eval_rtol * (left_abs + right_abs)
        share = tol * (b - a) / total_width
        accept = (disagreement <= share + evaluation) | (b - a <= 1e-12 * total_width)
        if 2 * np.count_nonzero(~accept) > max_cells:
            accept[:] = True  # out of budget: keep the estimate, report its disagreement
        value += halves[accept].sum()
        error += (disagreement + evaluation)[accept].sum()
        if accept.all():
            return Integral(float(value), float(error), n_evals)
        a, b = (np.concatenate([a[~accept], mid[~accept]]),
                np.concatenate([mid[~accept], b[~accept]]))
    # Out of rounds: keep the best estimate and report the honest (large) error.
    mid = 0.5 * (a + b)
    left_int, left_abs = rule(a, mid)
    right_int, right_abs = rule(mid, b)
    halves = left_int + right_int
    value += halves.sum()
    error += (np.abs(rule(a, b)[0] - halves) + eval_rtol * (left_abs + right_abs)).sum()
    return Integral(float(value), float(error), n_evals)



def _rule(fun):
    """``rule(lo, hi)``: the Gauss-Legendre integrals of ``fun`` and ``|fun|`` over each cell."""
    nodes, weights = _gauss_legendre()

    def rule(lo, hi):
        half = 0.5 * (hi - lo)[:, None]
        x = (0.5 * (hi + lo))[:, None] + half * nodes
        values = fun(x.ravel()).reshape(x.shape) * weights * half
        return values.sum(axis=1), np.abs(values).sum(axis=1)

    return rule


def check_tol(tol) -> float:
    """A quadrature tolerance: a finite number > 0."""
    return check_number(tol, "tol", "a finite number > 0", lambda v: v > 0)



def features(model: LatentModel) -> tuple[np.ndarray, np.ndarray]:
    """Where the density of ``model`` can vary fast, and on what scale.

    Returns ``(locations, scales)``: every finite image of a breakpoint with the noise sd
    (the width of the transition of a term there, and of the spike of a flat piece), and the
    mean image ``A_k mu_j + B_k`` of every term with its sd ``sqrt(A_k^2 s_j^2 + sigma^2)``.
    Between these points the density is smooth on the scale of the sds of its terms.
    """
    pa = piece_arrays(model)
    slopes, intercepts, f_lo = pa.slopes, pa.intercepts, pa.f_lo
    prior = model.prior
    keep = prior.weights > 0
    mu, s2 = prior.means[keep, 0], prior.variances[keep]
    sigma = model.noise_std
    breaks = f_lo[np.isfinite(f_lo)]
    with np.errstate(over="ignore", invalid="ignore"):
        means = (slopes[:, None] * mu + intercepts[:, None]).ravel()
        sds = np.sqrt(slopes[:, None] ** 2 * s2 + sigma * sigma).ravel()
    locations = np.concatenate([breaks, means])
    scales = np.concatenate([np.full(breaks.size, sigma), sds])
    ok = np.isfinite(locations) & np.isfinite(scales) & (scales > 0)
    return locations[ok], scales[ok]



def graded_edges(x_min: float, x_max: float, points, features) -> np.ndarray:
    """Initial cell edges for an integrand with localized features: a geometric mesh.

    Parameters
    ----------
    x_min, x_max : float
        The window.
    points : array_like, shape (P,)
        Forced edges (kept if inside the window).
    features : tuple of ndarray, each of shape (F,)
        ``(locations, scales)``: near each location the mesh is graded geometrically, edges at
        ``t +- scale * 2^i`` for ``i = 0, 1, ...`` until the spacing reaches the base width
        ``(x_max - x_min) / BASE_CELLS``, so a feature of width ``scale`` is resolved by a few
        cells however small it is, at a cost of ``log2(window / scale)`` edges per feature
        (instead of ``window / scale`` for a uniform mesh).

    Returns
    -------
    ndarray
        Sorted distinct edges, ``x_min`` and ``x_max`` included.
    """
    width = x_max - x_min
    base = width / BASE_CELLS
    edges = [np.linspace(x_min, x_max, BASE_CELLS + 1), np.asarray(points, dtype=float)]
    locations, scales = features
    inside = (locations >= x_min - base) & (locations <= x_max + base)
    locations, scales = locations[inside], np.minimum(scales[inside], base)
    if locations.size:
        levels = np.ceil(np.log2(base / scales)).astype(np.int64)
        top = int(levels.max())
        steps = 2.0 ** -np.arange(top + 1)  # base, base / 2, ..., base / 2^top
        for t, lev in zip(locations, levels):
            offsets = base * steps[: lev + 1]
            edges.append(t - offsets)
            edges.append(t + offsets)
            edges.append([t])
    out = np.unique(np.concatenate(edges))
    return out[(out >= x_min) & (out <= x_max)]



def integration_window(p: LatentModel, q: LatentModel):
    """Integration window of p and the forced cell boundaries from both models."""
    keep = p.prior.weights > 0
    mu = p.prior.means[keep, 0]
    s = np.sqrt(p.prior.variances[keep])
    # Image of each component's z-window [mu - W s, mu + W s] under f: extremes are attained at
    # the window ends or at breakpoints inside it.
    breaks = p.pieces.breakpoints
    x_min, x_max = np.inf, -np.inf
    for m, sd in zip(mu, s):
        z = np.concatenate([[m - WINDOW_SD * sd, m + WINDOW_SD * sd],
                            breaks[np.abs(breaks - m) < WINDOW_SD * sd]])
        fz = p.pieces(z)[:, 0]
        x_min, x_max = min(x_min, fz.min()), max(x_max, fz.max())
    x_min -= WINDOW_SD * p.noise_std
    x_max += WINDOW_SD * p.noise_std
    points = [x_min, x_max]
    for model in (p, q):
        pa = piece_arrays(model)
        sl, ic, flo = pa.slopes, pa.intercepts, pa.f_lo
        pr = model.prior
        points.extend(flo[np.isfinite(flo)])
        points.extend((sl[:, None] * pr.means[pr.weights > 0, 0] + ic[:, None]).ravel())
    points = np.asarray(points)
    points = points[(points >= x_min) & (points <= x_max)]
    return x_min, x_max, np.sort(points)


def uniform_edges(points, width: float, max_cells: int, what: str = "cells") -> np.ndarray:
    """Edges that keep every point of ``points`` (sorted, distinct) and cut each gap between
    them into equal cells no wider than ``width``.

    Raises
    ------
    LimitExceeded
        If that takes more than ``max_cells`` cells (``what`` names them in the message).
    """
    points = np.asarray(points, dtype=float)
    counts = np.maximum(1, np.ceil(np.diff(points) / width)).astype(np.int64)
    if counts.sum() > max_cells:
        raise LimitExceeded(f"{what}: cells of width {width:g} over [{points[0]:.6g}, "
                            f"{points[-1]:.6g}] would number {counts.sum()}, more than "
                            f"{max_cells}", "max_cells")
    edges = [points[:1]]
    for a, b, n in zip(points[:-1], points[1:], counts):
        edges.append(np.linspace(a, b, n + 1)[1:])
    return np.concatenate(edges)


def tail_bound(p: LatentModel, q: LatentModel, x_min: float, x_max: float) -> float:
    """Bound on the part of the integral of ``p (log p - log q)`` (or ``-p log q``) outside
    ``[x_min, x_max]``: p's mass there is at most :data:`TAIL_MASS`, and ``|log q|`` grows at
    most quadratically, charged :data:`TAIL_FACTOR` times its value at the window's ends."""

    ends = np.array([x_min, x_max])
    edge = np.abs(log_pdf(q, ends)).max() + np.abs(log_pdf(p, ends)).max()
    return float(TAIL_MASS * TAIL_FACTOR * (1.0 + edge))
