r"""Condition (P2) of paper 003 decided for a given Gaussian-mixture prior.

(P2) (Section 3.2): the covariances of all components are diagonal (:math:`Z_i \perp Z_j
\mid U`) and some pair of components :math:`(u_1, u_2)` has per-coordinate variance ratios
:math:`(\Sigma_{u_1})_{tt} / (\Sigma_{u_2})_{tt}`, :math:`t = 1..m`, that are all distinct.
Under (P2), an invertible affine image of the prior determines the coordinates up to
permutation, scaling and translation (Theorem E.1); that recovery is
:func:`exactid.identifiability.coordinates.recover_coordinates`.

What to use when:

* ``check_p2(prior)`` -- the exact decision.  Every float parameter is the rational number it
  represents (:class:`fractions.Fraction`): off-diagonal entries must be exactly 0 and ratios
  are compared exactly, so ratios that differ in the last bit count as distinct.  This is the
  answer for the prior as written down (e.g. built by hand from small numbers).
* ``check_p2(prior, tol)`` -- the decision within a relative tolerance, for a prior that came
  out of a computation (a trained model): a correlation :math:`|c_{st}| / \sqrt{c_{ss}
  c_{tt}} \le` ``tol`` counts as 0, and two ratios count as equal when their relative gap
  :math:`|r_s - r_t| / \max(r_s, r_t) \le` ``tol``.

Conventions: zero-weight components are ignored (they are not part of the law; a model may
carry them, see :class:`~exactid.models.GaussianMixture`), so ``J`` below counts the
components of positive weight.  For ``m = 1`` a single ratio is trivially "all distinct":
(P2) holds as soon as ``J >= 2``.  The relative gap is symmetric under exchanging the two
components (:math:`r \mapsto 1/r` leaves it unchanged), so only pairs ``i < j`` are examined.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..models import GaussianMixture
from ..validation import check_instance, check_number

__all__ = ["P2Report", "check_p2", "MAX_LISTED"]

#: Number of component pairs whose coinciding ratios the reason lists in full.
MAX_LISTED = 10


@dataclass(frozen=True)
class P2Report:
    """Result of :func:`check_p2`; ``bool(report)`` is ``report.holds``.

    Attributes
    ----------
    holds : bool
        Whether (P2) holds (exactly, or within ``tol``).
    exact : bool
        True for the exact decision (``tol=None``).
    pair : tuple of (int, int) or None
        0-based component indices ``(i, j)``, ``i < j``, of the pair with distinct ratios and
        the largest minimum relative gap between them (the most robust choice; ties go to the
        first pair in lexicographic order).  None when (P2) fails.
    ratios : tuple of float or None
        :math:`(\\Sigma_i)_{tt} / (\\Sigma_j)_{tt}` for ``t = 0..m-1`` (coordinate order) of
        ``pair``, rounded to float (``inf`` / ``0.0`` beyond the float range).
    min_gap : float or None
        Smallest relative gap ``|r_s - r_t| / max(r_s, r_t)`` between two ratios of ``pair``
        (``inf`` for ``m = 1``); None when (P2) fails.
    reason : str
        Why: the pair and its gap, or the first non-diagonal covariance and its entry, or
        the coinciding ratios of every pair, or ``"J < 2"``.
    tol : float or None
        The tolerance used (None: exact).
    """

    holds: bool
    exact: bool
    pair: tuple | None
    ratios: tuple | None
    min_gap: float | None
    reason: str
    tol: float | None

    def __bool__(self) -> bool:
        return self.holds


def _check_tol(tol) -> float | None:
    if tol is None:
        return None
    # A relative gap lies in [0, 1): tol >= 1 would merge every ratio.
    return check_number(tol, "tol", "None (exact decision) or a number in (0, 1)",
                        lambda v: 0.0 < v < 1.0)


def check_p2(prior: GaussianMixture, tol: float | None = None) -> P2Report:
    r"""Decide condition (P2) of paper 003 for ``prior``.

    Parameters
    ----------
    prior : GaussianMixture
        The prior :math:`\sum_j \lambda_j \mathcal N(\mu_j, \Sigma_j)` on :math:`\mathbb R^m`,
        any ``m``; components of weight 0 are ignored.
    tol : float or None
        None: exact decision in rational arithmetic.  A number in ``(0, 1)``: a covariance is
        diagonal when every correlation :math:`|c_{st}| \le` ``tol`` :math:`\sqrt{c_{ss}
        c_{tt}}`, and two ratios are distinct when their relative gap exceeds ``tol``.

    Returns
    -------
    P2Report
        When several pairs have distinct ratios, the one whose closest two ratios are
        furthest apart (relative gap), ties to the first.

    Raises
    ------
    ValueError
        If ``prior`` is not a GaussianMixture or ``tol`` is not None or in ``(0, 1)``.

    Examples
    --------
    >>> P = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]],
    ...                     [[[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 4.0]]])
    >>> r = check_p2(P)
    >>> bool(r), r.pair, r.ratios
    (True, (0, 1), (0.5, 0.25))
    """
    check_instance(prior, "prior", GaussianMixture)
    tol = _check_tol(tol)
    exact = tol is None
    keep = [j for j in range(prior.n_components) if prior.weights[j] > 0]
    covs = prior.covs

    def report(holds, reason, pair=None, ratios=None, gap=None):
        return P2Report(holds, exact, pair, ratios, gap, reason, tol)

    bad = _non_diagonal(covs, keep, tol)
    if bad:
        return report(False, bad)
    if len(keep) < 2:
        return report(False, f"J < 2: (P2) needs two components of positive weight, found "
                             f"{len(keep)}")
    best, failures = None, []
    for a, i in enumerate(keep):
        for j in keep[a + 1:]:
            gap, equal = (_exact_gap if exact else _float_gap)(covs, i, j, tol)
            if equal:
                failures.append(f"({i}, {j}): {equal}")
            # Strictly larger: the first of tied pairs stays.
            elif best is None or gap > best[0]:
                best = (gap, (i, j))
    if best is None:
        shown = "; ".join(failures[:MAX_LISTED])
        more = f"; and {len(failures) - MAX_LISTED} more pairs" if len(failures) > MAX_LISTED \
            else ""
        return report(False, f"no pair of components has distinct variance ratios: "
                             f"{shown}{more}")
    gap, (i, j) = best
    diag = np.einsum("jtt->jt", covs)
    with np.errstate(over="ignore", under="ignore"):
        ratios = tuple(float(r) for r in diag[i] / diag[j])
    gap = float(gap)
    within = "exactly" if exact else f"within tol {tol:g}"
    return report(True, f"covariances diagonal {within}; components ({i}, {j}) have distinct "
                        f"variance ratios, minimum relative gap {gap:.3g}",
                  (i, j), ratios, gap)


def _non_diagonal(covs: np.ndarray, keep: list, tol: float | None) -> str:
    """The reason naming the first non-diagonal covariance, or '' if all are diagonal."""
    m = covs.shape[1]
    off = ~np.eye(m, dtype=bool)
    bad = []
    for j in keep:
        c = covs[j]
        if tol is None:
            # Exact: a float is 0 as a rational number exactly when it is 0.0.
            hits = np.argwhere(off & (c != 0.0))
            if hits.size:
                s, t = (int(k) for k in hits[0])
                bad.append(f"covs[{j}] is not diagonal: covs[{j}][{s}, {t}] = "
                           f"{float(c[s, t])!r}")
        else:
            # sqrt(c_ss) sqrt(c_tt) rather than sqrt(c_ss c_tt): the product can overflow.
            sd = np.sqrt(np.diag(c))
            corr = np.where(off, np.abs(c) / sd[:, None] / sd[None, :], 0.0)
            s, t = np.unravel_index(int(np.argmax(corr)), corr.shape)
            if corr[s, t] > tol:
                bad.append(f"covs[{j}] is not diagonal within tol {tol:g}: covs[{j}][{s}, {t}] "
                           f"= {float(c[s, t])!r}, correlation {corr[s, t]:.3g}")
    if not bad:
        return ""
    return bad[0] + (f" (and {len(bad) - 1} more non-diagonal covariances)" if len(bad) > 1
                     else "")


def _exact_gap(covs: np.ndarray, i: int, j: int, tol) -> tuple:
    """Exact (min relative gap, '') of the ratios of components i and j, or (None, why) when
    two ratios coincide.  Fractions hold the floats exactly, so r_s = r_t is decided exactly
    (it is a_s b_t = a_t b_s, a cross-multiplication of integers scaled by powers of two)."""
    m = covs.shape[1]
    ratios = sorted((Fraction(float(covs[i, t, t])) / Fraction(float(covs[j, t, t])), t)
                    for t in range(m))
    equal = [(s, t, r) for (r, s), (q, t) in zip(ratios, ratios[1:]) if r == q]
    if equal:
        return None, _describe_equal([(min(s, t), max(s, t), float(r)) for s, t, r in equal])
    # Ratios sorted increasing: the relative gap of neighbours is 1 - r_k / r_{k+1}; a ratio's
    # closest neighbour in relative terms is one of its two sorted neighbours.
    gaps = [1 - r / q for (r, _), (q, _) in zip(ratios, ratios[1:])]
    return (min(gaps) if gaps else math.inf), ""


def _float_gap(covs: np.ndarray, i: int, j: int, tol: float) -> tuple:
    """As :func:`_exact_gap` within ``tol``, in log space (ratios of variances near the float
    limits overflow, their logarithms do not)."""
    diag_i, diag_j = np.einsum("tt->t", covs[i]), np.einsum("tt->t", covs[j])
    logs = np.log(diag_i) - np.log(diag_j)
    order = np.argsort(logs, kind="stable")
    # Relative gap of neighbours: 1 - r_k / r_{k+1} = -expm1(-(log r_{k+1} - log r_k)).
    gaps = -np.expm1(-np.diff(logs[order]))
    close = np.flatnonzero(gaps <= tol)
    if close.size:
        with np.errstate(over="ignore", under="ignore"):
            ratios = diag_i / diag_j
        pairs = [(int(min(order[k], order[k + 1])), int(max(order[k], order[k + 1])))
                 for k in close]
        return None, "; ".join(
            f"coordinates {s} and {t} have ratios {ratios[s]:.6g} and {ratios[t]:.6g} "
            f"(relative gap {gap:.2g} <= tol)" for (s, t), gap in zip(pairs, gaps[close]))
    return (float(gaps.min()) if gaps.size else math.inf), ""


def _describe_equal(equal: list) -> str:
    return "; ".join(f"coordinates {s} and {t} share the ratio {r:.6g}" for s, t, r in equal)
