r"""Stability metrics for learned latent spaces on samples: strong and weak MCC, and CCA.

The MCCs compare two latent representations of the same data (paper 000, Section 4 and
Appendix C; paper 003, Appendix J.1).  The distance between the learned *priors*,
distAff,L2, is :mod:`vade_check.alignment`.

* **MCC on samples.**  The strong MCC matches coordinates one to one (Hungarian algorithm on
  the absolute correlations); the weak MCC first aligns the two spaces with an affine map found
  by canonical correlation analysis (CCA).  Both are computed *out of sample* by default: the
  matching / CCA is fitted on one random half of the rows and scored on the other half, because
  the best of ``d!`` matchings, or a CCA fit, scored on its own data is optimistically biased
  (on pure noise the in-sample weak MCC is far from 0).  CCA is written here in NumPy; columns
  are standardised and each covariance block is whitened with a ridge of ``CCA_RIDGE`` times
  its largest eigenvalue, which keeps rank-deficient blocks finite at the price of a relative
  bias of about ``CCA_RIDGE / lambda_min`` in the canonical correlations.
No function here draws random numbers except through the explicit ``seed`` arguments.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata

from exactid.validation import as_float_array, as_generator, check_bool, check_integer, readonly

__all__ = [
    "CCA_RIDGE",
    "CCAResult",
    "mcc",
    "strong_mcc",
    "weak_mcc",
    "cca",
]

#: Ridge of the CCA whitening, relative to the largest eigenvalue of each (standardised)
#: covariance block.
CCA_RIDGE = 1e-10

_METHODS = ("pearson", "spearman")


# ============================================================================================
# Validation
# ============================================================================================
def _check_latents(z1, z2, min_rows: int, why: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate a pair of latent sample matrices of shapes (N, d1) and (N, d2)."""
    x = as_float_array(z1, "z1", 2)
    y = as_float_array(z2, "z2", 2)
    for arr, name in ((x, "z1"), (y, "z2")):
        if arr.shape[1] == 0:  # pragma: no mutate (a shape is >= 0: '<=' is '==')
            raise ValueError(
                f"{name}: expected an array of shape (N, d) with d >= 1 columns, "
                f"found shape {arr.shape}"
            )
    n = x.shape[0]
    if y.shape[0] != n:
        raise ValueError(
            f"z2: expected an array of shape (N, d) with N = {n} rows like z1, "
            f"found shape {y.shape}"
        )
    if n < min_rows:
        raise ValueError(f"z1: expected at least {min_rows} rows ({why}), found {n}")
    return x, y


def _check_method(method) -> str:
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"method: expected 'pearson' or 'spearman', found {method!r}")
    return method


def _check_n_components(n_components, d1: int, d2: int) -> int:
    top = min(d1, d2)
    if n_components is None:
        return top
    check_integer(n_components, "n_components", want="None or an int")
    if not 1 <= n_components <= top:
        raise ValueError(
            f"n_components: expected an int between 1 and min(d1, d2) = {top}, "
            f"found {n_components}"
        )
    return int(n_components)


def _split(n: int, seed) -> tuple[np.ndarray, np.ndarray]:
    """Fit half (first floor(n/2) of a seeded permutation) and score half (the rest)."""
    perm = as_generator(seed).permutation(n)
    return perm[: n // 2], perm[n // 2 :]


# ============================================================================================
# MCC
# ============================================================================================
def _unit_columns(x: np.ndarray) -> np.ndarray:
    """Centred columns scaled to unit Euclidean norm; constant columns become 0.

    A column is constant when all its entries are equal.  This is tested on the raw values:
    the computed mean of equal numbers is not always that number (``mean([0.1] * 3) != 0.1``),
    so centring would leave rounding noise whose "correlation" is meaningless.
    """
    const = np.ptp(x, axis=0) == 0  # pragma: no mutate (ptp >= 0: '<=' is '==')
    # Scale every column by a power of two (exact) so that squaring can neither overflow
    # nor underflow (frexp(0) has exponent 0, so an all-zero column is left alone).
    x = _power_of_two_scaled(x)
    xc = x - x.mean(axis=0)
    # A column that is not constant has two different entries, at least one of which differs
    # from the mean by about half the range, which after the scaling is >= 2**-54: its
    # norm cannot vanish, so only the constant columns need the guard.
    xc[:, const] = 0.0
    norm = np.sqrt(np.einsum("ij,ij->j", xc, xc))
    norm[const] = 1.0  # pragma: no mutate (any nonzero value: the column is 0)
    return xc / norm


def _abs_corr(x: np.ndarray, y: np.ndarray, method: str) -> np.ndarray:
    """|correlation| between the columns of x (n, d1) and y (n, d2), shape (d1, d2)."""
    if method == "spearman":  # pragma: no mutate (method is 'pearson' or 'spearman')
        x = rankdata(x, axis=0)
        y = rankdata(y, axis=0)
    c = np.abs(_unit_columns(x).T @ _unit_columns(y))
    # Rounding can push |r| a few ulps above 1.
    return np.minimum(c, 1.0)


def _matching(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matching of rows and columns of c maximising the summed entries."""
    return linear_sum_assignment(c, maximize=True)


def _mcc_value(x: np.ndarray, y: np.ndarray, method: str) -> float:
    c = _abs_corr(x, y, method)
    rows, cols = _matching(c)
    return float(c[rows, cols].mean())


def mcc(z1, z2, method: str = "pearson") -> float:
    r"""Mean correlation coefficient under the best one-to-one matching of coordinates.

    .. math::

        \mathrm{MCC}(z_1, z_2) = \max_{\pi}\ \frac{1}{k} \sum_{i=1}^{k}
        \left|\rho\!\left(z_{1,i},\, z_{2,\pi(i)}\right)\right|,
        \qquad k = \min(d_1, d_2),

    where :math:`\pi` ranges over injective maps between the coordinate sets (the Hungarian
    algorithm, :func:`scipy.optimize.linear_sum_assignment`) and :math:`\rho` is the Pearson
    correlation, or for ``method="spearman"`` the Pearson correlation of the column ranks.
    Matching and scoring use the same rows (in sample).

    Parameters
    ----------
    z1 : array_like, shape (N, d1)
    z2 : array_like, shape (N, d2)
        Two representations of the same N points, ``N >= 2``.
    method : {"pearson", "spearman"}

    Returns
    -------
    float
        In [0, 1].  A constant column has correlation 0 with every column.

    Raises
    ------
    ValueError
        On non-finite values, wrong shapes, fewer than 2 rows or an unknown method.
    """
    method = _check_method(method)
    x, y = _check_latents(z1, z2, 2, "a correlation needs two points")
    return _mcc_value(x, y, method)


def strong_mcc(z1, z2, *, method: str = "pearson", out_of_sample: bool = True,
               seed=0) -> float:
    r"""Strong MCC: the MCC before any affine alignment (paper 000 Section 4, paper 003 J.1).

    Out of sample (the default), the rows are split by ``numpy.random.default_rng(seed)
    .permutation(N)`` into a fit half (its first :math:`\lfloor N/2 \rfloor` entries) and a
    score half (the rest).  The matching :math:`\hat\pi` is chosen on the fit half and the
    same pairs are scored on the score half:

    .. math::

        \frac{1}{k}\sum_{i=1}^{k} \left|\rho_{\text{score}}\!\left(z_{1,i},
        z_{2,\hat\pi(i)}\right)\right|,
        \qquad \hat\pi = \arg\max_\pi \sum_i \left|\rho_{\text{fit}}\!\left(z_{1,i},
        z_{2,\pi(i)}\right)\right| .

    With ``out_of_sample=False`` this is :func:`mcc` on all rows.

    Parameters
    ----------
    z1 : array_like, shape (N, d1)
    z2 : array_like, shape (N, d2)
        ``N >= 4`` out of sample (two halves of at least 2 rows), ``N >= 2`` otherwise.
    method : {"pearson", "spearman"}
    out_of_sample : bool
    seed : int, None or numpy.random.Generator
        Seed of the split; ignored when ``out_of_sample`` is False.

    Returns
    -------
    float
        In [0, 1].
    """
    method = _check_method(method)
    oos = check_bool(out_of_sample, "out_of_sample")
    if not oos:
        x, y = _check_latents(z1, z2, 2, "a correlation needs two points")
        return _mcc_value(x, y, method)
    x, y = _check_latents(z1, z2, 4, "two halves of at least 2 rows for the out-of-sample split")
    fit, score = _split(x.shape[0], seed)
    rows, cols = _matching(_abs_corr(x[fit], y[fit], method))
    return float(_abs_corr(x[score], y[score], method)[rows, cols].mean())


def weak_mcc(z1, z2, *, method: str = "pearson", out_of_sample: bool = True, seed=0,
             n_components=None) -> float:
    r"""Weak MCC: the MCC after an affine alignment fitted by CCA.

    A CCA with ``k = n_components`` (default :math:`\min(d_1, d_2)`) directions is fitted on
    the fit half (split as in :func:`strong_mcc`); both blocks of the score half are mapped to
    canonical variates :math:`u = (z_1 - \bar z_1) W_1`, :math:`v = (z_2 - \bar z_2) W_2`
    with the fitted means and weights, and the result is the MCC (Hungarian matching, as in
    :func:`mcc`) between :math:`u` and :math:`v` on the score half.  CCA already pairs
    :math:`u_i` with :math:`v_i`, so with real signal the matching is the identity; it is
    kept so that the metric is the MCC of the aligned variates, as in paper 000.  Note that
    this matching is chosen on the score half itself: when the canonical correlations are
    weak it picks the largest of many noisy correlations, an optimistic bias (pure noise with
    k = 8 and 30 score rows gives ~0.26, not ~0.15).  With ``out_of_sample=False`` the CCA is
    fitted and scored on all rows.

    Parameters
    ----------
    z1 : array_like, shape (N, d1)
    z2 : array_like, shape (N, d2)
        ``N >= 4`` out of sample, ``N >= 2`` otherwise.
    method : {"pearson", "spearman"}
        Correlation used on the canonical variates.
    out_of_sample : bool
    seed : int, None or numpy.random.Generator
    n_components : int or None
        Number of canonical directions, ``1 <= k <= min(d1, d2)``.

    Returns
    -------
    float
        In [0, 1].
    """
    method = _check_method(method)
    oos = check_bool(out_of_sample, "out_of_sample")
    if oos:
        x, y = _check_latents(
            z1, z2, 4, "two halves of at least 2 rows for the out-of-sample split"
        )
    else:
        x, y = _check_latents(z1, z2, 2, "a correlation needs two points")
    k = _check_n_components(n_components, x.shape[1], y.shape[1])
    if oos:
        fit, score = _split(x.shape[0], seed)
    else:
        fit = score = np.arange(x.shape[0])
    # CCA and the MCC of its variates are invariant under scaling a column; scaling every
    # column by a power of two (exact) first keeps the weights representable even for
    # columns of subnormal size, whose weights (~1 / size) would overflow.
    x, y = _power_of_two_scaled(x), _power_of_two_scaled(y)
    model = _fit_cca(x[fit], y[fit], k)
    u, v = model.transform(x[score], y[score])
    return _mcc_value(u, v, method)


# ============================================================================================
# CCA
# ============================================================================================
@dataclass(frozen=True, eq=False)
class CCAResult:
    r"""A fitted canonical correlation analysis.

    The canonical variates of new data are :math:`u = (z_1 - \bar z_1) W_1` and
    :math:`v = (z_2 - \bar z_2) W_2`; on the fitting data they have (up to the ridge)
    identity covariance (normalised by N - 1) and
    :math:`\operatorname{cov}(u_i, v_j) = \rho_i \delta_{ij}`, except that a block of
    constant columns has zero variates.  The sign of each pair is fixed so that the entry of
    largest magnitude in each column of :math:`W_1` is positive.  Results are immutable and
    compare by identity.

    Attributes
    ----------
    correlations : ndarray, shape (k,)
        Canonical correlations :math:`\rho_1 \ge \dots \ge \rho_k` on the fitting data.
    x_weights : ndarray, shape (d1, k)
        :math:`W_1`.
    y_weights : ndarray, shape (d2, k)
        :math:`W_2`.
    x_mean : ndarray, shape (d1,)
    y_mean : ndarray, shape (d2,)
        Column means of the fitting data.
    """

    correlations: np.ndarray
    x_weights: np.ndarray
    y_weights: np.ndarray
    x_mean: np.ndarray
    y_mean: np.ndarray

    def transform(self, z1, z2) -> tuple[np.ndarray, np.ndarray]:
        """Canonical variates of new data.

        Parameters
        ----------
        z1 : array_like, shape (N1, d1)
        z2 : array_like, shape (N2, d2)

        Returns
        -------
        u : ndarray, shape (N1, k)
        v : ndarray, shape (N2, k)
        """
        out = []
        for value, name, mean, weights in (
            (z1, "z1", self.x_mean, self.x_weights),
            (z2, "z2", self.y_mean, self.y_weights),
        ):
            arr = as_float_array(value, name, 2)
            if arr.shape[1] != mean.size:
                raise ValueError(
                    f"{name}: expected an array of shape (N, {mean.size}) like the data the "
                    f"CCA was fitted on, found shape {arr.shape}"
                )
            out.append((arr - mean) @ weights)
        return out[0], out[1]


def _power_of_two_scaled(x: np.ndarray) -> np.ndarray:
    """Each column of x (n, d) times the power of two that brings its largest |entry| into
    [0.5, 1) (exact; an all-zero column is left alone)."""
    # Equivalent mutant: '~' for '-' (scaling into [0.25, 0.5) is as good).
    return np.ldexp(x, -np.frexp(np.max(np.abs(x), axis=0))[1])


def _inv_sqrt(c: np.ndarray) -> np.ndarray:
    r"""Ridge-regularised inverse square root :math:`V (\Lambda + r\lambda_{max})^{-1/2} V^T`.

    Eigenvalues of a covariance matrix are >= 0 but rounding can make them slightly
    negative; they are clipped to 0 before the ridge is added.  An all-zero block (every
    column constant) gives the zero matrix, so its canonical variates are 0.
    """
    lam, vecs = np.linalg.eigh(c)
    # Equivalent mutant: clipping at -1.0 (rounding leaves eigenvalues of a covariance above
    # -1e-15 lambda_max, far inside the ridge of 1e-10 lambda_max).
    lam = np.clip(lam, 0.0, None)
    top = lam.max()
    if top == 0.0:  # pragma: no mutate (top >= 0 after the clip: '<=' is '==')
        return np.zeros_like(c)
    return (vecs / np.sqrt(lam + CCA_RIDGE * top)) @ vecs.T


def _fit_cca(x: np.ndarray, y: np.ndarray, k: int) -> CCAResult:
    n = x.shape[0]
    mx, my = x.mean(axis=0), y.mean(axis=0)
    xc, yc = x - mx, y - my
    # Constant columns (all entries equal, tested on the raw values as in _unit_columns) are
    # set to exactly 0, whatever rounding the computed mean left behind.
    xc[:, np.ptp(x, axis=0) == 0] = 0.0  # pragma: no mutate (ptp >= 0: '<=' is '==')
    yc[:, np.ptp(y, axis=0) == 0] = 0.0  # pragma: no mutate (ptp >= 0: '<=' is '==')
    # Standardise the columns: CCA is invariant to it, and it makes the relative ridge treat
    # a column measured in small units like any other.  Each column is first scaled by a power
    # of two (exact), so that its variance can neither overflow nor underflow (columns of size
    # 1e300 or 1e-300 give the same result as columns of size 1; frexp(0) has exponent 0).
    ex = np.frexp(np.abs(xc).max(axis=0))[1]
    ey = np.frexp(np.abs(yc).max(axis=0))[1]
    xc, yc = np.ldexp(xc, -ex), np.ldexp(yc, -ey)
    sx, sy = xc.std(axis=0), yc.std(axis=0)
    # Only a zeroed (constant) column has sd 0; any nonzero value leaves it 0.
    sx[sx == 0] = 1.0  # pragma: no mutate (sd >= 0: '<=' is '=='; 1.0 vs 2.0)
    sy[sy == 0] = 1.0  # pragma: no mutate (sd >= 0: '<=' is '=='; 1.0 vs 2.0)
    xs, ys = xc / sx, yc / sy
    denom = n - 1
    wx = _inv_sqrt(xs.T @ xs / denom)
    wy = _inv_sqrt(ys.T @ ys / denom)
    u_mat, s, vt = np.linalg.svd(wx @ (xs.T @ ys / denom) @ wy)
    a = wx @ u_mat[:, :k]
    b = wy @ vt[:k].T
    # SVD signs are arbitrary: flip pairs so that the largest entry of each x direction is
    # positive (flipping a and b together keeps cov(u_i, v_i) = rho_i >= 0).
    # A zero direction (a constant block) has no sign to fix; copysign gives it +-1.
    sign = np.copysign(1.0, a[np.argmax(np.abs(a), axis=0), np.arange(k)])
    a, b = a * sign, b * sign  # pragma: no mutate (sign is +-1: '*' is '/')
    with np.errstate(over="ignore"):
        x_weights = np.ldexp(a / sx[:, None], -ex[:, None])
        y_weights = np.ldexp(b / sy[:, None], -ey[:, None])
    for weights, name, block in ((x_weights, "z1", x), (y_weights, "z2", y)):
        if not np.all(np.isfinite(weights)):
            col = int(np.argmax(~np.all(np.isfinite(weights), axis=1)))  # the first one
            raise ValueError(
                f"{name}: column {col} is too small (largest |value| "
                f"{np.max(np.abs(block[:, col])):.3g}) for its canonical weights (~1 / size) "
                f"to be representable; rescale it"
            )
    return CCAResult(
        # Singular values are >= 0, and the ridge keeps them below 1 by ~1e-10 relative,
        # far more than rounding: the clip only documents the range.
        correlations=readonly(np.clip(s[:k], 0.0, 1.0)),  # pragma: no mutate (see above)
        x_weights=readonly(x_weights),
        y_weights=readonly(y_weights),
        x_mean=readonly(mx),
        y_mean=readonly(my),
    )


def cca(z1, z2, n_components=None) -> CCAResult:
    r"""Canonical correlation analysis of two blocks of variables.

    The columns are centred and standardised, each block's covariance is whitened,

    .. math::

        W_{11} = (\Sigma_{11} + r\,\lambda_{\max}(\Sigma_{11}) I)^{-1/2}, \qquad
        W_{22} = (\Sigma_{22} + r\,\lambda_{\max}(\Sigma_{22}) I)^{-1/2},

    with :math:`r` = ``CCA_RIDGE`` (an eigen-decomposition, so a rank-deficient block does not
    blow up), and the whitened cross-covariance is decomposed,
    :math:`W_{11}\Sigma_{12}W_{22} = U \operatorname{diag}(\rho) V^T`.  The canonical weights
    are :math:`W_1 = W_{11} U_{:, :k}` and :math:`W_2 = W_{22} V_{:, :k}`, mapped back to the
    original column scales.  Without the ridge, :math:`\rho_i^2` are the eigenvalues of
    :math:`\Sigma_{11}^{-1}\Sigma_{12}\Sigma_{22}^{-1}\Sigma_{21}`; the ridge lowers them by
    a relative amount of order ``CCA_RIDGE / lambda_min`` of the standardised block.

    Parameters
    ----------
    z1 : array_like, shape (N, d1)
    z2 : array_like, shape (N, d2)
        ``N >= 2``.
    n_components : int or None
        Number k of canonical directions, default ``min(d1, d2)``.

    Returns
    -------
    CCAResult
    """
    x, y = _check_latents(z1, z2, 2, "a covariance needs two points")
    k = _check_n_components(n_components, x.shape[1], y.shape[1])
    return _fit_cca(x, y, k)


# ============================================================================================
# Names that moved out of this module (kept for existing scripts, with a DeprecationWarning)
# ============================================================================================
#: Old name -> the module that now holds it.
MOVED_NAMES = {
    **dict.fromkeys(("gmm_inner_product", "l2_distance", "pushforward", "MAX_GMM_SCALE",
                     "MAX_CONDITION", "PRECISE_DPS"), "exactid.divergence.gmm_l2"),
    **dict.fromkeys(("dist_aff_l2", "AffineL2Distance", "MAX_PAPER_COMPONENTS",
                     "N_PAPER_STARTS", "N_ANCHORED_STARTS", "NEGLIGIBLE"),
                    "vade_check.alignment"),
}


def __getattr__(name: str):
    # Resolved on access, so that importing the metrics does not import the alignment (mpmath).
    if name in MOVED_NAMES:
        home = MOVED_NAMES[name]
        warnings.warn(f"vade_check.metrics.{name} moved to {home}.{name}", DeprecationWarning,
                      stacklevel=2)
        return getattr(importlib.import_module(home), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
