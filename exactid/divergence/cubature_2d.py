r"""Population integrals over x for ``m = n = 2``, ``noise_std > 0``: adaptive tensor
Gauss-Kronrod cubature on a box with a proven tail bound.

What to use when: :func:`xrule_2d` builds a cubature rule over x adapted to one reference model
p (its entropy and normalisation); :func:`cross_entropy_2d` evaluates the population NLL of any
other model on that rule with one batched density evaluation and no refinement -- many
candidates against one reference.  :func:`kl_divergence_2d` builds a rule adapted to the KL
integrand of a pair; :func:`exactid.same_distribution` uses it for ``m = n = 2``.  The 1-D
counterparts are :func:`~exactid.divergence.cross_entropy` and
:func:`~exactid.divergence.kl_divergence`.

**Rule.**  The box is cut into squares at most :data:`START_SD` noise standard deviations
wide, each with the tensor (2n+1)-point Gauss-Kronrod rule (n = :data:`KRONROD_N`) and the
n x n Gauss rule embedded: D = |K - G| costs no node, also for a new integrand in
:func:`cross_entropy_2d`.  D estimates the error of the *Gauss* value; the Kronrod value is
far better (degree 3n + 1 against 2n - 1), so :func:`kronrod_error` models its error as
:math:`A (D/A)^{5/4}` (A = integral of :math:`|g|`) on squares at most :data:`RESOLVED_SD`
sigma wide, where the integrand (a Gaussian convolution, analytic on the scale sigma) is in
the asymptotic regime, and as ``10 D`` on wider ones.  Calibrated on 1500 squares (errors
above rounding; sides 4 to 32 sigma, sigma 0.1 to 0.5, two priors, two nets; p, p log p,
p log(p/q), p log q) against 16- or 64-fold finer rules: the true error was at most 0.034
times the model on resolved squares, 0.4 times on wider ones (D alone was exceeded 4-fold on
32-sigma squares, the power 5/4 3-fold on 16-sigma ones).  The squares with the largest
estimates are split into four (one batched density evaluation per round) until the estimates
in excess of the densities' own accuracy (:data:`LOG_ATOL` in log p,
:mod:`exactid.density.multivariate`) sum to at most ``tol``; the error adds that back.

**Box.**  With ``z = mu_j + C_j u`` (``C_j`` the Cholesky factor of component j) and
``u in [-k, k]^2``, ``f(mu_j + C_j [-k, k]^2)`` is enclosed by interval arithmetic through the
layers on :data:`BOX_SPLITS` x :data:`BOX_SPLITS` sub-squares and widened by ``k sigma``; x
leaves the box only if u or the noise leaves its square, so with ``a = erfc(k / sqrt 2)``,
:math:`P(x \notin B) \le 2(1 - (1 - a)^2) = 2a(2 - a)` (:func:`model_box`).

**Tails.**  Let c be a centre, :math:`r = \|x - c\|` and, for a model
:math:`q = (P, f, \sigma)`, L the Lipschitz constant of f (product of the layers' spectral
norms, times ``max(1, slope)`` per activation) and :math:`z_0 = E_P z`.  Jensen's inequality
(:math:`-\log E \le E(-\log)`) and :math:`q \le (2\pi\sigma^2)^{-1}` give

.. math::

    \log(2\pi\sigma^2) \le -\log q(x)
    \le \log(2\pi\sigma^2) + \frac{E_{z\sim P}\|x - f(z)\|^2}{2\sigma^2}
    \le \log(2\pi\sigma^2) + \frac{(r + s_q)^2}{2\sigma^2},
    \quad s_q = L (E\|z - z_0\|^2)^{1/2} + \|f(z_0) - c\| \ge (E\|f(z) - c\|^2)^{1/2}.

Under p, Minkowski's inequality and :math:`E\|\varepsilon\|^4 = 8\sigma_p^4` bound
:math:`\rho_4 = (E_p r^4)^{1/4} \le L_p (E\|z - z_0\|^4)^{1/4} + \|f_p(z_0) - c\|
+ 8^{1/4}\sigma_p` (the mixture's fourth moment in closed form), and Cauchy-Schwarz with
:math:`t \ge P_p(B^c)` gives :math:`\int_{B^c} p (r + s)^2 \le (\rho_4 + s)^2 \sqrt t`.  Hence

.. math::

    \Big|\int_{B^c} p \log q\Big| \le |\log(2\pi\sigma_q^2)|\, t
    + \frac{(\rho_4 + s_q)^2}{2\sigma_q^2}\sqrt t, \qquad
    -t_q \le \int_{B^c} p \log\frac pq
    \le \Big(\log\frac{\sigma_q^2}{\sigma_p^2}\Big)^+ t
    + \frac{(\rho_4 + s_q)^2}{2\sigma_q^2}\sqrt t,

the lower KL bound from :math:`p \log(p/q) \ge p - q` with :math:`t_q \ge P_q(B^c)` (the KL box
holds both models' boxes).  Because of the square root the box must hold all but ~1e-24 of the
mass; by default the mass is chosen so that these terms stay below ``tol / 10``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import NamedTuple

import numpy as np

from ..density import log_pdf
from ..errors import LimitExceeded
from ..models import LatentModel
from ..validation import check_instance, check_integer, check_number, readonly
from .kronrod import gauss_kronrod

__all__ = ["XRule2D", "Integral2D", "KLResult2D", "xrule_2d", "cross_entropy_2d",
           "kl_divergence_2d", "check_model_2d", "model_box", "tail_of", "half_width_for",
           "latent_moments", "kronrod_error", "log_accuracy", "MIN_TOL", "MAX_TOL",
           "MAX_NODES", "LOG_ATOL", "KRONROD_N", "START_SD", "RESOLVED_SD", "TAIL_MAX"]

#: Accepted tolerances: below MIN_TOL the densities' own accuracy (LOG_ATOL) dominates.
MIN_TOL, MAX_TOL = 1e-10, 1e-2
#: Default bound on the nodes of one rule (the density costs ~60 us per node and core).
MAX_NODES = 200_000
#: Stated absolute accuracy of log p where log p >= -100 (exactid.density.multivariate);
#: beyond, 1e-8 |log p|.
LOG_ATOL = 1e-11
#: The rule per square: the (2n+1)-point Kronrod rule with the n-point Gauss rule embedded.
KRONROD_N = 7
#: Squares of the starting grid are at most this many noise standard deviations wide.
START_SD = 32.0
#: Squares at most this many noise standard deviations wide are in the asymptotic regime.
RESOLVED_SD = 8.0
#: Exponent of the error model on resolved squares and safety factor on wider ones.
ESTIMATE_POWER, WIDE_FACTOR = 1.25, 10.0
#: Sub-boxes per latent axis for the interval image of the latent box; largest default mass
#: outside the box.
BOX_SPLITS, TAIL_MAX = 16, 1e-14
_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True, eq=False, repr=False)
class XRule2D:
    r"""A cubature rule over x adapted to a reference model p (:func:`xrule_2d`).

    Attributes
    ----------
    nodes : ndarray, shape (N, 2)
        ``N = S Q``: the Q nodes of each of the S squares are contiguous.
    weights, low_weights : ndarray, shape (N,)
        Kronrod and embedded Gauss cubature weights times the square's area (not times the
        density; the Gauss weights are 0 at the Kronrod-only nodes).
    log_p : ndarray, shape (N,)
        The reference's log density at the nodes.
    box : ndarray, shape (2, 2)
        ``[[x1_lo, x2_lo], [x1_hi, x2_hi]]``, tiled by the squares.
    tail_mass : float
        Proven bound on the reference's mass outside ``box``.
    error : float
        Estimated error of the rule on both :math:`-\int_B p \log p` and :math:`\int_B p`
        (cubature model plus the densities' accuracy; no tail).
    entropy, entropy_error : float
        :math:`-\int p \log p` and its error, tail term included.
    mass : float
        :math:`\int_B p` (1 within ``error + tail_mass``).
    tol : float
    centre : ndarray, shape (2,)
        Centre c of the tail bounds (f of the prior mean).
    rho4 : float
        Bound on :math:`(E_p \|x - c\|^4)^{1/4}`.
    noise_std, min_noise : float
        The reference's noise, and the noise the squares are resolved for (:func:`xrule_2d`).
    square_half : ndarray, shape (S, 2)
        Half side lengths of the squares.
    """

    nodes: np.ndarray
    weights: np.ndarray
    low_weights: np.ndarray
    log_p: np.ndarray
    box: np.ndarray
    tail_mass: float
    error: float
    entropy: float
    entropy_error: float
    mass: float
    tol: float
    centre: np.ndarray
    rho4: float
    noise_std: float
    min_noise: float
    square_half: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes N."""
        return int(self.weights.size)

    def __repr__(self) -> str:
        return (f"XRule2D({self.n_nodes} nodes, box {self.box.tolist()}, tol {self.tol:g}, "
                f"error {self.error:.2g}, tail_mass {self.tail_mass:.2g})")


class Integral2D(NamedTuple):
    """An integral over x and its error (cubature, accuracy, tail); unpacks as a pair."""

    value: float
    error: float


@dataclass(frozen=True, eq=False)
class KLResult2D:
    r""":math:`\mathrm{KL}(p_a \| p_b)` from :func:`kl_divergence_2d`.

    Attributes
    ----------
    value, error : float
        The divergence and its error ``cubature_error + tail_error``.
    cubature_error : float
        Cubature model plus the densities' accuracy.
    tail_error : float
        Proven bound on the neglected part outside ``box``.
    n_nodes : int
    box : ndarray, shape (2, 2)
    """

    value: float
    error: float
    cubature_error: float
    tail_error: float
    n_nodes: int
    box: np.ndarray


def check_model_2d(model, name: str) -> LatentModel:
    """``model``, if it is a LatentModel with ``m = n = 2`` and ``noise_std > 0``;
    NotImplementedError naming ``name`` for other dimensions or no noise."""
    check_instance(model, name, LatentModel)
    m, n = model.latent_dim, model.observed_dim
    if (m, n) != (2, 2):
        raise NotImplementedError(
            f"{name}: the 2-D cubature supports m = n = 2 only, found m = {m}, n = {n}")
    if model.noise_std == 0:
        raise NotImplementedError(
            f"{name}: the 2-D cubature needs noise_std > 0, found 0; without noise the law of "
            "x may have a singular part, which has no density to integrate")
    return model


def _check_options(tol, max_nodes) -> tuple[float, int]:
    tol = check_number(tol, "tol", f"a number in [{MIN_TOL:g}, {MAX_TOL:g}]",
                       lambda v: MIN_TOL <= v <= MAX_TOL)
    return tol, check_integer(max_nodes, "max_nodes", 1)


def _lipschitz(net) -> float:
    """Product of the spectral norms, times ``max(1, slope)`` per activation."""
    factor = max(1.0, net.negative_slope) ** (net.n_layers - 1)
    return factor * math.prod(float(np.linalg.norm(w, 2)) for w in net.weights)


def latent_moments(prior, z0: np.ndarray) -> tuple[float, float]:
    """``(E||z - z0||^2)^(1/2)`` and ``(E||z - z0||^4)^(1/4)`` of the mixture, exactly: for
    ``y ~ N(mu, S)``, ``E(y'y)^2 = (tr S + mu'mu)^2 + 2 tr(S^2) + 4 mu'S mu``."""
    w, mu, cov = prior.weights, prior.means - z0, prior.covs
    second = np.trace(cov, axis1=1, axis2=2) + np.einsum("ji,ji->j", mu, mu)
    fourth = (second**2 + 2.0 * np.einsum("jik,jki->j", cov, cov)
              + 4.0 * np.einsum("ji,jik,jk->j", mu, cov, mu))
    return math.sqrt(float(w @ second)), float(w @ fourth) ** 0.25


def _centre(model: LatentModel) -> np.ndarray:
    return model.net((model.prior.weights @ model.prior.means)[None, :])[0]


def _spread(model: LatentModel, centre: np.ndarray) -> tuple[float, float]:
    """``(s, rho4)``: ``s >= (E||f(z) - c||^2)^(1/2)``, ``rho4 >= (E||x - c||^4)^(1/4)``."""
    z0 = model.prior.weights @ model.prior.means
    m2, m4 = latent_moments(model.prior, z0)
    lip = _lipschitz(model.net)
    offset = float(np.linalg.norm(model.net(z0[None, :])[0] - centre))
    return lip * m2 + offset, lip * m4 + offset + 8.0**0.25 * model.noise_std


def _quadratic(rho4: float, s_q: float, sigma_q: float) -> float:  # the factor of sqrt(t)
    return (rho4 + s_q) ** 2 / (2.0 * sigma_q**2)


def _cross_tail(rho4: float, s_q: float, sigma_q: float, t: float) -> float:
    """Bound on ``|int_out p log q|`` (module docstring)."""
    return (abs(_LOG_2PI + 2.0 * math.log(sigma_q)) * t
            + _quadratic(rho4, s_q, sigma_q) * math.sqrt(t))


def _kl_tail(rho4: float, s_b: float, sigma_a: float, sigma_b: float, t: float) -> float:
    """Bound on ``|int_out p_a log(p_a / p_b)|``, both masses outside at most t."""
    ratio = max(0.0, 2.0 * math.log(sigma_b / sigma_a))
    return max(ratio * t + _quadratic(rho4, s_b, sigma_b) * math.sqrt(t), t)


def _box_half_width(const: float, quadratic: float, tol: float) -> float:
    """k for a tail mass t <= TAIL_MAX with ``const t``, ``quadratic sqrt(t)`` <= tol / 20."""
    t = min(TAIL_MAX, tol / (20.0 * max(const, 1.0)), (tol / (20.0 * quadratic)) ** 2)
    return half_width_for(t)


def half_width_for(tail: float) -> float:
    """k with ``2a(2 - a) ~ tail``, ``a = P(|N(0,1)| > k)`` (:func:`tail_of` is the bound)."""
    a = 0.5 * tail / (1.0 + math.sqrt(1.0 - 0.5 * tail))
    return -NormalDist().inv_cdf(0.5 * a)


def tail_of(k: float) -> float:
    """``2a(2 - a)``, ``a = P(|N(0,1)| > k)``: the proven mass outside the box of
    half-width k (latent square or noise square left, a union bound)."""
    a = math.erfc(k / math.sqrt(2.0))
    return 2.0 * a * (2.0 - a)


def _image_box(layers, slope: float, lo: np.ndarray, hi: np.ndarray):
    """Boxes (B, n) holding the images of the boxes ``[lo, hi]`` (B, m) through the affine
    ``layers`` with the activation between them (interval arithmetic; the activation is
    monotone, so it maps interval ends to interval ends)."""
    for i, (w, b) in enumerate(layers):
        centre, radius = ((lo + hi) / 2) @ w.T + b, ((hi - lo) / 2) @ np.abs(w).T
        lo, hi = centre - radius, centre + radius
        if i < len(layers) - 1:
            lo, hi = np.where(lo > 0, lo, slope * lo), np.where(hi > 0, hi, slope * hi)
    return lo, hi


def model_box(model: LatentModel, k: float) -> np.ndarray:
    """The box ``[[lo1, lo2], [hi1, hi2]]`` holding ``f(mu_j + C_j [-k, k]^2)`` for every
    component j, widened by ``k sigma``: x is outside with probability at most
    :func:`tail_of` ``(k)``."""
    net = model.net
    steps = np.linspace(-k, k, BOX_SPLITS + 1)
    u_lo = np.stack(np.meshgrid(steps[:-1], steps[:-1], indexing="ij"), -1).reshape(-1, 2)
    u_hi = np.stack(np.meshgrid(steps[1:], steps[1:], indexing="ij"), -1).reshape(-1, 2)
    lows, highs = [], []
    for w, mu, cov in zip(model.prior.weights, model.prior.means, model.prior.covs):
        if w == 0:  # a component without mass puts nothing anywhere
            continue
        chol = np.linalg.cholesky(cov)
        # Fold z = mu + C u into the first layer, so that its interval image is exact.
        layers = [(net.weights[0] @ chol, net.weights[0] @ mu + net.biases[0]),
                  *zip(net.weights[1:], net.biases[1:])]
        lo, hi = _image_box(layers, net.negative_slope, u_lo, u_hi)
        lows.append(lo.min(axis=0))
        highs.append(hi.max(axis=0))
    margin = k * model.noise_std
    lo, hi = np.min(lows, axis=0) - margin, np.max(highs, axis=0) + margin
    # Rounding to nearest instead of outwards: a widening far above eps keeps the enclosure.
    pad = 1e-12 * (1.0 + np.maximum(np.abs(lo), np.abs(hi)))
    return np.stack([lo - pad, hi + pad])


def _tensor_rule() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes (Q, 2) on [-1, 1]^2 and the Kronrod and Gauss tensor weights (Q,)."""
    x, wk, wg = gauss_kronrod(KRONROD_N)  # cached after the first call
    t = np.stack(np.meshgrid(x, x, indexing="ij"), axis=-1).reshape(-1, 2)
    return t, np.outer(wk, wk).ravel(), np.outer(wg, wg).ravel()


def kronrod_error(g: np.ndarray, wk: np.ndarray, wg: np.ndarray,
                  resolved: np.ndarray) -> np.ndarray:
    """Modelled error of the Kronrod rule on each square, divided by the square's area.

    Parameters
    ----------
    g : ndarray, shape (K, S, Q)
        K integrands at the Q nodes of S squares.
    wk, wg : ndarray, shape (Q,)
        Kronrod and embedded Gauss tensor weights on [-1, 1]^2.
    resolved : ndarray of bool, shape (S,)
        The square is at most RESOLVED_SD noise standard deviations wide.

    Returns
    -------
    ndarray, shape (K, S)
        With D = |K - G| and A the rule's integral of ``|g|``: ``A (D / A)^(5/4)`` on
        resolved squares, ``10 D`` on the others (module docstring).
    """
    diff = np.abs(g @ (wk - wg))
    size = np.abs(g) @ wk
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(size > 0, size * np.minimum(diff / size, 1.0) ** ESTIMATE_POWER, diff)
    return np.where(resolved, scaled, WIDE_FACTOR * diff)


def log_accuracy(log_p: np.ndarray) -> np.ndarray:
    """Stated absolute accuracy of the engine's ``log p``."""
    return np.where(log_p >= -100.0, LOG_ATOL, 1e-8 * np.abs(log_p))


class _Squares(NamedTuple):
    """S squares of Q nodes, L log densities, K integrands."""

    centre: np.ndarray    # (S, 2)
    half: np.ndarray      # (S, 2) half side lengths
    logs: np.ndarray      # (L, S, Q)
    value: np.ndarray     # (K, S) Kronrod integrals
    estimate: np.ndarray  # (K, S) modelled errors
    floor: np.ndarray     # (K, S) bound on the effect of the densities' accuracy

    def join(self, other: _Squares) -> _Squares:
        return _Squares(*(np.concatenate([a, b], axis=int(i > 1))
                          for i, (a, b) in enumerate(zip(self, other))))

    def take(self, keep: np.ndarray) -> _Squares:
        return _Squares(self.centre[keep], self.half[keep], *(a[:, keep] for a in self[2:]))


def _evaluate(centre, half, sigma, log_densities, integrands) -> _Squares:
    """The rule on the squares: one batched call of ``log_densities`` on all their nodes."""
    t, wk, wg = _tensor_rule()
    count, q = centre.shape[0], wk.size
    x = (centre[:, None, :] + half[:, None, :] * t[None, :, :]).reshape(-1, 2)
    logs = log_densities(x)
    g, u = (a.reshape(a.shape[0], count, q) for a in integrands(logs))
    area = half[:, 0] * half[:, 1]
    resolved = 2 * half.max(axis=1) <= RESOLVED_SD * sigma
    # The Kronrod weights are positive, so u @ wk bounds the effect of the values' errors.
    return _Squares(centre, half, logs.reshape(logs.shape[0], count, q), (g @ wk) * area,
                    kronrod_error(g, wk, wg, resolved) * area, (u @ wk) * area)


def _start_grid(box: np.ndarray, sigma: float, max_nodes: int, q: int):
    """Centres and half sides of the starting grid (squares at most START_SD sigma wide),
    refused before any evaluation if it alone exceeds ``max_nodes``."""
    span = box[1] - box[0]
    counts = np.maximum(1, np.ceil(span / (START_SD * sigma))).astype(int)
    if counts.prod() * q > max_nodes:
        raise LimitExceeded(
            f"max_nodes: the starting grid alone needs {int(counts.prod()) * q} nodes "
            f"({counts[0]} x {counts[1]} squares of {q} nodes on a box of {span[0]:.3g} x "
            f"{span[1]:.3g} for noise {sigma:.3g}), more than max_nodes = {max_nodes}",
            "max_nodes")
    half = span / counts / 2
    axes = [box[0, i] + half[i] * (2 * np.arange(counts[i]) + 1) for i in range(2)]
    centre = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
    return centre, np.broadcast_to(half, centre.shape).copy()


def _split(squares: _Squares, chosen: np.ndarray):
    """Centres and half sides of the four children of each chosen square."""
    half = squares.half[chosen] / 2
    signs = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    centre = squares.centre[chosen][:, None, :] + half[:, None, :] * signs
    return centre.reshape(-1, 2), np.repeat(half, 4, axis=0)


def _refine(box, sigma, log_densities, integrands, tol: float, max_nodes: int) -> _Squares:
    """Split the squares with the largest estimates until, for every integrand, the
    estimates beyond the floor sum to at most ``tol`` (global greedy refinement)."""
    q = _tensor_rule()[1].size
    squares = _evaluate(*_start_grid(box, sigma, max_nodes, q), sigma, log_densities,
                        integrands)
    while True:
        # Only the estimate above the floor can be reduced by refining; worst integrand.
        score = (np.maximum(squares.estimate - squares.floor, 0.0) / tol).max(axis=0)
        total = float(score.sum())
        if total <= 1.0:
            return squares
        order = np.argsort(-score)
        rest = total - np.cumsum(score[order])
        # The fewest worst squares whose splitting leaves at most tol / 2 to the others.
        count = min(int(np.searchsorted(-rest, -0.5)) + 1, score.size)
        if (squares.centre.shape[0] + 3 * count) * q > max_nodes:
            raise LimitExceeded(
                f"max_nodes: the cubature needs more than max_nodes = {max_nodes} nodes to "
                f"reach tol = {tol:g} (estimated error {total * tol:.2g} with "
                f"{squares.centre.shape[0] * q} nodes); raise max_nodes or tol", "max_nodes")
        chosen = np.zeros(score.size, dtype=bool)
        chosen[order[:count]] = True
        children = _evaluate(*_split(squares, chosen), sigma, log_densities, integrands)
        squares = squares.take(~chosen).join(children)


def _entropy_integrands(logs: np.ndarray):
    """``-p log p`` and ``p``, and bounds on their errors from the accuracy of log p."""
    log_p = logs[0]
    p = np.exp(log_p)
    # p = 0 (underflow) times log p = -inf is 0 here, not NaN.
    plogp = np.where(p > 0, -p * np.where(p > 0, log_p, 0.0), 0.0)
    delta = log_accuracy(log_p) * p
    return np.stack([plogp, p]), np.stack([delta * (1.0 + np.abs(log_p)), delta])


def xrule_2d(model: LatentModel, tol: float = 1e-8, *, max_nodes: int = MAX_NODES,
             tail: float | None = None, min_noise: float | None = None) -> XRule2D:
    r"""An adaptive cubature rule over x for a model with ``m = n = 2``, ``noise_std > 0``.

    Parameters
    ----------
    model : LatentModel
        The reference p.
    tol : float
        Target of the estimated cubature error of both :math:`-\int p \log p` and
        :math:`\int p`, in ``[MIN_TOL, MAX_TOL]``.
    max_nodes : int
        Most nodes; :class:`~exactid.errors.LimitExceeded` (a ValueError) naming
        ``max_nodes`` if ``tol`` cannot be met within it, raised before the starting grid or
        a refinement round is evaluated.
    tail : float, optional
        Mass allowed outside the box, in ``(0, 1e-3]``.  By default the largest mass (at most
        ``TAIL_MAX = 1e-14``) for which the entropy's tail term is at most ``tol / 10``.
    min_noise : float, optional
        The smallest noise of the candidates :func:`cross_entropy_2d` will see (default and
        at most the reference's): squares are started and judged on this scale, so a
        candidate with less noise than the rule's ``min_noise`` is charged
        ``WIDE_FACTOR |K - G|`` on squares wider than ``RESOLVED_SD`` times its noise.

    Returns
    -------
    XRule2D
    """
    check_model_2d(model, "model")
    tol, max_nodes = _check_options(tol, max_nodes)
    sigma = model.noise_std
    centre = _centre(model)
    spread, rho4 = _spread(model, centre)
    if tail is None:
        k = _box_half_width(abs(_LOG_2PI + 2 * math.log(sigma)),
                            _quadratic(rho4, spread, sigma), tol)
    else:
        k = half_width_for(check_number(tail, "tail", "a number in (0, 1e-3]",
                                        lambda v: 0 < v <= 1e-3))
    scale = sigma if min_noise is None else check_number(
        min_noise, "min_noise", f"a number in (0, {sigma:g}] (the model's noise)",
        lambda v: 0 < v <= sigma)
    box, tail_mass = model_box(model, k), tail_of(k)
    squares = _refine(box, scale, lambda x: log_pdf(model, x)[None], _entropy_integrands,
                      tol, max_nodes)
    t, wk, wg = _tensor_rule()
    area = (squares.half[:, 0] * squares.half[:, 1])[:, None]
    nodes = squares.centre[:, None, :] + squares.half[:, None, :] * t[None]
    errors = squares.estimate.sum(axis=1) + squares.floor.sum(axis=1)
    entropy, mass = (float(v) for v in squares.value.sum(axis=1))
    return XRule2D(
        nodes=readonly(nodes.reshape(-1, 2)), weights=readonly((area * wk).ravel()),
        low_weights=readonly((area * wg).ravel()), log_p=readonly(squares.logs[0].ravel()),
        box=readonly(box), tail_mass=tail_mass, error=float(errors.max()), entropy=entropy,
        entropy_error=float(errors[0]) + _cross_tail(rho4, spread, sigma, tail_mass),
        mass=mass, tol=tol, centre=readonly(centre), rho4=rho4, noise_std=sigma,
        min_noise=scale, square_half=readonly(squares.half))


def cross_entropy_2d(rule: XRule2D, model: LatentModel) -> Integral2D:
    r"""The population cross-entropy :math:`-\int p \log q` of ``model`` (q) under the
    rule's reference p (the population NLL of q), on the rule's nodes.

    One batched density evaluation of q and no refinement: the rule is adapted to p, and the
    error model (embedded Gauss rule, per square) says how well it resolves ``p log q``.

    Parameters
    ----------
    rule : XRule2D
    model : LatentModel
        ``m = n = 2``, ``noise_std > 0``.

    Returns
    -------
    Integral2D
        ``(value, error)``, error = cubature model + densities' accuracy + proven tail term.
    """
    check_instance(rule, "rule", XRule2D)
    check_model_2d(model, "model")
    log_q = log_pdf(model, rule.nodes)
    p = np.exp(rule.log_p)
    g = np.where(p > 0, -p * log_q, 0.0)
    # log q enters with its absolute error, p with its relative error times |log q|.
    u = p * (log_accuracy(log_q) + log_accuracy(rule.log_p) * np.abs(log_q))
    _, wk, wg = _tensor_rule()
    half = rule.square_half
    resolved = 2 * half.max(axis=1) <= RESOLVED_SD * min(rule.min_noise, model.noise_std)
    per_square = kronrod_error(g.reshape(1, half.shape[0], -1), wk, wg, resolved)[0]
    estimate = float(per_square @ (half[:, 0] * half[:, 1])) + float(rule.weights @ u)
    spread, _ = _spread(model, rule.centre)
    tail = _cross_tail(rule.rho4, spread, model.noise_std, rule.tail_mass)
    return Integral2D(float(rule.weights @ g), estimate + tail)


def _kl_integrands(logs: np.ndarray):
    """``p_a (log p_a - log p_b)`` and a bound on its error."""
    log_a, log_b = logs
    p = np.exp(log_a)
    # Where p_a underflows to 0 the integrand is 0 (also if log p_b is -inf there).
    ratio = np.where(p > 0, log_a - np.where(p > 0, log_b, 0.0), 0.0)
    acc_a = log_accuracy(log_a)
    u = p * (acc_a + log_accuracy(log_b) + acc_a * np.abs(ratio))
    return (p * ratio)[None], u[None]


def kl_divergence_2d(model_a: LatentModel, model_b: LatentModel, tol: float = 1e-8, *,
                     max_nodes: int = MAX_NODES) -> KLResult2D:
    r""":math:`\mathrm{KL}(p_a \| p_b) = \int p_a (\log p_a - \log p_b)` for ``m = n = 2``.

    The rule is refined on the KL integrand itself (so ``kl_divergence_2d(p, p)`` is 0
    exactly), on a box holding both models' boxes, starting from squares of ``START_SD``
    times the smaller noise.

    Parameters
    ----------
    model_a, model_b : LatentModel
        ``m = n = 2``, ``noise_std > 0``.
    tol : float
        Target of the estimated cubature error, in ``[MIN_TOL, MAX_TOL]``; the tail mass is
        chosen so that the proven tail term is at most ``tol / 10``.
    max_nodes : int
        As in :func:`xrule_2d`.

    Returns
    -------
    KLResult2D
    """
    check_model_2d(model_a, "model_a")
    check_model_2d(model_b, "model_b")
    tol, max_nodes = _check_options(tol, max_nodes)
    sigma_a, sigma_b = model_a.noise_std, model_b.noise_std
    centre = _centre(model_a)
    rho4, spread_b = _spread(model_a, centre)[1], _spread(model_b, centre)[0]
    k = _box_half_width(abs(2.0 * math.log(sigma_b / sigma_a)) + 1.0,  # + 1: P_b(out)
                        _quadratic(rho4, spread_b, sigma_b), tol)
    boxes = np.stack([model_box(model_a, k), model_box(model_b, k)])
    box = np.stack([boxes[:, 0].min(axis=0), boxes[:, 1].max(axis=0)])
    squares = _refine(box, min(sigma_a, sigma_b),
                      lambda x: np.stack([log_pdf(model_a, x), log_pdf(model_b, x)]),
                      _kl_integrands, tol, max_nodes)
    cubature = float(squares.estimate.sum() + squares.floor.sum())
    tail = _kl_tail(rho4, spread_b, sigma_a, sigma_b, tail_of(k))
    return KLResult2D(value=float(squares.value.sum()), error=cubature + tail,
                      cubature_error=cubature, tail_error=tail,
                      n_nodes=int(squares.logs[0].size), box=readonly(box))
