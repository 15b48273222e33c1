r"""Likelihood-based discrepancies between 1-D models: sample NLL, cross-entropy, KL.

.. math::

    H(p, q) = -\int p(x) \log q(x)\, dx, \qquad
    \mathrm{KL}(p \,\|\, q) = \int p(x) \left[\log p(x) - \log q(x)\right] dx

have no closed form, but both integrands are smooth (for :math:`\sigma > 0` the density is a
Gaussian convolution, analytic in x) and cheap, because the densities are exact closed forms.
They are integrated by :func:`exactid.divergence.quadrature.integrate_1d` over p's window on a
mesh graded towards the features of both densities (see :mod:`exactid.divergence.quadrature`),
and the result carries an error estimate: the rule disagreements, the accuracy of the
integrand values (including the rounding of the nodes themselves, ``eps |x| / h`` relative
near a feature of width h at x, which is charged and, beyond ``1e-3``, refused), and the tail
bound.  KL is integrated as ``p (log p - log q)`` directly, so ``KL(p, p)`` is exactly 0, not
the difference of two rounded cross-entropies.
"""

from __future__ import annotations

import numpy as np

from ..density import log_pdf
from ..density.exact import check_one_dimensional
from ..errors import NumericalError, UnsupportedModelError
from ..models import LatentModel
from ..validation import check_instance
from .quadrature import (
    EVAL_RTOL,
    Integral,
    check_tol,
    features,
    graded_edges,
    integrate_1d,
    integration_window,
    tail_bound,
)

__all__ = ["sample_nll", "cross_entropy", "kl_divergence", "check_pair",
           "MAX_NODE_RESOLUTION"]

#: Largest accepted ``eps * |x| / h`` (node rounding relative to the narrowest feature width
#: h) in a population integral.
MAX_NODE_RESOLUTION = 1e-3



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



def check_pair(p: LatentModel, q: LatentModel) -> None:
    for name, model in (("p", p), ("q", q)):
        check_instance(model, name, LatentModel)
        check_one_dimensional(model)
        if model.noise_std <= 0:
            raise NotImplementedError(
                f"{name}: population divergences need noise_std > 0 (found {model.noise_std}); "
                "with noise_std = 0 the laws may have atoms"
            )



def _population_integral(p: LatentModel, q: LatentModel, integrand, tol: float) -> Integral:
    """Integrate ``integrand(x)`` over p's window, on a mesh graded towards the features of
    both densities (:func:`graded_edges`), and add the neglected-tail bound to the error."""
    check_pair(p, q)
    tol = check_tol(tol)
    x_min, x_max, points = integration_window(p, q)
    locations, scales = zip(features(p), features(q))
    locations, scales = np.concatenate(locations), np.concatenate(scales)
    # A node x is represented to eps |x|; where features of width h sit at |x| >> h that
    # moves every integrand value by about eps |x| / h of itself.  Charge it to the error,
    # and refuse windows where it would leave fewer than ~3 digits.
    inside = (locations >= x_min) & (locations <= x_max)
    spacing = np.finfo(float).eps * np.abs(locations[inside]) / scales[inside]
    worst = int(np.argmax(spacing)) if spacing.size else -1
    resolution = float(spacing[worst]) if spacing.size else 0.0
    if resolution > MAX_NODE_RESOLUTION:
        raise UnsupportedModelError(
            f"p, q: a feature of width {scales[inside][worst]:.3g} at x = "
            f"{locations[inside][worst]:.3g} cannot be resolved by double-precision "
            f"quadrature (relative node spacing {resolution:.1g}); shift or rescale the models")
    edges = graded_edges(x_min, x_max, points, (locations, scales))
    res = integrate_1d(integrand, edges, tol, eval_rtol=max(EVAL_RTOL, 4 * resolution))
    res = res._replace(error=res.error + tail_bound(p, q, x_min, x_max))
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
