"""Exact linear regions of m-D ReLU / leaky-ReLU networks (exactid.regions).

References are independent of the splitting: the network's own float forward pass at dense
grid and random points (``ReluNet.__call__``, ``evaluate_pattern``), the exact rational 1-D
pieces of :func:`exactid.regions.pieces_1d`, closed-form counts of hyperplane arrangements in
general position (``sum_{i<=m} C(k, i)`` cells, ``C(k-1, m)`` of them bounded), hand-built
nets with known maps, and brute-force intersections of first-layer hyperplanes for the box.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from exactid import ReluNet, pieces_1d, regions
from exactid.regions import (
    Regions,
    bounding_box,
    cell_vertices,
    evaluate_pattern,
    linear_regions,
)
from tests.budget import examples

from ..float_models import nets_1d

#: Examples of the dense-sampling test (the profile's; ~50 ms each on average).
DENSE_EXAMPLES = settings.default.max_examples

#: f(z) vs A z + b at points inside a cell, relative to the magnitude bound M(z) of the
#: forward pass (|W|, |b|, |z| propagated).  Both are sums of <= 5 products per layer over
#: <= 3 layers, so each carries ~10 eps M of rounding; 1e-9 (asked by the design) leaves a
#: wide margin while still catching any wrong multiplier (which costs >= 0.1^3 M here).
MAP_RTOL = 1e-9


# -- strategies and references ---------------------------------------------------------------

# Simple values make exact degeneracies (zero rows, repeated and concurrent hyperplanes);
# values bounded away from 0 make generic arrangements with vertices at moderate distance.
_simple = st.sampled_from([0.0, 1.0, -1.0, 0.5, -2.0])
_generic = st.builds(lambda s, v: s * v, st.sampled_from([-1.0, 1.0]), st.floats(0.1, 2.5))
_value = st.one_of(_simple, _generic, _generic)


@st.composite
def nets_nd(draw, dims=(1, 2, 3), max_hidden=2, max_width=4):
    m = draw(st.sampled_from(dims))
    hidden = [draw(st.integers(1, max_width)) for _ in range(draw(st.integers(1, max_hidden)))]
    widths = [m] + hidden + [draw(st.integers(1, 3))]
    weights, biases = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        weights.append(np.reshape(draw(st.lists(_value, min_size=n_in * n_out,
                                                max_size=n_in * n_out)), (n_out, n_in)))
        biases.append(np.array(draw(st.lists(_value, min_size=n_out, max_size=n_out))))
    slope = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5]))
    return ReluNet(weights, biases, negative_slope=slope)


def magnitude_bound(net, Z):
    """Forward pass with |W|, |b|, |z|: bounds every intermediate value, shape (N, n)."""
    h = np.abs(Z)
    for w, b in zip(net.weights, net.biases):
        h = h @ np.abs(w).T + np.abs(b)
    return h


def pre_activations(net, Z):
    """All hidden pre-activations at the points, shape (N, total hidden width)."""
    h, out = Z, []
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        pre = h @ w.T + b
        out.append(pre)
        h = net.activation(pre)
    return np.hstack(out)


def map_from_pattern(net, pattern):
    """The affine map of a fixed activation pattern (written independently of the library)."""
    A = np.eye(net.input_dim)
    b = np.zeros(net.input_dim)
    for layer, (w, c) in enumerate(zip(net.weights, net.biases)):
        A, b = w @ A, w @ b + c
        if layer < net.n_layers - 1:
            mult = np.where(pattern[layer], 1.0, net.negative_slope)
            A, b = mult[:, None] * A, mult * b
    return A, b


def sample_points(m, box, seed):
    per_axis = {1: 401, 2: 41, 3: 13}[m]
    axis = np.linspace(-box, box, per_axis)
    grid = np.array(list(itertools.product(axis, repeat=m)))
    rng = np.random.default_rng(seed)
    return np.vstack([grid, rng.uniform(-box, box, size=(600, m))])


def depth(cell, Z):
    """min_i (h_i - H_i z): >= 0 inside the cell; H has unit rows, so < 0 is a violation."""
    return np.min(cell.h - Z @ cell.H.T, axis=1)


def relu_layer(W1, b1, W2=None, b2=None, slope=0.0):
    W1 = np.asarray(W1, float)
    if W2 is None:
        W2 = np.eye(W1.shape[0])
        b2 = np.zeros(W1.shape[0])
    return ReluNet([W1, np.asarray(W2, float)], [np.asarray(b1, float), np.asarray(b2, float)],
                   negative_slope=slope)


def general_position(m, k, seed):
    """k hyperplanes in general position in R^m (checked by brute force), with a random
    output layer so that distinct patterns give distinct maps."""
    rng = np.random.default_rng(seed)
    while True:
        W = rng.standard_normal((k, m))
        b = rng.standard_normal(k)
        ok = True
        for S in itertools.combinations(range(k), min(m, k)):
            if abs(np.linalg.det(W[list(S)])) < 1e-2:
                ok = False
        for S in itertools.combinations(range(k), m + 1):  # no m + 1 through one point
            sub = np.hstack([W[list(S)], b[list(S), None]])
            if abs(np.linalg.det(sub)) < 1e-2:
                ok = False
        if ok:
            return relu_layer(W, b, rng.standard_normal((3, k)), rng.standard_normal(3))


# -- dense-sampling cross-check --------------------------------------------------------------


@settings(max_examples=DENSE_EXAMPLES)
@given(nets_nd(), st.integers(0, 2**32 - 1))
def test_cells_cover_and_reproduce_network(net, seed):
    res = linear_regions(net)
    assert isinstance(res, Regions)
    m, box, tol = net.input_dim, res.box, res.tol
    Z = sample_points(m, box, seed)
    D = np.stack([depth(c, Z) for c in res.cells])  # (cells, points)
    best = np.argmax(D, axis=0)
    deepest = D[best, np.arange(len(Z))]

    # Every point lies in a cell, up to a dropped sliver of Chebyshev radius <= tol.
    assert np.all(deepest >= -10 * tol)
    inside = deepest >= -1e-12 * (1 + box)
    # There f(z) = A z + b (the f-check is skipped only inside dropped slivers, if any).
    assert inside.mean() > 0.99
    F = net(Z)
    A = np.stack([c.A for c in res.cells])[best]
    b = np.stack([c.b for c in res.cells])[best]
    affine = np.einsum("pnm,pm->pn", A, Z) + b
    err = np.abs(F - affine)[inside]
    assert np.all(err <= MAP_RTOL * (1 + magnitude_bound(net, Z)[inside]))

    # Patterns seen with a margin: each one is the pattern of a cell that contains the point.
    pre = pre_activations(net, Z)
    margin = np.all(np.abs(pre) > 1e-6, axis=1)
    by_pattern: dict = {}
    for i, c in enumerate(res.cells):
        assert c.pattern not in by_pattern, "two cells with one pattern"
        by_pattern[c.pattern] = i
    seen = set()
    for p in np.flatnonzero(margin):
        pattern = evaluate_pattern(net, Z[p])
        seen.add(pattern)
        assert pattern in by_pattern
        assert D[by_pattern[pattern], p] >= -1e-12 * (1 + box)
    assert res.n_cells >= len(seen)

    # Chebyshev balls are inside their cells, and centres lie in no other cell (disjoint
    # interiors); each cell's map is the one its pattern implies.
    centres = np.stack([c.center for c in res.cells])
    for i, c in enumerate(res.cells):
        assert c.radius > tol and c.contains(c.center)
        assert np.all(c.H @ c.center + c.radius <= c.h + 1e-12 * (1 + box))
        assert np.allclose(np.linalg.norm(c.H, axis=1), 1.0, rtol=1e-12)
        others = [j for j in range(res.n_cells) if j != i]
        if others:
            viol = [np.max(res.cells[j].H @ centres[i] - res.cells[j].h) for j in others]
            assert min(viol) > 0
        A_ref, b_ref = map_from_pattern(net, c.pattern)
        bound = magnitude_bound(net, np.abs(c.center)[None, :])[0]
        assert np.all(np.abs(c.A @ c.center + c.b - (A_ref @ c.center + b_ref))
                      <= MAP_RTOL * (1 + bound))
        # The pattern agrees with the network at the centre wherever the sign is clear.
        pre_c = pre_activations(net, c.center[None, :])[0]
        flat = np.concatenate([np.asarray(layer, bool) for layer in c.pattern])
        clear = np.abs(pre_c) > 1e-9 * (1 + np.abs(pre_c).max())
        assert np.array_equal(flat[clear], pre_c[clear] > 0)

    # Regions partition the cells, share one map, and merge nothing that differs.
    members = [id(c) for r in res.regions for c in r.cells]
    assert sorted(members) == sorted(id(c) for c in res.cells)
    for r in res.regions:
        for c in r.cells:
            assert np.allclose(c.A, r.A, rtol=0, atol=1e-9 * (1 + np.abs(r.A).max()))
        assert 0 <= r.rank <= min(r.A.shape)


# -- m = 1 agrees with pieces_1d -------------------------------------------------------------


def region_intervals(res):
    out = []
    for r in res.regions:
        ends = np.concatenate([cell_vertices(c)[:, 0] for c in r.cells])
        out.append((ends.min(), ends.max(), r))
    return sorted(out, key=lambda t: t[0])


@given(nets_1d(max_hidden_layers=2, max_width=4, min_abs=0.1))
def test_one_dimensional_regions_match_pieces_1d(net):
    ref = pieces_1d(net, exact=True).as_float()
    breaks = ref.breakpoints
    assume(np.all(np.diff(breaks) > 1e-6 * (1 + np.abs(breaks[1:]))))
    res = linear_regions(net)
    assert np.all(np.abs(breaks) < res.box / 2)  # every breakpoint well inside the box
    intervals = region_intervals(res)
    # Consecutive regions touch; the first and last reach the box.
    assert intervals[0][0] == -res.box and intervals[-1][1] == res.box
    for (_, hi, _), (lo, _, _) in zip(intervals[:-1], intervals[1:]):
        assert abs(hi - lo) <= 1e-12 * (1 + abs(hi))
    mine = np.array([hi for _, hi, _ in intervals[:-1]])
    assert mine.shape == breaks.shape
    assert np.allclose(mine, breaks, rtol=1e-9, atol=1e-12)
    scale = 1 + np.abs(ref.slopes).max() + np.abs(ref.intercepts).max()
    for k, (_, _, r) in enumerate(intervals):
        assert np.allclose(r.A[:, 0], ref.slopes[k], rtol=1e-9, atol=1e-12 * scale)
        assert np.allclose(r.b, ref.intercepts[k], rtol=1e-9, atol=1e-12 * scale)
        assert r.rank == int(np.any(ref.slopes[k] != 0))


def test_one_dimensional_cells_are_the_intervals():
    """|z - 1| + ReLU(z + 2): breakpoints -2 and 1; box 2 (1 + 2) = 6."""
    net = ReluNet([[[1.0], [-1.0], [1.0]], [[1.0, 1.0, 1.0]]], [[-1.0, 1.0, 2.0], [0.0]])
    res = linear_regions(net)
    assert res.box == 6.0
    ivs = sorted((tuple(cell_vertices(c)[:, 0]), c) for c in res.cells)
    assert [iv for iv, _ in ivs] == [(-6.0, -2.0), (-2.0, 1.0), (1.0, 6.0)]
    for (lo, hi), c in ivs:
        assert c.radius == pytest.approx((hi - lo) / 2, rel=1e-12)
        assert c.center[0] == pytest.approx((hi + lo) / 2, rel=1e-12)
    assert [c.touches_box for _, c in ivs] == [True, False, True]
    slopes = [float(c.A[0, 0]) for _, c in ivs]
    assert slopes == [-1.0, 0.0, 2.0]
    assert res.n_regions == 3 and res.undecided == ()


# -- known counts ----------------------------------------------------------------------------


def identity_by_relus(m):
    """z = ReLU(z) - ReLU(-z) per coordinate."""
    W1 = np.vstack([np.eye(m), -np.eye(m)])
    W2 = np.hstack([np.eye(m), -np.eye(m)])
    return relu_layer(W1, np.zeros(2 * m), W2, np.zeros(m))


@pytest.mark.parametrize("m", [1, 2, 3])
def test_identity_by_relus_is_one_full_rank_region(m):
    res = linear_regions(identity_by_relus(m))
    assert res.n_cells == 2**m
    assert res.n_regions == 1
    (region,) = res.regions
    assert region.rank == m
    assert np.array_equal(region.A, np.eye(m)) and np.array_equal(region.b, np.zeros(m))
    assert res.undecided == ()


@pytest.mark.parametrize("m", [2, 3])
def test_linear_leaky_net_is_one_region(m):
    """negative_slope = 1 makes the activation the identity: the split cells all carry the
    map W2 W1 and merge into one region of rank m."""
    rng = np.random.default_rng(m)
    W1, W2 = rng.standard_normal((m, m)), rng.standard_normal((m, m))
    net = relu_layer(W1, rng.standard_normal(m), W2, rng.standard_normal(m), slope=1.0)
    res = linear_regions(net)
    assert res.n_cells == 2**m  # m generic hyperplanes through one point
    assert res.n_regions == 1 and res.regions[0].rank == m
    assert np.allclose(res.regions[0].A, W2 @ W1, rtol=1e-12)


@pytest.mark.parametrize("m", [2, 3])
def test_leaky_invertible_layers_are_full_rank_everywhere(m):
    rng = np.random.default_rng(10 + m)
    Ws = [rng.standard_normal((m, m)) for _ in range(3)]
    net = ReluNet(Ws, [rng.standard_normal(m) for _ in range(3)], negative_slope=0.2)
    res = linear_regions(net)
    assert res.n_cells >= 2**m
    assert all(r.rank == m for r in res.regions)
    # A leaky net with invertible layers changes its map across every neuron hyperplane.
    assert res.n_regions == res.n_cells


def test_coordinatewise_relu_2d():
    res = linear_regions(relu_layer(np.eye(2), np.zeros(2)))
    assert res.n_cells == 4 and res.n_regions == 4
    got = {(tuple(np.diag(r.A)), r.rank) for r in res.regions}
    assert got == {((1.0, 1.0), 2), ((1.0, 0.0), 1), ((0.0, 1.0), 1), ((0.0, 0.0), 0)}
    for r in res.regions:
        assert np.array_equal(r.A, np.diag(np.diag(r.A)))
    assert all(c.touches_box for c in res.cells)


def test_coordinatewise_relu_3d_ranks():
    res = linear_regions(relu_layer(np.eye(3), np.zeros(3)))
    assert res.n_cells == 8 and res.n_regions == 8
    ranks = sorted(r.rank for r in res.regions)
    assert ranks == [0, 1, 1, 1, 2, 2, 2, 3]


def test_abs_first_coordinate_has_two_regions():
    """(|z1|, z2) = (ReLU(z1) + ReLU(-z1), ReLU(z2) - ReLU(-z2))."""
    W1 = [[1, 0], [-1, 0], [0, 1], [0, -1]]
    W2 = [[1, 1, 0, 0], [0, 0, 1, -1]]
    res = linear_regions(relu_layer(W1, np.zeros(4), W2, np.zeros(2)))
    assert res.n_cells == 4
    assert res.n_regions == 2
    assert sorted(tuple(np.diag(r.A)) for r in res.regions) == [(-1.0, 1.0), (1.0, 1.0)]
    assert all(r.rank == 2 and len(r.cells) == 2 for r in res.regions)


def hat_net(m, half_width=1.0):
    """hat(z1) = ReLU(z1) - 2 ReLU(z1 - w) + ReLU(z1 - 2 w): zero on both outer pieces."""
    W1 = np.zeros((3, m))
    W1[:, 0] = 1.0
    return relu_layer(W1, [0.0, -half_width, -2 * half_width], [[1.0, -2.0, 1.0]], [0.0])


@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("half_width", [1.0, 1e-6])
def test_equal_maps_that_do_not_touch_stay_apart(m, half_width):
    res = linear_regions(hat_net(m, half_width))
    assert res.n_cells == 4
    assert res.n_regions == 4
    zero = [r for r in res.regions if not np.any(r.A) and not np.any(r.b)]
    assert len(zero) == 2 and all(r.rank == 0 for r in zero)
    assert res.undecided == ()


@pytest.mark.parametrize("m", [1, 2])
def test_cells_separated_by_a_dropped_sliver_merge(m):
    """A hat of half-width w <= tol: its two middle cells (Chebyshev radius w / 2) are
    dropped, and the two zero pieces, 2 w apart, count as adjacent (rows parallel to the
    separating hyperplane are relaxed by tol): one region of two cells.  For w = 4e-10 the
    dropped radius 2e-10 is within a factor 10 of tol and reported."""
    for w in (1e-10, 4e-10):
        res = linear_regions(hat_net(m, w))
        assert res.n_cells == 2
        assert res.n_regions == 1 and len(res.regions[0].cells) == 2
        assert res.regions[0].rank == 0
        assert bool(res.undecided) == (w > 1e-10 * 1.5)
        assert all("dropped" in note for note in res.undecided)
    # A gap of 1.2 tol is not bridged: the two zero pieces stay separate regions.
    res = linear_regions(hat_net(m, 6e-10))
    assert res.n_cells == 2 and res.n_regions == 2


def test_equal_maps_touching_at_a_vertex_stay_apart():
    """ReLU(z1) + ReLU(z2) - ReLU(z1 + z2) is 0 on the open quadrants z > 0 and z < 0, which
    meet only at the origin, and -z2, z1, -z1, z2 on the four other sectors."""
    net = relu_layer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.zeros(3), [[1.0, 1.0, -1.0]], [0.0])
    res = linear_regions(net)
    assert res.n_cells == 6
    assert res.n_regions == 6
    assert sum(r.rank == 0 for r in res.regions) == 2


def test_rank_uses_the_documented_tolerance():
    """0.1 + 0.2 - 0.3 is 5.6e-17 in float: far below MAP_RTOL times the map scale, so the
    map counts as rank 0 (although its float value is not zero)."""
    net = relu_layer([[0.1], [0.2], [0.3]], [1.0, 1.0, 1.0], [[1.0, 1.0, -1.0]], [0.0])
    res = linear_regions(net, box=1.0)  # all three neurons active on the box
    (region,) = res.regions
    assert region.A[0, 0] != 0.0 and np.linalg.matrix_rank(region.A) == 1
    assert region.rank == 0
    assert res.undecided == ()


def test_rank_decision_within_tolerance_is_reported():
    """A slope of 1e-10 against a map scale of 2: between ROUND_RTOL and MAP_RTOL."""
    net = relu_layer([[1.0], [1.0]], [1.0, 1.0], [[1.0, -(1.0 - 1e-10)]], [0.0])
    res = linear_regions(net, box=0.5)  # one cell: both neurons active on the box
    (region,) = res.regions
    assert region.rank == 0
    assert any("singular value" in note for note in res.undecided)


@pytest.mark.parametrize("m,k", [(2, 3), (2, 4), (3, 4)])
def test_general_position_arrangement_counts(m, k):
    net = general_position(m, k, seed=100 * m + k)
    res = linear_regions(net)
    assert res.n_cells == sum(comb(k, i) for i in range(m + 1))
    assert res.n_regions == res.n_cells
    assert sum(not c.touches_box for c in res.cells) == comb(k - 1, m)
    assert res.undecided == ()


def test_parallel_hyperplanes_cells_have_no_vertex():
    """Lines z1 = 0 and z1 = 3 in R^2: three strips, no vertex; the box holds the closest
    points of the lines to the origin, (0, 0) and (3, 0): box = 2 (1 + 3) = 8."""
    net = relu_layer([[1.0, 0.0], [1.0, 0.0]], [0.0, -3.0], [[1.0, 1.0]], [0.0])
    res = linear_regions(net)
    assert res.box == 8.0
    assert res.n_cells == 3 and res.n_regions == 3
    assert all(c.touches_box for c in res.cells)


def test_cells_without_vertices():
    """One line z1 + z2 = 4: two half-planes whose only minimal face is the line, closest
    point (2, 2): box = 2 (1 + 2) = 6.  A constant first layer: one cell, box 2."""
    res = linear_regions(relu_layer([[1.0, 1.0]], [-4.0], [[1.0]], [0.0]))
    assert res.box == pytest.approx(6.0, rel=1e-12)
    assert res.n_cells == 2 and all(c.touches_box for c in res.cells)
    assert sorted(r.rank for r in res.regions) == [0, 1]
    res = linear_regions(relu_layer(np.zeros((2, 3)), [1.0, -1.0], [[2.0, 3.0]], [0.5]))
    assert res.box == 2.0 and res.n_cells == 1
    (cell,) = res.cells
    assert cell.pattern == ((True, False),) and cell.touches_box
    assert np.array_equal(cell.A, np.zeros((1, 3))) and np.array_equal(cell.b, [2.5])


# -- bounding box ----------------------------------------------------------------------------


def brute_force_vertices(net):
    """Intersections of every m first-layer hyperplanes (one hidden layer: these are all the
    vertices of the arrangement)."""
    W, b = net.weights[0], net.biases[0]
    m = net.input_dim
    out = []
    for S in itertools.combinations(range(W.shape[0]), m):
        M = W[list(S)]
        if abs(np.linalg.det(M)) > 1e-9 * np.prod(np.linalg.norm(M, axis=1)):
            out.append(np.linalg.solve(M, -b[list(S)]))
    return np.array(out).reshape(-1, m)


@pytest.mark.parametrize("m,k,seed", [(2, 2, 0), (2, 3, 1), (2, 5, 2), (3, 3, 3), (3, 5, 4)])
def test_bounding_box_contains_all_vertices(m, k, seed):
    rng = np.random.default_rng(seed)
    net = relu_layer(4 * rng.standard_normal((k, m)), 3 * rng.standard_normal(k),
                     rng.standard_normal((2, k)), rng.standard_normal(2))
    V = brute_force_vertices(net)
    assert len(V) >= 1
    box = bounding_box(net)
    assert np.all(np.abs(V) <= box / 2)
    # In general position the vertices are the only minimal faces: the box is tight.
    assert box == pytest.approx(2 * (1 + np.abs(V).max()), rel=1e-9)
    assert linear_regions(net).box == box


@settings(max_examples=examples(20))
@given(nets_nd(dims=(2,), max_width=3))
def test_larger_box_changes_nothing(net):
    """Nothing structural happens outside the automatic box: in a box four times as large
    the same patterns, maps and regions appear, and exactly the same cells reach the box."""
    res = linear_regions(net)
    big = linear_regions(net, box=4 * res.box)
    assert big.box == 4 * res.box
    small = {c.pattern: c for c in res.cells}
    large = {c.pattern: c for c in big.cells}
    assert small.keys() == large.keys()
    for p, c in small.items():
        assert c.touches_box == large[p].touches_box
        assert np.allclose(c.A, large[p].A) and np.allclose(c.b, large[p].b)
        if not c.touches_box:
            assert np.allclose(cell_vertices(c), cell_vertices(large[p]), atol=1e-9)
    assert res.n_regions == big.n_regions


def test_user_box_restricts_cells():
    net = relu_layer(np.eye(2), np.zeros(2))
    res = linear_regions(net, box=1.0)
    assert res.box == 1.0
    centres = sorted(tuple(c.center) for c in res.cells)
    assert np.allclose(centres, [(-0.5, -0.5), (-0.5, 0.5), (0.5, -0.5), (0.5, 0.5)])
    assert all(c.radius == pytest.approx(0.5) for c in res.cells)
    # A hyperplane outside the box does not split it.
    far = relu_layer([[1.0, 0.0]], [-5.0])
    res = linear_regions(far, box=1.0)
    assert res.n_cells == 1 and res.cells[0].pattern == ((False,),)
    assert linear_regions(far).n_cells == 2


def test_near_tolerance_sliver_is_reported():
    """Breakpoints 0 and 5e-9: the middle cell has radius 2.5e-9, within a factor 10 of
    tol = 1e-9, so it is kept and reported."""
    net = ReluNet([[[1.0], [1.0]], [[1.0, -3.0]]], [[0.0, -5e-9], [0.0]])
    res = linear_regions(net)
    assert res.n_cells == 3
    assert len(res.undecided) >= 1 and "tol" in res.undecided[0]
    # With tol above the sliver's radius it is dropped (and reported).
    res = linear_regions(net, tol=5e-9)
    assert res.n_cells == 2 and res.undecided


# -- evaluate_pattern and validation --------------------------------------------------------


def test_evaluate_pattern():
    net = ReluNet([[[1.0, 0.0], [0.0, -1.0]], [[1.0, 1.0]], [[2.0]]],
                  [[0.0, 0.0], [-1.0], [0.0]])
    assert evaluate_pattern(net, [2.0, -3.0]) == ((True, True), (True,))
    assert evaluate_pattern(net, [0.0, 0.0]) == ((False, False), (False,))
    with pytest.raises(ValueError, match=r"z: expected shape \(2,\)"):
        evaluate_pattern(net, [1.0])
    with pytest.raises(ValueError, match="net: expected a ReluNet"):
        evaluate_pattern("net", [1.0])


def test_public_api():
    assert set(regions.__all__) >= {
        "Cell", "Region", "Regions", "bounding_box", "linear_regions", "evaluate_pattern",
        "cell_vertices", "check_box_and_tol",
    }


@pytest.mark.parametrize("bad", [0.0, -1e-9, float("nan"), float("inf"), "1e-9", True, None])
def test_bad_tol(bad):
    net = relu_layer(np.eye(2), np.zeros(2))
    with pytest.raises(ValueError, match="tol: expected a positive finite number"):
        linear_regions(net, tol=bad)


def test_tol_below_lp_accuracy():
    with pytest.raises(ValueError, match=r"tol: expected a number >= 1e-10"):
        linear_regions(relu_layer(np.eye(2), np.zeros(2)), tol=1e-12)


@pytest.mark.parametrize("bad", [0.0, -2.0, float("nan"), float("inf"), "2", False])
def test_bad_box(bad):
    with pytest.raises(ValueError, match="box: expected a positive finite number"):
        linear_regions(relu_layer(np.eye(2), np.zeros(2)), box=bad)


def test_not_a_net():
    with pytest.raises(ValueError, match="net: expected a ReluNet, found dict"):
        linear_regions({"weights": []})
    with pytest.raises(ValueError, match="net: expected a ReluNet, found list"):
        bounding_box([np.eye(2)])


def test_hyperplane_at_infinity_needs_a_box():
    """A weight of 1e-300 puts the hyperplane 1e-300 z1 + 1 = 0 at z1 = -1e300."""
    net = relu_layer([[1e-300, 0.0], [0.0, 1.0]], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"neuron 0 has a hyperplane at distance 1e\+300"):
        linear_regions(net)
    res = linear_regions(net, box=10.0)
    assert res.n_cells == 2
    assert {c.pattern for c in res.cells} == {((True, True),), ((True, False),)}


def test_input_dimension_above_three():
    net = relu_layer(np.eye(4), np.zeros(4))
    with pytest.raises(NotImplementedError, match=r"m <= 3, found m = 4"):
        linear_regions(net)
    with pytest.raises(NotImplementedError, match=r"m <= 3, found m = 4"):
        bounding_box(net)
