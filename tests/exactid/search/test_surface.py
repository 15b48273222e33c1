"""Likelihood surfaces (exactid.search.surface) and their figures (exactid.plotting).

References: direct calls of cross_entropy / sample_nll on the models built with set_parameter
(the slice must reproduce them bit for bit: same models, same deterministic quadrature), the
identity H(p, q) = KL(p || q) + H(p, p) (within the two quadratures' error bounds), and Gibbs'
inequality H(p, q) >= H(p, p): on a slice through the truth the truth is a global minimizer up
to the reported errors.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import GaussianMixture, LatentModel, ReluNet, cross_entropy, kl_divergence, sample_nll
from exactid.parameters import get_parameter, parameter_names, set_parameter, set_parameters
from exactid.plotting import plot_nll_slice_2d, plot_nll_slices, save_figure
from exactid.search.surface import Slice1D, Slice2D, default_range, nll_slice, nll_slice_2d
from tests.budget import examples

from ..float_models import models_1d

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def paper_model(weights=(0.3, 0.7), sigma=0.3):
    """f(z) = ReLU(z + 0.3) + 2 ReLU(-0.5 z + 0.2): the J.3.1 form."""
    net = ReluNet([[[1.0], [-0.5]], [[1.0, 2.0]]], [[0.3, 0.2], [0.0]])
    J = len(weights)
    prior = GaussianMixture(list(weights), np.linspace(-1.0, 1.5, J), np.linspace(0.5, 1.0, J))
    return LatentModel(prior, net, sigma)


@pytest.fixture(scope="module")
def truth():
    return paper_model()


def truth_index(sl):
    hits = np.flatnonzero(sl.values == sl.truth_value)
    assert hits.size == 1
    return int(hits[0])


# -- agreement with direct calls ------------------------------------------------------------
@pytest.mark.parametrize("name", parameter_names(paper_model()))
def test_slice_equals_direct_cross_entropy(truth, name):
    values = default_range(truth, name, 5)
    sl = nll_slice(truth, name, values)
    assert isinstance(sl, Slice1D) and sl.kind == "population" and sl.name == name
    assert sl.truth_value == get_parameter(truth, name)
    for v, f, e in zip(values, sl.objective, sl.error):
        direct = cross_entropy(truth, set_parameter(truth, name, v), 1e-10)
        assert (f, e) == (direct.value, direct.error)


@pytest.mark.parametrize("name", ["beta1", "mu2", "sigma", "lambda1"])
def test_slice_against_scipy_quadrature(truth, name):
    """An independent reference: -int p_truth log p_model dx by scipy's adaptive quad on the
    exact densities (checked against mpmath in tests/exactid/density), over a window outside
    which the truth's mass is below 1e-30."""
    from scipy.integrate import quad

    values = default_range(truth, name, 3)
    sl = nll_slice(truth, name, values)
    for v, f, e in zip(values, sl.objective, sl.error):
        model = set_parameter(truth, name, v)

        def integrand(x, model=model):
            return -np.exp(truth.log_pdf([x])[0]) * model.log_pdf([x])[0]

        ref, ref_err = quad(integrand, -8.0, 12.0, points=[-1.0, 0.0, 1.0, 2.0, 4.0],
                            epsabs=1e-12, epsrel=1e-12, limit=400)
        # Measured: the two agree to 2.2e-16, well inside both error estimates.
        assert abs(f - ref) <= e + ref_err, (name, v, f, ref)


def test_slice_equals_kl_plus_entropy(truth):
    sl = nll_slice(truth, "beta1", np.linspace(-1.0, 2.0, 7))
    entropy = cross_entropy(truth, truth, 1e-10)
    for v, f, e in zip(sl.values, sl.objective, sl.error):
        kl = kl_divergence(truth, set_parameter(truth, "beta1", v), 1e-10)
        assert abs(f - (kl.value + entropy.value)) <= e + kl.error + entropy.error


def test_tol_is_passed_on(truth):
    sl = nll_slice(truth, "mu1", [0.0], tol=1e-6)
    direct = cross_entropy(truth, set_parameter(truth, "mu1", 0.0), 1e-6)
    assert (sl.objective[0], sl.error[0]) == (direct.value, direct.error)


def test_generic_spelling_gives_canonical_name(truth):
    sl = nll_slice(truth, "W1[0, 0]", [1.0])
    assert sl.name == "beta1" and sl.truth_value == 1.0


# -- Gibbs: the truth minimizes every population slice through it --------------------------
@pytest.mark.parametrize("name", parameter_names(paper_model()))
def test_truth_is_the_slice_minimum(truth, name):
    sl = nll_slice(truth, name, default_range(truth, name, 21))
    i = truth_index(sl)
    # H(p, q) >= H(p, p): any smaller value must be within both quadrature errors.
    assert np.all(sl.objective >= sl.objective[i] - sl.error - sl.error[i])
    assert sl.argmin_value == sl.truth_value  # this model has no flat directions


@settings(max_examples=examples(8))
@given(models_1d(), st.data())
def test_truth_minimizes_slices_of_random_models(model, data):
    names = [n for n in parameter_names(model)
             if not (n.startswith("lambda") and model.prior.n_components == 1)]
    name = data.draw(st.sampled_from(names))
    sl = nll_slice(model, name, default_range(model, name, 9))
    i = truth_index(sl)
    assert np.all(sl.objective >= sl.objective[i] - sl.error - sl.error[i])
    assert np.all(sl.error < 1e-8)


def test_slice_through_other_base(truth):
    """A slice through a base != truth: the candidates are set_parameter(base, ...)."""
    base = set_parameter(truth, "mu2", 2.5)
    values = np.linspace(0.0, 2.0, 5)
    sl = nll_slice(truth, "beta1", values, base=base)
    for v, f in zip(values, sl.objective):
        assert f == cross_entropy(truth, set_parameter(base, "beta1", v), 1e-10).value
    assert sl.truth_value == 1.0
    # The slice's minimum is above the truth's NLL (the base differs in mu2).
    assert sl.objective.min() > cross_entropy(truth, truth, 1e-10).value


def test_misspecified_base_has_nan_truth_value(truth):
    """A three-component base for a two-component truth: lambda3 does not exist in the truth."""
    base = paper_model(weights=(0.3, 0.6, 0.1))
    sl = nll_slice(truth, "lambda3", [0.0, 0.1], base=base)
    assert np.isnan(sl.truth_value)
    expected = cross_entropy(truth, set_parameter(base, "lambda3", 0.0), 1e-10).value
    assert sl.objective[0] == expected


# -- sample NLL ------------------------------------------------------------------------------
def test_sample_slice_equals_sample_nll(truth):
    x, _ = truth.sample(200, seed=1)
    values = np.linspace(0.5, 1.5, 5)
    for data in (x, x[:, 0], x[:, 0].tolist()):
        sl = nll_slice(truth, "alpha2", values, data=data)
        assert sl.kind == "sample"
        np.testing.assert_array_equal(sl.error, 0.0)
        expected = [sample_nll(set_parameter(truth, "alpha2", v), x) for v in values]
        np.testing.assert_array_equal(sl.objective, expected)


def test_sample_slice_allows_zero_noise():
    model = paper_model(sigma=0.0)
    x, _ = paper_model(sigma=0.1).sample(50, seed=2)
    sl = nll_slice(model, "sigma", [0.05, 0.1, 0.2], data=x)
    assert sl.truth_value == 0.0 and np.all(np.isfinite(sl.objective))


# -- 2-D -------------------------------------------------------------------------------------
def test_slice_2d_equals_direct_calls(truth):
    vx = np.array([0.5, 1.0, 1.5])
    vy = np.array([0.1, 0.2])
    sl = nll_slice_2d(truth, "beta1", vx, "pi2", vy)
    assert isinstance(sl, Slice2D) and sl.objective.shape == (2, 3) == sl.error.shape
    assert (sl.truth_value_x, sl.truth_value_y) == (1.0, 0.2)
    for i, y in enumerate(vy):
        for k, x in enumerate(vx):
            direct = cross_entropy(truth, set_parameters(truth, {"beta1": x, "pi2": y}), 1e-10)
            assert (sl.objective[i, k], sl.error[i, k]) == (direct.value, direct.error)
    assert sl.argmin_values == (1.0, 0.2)


def test_slice_2d_sample_and_weights_jointly():
    model = paper_model(weights=(0.2, 0.3, 0.5))
    x, _ = model.sample(100, seed=3)
    sl = nll_slice_2d(model, "lambda1", [0.1, 0.2], "lambda2", [0.3, 0.4], data=x)
    assert sl.kind == "sample"
    cand = set_parameters(model, {"lambda1": 0.1, "lambda2": 0.4})
    np.testing.assert_allclose(cand.prior.weights, [0.1, 0.4, 0.5], rtol=0, atol=1e-15)
    assert sl.objective[1, 0] == sample_nll(cand, x)


def test_slice_2d_minimum_at_truth(truth):
    sl = nll_slice_2d(truth, "alpha1", default_range(truth, "alpha1", 7),
                      "var2", default_range(truth, "var2", 7))
    i = np.flatnonzero(sl.values_y == sl.truth_value_y)[0]
    k = np.flatnonzero(sl.values_x == sl.truth_value_x)[0]
    assert np.all(sl.objective >= sl.objective[i, k] - sl.error - sl.error[i, k])
    assert sl.argmin_values == (sl.truth_value_x, sl.truth_value_y)


def test_progress_callback(truth):
    calls = []
    nll_slice_2d(truth, "mu1", [0.0, 1.0], "mu2", [1.0, 2.0, 3.0],
                 progress=lambda done, total: calls.append((done, total)))
    assert calls == [(d, 6) for d in range(1, 7)]
    calls.clear()
    nll_slice(truth, "mu1", [0.0, 1.0], progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 2), (2, 2)]


# -- validation ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, values, message",
    [
        ("var1", [1.0, -1.0], r"values\[1\] = -1.0: invalid parameter value \(var1: expected a "
                              r"variance > 0, found -1.0\)"),
        ("lambda1", [0.5, 1.5], r"values\[1\] = 1.5: invalid parameter value \(lambda1: expected "
                                r"a mixture weight in \[0, 1\]"),
        ("sigma", [0.0, 0.3], r"values\[0\] = 0.0: the population NLL needs noise_std > 0"),
        ("gamma", [1.0], r"name: expected one of lambda1, .*; found 'gamma'"),
        ("mu1", [], r"values: expected at least one parameter value, found none"),
        ("mu1", [[1.0]], r"values: expected a 1-D array, found shape \(1, 1\)"),
        ("mu1", [np.nan], r"values: expected finite numbers"),
    ],
)
def test_slice_validation(truth, name, values, message):
    with pytest.raises(ValueError, match=message):
        nll_slice(truth, name, values)


def test_invalid_values_fail_before_any_quadrature(truth):
    calls = []
    with pytest.raises(ValueError, match=r"values\[2\] = 0.0"):
        nll_slice(truth, "var1", [1.0, 0.5, 0.0], progress=lambda d, t: calls.append(d))
    assert calls == []


def test_zero_noise_truth_needs_data():
    with pytest.raises(ValueError, match=r"truth: the population NLL needs noise_std > 0, found "
                                         r"noise_std = 0.0 .* pass data for a sample NLL"):
        nll_slice(paper_model(sigma=0.0), "mu1", [0.0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(data=[]), r"data: expected at least one observation, found none"),
        (dict(data=np.zeros((3, 2))), r"data: expected shape \(N,\) or \(N, 1\), found \(3, 2\)"),
        (dict(data=[np.inf]), r"data: expected finite numbers"),
        (dict(tol=0.0), r"tol: expected a finite number > 0, found 0.0"),
        (dict(tol=np.nan), r"tol: expected a finite number > 0"),
        (dict(base="model"), r"base: expected a LatentModel or None, found str"),
    ],
)
def test_keyword_validation(truth, kwargs, message):
    with pytest.raises(ValueError, match=message):
        nll_slice(truth, "mu1", [0.0], **kwargs)


def test_truth_must_be_a_model(truth):
    with pytest.raises(ValueError, match="truth: expected a LatentModel, found NoneType"):
        nll_slice(None, "mu1", [0.0])


def test_slice_2d_validation(truth):
    with pytest.raises(ValueError, match=r"name_y: expected a parameter other than name_x, "
                                         r"found 'beta1' twice"):
        nll_slice_2d(truth, "beta1", [1.0], "W1[0,0]", [1.0])
    with pytest.raises(ValueError, match=r"\(values_x\[1\], values_y\[0\]\) = \(0.5, 0.7\): "
                                         r"invalid parameter value \(lambda1 \+ lambda2: .*"
                                         r"found 1.2\)"):
        nll_slice_2d(paper_model(weights=(0.2, 0.3, 0.5)), "lambda1", [0.1, 0.5],
                     "lambda2", [0.7], data=[0.0])
    with pytest.raises(ValueError, match="values_y: expected at least one parameter value"):
        nll_slice_2d(truth, "mu1", [0.0], "mu2", [])


def test_multivariate_output_not_implemented():
    net = ReluNet([[[1.0]], [[1.0], [2.0]]], [[0.0], [0.0, 0.0]])
    model = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), net, 0.5)
    with pytest.raises(NotImplementedError, match="m = n = 1"):
        nll_slice(model, "mu1", [0.0])


# -- default_range ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, lo, hi",
    [("beta1", 0.0, 2.0), ("alpha2", 0.0, 4.0), ("beta2", -1.5, 0.5), ("mu1", -2.0, 0.0),
     ("b2[0]", -1.0, 1.0), ("lambda1", 0.0, 1.0), ("var1", 0.125, 1.5), ("sigma", 0.075, 1.3)],
)
def test_default_range(truth, name, lo, hi):
    grid = default_range(truth, name, 11)
    assert grid.shape == (11,) and np.all(np.diff(grid) > 0)
    assert grid[0] == pytest.approx(lo, abs=1e-15) and grid[-1] == pytest.approx(hi, abs=1e-15)
    assert get_parameter(truth, name) in grid


@given(models_1d(), st.data(), st.integers(2, 50))
def test_default_range_contains_current_value(model, data, n):
    names = [k for k in parameter_names(model)
             if not (k.startswith("lambda") and model.prior.n_components == 1)]
    name = data.draw(st.sampled_from(names))
    grid = default_range(model, name, n)
    assert grid.shape == (n,) and np.all(np.diff(grid) > 0)
    assert get_parameter(model, name) in grid
    for v in grid:  # every point is a valid value
        set_parameter(model, name, v)


def test_default_range_zero_noise():
    grid = default_range(paper_model(sigma=0.0), "sigma", 5)
    assert grid[0] > 0 and grid[-1] == 1.0


def test_default_range_errors():
    one = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), paper_model().net, 0.5)
    with pytest.raises(ValueError, match=r"name: lambda1 cannot vary: the other mixture weights "
                                         r"are all zero \(weights \[1.0\]\)"):
        default_range(one, "lambda1")
    for n in (1, 2.0, True, "5"):
        with pytest.raises(ValueError, match=r"n: expected an integer number of points >= 2"):
            default_range(one, "mu1", n)


# -- plotting --------------------------------------------------------------------------------
def assert_png(path):
    with open(path, "rb") as f:
        assert f.read(8) == PNG_MAGIC
    leftovers = [p for p in os.listdir(os.path.dirname(path)) if p.endswith(".tmp")]
    assert leftovers == []


def test_plot_nll_slices(truth, tmp_path):
    slices = [nll_slice(truth, n, default_range(truth, n, 9)) for n in ("beta1", "lambda1")]
    path = tmp_path / "slices.png"
    plot_nll_slices(slices, path, minimizer_values=[s.argmin_value for s in slices],
                    titles=["a", "b"], suptitle="Figure 1")
    assert_png(path)
    plot_nll_slices(slices[0], tmp_path / "one.png")  # a single slice, no minimizer
    assert_png(tmp_path / "one.png")
    nan_truth = slices[0]._replace(truth_value=float("nan"))
    plot_nll_slices([nan_truth], tmp_path / "nan.png", minimizer_values=[None])
    assert_png(tmp_path / "nan.png")


def test_plot_nll_slices_validation(truth, tmp_path):
    sl = nll_slice(truth, "mu1", [-1.0, 0.0])
    with pytest.raises(ValueError, match=r"minimizer_values: expected 1 entries \(one per "
                                         r"slice\), found 2"):
        plot_nll_slices([sl], tmp_path / "x.png", minimizer_values=[0.0, 1.0])
    with pytest.raises(ValueError, match="slices: expected at least one Slice1D"):
        plot_nll_slices([], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_plot_nll_slice_2d(truth, tmp_path):
    sl = nll_slice_2d(truth, "beta1", [0.5, 1.0, 1.5], "pi2", [0.0, 0.2, 0.4])
    plot_nll_slice_2d(sl, tmp_path / "surface.png", minimizer=sl.argmin_values)
    assert_png(tmp_path / "surface.png")
    line = sl._replace(values_y=sl.values_y[:1], objective=sl.objective[:1], error=sl.error[:1])
    plot_nll_slice_2d(line, tmp_path / "line.png")  # a single row: no contour lines
    assert_png(tmp_path / "line.png")


def test_save_figure_keeps_old_file_on_failure(tmp_path):
    from exactid.plotting import pyplot

    plt = pyplot()
    path = tmp_path / "figure.unknownformat"
    path.write_bytes(b"old")
    fig = plt.figure()
    with pytest.raises(ValueError, match="unknownformat"):
        save_figure(fig, path)
    assert path.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["figure.unknownformat"]
    assert not plt.get_fignums()  # the figure was closed
