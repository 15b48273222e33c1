"""The model's symmetries and the equivalence tests (exactid.identifiability).

Every symmetry is built by hand and on random models (hypothesis) and must be recognised by
``models_equivalent``.  Two independent references back the parameter-level answers: the law
of x itself (``same_distribution``, KL by quadrature of the exact densities) and, for priors,
a brute-force search over all component permutations.  Non-equivalent pairs (including the
Remark 3.6 pair of paper 003, equal in law but not affinely related) must be rejected.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from exactid import GaussianMixture, LatentModel, ReluNet, identifiability, pieces_1d
from exactid.identifiability import (
    DistributionCheck,
    Equivalence,
    affine_maps,
    affine_reparametrize,
    decoders_match,
    models_equivalent,
    permute_components,
    permute_hidden_units,
    priors_equivalent,
    rescale_hidden_unit,
    same_distribution,
)
from tests.budget import examples

from ..float_models import absval_net, models_1d, priors_1d

SIGMA = 0.3

# -- fixtures built by hand --------------------------------------------------------------------

#: An asymmetric prior (no affine self-map except the identity).
P0 = GaussianMixture([0.2, 0.5, 0.3], [-2.0, 0.5, 3.0], [0.5, 1.0, 0.25])
#: A one-hidden-layer ReLU net with three distinct breakpoints.
F0 = ReluNet([[[1.0], [-2.0], [0.5]], [[1.0, 0.5, -1.5]]], [[0.5, 1.0, -1.0], [0.2]])
#: A two-hidden-layer leaky net.
F1 = ReluNet(
    [[[1.0], [-1.0], [2.0]], [[1.0, -0.5, 0.3], [0.2, 1.0, -1.0]], [[1.0, -2.0]]],
    [[0.0, 1.0, -1.0], [0.5, -0.2], [0.1]],
    negative_slope=0.1,
)
M0 = LatentModel(P0, F0, SIGMA)
M1 = LatentModel(P0, F1, SIGMA)


def remark_36_priors(var):
    """Paper 003, Remark 3.6, eq. (4)."""
    p = GaussianMixture(np.ones(3) / 3, [-2.0, -1.0, 3.0], [var] * 3)
    p_prime = GaussianMixture(np.ones(3) / 3, [-2.0, 1.0, 3.0], [var] * 3)
    return p, p_prime


def act(net, t):
    return float(net.activation(np.array(t)))


def add_unit(net, layer, w_in, bias, w_out, compensate=False):
    """Append a unit to hidden layer ``layer``: incoming row ``w_in``, bias ``bias``, outgoing
    column ``w_out``.  With ``compensate`` (only for a constant unit, ``w_in == 0``) the next
    layer's bias absorbs the unit's constant output ``w_out * act(bias)``."""
    ws, bs = [np.array(w) for w in net.weights], [np.array(b) for b in net.biases]
    w_out = np.broadcast_to(np.asarray(w_out, dtype=float), (ws[layer + 1].shape[0],))
    ws[layer] = np.vstack([ws[layer], np.broadcast_to(w_in, (1, ws[layer].shape[1]))])
    bs[layer] = np.append(bs[layer], bias)
    ws[layer + 1] = np.hstack([ws[layer + 1], w_out[:, None]])
    if compensate:
        bs[layer + 1] = bs[layer + 1] - w_out * act(net, bias)
    return ReluNet(ws, bs, negative_slope=net.negative_slope)


def with_prior(model, prior):
    return LatentModel(prior, model.net, model.noise_std)


def with_net(model, net):
    return LatentModel(model.prior, net, model.noise_std)


def add_zero_component(prior, position, mean, var):
    w = np.insert(prior.weights, position, 0.0)
    mu = np.insert(prior.means[:, 0], position, mean)
    v = np.insert(prior.variances, position, var)
    return GaussianMixture(w, mu, v)


def assert_equivalent(a, b, expected_map=None):
    res = models_equivalent(a, b)
    assert res.priors and res.full and res.map is not None, res
    assert res.map in res.maps
    if expected_map is not None:
        assert any(np.allclose(m, expected_map, rtol=1e-12, atol=1e-12) for m in res.maps), res
    return res


def hidden_layer(draw, net):
    return draw(st.integers(0, net.n_layers - 2))


# -- every symmetry, by hand -------------------------------------------------------------------

#: name -> (model_a, model_b, the map h we built model_b with)
SYMMETRIC_PAIRS = {
    "permuted_components": (M0, with_prior(M0, permute_components(P0, [2, 0, 1])), (1.0, 0.0)),
    "permuted_units_layer0": (M0, with_net(M0, permute_hidden_units(F0, [1, 2, 0])), (1.0, 0.0)),
    "permuted_units_layer1_leaky": (
        M1, with_net(M1, permute_hidden_units(F1, [1, 0], layer=1)), (1.0, 0.0)),
    "rescaled_unit": (M0, with_net(M0, rescale_hidden_unit(F0, 1, 3.7)), (1.0, 0.0)),
    "rescaled_unit_leaky_layer1": (
        M1, with_net(M1, rescale_hidden_unit(F1, 0, 0.3, layer=1)), (1.0, 0.0)),
    "dead_unit_zero_output_weight": (
        M0, with_net(M0, add_unit(F0, 0, 2.0, -1.0, 0.0)), (1.0, 0.0)),
    "constant_unit_compensated": (
        M0, with_net(M0, add_unit(F0, 0, 0.0, 1.5, 0.7, compensate=True)), (1.0, 0.0)),
    "constant_unit_compensated_leaky": (
        M1, with_net(M1, add_unit(F1, 1, 0.0, -0.8, -1.3, compensate=True)), (1.0, 0.0)),
    "inactive_unit_b0_c_negative": (
        M0, with_net(M0, add_unit(F0, 0, 0.0, -1.0, 3.0)), (1.0, 0.0)),
    "inactive_unit_b0_c_zero": (M0, with_net(M0, add_unit(F0, 0, 0.0, 0.0, 3.0)), (1.0, 0.0)),
    "zero_weight_component_added": (
        M0, with_prior(M0, add_zero_component(P0, 1, 10.0, 7.0)), (1.0, 0.0)),
    "zero_weight_component_removed": (
        with_prior(M0, add_zero_component(P0, 3, -4.0, 0.01)), M0, (1.0, 0.0)),
    "split_component": (
        M0,
        with_prior(M0, GaussianMixture([0.2, 0.25, 0.3, 0.25], [-2.0, 0.5, 3.0, 0.5],
                                       [0.5, 1.0, 0.25, 1.0])),
        (1.0, 0.0)),
    "affine_positive": (M0, affine_reparametrize(M0, 3.0, -1.0), (3.0, -1.0)),
    "affine_negative": (M0, affine_reparametrize(M0, -2.0, 0.5), (-2.0, 0.5)),
    "affine_negative_leaky_deep": (M1, affine_reparametrize(M1, -0.25, 4.0), (-0.25, 4.0)),
    "all_at_once": (
        M1,
        affine_reparametrize(
            LatentModel(
                permute_components(add_zero_component(P0, 0, 1.0, 1.0), [3, 1, 0, 2]),
                rescale_hidden_unit(
                    permute_hidden_units(add_unit(F1, 0, 0.0, -2.0, [5.0, 1.0], True),
                                         [3, 0, 2, 1]),
                    2, 4.0),
                SIGMA),
            -1.5, 2.0),
        (-1.5, 2.0)),
}


@pytest.mark.parametrize("name", SYMMETRIC_PAIRS)
def test_symmetry_recognised(name):
    a, b, h = SYMMETRIC_PAIRS[name]
    res = assert_equivalent(a, b, expected_map=h)
    assert bool(res)
    # ... in both directions, with the inverse map.
    s, u = h
    assert_equivalent(b, a, expected_map=(1 / s, -u / s))


@pytest.mark.parametrize("name", SYMMETRIC_PAIRS)
def test_symmetric_pairs_have_the_same_law(name):
    """The independent check: the KL between the two laws of x vanishes both ways."""
    a, b, _ = SYMMETRIC_PAIRS[name]
    check = same_distribution(a, b)
    assert isinstance(check, DistributionCheck)
    assert check.same and bool(check), check
    assert abs(check.kl_ab) <= 1e-9 and abs(check.kl_ba) <= 1e-9


def test_symmetric_pairs_are_not_identical_parameters():
    """The table is not vacuous: model_b differs from model_a as parameters."""
    for name, (a, b, _) in SYMMETRIC_PAIRS.items():
        assert a != b, name


def test_inactive_unit_in_leaky_net_is_not_free():
    """With leaky ReLU, a unit with b = 0 and c < 0 outputs a * slope * c != 0: only the
    compensated version is a symmetry."""
    plain = with_net(M1, add_unit(F1, 1, 0.0, -0.8, -1.3))
    assert not models_equivalent(M1, plain).full
    assert not same_distribution(M1, plain).same


# -- every symmetry, on random models ------------------------------------------------------------


@given(model=models_1d(), data=st.data())
def test_random_permuted_components(model, data):
    perm = data.draw(st.permutations(range(model.prior.n_components)))
    assert_equivalent(model, with_prior(model, permute_components(model.prior, perm)), (1, 0))


@given(model=models_1d(), data=st.data())
def test_random_permuted_hidden_units(model, data):
    layer = hidden_layer(data.draw, model.net)
    perm = data.draw(st.permutations(range(model.net.weights[layer].shape[0])))
    other = with_net(model, permute_hidden_units(model.net, perm, layer))
    assert_equivalent(model, other, (1, 0))


@given(model=models_1d(), t=st.floats(0.05, 20.0), data=st.data())
def test_random_rescaled_hidden_unit(model, t, data):
    layer = hidden_layer(data.draw, model.net)
    unit = data.draw(st.integers(0, model.net.weights[layer].shape[0] - 1))
    other = with_net(model, rescale_hidden_unit(model.net, unit, t, layer))
    z = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(other.net(z), model.net(z), rtol=1e-12, atol=1e-12)
    assert_equivalent(model, other, (1, 0))


@given(model=models_1d(), data=st.data())
def test_random_vanishing_units(model, data):
    """Three kinds of units that change nothing, in a random hidden layer."""
    net = model.net
    layer = hidden_layer(data.draw, net)
    n_in, n_out = net.weights[layer].shape[1], net.weights[layer + 1].shape[0]
    vec = lambda n: data.draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n))  # noqa: E731
    c = data.draw(st.floats(-3, 3))
    dead = add_unit(net, layer, vec(n_in), c, 0.0)  # output weight 0, any b and c
    constant = add_unit(net, layer, 0.0, c, vec(n_out), compensate=True)  # b = 0, compensated
    for other in (dead, constant):
        assert_equivalent(model, with_net(model, other), (1, 0))
    if net.negative_slope == 0:  # b = 0 and c <= 0: a ReLU unit that is never active
        inactive = add_unit(net, layer, 0.0, -abs(c), vec(n_out))
        assert_equivalent(model, with_net(model, inactive), (1, 0))


@given(model=models_1d(), mean=st.floats(-50, 50), sd=st.floats(0.01, 30), data=st.data())
def test_random_zero_weight_component(model, mean, sd, data):
    position = data.draw(st.integers(0, model.prior.n_components))
    other = with_prior(model, add_zero_component(model.prior, position, mean, sd**2))
    assert_equivalent(model, other, (1, 0))
    assert_equivalent(other, model, (1, 0))


@given(
    model=models_1d(),
    scale=st.one_of(st.floats(-4, -0.25), st.floats(0.25, 4)),
    shift=st.floats(-3, 3),
)
def test_random_affine_reparametrisation(model, scale, shift):
    other = affine_reparametrize(model, scale, shift)
    assert_equivalent(model, other, (scale, shift))
    assert_equivalent(other, model, (1 / scale, -shift / scale))


@given(model=models_1d(max_hidden_layers=2, max_width=4), data=st.data(),
       scale=st.one_of(st.floats(-3, -0.3), st.floats(0.3, 3)), shift=st.floats(-2, 2))
@settings(max_examples=examples(15))
def test_random_composite_symmetry_same_law(model, data, scale, shift):
    """Several symmetries composed; both the parameter test and the law of x agree."""
    net = model.net
    layer = hidden_layer(data.draw, net)
    net = add_unit(net, layer, 0.0, 1.0, 0.5, compensate=True)
    net = permute_hidden_units(net, data.draw(st.permutations(range(net.weights[layer].shape[0]))),
                               layer)
    net = rescale_hidden_unit(net, 0, 2.5, layer)
    prior = add_zero_component(model.prior, 0, 3.0, 2.0)
    prior = permute_components(prior, data.draw(st.permutations(range(prior.n_components))))
    other = affine_reparametrize(LatentModel(prior, net, model.noise_std), scale, shift)
    assert_equivalent(model, other, (scale, shift))
    assert same_distribution(model, other).same


# -- generators: results and inputs -----------------------------------------------------------


def test_generators_leave_inputs_unchanged_and_compute_by_hand():
    before = (P0.weights.copy(), P0.means.copy(), F0.weights[0].copy(), F0.weights[1].copy())
    Q = permute_components(P0, [2, 0, 1])
    np.testing.assert_array_equal(Q.weights, [0.3, 0.2, 0.5])
    np.testing.assert_array_equal(Q.means[:, 0], [3.0, -2.0, 0.5])
    np.testing.assert_array_equal(Q.variances, [0.25, 0.5, 1.0])
    g = permute_hidden_units(F0, [1, 2, 0])
    np.testing.assert_array_equal(g.weights[0][:, 0], [-2.0, 0.5, 1.0])
    np.testing.assert_array_equal(g.biases[0], [1.0, -1.0, 0.5])
    np.testing.assert_array_equal(g.weights[1][0], [0.5, -1.5, 1.0])
    r = rescale_hidden_unit(F0, 1, 4.0)
    np.testing.assert_array_equal(r.weights[0][:, 0], [1.0, -8.0, 0.5])
    np.testing.assert_array_equal(r.biases[0], [0.5, 4.0, -1.0])
    np.testing.assert_array_equal(r.weights[1][0], [1.0, 0.125, -1.5])
    m = affine_reparametrize(M0, -2.0, 0.5)
    np.testing.assert_array_equal(m.prior.means[:, 0], [4.5, -0.5, -5.5])
    np.testing.assert_array_equal(m.prior.variances, [2.0, 4.0, 1.0])
    np.testing.assert_array_equal(m.net.weights[0][:, 0], [-0.5, 1.0, -0.25])
    np.testing.assert_array_equal(m.net.biases[0], [0.75, 0.5, -0.875])  # b - W u / s
    assert m.noise_std == SIGMA
    for arr, old in zip((P0.weights, P0.means, F0.weights[0], F0.weights[1]), before):
        np.testing.assert_array_equal(arr, old)


@given(model=models_1d(), scale=st.one_of(st.floats(-4, -0.25), st.floats(0.25, 4)),
       shift=st.floats(-3, 3))
def test_affine_reparametrize_composes_to_the_same_function(model, scale, shift):
    """f o h^-1 evaluated at h(z) is f(z)."""
    other = affine_reparametrize(model, scale, shift)
    z = np.linspace(-6, 6, 25)
    np.testing.assert_allclose(other.net(scale * z + shift), model.net(z), rtol=1e-9, atol=1e-9)


# -- affine maps between priors ----------------------------------------------------------------


#: Tolerance decisions are only compared away from their threshold: data whose mismatches fall
#: in this "grey zone" around affine_maps' atol = 1e-9 (relative to scale, within a factor of
#: a few) is skipped, as both answers would be defensible there.
GREY = (1e-12, 1e-6)


def mismatch(w1, mu1, var1, w2, mu2, var2):
    """Largest difference between matched components: weights absolute, variances relative,
    means relative to the scale (largest |mean| + largest sd) of the second mixture."""
    scale_mu = np.abs(mu2).max() + np.sqrt(var2.max())
    return max(np.abs(w1 - w2).max(), np.abs(mu1 - mu2).max() / scale_mu,
               (np.abs(var1 - var2) / var2).max())


def components(p):
    """(weights, means, variances) of p without zero weights, components closer than the grey
    zone merged, and whether two components were in the grey zone."""
    comps, grey = [], False
    for w, m, v in zip(p.weights, p.means[:, 0], p.variances):
        if w == 0:
            continue
        one = np.array([0.0]), np.array([m]), np.array([v])
        for c in comps:
            d = mismatch(*one, np.array([0.0]), np.array([c[1]]), np.array([c[2]]))
            grey |= in_grey_zone(d)
            if d <= GREY[0]:
                c[0] += w
                break
        else:
            comps.append([w, m, v])
    w, mu, var = (np.array(c) for c in zip(*comps))
    return (w, mu, var), grey


def in_grey_zone(value):
    return GREY[0] < value < GREY[1]


def brute_force_maps(p, q):
    """Every (s, u) pushing p onto q: try all permutations of q's components and both signs.

    Returns the maps and whether any decision (including near-duplicate components within p
    or q) fell in the grey zone.
    """
    (w_p, mu_p, var_p), grey_p = components(p)
    (w_q, mu_q, var_q), grey_q = components(q)
    grey = grey_p or grey_q
    if w_p.size != w_q.size:
        return [], grey
    found = []
    for perm in map(list, permutations(range(w_q.size))):
        for sign in (1.0, -1.0):
            s = sign * np.sqrt(var_q[perm][0] / var_p[0])
            u = mu_q[perm][0] - s * mu_p[0]
            d = mismatch(w_p, s * mu_p + u, s * s * var_p, w_q[perm], mu_q[perm], var_q[perm])
            grey |= in_grey_zone(d)
            if d <= GREY[0] and not any(np.allclose((s, u), m, rtol=0, atol=1e-9) for m in found):
                found.append((s, u))
    return sorted(found), grey


def assert_same_maps(got, ref):
    assert len(got) == len(ref), (got, ref)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def assert_brute_force_agrees(p, q):
    ref, grey = brute_force_maps(p, q)
    assume(not grey)
    got = affine_maps(p, q)
    assert_same_maps(got, ref)
    return got


def test_affine_maps_by_hand():
    assert affine_maps(P0, P0) == [(1.0, 0.0)]
    sym = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    assert affine_maps(sym, sym) == [(-1.0, 0.0), (1.0, 0.0)]
    # A single Gaussian onto another: exactly the two maps of matching scale.
    wide, unit = GaussianMixture([1.0], [1.0], [4.0]), GaussianMixture([1.0], [0.0], [1.0])
    assert affine_maps(wide, unit) == [(-0.5, 0.5), (0.5, -0.5)]
    # The two maps of Remark 3.6 that do exist: identity and mirror image.
    p, p_prime = remark_36_priors(0.25)
    assert affine_maps(p, p_prime) == []
    assert affine_maps(p, p) == [(1.0, 0.0)]
    mirror = GaussianMixture(p.weights, -p.means, p.covs)
    assert affine_maps(p, mirror) == [(-1.0, 0.0)]
    # Different numbers of (non-trivial) components, different weights.
    assert affine_maps(P0, GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])) == []
    assert affine_maps(P0, GaussianMixture([0.3, 0.4, 0.3], P0.means, P0.covs)) == []
    assert not priors_equivalent(P0, GaussianMixture([0.3, 0.4, 0.3], P0.means, P0.covs))
    assert priors_equivalent(P0, affine_reparametrize(M0, -7.0, 3.0).prior)


def test_affine_maps_canonicalises():
    """Zero weights are ignored (whatever their parameters) and equal components merged."""
    q = GaussianMixture([0.0, 0.25, 0.5, 0.25, 0.0], [9.0, 1.0, -2.0, 1.0, 1.0],
                        [0.1, 2.0, 1.0, 2.0, 5.0])
    p = GaussianMixture([0.5, 0.5], [-2.0, 1.0], [1.0, 2.0])
    assert affine_maps(p, q) == [(1.0, 0.0)]
    assert affine_maps(q, p) == [(1.0, 0.0)]


def test_affine_maps_tolerance():
    """One mean moved by 1e-7: not the same prior at atol = 1e-9, the same at 1e-6."""
    q = GaussianMixture(P0.weights, P0.means + [[0.0], [1e-7], [0.0]], P0.covs)
    assert affine_maps(P0, q) == []
    (s, u), = affine_maps(P0, q, atol=1e-6)
    assert s == 1.0 and abs(u) <= 1e-7
    # The tolerances are scale-free: the same answers for both priors shrunk by 1e-6.
    tiny = affine_reparametrize(M0, 1e-6, 0.0).prior
    tiny_q = GaussianMixture(q.weights, 1e-6 * q.means, 1e-12 * q.covs)
    assert affine_maps(tiny, tiny_q) == []
    assert len(affine_maps(tiny, tiny_q, atol=1e-6)) == 1


@given(prior=priors_1d(max_components=4), data=st.data(),
       scale=st.one_of(st.floats(-5, -0.2), st.floats(0.2, 5)), shift=st.floats(-5, 5))
def test_affine_maps_against_brute_force(prior, data, scale, shift):
    """h#P, permuted: h is found, and the whole list equals the brute-force list."""
    perm = data.draw(st.permutations(range(prior.n_components)))
    q = permute_components(
        GaussianMixture(prior.weights, scale * prior.means + shift, scale**2 * prior.covs), perm)
    got = assert_brute_force_agrees(prior, q)
    assert any(np.allclose(m, (scale, shift), rtol=1e-9, atol=1e-9) for m in got), got
    assert_brute_force_agrees(prior, prior)


@given(p=priors_1d(max_components=3), q=priors_1d(max_components=3))
def test_affine_maps_random_pairs_against_brute_force(p, q):
    assert_brute_force_agrees(p, q)


@given(p=priors_1d(max_components=3), data=st.data())
def test_affine_maps_symmetric_prior(p, data):
    """A prior symmetric about c (components mirrored) has the reflection z -> 2c - z."""
    c = data.draw(st.floats(-3, 3))
    w = np.concatenate([p.weights, p.weights]) / 2
    mu = np.concatenate([p.means[:, 0], 2 * c - p.means[:, 0]])
    sym = GaussianMixture(w, mu, np.concatenate([p.variances, p.variances]))
    assume(not components(sym)[1])  # no near-duplicates at the merging threshold
    got = affine_maps(sym, sym)
    assert (1.0, 0.0) in got
    # If a mirrored component lands within tolerance of another, maps within tolerance of
    # the reflection are as good: allow a few times atol = 1e-9 times the scale (<= 20).
    assert any(m[0] == -1.0 and abs(m[1] - 2 * c) <= 1e-7 for m in got), got


# -- decoders as functions --------------------------------------------------------------------


def test_decoders_match_by_hand():
    f = absval_net()
    assert decoders_match(f, f, 1.0, 0.0)
    assert decoders_match(f, f, -1.0, 0.0)  # |-z| = |z|
    assert not decoders_match(f, f, 1.0, 0.5)
    # Affine functions (no breakpoints): two points decide.
    lin = ReluNet([[[2.0]]], [[1.0]])
    assert decoders_match(lin, ReluNet([[[1.0]]], [[0.0]]), 2.0, 1.0)  # g(2z + 1) = 2z + 1
    assert not decoders_match(lin, ReluNet([[[1.0]]], [[0.0]]), 2.0, 1.5)
    # ReLU(2z) = 2 ReLU(z) for the same breakpoint; a net with a different n never matches.
    relu2 = ReluNet([[[2.0]], [[1.0]]], [[0.0], [0.0]])
    assert decoders_match(relu2, ReluNet([[[1.0]], [[2.0]]], [[0.0], [0.0]]), 1.0, 0.0)
    two_out = ReluNet([[[1.0]], [[1.0], [1.0]]], [[0.0], [0.0, 0.0]])
    assert not decoders_match(relu2, two_out, 1.0, 0.0)
    assert decoders_match(two_out, two_out, 1.0, 0.0)


def identity_plus_kink(where, size):
    """z + size * ReLU(z - where), with z = ReLU(z) - ReLU(-z): equal to z for z <= where."""
    return ReluNet([[[1.0], [-1.0], [1.0]], [[1.0, -1.0, size]]], [[0.0, 0.0, -where], [0.0]])


def test_decoders_equal_on_a_half_line_only():
    ident = ReluNet([[[1.0]]], [[0.0]])
    kink = identity_plus_kink(1e3, 1e-3)
    assert not decoders_match(ident, kink, 1.0, 0.0)  # differ only for z > 1000
    assert not decoders_match(kink, ident, 1.0, 0.0)
    f = absval_net()
    assert not decoders_match(f, ident, 1.0, 0.0)  # |z| = z only on z >= 0
    assert not decoders_match(f, ident, -1.0, 0.0)  # -z = |z| only on z <= 0


def add_kink(net, where, size):
    """``net(y) + size * s(y - where)``: a new unit in the first layer, carried through the
    later hidden layers unchanged on y >= where (s(t) = t for t >= 0); for y < where its
    output is ``size * slope^L (y - where)``, so the kink is real unless slope = 1."""
    ws, bs = [np.array(w) for w in net.weights], [np.array(b) for b in net.biases]
    ws[0], bs[0] = np.vstack([ws[0], [[1.0]]]), np.append(bs[0], -where)
    for i in range(1, net.n_layers):
        ws[i] = np.hstack([ws[i], np.zeros((ws[i].shape[0], 1))])
        if i < net.n_layers - 1:  # hidden: one more unit that copies the new one
            row = np.zeros((1, ws[i].shape[1]))
            row[0, -1] = 1.0
            ws[i], bs[i] = np.vstack([ws[i], row]), np.append(bs[i], 0.0)
        else:
            ws[i][:, -1] = size
    return ReluNet(ws, bs, negative_slope=net.negative_slope)


@given(model=models_1d(), scale=st.one_of(st.floats(-4, -0.25), st.floats(0.25, 4)),
       shift=st.floats(-3, 3), where=st.floats(-1e4, 1e4), size=st.floats(1e-4, 1.0))
def test_random_decoders_match_and_a_kink_anywhere_breaks_it(model, scale, shift, where, size):
    f = model.net
    g = affine_reparametrize(model, scale, shift).net
    assert decoders_match(f, g, scale, shift)
    z = np.linspace(-20, 20, 101)  # sanity: the claimed equality holds on a grid
    np.testing.assert_allclose(g(scale * z + shift), f(z), rtol=1e-9, atol=1e-9)
    # h shifted by 0.01 compares f(z + d) with f(z), |d| <= 0.04: they differ visibly if f
    # has a slope > 1e-3 on a piece longer than that (exact pieces: float ones may hold
    # spurious one-ulp pieces).
    pieces = pieces_1d(f, exact=True).as_float()
    if np.any((pieces.hi - pieces.lo >= 0.05) & (np.abs(pieces.slopes[:, 0]) > 1e-3)):
        assert not decoders_match(f, g, scale, shift + 0.01)
    kinked = add_kink(g, where, size)
    assert decoders_match(g, add_kink(g, where, 0.0), 1.0, 0.0)  # the helper is sound
    assert not decoders_match(f, kinked, scale, shift)
    assert not decoders_match(kinked, g, 1.0, 0.0)


# -- non-equivalent pairs ------------------------------------------------------------------------


def bias_changed(net, layer, unit, delta):
    bs = [np.array(b) for b in net.biases]
    bs[layer][unit] += delta
    return ReluNet(net.weights, bs, negative_slope=net.negative_slope)


N01 = GaussianMixture([1.0], [0.0], [1.0])

NON_EQUIVALENT = {
    # name -> (model_a, model_b, priors equivalent?)
    "different_weights": (M0, with_prior(M0, GaussianMixture([0.3, 0.4, 0.3], P0.means,
                                                               P0.covs)), False),
    "slope_differs": (  # 2 ReLU(z) vs 2.5 ReLU(z)
        LatentModel(N01, ReluNet([[[1.0]], [[2.0]]], [[0.0], [0.0]]), SIGMA),
        LatentModel(N01, ReluNet([[[1.0]], [[2.5]]], [[0.0], [0.0]]), SIGMA),
        True),
    "equal_on_half_line": (  # z vs z + ReLU(z - 1)
        LatentModel(N01, ReluNet([[[1.0]]], [[0.0]]), SIGMA),
        LatentModel(N01, identity_plus_kink(1.0, 1.0), SIGMA),
        True),
    "absval_vs_identity_symmetric_prior": (
        LatentModel(N01, absval_net(), SIGMA),
        LatentModel(N01, ReluNet([[[1.0]]], [[0.0]]), SIGMA),
        True),
    "one_bias_changed": (M0, with_net(M0, bias_changed(F0, 0, 1, 0.05)), True),
    "one_bias_changed_deep": (M1, with_net(M1, bias_changed(F1, 1, 0, 0.05)), True),
    "noise_differs": (M0, LatentModel(P0, F0, 0.31), True),
}


@pytest.mark.parametrize("name", NON_EQUIVALENT)
def test_non_equivalent_pairs(name):
    a, b, priors = NON_EQUIVALENT[name]
    for x, y in ((a, b), (b, a)):
        res = models_equivalent(x, y)
        assert isinstance(res, Equivalence)
        assert res.priors is priors and bool(res.maps) is priors
        assert not res.full and not bool(res)
        assert (res.map is not None) is (name == "noise_differs")
    check = same_distribution(a, b)
    assert not check.same and check.kl_ab > 1e-6 and check.kl_ba > 1e-6, check


@pytest.mark.parametrize("var", [0.25, 1.0])
def test_remark_36_same_law_but_not_equivalent(var):
    p, p_prime = remark_36_priors(var)
    a, b = LatentModel(p, absval_net(), SIGMA), LatentModel(p_prime, absval_net(), SIGMA)
    res = models_equivalent(a, b)
    assert res == Equivalence(priors=False, full=False, maps=(), map=None)
    assert same_distribution(a, b).same


@given(model=models_1d(), delta=st.sampled_from([-0.1, 0.1]))
def test_random_output_shift_is_not_equivalent(model, delta):
    """f + delta is never f o h^-1 for a self-map h of the prior (h has finite order)."""
    other = with_net(model, bias_changed(model.net, model.net.n_layers - 1, 0, delta))
    res = models_equivalent(model, other)
    assert res.priors and not res.full and res.map is None


# -- validation --------------------------------------------------------------------------------

P2D = GaussianMixture([1.0], [[0.0, 0.0]], [np.eye(2)])
NET2D = ReluNet([np.ones((2, 2)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)])
P4D = GaussianMixture([1.0], [np.zeros(4)], [np.eye(4)])
M4D = LatentModel(P4D, ReluNet([np.eye(4)], [np.zeros(4)]), 0.1)
AFFINE = ReluNet([[[1.0]]], [[0.0]])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: permute_components(P0, [0, 0, 1]),
         r"perm: expected a permutation of 0\.\.2 \(3 distinct integers\), found \[0, 0, 1\]"),
        (lambda: permute_components(P0, [0, 1]),
         r"perm: expected a permutation .* found \[0, 1\]"),
        (lambda: permute_components(P0, [0.0, 1.0, 2.0]), r"perm: .* found \[0\.0, 1\.0, 2\.0\]"),
        (lambda: permute_components("P", [0]), r"prior: expected a GaussianMixture, found str"),
        (lambda: permute_hidden_units(F0, [0, 1, 2], layer=1),
         r"layer: expected hidden layer index in 0\.\.0, found 1"),
        (lambda: permute_hidden_units(F0, [0, 1, 2], layer=True),
         r"layer: expected an integer hidden layer index, found True"),
        (lambda: permute_hidden_units(F1, [0, 1, 2], layer=1),
         r"perm: expected a permutation of 0\.\.1 .* found \[0, 1, 2\]"),
        (lambda: permute_hidden_units(AFFINE, [0]),
         r"net: expected a network with a hidden layer, found an affine map"),
        (lambda: permute_hidden_units(M0, [0]), r"net: expected a ReluNet, found LatentModel"),
        (lambda: rescale_hidden_unit(F0, 0, 0.0), r"t: expected a finite number > 0, found 0\.0"),
        (lambda: rescale_hidden_unit(F0, 0, -2), r"t: expected a finite number > 0, found -2\.0"),
        (lambda: rescale_hidden_unit(F0, 0, np.inf),
         r"t: expected a finite number > 0, found inf"),
        (lambda: rescale_hidden_unit(F0, 3, 1.0), r"unit: expected unit index in 0\.\.2, found 3"),
        (lambda: rescale_hidden_unit(F0, 0.5, 1.0),
         r"unit: expected an integer unit index, found 0\.5"),
        (lambda: rescale_hidden_unit(F1, 0, 1.0, layer=2),
         r"layer: expected hidden layer index in 0\.\.1, found 2"),
        (lambda: affine_reparametrize(M0, 0.0, 1.0),
         r"scale: expected a finite nonzero number, found 0\.0"),
        (lambda: affine_reparametrize(M0, "2", 1.0),
         r"scale: expected a finite nonzero number, found '2'"),
        (lambda: affine_reparametrize(M0, 1.0, np.nan),
         r"shift: expected a finite number, found nan"),
        (lambda: affine_reparametrize(P0, 1.0, 0.0),
         r"model: expected a LatentModel, found Gauss"),
        (lambda: affine_maps(P0, "Q"), r"prior_b: expected a GaussianMixture, found str"),
        (lambda: affine_maps(P0, P0, atol=-1),
         r"atol: expected a finite number >= 0, found -1\.0"),
        (lambda: priors_equivalent(F0, P0), r"prior_a: expected a GaussianMixture, found ReluNet"),
        (lambda: decoders_match(F0, P0, 1.0, 0.0),
         r"g: expected a ReluNet, found GaussianMixture"),
        (lambda: decoders_match(F0, F0, 0, 0.0),
         r"scale: expected a finite nonzero number, found 0"),
        (lambda: decoders_match(F0, F0, 1.0, np.inf),
         r"shift: expected a finite number, found inf"),
        (lambda: models_equivalent(M0, P0), r"model_b: expected a LatentModel, found Gaussian"),
        (lambda: models_equivalent(M0, M0, atol=np.nan), r"atol: expected a finite number >= 0"),
        (lambda: same_distribution(M0, M0, tol=0.0),
         r"tol: expected a finite number > 0, found 0\.0"),
        (lambda: same_distribution(F0, M0), r"model_a: expected a LatentModel, found ReluNet"),
        (lambda: affine_reparametrize(LatentModel(P2D, NET2D, 0.1), 1.0, 0.0),
         r"scale: expected an invertible \(2, 2\) matrix \(m = 2\), found a number"),
        (lambda: affine_reparametrize(LatentModel(P2D, NET2D, 0.1), [[1, 2], [2, 4]], [0, 0]),
         r"scale: expected an invertible matrix"),
        (lambda: affine_reparametrize(LatentModel(P2D, NET2D, 0.1), np.eye(2), [0.0]),
         r"shift: expected shape \(2,\), found \(1,\)"),
    ],
)
def test_validation_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: affine_maps(P4D, P4D), r"m <= 3"),
        (lambda: decoders_match(NET2D, F0, 1.0, 0.0), r"f: .* input dimension 1 only, found 2"),
        (lambda: models_equivalent(M4D, M4D), r"m in \{1, 2\} is supported"),
        (lambda: models_equivalent(LatentModel(P2D, NET2D, 0.1), M0), r"prior_a: .* m = 2"),
        (lambda: same_distribution(M0, LatentModel(P0, F0, 0.0)),
         r"model_b: same_distribution needs noise_std > 0, found 0"),
    ],
)
def test_not_implemented(call, match):
    with pytest.raises(NotImplementedError, match=match):
        call()


def test_noise_free_models_compare_by_parameters():
    """models_equivalent needs no density, so sigma = 0 works."""
    a = LatentModel(P0, F0, 0.0)
    assert models_equivalent(a, affine_reparametrize(a, -1.0, 2.0)).full


def test_public_api():
    """The names of the former exactid.equivalence module live on in exactid.identifiability."""
    assert set(identifiability.__all__) >= {
        "permute_components", "permute_hidden_units", "rescale_hidden_unit",
        "affine_reparametrize", "affine_maps", "priors_equivalent", "decoders_match",
        "Equivalence", "models_equivalent", "DistributionCheck", "same_distribution",
        "PushforwardComparison", "same_pushforward",
    }
    for name in identifiability.__all__:
        assert getattr(identifiability, name).__doc__


# -- tolerances at their boundaries (each found unguarded by a mutation run) -------------------
RELU = ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]])


def shifted_relu(where, plus):
    """ReLU(z - where) + plus."""
    return ReluNet([[[1.0]], [[1.0]]], [[-where], [plus]])


def test_exact_equality_is_accepted_at_zero_tolerance():
    assert affine_maps(P0, P0, atol=0.0) == affine_maps(P0, P0)
    assert decoders_match(F0, F0, 1.0, 0.0, atol=0.0)
    assert decoders_match(absval_net(), absval_net(), -1.0, 0.0, atol=0.0)
    assert models_equivalent(M0, M0, atol=0.0).full


def test_variance_tolerance_is_relative():
    # atol = 1e-9 relative: 5e-10 relative apart is equal, 2e-9 is not, at every scale.
    for v in (1e-4, 1.0, 1e4):
        p = GaussianMixture([1.0], [0.0], [v])
        assert affine_maps(p, GaussianMixture([1.0], [0.0], [v * (1 + 5e-10)])) != []
        q = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [v, v])
        q2 = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [v, v * (1 + 2e-9)])
        assert affine_maps(q, q2) == []


def test_a_prior_with_more_components_is_never_an_image():
    one = GaussianMixture([1.0], [0.0], [1.0])
    two = GaussianMixture([0.5, 0.5], [0.0, 3.0], [1.0, 1.0])
    assert affine_maps(one, two) == [] and affine_maps(two, one) == []


def test_outputs_of_different_dimension_never_match():
    # g = (ReLU, ReLU) equals ReLU in each coordinate, but the functions differ in n.
    double = ReluNet([[[1.0]], [[1.0], [1.0]]], [[0.0], [0.0, 0.0]])
    assert not decoders_match(RELU, double, 1.0, 0.0)
    assert not decoders_match(double, RELU, 1.0, 0.0)


def test_values_are_compared_at_the_preimages_of_the_breakpoints_of_g():
    # g(y) = f((y - 3) / 2) + a triangle bump on y in [20, 24]: equal at every breakpoint of f,
    # at z = 0, at h(z) = 0 and on both rays; only the preimages (t - 3) / 2 of g's own
    # breakpoints t = 20, 22, 24 see the bump.
    f = absval_net()
    g = ReluNet(
        [[[0.5], [-0.5], [1.0], [1.0], [1.0]], [[1.0, 1.0, 1.0, -2.0, 1.0]]],
        [[-1.5, 1.5, -20.0, -22.0, -24.0], [0.0]],
    )
    assert decoders_match(f, ReluNet([[[0.5], [-0.5]], [[1.0, 1.0]]], [[-1.5, 1.5], [0.0]]),
                          2.0, 3.0)
    assert not decoders_match(f, g, 2.0, 3.0)


def test_values_are_also_compared_where_the_tolerance_is_tightest():
    # The tolerance at a point is atol (1 + size of the terms there), and sizes grow with |z|
    # and |h(z)|.  A constant difference of 1.5e-3 at atol = 1e-9 hides behind sizes of 2e6 or
    # more everywhere except at z = 0 (first pair: size 1e6 there) or at h(z) = 0 (second
    # pair).
    f = shifted_relu(1e6, 0.0)
    assert decoders_match(f, shifted_relu(0.0, 0.0), 1.0, -1e6)
    assert not decoders_match(f, shifted_relu(0.0, 1.5e-3), 1.0, -1e6)
    # Second pair, with s = 2: g(y) = ReLU(y / 2 - 1e6) + d; h(z) = 0 at z = -1e6 only.
    def halved(plus):
        return ReluNet([[[0.5]], [[1.0]]], [[-1e6], [plus]])

    assert decoders_match(RELU, halved(0.0), 2.0, 2e6)
    assert not decoders_match(RELU, halved(1.5e-3), 2.0, 2e6)


def test_slope_tolerance_is_relative_to_the_product_of_the_absolute_weights():
    # z = ReLU(z) - ReLU(-z): the slope bound is |1|*|1| + |1|*|1| = 2, so the outer slopes
    # may differ by atol (1 + 2) = 3e-9 at atol = 1e-9; the values agree at the only
    # breakpoint (0), so the rays alone decide.
    ident = ReluNet([[[1.0], [-1.0]], [[1.0, -1.0]]], [[0.0, 0.0], [0.0]])

    def times(c):
        return ReluNet([[[1.0], [-1.0]], [[c, -c]]], [[0.0, 0.0], [0.0]])

    assert decoders_match(ident, times(1 + 2.5e-9), 1.0, 0.0)
    assert not decoders_match(ident, times(1 + 3.5e-9), 1.0, 0.0)
    # Biases do not enter the slope bound: z + 5 (a constant unit) keeps the bound 2.
    plus5 = ReluNet([[[1.0], [-1.0], [0.0]], [[1.0, -1.0, 1.0]]], [[0.0, 0.0, 5.0], [0.0]])
    plus5_times = ReluNet([[[1.0], [-1.0], [0.0]], [[1 + 3.5e-9, -1 - 3.5e-9, 1.0]]],
                          [[0.0, 0.0, 5.0], [0.0]])
    assert not decoders_match(plus5, plus5_times, 1.0, 0.0)
    # The bound of g is scaled by |s| and added to, not subtracted from: g(y) = c (y / 4) written
    # with a cancelling pair 10 ReLU(y) - 10 ReLU(y) has slope bound 20.5, times s = 4: 82.

    def cancelling(c):
        return ReluNet([[[1.0], [-1.0], [1.0], [1.0]], [[c / 4, -c / 4, 10.0, -10.0]]],
                       [[0.0] * 4, [0.0]])

    assert decoders_match(ident, cancelling(1 + 5e-8), 4.0, 0.0)
    assert not decoders_match(ident, cancelling(1 + 1e-7), 4.0, 0.0)


def test_noise_tolerance_is_atol_times_one_plus_sigma():
    def with_noise(sigma):
        return LatentModel(P0, F0, sigma)

    assert models_equivalent(with_noise(0.0), with_noise(5e-10)).full
    assert not models_equivalent(with_noise(0.0), with_noise(2e-9)).full
    assert models_equivalent(with_noise(1e3), with_noise(1e3 * (1 + 5e-10))).full
    assert not models_equivalent(with_noise(1e3), with_noise(1e3 * (1 + 3e-9))).full


def test_the_reported_map_is_the_first_one_that_matches():
    # |z| under the symmetric prior: both z -> -z and z -> z work; the first (sorted) is kept.
    m = LatentModel(GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0]), absval_net(), SIGMA)
    res = models_equivalent(m, m)
    assert res.maps == ((-1.0, 0.0), (1.0, 0.0)) and res.map == (-1.0, 0.0)


def test_decoders_match_refuses_a_negative_tolerance():
    with pytest.raises(ValueError, match=r"atol: expected a finite number >= 0, found -1\.0"):
        decoders_match(F0, F0, 1.0, 0.0, atol=-1.0)


def test_exactly_equal_components_merge_at_zero_tolerance():
    single = GaussianMixture([1.0], [0.5], [2.0])
    doubled = GaussianMixture([0.25, 0.75], [0.5, 0.5], [2.0, 2.0])
    # One Gaussian is symmetric about its mean: z -> z and z -> 1 - z.
    assert affine_maps(doubled, single, atol=0.0) == [(-1.0, 1.0), (1.0, 0.0)]


def test_value_tolerance_counts_the_biases_and_starts_at_one():
    # At z = 0 the terms of ReLU(z) + 1e6 have size 1e6 (the bias): a difference of 5e-4 is
    # rounding at atol = 1e-9.  Without a bias the size there is 0 and the tolerance atol * 1:
    # 5e-10 passes, 1.5e-9 does not.
    assert decoders_match(shifted_relu(0.0, 1e6), shifted_relu(0.0, 1e6 + 5e-4), 1.0, 0.0)
    assert not decoders_match(shifted_relu(0.0, 1e6), shifted_relu(0.0, 1e6 + 5e-3), 1.0, 0.0)
    assert decoders_match(RELU, shifted_relu(0.0, 5e-10), 1.0, 0.0)
    assert not decoders_match(RELU, shifted_relu(0.0, 1.5e-9), 1.0, 0.0)


def test_equivalence_results_are_immutable():
    import dataclasses

    res = models_equivalent(M0, M0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.full = False


# -- m = 2: prior maps (prior_maps) and decoders compared on their cells (decoders_2d) --------
P2 = GaussianMixture([0.375, 0.625], [[-0.5, 0.0], [0.5, 0.5]],
                     [np.diag([0.25, 1.0]), [[0.5, 0.125], [0.125, 0.25]]])
F2D = ReluNet([[[1.0, 0.5], [-0.5, 1.0], [0.25, -1.0]], [[1.0, -0.5, 0.5], [0.5, 1.0, -1.0]]],
              [[0.0, 0.25, -0.5], [0.0, 0.5]], 0.25)
M2 = LatentModel(P2, F2D, 0.3)


@pytest.mark.parametrize("matrix, shift", [
    ([[2.0, 0.0], [0.0, -0.5]], [1.0, 0.25]),     # dyadic: exact
    ([[0.6, -0.8], [0.8, 0.6]], [0.0, 0.0]),       # rotation, rounded weights
    ([[1.0, 0.5], [0.0, 1.0]], [-1.0, 0.0]),       # shear
])
def test_models_equivalent_2d_recognises_remark_37(matrix, shift):
    other = affine_reparametrize(M2, np.array(matrix), np.array(shift))
    result = models_equivalent(M2, other)
    assert result.priors and result.full
    np.testing.assert_allclose(result.map.matrix, matrix, atol=1e-9)
    np.testing.assert_allclose(result.map.shift, shift, atol=1e-9)


def test_models_equivalent_2d_separates_decoder_and_noise():
    w = [w.copy() for w in F2D.weights]
    w[1][0, 2] += 2.0**-20  # one output weight, changed far below sampling resolution
    changed = LatentModel(P2, ReluNet(w, F2D.biases, 0.25), 0.3)
    result = models_equivalent(M2, changed)
    assert result.priors and not result.full and result.map is None
    noisier = models_equivalent(M2, LatentModel(P2, F2D, 0.31))
    assert noisier.priors and not noisier.full and noisier.map is not None
    other_prior = GaussianMixture([0.5, 0.5], P2.means, P2.covs)
    assert not models_equivalent(M2, LatentModel(other_prior, F2D, 0.3)).priors
