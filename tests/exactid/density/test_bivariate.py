"""Owen's T against 50-digit mpmath.

The reference integrates the scaled integrand exp(-h^2 x^2 / 2) / (1 + x^2) over [0, a] with
mp.quad (in x = a t, t in [0, 1], so that tiny a keeps its relative accuracy), split where it
falls off (x = 1/h, 4/h, 16/h), so that the narrow peak at 0 for large h is resolved; it is
validated against the closed forms T(h, 1) = Phi(h) Phi(-h) / 2, T(0, a) = atan(a) / 2 pi,
T(h, a) ~ a exp(-h^2 / 2) / 2 pi for tiny a and T(h, inf) = Phi(-h) / 2 before it is trusted.
"""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid.density.bivariate import OWENS_T_REL, owens_t1, owens_t_scaled1

mp.mp.dps = 50


def mp_owens_t_scaled(h, a):
    """exp(h^2/2) T(h, a) for h >= 0, a >= 0 (a may be inf), 50 digits."""
    h, a = mp.mpf(h), mp.mpf(a)
    if mp.isinf(a):
        return mp.ncdf(-h) * mp.exp(h * h / 2) / 2
    if a == 0:
        return mp.mpf(0)
    # x = a t, t in [0, 1]: the quadrature's absolute error is then relative to the result
    # whatever the size of a.
    cuts = [mp.mpf(0)]
    if h > 0:
        cuts += [c / (h * a) for c in (1, 4, 16) if c / (h * a) < 1]
    cuts.append(mp.mpf(1))
    f = lambda t: mp.exp(-h * h * a * a * t * t / 2) / (1 + a * a * t * t)  # noqa: E731
    return a * mp.quad(f, cuts) / (2 * mp.pi)


@pytest.mark.parametrize("h", [0.0, 1e-8, 0.3, 1.0, 2.5, 7.0, 15.0, 38.0])
def test_reference_agrees_with_closed_forms(h):
    ph, pmh = mp.ncdf(h), mp.ncdf(-h)
    assert abs(mp_owens_t_scaled(h, 1.0) - ph * pmh / 2 * mp.exp(mp.mpf(h) ** 2 / 2)) < 1e-40
    assert abs(mp_owens_t_scaled(0.0, h) - mp.atan(h) / (2 * mp.pi)) < 1e-40
    tiny = mp.mpf("1e-190")
    assert abs(mp_owens_t_scaled(h, tiny) / (tiny / (2 * mp.pi)) - 1) < 1e-40
    # T(h, a) -> T(h, inf) as a grows: the reference at a = 1e6 is within 1e-40 relative.
    big = mp_owens_t_scaled(h, 1e6)
    assert abs(big / mp_owens_t_scaled(h, mp.inf) - 1) < 1e-6 / max(h, 1e-3) + 1e-40


H_GRID = [0.0, 1e-10, 0.01, 0.3, 1.0, 2.0, 5.0, 9.0, 20.0, 37.0, 40.0, 100.0]
A_GRID = [1e-10, 1e-3, 0.1, 0.5, 0.999, 1.0, 1.001, 2.0, 10.0, 1e3, 1e8, math.inf]


@pytest.mark.parametrize("h", H_GRID)
def test_scaled_owens_t_grid(h):
    for a in A_GRID:
        got, ref = owens_t_scaled1(h, a), float(mp_owens_t_scaled(h, a))
        assert abs(got - ref) <= OWENS_T_REL * ref, (h, a, got, ref)


@given(h=st.floats(0.0, 45.0), log_a=st.floats(-12.0, 12.0))
def test_scaled_owens_t_against_mpmath(h, log_a):
    a = 10.0**log_a
    got, ref = owens_t_scaled1(h, a), float(mp_owens_t_scaled(h, a))
    assert abs(got - ref) <= OWENS_T_REL * ref


@given(h=st.floats(0.0, 37.5), a=st.floats(0.0, 50.0))
def test_owens_t_against_mpmath_where_normal(h, a):
    got = owens_t1(h, a)
    ref = float(mp_owens_t_scaled(h, a) * mp.exp(-mp.mpf(h) ** 2 / 2))
    assert abs(got - ref) <= (OWENS_T_REL + 2.3e-16) * ref


def test_symmetries_limits_and_nan():
    for h, a in [(0.7, 0.3), (3.0, 4.0), (12.0, 0.9)]:
        assert owens_t1(-h, a) == owens_t1(h, a)
        assert owens_t1(h, -a) == -owens_t1(h, a)
        assert owens_t_scaled1(-h, -a) == -owens_t_scaled1(h, a)
    assert owens_t1(2.0, 0.0) == 0.0
    assert owens_t1(math.inf, 2.0) == 0.0
    assert owens_t1(50.0, 2.0) == 0.0  # below the float range; the scaled value is not
    assert owens_t_scaled1(50.0, 2.0) > 0.0
    assert abs(owens_t1(0.0, math.inf) - 0.25) <= 1e-16
    assert math.isnan(owens_t1(math.nan, 1.0)) and math.isnan(owens_t_scaled1(1.0, math.nan))


def test_owens_t_reflection_identity():
    # T(h, a) + T(ah, 1/a) = (Phi(h) + Phi(ah)) / 2 - Phi(h) Phi(ah) for h, a > 0.  With
    # a < 1, the second term comes from the a > 1 branch, which computes it from this identity:
    # the T terms cancel, and this checks that branch's scaled Phi terms against 50-digit Phi.
    for h, a in [(0.5, 0.25), (2.0, 0.8), (6.0, 0.5)]:
        lhs = owens_t1(h, a) + owens_t1(a * h, 1 / a)
        ph, pah = mp.ncdf(h), mp.ncdf(a * h)
        rhs = float((ph + pah) / 2 - ph * pah)
        assert abs(lhs - rhs) <= 4e-15 * rhs
    assert np.isfinite(owens_t_scaled1(1e-300, 1e300))


def test_huge_slope_with_tiny_h():
    """(a - 1)(a + 1) overflowed for a > 1.3e154 and T(1e-160, 1e160) came out 0.210; the true
    value is atan(a) / (2 pi) - O(h) = 0.25 to 1e-16, and T(h, a -> inf) = Phi(-h) / 2."""
    import math

    from exactid.density.bivariate import owens_t1

    for a in (1e100, 1e155, 1e160, 1e300):
        assert abs(owens_t1(1e-160, a) - 0.25) < 1e-16
    assert math.isclose(owens_t1(0.5, 1e200), 0.5 * 0.3085375387259869, rel_tol=1e-14)
