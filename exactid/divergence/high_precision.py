"""The exact 1-D density and KL divergence in arbitrary precision (mpmath).

For quantities below double-precision resolution: the 40-digit KL divergence between models
that differ only far in a tail (1e-17 and below), with which the J.3.1 study confirms that a
near-tie is a distinct law.  The density is the per-piece closed form of
:mod:`exactid.density.exact`, evaluated with the network's pieces in exact rational
arithmetic and every Gaussian mass taken from the tail it is small in (nothing cancels at the
working precision either).  Slow: milliseconds per density value, seconds per KL.
:mod:`exactid.reference` builds the test oracles on the same functions.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath as mp
import numpy as np

from .. import limits  # noqa: F401  (documented bounds live there)
from ..errors import LimitExceeded
from ..models import LatentModel
from ..regions import pieces_1d
from ..validation import check_instance, check_integer
from .quadrature import integration_window, uniform_edges

__all__ = ["DPS", "mp_kl_divergence", "mp_log_density_function", "exact_pieces",
           "log_gauss_mass_at_precision", "NeedMorePrecision", "to_mpf", "check_model",
           "components"]


DPS = 50
#: Terms whose standardized interval lies entirely beyond this are below exp(-5e11) relative to
#: the term of the piece holding the posterior mode, and mpmath's erfc overflows on them.
FAR = mp.mpf(10) ** 6
#: Most cells of :func:`mp_kl_divergence` (each costs milliseconds in mpmath).
MAX_MP_CELLS = 20_000



def to_mpf(v) -> mp.mpf:
    if isinstance(v, Fraction):
        return mp.mpf(v.numerator) / v.denominator
    return mp.mpf(float(v))



def log_gauss_mass_at_precision(a, b):
    """``log(Phi(b) - Phi(a))`` for mpf ``a < b`` at the working precision.

    Each probability is taken from the tail it is small in, so nothing cancels beyond what the
    interval's own width requires.  Raises ``NeedMorePrecision`` if the difference is not
    resolved at the working precision.
    """
    if a >= 0:
        m = mp.ncdf(-a) - mp.ncdf(-b)
    elif b <= 0:
        m = mp.ncdf(b) - mp.ncdf(a)
    else:
        # 1 - (the two small tails): log1p keeps the relative accuracy of a result near 0
        # (log(1 - 1e-300) would round to 0 at any practical working precision).
        return mp.log1p(-(mp.ncdf(a) + mp.ncdf(-b)))
    if m <= 0:
        # Two exact breakpoints closer than the working precision resolves: the caller retries
        # with more digits (all inputs are exact rationals or floats, so that converges).
        raise NeedMorePrecision
    return mp.log(m)



class NeedMorePrecision(Exception):
    pass



def _log_mass(a, b):
    """:func:`_log_gauss_mass_at_precision`, or None beyond ``FAR`` (negligible terms)."""
    if a > FAR or b < -FAR:
        return None
    # Phi(+-2e6) is 0/1 to far more digits than any working precision used here.
    return log_gauss_mass_at_precision(max(a, -2 * FAR), min(b, 2 * FAR))



def _check_dps(dps) -> int:
    return check_integer(dps, "dps", 15, "an integer number of digits >= 15")



def check_model(model) -> LatentModel:
    """A LatentModel with m = n = 1 and noise_std > 0 (the domain of the mpmath density)."""
    check_instance(model, "model", LatentModel)
    if model.latent_dim != 1 or model.observed_dim != 1:
        raise NotImplementedError("the mpmath references are for m = n = 1")
    if model.noise_std <= 0:
        raise ValueError("model: the mpmath references need noise_std > 0, found "
                         f"{model.noise_std!r}")
    return model



def components(model: LatentModel):
    """(weight, mean, variance) as mpf for the components with positive weight."""
    prior = model.prior
    return [
        (to_mpf(w), to_mpf(m), to_mpf(v))
        for w, m, v in zip(prior.weights, prior.means[:, 0], prior.variances)
        if w > 0
    ]



def exact_pieces(model: LatentModel):
    """(lo, hi, A, B) lists of mpf (lo/hi may be -inf/+inf) from rational pieces."""
    p = pieces_1d(model.net, exact=True)
    brk = [to_mpf(t) for t in p.breakpoints]
    lo = [mp.ninf] + brk
    hi = brk + [mp.inf]
    A = [to_mpf(a) for a in p.slopes[:, 0]]
    B = [to_mpf(b) for b in p.intercepts[:, 0]]
    return lo, hi, A, B



def mp_log_density_function(model: LatentModel):
    """``x (mpf) -> log p(x) (mpf)`` at the current working precision (sigma > 0)."""
    lo, hi, A, B = exact_pieces(model)
    sigma = to_mpf(model.noise_std)
    comps = components(model)

    def log_density(x):
        terms = []
        for left, h, a_, b_ in zip(lo, hi, A, B):
            for w, mu, s2 in comps:
                v = a_ * a_ * s2 + sigma**2
                tau = mp.sqrt(s2) * sigma / mp.sqrt(v)
                mstar = (sigma**2 * mu + a_ * s2 * (x - b_)) / v
                lo_std = mp.ninf if left == mp.ninf else (left - mstar) / tau
                hi_std = mp.inf if h == mp.inf else (h - mstar) / tau
                mean = a_ * mu + b_
                log_n = -((x - mean) ** 2) / (2 * v) - mp.log(2 * mp.pi * v) / 2
                log_mass = _log_mass(lo_std, hi_std)
                if log_mass is not None:
                    terms.append(mp.log(w) + log_n + log_mass)
        top = max(terms)
        return top + mp.log(mp.fsum(mp.exp(t - top) for t in terms))

    return log_density



def mp_kl_divergence(p: LatentModel, q: LatentModel, dps: int = 40) -> tuple[float, float]:
    """KL(p || q) in ``dps``-digit arithmetic: mpmath Gauss-Legendre quadrature of
    ``p (log p - log q)`` over p's 13-sd window, split at the breakpoint and mean images of both
    models (the same window as :mod:`exactid.divergence`; the neglected tails are below 1e-36).

    Meant for KL values far below double-precision resolution (e.g. 1e-17 between models that
    differ only in their tails).  Slow: seconds per pair.

    Returns
    -------
    value, error : float
        The integral and mpmath's error estimate.
    """
    check_model(p)
    check_model(q)
    dps = _check_dps(dps)
    x_min, x_max, points = integration_window(p, q)
    points = np.unique(np.concatenate([[x_min, x_max], points]))
    # Cells no wider than the noise sd: the integrand is smooth on that scale.
    sigma = min(p.noise_std, q.noise_std)
    try:
        edges = uniform_edges(points, sigma, MAX_MP_CELLS, "p, q (40-digit KL)")
    except LimitExceeded as exc:
        raise LimitExceeded(f"{exc} (hours of mpmath)", "cells") from None
    with mp.workdps(dps):
        log_p = mp_log_density_function(p)
        log_q = mp_log_density_function(q)

        def integrand(x):
            lp = log_p(x)
            return mp.exp(lp) * (lp - log_q(x))

        value, error = mp.quad(integrand, [to_mpf(e) for e in edges], method="gauss-legendre",
                               error=True, maxdegree=6)
        return float(value), float(error)
