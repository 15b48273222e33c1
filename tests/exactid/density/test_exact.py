"""The exact 1-D density against independent references.

Accuracy targets (see exactid.density): |log p - ref| <= 1e-12 wherever ref > -700, and
relative error <= 1e-13 further out (1e-9 is what the engine promises to users; we hold it to
the tighter bound it actually achieves).  References: 50-digit mpmath on the closed form with
exact rational pieces, and mpmath quadrature of the raw integrand (no closed form at all).
"""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import (
    GaussianMixture,
    LatentModel,
    ReluNet,
    atoms,
    log_pdf,
    log_pdf_numpy,
    pdf,
)
from exactid.identifiability import affine_maps
from tests.budget import examples

from ..float_models import absval_net, models_1d
from ..reference import mp_log_pdf_closed_form, mp_log_pdf_quadrature

ABS_TOL = 1e-12
REL_TOL_FAR = 1e-13


def assert_log_density_close(got, ref):
    got, ref = np.asarray(got), np.asarray(ref)
    assert np.isfinite(got).all(), got
    near = ref > -700
    err = np.abs(got - ref)
    assert (err[near] <= ABS_TOL).all(), (err[near].max(), ref[near][np.argmax(err[near])])
    assert (err[~near] <= REL_TOL_FAR * np.abs(ref[~near])).all(), (err / np.abs(ref)).max()


def test_points(model, seed=0, n=6):
    """Sample points plus far tails: 10, 30 and 50 noise sds beyond the data, and 1e3."""
    x, _ = model.sample(n, seed)
    x = x[:, 0]
    sd = model.noise_std
    far = np.array([10.0, 30.0, 50.0, 1e3])
    return np.concatenate([x, x.max() + sd * far, x.min() - sd * far])


test_points.__test__ = False  # a helper, not a test


@given(models_1d())
def test_density_against_mpmath_hypothesis(model):
    x = test_points(model)
    assert_log_density_close(log_pdf(model, x), mp_log_pdf_closed_form(model, x))


def _random_net(rng, widths, slope=0.0, scale=1.0):
    ws = [rng.normal(size=(o, i)) * scale for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.normal(size=o) * scale for o in widths[1:]]
    return ReluNet(ws, bs, negative_slope=slope)


def _random_prior(rng, n):
    return GaussianMixture(rng.dirichlet(np.ones(n)), rng.normal(size=n) * 2,
                           rng.uniform(0.2, 1.5, n) ** 2)


CASES = {
    # name: (widths, negative_slope, J, noise_std)
    "one_layer_relu": ([1, 2, 1], 0.0, 2, 0.3),
    "deep_3_hidden_relu": ([1, 6, 6, 6, 1], 0.0, 3, 0.2),
    "deep_3_hidden_leaky": ([1, 5, 5, 5, 1], 0.1, 4, 0.1),
    "wide_many_pieces": ([1, 40, 1], 0.0, 5, 0.05),
    "J5_small_noise": ([1, 4, 4, 1], 0.2, 5, 0.01),
    "affine_net": ([1, 1], 0.0, 3, 0.5),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_density_table_cases(name):
    widths, slope, n_comp, sigma = CASES[name]
    rng = np.random.default_rng(sorted(CASES).index(name))
    model = LatentModel(_random_prior(rng, n_comp), _random_net(rng, widths, slope), sigma)
    x = test_points(model, seed=1, n=20)
    assert_log_density_close(log_pdf(model, x), mp_log_pdf_closed_form(model, x))


def test_wide_case_has_many_pieces():
    rng = np.random.default_rng(sorted(CASES).index("wide_many_pieces"))
    _random_prior(rng, 5)
    net = _random_net(rng, [1, 40, 1])
    model = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), net, 0.1)
    assert model.pieces.n_pieces >= 30


@pytest.mark.parametrize("name", ["one_layer_relu", "deep_3_hidden_leaky", "J5_small_noise"])
def test_closed_form_against_direct_quadrature(name):
    """mpmath.quad over z of prior(z) * N(x - f(z)) with f evaluated by the network itself."""
    widths, slope, n_comp, sigma = CASES[name]
    rng = np.random.default_rng(sorted(CASES).index(name))
    model = LatentModel(_random_prior(rng, n_comp), _random_net(rng, widths, slope), sigma)
    x, _ = model.sample(3, seed=5)
    for xi in x[:, 0]:
        assert abs(log_pdf(model, [xi])[0] - mp_log_pdf_quadrature(model, xi)) <= 1e-12


@given(models_1d(min_noise=0.1))
@settings(max_examples=examples(15))
def test_normalisation_smooth(model):
    """integral of p over R = 1 (fixed composite Gauss-Legendre over a window holding all but
    ~1e-300 of the mass)."""
    pieces = model.pieces
    mu, sd = model.prior.means[:, 0], np.sqrt(model.prior.variances)
    # x-window: image of the z-window mu +- 40 sd (ends and breakpoints inside), +- 40 sigma.
    z_lo, z_hi = (mu - 40 * sd).min(), (mu + 40 * sd).max()
    brk = pieces.breakpoints[(pieces.breakpoints > z_lo) & (pieces.breakpoints < z_hi)]
    fx = pieces(np.concatenate([[z_lo, z_hi], brk]))[:, 0]
    lo, hi = fx.min() - 40 * model.noise_std, fx.max() + 40 * model.noise_std
    # Composite 20-point Gauss-Legendre on cells of width <= sigma / 2: the density is a
    # Gaussian convolution, analytic with length scale sigma, so the rule error is ~1e-15.
    n_cells = int(np.ceil((hi - lo) / (0.5 * model.noise_std)))
    edges = np.linspace(lo, hi, n_cells + 1)
    nodes, weights = np.polynomial.legendre.leggauss(20)
    half = 0.5 * np.diff(edges)[:, None]
    x = 0.5 * (edges[:-1] + edges[1:])[:, None] + half * nodes
    total = float((pdf(model, x.ravel()).reshape(x.shape) * weights * half).sum())
    assert abs(total - 1.0) < 1e-10


@given(models_1d(min_noise=0.0, max_noise=0.0, min_abs=0.1))
@settings(max_examples=examples(15))
def test_normalisation_pushforward_with_atoms(model):
    """sigma = 0: integral of pdf (continuous part) + sum of atom masses = 1."""
    pieces = model.pieces
    locations, masses = atoms(model)
    assert (masses > 0).all() and np.all(np.diff(locations) > 0)
    mu, sd = model.prior.means[:, 0], np.sqrt(model.prior.variances)
    z_lo, z_hi = (mu - 40 * sd).min(), (mu + 40 * sd).max()
    brk = pieces.breakpoints[(pieces.breakpoints > z_lo) & (pieces.breakpoints < z_hi)]
    fx = np.unique(pieces(np.concatenate([[z_lo, z_hi], brk]))[:, 0])
    # Between consecutive breakpoint images the density is a smooth sum of Gaussian terms in
    # x with length scale >= |slope| * sd; cells of half that width make 20-point
    # Gauss-Legendre accurate to ~1e-15.
    steep = np.abs(pieces.slopes[:, 0])
    scale = 0.5 * steep[steep > 0].min() * sd.min() if (steep > 0).any() else np.inf
    nodes, weights = np.polynomial.legendre.leggauss(20)
    total = masses.sum()
    for a, b in zip(fx[:-1], fx[1:]):
        edges = np.linspace(a, b, int(min(np.ceil((b - a) / scale), 20000)) + 1)
        half = 0.5 * np.diff(edges)[:, None]
        x = 0.5 * (edges[:-1] + edges[1:])[:, None] + half * nodes
        total += float((pdf(model, x.ravel()).reshape(x.shape) * weights * half).sum())
    assert abs(total - 1.0) < 1e-9


@given(models_1d(min_noise=0.0, max_noise=0.0, min_abs=0.1))
@settings(max_examples=examples(25))
def test_pushforward_density_sums_preimages(model):
    """sigma = 0 continuous part = sum over non-flat pieces of p_Z(preimage) / |slope|."""
    pieces = model.pieces
    x = model.sample(30, 0)[0][:, 0]
    # Which piece owns a preimage is decided up to rounding; skip points within 1e-9 of a
    # breakpoint image, where the z-side test below is ill-conditioned.
    f_break = pieces(pieces.breakpoints)[:, 0]
    x = x[np.all(np.abs(x[:, None] - f_break) > 1e-9 * (1 + np.abs(x[:, None])), axis=1)]
    expected = np.zeros_like(x)
    for k in range(pieces.n_pieces):
        slope, icpt = pieces.slopes[k, 0], pieces.intercepts[k, 0]
        if slope == 0:
            continue
        pre = (x - icpt) / slope
        inside = (pre >= pieces.lo[k]) & (pre < pieces.hi[k])
        expected[inside] += np.exp(model.prior.log_pdf(pre[inside])) / abs(slope)
    got = pdf(model, x)
    on_atom = np.isin(x, atoms(model)[0])
    np.testing.assert_allclose(got[~on_atom], expected[~on_atom], rtol=1e-12, atol=0)


def test_pushforward_relu_atom_mass():
    """ReLU(z) with z ~ N(0.3, 1): an atom at 0 of mass Phi(-0.3); density phi(x - 0.3), x > 0."""
    from scipy.stats import norm

    relu = ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]])
    model = LatentModel(GaussianMixture([1.0], [0.3], [1.0]), relu, 0.0)
    loc, mass = atoms(model)
    assert loc.tolist() == [0.0]
    assert mass[0] == pytest.approx(norm.cdf(-0.3), rel=1e-14)
    x = np.array([-1.0, 0.5, 2.0])
    expected = np.array([-np.inf, norm.logpdf(0.5, 0.3), norm.logpdf(2.0, 0.3)])
    np.testing.assert_allclose(log_pdf(model, x), expected, rtol=1e-14)


def test_no_atoms_with_noise():
    relu = ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]])
    loc, mass = atoms(LatentModel(GaussianMixture([1.0], [0.3], [1.0]), relu, 0.1))
    assert loc.size == 0 and mass.size == 0


# -- Remarks 3.6 and 3.7 ------------------------------------------------------------------


def remark_36_priors(var):
    p = GaussianMixture(np.ones(3) / 3, [-2.0, -1.0, 3.0], [var] * 3)
    p_prime = GaussianMixture(np.ones(3) / 3, [-2.0, 1.0, 3.0], [var] * 3)
    return p, p_prime


@pytest.mark.parametrize("var", [0.25, 1.0])
@pytest.mark.parametrize("sigma", [0.0, 0.05, 0.3, 1.0])
def test_remark_36_identical_densities(var, sigma):
    p, p_prime = remark_36_priors(var)
    f = absval_net()
    m, m_prime = LatentModel(p, f, sigma), LatentModel(p_prime, f, sigma)
    x = np.concatenate([np.linspace(0.01, 8, 400), np.linspace(-3, 0, 50) if sigma else []])
    a, b = log_pdf(m, x), log_pdf(m_prime, x)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)
    assert np.isfinite(a).all()
    # ... while the priors are not related by any affine map (but the construction is sound:
    # each prior is affinely related to itself and to its mirror image).
    assert affine_maps(p, p_prime) == []
    assert (1.0, 0.0) in affine_maps(p, p)
    mirror = GaussianMixture(p.weights, -p.means, p.covs)
    assert (-1.0, 0.0) in affine_maps(p, mirror)
    # The priors themselves differ, so the test is not vacuous.
    assert not np.allclose(p.log_pdf([-1.0]), p_prime.log_pdf([-1.0]))


@given(
    model=models_1d(),
    alpha=st.one_of(st.floats(-4, -0.25), st.floats(0.25, 4)),
    beta=st.floats(-3, 3),
)
def test_remark_37_affine_reparametrisation(model, alpha, beta):
    """(P, f) and (h#P, f o h^-1) with h(z) = alpha z + beta give the same density."""
    prior, net = model.prior, model.net
    h_prior = GaussianMixture(prior.weights, alpha * prior.means + beta, alpha**2 * prior.covs)
    w0, b0 = net.weights[0], net.biases[0]
    # f o h^-1 (z) = f((z - beta) / alpha): fold h^-1 into the first layer.
    h_net = ReluNet(
        [w0 / alpha, *net.weights[1:]], [b0 - w0[:, 0] * beta / alpha, *net.biases[1:]],
        negative_slope=net.negative_slope,
    )
    other = LatentModel(h_prior, h_net, model.noise_std)
    x = test_points(model)
    a, b = log_pdf(model, x), log_pdf(other, x)
    near = a > -700
    # Both are within 1e-12 of their own exact values; the reparametrised parameters carry
    # their own rounding (relative eps in each weight), hence 4e-12 here.
    np.testing.assert_allclose(a[near], b[near], rtol=0, atol=4e-12)
    np.testing.assert_allclose(a[~near], b[~near], rtol=1e-12)


# -- paths and shapes ----------------------------------------------------------------------


@given(models_1d(min_noise=0.1))
@settings(max_examples=examples(20))
def test_numpy_reference_path_agrees(model):
    """The plain NumPy/SciPy path (no numba) agrees with the engine."""
    x = test_points(model)
    x = x[np.abs(x - np.median(x)) < 30 * model.noise_std + 10]
    np.testing.assert_allclose(log_pdf(model, x), log_pdf_numpy(model, x), rtol=1e-9, atol=1e-9)


def test_model_methods_and_shapes():
    p, _ = remark_36_priors(1.0)
    m = LatentModel(p, absval_net(), 0.3)
    x = np.linspace(-1, 4, 7)
    np.testing.assert_array_equal(m.log_pdf(x), log_pdf(m, x))
    np.testing.assert_array_equal(m.pdf(x), np.exp(log_pdf(m, x)))
    assert log_pdf(m, 1.0).shape == (1,)
    assert log_pdf(m, x[:, None]).shape == (7,)
    assert log_pdf(m, np.empty(0)).shape == (0,)


@pytest.mark.parametrize(
    "x, match",
    [
        ([np.nan], "x: expected finite numbers"),
        ([[1.0, 2.0]], r"x: expected shape \(N,\) or \(N, 1\)"),
        ("abc", "x: expected an array of numbers"),
    ],
)
def test_bad_points(x, match):
    p, _ = remark_36_priors(1.0)
    with pytest.raises(ValueError, match=match):
        log_pdf(LatentModel(p, absval_net(), 0.3), x)


def test_models_beyond_one_dimension_go_to_the_multivariate_engine():
    """m = n = 2 is no longer refused: a point of the wrong dimension is (tests of the 2-D
    density itself: test_multivariate.py)."""
    prior = GaussianMixture([1.0], [[0.0, 0.0]], [np.eye(2)])
    net = ReluNet([np.eye(2)], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"x: expected one point of 2 coordinates"):
        log_pdf(LatentModel(prior, net, 0.1), [0.0])


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1",
                    reason="about compiled kernels")
def test_parallel_kernel_is_parallel_after_serial_one_was_cached(tmp_path):
    """numba's on-disk cache is keyed by function, not by the parallel option: if the serial
    and parallel kernels shared one Python function, a cache written by the serial kernel
    (small batches come first, e.g. in this suite's warm-up) would be loaded for the parallel
    one, which then never starts a thread.  Checked in fresh processes with an empty cache."""
    import subprocess
    import sys

    code = """
import sys, numpy as np, numba
from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf
m = LatentModel(GaussianMixture([1.0], [0.0], [1.0]),
                ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]]), 0.3)
log_pdf(m, np.linspace(-3, 3, int(sys.argv[1])))
try:
    print(numba.threading_layer())
except ValueError:
    print("no-threads")
"""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))

    def run(n_points):
        out = subprocess.run([sys.executable, "-c", code, str(n_points)], env=env,
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()

    assert run(5) == "no-threads"  # serial kernel, compiled and cached first
    assert run(100_000) != "no-threads"  # the parallel kernel really launched its threads
