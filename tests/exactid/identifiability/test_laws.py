"""Exact comparison of laws of x: exactid.identifiability.same_pushforward.

References, independent of the code under test:

* equal laws by construction: every parameter symmetry (permutations, rescaling by a power of
  two, zero-weight components, dead units, affine reparametrisation), built with dyadic numbers
  so that the float parameters of both models are exactly the rationals the symmetry requires;
  and the non-affine Remark 3.6 pair of paper 003 (|z| is even, so mirroring one component does
  not change the law);
* different laws: the KL divergence of :func:`exactid.same_distribution` (adaptive quadrature)
  wherever it is resolvable, and for a pair that differs only far in a tail (KL ~ 1e-20, below
  double precision) the 40-digit KL of :func:`exactid.reference.mp_kl_divergence`;
* for a strictly monotone decoder, f#P determines P, so changing P must change the law.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import GaussianMixture, LatentModel, ReluNet, pieces_1d
from exactid.identifiability import (
    PushforwardComparison,
    affine_reparametrize,
    permute_components,
    permute_hidden_units,
    rescale_hidden_unit,
    same_distribution,
    same_pushforward,
)
from tests.budget import examples

from ..float_models import absval_net

SIGMA = 0.25

# -- dyadic fixtures (every float operation of the symmetries below is exact) --------------------

P0 = GaussianMixture([0.25, 0.5, 0.25], [-2.0, 0.5, 3.0], [0.5, 1.0, 0.25])
F0 = ReluNet([[[1.0], [-2.0], [0.5]], [[1.0, 0.5, -1.5]]], [[0.5, 1.0, -1.0], [0.25]])
F1 = ReluNet(
    [[[1.0], [-1.0], [2.0]], [[1.0, -0.5, 0.25], [0.5, 1.0, -1.0]], [[1.0, -2.0]]],
    [[0.0, 1.0, -1.0], [0.5, -0.25], [0.125]],
    negative_slope=0.25,
)
M0 = LatentModel(P0, F0, SIGMA)
M1 = LatentModel(P0, F1, SIGMA)


def with_prior(model, prior):
    return LatentModel(prior, model.net, model.noise_std)


def with_net(model, net):
    return LatentModel(model.prior, net, model.noise_std)


def with_noise(model, sigma):
    return LatentModel(model.prior, model.net, sigma)


def add_unit(net, w_in, bias, w_out):
    """Append a unit to the first hidden layer."""
    ws, bs = [np.array(w) for w in net.weights], [np.array(b) for b in net.biases]
    ws[0] = np.vstack([ws[0], [[w_in]]])
    bs[0] = np.append(bs[0], bias)
    ws[1] = np.hstack([ws[1], np.full((ws[1].shape[0], 1), w_out)])
    return ReluNet(ws, bs, negative_slope=net.negative_slope)


def remark_36(var=1.0, sigma=SIGMA, net=None):
    """Paper 003, Remark 3.6: f = |z|, P and P' differ by the sign of one mean."""
    net = absval_net() if net is None else net
    p = GaussianMixture(np.ones(3) / 3, [-2.0, -1.0, 3.0], [var] * 3)
    p_prime = GaussianMixture(np.ones(3) / 3, [-2.0, 1.0, 3.0], [var] * 3)
    return LatentModel(p, net, sigma), LatentModel(p_prime, net, sigma)


def sym_flat(a, b):
    """Even decoder |z| with a flat stretch at height a for a <= |z| <= b (two atoms' worth of
    flat pieces at the same x = a)."""
    w0 = [[1.0], [-1.0], [1.0], [-1.0], [1.0], [-1.0]]
    b0 = [0.0, 0.0, -a, -a, -b, -b]
    return ReluNet([w0, [[1.0, 1.0, -1.0, -1.0, 1.0, 1.0]]], [b0, [0.0]])


#: max(0, |z| - 1): flat on [-1, 1] (an atom at x = 0 when sigma = 0), even.
DEADZONE = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[-1.0, -1.0], [0.0]])
#: min(max(z, 0), 1): two flat rays.
CLAMP = ReluNet([[[1.0], [1.0]], [[1.0, -1.0]]], [[0.0, -1.0], [0.0]])
REMARK_A, REMARK_B = remark_36()

#: name -> (model_a, model_b): the same law of x by construction.
SAME = {
    "identical": (M0, M0),
    "permuted_components": (M0, with_prior(M0, permute_components(P0, [2, 0, 1]))),
    "permuted_units": (M0, with_net(M0, permute_hidden_units(F0, [1, 2, 0]))),
    "permuted_units_layer1_leaky": (M1, with_net(M1, permute_hidden_units(F1, [1, 0], 1))),
    "rescaled_unit_t2": (M0, with_net(M0, rescale_hidden_unit(F0, 1, 2.0))),
    "rescaled_unit_t_half_leaky_layer1": (M1, with_net(M1, rescale_hidden_unit(F1, 0, 0.5, 1))),
    "zero_weight_component": (M0, with_prior(M0, GaussianMixture(
        [0.25, 0.0, 0.5, 0.25], [-2.0, 7.0, 0.5, 3.0], [0.5, 3.0, 1.0, 0.25]))),
    "split_component": (M0, with_prior(M0, GaussianMixture(
        [0.25, 0.25, 0.25, 0.25], [-2.0, 0.5, 3.0, 0.5], [0.5, 1.0, 0.25, 1.0]))),
    "dead_unit_zero_output": (M0, with_net(M0, add_unit(F0, 2.0, -1.0, 0.0))),
    "dead_unit_never_active": (M0, with_net(M0, add_unit(F0, 0.0, -1.0, 3.0))),
    "affine_reflection": (M0, affine_reparametrize(M0, -1.0, 0.75)),
    "affine_reflection_deep_leaky": (M1, affine_reparametrize(M1, -1.0, -2.5)),
    "affine_scale_minus_2": (M0, affine_reparametrize(M0, -2.0, 0.75)),
    "affine_scale_half": (M0, affine_reparametrize(M0, 0.5, -1.25)),
    "affine_deep_leaky": (M1, affine_reparametrize(M1, -0.5, 2.0)),
    "all_at_once": (M1, affine_reparametrize(LatentModel(
        permute_components(GaussianMixture([0.25, 0.0, 0.5, 0.25], [-2.0, 1.0, 0.5, 3.0],
                                           [0.5, 1.0, 1.0, 0.25]), [3, 1, 0, 2]),
        rescale_hidden_unit(permute_hidden_units(add_unit(F1, 1.0, 0.5, 0.0), [3, 0, 2, 1]),
                            2, 4.0),
        SIGMA), -4.0, 0.5)),
    # Remark 3.6: equal laws without any affine relation.
    "remark_3_6": (REMARK_A, REMARK_B),
    "remark_3_6_var_quarter": remark_36(var=0.25),
    # Flat pieces: mirrored component through an even decoder with a dead zone (atoms).
    "deadzone_mirrored_component": remark_36(net=DEADZONE),
    "deadzone_mirrored_component_no_noise": remark_36(net=DEADZONE, sigma=0.0),
    "clamp_reflected": (LatentModel(P0, CLAMP, SIGMA),
                        affine_reparametrize(LatentModel(P0, CLAMP, SIGMA), -1.0, 0.5)),
    "clamp_reflected_no_noise": (LatentModel(P0, CLAMP, 0.0),
                                 affine_reparametrize(LatentModel(P0, CLAMP, 0.0), -1.0, 0.5)),
    "flat_stretch_mirrored_near": (LatentModel(GaussianMixture([1.0], [0.5], [1.0]),
                                               sym_flat(1.0, 2.0), 0.0),
                                   LatentModel(GaussianMixture([1.0], [-0.5], [1.0]),
                                               sym_flat(1.0, 2.0), 0.0)),
    # A constant decoder: every prior gives the same law (a point mass, blurred by the noise).
    "constant_decoder_any_prior": (
        LatentModel(P0, ReluNet([[[0.0]]], [[1.5]]), SIGMA),
        LatentModel(GaussianMixture([1.0], [9.0], [4.0]), ReluNet([[[0.0]]], [[1.5]]), SIGMA)),
}


def shift_mean(model, j, delta):
    mu = model.prior.means[:, 0].copy()
    mu[j] += delta
    return with_prior(model, GaussianMixture(model.prior.weights, mu, model.prior.variances))


def negrelu(c):
    """-ReLU(z - c)."""
    return ReluNet([[[1.0]], [[-1.0]]], [[-c], [0.0]])


#: Tail-only pair: z ~ N(-2, 0.25) reaches the kink at 1 (6 sd) or 1.5 (7 sd) with probability
#: ~1e-9: the laws differ, but their KL divergence (~1e-20) is far below double precision.
TAIL_A = LatentModel(GaussianMixture([1.0], [-2.0], [0.25]), negrelu(1.0), SIGMA)
TAIL_B = LatentModel(GaussianMixture([1.0], [-2.0], [0.25]), negrelu(1.5), SIGMA)

#: name -> (model_a, model_b): different laws.
DIFFERENT = {
    "mean_shifted": (M0, shift_mean(M0, 1, 0.5)),
    "weights_changed": (M0, with_prior(M0, GaussianMixture([0.5, 0.25, 0.25], [-2.0, 0.5, 3.0],
                                                           [0.5, 1.0, 0.25]))),
    "variance_changed": (M0, with_prior(M0, GaussianMixture([0.25, 0.5, 0.25], [-2.0, 0.5, 3.0],
                                                            [0.5, 2.0, 0.25]))),
    "output_weight_changed": (M0, with_net(M0, ReluNet(
        [[[1.0], [-2.0], [0.5]], [[1.0, 0.75, -1.5]]], [[0.5, 1.0, -1.0], [0.25]]))),
    "output_bias_changed": (M0, with_net(M0, ReluNet(
        [[[1.0], [-2.0], [0.5]], [[1.0, 0.5, -1.5]]], [[0.5, 1.0, -1.0], [0.5]]))),
    "leaky_slope_changed": (M1, with_net(M1, ReluNet(F1.weights, F1.biases, 0.5))),
    "remark_3_6_with_relu": remark_36(net=ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]])),
    "reflected_prior_only": (M0, with_prior(M0, GaussianMixture(
        [0.25, 0.5, 0.25], [2.0, -0.5, -3.0], [0.5, 1.0, 0.25]))),
    "affine_reparam_of_another_model": (M0, affine_reparametrize(M1, -2.0, 0.75)),
    "deadzone_vs_absval": (LatentModel(P0, DEADZONE, SIGMA), LatentModel(P0, absval_net(), SIGMA)),
    "constant_decoders_at_different_values": (
        LatentModel(P0, ReluNet([[[0.0]]], [[1.5]]), SIGMA),
        LatentModel(P0, ReluNet([[[0.0]]], [[1.0]]), SIGMA)),
    "atom_location_no_noise": (LatentModel(P0, CLAMP, 0.0),
                               LatentModel(P0, ReluNet([[[1.0], [1.0]], [[1.0, -1.0]]],
                                                       [[0.0, -2.0], [0.0]]), 0.0)),
    "tail_only": (TAIL_A, TAIL_B),
}


@pytest.mark.parametrize("name", list(SAME))
def test_same_law(name):
    a, b = SAME[name]
    for x, y in ((a, b), (b, a)):
        res = same_pushforward(x, y)
        assert isinstance(res, PushforwardComparison)
        assert res.same is True and bool(res) and res.witness == "", res


@pytest.mark.parametrize("name", [n for n in SAME if SAME[n][0].noise_std > 0])
def test_same_law_agrees_with_kl(name):
    a, b = SAME[name]
    assert same_distribution(a, b, tol=1e-9).same


@pytest.mark.parametrize("name", DIFFERENT)
def test_different_law(name):
    a, b = DIFFERENT[name]
    for x, y in ((a, b), (b, a)):
        res = same_pushforward(x, y)
        assert res.same is False and not res, res
        assert isinstance(res.witness, str) and res.witness.strip()


@pytest.mark.parametrize("name", [n for n in DIFFERENT if DIFFERENT[n][0].noise_std > 0
                                  and n != "tail_only"])
def test_different_law_agrees_with_kl(name):
    """Clearly different pairs: the KL divergence resolves them (> 1e-8)."""
    a, b = DIFFERENT[name]
    check = same_distribution(a, b, tol=1e-9)
    assert not check.same
    assert max(check.kl_ab, check.kl_ba) > 1e-8


def test_tail_only_pair_has_positive_kl_in_40_digits():
    """The laws differ (the 40-digit KL is positive beyond its error) though the KL is far
    below what double-precision quadrature resolves; same_pushforward separates them."""
    from exactid.reference import mp_kl_divergence

    value, error = mp_kl_divergence(TAIL_A, TAIL_B)
    assert value > 100 * error and value > 0
    assert value < 1e-15  # the reason it needs 40 digits
    assert not same_pushforward(TAIL_A, TAIL_B)


def test_witness_names_the_interval():
    res = same_pushforward(TAIL_A, TAIL_B)
    # The decoders first differ on x < 0 (the images of the rising pieces z > 1 and z > 1.5).
    assert "(-inf, 0)" in res.witness


def test_atom_witness_without_noise():
    a, b = DIFFERENT["constant_decoders_at_different_values"]
    res = same_pushforward(with_noise(a, 0.0), with_noise(b, 0.0))
    # Constant decoders at different values: each model puts all its mass on one atom.
    assert not res and res.witness == "atom at x = 1: masses 0.0 and 1.0"


@pytest.mark.parametrize("a, b, m", [(8.0, 9.0, 0.5), (10.0, 11.0, 1.5), (20.0, 21.0, 0.5)])
def test_far_atom_mirrored_component(a, b, m):
    # An even decoder maps N(m, 1) and N(-m, 1) to the same law (Remark 3.6 with one
    # component): the atom at x = a gets mass P(a <= |z| <= b) in both models.
    net = sym_flat(a, b)
    pa = LatentModel(GaussianMixture([1.0], [m], [1.0]), net, 0.0)
    pb = LatentModel(GaussianMixture([1.0], [-m], [1.0]), net, 0.0)
    res = same_pushforward(pa, pb)
    assert res.same, res.witness


def _relu_sum(shifts):
    """z -> sum_s ReLU(z - s): a convex decoder with a breakpoint at every shift."""
    n = len(shifts)
    return ReluNet([np.ones((n, 1)), np.ones((1, n))], [-np.asarray(shifts, float), [0.0]])


@pytest.mark.parametrize("order", ["ab", "ba"])
def test_a_breakpoint_of_either_model_separates_the_laws(order):
    """ReLU(z) and ReLU(z) + ReLU(z - 2) agree for z < 2 and differ beyond the second model's
    breakpoint at x = 2: the comparison must cut at the breakpoints of both models, in either
    argument order (the true KL is about 0.0035, resolved by quadrature)."""
    prior = GaussianMixture([1.0], [0.0], [1.0])
    one = LatentModel(prior, _relu_sum([0.0]), SIGMA)
    two = LatentModel(prior, _relu_sum([0.0, 2.0]), SIGMA)
    a, b = (one, two) if order == "ab" else (two, one)
    res = same_pushforward(a, b)
    assert not res and "(2, inf)" in res.witness
    kl = same_distribution(a, b)
    assert not kl.same and min(kl.kl_ab, kl.kl_ba) > 1e-3


def test_atom_masses_are_compared_not_only_their_locations():
    """Atoms at the same locations with different masses differ; equal masses (to 1e-40
    relative) and locations agree; a location present on one side only differs."""
    import mpmath as mp

    from exactid.identifiability.laws import _first_different_atom

    with mp.workdps(50):
        third = mp.mpf(1) / 3
        same = {0: third, 1: 1 - third}
        assert _first_different_atom(same, dict(same)) is None
        moved = {0: third + mp.mpf(10) ** -30, 1: 1 - third - mp.mpf(10) ** -30}
        assert _first_different_atom(same, moved) == (
            "atom at x = 0: masses 0.33333333 and 0.33333333")
        assert "x = 1" in _first_different_atom({0: third}, {0: third, 1: mp.mpf(0.5)})
        # The resolution is 1e-40 relative: 3e-41 counts as equal, 3e-40 as different.
        close = {0: third * (1 + 3 * mp.mpf(10) ** -41), 1: 1 - third}
        assert _first_different_atom(same, close) is None
        apart = {0: third * (1 + 3 * mp.mpf(10) ** -40), 1: 1 - third}
        assert _first_different_atom(same, apart).startswith("atom at x = 0")
        # A location on one side only has mass 0 on the other.
        assert _first_different_atom({2: third}, {}) == (
            "atom at x = 2: masses 0.33333333 and 0.0")
        assert _first_different_atom({}, {2: third}) == (
            "atom at x = 2: masses 0.0 and 0.33333333")


@pytest.mark.parametrize("lo, hi", [(20, 21), (-21, -20), (-1, 2), (None, -30), (30, None)])
def test_atom_masses_in_50_digits_in_both_tails(lo, hi):
    """The mass of a flat piece [lo, hi] under 0.25 N(0, 1) + 0.75 N(1, 4), against mpmath's
    normal CDF at 120 digits: 1e-40 relative also far in either tail, where the difference of
    two probabilities near 1 would cancel every digit."""
    from fractions import Fraction

    import mpmath as mp

    from exactid.identifiability.laws import _atom_masses

    prior = GaussianMixture([0.25, 0.75], [0.0, 1.0], [1.0, 4.0])
    model = LatentModel(prior, _relu_sum([0.0]), SIGMA)
    ends = tuple(None if e is None else Fraction(e) for e in (lo, hi))

    def cdf(end, mu, sd, at_infinity):
        return mp.mpf(at_infinity) if end is None else mp.ncdf((mp.mpf(end) - mu) / sd)

    with mp.workdps(120):
        ref = (mp.mpf(0.25) * (cdf(hi, 0, 1, 1) - cdf(lo, 0, 1, 0))
               + mp.mpf(0.75) * (cdf(hi, 1, 2, 1) - cdf(lo, 1, 2, 0)))
    with mp.workdps(50):
        got = _atom_masses(model, [(Fraction(7), *ends)])
    assert set(got) == {Fraction(7)}
    assert abs(got[Fraction(7)] - ref) <= mp.mpf(10) ** -40 * ref


@pytest.mark.parametrize("kl_ab, kl_ba, same", [
    (1.5e-9, 2e-9, True),     # both within tol + error = 2e-9 (the bound itself included)
    (2e-9, 1.5e-9, True),
    (-1.9e-9, 0.5e-9, True),  # |KL| counts: a negative rounding of 0
    (2.5e-9, 0.5e-9, False),  # a -> b outside
    (0.5e-9, 2.5e-9, False),  # b -> a outside
])
def test_same_distribution_allows_each_kl_its_quadrature_error(monkeypatch, kl_ab, kl_ba, same):
    """The rule: same iff |KL| <= tol + error in each direction (the error is part of the
    allowance, not subtracted from it), with each quadrature run at tol / 10."""
    from exactid.divergence import Integral
    from exactid.identifiability import laws

    calls = []

    def fake_kl(p, q, tol):
        calls.append(tol)
        return Integral(value=kl_ab if len(calls) == 1 else kl_ba, error=1e-9, n_evals=1)

    monkeypatch.setattr(laws, "kl_divergence", fake_kl)
    result = same_distribution(M0, M0, tol=1e-9)
    assert result.same is same
    assert (result.kl_ab, result.kl_ba, result.error_ab, result.error_ba) == (
        kl_ab, kl_ba, 1e-9, 1e-9)
    assert calls == [1e-10, 1e-10]


@pytest.mark.parametrize("tol, message", [
    (1e-3, None),
    (1.0000001e-3, "tol: expected at most 0.001"),
    (0.0, r"tol: expected a finite number > 0, found 0.0"),
    (-1e-9, r"tol: expected a finite number > 0, found -1e-09"),
])
def test_same_distribution_tolerance_range(tol, message):
    """tol in (0, MAX_KL_TOL] = (0, 1e-3]: the bound itself is accepted."""
    from exactid.identifiability.laws import MAX_KL_TOL

    assert MAX_KL_TOL == 1e-3
    if message is None:
        assert same_distribution(M0, M0, tol=tol).same
    else:
        with pytest.raises(ValueError, match=message):
            same_distribution(M0, M0, tol=tol)


# -- validation ----------------------------------------------------------------------------------


def test_different_noise_raises():
    with pytest.raises(NotImplementedError, match="equal noise_std, found 0.25 and 0.5"):
        same_pushforward(M0, with_noise(M0, 0.5))
    with pytest.raises(NotImplementedError, match="equal noise_std, found 0.5 and 0.25"):
        same_pushforward(with_noise(M0, 0.5), M0)


def test_results_are_immutable():
    import dataclasses

    for result in (same_pushforward(M0, M0), same_distribution(M0, M0)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.same = not result.same


@pytest.mark.parametrize("bad, name", [(P0, "model_a"), (F0, "model_a"), (None, "model_a")])
def test_non_model_raises(bad, name):
    with pytest.raises(ValueError, match=f"{name}: expected a LatentModel, found"):
        same_pushforward(bad, M0)
    with pytest.raises(ValueError, match="model_b: expected a LatentModel, found"):
        same_pushforward(M0, bad)


def test_two_dimensional_model_raises():
    prior = GaussianMixture([1.0], [[0.0, 0.0]], [np.eye(2)])
    net = ReluNet([[[1.0, 0.5], [0.0, 1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    m2 = LatentModel(prior, net, SIGMA)
    with pytest.raises(NotImplementedError, match="model_b: same_pushforward supports m = n = 1"):
        same_pushforward(M0, m2)
    wide = LatentModel(P0, ReluNet([[[1.0]], [[1.0], [2.0]]], [[0.0], [0.0, 0.0]]), SIGMA)
    with pytest.raises(NotImplementedError, match="model_a: same_pushforward supports m = n = 1"):
        same_pushforward(wide, M0)


# -- random dyadic models ------------------------------------------------------------------------

DYADIC_W = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
DYADIC_B = st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0])
QUARTERS = st.integers(-12, 12).map(lambda k: k / 4)  # multiples of 1/4 in [-3, 3]
SCALES = st.sampled_from([-4.0, -2.0, -1.0, -0.5, -0.25, 0.25, 0.5, 1.0, 2.0, 4.0])


@st.composite
def dyadic_models(draw, sigma=SIGMA, leaky=False):
    n_hidden = draw(st.integers(1, 2))
    widths = [1] + [draw(st.integers(1, 3)) for _ in range(n_hidden)] + [1]
    weights, biases = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        weights.append(np.reshape(draw(st.lists(DYADIC_W, min_size=n_in * n_out,
                                                max_size=n_in * n_out)), (n_out, n_in)))
        biases.append(np.array(draw(st.lists(DYADIC_B, min_size=n_out, max_size=n_out))))
    slopes = [0.25, 0.5] if leaky else [0.0, 0.0, 0.25]
    net = ReluNet(weights, biases, negative_slope=draw(st.sampled_from(slopes)))
    n = draw(st.integers(1, 3))
    counts = np.array(draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)), float)
    means = draw(st.lists(QUARTERS, min_size=n, max_size=n))
    var = draw(st.lists(st.sampled_from([0.25, 0.5, 1.0, 2.0]), min_size=n, max_size=n))
    return LatentModel(GaussianMixture(counts / counts.sum(), means, var), net, sigma)


def has_flat_piece(net) -> bool:
    return any(a == 0 for a in pieces_1d(net, exact=True).slopes[:, 0])


@given(dyadic_models(leaky=True), st.sampled_from([-1.0, 1.0]), QUARTERS)
def test_reflection_and_shift_is_same_law(model, s, u):
    other = affine_reparametrize(model, s, u)
    assert same_pushforward(model, other).same
    assert same_pushforward(other, model).same


@given(dyadic_models(leaky=True), SCALES, QUARTERS)
def test_affine_reparametrisation_is_same_law(model, s, u):
    other = affine_reparametrize(model, s, u)
    assert same_pushforward(model, other).same
    assert same_pushforward(other, model).same


def test_scaled_pair_by_hand():
    """Models related by a scaling (|s| != 1) of z, with independent references: z ~ N(0, 1/4)
    through ReLU(z) and z ~ N(0, 1) through ReLU(z / 2) give the same law (h(z) = 2 z); the
    KL divergence is 0 and the exact densities agree."""
    from exactid import log_pdf

    a = LatentModel(GaussianMixture([1.0], [0.0], [0.25]), ReluNet([[[1.0]], [[1.0]]],
                                                                  [[0.0], [0.0]]), SIGMA)
    b = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), ReluNet([[[0.5]], [[1.0]]],
                                                                 [[0.0], [0.0]]), SIGMA)
    x = np.linspace(-2.0, 3.0, 11)
    np.testing.assert_allclose(log_pdf(a, x), log_pdf(b, x), rtol=1e-14)
    assert same_distribution(a, b).same


def test_scaled_pair_by_hand_same_pushforward():
    a = LatentModel(GaussianMixture([1.0], [0.0], [0.25]), ReluNet([[[1.0]], [[1.0]]],
                                                                  [[0.0], [0.0]]), SIGMA)
    b = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), ReluNet([[[0.5]], [[1.0]]],
                                                                 [[0.0], [0.0]]), SIGMA)
    res = same_pushforward(a, b)
    assert res.same, res.witness


def strictly_monotone(net) -> bool:
    """From the exact pieces: all slopes of one strict sign."""
    slopes = pieces_1d(net, exact=True).slopes[:, 0]
    return all(a > 0 for a in slopes) or all(a < 0 for a in slopes)


@settings(max_examples=examples(20))
@given(dyadic_models(), st.data())
def test_shifted_mean_is_different_law(model, data):
    j = data.draw(st.integers(0, model.prior.n_components - 1))
    other = shift_mean(model, j, 0.5)
    res = same_pushforward(model, other)
    assert res.same == same_pushforward(other, model).same
    assert res.same or res.witness
    # A strictly monotone f is injective, so f#P determines P, and the prior has changed.
    if strictly_monotone(model.net):
        assert not res.same
    # Wherever the KL divergence resolves the difference, the exact test must see it; and an
    # exact "same" must have KL 0 up to quadrature error.
    check = same_distribution(model, other, tol=1e-9)
    if not check.same:
        assert not res.same
    if res.same:
        assert check.same


@settings(max_examples=examples(20))
@given(dyadic_models(), dyadic_models())
def test_random_pairs_agree_with_kl(a, b):
    res = same_pushforward(a, b)
    assert res.same == same_pushforward(b, a).same
    check = same_distribution(a, b, tol=1e-9)
    if not check.same:
        assert not res.same and res.witness
    if res.same:
        assert check.same


@pytest.mark.parametrize("which", ["model_a", "model_b"])
def test_same_distribution_refuses_noiseless_models(which):
    noiseless = with_noise(M0, 0.0)
    a, b = (noiseless, M0) if which == "model_a" else (M0, noiseless)
    with pytest.raises(NotImplementedError, match=f"{which}: same_distribution needs noise_std"):
        same_distribution(a, b)
