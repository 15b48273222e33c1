r"""Owen's T function, the special function of the bivariate normal, as numba kernels.

What to use when: :func:`owens_t1` for :math:`T(h, a)`; :func:`owens_t_scaled1` for
:math:`e^{h^2/2} T(h, a)`, which does not underflow for large ``h`` (masses of regions far from
the mean are built from it).  The 2-D density uses them for the mass of a polygon under a
bivariate normal; the univariate functions they rest on are in :mod:`exactid.density.special`.

Definition (Owen 1956):

.. math::

    T(h, a) = \frac{1}{2\pi} \int_0^a \frac{e^{-h^2 (1 + x^2) / 2}}{1 + x^2}\, dx,

the mass that :math:`\mathcal N(0, I_2)` puts on :math:`\{(u, v) : u > h, 0 < v < a u\}` for
``h, a >= 0``.  ``T`` is even in ``h`` and odd in ``a``.

Regimes (``h >= 0``, ``a > 0``), for the scaled value :math:`S = e^{h^2/2} T`:

* ``h = 0``: :math:`\arctan(a) / 2\pi`; ``a = inf``: :math:`e^{h^2/2}\Phi(-h) / 2`, from
  ``erfcx``;
* ``a <= 1``: :math:`S = \frac{1}{2\pi}\int_0^{A} e^{-h^2 x^2/2} / (1 + x^2)\,dx` with
  :math:`A = \min(a, 9/h)` (the rest is below :math:`e^{-40}` relative), by 16-point
  Gauss-Legendre on 1, 2 or 3 equal panels so that ``h`` times a panel is at most 3: the
  integrand is positive and analytic, and the rule is exact to rounding there;
* ``a > 1``: :math:`T(h, a) = \frac12[\Phi(h)\Phi(-ah) + \Phi(ah)\Phi(-h)] - T(ah, 1/a)`
  with every factor scaled by :math:`e^{h^2/2}`; since :math:`T(ah, 1/a) \le T(h, a)`, the
  subtraction loses at most a factor 2.

Accuracy: relative error at most 2e-15 (``OWENS_T_REL``) of the scaled value for every ``h``
and ``a``, and of the unscaled value where it is a normal float (``|h| < 37.5``), checked
against 50-digit mpmath in ``tests/exactid/density/test_bivariate.py``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .special import INV_SQRT2, JIT_OPTIONS, erfcx1, exact_square, upper_tail1

__all__ = ["owens_t1", "owens_t_scaled1", "OWENS_T_REL"]

#: Relative error bound of :func:`owens_t_scaled1` (and of :func:`owens_t1` where normal).
OWENS_T_REL = 2e-15

TWO_PI = 2.0 * math.pi
# 16-point Gauss-Legendre nodes and weights on [0, 1].
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)
GL_NODES = 0.5 * (_NODES + 1.0)
GL_WEIGHTS = 0.5 * _WEIGHTS
del _NODES, _WEIGHTS


@nb.njit(**JIT_OPTIONS)
def _scaled_upper_tail(x):
    """``Phi(-x) exp(x^2 / 2) = erfcx(x / sqrt2) / 2`` for ``x >= 0`` (never underflows)."""
    return 0.5 * erfcx1(x * INV_SQRT2)


@nb.njit(**JIT_OPTIONS)
def _scaled_small_a(h, a):
    """``exp(h^2 / 2) T(h, a)`` for ``h > 0``, ``0 < a <= 1`` (see the module docstring)."""
    top = min(a, 9.0 / h)  # beyond 9 / h the integrand is below exp(-40.5) of its start
    panels = 1 if h * top <= 3.0 else (2 if h * top <= 6.0 else 3)
    width = top / panels
    total = 0.0
    for p in range(panels):
        for k in range(GL_NODES.shape[0]):
            x = (p + GL_NODES[k]) * width
            hx = h * x
            total += GL_WEIGHTS[k] * math.exp(-0.5 * hx * hx) / (1.0 + x * x)
    return total * width / TWO_PI


@nb.njit(**JIT_OPTIONS)
def owens_t_scaled1(h, a):
    """``exp(h^2 / 2) T(h, a)`` for real ``h`` and ``a`` (``a`` may be infinite); NaN in, NaN
    out."""
    if math.isnan(h) or math.isnan(a):
        return math.nan
    h = abs(h)
    if a < 0.0:
        return -owens_t_scaled1(h, -a)
    if a == 0.0 or math.isinf(h):
        return 0.0
    if h == 0.0:
        return math.atan(a) / TWO_PI
    if math.isinf(a):
        return 0.5 * _scaled_upper_tail(h)
    if a <= 1.0:
        return _scaled_small_a(h, a)
    ah = a * h
    if math.isinf(ah):
        return 0.5 * _scaled_upper_tail(h)
    # exp(h^2/2) Phi(-ah) = scaled_tail(ah) * E with E = exp(-(a^2 - 1) h^2 / 2).
    # (a - 1)(a + 1) is exact-ish near a = 1 but overflows beyond a ~ 1.3e154, where the
    # finite a h gives the same exponent as (a h - h)(a h + h).
    if a < 1e150:
        e = math.exp(-0.5 * (a - 1.0) * (a + 1.0) * h * h)
    else:
        e = math.exp(-0.5 * (ah - h) * (ah + h))
    first = 0.5 * ((1.0 - upper_tail1(h)) * _scaled_upper_tail(ah) * e
                   + (1.0 - upper_tail1(ah)) * _scaled_upper_tail(h))
    if e == 0.0:
        return first
    return first - _scaled_small_a(ah, 1.0 / a) * e


@nb.njit(**JIT_OPTIONS)
def owens_t1(h, a):
    """Owen's ``T(h, a)``; underflows to 0 for ``|h|`` beyond about 38.6."""
    scaled = owens_t_scaled1(h, a)
    if scaled == 0.0 or math.isnan(scaled):
        return scaled
    h = abs(h)
    if h > 40.0:
        return 0.0
    hi, lo = exact_square(h)
    return scaled * math.exp(-0.5 * hi) * (1.0 - 0.5 * lo)
