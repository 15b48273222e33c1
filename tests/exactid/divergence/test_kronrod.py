"""The 21-point Gauss-Kronrod rule computed from its definition (exactid.divergence.kronrod).

References, each independent of how the rule is computed: the exact moments
:math:`\\int_{-1}^1 x^d dx` (the rule's defining property is its polynomial degree: 31 for the
Kronrod rule, 19 for the embedded 10-point Gauss rule, and *not* one more, which shows that the
degree is exactly that), NumPy's Gauss-Legendre rule (``numpy.polynomial.legendre.leggauss``,
Golub-Welsch eigenvalues plus a Newton step), and the published 21-point table of QUADPACK
(Piessens et al. 1983, routine qk21; 80-digit values by Fullerton, 1981).

Tolerances.  The weights and nodes are rounded once from 60 digits, so each is within half an
ulp of the truth; a rule sum of 21 terms of size <= 2 carries a rounding error of a few
``eps`` (~1e-15), hence 1e-15 for exactness and ~5e-16 against the tables.  The errors that
show a degree is *not* reached are orders of magnitude larger (the Gauss error on x^20 is
about 3e-6, the Kronrod error on x^32 about 4e-12), so the thresholds used there (1e-9 and
1e-13) separate the cases by more than a factor of 40.
"""

from __future__ import annotations

import numpy as np
import pytest

from exactid.divergence.kronrod import gauss_kronrod

# QUADPACK qk21 (positive half, descending; the last node is 0).
QK21_XGK = [
    0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
    0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
    0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
    0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
    0.294392862701460198131126603103866, 0.148874338981631210884826001129720, 0.0,
]
QK21_WGK = [
    0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
    0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
    0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
    0.123491976262065851077958109831074, 0.134709217311473325928054001771707,
    0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
    0.149445554002916905664936468389821,
]
QK21_WG = [  # at xgk[1], xgk[3], ..., xgk[9]
    0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
    0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
    0.295524224714752870173892994651338,
]


@pytest.fixture(scope="module")
def rule():
    return gauss_kronrod(10)


def moment(d: int) -> float:
    return 2.0 / (d + 1) if d % 2 == 0 else 0.0


def test_shapes_nodes_symmetric_in_open_interval_and_weights_positive(rule):
    x, wk, wg = rule
    assert x.shape == wk.shape == wg.shape == (21,)
    assert np.all(np.diff(x) > 0), "nodes must be strictly ascending"
    assert np.all((x > -1) & (x < 1))
    # Symmetric to rounding (each node is rounded once from 60 digits).
    np.testing.assert_allclose(x, -x[::-1], rtol=0, atol=1e-16)
    np.testing.assert_allclose(wk, wk[::-1], rtol=0, atol=1e-16)
    np.testing.assert_allclose(wg, wg[::-1], rtol=0, atol=1e-16)
    assert x[10] == 0.0
    assert np.all(wk > 0)
    gauss = wg != 0
    assert gauss.sum() == 10 and np.all(wg[gauss] > 0)


def test_kronrod_nodes_interlace_gauss_nodes(rule):
    x, _, wg = rule
    gauss = wg != 0
    # Ascending nodes alternate Kronrod, Gauss, Kronrod, ..., Kronrod.
    assert gauss.tolist() == [i % 2 == 1 for i in range(21)]
    xk, xg = x[~gauss], x[gauss]
    assert xk.size == 11 and xg.size == 10
    assert np.all(xk[:-1] < xg) and np.all(xg < xk[1:])


def test_gauss_part_equals_numpy_leggauss(rule):
    x, _, wg = rule
    gauss = wg != 0
    xg_np, wg_np = np.polynomial.legendre.leggauss(10)
    np.testing.assert_allclose(x[gauss], xg_np, rtol=0, atol=1e-15)
    np.testing.assert_allclose(wg[gauss], wg_np, rtol=0, atol=1e-15)


def test_matches_published_quadpack_table(rule):
    x, wk, wg = rule
    # Our arrays are ascending over [-1, 1]; QUADPACK lists the positive half descending.
    np.testing.assert_allclose(x[10:][::-1], QK21_XGK, rtol=0, atol=5e-16)
    np.testing.assert_allclose(wk[10:][::-1], QK21_WGK, rtol=0, atol=5e-16)
    np.testing.assert_allclose(wg[10:][::-1][1::2], QK21_WG, rtol=0, atol=5e-16)


@pytest.mark.parametrize("d", range(32))
def test_kronrod_rule_exact_to_degree_31(rule, d):
    x, wk, _ = rule
    assert abs(float(np.dot(wk, x**d)) - moment(d)) <= 1e-15


def test_kronrod_rule_not_exact_at_degree_32(rule):
    x, wk, _ = rule
    # x^33 is odd (integrated exactly by symmetry); x^32 is the first even power missed.
    assert abs(float(np.dot(wk, x**32)) - moment(32)) > 1e-13


@pytest.mark.parametrize("d", range(20))
def test_gauss_part_exact_to_degree_19(rule, d):
    x, _, wg = rule
    assert abs(float(np.dot(wg, x**d)) - moment(d)) <= 1e-15


def test_gauss_part_not_exact_at_degree_20(rule):
    x, _, wg = rule
    assert abs(float(np.dot(wg, x**20)) - moment(20)) > 1e-9


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_other_orders_have_degree_3n_plus_1(n):
    """The construction is generic in n: degree 3n + 1 for even n, 3n + 2 for odd n (x^(3n+2)
    is then odd, integrated exactly by symmetry); the Gauss part is NumPy's n-point rule."""
    x, wk, wg = gauss_kronrod(n)
    assert x.size == 2 * n + 1
    deg = 3 * n + 1
    for d in range(deg + 1):
        assert abs(float(np.dot(wk, x**d)) - moment(d)) <= 1e-14, d
    first_missed = deg + 1 if (deg + 1) % 2 == 0 else deg + 2
    assert abs(float(np.dot(wk, x**first_missed)) - moment(first_missed)) > 1e-12
    gx, gw = x[wg != 0], wg[wg != 0]
    np.testing.assert_allclose(gx, np.polynomial.legendre.leggauss(n)[0], atol=1e-15, rtol=0)
    np.testing.assert_allclose(gw, np.polynomial.legendre.leggauss(n)[1], atol=1e-15, rtol=0)
