"""2-D population integrals: exactid.divergence.cubature_2d and same_distribution for m = n = 2.

References, independent of the code under test:

* identities: the density integrates to 1; KL(p, p) = 0; Remark 3.7 of paper 003 (an affine
  reparametrisation of z does not change the law of x); Gibbs' inequality;
* closed forms: a one-layer (affine) decoder makes the law of x a Gaussian mixture
  (:func:`exactid.divergence.gmm_l2.pushforward` plus the noise covariance), whose entropy and
  KL divergence are closed forms for one component; for mixtures a brute-force tensor
  Gauss-Legendre rule on a large box with the mixture density in NumPy, itself checked against
  the closed forms first;
* the tail bounds: the neglected part of a deliberately small box, measured with a large one;
  the moments against Isserlis' theorem term by term; the box against sampled images.

Every comparison allows the error the code reports (nothing looser), and checks that the
reported error is not vacuous.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp, ndtr

from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf
from exactid.divergence import cross_entropy_2d, kl_divergence_2d, xrule_2d
from exactid.divergence.cubature_2d import (
    XRule2D,
    _cross_tail,
    _kl_tail,
    _spread,
    half_width_for,
    latent_moments,
    model_box,
    tail_of,
)
from exactid.divergence.gmm_l2 import pushforward
from exactid.errors import LimitExceeded
from exactid.identifiability import affine_reparametrize, same_distribution
from tests.budget import examples

SIGMA = 0.4
PRIOR = GaussianMixture([0.5, 0.5], [[-0.5, 0.0], [0.5, 0.5]],
                        [[[0.3, 0.0], [0.0, 0.3]], [[0.3, 0.1], [0.1, 0.2]]])
NET = ReluNet([[[1.0, 0.5], [-1.0, 1.0], [0.5, -1.0]], [[1.0, -0.5, 0.75], [0.25, 1.0, -0.5]]],
              [[0.0, 0.5, -0.25], [0.0, 0.0]])
MODEL = LatentModel(PRIOR, NET, SIGMA)
#: MODEL with one output weight changed by 0.05.
PERTURBED = LatentModel(PRIOR, ReluNet(
    [NET.weights[0], [[1.0, -0.5, 0.75], [0.25, 1.0, -0.45]]], NET.biases), SIGMA)
ONE = GaussianMixture([1.0], [[0.3, -0.2]], [[[0.5, 0.1], [0.1, 0.3]]])


def affine(prior, w, b, sigma) -> LatentModel:
    """x = W z + b + eps: a one-layer net, so the law of x is a Gaussian mixture."""
    return LatentModel(prior, ReluNet([w], [b]), sigma)


def law(model):
    """Weights, means, covariances of the Gaussian mixture law of x of an affine model."""
    image = pushforward(model.prior, model.net.weights[0], model.net.biases[0])
    return image.weights, image.means, image.covs + model.noise_std**2 * np.eye(2)


def gmm_log_pdf(mixture, x):
    w, mu, cov = mixture
    terms = []
    for wj, m, c in zip(w, mu, cov):
        chol = np.linalg.cholesky(c)
        r = np.linalg.solve(chol, (x - m).T)
        terms.append(math.log(wj) - 0.5 * (r * r).sum(axis=0) - math.log(2 * math.pi)
                     - np.log(np.diag(chol)).sum())
    return logsumexp(terms, axis=0)


def gauss_entropy(cov):
    return math.log(2 * math.pi * math.e) + 0.5 * math.log(np.linalg.det(cov))


def gauss_kl(m1, c1, m2, c2):
    inv = np.linalg.inv(c2)
    d = m2 - m1
    return 0.5 * (np.trace(inv @ c1) + d @ inv @ d - 2
                  + math.log(np.linalg.det(c2) / np.linalg.det(c1)))


def brute_force(p, q):
    """(entropy of p, cross-entropy -int p log q) of two Gaussian mixtures (w, mu, cov) by a
    fixed tensor 20-point Gauss-Legendre rule on panels of one smallest standard deviation
    over the means' hull widened by 12 largest standard deviations."""
    mus = np.concatenate([p[1], q[1]])
    sds = np.sqrt(np.concatenate([np.linalg.eigvalsh(c) for c in (*p[2], *q[2])]))
    lo, hi = mus.min(axis=0) - 12 * sds.max(), mus.max(axis=0) + 12 * sds.max()
    nodes, weights = np.polynomial.legendre.leggauss(20)
    axes = []
    for a, b in zip(lo, hi):
        edges = np.linspace(a, b, math.ceil((b - a) / sds.min()) + 1)
        half = np.diff(edges)[:, None] / 2
        axes.append(((edges[:-1, None] + half * (nodes + 1)).ravel(), (half * weights).ravel()))
    (x1, w1), (x2, w2) = axes
    grid = np.stack(np.meshgrid(x1, x2, indexing="ij"), axis=-1).reshape(-1, 2)
    log_p, log_q = gmm_log_pdf(p, grid), gmm_log_pdf(q, grid)
    dens = np.exp(log_p)
    return [float(w1 @ (-dens * f).reshape(x1.size, x2.size) @ w2) for f in (log_p, log_q)]


# -- building blocks ---------------------------------------------------------------------------


def test_latent_moments_match_isserlis():
    """E||z - z0||^2 and E||z - z0||^4 of a mixture, against Isserlis' theorem term by term:
    E[y_i^2 y_k^2] = (S_ii + m_i^2)(S_kk + m_k^2) + 2 S_ik^2 + 4 m_i m_k S_ik."""
    z0 = np.array([0.25, -0.5])
    second = fourth = 0.0
    for w, mu, cov in zip(PRIOR.weights, PRIOR.means, PRIOR.covs):
        m = mu - z0
        second += w * sum(cov[i, i] + m[i] ** 2 for i in range(2))
        fourth += w * sum((cov[i, i] + m[i] ** 2) * (cov[k, k] + m[k] ** 2) + 2 * cov[i, k] ** 2
                          + 4 * m[i] * m[k] * cov[i, k] for i in range(2) for k in range(2))
    m2, m4 = latent_moments(PRIOR, z0)
    assert m2 == pytest.approx(math.sqrt(second), rel=1e-14)
    assert m4 == pytest.approx(fourth**0.25, rel=1e-14)


@pytest.mark.parametrize("tail", [1e-3, 1e-14, 1e-24, 1e-40])
def test_tail_mass_of_the_box_half_width(tail):
    """The union bound 2a(2 - a), a = P(|N(0,1)| > k), against scipy; the half width for a
    requested mass gives that mass back."""
    k = half_width_for(tail)
    a = 2 * ndtr(-k)
    assert tail_of(k) == pytest.approx(2 * a * (2 - a), rel=1e-12)
    assert tail_of(k) == pytest.approx(tail, rel=1e-9)


@pytest.mark.parametrize("slope", [0.0, 0.25, 1.5])
def test_model_box_holds_the_images_of_the_latent_boxes(slope):
    """f(mu_j + C_j u) for u sampled in [-k, k]^2 (corners included) lies in the box less its
    k sigma margin, for every component."""
    net = ReluNet(NET.weights, NET.biases, negative_slope=slope)
    model = LatentModel(PRIOR, net, SIGMA)
    k = 3.0
    box = model_box(model, k)
    rng = np.random.default_rng(0)
    u = np.concatenate([rng.uniform(-k, k, size=(4000, 2)),
                        [[-k, -k], [-k, k], [k, -k], [k, k]]])
    for mu, cov in zip(PRIOR.means, PRIOR.covs):
        x = net(mu + u @ np.linalg.cholesky(cov).T)
        assert (x >= box[0] + k * SIGMA).all() and (x <= box[1] - k * SIGMA).all()


# -- identities --------------------------------------------------------------------------------


def test_density_integrates_to_one_within_the_stated_error():
    rule = xrule_2d(MODEL, 1e-8)
    assert isinstance(rule, XRule2D)
    assert abs(rule.mass - 1.0) <= rule.error + rule.tail_mass
    # The error is the target met, plus the densities' stated accuracy (1e-11 relative).
    assert rule.error <= 1e-8 + 1e-10
    q = rule.nodes.shape[0] // rule.square_half.shape[0]
    assert rule.nodes.shape == (rule.n_nodes, 2) and q == 15 * 15
    assert rule.weights.shape == rule.low_weights.shape == rule.log_p.shape == (rule.n_nodes,)
    # Tensor weights times area: per square, both rules integrate 1 to the square's area.
    area = 4 * rule.square_half[:, 0] * rule.square_half[:, 1]
    np.testing.assert_allclose(rule.weights.reshape(-1, q).sum(axis=1), area, rtol=1e-13)
    np.testing.assert_allclose(rule.low_weights.reshape(-1, q).sum(axis=1), area, rtol=1e-13)
    np.testing.assert_allclose(area.sum(), np.prod(rule.box[1] - rule.box[0]), rtol=1e-12)
    np.testing.assert_array_equal(rule.log_p, log_pdf(MODEL, rule.nodes))
    with pytest.raises(ValueError, match="read-only"):
        rule.weights[0] = 0.0


def test_kl_of_a_model_with_itself_is_exactly_zero():
    result = kl_divergence_2d(MODEL, MODEL, 1e-8)
    assert result.value == 0.0
    assert 0 < result.error <= 1e-8


def test_remark_37_pairs_have_the_same_distribution():
    """(h#P, f o h^-1) and (P, f) have the same law of x for an invertible affine h."""
    moved = affine_reparametrize(MODEL, [[2.0, 1.0], [0.0, 1.0]], [0.5, -0.25])
    check = same_distribution(MODEL, moved)
    assert check.same and check.method == "2-D adaptive cubature"
    for value, error in ((check.kl_ab, check.error_ab), (check.kl_ba, check.error_ba)):
        assert abs(value) <= error <= 1e-9


@settings(max_examples=examples(3))
@given(st.lists(st.floats(0.5, 2.0), min_size=2, max_size=2),
       st.lists(st.booleans(), min_size=2, max_size=2),
       st.lists(st.floats(-0.4, 0.4), min_size=2, max_size=2),
       st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=2))
def test_random_affine_reparametrisations_have_kl_zero(diagonal, flips, off, shift):
    """Diagonally dominant matrices (|det| >= 0.25 - 0.16), any signs, any shift."""
    scale = np.diag(np.where(flips, -1.0, 1.0) * diagonal)
    scale[0, 1], scale[1, 0] = off
    moved = affine_reparametrize(MODEL, scale, shift)
    result = kl_divergence_2d(moved, MODEL, 1e-7)
    assert abs(result.value) <= result.error <= 1e-7


def test_a_perturbed_weight_changes_the_law():
    check = same_distribution(MODEL, PERTURBED, tol=1e-5)
    assert not check.same and check.method == "2-D adaptive cubature"
    for value, error in ((check.kl_ab, check.error_ab), (check.kl_ba, check.error_ba)):
        assert value > 10 * error and value > 1e-5
    # Gibbs: the cross-entropy on MODEL's rule exceeds MODEL's entropy by KL(MODEL || PERTURBED).
    rule = xrule_2d(MODEL, 1e-6)
    ce = cross_entropy_2d(rule, PERTURBED)
    assert abs(ce.value - rule.entropy - check.kl_ab) <= ce.error + rule.entropy_error + 1e-6


# -- closed forms --------------------------------------------------------------------------------


def test_brute_force_reference_matches_closed_forms():
    """The reference of the mixture tests, validated on single Gaussians first."""
    p = law(affine(ONE, [[1.0, 0.5], [-0.3, 0.8]], [0.2, -0.1], 0.4))
    q = law(affine(ONE, [[0.8, 0.0], [0.4, 1.1]], [0.0, 0.3], 0.5))
    entropy, cross = brute_force(p, q)
    assert entropy == pytest.approx(gauss_entropy(p[2][0]), abs=1e-12)
    kl = gauss_kl(p[1][0], p[2][0], q[1][0], q[2][0])
    assert cross - entropy == pytest.approx(kl, abs=1e-12)


def test_single_gaussians_against_closed_forms():
    a = affine(ONE, [[1.0, 0.5], [-0.3, 0.8]], [0.2, -0.1], 0.4)
    b = affine(ONE, [[0.8, 0.0], [0.4, 1.1]], [0.0, 0.3], 0.5)
    (_, ma, ca), (_, mb, cb) = law(a), law(b)
    rule = xrule_2d(a, 1e-8)
    assert abs(rule.entropy - gauss_entropy(ca[0])) <= rule.entropy_error <= 2e-8
    kl = gauss_kl(ma[0], ca[0], mb[0], cb[0])
    ce = cross_entropy_2d(rule, b)
    assert abs(ce.value - gauss_entropy(ca[0]) - kl) <= ce.error <= 2e-8
    result = kl_divergence_2d(a, b, 1e-8)
    assert abs(result.value - kl) <= result.error <= 2e-8
    assert result.error == result.cubature_error + result.tail_error


def test_a_narrow_candidate_is_charged_its_cubature_error():
    """A rule built for noise 0.5 and a candidate with noise 0.1: the closed form lies within
    the error the rule reports for ``p log q``."""
    a = affine(ONE, [[1.0, 0.5], [-0.3, 0.8]], [0.2, -0.1], 0.5)
    q = affine(ONE, [[0.2, 0.0], [0.1, 0.3]], [0.1, 0.0], 0.1)
    (_, ma, ca), (_, mq, cq) = law(a), law(q)
    ce = cross_entropy_2d(xrule_2d(a, 1e-6), q)
    assert abs(ce.value - gauss_entropy(ca[0]) - gauss_kl(ma[0], ca[0], mq[0], cq[0])) <= ce.error


def test_mixtures_against_brute_force():
    prior_b = GaussianMixture([0.3, 0.7], [[-0.5, 0.5], [0.5, 0.0]],
                              [[[0.4, 0.0], [0.0, 0.2]], [[0.3, -0.1], [-0.1, 0.3]]])
    a = affine(PRIOR, [[1.0, 0.5], [-0.3, 0.8]], [0.2, -0.1], 0.4)
    b = affine(prior_b, [[0.8, 0.0], [0.4, 1.1]], [0.0, 0.3], 0.3)
    entropy, cross = brute_force(law(a), law(b))
    rule = xrule_2d(a, 1e-8)
    assert abs(rule.entropy - entropy) <= rule.entropy_error
    ce = cross_entropy_2d(rule, b)
    # b has less noise than a, and a's rule charges the less resolved p log q for it ...
    assert abs(ce.value - cross) <= ce.error <= 1e-5
    # ... unless the rule is built for such candidates.
    fine = cross_entropy_2d(xrule_2d(a, 1e-8, min_noise=0.2), b)
    assert abs(fine.value - cross) <= fine.error <= 2e-8
    result = kl_divergence_2d(a, b, 1e-8)
    assert abs(result.value - (cross - entropy)) <= result.error <= 2e-8


# -- the tail bound ----------------------------------------------------------------------------


def test_tail_terms_bound_the_part_outside_a_small_box():
    """A box holding all but 1e-3 of the mass (by the union bound; 3e-9 in fact) leaves out a
    measurable part of the mass, entropy, cross-entropy and KL divergence; the stated bounds
    hold each (measured against a rule on the default box, tail ~1e-24).  Affine decoders
    keep it fast (their density has one cell); the bounds do not use the net's form."""
    p = affine(PRIOR, [[1.0, 0.5], [-0.3, 0.8]], [0.2, -0.1], SIGMA)
    q = affine(PRIOR, [[1.0, 0.5], [-0.3, 0.8]], [0.2, -0.1], 0.3)
    small = xrule_2d(p, 1e-10, tail=1e-3, min_noise=0.3)
    full = xrule_2d(p, 1e-10, min_noise=0.3)
    ce_small, ce_full = cross_entropy_2d(small, q), cross_entropy_2d(full, q)
    spread_q = _spread(q, small.centre)[0]
    tail_small = _cross_tail(small.rho4, spread_q, 0.3, small.tail_mass)
    # The cubature (not tail) errors of the differences compared below: each part left out
    # is resolved, at least 5 times its cubature error.
    rules = small.error + full.error
    cubature = rules + ce_small.error - tail_small + ce_full.error
    mass_out = 1.0 - small.mass
    assert small.tail_mass == pytest.approx(1e-3)
    assert 5 * rules < mass_out <= small.tail_mass + rules
    entropy_out = full.entropy - small.entropy
    assert 5 * rules < abs(entropy_out) <= small.entropy_error + full.entropy_error
    cross_out = ce_full.value - ce_small.value
    assert 5 * cubature < abs(cross_out) <= ce_small.error + ce_full.error
    # int_out p log(p / q) >= P_p(out) - P_q(out), and at most the KL tail term.
    kl_out = cross_out - entropy_out
    mass_q_out = 1.0 - float(small.weights @ np.exp(log_pdf(q, small.nodes)))
    bound = _kl_tail(small.rho4, spread_q, SIGMA, 0.3, max(small.tail_mass, mass_q_out))
    assert mass_out - mass_q_out - cubature <= kl_out <= bound + cubature
    assert mass_out - mass_q_out - cubature > 0  # the lower bound is not vacuous here


# -- arguments ---------------------------------------------------------------------------------

ONE_D = LatentModel(GaussianMixture([1.0], [0.0], [1.0]),
                    ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]]), 0.5)
NOISELESS = LatentModel(PRIOR, NET, 0.0)
THREE_D = LatentModel(PRIOR, ReluNet([np.ones((3, 2))], [np.zeros(3)]), 0.5)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: xrule_2d(ONE_D), NotImplementedError,
     r"model: the 2-D cubature supports m = n = 2 only, found m = 1, n = 1"),
    (lambda: xrule_2d(THREE_D), NotImplementedError, r"found m = 2, n = 3"),
    (lambda: xrule_2d(NOISELESS), NotImplementedError,
     r"model: the 2-D cubature needs noise_std > 0, found 0"),
    (lambda: xrule_2d(PRIOR), ValueError, r"model: expected a LatentModel, found Gaussian"),
    (lambda: xrule_2d(MODEL, 0.0), ValueError,
     r"tol: expected a number in \[1e-10, 0.01\], found 0.0"),
    (lambda: xrule_2d(MODEL, 1e-11), ValueError, r"tol: expected a number in .*found 1e-11"),
    (lambda: xrule_2d(MODEL, 0.1), ValueError, r"tol: .*found 0.1"),
    (lambda: xrule_2d(MODEL, float("nan")), ValueError, r"tol: .*found nan"),
    (lambda: xrule_2d(MODEL, max_nodes=0), ValueError,
     r"max_nodes: expected an integer >= 1, found 0"),
    (lambda: xrule_2d(MODEL, tail=0.0), ValueError,
     r"tail: expected a number in \(0, 1e-3\], found 0.0"),
    (lambda: xrule_2d(MODEL, tail=0.01), ValueError, r"tail: .*found 0.01"),
    (lambda: xrule_2d(MODEL, min_noise=0.5), ValueError,
     r"min_noise: expected a number in \(0, 0.4\] \(the model's noise\), found 0.5"),
    (lambda: xrule_2d(MODEL, min_noise=-1), ValueError, r"min_noise: .*found -1"),
    (lambda: cross_entropy_2d(MODEL, MODEL), ValueError,
     r"rule: expected a XRule2D, found LatentModel"),
    (lambda: kl_divergence_2d(MODEL, NOISELESS), NotImplementedError,
     r"model_b: the 2-D cubature needs noise_std > 0"),
    (lambda: kl_divergence_2d(ONE_D, MODEL), NotImplementedError, r"model_a: .*m = n = 2"),
    (lambda: kl_divergence_2d(MODEL, MODEL, 2e-2), ValueError, r"tol: .*found 0.02"),
    (lambda: same_distribution(MODEL, MODEL, tol=5e-10), ValueError,
     r"tol: expected at least 1e-09 for m = n = 2 \(the 2-D cubature's accuracy\), found"),
    (lambda: same_distribution(MODEL, ONE_D), NotImplementedError,
     r"same_distribution supports m = n = 1 \(1-D quadrature\) and m = n = 2 \(2-D adaptive "
     r"cubature\), found \(m, n\) = \(2, 2\) for model_a and \(1, 1\) for model_b"),
    (lambda: same_distribution(THREE_D, THREE_D), NotImplementedError, r"\(2, 3\) for model_a"),
    (lambda: same_distribution(NOISELESS, MODEL), NotImplementedError,
     r"model_a: same_distribution needs noise_std > 0, found 0"),
])
def test_argument_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_max_nodes_bounds_the_work():
    """Refused before the starting grid is evaluated, and before a refinement round that
    would cross the bound; either way the message names max_nodes."""
    with pytest.raises(LimitExceeded, match=r"max_nodes: the starting grid alone needs 900 "
                                            r"nodes \(2 x 2 squares of 225 nodes on a box of "
                                            r".* more than max_nodes = 899") as info:
        xrule_2d(MODEL, max_nodes=899)
    assert info.value.limit == "max_nodes"
    with pytest.raises(LimitExceeded, match=r"max_nodes: the cubature needs more than "
                                            r"max_nodes = 2000 nodes to reach tol = 1e-10"):
        kl_divergence_2d(MODEL, PERTURBED, 1e-10, max_nodes=2000)
