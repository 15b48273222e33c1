"""Decoders with m = 2 compared exactly on their cells (exactid.identifiability.decoders_2d).

References: parameter symmetries that must match (permuted and rescaled units, h = identity,
exact affine reparametrisations, a leaky net with invertible layers); changes that must not
(a weight moved by 2^-30, a bump confined to a strip 1000 away from the origin), each witness
checked by an independent forward pass of the networks in floats and in Fractions; and, for
random one-hidden-layer nets and rational maps, a brute-force decision: the difference
f - g o h is affine on each face of the arrangement of all the units' lines, so it vanishes
everywhere iff it vanishes at the arrangement's vertices, where the lines cross a box holding
them all, and at the box's corners (computed here from the weights alone, without the
polygons of exactid.regions).
"""

from __future__ import annotations

import doctest
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import GaussianMixture, LatentModel, ReluNet
from exactid.errors import LimitExceeded
from exactid.identifiability import (
    affine_reparametrize,
    decoders_2d,
    permute_hidden_units,
    rescale_hidden_unit,
)
from exactid.identifiability.decoders_2d import (
    DecoderComparison,
    decoders_match_2d,
    models_equivalent_2d,
)
from exactid.regions import polygons_2d
from tests.budget import examples

EYE, ZERO = [[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]

#: 2 -> 5 -> 4 -> 3, small dyadic weights: every product below is exact in float64.
F0 = ReluNet(
    [[[1.0, -0.5], [0.25, 1.0], [-1.0, -0.75], [0.5, 0.5], [-0.25, 1.5]],
     [[1.0, -0.5, 0.25, 0.0, 1.0], [0.5, 1.0, -1.0, 0.25, 0.0], [-0.5, 0.25, 0.5, 1.0, -1.0],
      [0.0, 0.5, 1.0, -0.25, 0.5]],
     [[1.0, -1.0, 0.5, 0.25], [0.5, 0.25, -1.0, 1.0], [-0.25, 1.0, 0.5, -0.5]]],
    [[0.5, -0.25, 1.0, -1.0, 0.0], [0.25, -0.5, 0.0, 0.5], [0.0, 0.5, -0.25]],
)
#: One hidden layer: F0's first layer and a dyadic output layer.
F1 = ReluNet([F0.weights[0], [[1.0, -0.5, 0.25, 0.5, -1.0], [0.5, 1.0, 0.0, -1.0, 0.25],
                              [-0.25, 0.5, 1.0, 0.0, 0.5]]],
             [F0.biases[0], [0.0, 0.5, -0.25]])
#: A leaky 2 -> 2 -> 2 -> 2 net with invertible layers (an injective decoder).
LEAKY = ReluNet([[[1.0, 0.5], [-0.5, 1.0]], [[2.0, -1.0], [0.5, 0.25]], [[1.0, 0.25], [0.0, 1.0]]],
                [[0.25, -0.5], [0.0, 1.0], [0.5, -0.25]], negative_slope=0.25)
#: A dyadic map with a dyadic inverse (det 1): [[2, 1], [0, 1/2]]^-1 = [[1/2, -1], [0, 2]].
M_DYADIC, U_DYADIC = np.array([[2.0, 1.0], [0.0, 0.5]]), np.array([0.25, -1.5])
PRIOR = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [1.0, -1.0]], [np.eye(2), np.eye(2)])


def exact_eval(net: ReluNet, z) -> tuple:
    """The network at a rational point, in Fractions, layer by layer (no polygons)."""
    x = [Fraction(c) for c in z]
    slope = Fraction(net.negative_slope)
    for k, (w, b) in enumerate(zip(net.weights, net.biases)):
        x = [sum((Fraction(float(wij)) * xj for wij, xj in zip(row, x)), Fraction(0))
             + Fraction(float(bi)) for row, bi in zip(w, b)]
        if k < net.n_layers - 1:
            x = [v if v > 0 else slope * v for v in x]
    return tuple(x)


def apply_map(matrix, shift, z) -> tuple:
    a = [[Fraction(x) for x in row] for row in np.asarray(matrix, dtype=object)]
    b = [Fraction(x) for x in np.asarray(shift, dtype=object)]
    return tuple(a[i][0] * z[0] + a[i][1] * z[1] + b[i] for i in range(2))


def assert_real_witness(result, f, g, matrix, shift):
    """The witness is a point where f and g o h differ, by exact and by float evaluation."""
    assert not result.match and result.witness is not None
    w = result.witness
    y = apply_map(matrix, shift, w.z)
    assert exact_eval(f, w.z) == w.f_value
    assert exact_eval(g, y) == w.g_value
    assert w.f_value != w.g_value
    z_float = np.array([float(c) for c in w.z])
    y_float = np.asarray(matrix, dtype=float) @ z_float + np.asarray(shift, dtype=float)
    gap = np.abs(f(z_float[None])[0] - g(y_float[None])[0]).max()
    # Float rounding of both evaluations is ~1e-16 of the terms (|z| <~ 1e3 here): far below
    # every difference planted by these tests.
    assert gap > 0
    # The exact value rounded once against the float forward pass at the rounded point.
    np.testing.assert_allclose(w.arrays()[1], f(z_float[None])[0], rtol=1e-12, atol=1e-12)
    return gap


# -- (a) symmetries that must match, exactly --------------------------------------------------


@pytest.mark.parametrize("net", [F0, LEAKY], ids=["relu", "leaky"])
def test_identity_map_matches_itself(net):
    result = decoders_match_2d(net, net, EYE, ZERO)
    assert isinstance(result, DecoderComparison)
    assert result.match and result.exact and result.witness is None and bool(result)
    # Every cell of f overlaps at least its own copy.
    assert result.pairs_checked >= len(polygons_2d(net))


def test_permuted_and_rescaled_units_match():
    g = permute_hidden_units(F0, [3, 0, 4, 1, 2], layer=0)
    g = permute_hidden_units(g, [2, 3, 1, 0], layer=1)
    g = rescale_hidden_unit(g, 1, 4.0, layer=0)  # powers of 2: the rescaling is exact
    g = rescale_hidden_unit(g, 2, 0.125, layer=1)
    assert decoders_match_2d(F0, g, EYE, ZERO).match


@pytest.mark.parametrize("net", [F0, LEAKY], ids=["relu", "leaky"])
def test_exact_affine_reparametrisation_matches(net):
    # g = f o h^-1 (affine_reparametrize folds h^-1 into the first layer, exactly here):
    # then g(h(z)) = f(z), i.e. decoders_match_2d(f, g, M, u).
    g = affine_reparametrize(LatentModel(PRIOR, net, 0.1), M_DYADIC, U_DYADIC).net
    assert decoders_match_2d(net, g, M_DYADIC, U_DYADIC, atol=0.0).match
    # The inverse direction, with the exact rational inverse map h^-1(y) = M^-1 (y - u).
    inv = np.array([[Fraction(1, 2), Fraction(-1)], [Fraction(0), Fraction(2)]], dtype=object)
    assert decoders_match_2d(g, net, inv, -inv.dot(U_DYADIC.astype(object))).match
    # A map that is not h: must fail, with a real counterexample.
    other = decoders_match_2d(net, g, M_DYADIC, U_DYADIC + [0.0, 2.0**-20])
    assert_real_witness(other, net, g, M_DYADIC, U_DYADIC + [0.0, 2.0**-20])


def test_fractional_map_that_no_float_represents():
    # h(z) = (z1 / 3, z2) and g(y) = relu(3 y1) + relu(-y2): g(h(z)) = relu(z1) + relu(-z2).
    f = ReluNet([[[1.0, 0.0], [0.0, -1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    g = ReluNet([[[3.0, 0.0], [0.0, -1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    third = [[Fraction(1, 3), 0], [0, 1]]
    assert decoders_match_2d(f, g, third, [0, 0]).match
    # The float nearest to 1/3 is not 1/3: the exact comparison sees it.
    assert not decoders_match_2d(f, g, [[1 / 3, 0.0], [0.0, 1.0]], ZERO).match
    assert decoders_match_2d(f, g, [[1 / 3, 0.0], [0.0, 1.0]], ZERO, atol=1e-12).match


# -- (b) changes that must not match ----------------------------------------------------------


@pytest.mark.parametrize("layer, index", [(0, (2, 1)), (1, (1, 3)), (2, (0, 2))])
def test_dyadic_perturbation_is_seen(layer, index):
    weights = [np.array(w) for w in F0.weights]
    weights[layer][index] += 2.0**-30
    g = ReluNet(weights, F0.biases)
    result = decoders_match_2d(F0, g, EYE, ZERO)
    assert not result.match and result.exact
    gap = assert_real_witness(result, F0, g, EYE, ZERO)
    assert gap <= 2.0**-30 * 50  # the planted size: a tiny difference, not a broken witness


def bump_net(base: ReluNet, at: float) -> ReluNet:
    """base plus a tent relu(t) - 2 relu(t - 1) + relu(t - 2), t = z1 - at, on output 0: equal
    to base outside the strip at < z1 < at + 2."""
    w0 = np.vstack([base.weights[0], [[1.0, 0.0]] * 3])
    b0 = np.concatenate([base.biases[0], [-at, -at - 1.0, -at - 2.0]])
    tent = np.zeros((base.output_dim, 3))
    tent[0] = [1.0, -2.0, 1.0]
    return ReluNet([w0, np.hstack([base.weights[1], tent])], [b0, base.biases[1]])


def test_change_far_away_is_seen():
    f = F1
    g = bump_net(f, 1000.0)
    zs = np.random.default_rng(0).normal(scale=100.0, size=(10_000, 2))
    assert np.array_equal(f(zs), g(zs))  # invisible to sampling near the origin
    for atol in (0.0, 1e-9):
        result = decoders_match_2d(f, g, EYE, ZERO, atol=atol)
        assert not result.match and result.exact == (atol == 0.0)
        assert_real_witness(result, f, g, EYE, ZERO)
        assert 1000 < result.witness.z[0] < 1002


def test_vertices_beyond_the_float_range():
    # Lines z1 = 0 and z1 + 1e-200 z2 = 1e200 meet at z2 = 1e400: exact geometry is unaffected,
    # the float bounding boxes and tolerances see +-inf there.
    f = ReluNet([[[1.0, 0.0], [1.0, 1e-200], [0.0, 1.0]], [[1.0, -1.0, 0.5]]],
                [[0.0, -1e200, 0.0], [0.0]])
    far = [c.polygon.vertices for c in polygons_2d(f)]
    assert any(abs(v[1]) > Fraction(10) ** 399 for vs in far for v in vs)
    for atol in (0.0, 1e-9):
        assert decoders_match_2d(f, f, EYE, ZERO, atol=atol).match
    g = ReluNet(f.weights, [f.biases[0], [2.0**-30]])
    result = decoders_match_2d(f, g, EYE, ZERO)
    assert not result.match and not brute_force_match(f, g, EYE, ZERO)
    assert_real_witness(result, f, g, EYE, ZERO)


# -- tolerance mode -----------------------------------------------------------------------------


def test_rounded_reparametrisation_matches_within_tolerance():
    rng = np.random.default_rng(3)
    f = ReluNet([rng.normal(size=(6, 2)), rng.normal(size=(2, 6))],
                [rng.normal(size=6), rng.normal(size=2)])
    m, u = np.array([[1.3, 0.4], [-0.7, 0.9]]), np.array([0.3, -1.1])
    g = affine_reparametrize(LatentModel(PRIOR, f, 0.1), m, u).net
    # W M^-1 was rounded: the boundary lines of g o h are a rounding away from f's, which
    # leaves slivers where different pieces meet; the tolerance must absorb them.
    loose = decoders_match_2d(f, g, m, u, atol=1e-9)
    assert loose.match and not loose.exact
    assert loose.pairs_checked > len(polygons_2d(f))  # the slivers were compared
    assert_real_witness(decoders_match_2d(f, g, m, u), f, g, m, u)


def test_tiny_rotation_leaves_unbounded_slivers_within_tolerance():
    t = 1e-13  # h rotates the plane by ~1e-13: every line through a cell moves
    rot = np.array([[1.0, -t], [t, 1.0]])
    assert decoders_match_2d(F0, F0, rot, ZERO, atol=1e-9).match
    assert not decoders_match_2d(F0, F0, rot, ZERO).match
    assert not decoders_match_2d(F0, F0, [[1.0, -1e-6], [1e-6, 1.0]], ZERO, atol=1e-9).match


def documented_size(net: ReluNet, magnitude) -> float:
    """The size of decoders_match_2d's docstring: |z| through |W| and |b|, largest output."""
    size = np.asarray(magnitude, dtype=float)
    for w, b in zip(net.weights, net.biases):
        size = np.abs(w) @ size + np.abs(b)
    return float(size.max())


@pytest.mark.parametrize("change", ["bias", "slope far away"])
def test_tolerance_mode_rejects_real_differences(change):
    if change == "bias":
        g = ReluNet(F1.weights, [F1.biases[0], F1.biases[1] + [1e-6, 0.0, 0.0]])
    else:
        # g = f + 1e-6 relu(z1 - 1000) on output 0: zero on the line z1 = 1000, so only the
        # slope along the recession directions of the far regions shows it.
        out = np.hstack([F1.weights[1], [[1e-6], [0.0], [0.0]]])
        g = ReluNet([np.vstack([F1.weights[0], [[1.0, 0.0]]]), out],
                    [np.concatenate([F1.biases[0], [-1000.0]]), F1.biases[1]])
    result = decoders_match_2d(F1, g, EYE, ZERO, atol=1e-9)
    assert not result.match and not result.exact
    assert_real_witness(result, F1, g, EYE, ZERO)
    w = result.witness
    mag = [abs(float(c)) for c in w.z]
    tol = 1e-9 * (1 + max(documented_size(F1, mag), documented_size(g, mag)))
    assert float(max(abs(a - b) for a, b in zip(w.f_value, w.g_value))) > tol
    if change != "bias":
        assert w.z[0] > 1000


# -- (c) brute force on random one-hidden-layer nets -------------------------------------------


def unit_lines(net: ReluNet, matrix, shift) -> list:
    """The lines w . h(z) + c = 0 of the hidden units, in z, exactly: (a1, a2, rhs)."""
    a = [[Fraction(x) for x in row] for row in np.asarray(matrix, dtype=object)]
    b = [Fraction(x) for x in np.asarray(shift, dtype=object)]
    lines = []
    for (w1, w2), c in zip(net.weights[0], net.biases[0]):
        w1, w2, c = Fraction(float(w1)), Fraction(float(w2)), Fraction(float(c))
        a1, a2 = w1 * a[0][0] + w2 * a[1][0], w1 * a[0][1] + w2 * a[1][1]
        if a1 != 0 or a2 != 0:
            lines.append((a1, a2, -(c + w1 * b[0] + w2 * b[1])))
    return lines


def reference_points(lines) -> list:
    """Vertices of the arrangement, its lines' crossings with a box that holds every vertex
    and meets every line, and the box's corners."""
    vertices = []
    for i, (a1, a2, r) in enumerate(lines):
        for c1, c2, s in lines[i + 1:]:
            det = a1 * c2 - a2 * c1
            if det != 0:
                vertices.append(((r * c2 - s * a2) / det, (a1 * s - c1 * r) / det))
    feet = [(a1 * r / (a1 * a1 + a2 * a2), a2 * r / (a1 * a1 + a2 * a2)) for a1, a2, r in lines]
    big = 2 * (1 + max([abs(c) for p in vertices + feet for c in p], default=0))
    points = vertices + [(sx * big, sy * big) for sx in (-1, 1) for sy in (-1, 1)]
    for a1, a2, r in lines:
        for side in (-big, big):
            if a2 != 0 and abs((r - a1 * side) / a2) <= big:
                points.append((side, (r - a1 * side) / a2))
            if a1 != 0 and abs((r - a2 * side) / a1) <= big:
                points.append(((r - a2 * side) / a1, side))
    return points


def brute_force_match(f, g, matrix, shift) -> bool:
    lines = unit_lines(f, EYE, ZERO) + unit_lines(g, matrix, shift)
    return all(exact_eval(f, z) == exact_eval(g, apply_map(matrix, shift, z))
               for z in reference_points(lines))


half = st.integers(-4, 4).map(lambda k: k / 2)


@st.composite
def one_layer_nets(draw, slope=None):
    width = draw(st.integers(1, 4))
    w0 = draw(st.lists(st.lists(half, min_size=2, max_size=2), min_size=width, max_size=width))
    w1 = draw(st.lists(st.lists(half, min_size=width, max_size=width), min_size=2, max_size=2))
    b0 = draw(st.lists(half, min_size=width, max_size=width))
    b1 = draw(st.lists(half, min_size=2, max_size=2))
    if slope is None:
        slope = draw(st.sampled_from([0.0, 0.25]))
    return ReluNet([w0, w1], [b0, b1], negative_slope=slope)


rational = st.builds(Fraction, st.integers(-4, 4), st.sampled_from([1, 2, 3, 4]))


@st.composite
def cases(draw):
    """(f, g, A, b): g random; f = g o h folded into the first layer (rounded to float when a
    product is not a float), then maybe permuted, rescaled, perturbed, or an unrelated net."""
    g = draw(one_layer_nets())
    a = draw(st.lists(st.lists(rational, min_size=2, max_size=2), min_size=2, max_size=2)
             .filter(lambda m: m[0][0] * m[1][1] != m[0][1] * m[1][0]))
    b = draw(st.lists(rational, min_size=2, max_size=2))
    kind = draw(st.sampled_from(["fold", "fold", "perturb", "unrelated"]))
    if kind == "unrelated":
        return draw(one_layer_nets(g.negative_slope)), g, a, b
    w0 = [[Fraction(float(w1)) * a[0][k] + Fraction(float(w2)) * a[1][k] for k in range(2)]
          for w1, w2 in g.weights[0]]
    b0 = [Fraction(float(c)) + Fraction(float(w1)) * b[0] + Fraction(float(w2)) * b[1]
          for (w1, w2), c in zip(g.weights[0], g.biases[0])]
    w0, b0, w1 = np.array(w0, dtype=float), np.array(b0, dtype=float), np.array(g.weights[1])
    if kind == "perturb":
        w1[draw(st.integers(0, 1)), draw(st.integers(0, w1.shape[1] - 1))] += 0.125
    perm = draw(st.permutations(range(w0.shape[0])))
    scale = draw(st.sampled_from([0.5, 1.0, 4.0]))  # powers of 2: exact rescaling
    w0, b0, w1 = w0[perm] * scale, b0[perm] * scale, w1[:, perm] / scale
    return ReluNet([w0, w1], [b0, g.biases[1]], negative_slope=g.negative_slope), g, a, b


@settings(max_examples=examples(40))
@given(cases())
def test_verdict_equals_brute_force(case):
    f, g, a, b = case
    result = decoders_match_2d(f, g, a, b)
    assert result.match == brute_force_match(f, g, a, b)
    if result.match:
        assert result.witness is None
        assert result.pairs_checked >= max(len(polygons_2d(f)), len(polygons_2d(g)))
    else:
        w = result.witness
        assert exact_eval(f, w.z) == w.f_value != w.g_value
        assert exact_eval(g, apply_map(a, b, w.z)) == w.g_value


def test_brute_force_reference_sees_a_far_bump():
    # The reference itself must not be a sampler: it catches the bump 1000 away.
    assert brute_force_match(F1, F1, EYE, ZERO)
    assert not brute_force_match(F1, bump_net(F1, 1000.0), EYE, ZERO)


# -- models -------------------------------------------------------------------------------------


def test_models_equivalent_2d_finds_the_right_map():
    model_a = LatentModel(PRIOR, F0, 0.1)
    model_b = affine_reparametrize(model_a, M_DYADIC, U_DYADIC)
    wrong = SimpleNamespace(matrix=np.eye(2), shift=np.zeros(2))
    right = SimpleNamespace(matrix=M_DYADIC, shift=U_DYADIC)
    found, comparisons = models_equivalent_2d(model_a, model_b, [wrong, right], atol=0.0)
    assert found is right
    assert [c.match for c in comparisons] == [False, True]
    found, comparisons = models_equivalent_2d(model_a, model_b, [wrong], atol=1e-9)
    assert found is None and len(comparisons) == 1
    assert_real_witness(comparisons[0], F0, model_b.net, np.eye(2), np.zeros(2))
    # Different output dimensions: no map can match, nothing is compared.
    model_c = LatentModel(PRIOR, F1, 0.1)
    model_d = LatentModel(PRIOR, ReluNet([F1.weights[0], F1.weights[1][:2]],
                                         [F1.biases[0], F1.biases[1][:2]]), 0.1)
    assert models_equivalent_2d(model_c, model_d, [right]) == (None, ())


def test_docstring_examples_hold():
    result = doctest.testmod(decoders_2d, extraglobs={"ReluNet": ReluNet})
    assert result.attempted >= 3 and result.failed == 0


# -- (d) argument errors ------------------------------------------------------------------------


NET_1D = ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]])


@pytest.mark.parametrize("kwargs, match", [
    (dict(f="net"), r"f: expected a ReluNet, found str"),
    (dict(f=NET_1D), r"f: expected a ReluNet with input dimension 2, found input dimension 1"),
    (dict(g=NET_1D), r"g: expected a ReluNet with input dimension 2, found input dimension 1"),
    (dict(g=ReluNet([[[1.0, 0.0]]], [[0.0]])),
     r"g: expected output dimension 3 \(that of f\), found 1"),
    (dict(matrix=[1.0, 0.0]), r"matrix: expected an invertible \(2, 2\) matrix, found shape"),
    (dict(matrix=[[1.0, 2.0], [0.5, 1.0]]), r"matrix: .* found a singular matrix"),
    (dict(matrix=[[1.0, np.nan], [0.0, 1.0]]), r"matrix: expected finite numbers, found nan"),
    (dict(matrix=[[1.0, True], [0.0, 1.0]]), r"matrix: .* found entry True"),
    (dict(matrix="eye"), r"matrix: expected an invertible \(2, 2\) matrix, found 'eye'"),
    (dict(matrix=[[1.0, 0.0], [0.0]]), r"matrix: expected an invertible \(2, 2\) matrix"),
    (dict(shift=[0.0, 0.0, 0.0]), r"shift: expected a vector of shape \(2,\), found shape"),
    (dict(shift=[np.inf, 0.0]), r"shift: expected finite numbers, found inf"),
    (dict(atol=-1e-9), r"atol: expected a finite number >= 0, found -1e-09"),
    (dict(max_pairs=0), r"max_pairs: expected an integer >= 1, found 0"),
])
def test_argument_errors(kwargs, match):
    args = dict(f=F0, g=F0, matrix=EYE, shift=ZERO) | kwargs
    with pytest.raises(ValueError, match=match):
        decoders_match_2d(**args)


def test_work_bound():
    cells = len(polygons_2d(F0))
    with pytest.raises(LimitExceeded, match=rf"{cells * cells} pairs .* max_pairs = 10 "
                                            r"\(MAX_CELL_PAIRS\)") as info:
        decoders_match_2d(F0, F0, EYE, ZERO, max_pairs=10)
    assert info.value.limit == "MAX_CELL_PAIRS"
    assert decoders_match_2d(F0, F0, EYE, ZERO, max_pairs=cells * cells).match


def test_models_argument_errors():
    model = LatentModel(PRIOR, F0, 0.1)
    model_1d = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), NET_1D, 0.1)
    with pytest.raises(ValueError, match=r"model_b: expected a LatentModel, found ReluNet"):
        models_equivalent_2d(model, F0, [])
    with pytest.raises(ValueError, match=r"model_a.net: expected a ReluNet with input "
                                         r"dimension 2, found input dimension 1"):
        models_equivalent_2d(model_1d, model, [])
    with pytest.raises(ValueError, match=r"maps\[1\]: expected an object with .matrix and "
                                         r".shift, found tuple"):
        models_equivalent_2d(model, model, [SimpleNamespace(matrix=EYE, shift=ZERO), (EYE,)])
    with pytest.raises(ValueError, match=r"maps: expected an iterable of objects with .matrix "
                                         r"and .shift, found int"):
        models_equivalent_2d(model, model, 3)
    with pytest.raises(ValueError, match=r"matrix: .* found a singular matrix"):
        models_equivalent_2d(model, model, [SimpleNamespace(matrix=np.zeros((2, 2)),
                                                            shift=ZERO)])
