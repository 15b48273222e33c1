r"""Exact density of :math:`x = f(z) + \varepsilon` for one-dimensional z and x.

With :math:`z \sim \sum_j \lambda_j \mathcal N(\mu_j, s_j^2)`, f affine on the pieces
:math:`[l_k, h_k]` (:math:`f(z) = A_k z + B_k`) and :math:`\varepsilon \sim \mathcal N(0,
\sigma^2)`, completing the square in z gives, for :math:`\sigma > 0`,

.. math::

    p(x) = \sum_{k, j} \lambda_j\, \mathcal N(x; A_k \mu_j + B_k, v_{kj})
           \left[\Phi(b_{kj}) - \Phi(a_{kj})\right],
    \qquad v_{kj} = A_k^2 s_j^2 + \sigma^2,

    a_{kj} = \frac{l_k - m^*_{kj}}{\tau_{kj}}, \quad b_{kj} = \frac{h_k - m^*_{kj}}{\tau_{kj}},
    \quad m^*_{kj} = \frac{\sigma^2 \mu_j + A_k s_j^2 (x - B_k)}{v_{kj}},
    \quad \tau_{kj} = \frac{s_j \sigma}{\sqrt{v_{kj}}}.

The numerators are evaluated as :math:`l_k - m^* = [\sigma^2 (l_k - \mu_j) + A_k s_j^2 (f(l_k)
- x)] / v_{kj}`, differences of the natural quantities, so nothing large cancels.  The terms are
summed in log space with :func:`exactid.density.special.log_gauss_mass1` for :math:`\log(\Phi(b) -
\Phi(a))`.

For :math:`\sigma = 0` the law of x is the pushforward :math:`f_\# P`: an absolutely continuous
part with density :math:`\sum_k p_Z(z_k(x)) / |A_k|` over the non-flat pieces that contain a
preimage :math:`z_k(x) = (x - B_k)/A_k`, plus atoms at the values of the flat pieces
(:func:`atoms`).  :func:`log_pdf` then returns the log density of the continuous part only.
A density is defined up to null sets: at the finitely many images of breakpoints the value
returned follows the convention that piece k owns :math:`z \in [l_k, h_k)`.

Error bound
-----------
For :math:`\sigma > 0`, the computed log density differs from the exact log density of the
float model by at most about ``8 eps (1 + max|a|^2 + max|b|^2 + (x - mean)^2 / v)`` in absolute
terms (a few ulp of each term's exponent), plus a relative error below ``T exp(-50)`` from
skipping terms that cannot matter (``T`` = number of terms).  The piece parameters are the
exact rational pieces rounded once (see :mod:`exactid.regions.line`), and their rounding
errors are carried along: the breakpoints, their images and the mapped means
:math:`A_k \mu_j + B_k` each as a float plus a residual (exact from the rational pieces, or
from error-free products and sums).  Without the residuals, rounding an image
:math:`f(l_k)` would move :math:`a_{kj}` by about ``eps |f(l_k)| / sigma``, 1e-8 in ``log p``
at ``sigma = 1e-6``.  Where :math:`\log p > -700` the total is below ``1e-12``, and everywhere
the relative error of :math:`\log p` is below ``1e-13``; the tests check both against 50-digit
mpmath on random models and on a table of regimes (noise sd 1e-6 to 1e3, slopes 1e-6 to 1e6,
prior sds 1e-3 to 1e2, points at breakpoint images and out to 1000 noise sds); measured: at
most 2.3e-13 absolute, 2.3e-16 relative.

Supported range
---------------
The bound holds for models whose noise sd (when > 0), prior component sds and every
``|slope| * sd`` lie in ``[SCALE_MIN, SCALE_MAX] = [1e-100, 1e100]`` and whose component
means mapped by every piece are finite floats; :func:`check_supported` enforces this before any
evaluation, raising :class:`~exactid.errors.UnsupportedModelError` (naming the parameter and the
range) rather than returning an overflowed -inf or a NaN.  Points may be any finite floats; a
log density below the float range (about ``-1.8e308``) is returned as ``-inf``, its correctly
rounded value, and squares of differences above ``1e150`` are formed after scaling so that
they do not overflow on the way.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from ..errors import NumericalError, UnsupportedModelError
from ..models import LatentModel
from ..validation import as_float_array

__all__ = ["log_pdf", "pdf", "atoms", "log_pdf_numpy", "check_supported", "piece_arrays",
           "PieceArrays", "smooth_terms", "check_one_dimensional", "SCALE_MIN", "SCALE_MAX"]

#: Supported range of the scales of a model: the noise standard deviation (when > 0), the
#: standard deviations of the prior components, and every |slope| times a component standard
#: deviation must lie in ``[SCALE_MIN, SCALE_MAX]`` (slopes themselves may be 0 or tiny).
#: Inside it no intermediate quantity of the closed form overflows or becomes subnormal, so
#: the error bound above holds; outside it :func:`log_pdf` raises
#: :class:`~exactid.errors.UnsupportedModelError` instead of returning -inf or NaN.
SCALE_MIN = 1e-100
SCALE_MAX = 1e100


#: Argument order of the sigma > 0 kernels (keys of :func:`smooth_terms`).
SMOOTH_ARGS = ("lognorm", "mean", "mean_lo", "inv2v", "pa", "pb", "q", "flo", "fhi", "lo_inf",
               "hi_inf")
#: Batches smaller than this use the serial kernels.
SERIAL_BELOW = 2048


def check_one_dimensional(model: LatentModel) -> None:
    """Raise unless ``model`` is a LatentModel with m = n = 1 (the 1-D engine's domain)."""
    if not isinstance(model, LatentModel):
        raise ValueError(f"model: expected a LatentModel, found {type(model).__name__}")
    if model.latent_dim != 1 or model.observed_dim != 1:
        raise NotImplementedError(
            "the exact density is implemented for m = n = 1; this model has "
            f"m = {model.latent_dim}, n = {model.observed_dim}"
        )


def check_one_dimensional_atoms(model: LatentModel) -> None:
    """:func:`check_one_dimensional` for noiseless models, pointing m = 2 to
    :func:`singular_part`."""
    if isinstance(model, LatentModel) and model.noise_std > 0:
        return
    if isinstance(model, LatentModel) and model.latent_dim == 2:
        raise NotImplementedError(
            "atoms: for m = 2 the part of the law without density is a set of segments and "
            "points: use exactid.singular_part(model)")
    check_one_dimensional(model)


def check_supported(model: LatentModel) -> bool:
    """Raise :class:`~exactid.errors.UnsupportedModelError` if ``model`` lies outside the
    range in which the exact 1-D density keeps its error bound (:data:`SCALE_MIN`,
    :data:`SCALE_MAX`); the message names the parameter, its value and the range.

    Returns True (so that the check can be cached per model)."""
    lo, hi = SCALE_MIN, SCALE_MAX
    span = f"[{lo:g}, {hi:g}]"
    sigma = model.noise_std
    if sigma != 0 and not lo <= sigma <= hi:
        raise UnsupportedModelError(
            f"noise_std: {sigma:g} is outside the range {span} supported by the exact density "
            "(or exactly 0 for the pushforward)")
    keep = np.flatnonzero(model.prior.weights > 0)
    sds = np.sqrt(model.prior.variances[keep])
    for j, sd in zip(keep, sds):
        if not lo <= sd <= hi:
            raise UnsupportedModelError(
                f"covs: component {j} has standard deviation {sd:g}, outside the range {span} "
                "supported by the exact density")
    pieces = model.pieces
    slopes = np.abs(pieces.slopes[:, 0])
    if not np.isfinite(slopes).all() or not np.isfinite(pieces.intercepts).all():
        raise UnsupportedModelError(
            "net: the network's linear pieces overflow the float range (slopes or intercepts "
            f"beyond 1.8e308); the exact density supports |slope| * sd in {span}")
    with np.errstate(over="ignore"):
        gain = slopes[:, None] * sds[None, :]
    if (gain > hi).any():
        k, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
        raise UnsupportedModelError(
            f"net: piece {k} has slope {pieces.slopes[k, 0]:g}; times the standard deviation "
            f"{sds[j]:g} of component {keep[j]} this is {gain[k, j]:g}, above the {hi:g} "
            "supported by the exact density")
    with np.errstate(over="ignore", invalid="ignore"):
        means = (pieces.slopes[:, 0][:, None] * model.prior.means[keep, 0][None, :]
                 + pieces.intercepts[:, 0][:, None])
    if not np.isfinite(means).all():
        k, j = np.argwhere(~np.isfinite(means))[0]
        raise UnsupportedModelError(
            f"prior/net: the mean {model.prior.means[keep[j], 0]:g} of component {keep[j]} "
            f"mapped by piece {k} (f(z) = {pieces.slopes[k, 0]:g} z + "
            f"{pieces.intercepts[k, 0]:g}) overflows the float range")
    return True


def _checked(values: np.ndarray) -> np.ndarray:
    """The kernel's output, with NaN (which the closed form never produces) refused."""
    if np.isnan(values).any():
        i = int(np.flatnonzero(np.isnan(values))[0])
        raise NumericalError(f"log_pdf: NaN at point index {i}; the model passed the range "
                             "check, so this is a bug: please report it with the model")
    return values


def _as_points(x) -> np.ndarray:
    x = as_float_array(x, "x", (0, 1, 2))
    if x.ndim == 2:
        if x.shape[1] != 1:
            raise ValueError(f"x: expected shape (N,) or (N, 1), found {x.shape}")
        x = x[:, 0]
    return np.ascontiguousarray(np.atleast_1d(x))


class PieceArrays(NamedTuple):
    """The float pieces of a 1-D decoder as arrays of shape (K,): piece k is ``[lo[k], hi[k]]``
    with ``f(z) = slopes[k] z + intercepts[k]`` and images ``f_lo[k]``, ``f_hi[k]`` of its ends
    (``f_lo[k + 1] == f_hi[k]`` exactly, one value per breakpoint; infinite ends get infinite
    images)."""

    lo: np.ndarray
    hi: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray
    f_lo: np.ndarray
    f_hi: np.ndarray


def piece_arrays(model: LatentModel) -> PieceArrays:
    """Float pieces of the decoder of a model with m = n = 1, with shared breakpoint images
    (see :class:`PieceArrays`)."""
    pieces = model.pieces
    slopes = pieces.slopes[:, 0]
    intercepts = pieces.intercepts[:, 0]
    lo, hi = pieces.lo, pieces.hi
    breaks = pieces.breakpoints.astype(float)
    # A breakpoint near the float maximum (degenerate, e.g. subnormal, weights) has an image
    # that overflows to +-inf: the right limit for an interval end that far out.
    with np.errstate(over="ignore"):
        f_break = slopes[:-1] * breaks + intercepts[:-1]
    with np.errstate(invalid="ignore"):
        f_first = -np.inf * np.sign(slopes[0]) if slopes[0] != 0 else intercepts[0]
        f_last = np.inf * np.sign(slopes[-1]) if slopes[-1] != 0 else intercepts[-1]
    f_lo = np.concatenate([[f_first], f_break])
    f_hi = np.concatenate([f_break, [f_last]])
    return PieceArrays(lo, hi, slopes, intercepts, f_lo, f_hi)


class _Residuals(NamedTuple):
    """Exact value minus float value (rounded to float) of the piece ends ``lo``, ``hi`` and
    their images ``f_lo``, ``f_hi`` (shape (K,)), and of the mapped means ``A_k mu_j + B_k``
    (shape (K, J)); 0 where the float value is infinite."""

    lo: np.ndarray
    hi: np.ndarray
    f_lo: np.ndarray
    f_hi: np.ndarray
    mean: np.ndarray


def _split(a):
    """Dekker's split of float64 ``a`` into two 26-bit halves, ``a = hi + lo`` exactly."""
    c = 134217729.0 * a  # 2^27 + 1
    hi = c - (c - a)
    return hi, a - hi


def _two_product_error(a, b, p):
    """The rounding error of ``p = fl(a b)``: ``a b - p`` exactly (Dekker), for |a b| far
    from overflow; NaN/inf otherwise (the caller masks those)."""
    ah, al = _split(a)
    bh, bl = _split(b)
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _two_sum_error(a, b, s):
    """The rounding error of ``s = fl(a + b)``: ``a + b - s`` exactly (Knuth's TwoSum)."""
    bb = s - a
    return (a - (s - bb)) + (b - bb)


def _rounding_residuals(exact, lo, hi, fslopes, fintercepts, f_lo, f_hi, mu,
                        mean) -> _Residuals:
    """The rounding errors of the float pieces, from the exact rational pieces.

    With noise sd sigma far below the size of the numbers involved, an end image rounded to
    float moves the standardised interval end by about ``eps |f(l_k)| / sigma`` and a mapped
    mean by ``eps |A_k mu_j + B_k| / sqrt(v)``: at sigma = 1e-6 that is 1e-9 in log p.  Carrying
    the residuals (a double-double representation of each quantity) removes that error.
    """
    slopes = exact.slopes[:, 0]
    intercepts = exact.intercepts[:, 0]
    n = lo.shape[0]

    def residual(exact_value, value) -> float:
        return float(exact_value - Fraction(value)) if math.isfinite(value) else 0.0

    def rounded(value) -> float:  # float(), with +-inf beyond the float range
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf

    # The float pieces are the exact ones rounded, with neighbours whose rounded maps agree
    # merged: match each float breakpoint to the exact breakpoint it rounds from.
    first = np.zeros(n, dtype=int)  # float piece k starts in exact piece first[k]
    res_lo, res_hi, res_flo, res_fhi = (np.zeros(n) for _ in range(4))
    j = 0
    for i in range(n - 1):  # the breakpoint between float pieces i and i + 1
        while j < len(exact.breakpoints) and rounded(exact.breakpoints[j]) != hi[i]:
            j += 1
        if j == len(exact.breakpoints):
            raise NumericalError("a float breakpoint has no exact counterpart; this is a bug: "
                                 "please report it with the model")
        # Exact breakpoints that round to the same float bound pieces of float length 0,
        # which the float pieces drop: the next float piece starts after the last of them.
        while (j + 1 < len(exact.breakpoints)
               and rounded(exact.breakpoints[j + 1]) == hi[i]):
            j += 1
        point = exact.breakpoints[j]
        image = slopes[j] * point + intercepts[j]
        res_hi[i] = residual(point, hi[i])
        res_lo[i + 1] = residual(point, lo[i + 1])
        res_fhi[i] = residual(image, f_hi[i])
        res_flo[i + 1] = residual(image, f_lo[i + 1])
        first[i + 1] = j + 1
        j += 1
    # The exact piece whose rounded map a float piece carries (a float piece may stand for
    # several exact pieces, e.g. when a breakpoint lies beyond the float range).
    stop = np.append(first[1:], len(slopes))
    own = [next((e for e in range(first[k], stop[k])
                 if rounded(slopes[e]) == fslopes[k] and rounded(intercepts[e]) == fintercepts[k]),
                first[k]) for k in range(n)]
    # mean = fl(fl(A mu) + B): its rounding errors by error-free transformations, plus the
    # rounding of A and B themselves (second-order terms are below eps^2 |mean|).
    d_slope = np.array([residual(slopes[e], fslopes[k]) for k, e in enumerate(own)])
    d_icept = np.array([residual(intercepts[e], fintercepts[k]) for k, e in enumerate(own)])
    with np.errstate(invalid="ignore", over="ignore"):
        prod = fslopes[:, None] * mu[None, :]
        e_prod = _two_product_error(fslopes[:, None], mu[None, :], prod)
        e_sum = _two_sum_error(prod, fintercepts[:, None], mean)
        res_mean = e_prod + e_sum + d_slope[:, None] * mu[None, :] + d_icept[:, None]
    res_mean = np.where(np.isfinite(res_mean) & np.isfinite(mean), res_mean, 0.0)
    return _Residuals(res_lo, res_hi, res_flo, res_fhi, res_mean)


def smooth_terms(model: LatentModel) -> dict[str, np.ndarray]:
    """Per-(piece, component) constants of the sigma > 0 closed form.

    Returns a dict of arrays of shape (T,), T = K * J' (J' = components with positive weight),
    keyed by the kernel's argument names (:data:`SMOOTH_ARGS`).
    """
    sigma = model.noise_std
    lo, hi, slopes, intercepts, f_lo, f_hi = piece_arrays(model)
    keep = model.prior.weights > 0
    w = model.prior.weights[keep]
    mu = model.prior.means[keep, 0]
    s2 = model.prior.variances[keep]

    A = slopes[:, None]
    B = intercepts[:, None]
    with np.errstate(invalid="ignore", over="ignore"):
        mean = A * mu + B
    res = _rounding_residuals(model.exact_pieces, lo, hi, slopes, intercepts, f_lo, f_hi, mu,
                              mean)
    # inf - mu at infinite ends is masked by lo_inf/hi_inf.  Only degenerate nets (breakpoints
    # near the float maximum, slopes above 1e150) overflow below; the resulting infinities are
    # the right limits (an interval end at infinity, a term of vanishing density).
    with np.errstate(invalid="ignore", over="ignore"):
        v = A * A * s2 + sigma * sigma
        tau = np.sqrt(s2) * sigma / np.sqrt(v)
        scale = 1.0 / (v * tau)
        q = A * s2 * scale
        # The exact ends and end images are the float ones plus their residuals: a = pa + q
        # (flo - x) with the image's residual folded into pa, so a is exact to a few ulp of
        # its own size even where noise sd << |f(l_k)| (a would otherwise be off by about
        # eps |f(l_k)| / sigma).
        pa = (sigma * sigma * ((lo[:, None] - mu) + res.lo[:, None]) * scale
              + q * res.f_lo[:, None])
        pb = (sigma * sigma * ((hi[:, None] - mu) + res.hi[:, None]) * scale
              + q * res.f_hi[:, None])
    shape = v.shape
    terms = {
        "lognorm": np.log(w) - 0.5 * np.log(2.0 * np.pi * v),
        "mean": mean,
        "mean_lo": res.mean,
        "inv2v": 0.5 / v,
        "pa": pa,
        "pb": pb,
        "q": q,
        "flo": np.broadcast_to(f_lo[:, None], shape),
        "fhi": np.broadcast_to(f_hi[:, None], shape),
        "lo_inf": np.broadcast_to(np.isinf(lo)[:, None], shape),
        "hi_inf": np.broadcast_to(np.isinf(hi)[:, None], shape),
    }
    return {k: np.ascontiguousarray(np.broadcast_to(v_, shape)).ravel() for k, v_ in terms.items()}


def _pushforward_args(model: LatentModel):
    lo, hi, slopes, intercepts, f_lo, f_hi = piece_arrays(model)
    with np.errstate(divide="ignore"):
        log_w = np.log(model.prior.weights)
    return (
        np.ascontiguousarray(slopes),
        np.ascontiguousarray(intercepts),
        lo,
        hi,
        f_lo,
        f_hi,
        log_w,
        np.ascontiguousarray(model.prior.means[:, 0]),
        np.ascontiguousarray(model.prior.variances),
    )


def log_pdf(model: LatentModel, x) -> np.ndarray:
    """Exact log density of x under ``model``.

    Parameters
    ----------
    model : LatentModel
        Latent dimension m in {1, 2}, observed dimension n >= m.  ``m = n = 1`` is computed
        here; other models by :func:`exactid.density.multivariate.log_pdf_cells`
        (``noise_std > 0``) or :func:`exactid.density.pushforward_2d.log_pdf_pushforward_2d`
        (``noise_std == 0``, ``m = n = 2``).
    x : array_like
        Shape (N,), (N, 1) or scalar for ``n = 1``; (N, n) or one point (n,) otherwise.

    Returns
    -------
    ndarray, shape (N,)
        :math:`\\log p(x)`.  For ``noise_std == 0`` this is the log density of the absolutely
        continuous part of :math:`f_\\# P` (``-inf`` outside the image of f); the atoms are
        given by :func:`atoms` (m = 1) and the singular part by
        :func:`exactid.density.singular_part` (m = 2).  The error bounds are stated in the
        module docstrings.
    """
    if not isinstance(model, LatentModel):
        raise ValueError(f"model: expected a LatentModel, found {type(model).__name__}")
    if (model.latent_dim, model.observed_dim) != (1, 1):
        if model.noise_std > 0:
            from .multivariate import log_pdf_cells  # (numba behind it: loaded on first use)

            return log_pdf_cells(model, x)
        from .pushforward_2d import log_pdf_pushforward_2d  # (numba: on first use)

        return log_pdf_pushforward_2d(model, x)
    model.derived("density_range", check_supported)
    x = _as_points(x)
    from . import kernels as _kernels  # numba: compiled or loaded on first use

    # Below this many points the thread-pool launch costs more than it saves.
    parallel = x.size >= SERIAL_BELOW
    if model.noise_std > 0:
        t = model.derived("smooth_terms", smooth_terms)
        kernel = _kernels.log_pdf_smooth if parallel else _kernels.log_pdf_smooth_serial
        return _checked(kernel(x, *(t[k] for k in SMOOTH_ARGS)))
    kernel = _kernels.log_pdf_pushforward if parallel else _kernels.log_pdf_pushforward_serial
    return _checked(kernel(x, *model.derived("pushforward_args", _pushforward_args)))


def pdf(model: LatentModel, x) -> np.ndarray:
    """``exp(log_pdf(model, x))``; shape (N,)."""
    return np.exp(log_pdf(model, x))


def atoms(model: LatentModel) -> tuple[np.ndarray, np.ndarray]:
    """Atoms of the law of x (m = n = 1).

    With ``noise_std > 0`` the law is absolutely continuous and there are no atoms.  With
    ``noise_std == 0`` every flat piece ``f = B_k`` on ``[l_k, h_k]`` puts the mass
    :math:`P(l_k \\le z \\le h_k)` at ``B_k``; pieces at the same level are combined.

    Returns
    -------
    locations : ndarray, shape (n_atoms,)
        Sorted atom locations.
    masses : ndarray, shape (n_atoms,)
        Their probabilities (computed in log space, accurate to a few ulp); atoms whose mass
        underflows to 0 are omitted.
    """
    check_one_dimensional_atoms(model)
    if model.noise_std > 0 and (model.latent_dim, model.observed_dim) != (1, 1):
        return np.empty((0, model.observed_dim)), np.empty(0)
    model.derived("density_range", check_supported)
    if model.noise_std > 0:
        return np.empty(0), np.empty(0)
    from .special import log_gauss_mass  # numba: compiled or loaded on first use

    lo, hi, slopes, intercepts, _, _ = piece_arrays(model)
    flat = slopes == 0.0
    if not flat.any():
        return np.empty(0), np.empty(0)
    keep = model.prior.weights > 0
    w = model.prior.weights[keep]
    mu = model.prior.means[keep, 0]
    s = np.sqrt(model.prior.variances[keep])
    lo_f, hi_f = lo[flat], hi[flat]
    a = ((lo_f[:, None] - mu) / s).ravel()
    b = ((hi_f[:, None] - mu) / s).ravel()
    log_mass = log_gauss_mass(a, b).reshape(lo_f.size, w.size) + np.log(w)
    top = log_mass.max(axis=1, keepdims=True)
    piece_mass = np.exp(top[:, 0]) * np.exp(log_mass - top).sum(axis=1)
    locations, inverse = np.unique(intercepts[flat], return_inverse=True)
    masses = np.zeros(locations.size)
    np.add.at(masses, inverse, piece_mass)
    positive = masses > 0  # a flat piece far in the tails can carry a mass below 1e-308
    return locations[positive], masses[positive]


def log_pdf_numpy(model: LatentModel, x) -> np.ndarray:
    """The same closed form in plain NumPy/SciPy (no numba), for cross-checks and benchmarks.

    Uses :func:`scipy.special.log_ndtr` and SciPy's Gaussian-mass strategy (left-tail
    difference, mirrored right tail, ``log1p`` in the centre), materialising all (N, T) terms.
    It is less careful than :func:`log_pdf` in one regime (narrow intervals in the centre lose
    relative accuracy) and only supports ``noise_std > 0``.  Other dimensions go to
    :func:`exactid.density.multivariate.log_pdf_cells_numpy` (accurate near the data only).
    """
    from scipy.special import log_ndtr, logsumexp, ndtr  # ~0.3 s; only the NumPy path

    if isinstance(model, LatentModel) and (model.latent_dim, model.observed_dim) != (1, 1):
        if model.noise_std <= 0:
            raise NotImplementedError("log_pdf_numpy supports noise_std > 0 only")
        from .multivariate import log_pdf_cells_numpy  # (scipy: only the NumPy path)

        return log_pdf_cells_numpy(model, x)
    check_one_dimensional(model)
    model.derived("density_range", check_supported)
    if model.noise_std <= 0:
        raise NotImplementedError("log_pdf_numpy supports noise_std > 0 only")
    x = _as_points(x)[:, None]
    t = model.derived("smooth_terms", smooth_terms)
    with np.errstate(invalid="ignore", over="ignore"):
        a = np.where(t["lo_inf"], -np.inf, t["pa"] + t["q"] * (t["flo"] - x))
        b = np.where(t["hi_inf"], np.inf, t["pb"] + t["q"] * (t["fhi"] - x))
    flip = a > 0
    a, b = np.where(flip, -b, a), np.where(flip, -a, b)
    left = b <= 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        la, lb = log_ndtr(a), log_ndtr(b)
        # log Phi(a) = -inf (a = -inf, or an interval end beyond 1e154) means the mass is Phi(b):
        # d = -inf, not the NaN of -inf - (-inf).
        d = np.where(np.isneginf(la), -np.inf, np.minimum(la - lb, 0.0))
        mass_left = lb + np.where(d > -math.log(2), np.log(-np.expm1(d)), np.log1p(-np.exp(d)))
        mass_central = np.log1p(-ndtr(a) - ndtr(-b))
    log_mass = np.where(left, mass_left, mass_central)
    terms = t["lognorm"] - ((x - t["mean"]) - t["mean_lo"]) ** 2 * t["inv2v"] + log_mass
    return logsumexp(terms, axis=1)
