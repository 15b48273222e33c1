"""The assertions of exactid.testing and its hypothesis settings.

Each assertion passes on a case whose answer is known from the theory and fails, with its
evidence in the message, on a known counterexample.  References, independent of the code under
test:

* equal laws: Remark 3.6 of paper 003 (|z| is even, so mirroring the middle component of the
  prior does not change the law), Remark 3.7 (an affine reparametrisation), and the closed form
  N(0, 1) + N(0, 1) = N(0, 1.5) + N(0, 0.5) (the identity decoder, different noise); different
  laws: the closed-form KL divergence of two centred normals;
* equivalence: maps checked by hand (the pushed-forward parameters compared with the target
  prior's), witnesses re-evaluated with the networks in float;
* injectivity: Example 1 (ReLU: (F2), (F3), not (F4); |z|: not (F2)), Example 4 (f: (F2), not
  (F3)), and a coordinatewise leaky ReLU of R^2 (strictly monotone in each coordinate, so
  injective);
* unique minimizers: the brute-force :func:`exactid.search.reference_search` (every grid point
  built as a model and evaluated alone) on a tiny grid, with each of its minimizers classified
  by :func:`exactid.models_equivalent`.

Tolerances: KL divergences against closed forms at 1e-9 (the quadrature runs at 1e-10 and its
error estimates are ~1e-15); printed witnesses at 1e-5 relative (they are printed to 6
significant digits).
"""

from __future__ import annotations

import dataclasses
import doctest
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import exactid.testing as xt
from exactid import (
    FamilyPoint,
    GaussianMixture,
    LatentModel,
    ReluNet,
    affine_reparametrize,
    models_equivalent,
)
from exactid.counterexamples import absval_net, example_4, relu_net, remark_3_6, remark_3_7
from exactid.identifiability import Verdict
from exactid.search import Family, reference_search
from exactid.testing import (
    CheckResult,
    assert_different_law,
    assert_equivalent,
    assert_injectivity,
    assert_prior_equivalent,
    assert_same_law,
    assert_unique_global_minimizer,
    default_family,
    settings_profile,
)
from tests.budget import examples

#: The identity of R as a ReLU network: relu(z) - relu(-z).
IDENTITY = ReluNet([[[1.0], [-1.0]], [[1.0, -1.0]]], [[0.0, 0.0], [0.0]])
#: A dyadic 2-D model (m = n = 2), two components with different diagonal covariances.
P2D = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [2.0, 0.0]],
                      [np.diag([1.0, 0.5]), np.diag([0.5, 1.0])])
NET2D = ReluNet([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0, 0.5], [0.0, 1.0, -0.5]]],
                [[0.0, 0.0, -1.0], [0.0, 0.0]])
M2D = LatentModel(P2D, NET2D, 0.5)
#: A J.3.1-style truth: (F3) decoder relu(z), two separated components.
TRUTH = FamilyPoint((0.5, 0.5), (-1.0, 1.0), (0.25, 0.25), (1.0,), (1.0,), (0.0,), 0.25)
#: The same prior through the constant decoder 0 (alpha = 0): every prior gives N(0, sigma^2).
CONSTANT = dataclasses.replace(TRUTH, alpha=(0.0,))


def normal(var: float, sigma: float) -> LatentModel:
    """N(0, var) through the identity, noise sigma: the law N(0, var + sigma^2)."""
    return LatentModel(GaussianMixture([1.0], [0.0], [var]), IDENTITY, sigma)


def kl_normal(v1: float, v2: float) -> float:
    """KL(N(0, v1) || N(0, v2)), closed form."""
    return 0.5 * (v1 / v2 - 1.0 - math.log(v1 / v2))


def witness(message: str):
    """(z, f1(z), f2(h(z))) of the first 'decoders differ' line of a message."""
    found = re.search(r"at z = (\[[^\]]*\]|\S+), f1\(z\) = \[([^\]]*)\], "
                      r"f2\(h\(z\)\) = \[([^\]]*)\]", message)
    assert found, message
    return [np.array([float(v) for v in g.strip("[]").replace(",", " ").split()])
            for g in found.groups()]


# -- laws --------------------------------------------------------------------------------------


def test_same_law_is_exact_for_remark_3_6_and_its_converse_fails():
    _, a, b = remark_3_6().pairs[0]
    result = assert_same_law(a, b)
    assert isinstance(result, CheckResult)
    assert result.method == "exact (same_pushforward)" and result.report.same
    with pytest.raises(AssertionError, match=r"(?s)assert_different_law: the laws are equal "
                                             r"\(exact \(same_pushforward\)\).*f1#P1 = f2#P2"):
        assert_different_law(a, b)


def test_different_law_is_exact_with_a_witness():
    # Moving the middle component to 1.5 breaks the mirror symmetry of Remark 3.6.
    a, b = (LatentModel(p, absval_net(), 0.5) for p in remark_3_6(
        means_prime=(-2.0, 1.5, 3.0)).priors.values())
    result = assert_different_law(a, b)
    assert result.method == "exact (same_pushforward)" and "different Gaussian terms" in str(
        result)
    with pytest.raises(AssertionError, match=r"the laws differ \(exact \(same_pushforward\)\)"
                                             r"(?s:.*)different Gaussian terms on x in \("):
        assert_same_law(a, b)


def test_different_noise_can_give_the_same_law_and_kl_decides():
    # N(0, 1) + noise 1 and N(0, 1.5) + noise sqrt(0.5) are both N(0, 2).
    a, b = normal(1.0, 1.0), normal(1.5, math.sqrt(0.5))
    result = assert_same_law(a, b)
    assert result.method.startswith("KL by quadrature (1-D quadrature)")
    assert abs(result.report.kl_ab) <= 1e-9 and abs(result.report.kl_ba) <= 1e-9
    with pytest.raises(AssertionError, match=r"undecided, the laws are equal within the error "
                                             r"bound(?s:.*)KL\(p1 \|\| p2\) = "):
        assert_different_law(a, b)
    with pytest.raises(ValueError, match=r"method: 'exact' needs equal noise_std"):
        assert_same_law(a, b, method="exact")


def test_different_law_by_kl_reports_the_margin_against_the_closed_form():
    a, b = normal(1.0, 1.0), normal(1.5, 0.6)  # N(0, 2) and N(0, 1.86)
    result = assert_different_law(a, b)
    assert abs(result.report.kl_ab - kl_normal(2.0, 1.86)) <= 1e-9
    assert abs(result.report.kl_ba - kl_normal(1.86, 2.0)) <= 1e-9
    margin = result.report.kl_ab - (1e-9 + result.report.error_ab)  # the larger KL: ab
    assert f"margin: the larger KL exceeds its bound by {margin:.6g}" in str(result)
    with pytest.raises(AssertionError, match=rf"the laws differ \(KL by quadrature(?s:.*)"
                                             rf"KL\(p1 \|\| p2\) = {kl_normal(2.0, 1.86):.6g} "):
        assert_same_law(a, b)


def test_kl_within_tol_passes_same_and_leaves_different_undecided():
    # KL(N(0, 2) || N(0, 2 + 2e-5)) = 5e-11 < tol = 1e-9: equal as far as tol resolves.
    a, b = normal(1.0, 1.0), normal(1.0, math.sqrt(1.0 + 2e-5))
    assert_same_law(a, b)
    with pytest.raises(AssertionError, match="undecided"):
        assert_different_law(a, b)
    assert_different_law(a, b, tol=1e-11)  # resolved at a finer tolerance


def test_same_law_in_two_dimensions_by_cubature():
    # An affine reparametrisation (Remark 3.7) with a shear: same law, by 2-D cubature.
    other = affine_reparametrize(M2D, [[1.0, 1.0], [0.0, 1.0]], [0.5, 0.0])
    result = assert_same_law(M2D, other, tol=1e-6)
    assert "2-D adaptive cubature" in result.method
    assert abs(result.report.kl_ab) <= 1e-6 + result.report.error_ab


def test_law_argument_validation():
    a = normal(1.0, 1.0)
    with pytest.raises(ValueError, match="model1: expected a LatentModel, found str"):
        assert_same_law("a", a)
    with pytest.raises(ValueError, match="model2: expected a LatentModel"):
        assert_different_law(a, None)
    with pytest.raises(ValueError, match=r"tol: expected a finite number > 0, found -1"):
        assert_same_law(a, a, tol=-1)
    with pytest.raises(ValueError, match=r"method: expected one of 'auto', 'exact', 'kl', "
                                         r"found 'fast'"):
        assert_same_law(a, a, method="fast")
    wide = LatentModel(a.prior, ReluNet([[[1.0], [2.0]]], [[0.0, 0.0]]), 1.0)  # m = 1, n = 2
    with pytest.raises(NotImplementedError, match=r"\(m, n\) = \(1, 2\) for model1"):
        assert_same_law(wide, wide, method="kl")
    with pytest.raises(NotImplementedError, match=r"\(1, 1\) for model1 and \(2, 2\)"):
        assert_same_law(a, M2D)
    with pytest.raises(NotImplementedError, match=r"model2: noise_std = 0, and the KL method "
                                                  r"\(the noise levels differ\)"):
        assert_different_law(a, normal(1.0, 0.0))
    with pytest.raises(NotImplementedError, match=r"model1: .*\(method='kl'\)"):
        assert_same_law(normal(1.0, 0.0), normal(1.0, 0.0), method="kl")


# -- equivalence -------------------------------------------------------------------------------


def test_remark_3_7_is_equivalent_and_has_the_same_law():
    _, a, b = remark_3_7().pairs[0]  # h(z) = -2 z + 0.5
    result = assert_equivalent(a, b, up_to="permutation_scaling")
    assert result.kind == "permutation_scaling_translation" and result.map == (-2.0, 0.5)
    assert result.report.full
    assert_same_law(a, b)
    with pytest.raises(AssertionError, match=re.escape(
            "h(z) = -2 z + 0.5 [permutation_scaling_translation]: decoders match, but the "
            "kind is more general than up_to='permutation'")):
        assert_equivalent(a, b, up_to="permutation")


def test_a_model_is_equivalent_to_itself_up_to_identity():
    _, a, _ = remark_3_7().pairs[0]
    result = assert_equivalent(a, a, up_to="identity")
    assert (result.kind, result.map) == ("identity", (1.0, 0.0))
    result = assert_equivalent(M2D, M2D, up_to="identity")
    assert result.kind == "identity" and np.array_equal(result.map.matrix, np.eye(2))


def test_remark_3_6_has_the_same_law_but_is_not_equivalent():
    _, a, b = remark_3_6().pairs[0]
    assert_same_law(a, b)
    with pytest.raises(AssertionError, match=r"not equivalent up to 'affine' \(0 prior map\(s\) "
                                             r"found\)(?s:.*)no affine map pushes"):
        assert_equivalent(a, b)
    with pytest.raises(AssertionError, match="no affine map pushes prior1 onto prior2"):
        assert_prior_equivalent(a.prior, b.prior)


def test_decoder_mismatch_is_shown_with_a_witness_1d():
    _, a, _ = remark_3_7().pairs[0]
    net = a.net
    doubled = ReluNet([net.weights[0], 2.0 * net.weights[1]], [net.biases[0], net.biases[1]])
    b = LatentModel(a.prior, doubled, a.noise_std)
    with pytest.raises(AssertionError, match=r"h\(z\) = 1 z \+ 0 \[identity\]: decoders "
                                             r"differ") as info:
        assert_equivalent(a, b)
    z, f1, f2 = witness(str(info.value))
    assert np.allclose(f1, net(z)[0], rtol=1e-5, atol=1e-12)
    assert np.allclose(f2, doubled(z)[0], rtol=1e-5, atol=1e-12)
    assert not np.allclose(net(z), doubled(z))


def test_decoder_mismatch_and_kinds_in_two_dimensions():
    sheared = affine_reparametrize(M2D, [[1.0, 1.0], [0.0, 1.0]], [0.0, 0.0])
    assert assert_equivalent(M2D, sheared).kind == "affine"
    with pytest.raises(AssertionError, match=r"decoders match, but the kind is more general "
                                             r"than up_to='permutation_scaling'"):
        assert_equivalent(M2D, sheared, up_to="permutation_scaling")
    flipped = affine_reparametrize(M2D, [[2.0, 0.0], [0.0, -1.0]], [0.5, 0.0])
    assert (assert_equivalent(M2D, flipped, up_to="permutation_scaling").kind
            == "permutation_scaling_translation")
    other = NET2D.weights[1].copy()
    other[1, 2] = 0.5
    changed = LatentModel(P2D, ReluNet([NET2D.weights[0], other], NET2D.biases), 0.5)
    with pytest.raises(AssertionError, match=r"\[identity\]: decoders differ") as info:
        assert_equivalent(M2D, changed)
    z, f1, f2 = witness(str(info.value))
    assert np.allclose(f1, NET2D(z[None])[0]) and np.allclose(f2, changed.net(z[None])[0])
    assert not np.allclose(f1, f2)


def test_different_noise_is_not_equivalent():
    a, b = normal(1.0, 1.0), normal(1.0, 0.5)
    with pytest.raises(AssertionError, match=r"noise levels differ: sigma1 = 1, sigma2 = 0.5"):
        assert_equivalent(a, b)


def test_prior_equivalence_kinds_checked_by_hand():
    # prior_maps' example: swapping the coordinates maps P onto Q.
    p = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [2.0, 0.0]],
                        [np.diag([1.0, 4.0]), np.diag([2.0, 1.0])])
    q = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [0.0, 2.0]],
                        [np.diag([4.0, 1.0]), np.diag([1.0, 2.0])])
    swap = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert np.array_equal(p.means @ swap.T, q.means)
    assert np.array_equal(swap @ p.covs @ swap.T, q.covs)
    result = assert_prior_equivalent(p, q, up_to="permutation")
    assert result.kind == "permutation" and np.array_equal(result.map.matrix, swap)
    with pytest.raises(AssertionError, match=r"most specific map found is of kind "
                                             r"'permutation', more general than up_to="
                                             r"'identity'"):
        assert_prior_equivalent(p, q, up_to="identity")
    shifted = GaussianMixture([0.25, 0.75], [1.0, 4.0], [4.0, 1.0])
    base = GaussianMixture([0.25, 0.75], [0.0, 1.5], [1.0, 0.25])  # h(z) = 2 z + 1
    assert assert_prior_equivalent(base, shifted).kind == "permutation_scaling_translation"


def test_equivalence_argument_validation():
    a = normal(1.0, 1.0)
    with pytest.raises(ValueError, match=r"up_to: expected one of 'identity', 'permutation', "
                                         r"'permutation_scaling', 'affine', found 'scaling'"):
        assert_equivalent(a, a, up_to="scaling")
    with pytest.raises(ValueError, match=r"atol: expected a finite number >= 0, found -1"):
        assert_equivalent(a, a, atol=-1.0)
    with pytest.raises(ValueError, match="model2: expected latent dimension m = 1"):
        assert_equivalent(a, M2D)
    p3 = GaussianMixture([1.0], [[0.0, 0.0, 0.0]], [np.eye(3)])
    m3 = LatentModel(p3, ReluNet([np.eye(3)], [np.zeros(3)]), 1.0)
    with pytest.raises(NotImplementedError, match="m = 3 for model1"):
        assert_equivalent(m3, m3)
    p4 = GaussianMixture([1.0], [[0.0] * 4], [np.eye(4)])
    with pytest.raises(NotImplementedError, match="prior1: .* m <= 3, found m = 4"):
        assert_prior_equivalent(p4, p4)
    with pytest.raises(ValueError, match="prior2: expected dimension m = 3"):
        assert_prior_equivalent(p3, P2D)
    with pytest.raises(ValueError, match="prior1: expected a GaussianMixture, found LatentModel"):
        assert_prior_equivalent(a, a.prior)
    with pytest.raises(ValueError, match="up_to: expected one of"):
        assert_prior_equivalent(a.prior, a.prior, up_to=None)


# -- injectivity -------------------------------------------------------------------------------


def test_injectivity_of_example_1_and_example_4():
    result = assert_injectivity(relu_net(), F2=True, F3=True, F4=False)
    assert result.method == "exact (injectivity_1d)"
    assert result.report.verdicts() == {"F2": True, "F3": True, "F4": False}
    with pytest.raises(AssertionError, match=r"\(F4\) injective: expected True, found False"
                                             r"(?s:.*)collision = "):
        assert_injectivity(relu_net(), F4=True)
    assert_injectivity(absval_net(), F2=False)
    with pytest.raises(AssertionError, match=r"\(F2\) weakly injective: expected True, found "
                                             r"False(?s:.*)multiple_interval = \(0.0, inf\)"):
        assert_injectivity(absval_net(), F2=True)
    f = example_4().nets["f"]
    assert_injectivity(f, F2=True, F3=False)
    with pytest.raises(AssertionError, match=r"\(F3\) observably injective: expected True, "
                                             r"found False(?s:.*)report:"):
        assert_injectivity(f, F2=True, F3=True)


def test_injectivity_by_linear_programs_in_two_dimensions():
    leaky = ReluNet([np.eye(2), np.eye(2)], [np.zeros(2), np.zeros(2)], negative_slope=0.5)
    result = assert_injectivity(leaky, F2=True, F3=True, F4=True, tol=1e-9)
    assert result.method.startswith("check_injectivity")
    with pytest.raises(AssertionError, match=r"\(F4\) injective: expected False, found True"):
        assert_injectivity(leaky, F4=False)


def test_an_undecided_verdict_fails(monkeypatch):
    import exactid.testing.injectivity as module

    real = module.injectivity_1d

    def undecided(net):
        return dataclasses.replace(real(net), F3=Verdict(None, "at the tolerance"))

    monkeypatch.setattr(module, "injectivity_1d", undecided)
    assert_injectivity(relu_net(), F2=True)  # the undecided verdict is not requested
    with pytest.raises(AssertionError, match=r"assert_injectivity: undecided(?s:.*)\(F3\) "
                                             r"observably injective: expected True, undecided"):
        assert_injectivity(relu_net(), F2=True, F3=True)


def test_injectivity_argument_validation():
    with pytest.raises(ValueError, match="net: expected a ReluNet, found LatentModel"):
        assert_injectivity(normal(1.0, 1.0), F2=True)
    with pytest.raises(ValueError, match="F2, F3, F4: expected at least one"):
        assert_injectivity(relu_net())
    with pytest.raises(ValueError, match=r"F3: expected True, False or None \(not checked\), "
                                         r"found 1"):
        assert_injectivity(relu_net(), F3=1)
    with pytest.raises(ValueError, match=r"check_kwargs: a network R -> R .* found \['tol'\]"):
        assert_injectivity(relu_net(), F2=True, tol=1e-9)
    with pytest.raises(ValueError, match=r"check_kwargs: expected options of check_injectivity "
                                         r".* found \['boxes'\]"):
        assert_injectivity(NET2D, F2=True, boxes=3)


# -- unique global minimizer -------------------------------------------------------------------


def test_default_family_is_the_truth_and_its_neighbours():
    family = default_family(TRUTH)
    assert family.canonical(TRUTH) == family.canonical(TRUTH)  # on the grid: no error
    assert (family.n_components, family.n_hidden, family.weight_steps) == (2, 1, 2)
    assert family.means == (-2.0, -1.0, 0.0, 1.0, 2.0)
    assert family.variances == (0.125, 0.25, 0.5)
    assert (family.alphas, family.betas, family.biases) == ((0.5, 1.0, 1.5), (0.5, 1.0, 1.5),
                                                            (-0.5, 0.0, 0.5))
    assert family.noise_stds == (0.25,)
    third = dataclasses.replace(TRUTH, weights=(1 / 3, 2 / 3))
    assert default_family(third).weight_steps == 3


def test_the_truth_is_the_unique_minimizer_up_to_equivalence():
    result = assert_unique_global_minimizer(TRUTH)
    search = result.report
    assert search.all_minimizers_equivalent and search.gap_to_nonequivalent > 0
    assert "all equivalent to the truth" in str(result)
    # The same truth as a LatentModel.
    again = assert_unique_global_minimizer(TRUTH.model()).report
    assert again.minimum == search.minimum and len(again.minimizers) == len(search.minimizers)


def test_a_constant_decoder_has_non_equivalent_minimizers():
    with pytest.raises(AssertionError, match=r"global minimizers are not equivalent to the "
                                             r"truth(?s:.*)alpha=\(0\)(?s:.*)non-equivalent "
                                             r"minimizer \(objective (?s:.*)gap to the best "
                                             r"non-equivalent point = 0"):
        assert_unique_global_minimizer(CONSTANT)


@pytest.mark.parametrize("truth, unique", [(TRUTH, True), (CONSTANT, False)])
def test_verdict_agrees_with_a_brute_force_search(truth, unique):
    family = Family(n_components=2, n_hidden=1, weight_steps=2, means=(-1.0, 1.0),
                    variances=(0.25,), alphas=(0.0, 1.0), betas=(0.0, 1.0), biases=(0.0,),
                    noise_stds=(0.25,))
    points, _, best = reference_search(family, truth, adaptive=False)
    brute = all(models_equivalent(truth.model(), points[k].model()) for k in best)
    assert brute == unique
    if unique:
        assert_unique_global_minimizer(truth, family=family)
    else:
        with pytest.raises(AssertionError, match="not equivalent to the truth"):
            assert_unique_global_minimizer(truth, family=family)


def test_an_uncertified_search_is_undecided(monkeypatch):
    import exactid.testing.minimizers as module

    real = module.grid_search

    def uncertified(*args, **kwargs):
        result = real(*args, **kwargs)
        result.certified = False
        return result

    monkeypatch.setattr(module, "grid_search", uncertified)
    with pytest.raises(AssertionError, match="undecided, the error estimates of the search"):
        assert_unique_global_minimizer(TRUTH)


def test_minimizer_argument_validation():
    with pytest.raises(ValueError, match="truth: expected a FamilyPoint or LatentModel"):
        assert_unique_global_minimizer("truth")
    with pytest.raises(ValueError, match="truth: expected a point of the family's grid"):
        assert_unique_global_minimizer(TRUTH, family=Family(n_components=2, n_hidden=1,
                                                            variances=(1.0,)))
    with pytest.raises(ValueError, match="family: expected a Family"):
        assert_unique_global_minimizer(TRUTH, family="J.3.1")
    deep = LatentModel(TRUTH.model().prior, ReluNet([[[1.0]], [[1.0]], [[1.0]]],
                                                    [[0.0], [0.0], [0.0]]), 0.25)
    with pytest.raises(ValueError, match="truth: expected a decoder with one hidden layer"):
        assert_unique_global_minimizer(deep)
    with pytest.raises(NotImplementedError, match=r"truth: .* found \(m, n\) = \(2, 2\)"):
        assert_unique_global_minimizer(M2D)
    odd = dataclasses.replace(TRUTH, weights=(0.123, 0.877))
    with pytest.raises(ValueError, match="truth: expected weights that are multiples of 1/d"):
        assert_unique_global_minimizer(odd)
    with pytest.raises(ValueError, match=r"search_kwargs: .* found \['data'\]"):
        assert_unique_global_minimizer(TRUTH, data=[0.0])
    with pytest.raises(ValueError, match="tol: expected a finite number >= 0"):
        assert_unique_global_minimizer(TRUTH, tol=-1.0)


# -- a property test built from the assertions -------------------------------------------------

dyadic = st.sampled_from([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])


@settings(max_examples=examples(10))
@given(scale=dyadic, shift=st.sampled_from([-1.0, 0.0, 0.25, 1.0]))
def test_remark_3_7_as_a_property(scale, shift):
    _, model, _ = remark_3_7().pairs[0]
    model = LatentModel(model.prior, model.net, 0.5)
    other = affine_reparametrize(model, scale, shift)
    kind = assert_equivalent(model, other, up_to="permutation_scaling").kind
    assert kind == ("identity" if (scale, shift) == (1.0, 0.0)
                    else "permutation_scaling_translation")
    assert_same_law(model, other)


# -- settings_profile --------------------------------------------------------------------------


@pytest.mark.parametrize("profile, max_examples, derandomize",
                         [("ci", 50, True), ("thorough", 500, False), ("quick", 10, True)])
def test_profiles_have_the_documented_fields(profile, max_examples, derandomize):
    before = settings.default
    s = settings_profile(profile)
    assert settings.default is before  # nothing loaded
    assert (s.max_examples, s.derandomize, s.deadline) == (max_examples, derandomize, None)
    assert {HealthCheck.too_slow, HealthCheck.data_too_large} <= set(s.suppress_health_check)
    assert (s.database is None) == derandomize  # the database only for random examples
    assert settings.get_profile(f"exactid-{profile}").max_examples == max_examples


def test_profile_from_the_environment(monkeypatch):
    monkeypatch.setenv("EXACTID_PROFILE", "quick")
    assert settings_profile().max_examples == 10
    monkeypatch.delenv("EXACTID_PROFILE")
    assert settings_profile().max_examples == 50
    monkeypatch.setenv("EXACTID_PROFILE", "slow")
    with pytest.raises(ValueError, match=r"EXACTID_PROFILE: expected one of 'ci', 'thorough', "
                                         r"'quick', found 'slow'"):
        settings_profile()


def test_unknown_profile_and_overrides():
    with pytest.raises(ValueError, match=r"profile: expected one of 'ci', 'thorough', 'quick', "
                                         r"found 'fast'"):
        settings_profile("fast")
    assert settings_profile("quick", max_examples=3).max_examples == 3
    assert settings_profile("quick").max_examples == 10  # re-registered without the override


def test_profile_is_a_decorator():
    seen = []

    @settings_profile("quick")
    @given(st.integers())
    def check(n):
        seen.append(n)

    check()
    assert 1 <= len(seen) <= 10


# -- the module --------------------------------------------------------------------------------


def test_public_api():
    assert xt.__all__ == ["CheckResult", "assert_same_law", "assert_different_law",
                          "assert_equivalent", "assert_prior_equivalent", "assert_injectivity",
                          "assert_unique_global_minimizer", "default_family",
                          "settings_profile"]
    assert all(hasattr(xt, name) for name in xt.__all__)


def test_import_does_not_load_hypothesis():
    code = ("import sys, exactid.testing; "
            "print(sorted(m for m in ('hypothesis', 'numba', 'sympy') if m in sys.modules))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("module", ["laws", "equivalence", "injectivity", "minimizers"])
def test_docstring_examples_run(module):
    import importlib

    mod = importlib.import_module(f"exactid.testing.{module}")
    failed, attempted = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0
