r"""Theorem E.1 of paper 003 as an algorithm: the coordinates of a (P2) prior recovered from an
invertible affine image of it, up to permutation, scaling and sign.

If :math:`Z` has a (P2) prior (diagonal covariances :math:`\Sigma_k`, a pair of components
with distinct variance ratios; see :mod:`~exactid.identifiability.p2`) and
:math:`Y = AZ + b` with A invertible, the covariances of Y are
:math:`\tilde\Sigma_k = A\Sigma_k A^T`.  For a pair (i, j) the generalised symmetric-definite
eigenproblem :math:`\tilde\Sigma_i v = r\,\tilde\Sigma_j v` has eigenvalues
:math:`r_t = (\Sigma_i)_{tt} / (\Sigma_j)_{tt}` and, when they are distinct, eigenvectors
proportional to the columns of :math:`A^{-T}`: the rows of :math:`V^T` are the coordinate
functionals of Z, each up to a factor.  This module solves it with
:func:`scipy.linalg.eigh` (Cholesky of :math:`\tilde\Sigma_j`, then a symmetric eigenproblem:
backward stable, and no non-symmetric eigensolver whose eigenvectors could turn complex).

What to use when: :func:`recover_coordinates` on the prior of Y (full covariances); to ask
whether a prior *is* (P2) as written, :func:`~exactid.identifiability.p2.check_p2`.

The design trade-off is the tolerance: float input makes the recovered covariances diagonal
only to rounding, and that rounding is amplified by the conditioning of the problem, so the
diagonality test allows ``tol`` plus an estimate of the rounding.

Accuracy.  The computed :math:`A'^{-1}A` deviates from :math:`QD` (relatively, row by row) by
up to a few :math:`\epsilon\,\kappa / g`, with :math:`\epsilon` the machine epsilon, g the
smallest relative gap between the ratios and :math:`\kappa` the condition number of the
pair's covariances, :math:`\kappa \approx \operatorname{cond}(A)^2
\operatorname{cond}(\Sigma)`.  Rounding :math:`\tilde\Sigma` to float already moves its
small eigendirections that much: this is the conditioning of the problem, not of the method
(for ``cond(A) = 1e3`` and ``g = 0.05``, errors up to ~1e-8 are expected).  The diagonality
check therefore allows ``tol + ROUNDING_FACTOR * eps * kappa / g``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..models import GaussianMixture
from ..validation import check_instance, check_number, readonly
from .checks import check_index

__all__ = ["CoordinateRecovery", "recover_coordinates", "ROUNDING_FACTOR"]

#: Safety factor of the rounding allowance ``ROUNDING_FACTOR * eps * cond / gap`` added to
#: ``tol`` in the diagonality test.  On random (P2) images with ``cond(A) <= 1e3`` the
#: largest observed correlation left by rounding was 7.6 times ``eps * cond / gap``.
ROUNDING_FACTOR = 100.0


@dataclass(frozen=True, eq=False)
class CoordinateRecovery:
    r"""Result of :func:`recover_coordinates`.  Arrays are read-only; compares by identity.

    With :math:`W = A'^{-1}(Y - c)` the recovered coordinates, :math:`Y = A'W + c`.

    Attributes
    ----------
    matrix : ndarray, shape (m, m)
        :math:`A'`; when :math:`Y = AZ + b` with Z (P2), :math:`A'^{-1}A = QD`, Q a
        permutation and D diagonal with nonzero (not necessarily positive) entries.
    inverse : ndarray, shape (m, m)
        :math:`A'^{-1}`.
    centre : ndarray, shape (m,)
        :math:`c`, the mean of the mixture (zero-weight components contribute nothing).
    pair : tuple of (int, int)
        Component indices (i, j) of the prior that were used.
    ratios : tuple of float
        Generalised eigenvalues :math:`r_t` of :math:`(\tilde\Sigma_i, \tilde\Sigma_j)`,
        increasing; :math:`r_t` is the variance ratio of recovered coordinate t.
    min_gap : float
        Smallest relative gap :math:`1 - r_t / r_{t+1}` (``inf`` for m = 1).
    coordinates : GaussianMixture
        The law of W: all components of the prior (same order and weights) mapped by
        :math:`A'^{-1}(\cdot - c)`; the components of positive weight have diagonal
        covariances up to ``max_offdiag``.
    max_offdiag : float
        Largest correlation :math:`|C_{st}| / \sqrt{C_{ss}C_{tt}}`, s != t, in the recovered
        covariances :math:`C_k` of positive weight (0 for m = 1): the check.
    offdiag_tol : float
        The threshold it had to meet: ``tol`` plus the rounding allowance.
    """

    matrix: np.ndarray
    inverse: np.ndarray
    centre: np.ndarray
    pair: tuple
    ratios: tuple
    min_gap: float
    coordinates: GaussianMixture
    max_offdiag: float
    offdiag_tol: float


def recover_coordinates(prior: GaussianMixture, pair=None,
                        tol: float = 1e-9) -> CoordinateRecovery:
    r"""Recover the coordinates of a (P2) prior from an invertible affine image of it
    (paper 003, Theorem E.1).

    Algorithm.  (1) The pair: ``pair`` if given, else among the components of positive
    weight the pair whose generalised eigenvalues have the largest minimum relative gap (ties:
    the first ``i < j``), ordered so that :math:`\det\tilde\Sigma_i \ge
    \det\tilde\Sigma_j`.  (2) :math:`\tilde\Sigma_i V = \tilde\Sigma_j V \operatorname{diag}
    (r)` with :math:`V^T\tilde\Sigma_j V = I` (:func:`scipy.linalg.eigh`); :math:`A'^{-1}` is
    :math:`V^T` with its rows rescaled, and :math:`A' = \tilde\Sigma_j V` rescaled (the exact
    inverse, no matrix inversion).  (3) The check: the covariances
    :math:`A'^{-1}\tilde\Sigma_k A'^{-T}` of every component of positive weight must be
    diagonal.  If the prior is an affine image of a (P2) prior, every pair with distinct
    eigenvalues gives the same coordinates, so a failure means that it is not one (e.g. three
    components with unrelated full covariances).

    Convention (the paper's :math:`D` has positive entries; here only :math:`D \ne 0`).  The
    law of Y does not determine the sign of a coordinate: reflecting :math:`Z_t` gives
    another (P2) prior with the same image law, so Theorem E.1's "positive entries" cannot
    be achieved from the law of Y alone (it needs the unknown signs of A's columns).  The
    scale is not determined either.  We fix both canonically, from the law: coordinates are
    ordered by increasing ratio :math:`r_t`; centred at the mixture mean c; scaled to unit
    variance under the mixture; and signed so that their third central moment is positive.
    When that moment is 0 within ``offdiag_tol`` (a coordinate symmetric in law, where no
    rule based on the law can choose), the entry of largest magnitude of the coordinate's
    column of :math:`A'` is made positive (the first one on ties).  Apart from that fallback
    and ties between pairs, the result depends only on the law of Y.

    Accuracy: see the module docstring; correlations up to ``offdiag_tol`` = ``tol`` +
    ``ROUNDING_FACTOR`` :math:`\epsilon\kappa / g` pass the diagonality check.

    Parameters
    ----------
    prior : GaussianMixture
        The law of Y, m >= 1, at least two components of positive weight.
    pair : tuple of (int, int) or None
        Component indices (i, j), distinct and of positive weight; ratios are then
        :math:`(\Sigma_i)_{tt} / (\Sigma_j)_{tt}`.
    tol : float
        In ``(0, 1)``: eigenvalues whose relative gap is ``<= tol`` count as equal, and the
        relative tolerance of the diagonality check (plus the rounding allowance).

    Returns
    -------
    CoordinateRecovery

    Raises
    ------
    ValueError
        On bad arguments; if fewer than two components have positive weight; if no pair (or
        the given pair) has distinct generalised eigenvalues; or if the recovered covariances
        are not all diagonal (the prior is not an invertible affine image of a (P2) prior).
    """
    check_instance(prior, "prior", GaussianMixture)
    tol = check_number(tol, "tol", "a number in (0, 1)", lambda v: 0.0 < v < 1.0)
    keep = [k for k in range(prior.n_components) if prior.weights[k] > 0]
    if len(keep) < 2:
        raise ValueError("prior: expected at least two components of positive weight "
                         f"(Theorem E.1 needs J >= 2), found {len(keep)}")
    pair, ratios, vecs, gap = _pencil(prior.covs, pair, prior, keep, tol)
    i, j = pair
    cond = float(max(np.linalg.cond(prior.covs[i]), np.linalg.cond(prior.covs[j])))
    allowance = 0.0 if math.isinf(gap) else ROUNDING_FACTOR * np.finfo(float).eps * cond / gap
    offdiag_tol = float(tol + allowance)
    centre = prior.weights @ prior.means
    inverse, matrix = _canonical(prior, vecs.T, prior.covs[j] @ vecs, centre, offdiag_tol)
    coords = _image(prior, inverse, centre)
    worst, where = _max_offdiag(coords.covs, keep)
    if worst > offdiag_tol:
        k, s, t = where
        raise ValueError(
            f"prior: expected an invertible affine image of a (P2) prior, found that in the "
            f"coordinates recovered from components {pair} covs[{k}] has correlation "
            f"{worst:.3g} between coordinates {s} and {t} (> {offdiag_tol:.3g} allowed): not "
            "diagonal")
    return CoordinateRecovery(
        matrix=readonly(matrix), inverse=readonly(inverse), centre=readonly(centre),
        pair=pair, ratios=tuple(float(r) for r in ratios), min_gap=gap, coordinates=coords,
        max_offdiag=worst, offdiag_tol=offdiag_tol)


def _pencil(covs: np.ndarray, pair, prior: GaussianMixture, keep: list, tol: float):
    """The pair (given or best), its increasing ratios, eigenvectors and minimum gap; raises
    when the ratios are not distinct within ``tol``."""
    given = pair is not None
    pair = _check_pair(pair, prior, keep) if given else _best_pair(covs, keep)
    ratios, vecs = _eigh(covs[pair[0]], covs[pair[1]], pair)
    gap = _min_gap(ratios)
    if gap <= tol:
        which = (f"pair: expected components whose generalised eigenvalues are distinct "
                 f"(relative gap > tol = {tol:g}), found {pair}" if given else
                 f"prior: expected a pair of components whose generalised eigenvalues are "
                 f"distinct (relative gap > tol = {tol:g}), found none; the best is {pair}")
        raise ValueError(f"{which} with ratios {_show(ratios)}, minimum relative gap "
                         f"{gap:.3g}: not an affine image of a (P2) prior with distinct ratios")
    return pair, ratios, vecs, gap


def _eigh(a: np.ndarray, b: np.ndarray, pair):
    """Generalised eigenvalues (increasing) and B-orthonormal eigenvectors of (a, b)."""
    from scipy.linalg import LinAlgError, eigh  # lazy: keeps `import exactid` free of scipy

    try:
        return eigh(a, b)
    except LinAlgError as exc:
        raise ValueError(f"prior: expected numerically positive definite covariances for "
                         f"components {pair}, found eigh failing ({exc})") from None


def _min_gap(ratios: np.ndarray) -> float:
    """Smallest relative gap 1 - r_t / r_{t+1} of increasing ratios (inf for one ratio)."""
    if ratios.size < 2:
        return math.inf
    return float(np.min(1.0 - ratios[:-1] / ratios[1:]))


def _show(ratios) -> str:
    return "(" + ", ".join(f"{r:.6g}" for r in ratios) + ")"


def _best_pair(covs: np.ndarray, keep: list) -> tuple:
    """The pair of ``keep`` with the largest minimum relative eigenvalue gap (ties: the first
    i < j), oriented so that the product of its ratios, det(S_i) / det(S_j), is >= 1."""
    best, best_gap, best_logdet = None, -math.inf, 0.0
    for a, i in enumerate(keep):
        for j in keep[a + 1:]:
            ratios = _eigh(covs[i], covs[j], (i, j))[0]
            gap = _min_gap(ratios)
            if gap > best_gap:  # strictly: ties keep the first pair
                best, best_gap, best_logdet = (i, j), gap, float(np.sum(np.log(ratios)))
    # Swapping the pair inverts the ratios and so reverses the order of the coordinates; the
    # sign of log det(S_i) - log det(S_j) = log det(A S_i A^T) - log det(A S_j A^T) does not
    # depend on A, so this orientation (unlike index order) is a property of the law.
    return best if best_logdet >= 0.0 else best[::-1]


def _check_pair(pair, prior: GaussianMixture, keep: list) -> tuple:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"pair: expected None or two component indices (i, j), found {pair!r}")
    i, j = (check_index(k, "pair", prior.n_components, "component index") for k in pair)
    if i == j:
        raise ValueError(f"pair: expected two different components, found ({i}, {j})")
    for k in (i, j):
        if k not in keep:
            raise ValueError(f"pair: expected components of positive weight, found component "
                             f"{k} with weight 0")
    return i, j


def _canonical(prior: GaussianMixture, inverse: np.ndarray, matrix: np.ndarray,
               centre: np.ndarray, zero: float):
    """Rows of ``inverse`` (columns of ``matrix``) scaled to unit variance under the mixture
    and signed to a positive third central moment (or, when that is within ``zero`` of 0,
    to a positive largest entry of the column of ``matrix``)."""
    w = prior.weights
    mu = (prior.means - centre) @ inverse.T  # (J, m) component means of W
    var = np.einsum("ts,jsu,tu->jt", inverse, prior.covs, inverse)  # (J, m) variances of W
    total = w @ (var + mu**2)
    mu, var = mu / np.sqrt(total), var / total
    third = w @ (mu**3 + 3.0 * mu * var)  # third central moment; the mean is 0 (centred)
    fallback = np.sign(matrix[np.argmax(np.abs(matrix), axis=0), np.arange(matrix.shape[1])])
    sign = np.where(np.abs(third) > zero, np.sign(third), fallback)
    scale = sign / np.sqrt(total)
    return inverse * scale[:, None], matrix / scale[None, :]


def _image(prior: GaussianMixture, inverse: np.ndarray, centre: np.ndarray) -> GaussianMixture:
    """The law of ``inverse @ (Y - centre)``, component by component."""
    means = (prior.means - centre) @ inverse.T
    covs = np.einsum("st,jtu,vu->jsv", inverse, prior.covs, inverse)
    # Exactly symmetric (GaussianMixture checks symmetry; the products are so up to rounding).
    return GaussianMixture(prior.weights, means, 0.5 * covs + 0.5 * covs.transpose(0, 2, 1))


def _max_offdiag(covs: np.ndarray, keep: list):
    """Largest off-diagonal correlation among ``covs[keep]`` and where: (value, (k, s, t))."""
    m = covs.shape[1]
    if m == 1:
        return 0.0, None
    sd = np.sqrt(np.einsum("jtt->jt", covs[keep]))
    corr = np.abs(covs[keep]) / sd[:, :, None] / sd[:, None, :]
    corr[:, np.arange(m), np.arange(m)] = 0.0
    a, s, t = np.unravel_index(int(np.argmax(corr)), corr.shape)
    return float(corr[a, s, t]), (keep[a], int(s), int(t))
