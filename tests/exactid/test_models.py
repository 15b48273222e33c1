"""Tests of the model objects: validation, sampling, network evaluation and the prior density."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from exactid import GaussianMixture, LatentModel, ReluNet

GOOD_W = [0.5, 0.5]
GOOD_MU = [[0.0, 1.0], [2.0, -1.0]]
GOOD_COV = [np.eye(2), [[2.0, 0.5], [0.5, 1.0]]]


def simple_net(m=1):
    return ReluNet([np.ones((3, m)), np.ones((1, 3))], [np.zeros(3), np.zeros(1)])


# -- GaussianMixture validation ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("weights", "means", "covs", "match"),
    [
        ([1.2, -0.2], [0.0, 1.0], [1.0, 1.0], r"weights: .*non-negative.*weights\[1\] = -0\.2"),
        ([0.0, 0.0], [0.0, 1.0], [1.0, 1.0], r"weights: expected at least one positive weight"),
        ([0.5, 0.5 + 1e-9], [0.0, 1.0], [1.0, 1.0], r"weights: expected weights summing to 1"),
        ([0.3, 0.3], [0.0, 1.0], [1.0, 1.0], r"weights: .*found sum 0\.6"),
        ([], [], [], r"weights: expected at least one component, found an empty array"),
        ([[0.5, 0.5]], [0.0, 1.0], [1.0, 1.0], r"weights: expected a 1-D array"),
        (["a", "b"], [0.0, 1.0], [1.0, 1.0], r"weights: expected an array of numbers"),
        ([0.5, 0.5], [0.0, np.nan], [1.0, 1.0], r"means: expected finite numbers, found nan"),
        ([0.5, 0.5], [0.0, 1.0], [1.0, np.inf], r"covs: expected finite numbers, found inf"),
        ([0.5, 0.5], [0.0, 1.0, 2.0], [1.0, 1.0], r"means: expected 2 rows \(one per weight\)"),
        ([0.5, 0.5], np.zeros((2, 0)), [1.0, 1.0], r"means: expected dimension m >= 1"),
        ([0.5, 0.5], np.zeros((2, 1, 1)), [1.0, 1.0], r"means: expected a 1-D or 2-D array"),
        ([0.5, 0.5], [0.0, 1.0], [1.0, 1.0, 1.0], r"covs: expected shape \(2, 1, 1\)"),
        ([0.5, 0.5], GOOD_MU, np.ones((2, 3, 3)), r"covs: expected shape \(2, 2, 2\)"),
        ([0.5, 0.5], GOOD_MU, [1.0, 1.0], r"covs: a 1-D array of variances is only .* m = 1"),
        ([0.5, 0.5], GOOD_MU, np.ones((2, 2)), r"covs: expected a 1-D or 3-D array"),
        ([0.5, 0.5], [0.0, 1.0], [1.0, -1.0], r"covs: .*positive definite.*covs\[1\].*-1\b"),
        ([0.5, 0.5], [0.0, 1.0], [1.0, 0.0], r"covs\[1\] with smallest eigenvalue 0\b"),
    ],
)
def test_gaussian_mixture_rejects(weights, means, covs, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(weights, means, covs)


def test_gaussian_mixture_rejects_non_symmetric_cov():
    covs = [np.eye(2), [[1.0, 0.2], [0.1, 1.0]]]
    with pytest.raises(ValueError, match=r"covs: expected symmetric matrices, found covs\[1\]"):
        GaussianMixture(GOOD_W, GOOD_MU, covs)


def test_gaussian_mixture_non_pd_reports_eigenvalue():
    covs = [np.eye(2), [[1.0, 2.0], [2.0, 1.0]]]  # eigenvalues -1 and 3
    with pytest.raises(ValueError, match=r"covs\[1\] with smallest eigenvalue -1\b"):
        GaussianMixture(GOOD_W, GOOD_MU, covs)


def test_weights_renormalised_within_tolerance():
    w = np.array([0.25, 0.75 + 4e-13])
    P = GaussianMixture(w, [0.0, 1.0], [1.0, 1.0])
    assert not np.array_equal(P.weights, w)
    np.testing.assert_array_equal(P.weights, w / w.sum())
    assert abs(P.weights.sum() - 1.0) <= 2e-16


def test_zero_weight_components_allowed():
    P = GaussianMixture([0.0, 1.0], [0.0, 5.0], [1.0, 2.0])
    assert P.n_components == 2 and P.dim == 1
    np.testing.assert_array_equal(P.variances, [1.0, 2.0])


def test_gaussian_mixture_shapes_and_readonly():
    P = GaussianMixture([1.0], [3.0], [2.0])
    assert P.means.shape == (1, 1) and P.covs.shape == (1, 1, 1)
    Q = GaussianMixture(GOOD_W, GOOD_MU, GOOD_COV)
    assert Q.dim == 2 and Q.covs.shape == (2, 2, 2)
    with pytest.raises(ValueError, match="read-only"):
        Q.means[0, 0] = 1.0
    with pytest.raises(ValueError, match=r"variances: defined only for m = 1"):
        _ = Q.variances


def test_gaussian_mixture_copies_its_input():
    mu = np.array([0.0, 1.0])
    P = GaussianMixture(GOOD_W, mu, [1.0, 1.0])
    mu[0] = 7.0
    assert P.means[0, 0] == 0.0


def test_reconstruction_is_idempotent():
    w = [0.4016628481168275, 0.01747727712028317, 0.3158047528651221, 0.26505512189776714]
    P = GaussianMixture(w, [0.0, 1.0, 2.0, 3.0], [1.0] * 4)
    assert GaussianMixture(P.weights, P.means, P.covs) == P


def test_equal_mixtures_sample_and_evaluate_identically():
    # The stored (symmetrised) covariance and its Cholesky factor must agree, so two mixtures
    # that compare equal behave identically.
    P = GaussianMixture([1.0], [[0.0, 0.0]], [[[2.0, 0.3], [0.3 + 1e-13, 1.0]]])
    Q = GaussianMixture(P.weights, P.means, P.covs)
    assert P == Q
    np.testing.assert_array_equal(P.sample(5, seed=1), Q.sample(5, seed=1))
    z = np.array([[0.5, -1.0]])
    np.testing.assert_array_equal(P.log_pdf(z), Q.log_pdf(z))


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: GaussianMixture([True], [0.0], [1.0]), "weights: expected an array of numbers"),
        (lambda: ReluNet([[[1.0]]], [[0.0]], negative_slope=True), "negative_slope: expected"),
        (
            lambda: LatentModel(GaussianMixture([1.0], [0.0], [1.0]), ReluNet([[[1.0]]], [[0.0]]),
                                True),
            "noise_std: expected",
        ),
    ],
)
def test_booleans_are_not_numbers(build, match):
    with pytest.raises(ValueError, match=match):
        build()


# -- ReluNet validation --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("weights", "biases", "slope", "match"),
    [
        ([], [], 0.0, r"weights: expected at least one layer, found none"),
        (
            [np.ones((2, 1))],
            [np.zeros(2), np.zeros(1)],
            0.0,
            r"biases: expected 1 arrays .*found 2",
        ),
        (
            [np.ones((3, 1)), np.ones((1, 2))],
            [np.zeros(3), np.zeros(1)],
            0.0,
            r"weights\[1\]: expected 3 columns \(the outputs of layer 0\), found shape \(1, 2\)",
        ),
        ([np.ones((3, 1))], [np.zeros(2)], 0.0, r"biases\[0\]: expected shape \(3,\)"),
        (
            [np.ones(3)],
            [np.zeros(3)],
            0.0,
            r"weights\[0\]: expected a 2-D array, found shape \(3,\)",
        ),
        ([np.ones((3, 1))], [np.zeros((3, 1))], 0.0, r"biases\[0\]: expected a 1-D array"),
        ([np.zeros((0, 1))], [np.zeros(0)], 0.0, r"weights\[0\]: expected a non-empty matrix"),
        (
            [[[1.0], [np.nan]]],
            [[0.0, 0.0]],
            0.0,
            r"weights\[0\]: expected finite numbers, found nan",
        ),
        ([[[1.0]]], [[np.inf]], 0.0, r"biases\[0\]: expected finite numbers, found inf"),
        ([[["a"]]], [[0.0]], 0.0, r"weights\[0\]: expected an array of numbers"),
        (["abc"], [[0.0]], 0.0, r"weights\[0\]: expected an array of numbers, found 'abc'"),
        (np.ones((1, 1, 1)), [[0.0]], 0.0, r"weights: expected a list of 2-D arrays"),
        ([[[1.0]]], np.zeros((1, 1)), 0.0, r"biases: expected a list of 1-D arrays"),
        ([[[1.0]]], [[0.0]], -0.1, r"negative_slope: expected a finite number >= 0, found -0\.1"),
        ([[[1.0]]], [[0.0]], np.nan, r"negative_slope: expected a finite number >= 0, found nan"),
        ([[[1.0]]], [[0.0]], "abc", r"negative_slope: expected a number >= 0, found 'abc'"),
    ],
)
def test_relu_net_rejects(weights, biases, slope, match):
    with pytest.raises(ValueError, match=match):
        ReluNet(weights, biases, slope)


def test_relu_net_properties():
    net = ReluNet(
        [np.ones((4, 2)), np.ones((3, 4)), np.ones((1, 3))], [np.zeros(4), np.zeros(3), [0.0]], 0.2
    )
    assert (net.input_dim, net.output_dim, net.n_layers) == (2, 1, 3)
    assert net.negative_slope == 0.2
    assert repr(net) == "ReluNet(2 -> 4 -> 3 -> 1, leaky_relu(0.2))"
    with pytest.raises(ValueError, match=r"z: expected shape \(N, 2\)"):
        net([1.0, 2.0])
    with pytest.raises(ValueError, match=r"z: expected shape \(N, 2\), found \(1, 3\)"):
        net([[1.0, 2.0, 3.0]])


# -- LatentModel validation ----------------------------------------------------------------------
P1 = GaussianMixture([1.0], [0.0], [1.0])


@pytest.mark.parametrize(
    ("prior", "net", "noise", "match"),
    [
        ([1.0], simple_net(), 0.1, r"prior: expected a GaussianMixture, found list"),
        (P1, "net", 0.1, r"net: expected a ReluNet, found str"),
        (P1, simple_net(2), 0.1, r"net: expected input dimension 1 .*found 2"),
        (
            GaussianMixture(GOOD_W, GOOD_MU, GOOD_COV),
            simple_net(1),
            0.1,
            r"net: expected input dimension 2",
        ),
        (P1, simple_net(), -0.5, r"noise_std: expected a finite number >= 0, found -0\.5"),
        (P1, simple_net(), np.nan, r"noise_std: expected a finite number >= 0, found nan"),
        (P1, simple_net(), np.inf, r"noise_std: expected a finite number >= 0, found inf"),
        (P1, simple_net(), "x", r"noise_std: expected a number >= 0, found 'x'"),
        (P1, simple_net(), None, r"noise_std: expected a number >= 0, found None"),
    ],
)
def test_latent_model_rejects(prior, net, noise, match):
    with pytest.raises(ValueError, match=match):
        LatentModel(prior, net, noise)


def test_latent_model_properties():
    M = LatentModel(P1, simple_net(), 0.25)
    assert (M.latent_dim, M.observed_dim, M.noise_std) == (1, 1, 0.25)
    assert M.prior is P1


# -- sampling --------------------------------------------------------------------------------------
def mixture_moments(P):
    """Closed-form mean and covariance of a Gaussian mixture."""
    w, mu, cov = P.weights, P.means, P.covs
    mean = w @ mu
    second = np.einsum("j,jab->ab", w, cov + np.einsum("ja,jb->jab", mu, mu))
    return mean, second - np.outer(mean, mean)


def test_sample_is_deterministic_for_a_seed():
    P = GaussianMixture([0.2, 0.3, 0.5], [[0.0, 1.0], [3.0, 0.0], [-2.0, 2.0]], [np.eye(2)] * 3)
    a = P.sample(50, seed=7)
    assert a.shape == (50, 2)
    np.testing.assert_array_equal(a, P.sample(50, seed=7))
    np.testing.assert_array_equal(a, P.sample(50, np.random.default_rng(7)))
    assert not np.array_equal(a, P.sample(50, seed=8))
    assert P.sample(0, seed=1).shape == (0, 2)


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3"])
def test_sample_rejects_bad_count(bad):
    with pytest.raises(ValueError, match=r"n: expected a non-negative integer"):
        P1.sample(bad, seed=0)


def test_sample_rejects_bad_seed():
    with pytest.raises(ValueError, match=r"seed: expected an int, None or numpy.random.Generator"):
        P1.sample(3, seed="abc")


@pytest.mark.parametrize(
    "P",
    [
        GaussianMixture([0.3, 0.7], [-2.0, 1.5], [0.5, 2.0]),
        GaussianMixture(
            [0.2, 0.3, 0.5],
            [[0.0, 1.0], [3.0, 0.0], [-2.0, 2.0]],
            [[[1.0, 0.3], [0.3, 0.5]], [[2.0, -0.8], [-0.8, 1.0]], [[0.2, 0.0], [0.0, 3.0]]],
        ),
    ],
)
def test_sample_moments_match_closed_form(P):
    n = 200_000
    z = P.sample(n, seed=123)
    assert z.shape == (n, P.dim)
    mean, cov = mixture_moments(P)
    se_mean = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(z.mean(axis=0) - mean) < 5 * se_mean)
    centred = z - mean
    products = np.einsum("na,nb->nab", centred, centred)
    se_cov = products.std(axis=0) / np.sqrt(n)
    assert np.all(np.abs(products.mean(axis=0) - cov) < 5 * se_cov)


def test_zero_weight_components_never_drawn():
    P = GaussianMixture([0.0, 0.5, 0.0, 0.5], [-100.0, -1.0, 50.0, 1.0], [1.0, 1.0, 1.0, 1.0])
    z, labels = P.sample(20_000, seed=3, return_labels=True)
    assert labels.shape == (20_000,) and z.shape == (20_000, 1)
    assert set(np.unique(labels).tolist()) == {1, 3}
    assert np.all(np.abs(z[:, 0]) < 20.0)  # nothing from the components at -100 and 50
    assert abs(z[labels == 1, 0].mean() + 1.0) < 0.05 and abs(z[labels == 3, 0].mean() - 1.0) < 0.05


def test_latent_model_sample():
    net = ReluNet([[[1.0], [-1.0]], [[1.0, 2.0]]], [[0.5, 0.0], [-1.0]], 0.1)
    M = LatentModel(GaussianMixture([0.4, 0.6], [-1.0, 2.0], [1.0, 0.5]), net, 0.0)
    x, z = M.sample(1000, seed=5)
    assert x.shape == (1000, 1) and z.shape == (1000, 1)
    np.testing.assert_array_equal(x, net(z))
    x2, z2 = M.sample(1000, seed=5)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(z, z2)

    noisy = LatentModel(M.prior, net, 0.3)
    xn, zn = noisy.sample(20_000, seed=5)
    resid = xn - net(zn)
    assert abs(resid.std() - 0.3) < 0.01 and abs(resid.mean()) < 0.01


# -- network evaluation ----------------------------------------------------------------------
def loop_forward(weights, biases, slope, z):
    """Hand-written forward pass, one sample and one unit at a time."""
    out = []
    for zi in z:
        h = [float(v) for v in zi]
        for k, (w, b) in enumerate(zip(weights, biases)):
            h = [sum(w[r][c] * h[c] for c in range(len(h))) + b[r] for r in range(len(b))]
            if k < len(weights) - 1:
                h = [v if v > 0 else slope * v for v in h]
        out.append(h)
    return np.array(out)


@pytest.mark.parametrize("slope", [0.0, 0.05, 0.7])
@pytest.mark.parametrize("widths", [[1, 1], [1, 5, 1], [2, 4, 3, 1], [3, 6, 2]])
def test_relu_net_matches_loop(widths, slope):
    rng = np.random.default_rng(len(widths) * 100 + int(slope * 100))
    ws = [rng.normal(size=(o, i)) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.normal(size=o) for o in widths[1:]]
    net = ReluNet(ws, bs, slope)
    z = rng.normal(scale=2.0, size=(40, widths[0]))
    y = net(z)
    assert y.shape == (40, widths[-1])
    np.testing.assert_allclose(y, loop_forward(ws, bs, slope, z), rtol=1e-12, atol=1e-12)


def test_relu_net_absolute_value_and_flat_input():
    absval = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    z = np.array([-2.0, -0.5, 0.0, 3.0])
    np.testing.assert_array_equal(absval(z)[:, 0], np.abs(z))
    leaky = ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]], 0.1)
    np.testing.assert_allclose(leaky([-2.0, 3.0])[:, 0], [-0.2, 3.0], rtol=1e-15)


# -- prior density ---------------------------------------------------------------------------
def scipy_log_pdf(P, z):
    terms = [
        np.log(w) + multivariate_normal(mu, cov).logpdf(z)
        for w, mu, cov in zip(P.weights, P.means, P.covs)
        if w > 0
    ]
    return logsumexp(np.atleast_2d(np.array(terms)).reshape(len(terms), -1), axis=0)


def test_log_pdf_matches_scipy_1d():
    P = GaussianMixture([0.3, 0.0, 0.7], [-2.0, 0.0, 1.5], [0.5, 1.0, 2.0])
    z = np.linspace(-8.0, 8.0, 33)
    lp = P.log_pdf(z)
    assert lp.shape == (33,)
    np.testing.assert_allclose(lp, scipy_log_pdf(P, z), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(lp, P.log_pdf(z[:, None]))


def test_log_pdf_matches_scipy_2d():
    P = GaussianMixture(
        [0.2, 0.3, 0.5],
        [[0.0, 1.0], [3.0, 0.0], [-2.0, 2.0]],
        [[[1.0, 0.3], [0.3, 0.5]], [[2.0, -0.8], [-0.8, 1.0]], [[0.2, 0.0], [0.0, 3.0]]],
    )
    z = np.random.default_rng(0).normal(scale=3.0, size=(50, 2))
    np.testing.assert_allclose(P.log_pdf(z), scipy_log_pdf(P, z), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"z: expected shape \(N, 2\)"):
        P.log_pdf([0.0, 1.0])
