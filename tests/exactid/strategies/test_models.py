"""The public prior, model and affine-map strategies: guarantees checked independently."""

import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from exactid import GaussianMixture, LatentModel, affine_reparametrize
from exactid.identifiability import same_pushforward
from exactid.strategies import (
    MAX_CONDITION,
    affine_maps,
    gaussian_mixtures,
    injective_nets,
    latent_models,
    positive_fractions,
    simple_fractions,
)
from tests.budget import examples

QUICK = settings(max_examples=10, database=None)


def p2_independent(prior: GaussianMixture) -> bool:
    """(P2) from the definition, in exact rationals: diagonal covariances and a pair of
    components whose per-coordinate variance ratios are pairwise distinct."""
    covs = [[[Fraction(v) for v in row] for row in c] for c in prior.covs]
    m = prior.dim
    if any(c[i][j] != 0 for c in covs for i in range(m) for j in range(m) if i != j):
        return False
    n = len(covs)
    for a in range(n):
        for b in range(a + 1, n):
            ratios = [covs[a][t][t] / covs[b][t][t] for t in range(m)]
            if len(set(ratios)) == m:
                return True
    return False


@settings(max_examples=examples(40))
@given(data=st.data())
def test_mixtures_are_bounded_and_well_conditioned(data):
    dim, lo = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    hi = lo + data.draw(st.integers(0, 2))
    diagonal = data.draw(st.sampled_from([None, True, False]))
    prior = data.draw(gaussian_mixtures(dim, (lo, hi), diagonal=diagonal))
    assert prior.dim == dim and lo <= prior.n_components <= hi
    assert np.all(prior.weights > 0) and abs(prior.weights.sum() - 1) < 1e-15
    assert np.all(np.abs(prior.means) <= 3)
    assert np.all(np.linalg.cond(prior.covs) <= MAX_CONDITION)
    assert np.all(np.linalg.eigvalsh(prior.covs) > 0)
    if diagonal:
        assert all(np.array_equal(c, np.diag(np.diag(c))) for c in prior.covs)


@settings(max_examples=examples(40))
@given(data=st.data())
def test_p2_flag_is_honoured(data):
    dim = data.draw(st.integers(1, 3))
    want = data.draw(st.booleans()) if dim > 1 else True
    prior = data.draw(gaussian_mixtures(dim, (1, 4), p2=want))
    assert p2_independent(prior) is want


def test_p2_false_in_one_dimension_means_one_component():
    prior = find(gaussian_mixtures(1, (1, 3), p2=False), lambda g: True, settings=QUICK)
    assert prior.n_components == 1
    with pytest.raises(ValueError, match=r"components: in 1-D every prior with J >= 2"):
        gaussian_mixtures(1, (2, 3), p2=False)


def test_mixtures_shrink_to_a_standard_normal():
    prior = find(gaussian_mixtures(2, (1, 4)), lambda g: True, settings=QUICK)
    assert prior.n_components == 1
    np.testing.assert_array_equal(prior.means, [[0.0, 0.0]])
    np.testing.assert_array_equal(prior.covs, [np.eye(2)])


def test_a_counterexample_shrinks_to_a_minimal_mixture():
    """A false claim ("every mixture has a mean at 0") fails on the simplest witness."""
    prior = find(gaussian_mixtures(1, (1, 5)), lambda g: np.all(g.means != 0), settings=QUICK)
    assert prior.n_components == 1 and abs(prior.means[0, 0]) == 1.0


@settings(max_examples=examples(40))
@given(data=st.data())
def test_dyadic_affine_maps_have_exact_dyadic_inverses(data):
    dim = data.draw(st.integers(1, 3))
    M, u = data.draw(affine_maps(dim))
    M = np.atleast_2d(M)
    exact = [[Fraction(v) for v in row] for row in M]
    inverse = np.linalg.inv(M)
    # The float inverse is exact: M @ inv(M) = I in rational arithmetic.
    for i in range(dim):
        for j in range(dim):
            entry = sum(exact[i][k] * Fraction(inverse[k, j]) for k in range(dim))
            assert entry == (1 if i == j else 0)
    assert np.all(np.isfinite(u))


@settings(max_examples=examples(30))
@given(model=latent_models(1, nets=injective_nets(1)), h=affine_maps(1))
def test_remark_37_with_exact_maps_is_exact(model, h):
    """(h#P, f o h^-1) has exactly the law of (P, f): the dyadic map makes the reparametrised
    parameters exact floats, so the exact rational comparison sees equality."""
    assert same_pushforward(model, affine_reparametrize(model, *h)).same


@settings(max_examples=examples(20))
@given(model=latent_models(2, 3, noise=st.just(0.0)))
def test_latent_models_shapes(model):
    assert isinstance(model, LatentModel) and model.noise_std == 0.0
    assert (model.latent_dim, model.net.output_dim) == (2, 3)


@settings(max_examples=examples(40))
@given(v=simple_fractions(), w=positive_fractions(4.0))
def test_values_are_simple_fractions(v, w):
    assert -2 <= v <= 2 and v * 4 == int(v * 4)
    assert 0.25 <= w <= 4 and w * 4 == int(w * 4)


@pytest.mark.parametrize("call, message", [
    (lambda: gaussian_mixtures(0), r"dim: expected an integer >= 1, found 0"),
    (lambda: gaussian_mixtures(2, (3, 1)), r"components: expected \(lo, hi\) with lo <= hi"),
    (lambda: gaussian_mixtures(2, 1, p2=True), r"components: \(P2\) needs at least 2"),
    (lambda: gaussian_mixtures(2, p2=True, diagonal=False), r"diagonal: \(P2\) needs diagonal"),
    (lambda: gaussian_mixtures(2, max_condition=0.5), r"max_condition: expected a number >= 1"),
    (lambda: affine_maps(0), r"dim: expected an integer >= 1, found 0"),
    (lambda: simple_fractions(-1), r"bound: expected a number > 0, found -1"),
    (lambda: positive_fractions(1.0, low=2.0), r"low: expected low <= bound = 1"),
])
def test_argument_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_import_without_hypothesis_names_the_extra():
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "try:\n    import exactid.strategies\nexcept ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert "exactid.strategies needs hypothesis" in out.stdout
    assert "pip install 'exactid[hypothesis]'" in out.stdout
