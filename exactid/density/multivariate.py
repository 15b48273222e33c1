r"""The exact density for latent dimension m in {1, 2} and any observed dimension n >= m.

What to use when: :func:`exactid.density.log_pdf` dispatches here for every model except
``m = n = 1`` (which has its own engine, :mod:`exactid.density.exact`) and the noiseless
``m = n = 2`` case (:mod:`exactid.density.pushforward_2d`).  :func:`log_pdf_cells_numpy` is
the plain NumPy/SciPy path, for cross-checks only.

The density is the log-sum-exp over (cell, component) terms of
:mod:`exactid.density.cell_terms`: a Gaussian factor in x times the mass of the cell under the
posterior normal of that term, whitened to a standard normal.  For m = 2 the cell is a convex
polygon, possibly unbounded, and its mass comes from
:func:`exactid.density.polygon_mass.log_polygon_mass1` (closed form in Owen's T near the mean;
a positive 1-D integral elsewhere, no cancellation in the tails); for m = 1 it is an interval
and the mass is ``log_gauss_mass1``.

Error bound (checked against the 50-digit reference :mod:`exactid.reference_2d` in
``tests/exactid/density/test_multivariate.py``): the result is the log of a sum of positive
terms, each exact up to (i) the polygon mass's relative error (about 1e-14, see
:mod:`exactid.density.polygon_mass`), (ii) the Gaussian factor's rounding, a few
``eps * (1 + q)`` with ``q`` the quadratic form, and (iii) the rounding of the whitened offsets,
whose absolute error of a few ``eps (|beta| + |gamma| |x|)`` changes the log mass by that times
the distance of the polygon from the posterior mean.  Together: ``|error| <= 1e-11`` where
``log p >= -100`` and ``1e-8 |log p|`` beyond, for models inside :data:`SCALE_MIN` ..
:data:`SCALE_MAX` whose whitened geometry is not ill-conditioned (noise at least ``1e-3`` of the
decoder's output scale); the truncation of negligible terms adds at most ``4.2e-18`` relative.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import NumericalError, UnsupportedModelError
from ..models import LatentModel
from ..validation import as_float_array
from .cell_terms import CellTerms, cell_terms

__all__ = ["log_pdf_cells", "log_pdf_cells_numpy", "check_cells_model", "as_points"]

#: Batches smaller than this use the serial kernel.
SERIAL_BELOW = 256

SCALE_MIN = 1e-100
SCALE_MAX = 1e100


def check_cells_model(model: LatentModel) -> None:
    """Raise unless ``model`` is in the domain of this engine (m in {1, 2}, n >= m, and for
    m = n = 1 the 1-D engine is used instead)."""
    if not isinstance(model, LatentModel):
        raise ValueError(f"model: expected a LatentModel, found {type(model).__name__}")
    m, n = model.latent_dim, model.observed_dim
    if m > 2:
        raise NotImplementedError(
            f"model: the exact density supports latent dimension m in {{1, 2}}; this model has "
            f"m = {m} (exact region enumeration grows too fast beyond)")
    if n < m:
        raise NotImplementedError(
            f"model: the exact density needs n >= m; this model has m = {m}, n = {n} "
            "(its law has no density on R^n)")


def as_points(x, n: int) -> np.ndarray:
    """Points as a C-contiguous float array of shape (N, n); one point may be given as (n,)."""
    x = as_float_array(x, "x", (1, 2))
    if x.ndim == 1:
        if x.shape[0] != n:
            raise ValueError(f"x: expected one point of {n} coordinates (shape ({n},)) or an "
                             f"array of shape (N, {n}), found shape {x.shape}")
        x = x[None, :]
    if x.shape[1] != n:
        raise ValueError(f"x: expected shape (N, {n}) (the observed dimension n = {n}), found "
                         f"{x.shape}")
    return np.ascontiguousarray(x)


def checked_terms(model: LatentModel) -> CellTerms:
    """:func:`cell_terms` of ``model``, refused when a scale is outside the supported range
    or a constant is not finite."""
    sigma = model.noise_std
    span = f"[{SCALE_MIN:g}, {SCALE_MAX:g}]"
    if not SCALE_MIN <= sigma <= SCALE_MAX:
        raise UnsupportedModelError(
            f"noise_std: {sigma:g} is outside the range {span} supported by the exact density")
    for j in np.flatnonzero(model.prior.weights > 0):
        eig = np.linalg.eigvalsh(model.prior.covs[j])
        if not (SCALE_MIN**2 <= eig.min() and eig.max() <= SCALE_MAX**2):
            raise UnsupportedModelError(
                f"covs: component {j} has standard deviations {np.sqrt(eig)} outside the "
                f"range {span} supported by the exact density")
    try:
        with np.errstate(all="ignore"):
            terms = model.derived("cell_terms", cell_terms)
    except OverflowError:  # a rational vertex or map beyond the float range
        raise UnsupportedModelError(
            "net: the network's cells or affine maps overflow the float range (beyond "
            "1.8e308); the network's weights are too large for the exact density") from None
    for name in ("log_const", "mean", "chol_inv", "rows", "beta", "gamma"):
        if not np.isfinite(getattr(terms, name)).all():
            raise UnsupportedModelError(
                f"net: the per-cell constants of the density overflow the float range "
                f"({name}); the network's weights are too large for this prior and noise")
    return terms


def log_pdf_cells(model: LatentModel, x) -> np.ndarray:
    """Exact log density of x for m in {1, 2}, any n >= m, ``noise_std > 0``.

    Parameters
    ----------
    model : LatentModel
    x : array_like, shape (N, n) or (n,)

    Returns
    -------
    ndarray, shape (N,)
    """
    check_cells_model(model)
    x = as_points(x, model.observed_dim)
    terms = checked_terms(model)
    from . import cell_kernels  # numba: compiled or loaded on first use

    kernel = (cell_kernels.log_pdf_cells if x.shape[0] >= SERIAL_BELOW
              else cell_kernels.log_pdf_cells_serial)
    values = kernel(x, terms.log_const, terms.mean, terms.chol_inv, terms.row_start,
                    terms.rows, terms.beta, terms.gamma)
    if np.isnan(values).any():
        i = int(np.flatnonzero(np.isnan(values))[0])
        raise NumericalError(f"log_pdf: NaN at point index {i}; the model passed the range "
                             "check, so this is a bug: please report it with the model")
    return values


def _polygon_mass_owen(rows, offsets, polygon):
    """P(W in {w : rows @ w <= offsets}), W ~ N(0, I2), for the whitened edges of ``polygon``
    (an :class:`exactid.regions.Polygon`; whitening keeps their counter-clockwise order), by
    the Owen's T edge formula with :func:`scipy.special.owens_t`: with ``d_i`` the signed
    distance of edge i from 0 and ``[s0_i, s1_i]`` its extent along the direction of travel,
    ``P = [0 inside] - sum_i sign(d_i) (T(|d_i|, s1_i/|d_i|) - T(|d_i|, s0_i/|d_i|))`` (the
    divergence theorem).  Cancels in the tails: for cross-checks near the mean.
    """
    from scipy.special import owens_t  # scipy (~0.3 s): only the NumPy path

    scale = np.hypot(rows[:, 0], rows[:, 1])
    normal = rows / scale[:, None]
    dist = offsets / scale                       # signed distance of each edge line from 0
    tangent = np.stack([-normal[:, 1], normal[:, 0]], axis=1)  # direction of travel
    n_edges = rows.shape[0]
    if n_edges == 0:
        return 1.0
    # vertices[i] joins edge i to edge i + 1 (cyclically when bounded); a strip has none.
    pairs = [(i, (i + 1) % n_edges) for i in range(len(polygon.vertices))]
    s_start = np.full(n_edges, -np.inf)
    s_end = np.full(n_edges, np.inf)
    for i, j in pairs:
        vertex = np.linalg.solve(np.stack([normal[i], normal[j]]), [dist[i], dist[j]])
        s_end[i] = tangent[i] @ vertex
        s_start[j] = tangent[j] @ vertex
    # The winding term: 1 inside, 0 outside, the interior angle / 2 pi on the boundary
    # (edges through 0 then contribute nothing: sign(0) = 0).
    total = 0.0
    if np.all(dist >= 0):
        on = np.flatnonzero(dist == 0)
        total = 1.0 if on.size == 0 else 0.5 if on.size == 1 else (
            math.pi - math.acos(np.clip(normal[on[0]] @ normal[on[1]], -1, 1))) / (2 * math.pi)
    h = np.abs(dist)
    sign = np.sign(dist)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_end = np.where(np.isinf(s_end), np.sign(s_end) * 0.5 * _upper(h),
                         owens_t(h, s_end / h))
        t_start = np.where(np.isinf(s_start), np.sign(s_start) * 0.5 * _upper(h),
                           owens_t(h, s_start / h))
    return total - float(np.sum(np.where(sign == 0, 0.0, sign * (t_end - t_start))))


def _upper(h):
    """T(h, inf) = Phi(-h) / 2 for h >= 0."""
    from scipy.special import ndtr  # scipy: only the NumPy path

    return ndtr(-h)



def log_pdf_cells_numpy(model: LatentModel, x) -> np.ndarray:
    """The same sum in plain NumPy/SciPy (no numba): every term materialised, polygon masses
    by the Owen's T edge formula (:func:`scipy.special.owens_t`), interval masses by
    :func:`scipy.special.ndtr`.  For cross-checks near the data only: the edge formula is a
    signed sum, which cancels when a polygon is far from the posterior mean (``log p`` below
    about -30), where :func:`log_pdf_cells` stays exact.
    """
    from scipy.special import logsumexp, ndtr  # scipy: only the NumPy path

    check_cells_model(model)
    x = as_points(x, model.observed_dim)
    terms = checked_terms(model)
    polygons = model.polygons if model.latent_dim == 2 else None
    out = np.empty(x.shape[0])
    for p, xp in enumerate(x):
        values = []
        for t in range(terms.log_const.size):
            r = terms.chol_inv[t] @ (xp - terms.mean[t])
            start, stop = terms.row_start[t], terms.row_start[t + 1]
            rows = terms.rows[start:stop]
            offsets = terms.beta[start:stop] - terms.gamma[start:stop] @ xp
            if rows.shape[1] == 1:
                ends = offsets / rows[:, 0]
                lo = max([-np.inf, *ends[rows[:, 0] < 0]])
                hi = min([np.inf, *ends[rows[:, 0] > 0]])
                mass = ndtr(hi) - ndtr(lo) if lo < hi else 0.0
            else:
                mass = _polygon_mass_owen(rows, offsets, polygons[terms.cell[t]].polygon)
            with np.errstate(divide="ignore"):
                values.append(terms.log_const[t] - 0.5 * r @ r + np.log(max(mass, 0.0)))
        out[p] = logsumexp(values)
    return out
