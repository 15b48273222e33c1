"""The vectorisable log and exp of the search kernel (exactid.search._vecmath) against the C
library's ``log`` and ``exp`` (what ``math.log`` / ``math.exp`` call).

Both sides are accurate to better than 1 ulp (fdlibm's bounds for ours; glibc's own for the
reference), so each result is one of the two doubles around the exact value and the two can
differ by at most 1 ulp: that is the tolerance, and anything larger is a bug.  The comparison
runs in numba over 10^6 points per function under the ci profile and 10^8 under
``HYPOTHESIS_PROFILE=thorough`` (a few seconds on one core): uniformly random bit patterns
(every exponent, subnormals, infinities and nans included), arguments near 1 and in the
search's range (0, 1], and a table of special values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid.search import _vecmath as vm
from tests.budget import thorough

N_POINTS = 10**8 if thorough() else 10**6

SPECIAL = [0.0, -0.0, math.inf, -math.inf, math.nan, -1.0, -5e-324, 1.0, 5e-324, 1e-310,
           2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308,
           1.0 - 2.0**-53, 1.0 + 2.0**-52, 0.7071067811865476, 1.4142135623730951, 2.0, 0.5,
           1e-290, math.e]
EXP_SPECIAL = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-300, -1e-300, 709.78, 709.79,
               -708.39, -708.4, -745.13, -745.14, -1000.0, 1000.0, 0.34657359027997264,
               -0.34657359027997264, 1.0397207708399179, 1e-9, -1e-9, 2.0**-29]


def _random_bits(rng, n):
    return rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, n,
                        dtype=np.int64).view(np.float64)


def test_log_matches_libm_within_one_ulp():
    rng = np.random.default_rng(0)
    n = N_POINTS // 4
    x = np.concatenate([SPECIAL, np.abs(_random_bits(rng, n)), _random_bits(rng, n),
                        rng.uniform(0.5, 2.0, n), rng.uniform(0.0, 1.0, n)])
    worst, n_diff, where = vm.compare_with_libm(x, 0)
    assert worst <= 1, f"log differs by {worst} ulp at {where!r}"
    # Most results are the correctly rounded one (the comparison is not vacuous).
    assert n_diff < 0.1 * x.size


def test_exp_matches_libm_within_one_ulp():
    rng = np.random.default_rng(1)
    n = N_POINTS // 4
    x = np.concatenate([EXP_SPECIAL, _random_bits(rng, n), rng.uniform(-750.0, 715.0, n),
                        rng.uniform(-1.0, 1.0, n), rng.uniform(-700.0, 0.0, n)])
    worst, n_diff, where = vm.compare_with_libm(x, 1)
    assert worst <= 1, f"exp differs by {worst} ulp at {where!r}"
    assert n_diff < 0.1 * x.size


@pytest.mark.parametrize("x, expected", [
    (0.0, -math.inf), (-0.0, -math.inf), (math.inf, math.inf), (1.0, 0.0),
    (5e-324, math.log(5e-324)), (1.7976931348623157e308, math.log(1.7976931348623157e308)),
])
def test_log_special_values(x, expected):
    out = np.empty(1)
    vm.log_array(np.array([x]), out)
    assert out[0] == expected


@pytest.mark.parametrize("x", [-1.0, -math.inf, math.nan, -5e-324])
def test_log_of_negative_or_nan_is_nan(x):
    out = np.empty(1)
    vm.log_array(np.array([x]), out)
    assert math.isnan(out[0])


@pytest.mark.parametrize("x, expected", [
    (0.0, 1.0), (-math.inf, 0.0), (math.inf, math.inf), (-746.0, 0.0), (710.0, math.inf),
    (-745.0, math.exp(-745.0)), (709.7, math.exp(709.7)),
])
def test_exp_special_values(x, expected):
    out = np.empty(1)
    vm.exp_array(np.array([x]), out)
    assert out[0] == expected


def test_exp_of_nan_is_nan():
    out = np.empty(1)
    vm.exp_array(np.array([math.nan]), out)
    assert math.isnan(out[0])


@given(st.floats(min_value=2.2250738585072014e-308, max_value=1e308))
def test_log_normal_is_log_on_normal_numbers(x):
    """The kernel's variant without special cases equals the full one where it is used."""
    full = np.empty(1)
    vm.log_array(np.array([x]), full)
    assert vm.log_normal1(x) == full[0]


def test_ulp_distance():
    assert vm.ulp_distance(1.0, 1.0) == 0
    assert vm.ulp_distance(1.0, np.nextafter(1.0, 2.0)) == 1
    assert vm.ulp_distance(-0.0, 0.0) == 0
    assert vm.ulp_distance(5e-324, -5e-324) == 2
    assert vm.ulp_distance(math.nan, math.nan) == 0
    assert vm.ulp_distance(math.nan, 1.0) > 10**18
