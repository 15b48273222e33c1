r"""Gaussian mixtures in closed form: L2 inner products, the normalised L2 distance, images
under affine maps.

The L2 inner product of two mixtures is a finite sum of Gaussian densities,

.. math::

    \langle p_1, p_2 \rangle = \sum_{i,j} w_i w'_j\, \mathcal N(\mu_i;\ \mu'_j,\
    \Sigma_i + \Sigma'_j),

evaluated in log space (log-sum-exp over the terms, log densities from the Cholesky factor),
so it neither overflows nor underflows for very narrow or very wide mixtures.  The normalised
distance :math:`\Delta_{L2}` (paper 003, eq. (34)) is a difference of three such products and
cancels catastrophically for nearly equal mixtures: in float64 its error floor is about 1e-8,
so ``precise=True`` redoes the three products at 40 digits with mpmath (milliseconds).  The
building blocks (:class:`Mixture`, :func:`log_inner`, :func:`push`, :func:`precise_delta`) are
public because :mod:`vade_check.alignment` minimises the distance over affine maps with them.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import mpmath
import numpy as np
from scipy.special import logsumexp

from ..models import GaussianMixture
from ..validation import as_float_array, check_bool, check_instance

__all__ = [
    "Mixture",
    "mixture_of",
    "check_mixture",
    "check_mixture_pair",
    "log_terms",
    "log_inner",
    "delta2_from_logs",
    "gmm_inner_product",
    "mp_params",
    "mp_inner",
    "precise_delta",
    "l2_distance",
    "singular_values",
    "well_conditioned",
    "push",
    "pushforward",
    "MAX_CONDITION",
    "PRECISE_DPS",
    "MAX_GMM_SCALE",
]

#: Affine maps whose matrix has a larger condition number are treated as singular.
MAX_CONDITION = 1e12
#: Decimal digits of the ``precise=True`` evaluation of the L2 distance.
PRECISE_DPS = 40
_METHODS = ("pearson", "spearman")
_LOG_2PI = math.log(2.0 * math.pi)


# ============================================================================================
# Gaussian mixtures: closed-form L2 inner products
# ============================================================================================
class Mixture(NamedTuple):
    """Raw parameters of a mixture: weights (J,), means (J, m), covariances (J, m, m)."""

    w: np.ndarray
    mu: np.ndarray
    cov: np.ndarray



def mixture_of(g: GaussianMixture) -> Mixture:
    return Mixture(g.weights, g.means, g.covs)


#: Largest |mean| and covariance scale accepted by the L2 metrics: their closed forms square
#: differences of means, which must stay finite.
MAX_GMM_SCALE = 1e100



def check_mixture(g, name: str) -> GaussianMixture:
    check_instance(g, name, GaussianMixture, "an exactid.GaussianMixture")
    top = float(np.abs(g.means).max())
    if top > MAX_GMM_SCALE:
        raise ValueError(f"{name}: means of magnitude up to {top:.3g}; the L2 metrics support "
                         f"|mean| <= {MAX_GMM_SCALE:g} (shift or rescale the mixtures)")
    scale = float(np.abs(g.covs).max())
    if scale > MAX_GMM_SCALE ** 2:
        raise ValueError(f"{name}: covariance entries of magnitude {scale:.3g}; the L2 metrics "
                         f"support entries up to {MAX_GMM_SCALE ** 2:g}")
    return g



def check_mixture_pair(g1, g2, names=("g1", "g2")) -> None:
    check_mixture(g1, names[0])
    check_mixture(g2, names[1])
    if g1.dim != g2.dim:
        raise ValueError(
            f"{names[1]}: expected a mixture of dimension m = {g1.dim} like {names[0]}, "
            f"found m = {g2.dim}"
        )



def forward_sub(chol: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Solve L y = d for a stack of lower-triangular L (..., m, m) and d (..., m)."""
    y = np.empty_like(d)
    for k in range(d.shape[-1]):
        acc = d[..., k] - np.einsum("...l,...l->...", chol[..., k, :k], y[..., :k])
        y[..., k] = acc / chol[..., k, k]
    return y



def log_terms(p: Mixture, q: Mixture) -> np.ndarray:
    r"""Log of :math:`w_i w'_j \mathcal N(\mu_i; \mu'_j, \Sigma_i + \Sigma'_j)`, (..., J1, J2).

    ``p.mu`` and ``p.cov`` may carry leading batch dimensions (one mixture per affine map in
    the paper search); ``q`` is a single mixture.
    """
    m = q.mu.shape[-1]
    s = p.cov[..., :, None, :, :] + q.cov[None, :, :, :]
    chol = np.linalg.cholesky(s)
    y = forward_sub(chol, p.mu[..., :, None, :] - q.mu[None, :, :])
    logdet = 2.0 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(axis=-1)
    with np.errstate(divide="ignore"):  # zero weights give log 0 = -inf: a vanishing term
        logw = np.log(p.w)[:, None] + np.log(q.w)[None, :]
    return logw - 0.5 * (m * _LOG_2PI + logdet + np.einsum("...k,...k->...", y, y))



def log_inner(p: Mixture, q: Mixture) -> float:
    return float(logsumexp(log_terms(p, q)))



def delta2_from_logs(a: float, c: float, e: float) -> float:
    r"""Delta^2 from the logs of <p1,p1>, <p1,p2>, <p2,p2>.

    :math:`\Delta^2 = (Q_{11} - 2Q_{12} + Q_{22}) / \sqrt{Q_{11}Q_{22}}
    = 2\cosh\frac{a-e}{2} - 2e^{c-(a+e)/2}`: the log form cannot overflow for very narrow
    or very wide mixtures, and it is exactly 0 when the three logs are equal.
    """
    with np.errstate(over="ignore"):  # numpy, not math: overflow gives inf, not an error
        val = 2.0 * np.cosh(0.5 * (a - e)) - 2.0 * np.exp(c - 0.5 * (a + e))
    return max(float(val), 0.0)



def gmm_inner_product(g1, g2) -> float:
    r"""The L2 inner product of two Gaussian-mixture densities.

    .. math::

        \langle p_1, p_2 \rangle = \int p_1(z)\, p_2(z)\, dz
        = \sum_{i,j} w_i w'_j\, \mathcal N(\mu_i;\ \mu'_j,\ \Sigma_i + \Sigma'_j),

    summed in log space (log-sum-exp over the :math:`J_1 J_2` terms, log densities from the
    Cholesky factor of :math:`\Sigma_i + \Sigma'_j`), so it is accurate to a few ulps in
    relative terms; it underflows to 0 or overflows to inf only when the true value is
    outside the float64 range (:func:`l2_distance` works with the logs and does neither).

    Parameters
    ----------
    g1, g2 : exactid.GaussianMixture
        Mixtures on the same space :math:`\mathbb R^m`.

    Returns
    -------
    float
    """
    check_mixture_pair(g1, g2)
    with np.errstate(over="ignore"):
        return float(np.exp(log_inner(mixture_of(g1), mixture_of(g2))))


# -- precise (mpmath) evaluation --------------------------------------------------------------
def mp_params(p: Mixture):
    """The parameters as exact mpf numbers (a float64 converts to mpf without rounding)."""
    conv = np.vectorize(mpmath.mpf, otypes=[object])
    return conv(p.w), conv(p.mu), conv(p.cov)



def mp_inner(pm, qm):
    """<p, q> at the current mpmath precision; pm, qm from :func:`mp_params`."""
    w1, mu1, cov1 = pm
    w2, mu2, cov2 = qm
    m = mu1.shape[1]
    norm = (2 * mpmath.pi) ** (-mpmath.mpf(m) / 2)
    total = mpmath.mpf(0)
    for i in range(w1.shape[0]):
        if w1[i] == 0:
            continue
        for j in range(w2.shape[0]):
            if w2[j] == 0:
                continue
            s = cov1[i] + cov2[j]
            d = mu1[i] - mu2[j]
            # Cholesky S = L L^T and forward substitution L y = d, in mpf.
            chol = [[mpmath.mpf(0)] * m for _ in range(m)]
            y = [mpmath.mpf(0)] * m
            diag_prod = mpmath.mpf(1)
            for r in range(m):
                for c in range(r + 1):
                    acc = s[r, c] - mpmath.fsum(chol[r][t] * chol[c][t] for t in range(c))
                    if r == c:
                        if acc <= 0:  # cannot happen for SPD inputs; be explicit if it does
                            return mpmath.inf
                        chol[r][r] = mpmath.sqrt(acc)
                    else:
                        chol[r][c] = acc / chol[c][c]
                y[r] = (d[r] - mpmath.fsum(chol[r][t] * y[t] for t in range(r))) / chol[r][r]
                diag_prod *= chol[r][r]
            quad = mpmath.fsum(v * v for v in y)
            total += w1[i] * w2[j] * norm / diag_prod * mpmath.exp(-quad / 2)
    return total



def precise_delta(p: Mixture, q: Mixture, q_mp=None, q22=None) -> float:
    """Delta_L2(p, q) with the three inner products at PRECISE_DPS digits."""
    with mpmath.workdps(PRECISE_DPS):
        pm = mp_params(p)
        if q_mp is None:
            q_mp = mp_params(q)
        q11 = mp_inner(pm, pm)
        q12 = mp_inner(pm, q_mp)
        if q22 is None:
            q22 = mp_inner(q_mp, q_mp)
        if not mpmath.isfinite(q11):
            return math.inf
        num = q11 - 2 * q12 + q22
        # The true value is >= 0; at 40 digits only a rounding-sized negative can occur.
        if num <= 0:
            return 0.0
        return float(mpmath.sqrt(num) / mpmath.sqrt(mpmath.sqrt(q11 * q22)))



def l2_distance(g1, g2, *, precise: bool = False) -> float:
    r"""The normalised L2 distance :math:`\Delta_{L2}` of eq. (34) of paper 003.

    .. math::

        \Delta_{L2}(p_1, p_2) = \frac{\|p_1 - p_2\|_{L2}}
        {\|p_1\|_{L2}^{1/2}\, \|p_2\|_{L2}^{1/2}},
        \qquad
        \|p_1 - p_2\|^2 = \langle p_1,p_1\rangle - 2\langle p_1,p_2\rangle
        + \langle p_2,p_2\rangle .

    :math:`\Delta_{L2}` is symmetric and invariant under applying the same invertible affine
    map to both arguments (both numerator and denominator scale by
    :math:`|\det A|^{-1/2}`).

    Parameters
    ----------
    g1, g2 : exactid.GaussianMixture
        Mixtures of the same dimension m.
    precise : bool
        The squared distance is a difference of O(1) numbers; in float64 everything below
        ~1e-16 of them is lost, so the float64 distance of nearly equal mixtures has an
        absolute error floor near 1e-8.  With ``precise=True`` the three inner products are
        evaluated with mpmath at ``PRECISE_DPS`` = 40 digits from the exactly converted
        float64 parameters, and the distance is accurate to a few ulps of its own size (about
        1 ms per pair of components).

    Returns
    -------
    float
        :math:`\Delta_{L2} \ge 0`; exactly 0 for a mixture against itself.
    """
    check_mixture_pair(g1, g2)
    check_bool(precise, "precise")
    p, q = mixture_of(g1), mixture_of(g2)
    if precise:
        return precise_delta(p, q)
    return math.sqrt(delta2_from_logs(log_inner(p, p), log_inner(p, q), log_inner(q, q)))


# ============================================================================================
# Affine maps of mixtures
# ============================================================================================
def singular_values(a: np.ndarray) -> np.ndarray:
    return np.linalg.svd(a, compute_uv=False)



def well_conditioned(a: np.ndarray) -> bool:
    """cond(A) <= MAX_CONDITION, tested without dividing (no warning for singular A)."""
    s = singular_values(a)
    return bool(np.all(np.isfinite(s)) and s[-1] * MAX_CONDITION >= s[0] and s[-1] > 0)



def push(p: Mixture, a: np.ndarray, b: np.ndarray) -> Mixture:
    """Parameters of the image of p under z -> A z + b (covariances symmetrised).

    ``a`` (..., m, m) and ``b`` (..., m) may carry leading batch dimensions.
    """
    at = np.swapaxes(a, -1, -2)[..., None, :, :]
    cov = a[..., None, :, :] @ p.cov @ at
    cov = 0.5 * (cov + np.swapaxes(cov, -1, -2))
    return Mixture(p.w, np.einsum("...kl,jl->...jk", a, p.mu) + b[..., None, :], cov)



def pushforward(gmm, A, b) -> GaussianMixture:
    r"""The image :math:`A_\# p` of a mixture under the affine map :math:`z \mapsto Az + b`.

    .. math::

        A_\# \sum_j w_j \mathcal N(\mu_j, \Sigma_j)
        = \sum_j w_j \mathcal N(A\mu_j + b,\ A\Sigma_j A^T).

    Parameters
    ----------
    gmm : exactid.GaussianMixture
        Mixture on :math:`\mathbb R^m`.
    A : array_like, shape (m, m)
        Invertible matrix: rejected if ``cond(A) > MAX_CONDITION`` (numerically singular,
        the image covariances would not be reliably positive definite).
    b : array_like, shape (m,)

    Returns
    -------
    exactid.GaussianMixture
    """
    check_mixture(gmm, "gmm")
    m = gmm.dim
    a = as_float_array(A, "A", 2)
    if a.shape != (m, m):
        raise ValueError(f"A: expected shape ({m}, {m}) (m = {m} from gmm), found {a.shape}")
    shift = as_float_array(b, "b", 1)
    if shift.shape != (m,):
        raise ValueError(f"b: expected shape ({m},) (m = {m} from gmm), found {shift.shape}")
    s = singular_values(a)
    if not s[-1] * MAX_CONDITION >= s[0] or s[-1] == 0:
        raise ValueError(
            f"A: expected an invertible matrix (condition number <= {MAX_CONDITION:g}), "
            f"found singular values {s.tolist()}"
        )
    p = push(mixture_of(gmm), a, shift)
    return GaussianMixture(p.w, p.mu, p.cov)
