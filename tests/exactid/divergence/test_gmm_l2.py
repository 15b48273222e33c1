"""Tests of exactid.divergence.gmm_l2: closed-form L2 inner products and distances of
Gaussian mixtures, and their images under affine maps.

References: inner products by numerical quadrature (scipy ``quad``, a 2-D Gauss-Legendre
rule), distances between Gaussians from closed forms written out here, and maps known by
construction.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from exactid import GaussianMixture
from exactid.divergence.gmm_l2 import gmm_inner_product, l2_distance, pushforward

from ...mixtures import (
    gauss_legendre_2d,
    gauss_overlap,
    mixture_pdf,
    mixture_pdf_1d,
    rand_gmm,
    rand_map,
)

G1 = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 0.5])
G2D = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [np.eye(2), np.eye(2)])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: gmm_inner_product(G1, G2D),
         r"g2: expected a mixture of dimension m = 1 like g1, found m = 2"),
        (lambda: l2_distance([0.5], G1), r"g1: expected an exactid.GaussianMixture, found list"),
        (lambda: l2_distance(G1, G1, precise="yes"), r"precise: expected True or False"),
        (lambda: pushforward(G2D, [[1.0, 2.0], [2.0, 4.0]], [0.0, 0.0]),
         r"A: expected an invertible matrix \(condition number <= 1e\+12\), found singular"),
        (lambda: pushforward(G2D, [[1.0, 0.0], [0.0, 1e-13]], [0.0, 0.0]),
         r"A: expected an invertible matrix"),
        (lambda: pushforward(G2D, np.eye(3), [0.0, 0.0]),
         r"A: expected shape \(2, 2\) \(m = 2 from gmm\), found \(3, 3\)"),
        (lambda: pushforward(G2D, np.eye(2), [0.0]),
         r"b: expected shape \(2,\) \(m = 2 from gmm\), found \(1,\)"),
        (lambda: pushforward(G2D, [[1.0, np.nan], [0.0, 1.0]], [0.0, 0.0]),
         r"A: expected finite numbers, found nan"),
        (lambda: pushforward("gmm", np.eye(2), [0.0, 0.0]), r"gmm: expected an exactid"),
    ],
)
def test_gmm_functions_reject(call, match):
    with pytest.raises(ValueError, match=match):
        call()



# ============================================================================================
# Closed-form L2 inner products and distances
# ============================================================================================
@pytest.mark.parametrize("seed", range(4))
def test_inner_product_1d_against_quad(seed):
    # quad on a window holding all but ~1e-30 of the mass, split at every mean, asked for
    # epsrel 1e-12; the closed form is accurate to a few ulps.  rtol 1e-9 leaves a margin of
    # >100 over the quadrature error actually reached (~1e-15).
    rng = np.random.default_rng(seed)
    g1, g2 = rand_gmm(rng, 1 + seed % 3, 1), rand_gmm(rng, 3 - seed % 3, 1)
    pts = sorted(set(np.concatenate([g1.means[:, 0], g2.means[:, 0]]).tolist()))
    val, _ = integrate.quad(
        lambda x: mixture_pdf_1d(g1, x) * mixture_pdf_1d(g2, x), -25, 25, points=pts,
        epsabs=0, epsrel=1e-12, limit=500,
    )
    assert gmm_inner_product(g1, g2) == pytest.approx(val, rel=1e-9, abs=0)


@pytest.mark.parametrize("seed", range(3))
def test_inner_product_2d_against_tensor_quadrature(seed):
    # 40 panels x 12 Gauss-Legendre nodes per axis on [-16, 16]^2: component sds >= 0.4,
    # panels 0.8 wide, so the rule is exact to ~1e-15 for these analytic integrands (a rule
    # with 64 x 16 nodes agrees to 1e-15); the box misses < 1e-40 of the mass.  rtol 1e-9.
    rng = np.random.default_rng(20 + seed)
    g1, g2 = rand_gmm(rng, 2, 2), rand_gmm(rng, 3, 2)
    val = gauss_legendre_2d(lambda p: mixture_pdf(g1, p) * mixture_pdf(g2, p), -16, 16)
    assert gmm_inner_product(g1, g2) == pytest.approx(val, rel=1e-9, abs=0)


@pytest.mark.parametrize("seed", range(3))
def test_l2_distance_1d_against_quad(seed):
    # Delta from quad of (p1 - p2)^2, p1^2 and p2^2 separately (no cancellation: the
    # integrand of the numerator is >= 0).  rtol 1e-8: quad asked for 1e-12, and Delta is
    # O(0.1-1) so the float64 cancellation costs at most ~1 digit.
    rng = np.random.default_rng(30 + seed)
    g1, g2 = rand_gmm(rng, 2, 1), rand_gmm(rng, 3, 1)
    pts = sorted(set(np.concatenate([g1.means[:, 0], g2.means[:, 0]]).tolist()))

    def q(f):
        return integrate.quad(f, -25, 25, points=pts, epsabs=0, epsrel=1e-12, limit=500)[0]

    p1, p2 = (lambda x: mixture_pdf_1d(g1, x)), (lambda x: mixture_pdf_1d(g2, x))
    num = q(lambda x: (p1(x) - p2(x)) ** 2)
    expected = math.sqrt(num) / (q(lambda x: p1(x) ** 2) * q(lambda x: p2(x) ** 2)) ** 0.25
    for precise in (False, True):
        assert l2_distance(g1, g2, precise=precise) == pytest.approx(expected, rel=1e-8)


def test_l2_distance_zero_on_itself_and_symmetric():
    rng = np.random.default_rng(40)
    g1, g2 = rand_gmm(rng, 3, 2), rand_gmm(rng, 2, 2)
    copy = GaussianMixture(g1.weights, g1.means, g1.covs)
    for precise in (False, True):
        # Same numbers in, same three inner products out: exactly 0, not ~1e-8.
        assert l2_distance(g1, g1, precise=precise) == 0.0
        assert l2_distance(g1, copy, precise=precise) == 0.0
        # Swapping only reorders sums: equal to rounding (1e-14 relative).
        assert l2_distance(g1, g2, precise=precise) == pytest.approx(
            l2_distance(g2, g1, precise=precise), rel=1e-14
        )
    # Zero-weight components contribute nothing, wherever they sit.
    a = GaussianMixture([1.0, 0.0], [0.0, 5.0], [1.0, 2.0])
    b = GaussianMixture([1.0, 0.0], [0.0, -3.0], [1.0, 0.1])
    assert l2_distance(a, b) == 0.0 and l2_distance(a, b, precise=True) == 0.0


def test_precise_and_float_agree_on_separated_mixtures():
    # For Delta = O(1) the cancellation loses log10(|p1||p2| / |p1-p2|^2) ~ 0 digits, so both
    # paths agree to rounding; rtol 1e-12 (measured ~5e-16).
    rng = np.random.default_rng(41)
    for m in (1, 2, 3):
        g1, g2 = rand_gmm(rng, 2, m), rand_gmm(rng, 3, m)
        d = l2_distance(g1, g2)
        assert 0.1 < d < 10
        assert d == pytest.approx(l2_distance(g1, g2, precise=True), rel=1e-12)


@pytest.mark.parametrize("shift", [1e-4, 1e-7, 1e-10, 1e-13])
def test_precise_distance_of_nearly_equal_gaussians(shift):
    # Two Gaussians with the same covariance S and means delta apart:
    #   Delta^2 = 2 (1 - exp(-delta' S^-1 delta / 4)),
    # evaluated with expm1, free of cancellation.  precise=True matches to rtol 1e-12 (40
    # digits leave >= 14 after the cancellation); float64 only to its documented absolute
    # floor (~sqrt(eps) ~ 1.5e-8; asserted with margin: 1e-7).
    cov = np.array([[1.0, 0.3], [0.3, 0.5]])
    mu = np.array([0.3, -1.7])
    g1 = GaussianMixture([1.0], [mu], [cov])
    g2 = GaussianMixture([1.0], [mu + shift * np.array([1.0, 2.0])], [cov])
    delta = g2.means[0] - g1.means[0]  # exact (Sterbenz): the actual float64 difference
    expected = math.sqrt(-2.0 * math.expm1(-0.25 * delta @ np.linalg.solve(cov, delta)))
    assert l2_distance(g1, g2, precise=True) == pytest.approx(expected, rel=1e-12, abs=0)
    assert abs(l2_distance(g1, g2) - expected) < 1e-7


def test_precise_distance_of_nearly_equal_weights():
    # p1 - p2 = eps (N_a - N_b) with eps = 2^-40 (exact in the weights), so
    # |p1 - p2|^2 = eps^2 (<a,a> - 2<a,b> + <b,b>), a difference of O(1) overlaps.
    eps = 2.0**-40
    covs = [1.0, 0.5]
    g1 = GaussianMixture([0.5 + eps, 0.5 - eps], [0.0, 3.0], covs)
    g2 = GaussianMixture([0.5, 0.5], [0.0, 3.0], covs)
    aa, bb = gauss_overlap(1.0, 1.0, 0.0), gauss_overlap(0.5, 0.5, 0.0)
    ab = gauss_overlap(1.0, 0.5, 3.0)

    def norm2(w):
        return w[0] ** 2 * aa + 2 * w[0] * w[1] * ab + w[1] ** 2 * bb

    expected = eps * math.sqrt(aa - 2 * ab + bb) / (
        norm2([0.5 + eps, 0.5 - eps]) * norm2([0.5, 0.5])
    ) ** 0.25
    assert l2_distance(g1, g2, precise=True) == pytest.approx(expected, rel=1e-12, abs=0)


def test_l2_distance_affine_invariance_and_extreme_scales():
    # Delta is invariant under one affine map applied to both mixtures (|det A|^-1/2 cancels):
    # rtol 1e-12 for O(1) distances.  Shrunk by 1e-105 in m = 3 (covariances ~1e-210, still
    # normal floats), |p|^2 ~ 1e313 overflows float64; the log-space evaluation must not care.
    rng = np.random.default_rng(42)
    g1, g2 = rand_gmm(rng, 2, 3), rand_gmm(rng, 3, 3)
    ref = l2_distance(g1, g2)
    a, b = rand_map(rng, 3)
    assert l2_distance(pushforward(g1, a, b), pushforward(g2, a, b)) == pytest.approx(
        ref, rel=1e-12
    )
    tiny = 1e-105 * np.eye(3)
    gt1, gt2 = pushforward(g1, tiny, np.zeros(3)), pushforward(g2, tiny, np.zeros(3))
    assert math.isinf(gmm_inner_product(gt1, gt1))  # the raw inner product does overflow
    for precise in (False, True):
        assert l2_distance(gt1, gt2, precise=precise) == pytest.approx(ref, rel=1e-12)


# ============================================================================================
# pushforward
# ============================================================================================
def test_pushforward_parameters_and_density():
    # Parameters against a component-by-component computation (1e-14 relative), and the
    # density against the change of variables p(A^-1 (x - b)) / |det A| evaluated with
    # exactid's own GaussianMixture.log_pdf (1e-12 absolute in log space).
    rng = np.random.default_rng(50)
    g = rand_gmm(rng, 3, 2)
    a, b = rand_map(rng, 2)
    h = pushforward(g, a, b)
    assert isinstance(h, GaussianMixture)
    for j in range(3):
        np.testing.assert_allclose(h.means[j], a @ g.means[j] + b, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(h.covs[j], a @ g.covs[j] @ a.T, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(h.weights, g.weights)
    x = rng.normal(size=(20, 2)) * 3
    back = np.linalg.solve(a, (x - b).T).T
    expected = g.log_pdf(back) - math.log(abs(np.linalg.det(a)))
    np.testing.assert_allclose(h.log_pdf(x), expected, rtol=0, atol=1e-12)
