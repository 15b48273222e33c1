r"""Likelihood-based discrepancies between 1-D models: sample NLL, cross-entropy, KL.

The population quantities

.. math::

    H(p, q) = -\int p(x) \log q(x)\, dx, \qquad
    \mathrm{KL}(p \,\|\, q) = \int p(x) \left[\log p(x) - \log q(x)\right] dx

have no closed form, but both integrands are smooth (for :math:`\sigma > 0` the density is a
Gaussian convolution, analytic in x) and cheap, because the densities are exact closed forms.
We integrate over a finite window that holds all but ``4 Phi(-13) ~ 2.5e-38`` of p's mass.
The initial cells are a geometric mesh (:func:`graded_edges`): edges at the images of every
breakpoint and component mean of both models, graded towards each of them down to the width
of the feature there (the noise sd at a breakpoint image, where a term switches on or a flat
piece puts a spike; the term's sd at a mean image), so that a model with a tiny noise costs
``log(window / sigma)`` cells per feature instead of ``window / sigma``.  Then the mesh is
refined adaptively: a cell is accepted when 20-point Gauss-Legendre on the cell and on its
two halves agree within the cell's share of the tolerance, or within the accuracy of the
integrand values themselves (``EVAL_RTOL`` times the integral of the absolute integrand; no
refinement can do better, and without this floor large integrands would refine forever).  The
reported error is the sum of those disagreements (an overestimate of the error of the accepted,
finer rule), plus the evaluation allowance, plus a bound on the neglected tails; refinement
stops at :data:`exactid.limits.MAX_QUADRATURE_CELLS` cells, with the remaining disagreement
reported in the error.  KL is integrated as ``p (log p - log q)`` directly, so ``KL(p, p)`` is
exactly 0, not the difference of two rounded cross-entropies.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import limits
from .density import _check_1d, _piece_arrays, log_pdf
from .errors import LimitExceeded, NumericalError
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
MAX_CELLS = limits.MAX_QUADRATURE_CELLS
#: Initial cells of a population integral are at most this fraction of the window wide.
BASE_CELLS = 64
#: Largest accepted ``eps * |x| / h`` (node rounding relative to the narrowest feature width
#: h) in a population integral.
MAX_NODE_RESOLUTION = 1e-3


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
    _check_tol(tol)
    points = np.unique(np.asarray(breakpoints, dtype=float))
    if points.size < 2:
        return Integral(0.0, 0.0, 0)
    if not np.isfinite(points).all():
        raise ValueError("breakpoints: expected finite numbers")
    total_width = points[-1] - points[0]
    counts = np.ones(points.size - 1, dtype=np.int64)
    if min_cells_per_unit > 0:
        wanted = np.ceil(np.diff(points) * min_cells_per_unit)
        if wanted.sum() > max_cells:
            raise LimitExceeded(
                f"min_cells_per_unit: {min_cells_per_unit:g} cells per unit over a width of "
                f"{total_width:g} need {wanted.sum():.3g} cells, more than max_cells = "
                f"{max_cells}", "max_cells")
        counts = np.maximum(1, wanted.astype(np.int64))
    if counts.sum() > max_cells:
        raise LimitExceeded(f"breakpoints: {counts.sum()} initial cells, more than max_cells = "
                            f"{max_cells}", "max_cells")
    left, right = [], []
    for a, b, n in zip(points[:-1], points[1:], counts):
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


def _check_tol(tol) -> float:
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, (int, float, np.floating)):
        raise ValueError(f"tol: expected a finite number > 0, found {tol!r}")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol: expected a finite number > 0, found {tol!r}")
    return float(tol)


def _features(model: LatentModel) -> tuple[np.ndarray, np.ndarray]:
    """Where the density of ``model`` can vary fast, and on what scale.

    Returns ``(locations, scales)``: every finite image of a breakpoint with the noise sd
    (the width of the transition of a term there, and of the spike of a flat piece), and the
    mean image ``A_k mu_j + B_k`` of every term with its sd ``sqrt(A_k^2 s_j^2 + sigma^2)``.
    Between these points the density is smooth on the scale of the sds of its terms.
    """
    _, _, slopes, intercepts, f_lo, _ = _piece_arrays(model)
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
    """Integrate ``integrand(x)`` over p's window, on a mesh graded towards the features of
    both densities (:func:`graded_edges`), and add the neglected-tail bound to the error."""
    _check_pair(p, q)
    tol = _check_tol(tol)
    x_min, x_max, points = _window_and_points(p, q)
    locations, scales = zip(_features(p), _features(q))
    locations, scales = np.concatenate(locations), np.concatenate(scales)
    # A node x is represented to eps |x|; where features of width h sit at |x| >> h that
    # moves every integrand value by about eps |x| / h of itself.  Charge it to the error,
    # and refuse windows where it would leave fewer than ~3 digits.
    inside = (locations >= x_min) & (locations <= x_max)
    spacing = np.finfo(float).eps * np.abs(locations[inside]) / scales[inside]
    worst = int(np.argmax(spacing)) if spacing.size else -1
    resolution = float(spacing[worst]) if spacing.size else 0.0
    if resolution > MAX_NODE_RESOLUTION:
        from .errors import UnsupportedModelError

        raise UnsupportedModelError(
            f"p, q: a feature of width {scales[inside][worst]:.3g} at x = "
            f"{locations[inside][worst]:.3g} cannot be resolved by double-precision "
            f"quadrature (relative node spacing {resolution:.1g}); shift or rescale the models")
    edges = graded_edges(x_min, x_max, points, (locations, scales))
    res = integrate_1d(integrand, edges, tol, eval_rtol=max(EVAL_RTOL, 4 * resolution))
    res = res._replace(error=res.error + _tail_bound(p, q, x_min, x_max))
    if not (np.isfinite(res.value) and np.isfinite(res.error)):
        raise NumericalError(f"population integral: non-finite result {res.value!r} (error "
                             f"{res.error!r}); the models may lie outside the supported range")
    return res


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
        log_p = log_pdf(p, x)
        # p = 0 (underflow) times log q = -inf is 0 here, not NaN.
        return np.where(log_p > -np.inf, -np.exp(log_p) * log_pdf(q, x), 0.0)

    return _population_integral(p, q, integrand, tol)


def kl_divergence(p: LatentModel, q: LatentModel, tol: float = 1e-11) -> Integral:
    """:math:`\\mathrm{KL}(p \\| q) = \\int p (\\log p - \\log q)`, integrated directly.

    Parameters and return value as in :func:`cross_entropy`.  ``kl_divergence(p, p)`` is 0
    exactly.
    """

    def integrand(x):
        log_p = log_pdf(p, x)
        with np.errstate(invalid="ignore"):
            values = np.exp(log_p) * (log_p - log_pdf(q, x))
        return np.where(log_p > -np.inf, values, 0.0)

    return _population_integral(p, q, integrand, tol)
