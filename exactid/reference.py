"""Independent high-precision references for the exact density (mpmath, 50 digits).

Slow (milliseconds per point) and meant for verification: the tests, the quick reproduction
and the benchmark compare the numba engine against these.

* :func:`mp_log_pdf_closed_form` evaluates the per-piece closed form with the network's pieces
  computed in exact rational arithmetic and every Gaussian mass in 50-digit arithmetic, taking
  each probability from the tail it is small in (so nothing cancels at 50 digits either).
* :func:`mp_log_pdf_quadrature` does not use the closed form at all: it integrates
  ``sum_j w_j phi(z; mu_j, s_j) phi(x - f(z); 0, sigma)`` over z with ``mpmath.quad``, with
  ``f`` evaluated layer by layer in mpmath, split at the exact breakpoints.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath as mp
import numpy as np

from ._validation import as_float_array
from .models import LatentModel
from .regions import pieces_1d

DPS = 50


def _mpf(v) -> mp.mpf:
    if isinstance(v, Fraction):
        return mp.mpf(v.numerator) / v.denominator
    return mp.mpf(float(v))


#: Terms whose standardized interval lies entirely beyond this are below exp(-5e11) relative to
#: the term of the piece holding the posterior mode, and mpmath's erfc overflows on them.
FAR = mp.mpf(10) ** 6


#: Most cells of :func:`mp_kl_divergence` (each costs milliseconds in mpmath).
MAX_MP_CELLS = 20_000
#: Largest |a|, |b| accepted by :func:`mp_log_gauss_mass` (mpmath's erfc overflows beyond).
MAX_STANDARDIZED = 1e150


def _check_dps(dps) -> int:
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or dps < 15:
        raise ValueError(f"dps: expected an integer number of digits >= 15, found {dps!r}")
    return int(dps)


def _check_model(model) -> LatentModel:
    if not isinstance(model, LatentModel):
        raise ValueError(f"model: expected a LatentModel, found {type(model).__name__}")
    if model.latent_dim != 1 or model.observed_dim != 1:
        raise NotImplementedError("the mpmath references are for m = n = 1")
    if model.noise_std <= 0:
        raise ValueError("model: the mpmath references need noise_std > 0, found "
                         f"{model.noise_std!r}")
    return model


def _points(xs) -> np.ndarray:
    return as_float_array(np.atleast_1d(np.asarray(xs, dtype=float)), "x", 1)


def mp_log_gauss_mass(a: float, b: float) -> float:
    """``log(Phi(b) - Phi(a))`` for floats ``a < b``, correct to float64.

    Starts at 50 digits and doubles the precision until the difference is resolved.  ``a``
    may be ``-inf`` and ``b`` ``+inf``; finite ends must satisfy ``|a|, |b| <= 1e150``.
    """
    for name, v in (("a", a), ("b", b)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating)) or np.isnan(v):
            raise ValueError(f"{name}: expected a number, found {v!r}")
        if np.isfinite(v) and abs(v) > MAX_STANDARDIZED:
            raise ValueError(f"{name}: expected |{name}| <= {MAX_STANDARDIZED:g}, found {v!r}")
    if not a < b:
        raise ValueError(f"a, b: expected a < b, found a = {a!r}, b = {b!r}")
    for dps in (DPS, 2 * DPS, 4 * DPS, 8 * DPS, 16 * DPS):
        with mp.workdps(dps):
            try:
                return float(_log_gauss_mass_at_precision(mp.mpf(a), mp.mpf(b)))
            except _NeedMorePrecision:
                continue
    raise RuntimeError(f"mp_log_gauss_mass({a!r}, {b!r}) not resolved at 800 digits")


def _log_gauss_mass_at_precision(a, b):
    """``log(Phi(b) - Phi(a))`` for mpf ``a < b`` at the working precision.

    Each probability is taken from the tail it is small in, so nothing cancels beyond what the
    interval's own width requires.  Raises ``_NeedMorePrecision`` if the difference is not
    resolved at the working precision.
    """
    if a >= 0:
        m = mp.ncdf(-a) - mp.ncdf(-b)
    elif b <= 0:
        m = mp.ncdf(b) - mp.ncdf(a)
    else:
        m = 1 - mp.ncdf(a) - mp.ncdf(-b)
    if m <= 0:
        # Two exact breakpoints closer than the working precision resolves: the caller retries
        # with more digits (all inputs are exact rationals or floats, so that converges).
        raise _NeedMorePrecision
    return mp.log(m)


class _NeedMorePrecision(Exception):
    pass


def _log_mass(a, b):
    """:func:`_log_gauss_mass_at_precision`, or None beyond ``FAR`` (negligible terms)."""
    if a > FAR or b < -FAR:
        return None
    # Phi(+-2e6) is 0/1 to far more digits than any working precision used here.
    return _log_gauss_mass_at_precision(max(a, -2 * FAR), min(b, 2 * FAR))


def _components(model: LatentModel):
    """(weight, mean, variance) as mpf for the components with positive weight."""
    prior = model.prior
    return [
        (_mpf(w), _mpf(m), _mpf(v))
        for w, m, v in zip(prior.weights, prior.means[:, 0], prior.variances)
        if w > 0
    ]


def exact_pieces(model: LatentModel):
    """(lo, hi, A, B) lists of mpf (lo/hi may be -inf/+inf) from rational pieces."""
    p = pieces_1d(model.net, exact=True)
    brk = [_mpf(t) for t in p.breakpoints]
    lo = [mp.ninf] + brk
    hi = brk + [mp.inf]
    A = [_mpf(a) for a in p.slopes[:, 0]]
    B = [_mpf(b) for b in p.intercepts[:, 0]]
    return lo, hi, A, B


def mp_log_pdf_closed_form(model: LatentModel, xs) -> np.ndarray:
    """Log density of x (sigma > 0) in 50-digit arithmetic, returned as float64.

    If a piece is so narrow that 50 digits cannot resolve its mass (exact breakpoints closer
    than 1e-50 relative), the evaluation is repeated with 100, 200, ... digits.
    """
    _check_model(model)
    xs = _points(xs)
    for dps in (DPS, 2 * DPS, 4 * DPS, 8 * DPS, 16 * DPS):
        try:
            return _closed_form_at(model, xs, dps)
        except _NeedMorePrecision:
            continue
    raise RuntimeError("mp_log_pdf_closed_form: a piece mass is not resolved at 800 digits")


def _closed_form_at(model: LatentModel, xs, dps: int) -> np.ndarray:
    with mp.workdps(dps):
        log_density = _mp_log_density_function(model)
        return np.array([float(log_density(_mpf(x))) for x in np.atleast_1d(xs)])


def _mp_log_density_function(model: LatentModel):
    """``x (mpf) -> log p(x) (mpf)`` at the current working precision (sigma > 0)."""
    lo, hi, A, B = exact_pieces(model)
    sigma = _mpf(model.noise_std)
    comps = _components(model)

    def log_density(x):
        terms = []
        for l, h, a_, b_ in zip(lo, hi, A, B):
            for w, mu, s2 in comps:
                v = a_ * a_ * s2 + sigma**2
                tau = mp.sqrt(s2) * sigma / mp.sqrt(v)
                mstar = (sigma**2 * mu + a_ * s2 * (x - b_)) / v
                lo_std = mp.ninf if l == mp.ninf else (l - mstar) / tau
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
    from .divergence import _window_and_points

    _check_model(p)
    _check_model(q)
    dps = _check_dps(dps)
    x_min, x_max, points = _window_and_points(p, q)
    points = np.unique(np.concatenate([[x_min, x_max], points]))
    # Cells no wider than the noise sd: the integrand is smooth on that scale.
    sigma = min(p.noise_std, q.noise_std)
    n_cells = int(np.ceil((points[-1] - points[0]) / sigma)) + points.size
    if n_cells > MAX_MP_CELLS:
        from .errors import LimitExceeded

        raise LimitExceeded(f"p, q: the 40-digit KL needs about {n_cells} cells of width "
                            f"{sigma:g}, more than {MAX_MP_CELLS} (hours of mpmath)", "cells")
    edges = [points[0]]
    for a, b in zip(points[:-1], points[1:]):
        n = max(1, int(np.ceil((b - a) / sigma)))
        edges.extend(np.linspace(a, b, n + 1)[1:])
    with mp.workdps(dps):
        log_p = _mp_log_density_function(p)
        log_q = _mp_log_density_function(q)

        def integrand(x):
            lp = log_p(x)
            return mp.exp(lp) * (lp - log_q(x))

        value, error = mp.quad(integrand, [_mpf(e) for e in edges], method="gauss-legendre",
                               error=True, maxdegree=6)
        return float(value), float(error)


def mp_net(model_or_net, z):
    """Evaluate the float network at an mpf point in mpmath arithmetic (output 1)."""
    net = getattr(model_or_net, "net", model_or_net)
    h = [z]
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        h = [mp.fsum(_mpf(w[r, c]) * h[c] for c in range(w.shape[1])) + _mpf(b[r])
             for r in range(w.shape[0])]
        if i < net.n_layers - 1:
            h = [t if t > 0 else _mpf(net.negative_slope) * t for t in h]
    return h[0]


def mp_log_pdf_quadrature(model: LatentModel, x, dps: int = 30) -> float:
    """log p(x) by mpmath.quad over z of the raw integrand (sigma > 0)."""
    _check_model(model)
    dps = _check_dps(dps)
    x = float(_points(x)[0])
    with mp.workdps(dps):
        lo, hi, _, _ = exact_pieces(model)
        sigma = _mpf(model.noise_std)
        comps = _components(model)
        x = _mpf(x)

        def integrand(z):
            prior = mp.fsum(w * mp.npdf(z, mu, mp.sqrt(s2)) for w, mu, s2 in comps)
            return prior * mp.npdf(x - mp_net(model, z), 0, sigma)

        points = {mp.ninf, mp.inf, *hi[:-1]}
        # Split further at the component means and around each piece's preimage of x, where
        # the integrand is a spike of width ~ sigma / |A| (so each cell is smooth and unimodal).
        points |= {mu for _, mu, _ in comps}
        _, _, slopes, intercepts = exact_pieces(model)
        for l, h, a_, b_ in zip(lo, hi, slopes, intercepts):
            if a_ == 0:
                continue
            z0, width = (x - b_) / a_, sigma / abs(a_)
            for k in (0, -1, 1, -4, 4, -12, 12, -40, 40):
                z = z0 + k * width
                if l < z < h:
                    points.add(z)
        points = sorted(points)
        return float(mp.log(mp.quad(integrand, points)))
