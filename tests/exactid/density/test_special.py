"""Special functions of the numba kernels against 50-digit mpmath.

Tolerances are in units of eps = 2.2e-16 and of the size of the result: a correctly rounded
float of value r is within eps |r| / 2 of the truth, and evaluating at a rounded argument x
costs up to eps x^2 more for the Gaussian tail; the factors 4-8 leave room for the few
roundings inside each formula, not for algorithmic error.
"""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid.density import special as K
from exactid.reference import mp_log_gauss_mass

EPS = np.finfo(float).eps
mp.mp.dps = 50


def mp_log_ndtr(x):
    x = mp.mpf(x)
    # For x > 0 take log1p of the small upper tail: log(ncdf(x)) would round 1 - 1e-60 to 1.
    return float(mp.log1p(-mp.ncdf(-x)) if x > 0 else mp.log(mp.ncdf(x)))


mp_log_mass = mp_log_gauss_mass


LOG_NDTR_POINTS = np.concatenate(
    [np.linspace(-60, 60, 241), -np.logspace(-8, 3, 60), np.logspace(-8, 1.6, 40), [0.0]]
)


def test_log_ndtr_table():
    """Relative error 4 eps (the README states 8e-16) everywhere, including the upper tail
    where log Phi(x) = -Phi(-x) is tiny; below the float range (x >= 38.5) both are 0, and
    subnormal values (x near 38) carry an absolute error below 1e-322."""
    got = K.log_ndtr(LOG_NDTR_POINTS)
    ref = np.array([mp_log_ndtr(x) for x in LOG_NDTR_POINTS])
    bound = np.where(np.abs(ref) < np.finfo(float).tiny, 1e-322, 4 * EPS * np.abs(ref))
    assert (np.abs(got - ref) <= bound).all()


@pytest.mark.parametrize("x, expected", [(-np.inf, -np.inf), (np.inf, 0.0), (40.0, 0.0)])
def test_log_ndtr_limits(x, expected):
    assert K.log_ndtr1(x) == expected


def test_log_ndtr_far_tail_is_finite_and_accurate():
    # The asymptotic series takes over at x < -25 sqrt(2); check well beyond, to -1e5.
    x = -np.logspace(1.5, 5, 30)
    got = K.log_ndtr(x)
    ref = np.array([mp_log_ndtr(v) for v in x])
    assert np.isfinite(got).all()
    np.testing.assert_array_less(np.abs(got - ref), 4 * EPS * np.abs(ref))


def test_erfcx_against_mpmath():
    u = np.concatenate([np.linspace(0, 40, 801), np.logspace(1, 6, 50)])
    got = np.array([K.erfcx1(v) for v in u])
    ref = np.array([float(mp.exp(mp.mpf(v) ** 2) * mp.erfc(mp.mpf(v))) for v in u])
    np.testing.assert_array_less(np.abs(got - ref), 4 * EPS * ref)


#: The documented bound of log_gauss_mass1: relative error at most 8 eps; results below the
#: normal range (|log mass| < 2.2e-308, subnormal) carry an absolute error below 1e-322.
GAUSS_MASS_REL = 8 * EPS


def assert_log_mass_close(a, b):
    got, ref = K.log_gauss_mass1(a, b), mp_log_mass(a, b)
    if abs(ref) < np.finfo(float).tiny:
        assert abs(got - ref) <= 1e-322, (a, b, got, ref)
    else:
        assert abs(got - ref) <= GAUSS_MASS_REL * abs(ref), (a, b, got, ref)


def _interval(c, log_width):
    """(c - h/2, c + h/2), widened to the next float when h/2 vanishes against c, so that every
    example is an interval (none is skipped)."""
    h = 10.0**log_width
    a, b = c - h / 2, c + h / 2
    if not a < b:
        b = np.nextafter(a, np.inf)
    return a, b


@given(c=st.floats(-45, 45), log_width=st.floats(-17, 2))
def test_log_gauss_mass_against_mpmath(c, log_width):
    assert_log_mass_close(*_interval(c, log_width))


@given(c=st.floats(-1, 1), log_width=st.floats(-0.5, 2))
def test_log_gauss_mass_central_intervals(c, log_width):
    """Intervals around the mean holding most of the mass, down to results like -1.5e-23."""
    assert_log_mass_close(*_interval(c, log_width))


@given(a=st.floats(-45, -1e-3), b=st.floats(1e-3, 45))
def test_log_gauss_mass_intervals_across_zero(a, b):
    assert_log_mass_close(a, b)


@pytest.mark.parametrize(
    "a, b",
    [
        (-np.inf, np.inf),
        (-np.inf, -40.0),
        (40.0, np.inf),
        (38.0, 38.5),  # both in the upper tail: Phi(b) - Phi(a) of two numbers near 1
        (-1e-12, 1e-12),  # narrow, central
        (5.0, 5.0 + 1e-9),  # narrow, tail
        (-1.0, 30.0),
        (-30.0, 1.0),
        (0.0, 1e-300),
        # Almost all the mass: the result is tiny (Phi(-10) + Phi(-10) = 1.5e-23).
        (-10.0, 10.0),
        (-6.0, 30.0),
        (-3.0, 3.0),
        (-37.0, 38.0),
        (-38.5, 38.4),  # subnormal result
        # Series path at its threshold h max(1, |c|) = 1, centred on zeros of He_2 (c = 1)
        # and He_4 (c^2 = 3 +- sqrt 6): a zero term must not end the series early.
        (0.5, 1.5),
        (-1.5, -0.5),
        (np.sqrt(3 + np.sqrt(6)) - 0.5 / np.sqrt(3 + np.sqrt(6)),
         np.sqrt(3 + np.sqrt(6)) + 0.5 / np.sqrt(3 + np.sqrt(6))),
        (np.sqrt(3 - np.sqrt(6)) - 0.5, np.sqrt(3 - np.sqrt(6)) + 0.5),
        # Tail intervals just wide enough to leave the series (h |c| slightly above 1): the
        # correction log1p(-Phi(a) / Phi(b)) is of order one and must not be dropped.
        (-20.05, -19.95),
        (-30.02, -29.98),
        (19.95, 20.05),
        # Intervals starting at or just right of 0 (the branch boundaries of the kernel).
        (0.0, 2.0),
        (0.5, 30.0),
        (0.99, 2.0),
        (-2.0, 0.0),
        (-2.0, 0.5),
        (-30.0, 0.99),
        # Left tail with a correction log1p(-Phi(a) / Phi(b)) of 1e-4 .. 1e-2, which must be
        # kept; and intervals ending just left of -1 with tails Phi(a) + Phi(-b) near 0.9.
        (-5.0, -3.0),
        (-8.0, -2.5),
        (-1.8, -0.99),
        (-2.5, -0.5),
    ],
)
def test_log_gauss_mass_table(a, b):
    if not (np.isfinite(a) or np.isfinite(b)):
        assert K.log_gauss_mass1(a, b) == 0.0
        return
    assert_log_mass_close(a, b)


def test_log_gauss_mass_empty_interval():
    assert K.log_gauss_mass1(1.0, 1.0) == -math.inf
    assert K.log_gauss_mass1(2.0, 1.0) == -math.inf


def test_upper_tail_difference_has_no_cancellation():
    # Phi(39) - Phi(38) is ~1e-316 relative to 1: computed as 1 - 1 it would be 0 (-inf in log).
    got = K.log_gauss_mass1(38.0, 39.0)
    assert np.isfinite(got)
    assert abs(got - mp_log_mass(38.0, 39.0)) <= 8 * EPS * abs(got)


def test_array_kernels_match_scalar():
    rng = np.random.default_rng(0)
    a = rng.normal(size=200) * 10
    b = a + rng.exponential(size=200)
    np.testing.assert_array_equal(K.log_gauss_mass(a, b),
                                  [K.log_gauss_mass1(x, y) for x, y in zip(a, b)])
    np.testing.assert_array_equal(K.log_ndtr(a), [K.log_ndtr1(x) for x in a])


def test_log_ndtr_relative_accuracy_in_upper_tail():
    # For x > 0, log Phi(x) ~ -Phi(-x) is tiny; it must still carry full relative precision.
    x = np.linspace(0.01, 37, 400)
    ref = np.array([mp_log_ndtr(v) for v in x])
    np.testing.assert_array_less(np.abs(K.log_ndtr(x) - ref), 8 * EPS * np.abs(ref))


def test_log_ndtr_agrees_with_scipy():
    from scipy.special import log_ndtr

    x = np.linspace(-100, 5, 5001)
    np.testing.assert_allclose(K.log_ndtr(x), log_ndtr(x), rtol=1e-14, atol=0)


def _mp_log_sum_exp(terms):
    return float(mp.log(mp.fsum(mp.exp(mp.mpf(t)) for t in terms))) if terms else -math.inf


@given(terms=st.lists(st.floats(-800, 800), max_size=12))
def test_streaming_log_sum_exp_against_mpmath(terms):
    """lse_add / lse_value: log(sum(exp(t))) to a few eps of its magnitude (each step rounds
    once relative to the running sum, and log adds one rounding), for empty sums, sums that
    underflow or overflow as plain exp, and any order of the terms."""
    top, scaled_sum = -math.inf, 0.0
    for t in terms:
        top, scaled_sum = K.lse_add(top, scaled_sum, t)
    got, ref = K.lse_value(top, scaled_sum), _mp_log_sum_exp(terms)
    if not terms:
        assert got == -math.inf
    else:
        assert abs(got - ref) <= 4 * EPS * (abs(ref) + len(terms))


def test_streaming_log_sum_exp_small_cases():
    # One term is returned as is; two equal terms add log 2; a smaller term after a larger.
    top, s = K.lse_add(-math.inf, 0.0, 3.0)
    assert (top, s) == (3.0, 1.0) and K.lse_value(top, s) == 3.0
    top, s = K.lse_add(top, s, 3.0)
    assert abs(K.lse_value(top, s) - (3.0 + math.log(2.0))) <= EPS * 4
    top, s = K.lse_add(-math.inf, 0.0, 5.0)
    top, s = K.lse_add(top, s, 1.0)
    assert abs(K.lse_value(top, s) - (5.0 + math.log1p(math.exp(-4.0)))) <= EPS * 8


@given(u=st.floats(-1e150, 1e150))
def test_exact_square_is_exact(u):
    """hi + lo == u^2 exactly (Veltkamp's split), checked in rational arithmetic."""
    from fractions import Fraction

    hi, lo = K.exact_square(u)
    if abs(u) < 1e-140:  # lo would be below the subnormal range
        return
    assert Fraction(hi) + Fraction(lo) == Fraction(u) ** 2


def test_erfcx_limit_at_infinity():
    assert K.erfcx1(math.inf) == 0.0


@given(a=st.floats(-1.0, 0.0, exclude_max=True), h=st.floats(1.0, 1.5, exclude_min=True))
def test_log_gauss_mass_across_zero_with_large_tails(a, h):
    """Not narrow (h > 1) across zero with tails Phi(a) + Phi(-b) up to 0.66: the log1p form
    stays within the bound (its error is at most 1.8 times that of the tails)."""
    b = a + h
    if b <= 0.0:
        return
    assert_log_mass_close(a, b)
