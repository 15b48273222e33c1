"""Independent high-precision references for the exact density (mpmath, 50 digits): the test
oracles.

Slow (milliseconds per point) and meant for verification: the tests, the quick reproduction
and the benchmark compare the numba engine against these.

* :func:`mp_log_pdf_closed_form` evaluates the per-piece closed form with the network's pieces
  computed in exact rational arithmetic and every Gaussian mass in 50-digit arithmetic, taking
  each probability from the tail it is small in (so nothing cancels at 50 digits either); the
  arbitrary-precision machinery is :mod:`exactid.divergence.high_precision`.
* :func:`mp_log_pdf_quadrature` does not use the closed form at all: it integrates
  ``sum_j w_j phi(z; mu_j, s_j) phi(x - f(z); 0, sigma)`` over z with ``mpmath.quad``, with
  ``f`` evaluated layer by layer in mpmath, split at the exact breakpoints.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

from .divergence.high_precision import (
    DPS,
    NeedMorePrecision,
    check_model,
    components,
    exact_pieces,
    log_gauss_mass_at_precision,
    mp_kl_divergence,
    mp_log_density_function,
    to_mpf,
)
from .models import LatentModel
from .validation import as_float_array, check_integer

__all__ = ["DPS", "mp_log_gauss_mass", "mp_log_pdf_closed_form", "mp_log_pdf_quadrature",
           "mp_kl_divergence", "mp_net", "exact_pieces"]

#: Largest |a|, |b| accepted by :func:`mp_log_gauss_mass` (mpmath's erfc overflows beyond).
MAX_STANDARDIZED = 1e150



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
                return float(log_gauss_mass_at_precision(mp.mpf(a), mp.mpf(b)))
            except NeedMorePrecision:
                continue
    raise RuntimeError(f"mp_log_gauss_mass({a!r}, {b!r}) not resolved at 800 digits")



def mp_log_pdf_closed_form(model: LatentModel, xs) -> np.ndarray:
    """Log density of x (sigma > 0) in 50-digit arithmetic, returned as float64.

    If a piece is so narrow that 50 digits cannot resolve its mass (exact breakpoints closer
    than 1e-50 relative), the evaluation is repeated with 100, 200, ... digits.
    """
    check_model(model)
    xs = _points(xs)
    for dps in (DPS, 2 * DPS, 4 * DPS, 8 * DPS, 16 * DPS):
        try:
            return _closed_form_at(model, xs, dps)
        except NeedMorePrecision:
            continue
    raise RuntimeError("mp_log_pdf_closed_form: a piece mass is not resolved at 800 digits")



def _closed_form_at(model: LatentModel, xs, dps: int) -> np.ndarray:
    with mp.workdps(dps):
        log_density = mp_log_density_function(model)
        return np.array([float(log_density(to_mpf(x))) for x in np.atleast_1d(xs)])



def mp_net(model_or_net, z):
    """Evaluate the float network at an mpf point in mpmath arithmetic (output 1)."""
    net = getattr(model_or_net, "net", model_or_net)
    h = [z]
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        h = [mp.fsum(to_mpf(w[r, c]) * h[c] for c in range(w.shape[1])) + to_mpf(b[r])
             for r in range(w.shape[0])]
        if i < net.n_layers - 1:
            h = [t if t > 0 else to_mpf(net.negative_slope) * t for t in h]
    return h[0]



def mp_log_pdf_quadrature(model: LatentModel, x, dps: int = 30) -> float:
    """log p(x) by mpmath.quad over z of the raw integrand (sigma > 0)."""
    check_model(model)
    dps = check_integer(dps, "dps", 15, "an integer number of digits >= 15")
    x = float(_points(x)[0])
    with mp.workdps(dps):
        lo, hi, _, _ = exact_pieces(model)
        sigma = to_mpf(model.noise_std)
        comps = components(model)
        x = to_mpf(x)

        def integrand(z):
            prior = mp.fsum(w * mp.npdf(z, mu, mp.sqrt(s2)) for w, mu, s2 in comps)
            return prior * mp.npdf(x - mp_net(model, z), 0, sigma)

        points = {mp.ninf, mp.inf, *hi[:-1]}
        # Split further at the component means and around each piece's preimage of x, where
        # the integrand is a spike of width ~ sigma / |A| (so each cell is smooth and unimodal).
        points |= {mu for _, mu, _ in comps}
        _, _, slopes, intercepts = exact_pieces(model)
        for left, h, a_, b_ in zip(lo, hi, slopes, intercepts):
            if a_ == 0:
                continue
            z0, width = (x - b_) / a_, sigma / abs(a_)
            for k in (0, -1, 1, -4, 4, -12, 12, -40, 40):
                z = z0 + k * width
                if left < z < h:
                    points.add(z)
        points = sorted(points)
        return float(mp.log(mp.quad(integrand, points)))
