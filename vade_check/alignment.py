r"""distAff,L2: the L2 distance between two learned priors, minimised over affine maps.

paper 003, J.1, eq. (34): :math:`\mathrm{dist}_{Aff,L2}(p_1, p_2) = \min_{A, b}
\Delta_{L2}(A_\# p_1, p_2)`.  The paper's procedure fits the affine map to the matched means by
least squares over all component permutations (hence J <= 8); it is reported as ``paper``.
It is then refined by a local search from several starts (BFGS on the float64 distance, then a
least-squares fit of matched means and covariances, which resolves what float64 cannot); the
reported values are always evaluated precisely (:func:`exactid.divergence.gmm_l2.precise_delta`).
The exact distance is symmetric in its arguments; the paper procedure is not.  The mixture
algebra itself (inner products, images under affine maps) is
:mod:`exactid.divergence.gmm_l2`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import mpmath
import numpy as np
from scipy.linalg import solve_triangular
from scipy.optimize import least_squares, linear_sum_assignment, minimize
from scipy.special import logsumexp

from exactid.divergence.gmm_l2 import (
    MAX_CONDITION,
    PRECISE_DPS,
    Mixture,
    check_mixture_pair,
    delta2_from_logs,
    log_inner,
    log_terms,
    mixture_of,
    mp_inner,
    mp_params,
    precise_delta,
    push,
    well_conditioned,
)
from exactid.validation import check_bool, readonly

__all__ = ["AffineL2Distance", "dist_aff_l2", "MAX_PAPER_COMPONENTS", "N_PAPER_STARTS",
           "N_ANCHORED_STARTS", "NEGLIGIBLE"]

#: Largest number of components for the paper alignment, which enumerates all J! permutations
#: (8! = 40320 least-squares maps take a few seconds; 9! would take ten times longer).
MAX_PAPER_COMPONENTS = 8
#: Number of best paper maps used as starting points of the refinement (and evaluated
#: precisely for ``paper``).
N_PAPER_STARTS = 3
#: Number of best anchored maps (one component pair matched exactly) used as further starts.
N_ANCHORED_STARTS = 6
#: Distances at or below this are rounding noise of the float64 parameters (a few ulps times
#: condition numbers); the refinement stops once it reaches them.
NEGLIGIBLE = 1e-13
#: Bound on the error of a float64 Delta (the square root of a ~1e-15 error in Delta^2 is
#: 3e-8); a candidate whose float64 Delta exceeds the best by more is not evaluated precisely.
_FLOAT_SLACK = 1e-7
#: Objective value returned by the refinement for (numerically) singular maps; any sensible
#: map has Delta^2 of order 1, so this is a wall the line search backs away from.
_PENALTY = 1e10


# ============================================================================================
# distAff,L2
# ============================================================================================
@dataclass(frozen=True, eq=False)
class AffineL2Distance:
    r"""Result of :func:`dist_aff_l2`.

    Attributes
    ----------
    paper : float
        :math:`\min_\sigma \Delta_{L2}(A_{\sigma\#} p_1, p_2)` over the component
        permutations σ with a well-conditioned mean-fitted map; ``inf`` if there is none.
    refined : float or None
        Numerical minimum over all affine maps, never larger than ``paper``; None when
        ``refine=False``.
    permutation : tuple of int or None
        The σ of the best paper map: component ``permutation[j]`` of p1 is matched with
        component j of p2.
    paper_A : ndarray, shape (m, m), or None
    paper_b : ndarray, shape (m,), or None
        The best paper map.
    refined_A : ndarray, shape (m, m), or None
    refined_b : ndarray, shape (m,), or None
        The map achieving ``refined``.
    n_permutations : int
        Number of permutations tried (J!).
    n_skipped : int
        Permutations whose map was singular or had ``cond(A) > MAX_CONDITION``.

    Both distances are ``l2_distance(pushforward(p1, A, b), p2, precise=True)`` of the
    stored maps.
    """

    paper: float
    refined: float | None
    permutation: tuple[int, ...] | None
    paper_A: np.ndarray | None
    paper_b: np.ndarray | None
    refined_A: np.ndarray | None
    refined_b: np.ndarray | None
    n_permutations: int
    n_skipped: int



def _moments(p: Mixture) -> tuple[np.ndarray, np.ndarray]:
    """Mean (m,) and lower Cholesky factor (m, m) of the covariance of the whole mixture."""
    mean = p.w @ p.mu
    dev = p.mu - mean
    cov = np.einsum("j,jkl->kl", p.w, p.cov) + np.einsum("j,jk,jl->kl", p.w, dev, dev)
    return mean, np.linalg.cholesky(0.5 * (cov + cov.T))



def _standardise(p: Mixture, mean: np.ndarray, chol: np.ndarray) -> Mixture:
    """Image of p under z -> L^{-1}(z - mean): zero mean, identity covariance."""
    linv = solve_triangular(chol, np.eye(chol.shape[0]), lower=True)
    return push(p, linv, -linv @ mean)



def _paper_maps(p1: Mixture, p2: Mixture):
    r"""Least-squares affine maps of the means, one per permutation.

    For σ, the map minimises :math:`\sum_j \|A\mu_{1,\sigma(j)} + b - \mu_{2,j}\|^2`.  With an
    intercept, least squares is equivalent to fitting the centred means,
    :math:`A(\mu_{1,i} - \bar\mu_1) \approx \mu_{2,\sigma^{-1}(i)} - \bar\mu_2`, and
    :math:`b = \bar\mu_2 - A\bar\mu_1`; we solve for :math:`A - I` with np.linalg.lstsq.
    When the centred means do not span :math:`\mathbb R^m` (J <= m, or affinely dependent
    means) the map is not determined and lstsq returns the minimum-norm :math:`A - I`: the
    map closest to a translation (J = 1 gives the pure translation :math:`b = \mu_2 - \mu_1`).
    When the solution is unique this is the same map as lstsq on the augmented system
    :math:`[\mu_1, 1]`; in the underdetermined case the augmented minimum-norm solution would
    shrink A towards 0 (singular for J = 1, m >= 2), which is why it is not used.
    All right-hand sides go to a single lstsq call.

    Returns
    -------
    perms : list of tuple, length P = J!
    a : ndarray, shape (P, m, m)
    b : ndarray, shape (P, m)
    """
    n_comp, m = p1.mu.shape
    perms = list(itertools.permutations(range(n_comp)))
    mbar1, mbar2 = p1.mu.mean(axis=0), p2.mu.mean(axis=0)
    c1 = p1.mu - mbar1
    # rhs[sigma(j), k] = mu_{2,j} - mean, i.e. row i of p1 is sent to row sigma^{-1}(i) of p2.
    rhs = np.empty((n_comp, len(perms), m))
    rhs[np.array(perms).T, np.arange(len(perms))[None, :]] = (p2.mu - mbar2)[:, None, :]
    rhs -= c1[:, None, :]
    dev = np.linalg.lstsq(c1, rhs.reshape(n_comp, -1), rcond=None)[0]
    a = np.eye(m) + np.transpose(dev.reshape(m, len(perms), m), (1, 2, 0))
    return perms, a, mbar2 - a @ mbar1



def _paper_delta2(p1: Mixture, p2: Mixture, a: np.ndarray, b: np.ndarray, log_p11: float,
                  log_p22: float, chunk: int = 2048) -> np.ndarray:
    """Float64 Delta^2(A#p1, p2) for a stack of maps a (P, m, m), b (P, m), shape (P,)."""
    out = np.empty(a.shape[0])
    for lo in range(0, a.shape[0], chunk):
        sl = slice(lo, lo + chunk)
        la = log_p11 - np.linalg.slogdet(a[sl])[1]
        lc = logsumexp(log_terms(push(p1, a[sl], b[sl]), p2), axis=(-2, -1))
        with np.errstate(over="ignore"):
            val = 2.0 * np.cosh(0.5 * (la - log_p22)) - 2.0 * np.exp(lc - 0.5 * (la + log_p22))
        out[sl] = np.maximum(val, 0.0)
    return out



def _orthogonal_set(m: int) -> np.ndarray:
    """A fixed finite set of orthogonal matrices, shape (K, m, m).

    All signed permutation matrices for m <= 3 (2, 8, 48 of them); above that, cyclic shifts
    times sign flips of at most one coordinate (m (m + 1) matrices), to keep the count small.
    """
    eye = np.eye(m)
    if m <= 3:
        mats = [
            eye[list(perm)] * np.array(signs)[:, None]
            for perm in itertools.permutations(range(m))
            for signs in itertools.product((1.0, -1.0), repeat=m)
        ]
    else:
        flips = [np.ones(m)] + [np.where(np.arange(m) == k, -1.0, 1.0) for k in range(m)]
        mats = [np.roll(eye, shift, axis=0) * f[:, None] for shift in range(m) for f in flips]
    return np.array(mats)



def _anchored_maps(p1: Mixture, p2: Mixture) -> tuple[np.ndarray, np.ndarray]:
    r"""Maps sending component i of p1 exactly onto component j of p2, for all (i, j).

    :math:`A = L_{2,j} R L_{1,i}^{-1}`, :math:`b = \mu_{2,j} - A\mu_{1,i}` with
    :math:`\Sigma = L L^T` and R from :func:`_orthogonal_set` (any orthogonal R matches the
    pair; the set samples that freedom).  Shapes (K, m, m) and (K, m).
    """
    m = p1.mu.shape[1]
    l1 = np.linalg.cholesky(p1.cov)
    l1_inv = np.linalg.inv(l1)
    l2 = np.linalg.cholesky(p2.cov)
    rots = _orthogonal_set(m)
    # a[i, j, r] = L2[j] @ R[r] @ L1inv[i]
    a = np.einsum("jkl,rlp,ipq->ijrkq", l2, rots, l1_inv).reshape(-1, m, m)
    b = (p2.mu[None, :, None, :] - np.einsum("ijrkq,iq->ijrk",
                                              a.reshape(l1.shape[0], l2.shape[0], -1, m, m),
                                              p1.mu)).reshape(-1, m)
    return a, b



def _delta2_and_grad(theta, p1: Mixture, p2: Mixture, log_p11: float, log_p22: float):
    r"""Delta^2(A#p1, p2) and its gradient with respect to theta = (vec A, b).

    Uses :math:`\|A_\# p_1\|^2 = \|p_1\|^2 / |\det A|` and, with
    :math:`S = A\Sigma_i A^T + \Sigma'_j`, :math:`r = A\mu_i + b - \mu'_j`,
    :math:`\alpha = S^{-1}r`:

    .. math::

        \partial_b \log\mathcal N = -\alpha, \qquad
        \partial_A \log\mathcal N = -\alpha\mu_i^T - (S^{-1} - \alpha\alpha^T) A \Sigma_i .
    """
    m = p1.mu.shape[1]
    a = theta[: m * m].reshape(m, m)
    b = theta[m * m :]
    sign, logdet = np.linalg.slogdet(a)
    if sign == 0 or not np.isfinite(logdet):
        return _PENALTY, np.zeros_like(theta)
    q = push(p1, a, b)
    s = q.cov[:, None] + p2.cov[None, :]
    try:
        terms = log_terms(q, p2)
    except np.linalg.LinAlgError:
        return _PENALTY, np.zeros_like(theta)
    la = log_p11 - logdet
    lc = float(logsumexp(terms))
    with np.errstate(over="ignore", invalid="ignore"):
        half = 0.5 * (la - log_p22)
        cross = np.exp(lc - 0.5 * (la + log_p22))
        f = 2.0 * np.cosh(half) - 2.0 * cross
        df_da = np.sinh(half) + cross
        df_dc = -2.0 * cross
    if not (np.isfinite(f) and np.isfinite(df_da) and f < _PENALTY):
        return _PENALTY, np.zeros_like(theta)
    soft = np.exp(terms - lc)  # d lc / d log(term_ij)
    sinv = np.linalg.inv(s)
    r = q.mu[:, None, :] - p2.mu[None, :, :]
    alpha = np.einsum("ijkl,ijl->ijk", sinv, r)
    g_s = sinv - np.einsum("ijk,ijl->ijkl", alpha, alpha)
    a_sigma = np.einsum("kl,ilm->ikm", a, p1.cov)  # A Sigma_i, (J1, m, m)
    dlc_da = -np.einsum("ij,ijk,il->kl", soft, alpha, p1.mu) - np.einsum(
        "ij,ijkl,ilm->km", soft, g_s, a_sigma
    )
    dlc_db = -np.einsum("ij,ijk->k", soft, alpha)
    dla_da = -np.linalg.inv(a).T
    grad = np.concatenate([(df_da * dla_da + df_dc * dlc_da).ravel(), df_dc * dlc_db])
    return f, grad



def _match_components(q: Mixture, p2: Mixture) -> np.ndarray:
    """perm with q component perm[j] matched to p2 component j (min summed Delta^2)."""
    n1, n2 = q.w.size, p2.w.size
    one = np.ones(1)
    cost = np.empty((n1, n2))
    for i in range(n1):
        gi = Mixture(one, q.mu[i : i + 1], q.cov[i : i + 1])
        aa = log_inner(gi, gi)
        for j in range(n2):
            gj = Mixture(one, p2.mu[j : j + 1], p2.cov[j : j + 1])
            cost[i, j] = delta2_from_logs(aa, log_inner(gi, gj), log_inner(gj, gj))
    rows, cols = linear_sum_assignment(cost)
    perm = np.empty(n2, dtype=int)
    perm[cols] = rows
    return perm



def _moment_polish(theta, p1: Mixture, p2: Mixture, perm: np.ndarray):
    r"""Least-squares fit of :math:`A\mu_{1,\pi(j)} + b = \mu_{2,j}`,
    :math:`A\Sigma_{1,\pi(j)}A^T = \Sigma_{2,j}`, weighted by the mean component weight.

    The float64 :math:`\Delta^2` is a difference of O(1) numbers, so a minimiser of it is
    only resolved to ~1e-8 in the parameters; these residuals are first-order differences,
    computed to ~1e-16, so when p2 is an exact affine image of p1 this Gauss-Newton fit
    recovers the map to rounding level.  (For other pairs its result is merely another
    candidate, kept only if its precise distance is smaller.)
    """
    m = p1.mu.shape[1]
    mu1, cov1 = p1.mu[perm], p1.cov[perm]
    wt = np.sqrt(0.5 * (p1.w[perm] + p2.w))[:, None]

    def resid(th):
        a = th[: m * m].reshape(m, m)
        r_mu = mu1 @ a.T + th[m * m :] - p2.mu
        r_cov = (a @ cov1 @ a.T - p2.cov).reshape(len(perm), -1)
        return (wt * np.concatenate([r_mu, r_cov], axis=1)).ravel()

    def jac(th):
        a = th[: m * m].reshape(m, m)
        n = len(perm)
        out = np.zeros((n, m + m * m, m * m + m))
        sig_at = cov1 @ a.T  # Sigma A^T, (J, m, m)
        for k in range(m):
            for col in range(m):
                idx = k * m + col
                out[:, k, idx] = mu1[:, col]  # d(A mu)_k / dA_{k,col}
                # d(A S A^T) = E S A^T + A S E^T with E = e_k e_col^T
                d = np.zeros((n, m, m))
                d[:, k, :] += sig_at[:, col, :]
                d[:, :, k] += sig_at[:, col, :]
                out[:, m:, idx] = d.reshape(n, -1)
            out[:, k, m * m + k] = 1.0
        return (wt[:, :, None] * out).reshape(n * (m + m * m), -1)

    if not np.all(np.isfinite(resid(theta))):
        return theta
    res = least_squares(resid, theta, jac=jac, method="trf", ftol=1e-15, xtol=1e-15,
                        gtol=1e-15, max_nfev=200)
    return res.x



def _to_std(a, b, mean1, chol1, mean2, chol2):
    """(A, b) in original coordinates -> the same map between standardised mixtures."""
    a_std = solve_triangular(chol2, a @ chol1, lower=True)
    b_std = solve_triangular(chol2, a @ mean1 + b - mean2, lower=True)
    return np.concatenate([a_std.ravel(), b_std])



def _from_std(theta, mean1, chol1, mean2, chol2):
    m = mean1.size
    a_std = theta[: m * m].reshape(m, m)
    # A = L2 A' L1^{-1}:  solve L1^T X = (L2 A')^T  for X = A^T.
    a = solve_triangular(chol1, (chol2 @ a_std).T, lower=True, trans="T").T
    b = mean2 + chol2 @ theta[m * m :] - a @ mean1
    return a, b



def dist_aff_l2(gmm1, gmm2, *, refine: bool = True) -> AffineL2Distance:
    r"""The affine-invariant L2 distance of eq. (34) of paper 003.

    .. math::

        \mathrm{dist}_{\mathrm{Aff},L2}(p_1, p_2) =
        \min_{A:\ \mathbb R^m \to \mathbb R^m \text{ affine}} \Delta_{L2}(A_\# p_1, p_2).

    **paper** -- the procedure of J.1 "Alignment": for every permutation σ of the components,
    the affine map fitted by least squares to send the means of p1 to those of p2
    (:func:`_paper_maps`; minimum-norm deviation from a translation when J <= m, since the
    means then do not determine the map), skipping maps with ``cond(A) > MAX_CONDITION``; the
    smallest :math:`\Delta_{L2}` wins.  Requires J1 == J2 <= ``MAX_PAPER_COMPONENTS``.

    **refined** -- :math:`\Delta_{L2}^2` is minimised over all :math:`m^2 + m` entries of
    (A, b) by BFGS with an analytic gradient, started from the best ``N_PAPER_STARTS`` paper
    maps and from the best ``N_ANCHORED_STARTS`` *anchored* maps (:func:`_anchored_maps`:
    each sends one component of p1 exactly onto one of p2; they matter when J <= m, where
    the paper maps are poor starts and BFGS from them often ends in a local minimum).  BFGS
    runs in coordinates where both mixtures have zero mean and identity covariance (well
    scaled; by invariance of :math:`\Delta_{L2}` nothing else changes).  Each optimum is
    then polished by a least-squares fit of the means and covariances of matched components
    (:func:`_moment_polish`), which reaches rounding level when p2 is an exact affine image of
    p1, where the float64 objective stalls near 1e-8.  ``refined`` is the smallest candidate
    *including* the paper map, so ``refined <= paper``; the search stops early once it is
    below ``NEGLIGIBLE``.  It is a local search: a smaller value may exist.

    Both reported values are ``l2_distance(..., precise=True)`` of the stored maps, so an exact
    affine image gives ~1e-15 rather than the 1e-8 floor of float64.

    On symmetry: the exact distance is symmetric, because :math:`\Delta_{L2}` is invariant
    under applying one invertible affine map to both arguments, hence
    :math:`\Delta_{L2}(A_\# p_2, p_1) = \Delta_{L2}(p_2, A^{-1}_\# p_1)`.  The *computed*
    values are not: A acts on p1, the paper map regresses the means of p2 on those of p1
    (not the other way round), and the refinement is local, so swapping the arguments can
    change ``paper`` and, occasionally, ``refined``.

    Parameters
    ----------
    gmm1, gmm2 : exactid.GaussianMixture
        p1 and p2, same dimension m and same number of components J <= 8.
    refine : bool
        Run the refinement (otherwise the ``refined*`` fields are None).

    Returns
    -------
    AffineL2Distance
    """
    check_mixture_pair(gmm1, gmm2, ("gmm1", "gmm2"))
    refine = check_bool(refine, "refine")
    _check_components(gmm1, gmm2)
    p1, p2 = mixture_of(gmm1), mixture_of(gmm2)
    score = _Scorer(p1, p2)
    best, n_perm, n_skipped = _paper_candidates(score)
    paper, perm_best, paper_a, paper_b = _best_paper_map(score, best)
    ref_val = ref_a = ref_b = None
    if refine:
        ref_val, ref_a, ref_b = paper, paper_a, paper_b
        # Already at the rounding level of the float64 parameters: nothing to refine.
        if ref_val > NEGLIGIBLE:
            ref_val, ref_a, ref_b = _refine(score, best, ref_val, ref_a, ref_b)
    return AffineL2Distance(paper, ref_val, perm_best, _frozen_copy(paper_a),
                            _frozen_copy(paper_b), _frozen_copy(ref_a), _frozen_copy(ref_b),
                            n_perm, n_skipped)


def _check_components(gmm1, gmm2) -> None:
    n_comp = gmm1.n_components
    if gmm2.n_components != n_comp:
        raise ValueError(
            f"gmm2: expected J = {n_comp} components like gmm1 (the paper alignment matches "
            f"components one to one), found J = {gmm2.n_components}"
        )
    if n_comp > MAX_PAPER_COMPONENTS:
        raise ValueError(
            f"gmm1: expected at most {MAX_PAPER_COMPONENTS} components (the paper alignment "
            f"tries all J! permutations), found J = {n_comp} ({math.factorial(n_comp)} "
            "permutations)"
        )


class _Scorer:
    """Delta_L2(A#p1, p2) of candidate maps: in float64 (for ranking) and precisely."""

    def __init__(self, p1: Mixture, p2: Mixture):
        self.p1, self.p2 = p1, p2
        self.log_p11, self.log_p22 = log_inner(p1, p1), log_inner(p2, p2)
        # Precise values of the few best: below ~1e-8 the float64 ranking is rounding noise.
        with mpmath.workdps(PRECISE_DPS):
            self.p2_mp = mp_params(p2)
            self.p22_mp = mp_inner(self.p2_mp, self.p2_mp)

    def float_delta2(self, a, b) -> np.ndarray:
        """Delta^2 in float64 of a stack of maps, a (K, m, m), b (K, m)."""
        return _paper_delta2(self.p1, self.p2, a, b, self.log_p11, self.log_p22)

    def float_delta(self, a, b) -> float:
        return math.sqrt(self.float_delta2(a[None], b[None])[0])

    def precise(self, a, b) -> float:
        return precise_delta(push(self.p1, a, b), self.p2, self.p2_mp, self.p22_mp)


def _invertible(maps_a) -> np.ndarray:
    """Indices of the maps with cond(A) <= MAX_CONDITION."""
    sv = np.linalg.svd(maps_a, compute_uv=False)
    return np.flatnonzero((sv[:, -1] > 0) & (sv[:, -1] * MAX_CONDITION >= sv[:, 0]))


def _paper_candidates(score: _Scorer):
    """The paper maps of all permutations ranked in float64: the ``N_PAPER_STARTS`` best as
    (perm, A, b, Delta^2), the number of permutations and of skipped (singular) maps."""
    perms, maps_a, maps_b = _paper_maps(score.p1, score.p2)
    ok = _invertible(maps_a)
    d2 = score.float_delta2(maps_a[ok], maps_b[ok])
    # A stable sort keeps the enumeration order among ties, so the result is reproducible.
    order = np.argsort(d2, kind="stable")[:N_PAPER_STARTS]
    best = [(perms[k], maps_a[k], maps_b[k], d2_k) for k, d2_k in zip(ok[order], d2[order])]
    return best, len(perms), len(perms) - ok.size


def _best_paper_map(score: _Scorer, best):
    """The precise winner among the ranked paper maps: (value, perm, A, b)."""
    paper = math.inf
    perm_best = paper_a = paper_b = None
    for sigma, a, b, d2_k in best:
        # A map whose float64 distance exceeds the best by more than the float64 error
        # cannot win; skip its (costly) precise evaluation.  The list is sorted: stop.
        if math.sqrt(d2_k) > paper + _FLOAT_SLACK:
            break
        val = score.precise(a, b)
        if val < paper:
            paper, perm_best, paper_a, paper_b = val, tuple(int(s) for s in sigma), a, b
    return paper, perm_best, paper_a, paper_b


def _refine(score: _Scorer, best, ref_val, ref_a, ref_b):
    """BFGS in standardised coordinates from the paper and anchored starts, each optimum
    polished by a moment fit; the best precise value found (never worse than ``ref_val``)."""
    p1, p2 = score.p1, score.p2
    m = p1.mu.shape[1]
    mean1, chol1 = _moments(p1)
    mean2, chol2 = _moments(p2)
    s1, s2 = _standardise(p1, mean1, chol1), _standardise(p2, mean2, chol2)
    ls1, ls2 = log_inner(s1, s1), log_inner(s2, s2)
    starts = [_to_std(a, b, mean1, chol1, mean2, chol2) for _, a, b, _ in best]
    # Anchored starts: when J <= m the means do not determine the map and the paper maps are
    # poor starting points (BFGS then often ends in a local minimum); maps that match one
    # pair of components exactly, means and covariances, often lie in the right basin.
    anc_a, anc_b = _anchored_maps(p1, p2)
    keep = _invertible(anc_a)
    anc_d2 = score.float_delta2(anc_a[keep], anc_b[keep])
    for k in keep[np.argsort(anc_d2, kind="stable")[:N_ANCHORED_STARTS]]:
        starts.append(_to_std(anc_a[k], anc_b[k], mean1, chol1, mean2, chol2))
    for theta0 in starts:
        res = minimize(_delta2_and_grad, theta0, args=(s1, s2, ls1, ls2), jac=True,
                       method="BFGS", options={"gtol": 1e-13, "maxiter": 2000})
        cands = [res.x]
        a_std = res.x[: m * m].reshape(m, m)
        if well_conditioned(a_std):
            perm = _match_components(push(s1, a_std, res.x[m * m :]), s2)
            cands.append(_moment_polish(res.x, s1, s2, perm))
        for theta in cands:
            a, b = _from_std(theta, mean1, chol1, mean2, chol2)
            if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and well_conditioned(a)):
                continue
            if score.float_delta(a, b) > ref_val + _FLOAT_SLACK:
                continue
            val = score.precise(a, b)
            if val < ref_val:
                ref_val, ref_a, ref_b = val, a, b
        if ref_val <= NEGLIGIBLE:
            break
    return ref_val, ref_a, ref_b


def _frozen_copy(arr):
    """A read-only float64 copy of ``arr`` (None stays None)."""
    if arr is None:
        return None
    return readonly(np.array(arr, dtype=float))
