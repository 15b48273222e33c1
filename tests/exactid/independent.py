"""A density reference independent of the engine's piece computation.

:func:`sweep_pieces` finds the linear pieces of a 1-D ReLU / leaky-ReLU network by sweeping z
from -inf to +inf in exact rational arithmetic: in the current region every unit's
pre-activation is an affine function of z, the next breakpoint is the nearest zero crossing
ahead of any unit, and the activation pattern just right of it is recomputed by a forward pass.
It shares no code with :func:`exactid.pieces_1d` (which splits layer by layer with integer
scales).  :func:`log_pdf_independent` then sums the closed form of paper 003 over those pieces
in 50-digit arithmetic, each Gaussian mass taken from the tail it is small in.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath as mp
import numpy as np


def _forward(net, z, side):
    """Exact forward pass just right (``side = +1``) of ``z`` (a Fraction, or -inf as None).

    Returns ``(A, B, maps)``: the output map f(z) = A z + B near z, and every hidden unit's
    pre-activation map (slope, intercept) on that side.
    """
    slope_neg = Fraction(float(net.negative_slope))
    h = [(Fraction(1), Fraction(0))]  # the input z as a map
    maps = []
    for layer, (w, b) in enumerate(zip(net.weights, net.biases)):
        pre = []
        for r in range(w.shape[0]):
            s = sum((Fraction(float(w[r, c])) * h[c][0] for c in range(w.shape[1])), Fraction(0))
            t = sum((Fraction(float(w[r, c])) * h[c][1] for c in range(w.shape[1])),
                    Fraction(float(b[r])))
            pre.append((s, t))
        if layer == net.n_layers - 1:
            return pre[0][0], pre[0][1], maps
        maps.extend(pre)
        h = []
        for s, t in pre:
            if z is None:  # z -> -inf: the sign of s z + t is -sign(s), or sign(t) if s = 0
                positive = s < 0 or (s == 0 and t > 0)
            else:
                value = s * z + t
                positive = value > 0 or (value == 0 and s > 0)
            h.append((s, t) if positive else (slope_neg * s, slope_neg * t))
    raise AssertionError("unreachable")


def sweep_pieces(net):
    """Pieces ``(lo, hi, A, B)`` (Fractions; ``lo``/``hi`` None at infinity), merged where the
    affine map does not change."""
    z = None
    pieces = []
    while True:
        A, B, maps = _forward(net, z, +1)
        if pieces and pieces[-1][2] == A and pieces[-1][3] == B:
            lo = pieces.pop()[0]
        else:
            lo = z
        ahead = [-t / s for s, t in maps if s != 0 and (z is None or -t / s > z)]
        if not ahead:
            pieces.append((lo, None, A, B))
            return pieces
        nxt = min(ahead)
        pieces.append((lo, nxt, A, B))
        z = nxt


#: Standardised interval ends beyond this are treated as infinite (see _closed_form).
FAR = 1e6


class _Unresolved(Exception):
    """A piece mass cancelled to <= 0 at the working precision."""


def log_pdf_independent(model, xs) -> np.ndarray:
    """log p(x) (sigma > 0) from :func:`sweep_pieces` and the closed form, in 50 digits (more
    where a narrow piece's mass cancels)."""
    pieces = sweep_pieces(model.net)
    for dps in (50, 100, 200, 400, 800):
        try:
            return _closed_form(model, pieces, xs, dps)
        except _Unresolved:
            continue
    raise AssertionError("a piece mass is not resolved at 800 digits")


def _closed_form(model, pieces, xs, dps: int) -> np.ndarray:
    out = []
    with mp.workdps(dps):
        sigma2 = mp.mpf(model.noise_std) ** 2
        comps = [(mp.mpf(float(w)), mp.mpf(float(m)), mp.mpf(float(v)))
                 for w, m, v in zip(model.prior.weights, model.prior.means[:, 0],
                                    model.prior.variances) if w > 0]

        def q(frac):
            return None if frac is None else mp.mpf(frac.numerator) / frac.denominator

        for x in np.atleast_1d(xs):
            x = mp.mpf(float(x))
            terms = []
            for lo, hi, A, B in pieces:
                lo, hi, A, B = q(lo), q(hi), q(A), q(B)
                for w, mu, s2 in comps:
                    v = A * A * s2 + sigma2
                    tau = mp.sqrt(s2 * sigma2 / v)
                    mstar = (sigma2 * mu + A * s2 * (x - B)) / v
                    a = mp.ninf if lo is None else (lo - mstar) / tau
                    b = mp.inf if hi is None else (hi - mstar) / tau
                    # Beyond 1e6 standard deviations a mass is below exp(-5e11) (negligible
                    # against any other term) or 1 to all digits (mpmath's ncdf overflows there).
                    if a > FAR or b < -FAR:
                        continue
                    a = mp.ninf if a < -FAR else a
                    b = mp.inf if b > FAR else b
                    # Each probability from the tail it is small in.
                    if a >= 0:
                        mass = mp.ncdf(-a) - mp.ncdf(-b)
                    elif b <= 0:
                        mass = mp.ncdf(b) - mp.ncdf(a)
                    else:
                        mass = 1 - mp.ncdf(a) - mp.ncdf(-b)
                    if mass <= 0:
                        raise _Unresolved
                    terms.append(mp.log(w) - (x - (A * mu + B)) ** 2 / (2 * v)
                                 - mp.log(2 * mp.pi * v) / 2 + mp.log(mass))
            top = max(terms)
            out.append(float(top + mp.log(mp.fsum(mp.exp(t - top) for t in terms))))
    return np.array(out)
