r"""Likelihood-based discrepancies between 1-D models: sample NLL, cross-entropy, KL.

The population quantities

.. math::

    H(p, q) = -\int p(x) \log q(x)\, dx, \qquad
    \mathrm{KL}(p \,\|\, q) = \int p(x) \left[\log p(x) - \log q(x)\right] dx

have no closed form, but both integrands are smooth (for :math:`\sigma > 0` the density is a
Gaussian convolution, analytic in x) and cheap, because the densities are exact closed forms.
We integrate over a finite window that holds all but ``4 Phi(-13) ~ 2.5e-38`` of p's mass, split
at the images of every breakpoint and component mean of both models and into cells no wider
than the smallest noise standard deviation (the narrowest feature either integrand can have),
then refine adaptively: a cell is accepted when 20-point Gauss-Legendre on the cell and on its
two halves agree within the cell's share of the tolerance, or within the accuracy of the
integrand values themselves (``EVAL_RTOL`` times the integral of the absolute integrand; no
refinement can do better, and without this floor large integrands would refine forever).  The
reported error is the sum of those disagreements (an overestimate of the error of the accepted,
finer rule), plus the evaluation allowance, plus a bound on the neglected tails.  KL is integrated as ``p (log p - log q)`` directly, so ``KL(p, p)`` is
exactly 0, not the difference of two rounded cross-entropies.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .density import _check_1d, _piece_arrays, log_pdf
from .models import LatentModel

__all__ = ["Integral", "sample_nll", "cross_entropy", "kl_divergence", "integrate_1d"]

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
MAX_CELLS = 200_000


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


def sample_nll(model: LatentModel, x) -> float:
    """Mean negative log-likelihood of the data ``x`` under ``model``.

    Parameters
    ----------
    model : LatentModel
        m = n = 1.
    x : array_like, shape (N,) or (N, 1)
        Observations, N >= 1.

    Returns
    -------
    float
        :math:`-\\frac1N \\sum_i \\log p(x_i)`.  For ``noise_std == 0`` the density is that of
        the continuous part (see :func:`exactid.density.log_pdf`).
    """
    values = log_pdf(model, x)
    if values.size == 0:
        raise ValueError("x: expected at least one observation, found none")
    return float(-values.mean())


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
    points = np.unique(np.asarray(breakpoints, dtype=float))
    if points.size < 2:
        return Integral(0.0, 0.0, 0)
    total_width = points[-1] - points[0]
    left, right = [], []
    for a, b in zip(points[:-1], points[1:]):
        n = 1 if min_cells_per_unit <= 0 else max(1, int(np.ceil((b - a) * min_cells_per_unit)))
        edges = np.linspace(a, b, n + 1)
        left.append(edges[:-1])
        right.append(edges[1:])
    a = np.concatenate(left)
    b = np.concatenate(right)
    nodes, weights = _gauss_legendre()

    def rule(lo, hi):
        """Integral of fun and of |fun| over each cell [lo, hi]."""
        half = 0.5 * (hi - lo)[:, None]
        x = (0.5 * (hi + lo))[:, None] + half * nodes
        values = fun(x.ravel()).reshape(x.shape) * weights * half
        return values.sum(axis=1), np.abs(values).sum(axis=1)

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
        a, b = np.concatenate([a[~accept], mid[~accept]]), np.concatenate([mid[~accept], b[~accept]])
    # Out of rounds: keep the best estimate and report the honest (large) error.
    mid = 0.5 * (a + b)
    left_int, left_abs = rule(a, mid)
    right_int, right_abs = rule(mid, b)
    halves = left_int + right_int
    value += halves.sum()
    error += (np.abs(rule(a, b)[0] - halves) + eval_rtol * (left_abs + right_abs)).sum()
    return Integral(float(value), float(error), n_evals)


def _window_and_points(p: LatentModel, q: LatentModel):
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
        _, _, sl, ic, flo, fhi = _piece_arrays(model)
        pr = model.prior
        points.extend(flo[np.isfinite(flo)])
        points.extend((sl[:, None] * pr.means[pr.weights > 0, 0] + ic[:, None]).ravel())
    points = np.asarray(points)
    points = points[(points >= x_min) & (points <= x_max)]
    return x_min, x_max, np.sort(points)


def _check_pair(p: LatentModel, q: LatentModel) -> None:
    for name, model in (("p", p), ("q", q)):
        if not isinstance(model, LatentModel):
            raise ValueError(f"{name}: expected a LatentModel, found {type(model).__name__}")
        _check_1d(model)
        if model.noise_std <= 0:
            raise NotImplementedError(
                f"{name}: population divergences need noise_std > 0 (found {model.noise_std}); "
                "with noise_std = 0 the laws may have atoms"
            )


def _tail_bound(p: LatentModel, q: LatentModel, x_min: float, x_max: float) -> float:
    """Bound on the part of the integral outside [x_min, x_max].

    The mass of p outside is at most 4 Phi(-WINDOW_SD) (z leaves its window or the noise leaves
    its own); -log q grows at most quadratically, and we charge it ten times its value at the
    window edges, a generous bound for Gaussian tails that far out.
    """
    from scipy.special import ndtr

    mass_out = 4.0 * ndtr(-WINDOW_SD)
    edge = np.abs(log_pdf(q, np.array([x_min, x_max]))).max() + np.abs(
        log_pdf(p, np.array([x_min, x_max]))
    ).max()
    return float(mass_out * 10.0 * (1.0 + edge))


def _population_integral(p: LatentModel, q: LatentModel, integrand, tol: float) -> Integral:
    """Integrate ``integrand(x)`` over p's window, with cells no wider than the smaller noise
    standard deviation, and add the neglected-tail bound to the error."""
    _check_pair(p, q)
    x_min, x_max, points = _window_and_points(p, q)
    sigma = min(p.noise_std, q.noise_std)
    res = integrate_1d(integrand, points, tol, min_cells_per_unit=1.0 / sigma)
    return res._replace(error=res.error + _tail_bound(p, q, x_min, x_max))


def cross_entropy(p: LatentModel, q: LatentModel, tol: float = 1e-11) -> Integral:
    """Population cross-entropy :math:`H(p, q) = -\\int p \\log q` (the population NLL of q
    under data from p).

    Parameters
    ----------
    p, q : LatentModel
        1-D models with ``noise_std > 0``.
    tol : float
        Absolute quadrature tolerance.

    Returns
    -------
    Integral
        Value, error estimate and number of density evaluations (of each model).
    """

    def integrand(x):
        return -np.exp(log_pdf(p, x)) * log_pdf(q, x)

    return _population_integral(p, q, integrand, tol)


def kl_divergence(p: LatentModel, q: LatentModel, tol: float = 1e-11) -> Integral:
    """:math:`\\mathrm{KL}(p \\| q) = \\int p (\\log p - \\log q)`, integrated directly.

    Parameters and return value as in :func:`cross_entropy`.  ``kl_divergence(p, p)`` is 0
    exactly.
    """

    def integrand(x):
        log_p = log_pdf(p, x)
        return np.exp(log_p) * (log_p - log_pdf(q, x))

    return _population_integral(p, q, integrand, tol)
