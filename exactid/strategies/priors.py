r"""Strategies for Gaussian-mixture priors: bounded, finite, well-conditioned, simple numbers.

:func:`gaussian_mixtures` draws ``J`` components in ``R^dim``: weights proportional to small
integers, means and variances simple fractions (:mod:`exactid.strategies.values`), and for
``dim >= 2`` full covariances :math:`\Sigma = L\,\mathrm{diag}(v)\,L^T` with :math:`L` unit
lower-triangular (entries in ``[-1, 1]``), kept only when their condition number is at most
``max_condition``.  Everything shrinks towards one component at 0 with unit variance.

Condition (P2) (paper 003, Section 3.2: diagonal covariances and a pair of components whose
per-coordinate variance ratios are all distinct) can be required or excluded; the guarantee is
:func:`exactid.check_p2`'s exact decision on every drawn prior.  In one dimension a single ratio
is trivially "all distinct", so (P2) holds exactly when ``J >= 2``; excluding it in 1-D means
one component.  Excluding it in ``dim >= 2`` draws either proportional diagonal covariances
:math:`\Sigma_j = c_j D` (every pair has equal ratios) or, unless ``diagonal=True``, full
covariances.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..identifiability import check_p2
from ..models import GaussianMixture
from .arguments import dimension, int_range
from .values import positive_fractions, simple_fractions

__all__ = ["gaussian_mixtures", "MAX_CONDITION"]

#: Default bound on the condition number of every covariance.
MAX_CONDITION = 100.0


def _covariance(draw, dim: int, diagonal: bool, variances) -> np.ndarray:
    v = np.array([draw(variances) for _ in range(dim)], dtype=float)
    if diagonal or dim == 1:
        return np.diag(v)
    L = np.eye(dim)
    for i in range(dim):
        for j in range(i):
            L[i, j] = draw(simple_fractions(1.0))
    return L @ np.diag(v) @ L.T


def _well_conditioned(prior: GaussianMixture, max_condition: float) -> bool:
    return bool(np.all(np.linalg.cond(prior.covs) <= max_condition))


def gaussian_mixtures(dim: int = 1, components=(1, 5), *, diagonal: bool | None = None,
                      p2: bool | None = None, means=None, variances=None, weights=None,
                      max_condition: float = MAX_CONDITION) -> st.SearchStrategy:
    """Gaussian mixtures in ``R^dim`` (:class:`exactid.GaussianMixture`).

    Parameters
    ----------
    dim : int
        Latent dimension m.
    components : int or (int, int)
        Number of components J (inclusive range).
    diagonal : bool, optional
        Diagonal covariances only (default: full covariances for ``dim >= 2``, diagonal when
        ``p2=True``, which needs them).
    p2 : bool, optional
        True: every prior satisfies (P2); False: none does; None: either.
    means : SearchStrategy of float, optional
        Each mean coordinate (default simple fractions in ``[-3, 3]``).
    variances : SearchStrategy of float, optional
        Each variance (the diagonal of ``diag(v)``), > 0 (default fractions in
        ``[1/4, 4]``).
    weights : SearchStrategy of float, optional
        Each unnormalised weight, > 0 (default integers 1..4); the weights are these divided
        by their sum.
    max_condition : float
        Bound on the condition number of every covariance.

    Returns
    -------
    SearchStrategy of GaussianMixture
        Positive weights, finite bounded parameters.
    """
    m = dimension(dim, "dim")
    lo, hi = int_range(components, "components")
    if p2 is True and diagonal is False:
        raise ValueError("diagonal: (P2) needs diagonal covariances, found diagonal=False "
                         "with p2=True")
    if p2 is True:
        lo = max(lo, 2)
        if lo > hi:
            raise ValueError(f"components: (P2) needs at least 2 components, found {components!r}")
    if p2 is False and m == 1:
        if lo > 1:
            raise ValueError("components: in 1-D every prior with J >= 2 satisfies (P2), so "
                             f"p2=False needs J = 1, found {components!r}")
        hi = 1
    if not (isinstance(max_condition, (int, float)) and max_condition >= 1):
        raise ValueError(f"max_condition: expected a number >= 1, found {max_condition!r}")
    diag = (p2 is True) if diagonal is None else bool(diagonal)
    mean = simple_fractions(3.0, (1, 2)) if means is None else means
    var = positive_fractions(4.0) if variances is None else variances
    raw = st.integers(1, 4) if weights is None else weights

    @st.composite
    def mixtures(draw):
        n = draw(st.integers(lo, hi))
        counts = np.array([draw(raw) for _ in range(n)], dtype=float)
        mus = np.array([[draw(mean) for _ in range(m)] for _ in range(n)], dtype=float)
        if p2 is False and m > 1 and (diag or draw(st.booleans())):
            # Proportional diagonal covariances: every pair of components has equal ratios.
            base = np.diag([draw(var) for _ in range(m)])
            covs = np.array([draw(positive_fractions(2.0)) * base for _ in range(n)])
        else:
            covs = np.array([_covariance(draw, m, diag, var) for _ in range(n)])
        return GaussianMixture(counts / counts.sum(), mus, covs)

    strategy = mixtures().filter(lambda g: _well_conditioned(g, max_condition))
    if p2 is not None:
        strategy = strategy.filter(lambda g: check_p2(g).holds is p2)
    return strategy
