"""Named scalar parameters (exactid.parameters): names, get/set round trips, the coupled
mixture weights, the paper aliases alpha/beta/pi, and every validation error.

References: the model's own arrays (get must return the stored entry, set must change exactly
one entry), and the closed form of the weight rescaling.  Equalities are exact except where
the weights are rescaled (one multiplication and one division: a few ulp).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid import GaussianMixture, LatentModel, ReluNet
from exactid.parameters import (
    canonical_name,
    get_parameter,
    parameter_label,
    parameter_names,
    set_parameter,
    set_parameters,
)

from .float_models import absval_net, finite, models_1d

EPS = np.finfo(float).eps


def paper_model(weights=(0.3, 0.7), sigma=0.3):
    """f(z) = alpha1 ReLU(beta1 z + pi1) + alpha2 ReLU(beta2 z + pi2) (+ b2[0] = 0.25)."""
    net = ReluNet([[[1.0], [-0.5]], [[1.5, 2.0]]], [[0.3, 0.2], [0.25]])
    J = len(weights)
    prior = GaussianMixture(list(weights), np.linspace(-1.0, 1.5, J), np.linspace(0.5, 1.0, J))
    return LatentModel(prior, net, sigma)


def deep_model():
    """Two hidden layers (widths 2 and 1): no aliases."""
    net = ReluNet([[[1.0], [2.0]], [[3.0, 4.0]], [[5.0]]], [[0.1, 0.2], [0.3], [0.4]])
    return LatentModel(GaussianMixture([1.0], [0.5], [2.0]), net, 0.1)


def all_values(model):
    """Every scalar of the model, flattened (weights, means, variances, net, sigma)."""
    parts = [model.prior.weights, model.prior.means.ravel(), model.prior.covs.ravel()]
    parts += [w.ravel() for w in model.net.weights] + [b.ravel() for b in model.net.biases]
    return np.concatenate(parts + [[model.noise_std]])


# -- names ----------------------------------------------------------------------------------
def test_names_with_paper_aliases():
    assert parameter_names(paper_model()) == [
        "lambda1", "lambda2", "mu1", "mu2", "var1", "var2",
        "alpha1", "alpha2", "beta1", "beta2", "pi1", "pi2", "b2[0]", "sigma",
    ]


def test_names_generic_for_deeper_net():
    assert parameter_names(deep_model()) == [
        "lambda1", "mu1", "var1",
        "W1[0,0]", "W1[1,0]", "b1[0]", "b1[1]",
        "W2[0,0]", "W2[0,1]", "b2[0]",
        "W3[0,0]", "b3[0]",
        "sigma",
    ]


def test_names_generic_for_affine_net_and_two_outputs():
    affine = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), ReluNet([[[2.0]]], [[1.0]]), 1.0)
    assert parameter_names(affine) == ["lambda1", "mu1", "var1", "W1[0,0]", "b1[0]", "sigma"]
    two_out = ReluNet([[[1.0]], [[1.0], [2.0]]], [[0.0], [0.0, 0.0]])
    model = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), two_out, 1.0)
    names = parameter_names(model)
    assert "alpha1" not in names and "W2[1,0]" in names
    assert get_parameter(model, "W2[1,0]") == 2.0


def test_aliases_read_the_documented_entries():
    model = paper_model()
    w1, w2 = model.net.weights
    b1 = model.net.biases[0]
    for k in range(2):
        assert get_parameter(model, f"alpha{k + 1}") == w2[0, k]
        assert get_parameter(model, f"beta{k + 1}") == w1[k, 0]
        assert get_parameter(model, f"pi{k + 1}") == b1[k]
        assert get_parameter(model, f"W2[0,{k}]") == w2[0, k]
        assert get_parameter(model, f"W1[{k},0]") == w1[k, 0]
        assert get_parameter(model, f"b1[{k}]") == b1[k]


@pytest.mark.parametrize(
    "name, expected",
    [("W1[0, 0]", "beta1"), ("W1[1,0]", "beta2"), ("W2[0,1]", "alpha2"), ("b1[0]", "pi1"),
     ("b2[ 0 ]", "b2[0]"), ("alpha1", "alpha1"), ("lambda2", "lambda2"), ("sigma", "sigma")],
)
def test_canonical_name(name, expected):
    assert canonical_name(paper_model(), name) == expected


def test_canonical_name_generic_without_aliases():
    assert canonical_name(deep_model(), "W2[0, 1]") == "W2[0,1]"


def test_get_reads_every_stored_value():
    for model in (paper_model(), deep_model()):
        values = [get_parameter(model, n) for n in parameter_names(model)]
        flat = all_values(model)
        assert sorted(values) == sorted(flat.tolist())  # every scalar, each once
        assert all(type(v) is float for v in values)


# -- set ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", parameter_names(paper_model()))
def test_set_changes_exactly_one_entry(name):
    model = paper_model()
    before = all_values(model)
    new_value = 0.625 if name.startswith(("lambda", "var", "sigma")) else -1.75
    changed = set_parameter(model, name, new_value)
    assert get_parameter(changed, name) == new_value
    np.testing.assert_array_equal(all_values(model), before)  # input untouched
    diff = np.flatnonzero(all_values(changed) != before)
    expected = 2 if name.startswith("lambda") else 1  # the other weight moves with it
    assert diff.size == expected
    assert changed.net.negative_slope == model.net.negative_slope


@given(models_1d(), st.data())
def test_round_trip_and_identity_on_random_models(model, data):
    name = data.draw(st.sampled_from(parameter_names(model)))
    current = get_parameter(model, name)
    assert set_parameter(model, name, current) == model  # setting the current value: no-op
    if name.startswith("lambda"):
        if model.prior.n_components == 1:
            return
        value = data.draw(st.floats(0.0, 1.0, **finite))
    elif name.startswith("var") or name == "sigma":
        value = data.draw(st.floats(0.01, 10.0, **finite))
    else:
        value = data.draw(st.floats(-10.0, 10.0, **finite))
    changed = set_parameter(model, name, value)
    assert get_parameter(changed, name) == pytest.approx(value, rel=4 * EPS, abs=4 * EPS)
    for other in parameter_names(model):
        if other != name and not other.startswith("lambda"):
            assert get_parameter(changed, other) == get_parameter(model, other)


@given(st.lists(st.floats(0.05, 1.0, **finite), min_size=2, max_size=5), st.data())
def test_weight_rescaling_closed_form(raw, data):
    w = np.array(raw) / np.sum(raw)
    J = w.size
    model = LatentModel(GaussianMixture(w, np.arange(J, dtype=float), np.ones(J)),
                        absval_net(), 0.5)
    j = data.draw(st.integers(0, J - 1))
    v = data.draw(st.floats(0.0, 1.0, **finite))
    new = set_parameter(model, f"lambda{j + 1}", v).prior.weights
    others = np.arange(J) != j
    expected = w[others] * (1.0 - v) / w[others].sum()
    assert new[j] == v
    np.testing.assert_allclose(new[others], expected, rtol=16 * EPS, atol=4 * EPS)
    assert abs(new.sum() - 1.0) <= 4 * J * EPS


@pytest.mark.parametrize("v", [0.0, 0.1, 0.3, 1 / 3, 0.7, 1.0])
def test_two_weights_second_is_one_minus_first(v):
    weights = set_parameter(paper_model(), "lambda1", v).prior.weights
    assert weights[0] == v and weights[1] == 1.0 - v


def test_weight_with_other_weights_zero():
    model = paper_model(weights=(1.0, 0.0))
    assert set_parameter(model, "lambda1", 1.0) == model
    np.testing.assert_array_equal(set_parameter(model, "lambda2", 0.25).prior.weights,
                                  [0.75, 0.25])
    with pytest.raises(ValueError, match=r"lambda1: cannot set to 0.5: the other weights "
                                         r"\(lambda2\) are all zero"):
        set_parameter(model, "lambda1", 0.5)


def test_single_component_weight_fixed_at_one():
    model = deep_model()
    assert set_parameter(model, "lambda1", 1.0) == model
    with pytest.raises(ValueError, match="lambda1: cannot set to 0.0"):
        set_parameter(model, "lambda1", 0.0)


def test_set_parameters_two_weights_of_three():
    model = paper_model(weights=(0.2, 0.3, 0.5))
    weights = set_parameters(model, {"lambda1": 0.4, "lambda3": 0.1}).prior.weights
    np.testing.assert_allclose(weights, [0.4, 0.5, 0.1], rtol=0, atol=2 * EPS)
    both = set_parameters(model, {"mu1": 3.0, "beta2": -2.0, "sigma": 0.5})
    assert (get_parameter(both, "mu1"), get_parameter(both, "beta2"), both.noise_std) == (
        3.0, -2.0, 0.5)
    assert both.prior.weights.tolist() == model.prior.weights.tolist()


def test_set_parameters_all_weights():
    model = paper_model()
    new = set_parameters(model, {"lambda1": 0.25, "lambda2": 0.75})
    assert new.prior.weights.tolist() == [0.25, 0.75]
    with pytest.raises(ValueError, match="every mixture weight is given, so they must sum to 1"):
        set_parameters(model, {"lambda1": 0.25, "lambda2": 0.5})


def test_set_parameters_empty_mapping_copies():
    model = paper_model()
    copy = set_parameters(model, {})
    assert copy == model and copy is not model


def test_set_returns_new_model_sharing_unchanged_parts():
    model = paper_model()
    changed = set_parameter(model, "sigma", 1.0)
    assert changed is not model and changed.prior is model.prior and changed.net is model.net
    assert set_parameter(model, "mu1", 0.0).net is model.net
    assert set_parameter(model, "beta1", 0.0).prior is model.prior


def test_leaky_slope_kept():
    net = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]], negative_slope=0.1)
    model = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), net, 0.5)
    assert set_parameter(model, "alpha1", 2.0).net.negative_slope == 0.1


# -- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, value, message",
    [
        ("gamma1", 1.0, r"name: expected one of lambda1, lambda2, mu1, .*sigma; found 'gamma1'"),
        ("lambda3", 0.5, r"name: 'lambda3' is out of range for this model; expected one of "
                         r"lambda1, lambda2"),
        ("lambda0", 0.5, r"found 'lambda0'"),
        ("beta3", 0.5, r"'beta3' is out of range"),
        ("W3[0,0]", 0.5, r"'W3\[0,0\]' is out of range"),
        ("W1[0,1]", 0.5, r"'W1\[0,1\]' is out of range"),
        ("b1[2]", 0.5, r"'b1\[2\]' is out of range"),
        ("Lambda1", 0.5, r"found 'Lambda1'"),
        ("lambda1", 1.5, r"lambda1: expected a mixture weight in \[0, 1\], found 1.5"),
        ("lambda1", -0.1, r"lambda1: expected a mixture weight in \[0, 1\], found -0.1"),
        ("var2", 0.0, r"var2: expected a variance > 0, found 0.0"),
        ("var1", -1.0, r"var1: expected a variance > 0, found -1.0"),
        ("sigma", -0.5, r"sigma: expected a noise standard deviation >= 0, found -0.5"),
        ("mu1", np.nan, r"mu1: expected a finite number, found nan"),
        ("beta1", np.inf, r"beta1: expected a finite number, found inf"),
        ("alpha1", True, r"alpha1: expected a finite number, found True"),
        ("pi1", "1.0", r"pi1: expected a finite number, found '1.0'"),
        ("pi1", None, r"pi1: expected a finite number, found None"),
        (1, 0.5, r"name: expected a parameter name \(str\), found int"),
    ],
)
def test_set_parameter_errors(name, value, message):
    with pytest.raises(ValueError, match=message):
        set_parameter(paper_model(), name, value)


def test_alias_on_net_without_aliases():
    with pytest.raises(ValueError, match=r"the paper alias 'alpha1' needs a net with one hidden "
                                         r"layer .* found ReluNet\(1 -> 2 -> 1 -> 1, relu\); "
                                         r"expected one of lambda1, mu1, var1, W1\[0,0\]"):
        get_parameter(deep_model(), "alpha1")


def test_large_net_names_summarised_in_errors():
    rng = np.random.default_rng(0)
    net = ReluNet([rng.normal(size=(8, 1)), rng.normal(size=(8, 8)), rng.normal(size=(1, 8))],
                  [np.zeros(8), np.zeros(8), np.zeros(1)])
    model = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), net, 0.5)
    assert len(parameter_names(model)) == 3 + 8 + 8 + 64 + 8 + 8 + 1 + 1
    with pytest.raises(ValueError, match=r"lambda1..lambda1, mu1..mu1, var1..var1, sigma, and "
                                         r"the net entries W\{l\}\[i,k\], b\{l\}\[i\] .*"
                                         r"W1 8x1, W2 8x8, W3 1x8\); found 'x'"):
        get_parameter(model, "x")


def test_same_parameter_twice():
    with pytest.raises(ValueError, match=r"values: 'beta1' and 'W1\[0,0\]' name the same "
                                         "parameter"):
        set_parameters(paper_model(), {"beta1": 1.0, "W1[0,0]": 2.0})


def test_weights_summing_over_one():
    model = paper_model(weights=(0.2, 0.3, 0.5))
    with pytest.raises(ValueError, match=r"lambda1 \+ lambda2: expected mixture weights summing "
                                         r"to at most 1, found 1.2"):
        set_parameters(model, {"lambda1": 0.6, "lambda2": 0.6})


@pytest.mark.parametrize("fn", [parameter_names, lambda m: get_parameter(m, "mu1"),
                                lambda m: set_parameter(m, "mu1", 0.0)])
def test_non_model_and_multivariate_latent_rejected(fn):
    with pytest.raises(ValueError, match="model: expected a LatentModel, found ReluNet"):
        fn(absval_net())
    prior = GaussianMixture([1.0], [[0.0, 0.0]], [np.eye(2)])
    net = ReluNet([[[1.0, 1.0]]], [[0.0]])
    with pytest.raises(ValueError, match="model: expected latent dimension m = 1 .* found m = 2"):
        fn(LatentModel(prior, net, 0.5))


def test_set_parameters_needs_a_mapping():
    with pytest.raises(ValueError, match="values: expected a mapping .* found list"):
        set_parameters(paper_model(), [("mu1", 1.0)])


# -- labels ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, label",
    [("beta1", r"$\beta_{1}$"), ("alpha12", r"$\alpha_{12}$"), ("pi2", r"$\pi_{2}$"),
     ("lambda3", r"$\lambda_{3}$"), ("mu1", r"$\mu_{1}$"), ("var2", r"$\Sigma_{2}$"),
     ("sigma", r"$\sigma$"), ("W2[0,1]", r"$W^{(2)}_{0,1}$"), ("b1[3]", r"$b^{(1)}_{3}$"),
     ("other", "other")],
)
def test_parameter_label(name, label):
    assert parameter_label(name) == label
