"""Exact preimages and multiple points of nets R -> R^n (exactid.identifiability.preimages)
against an independent reference.

The reference never calls ``pieces_1d``.  It evaluates the network layer by layer in exact
rational arithmetic and finds its pieces by refinement: between consecutive knots every neuron
of the layers already treated keeps its sign, so the next layer's pre-activations are affine
there; two evaluations give each one's zero, a new knot.  Preimages of x are then solved piece
by piece on these (unmerged) pieces.  For n = 2 the multiple points are found by classical
segment geometry (orientation tests on the image polyline, rays clipped far out), not by the
library's parametric solve.  Everything is exact, so the comparisons are equalities.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from exactid import ReluNet, check_injectivity
from exactid.errors import LimitExceeded
from exactid.identifiability import (
    MultiplePoints,
    injectivity_1d,
    multiple_points_1d,
    observably_injective_1d,
    preimages_1d,
)
from tests.budget import examples

F = Fraction
#: Rays are clipped this far beyond the outermost knot for the segment geometry: every
#: intersection of the small nets below lies far inside (parameters are ratios of small
#: dyadic numbers), and the clipped ends are never hit exactly.
CLIP = F(10**9)


# -- the reference ---------------------------------------------------------------------------------
def forward(net: ReluNet, z) -> list:
    """Pre-activations of every layer at z (the last entry is f(z)), exactly."""
    slope = F(float(net.negative_slope))
    h, out = [F(z)], []
    for w, b in zip(net.weights, net.biases):
        pre = [sum((F(float(w[r, c])) * h[c] for c in range(w.shape[1])), F(0))
               + F(float(b[r])) for r in range(w.shape[0])]
        out.append(pre)
        h = [t if t > 0 else slope * t for t in pre]
    return out


def f_exact(net: ReluNet, z) -> tuple:
    return tuple(forward(net, z)[-1])


def two_probes(lo, hi):
    """Two distinct points of the open interval (lo, hi), None an infinite end."""
    if lo is None and hi is None:
        return F(0), F(1)
    if lo is None:
        return hi - 2, hi - 1
    if hi is None:
        return lo + 1, lo + 2
    return lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3


def reference_pieces(net: ReluNet) -> list:
    """``(lo, hi, slope, value_at_lo_or_probe...)`` as (lo, hi, a, b) with f = a z + b, by
    refinement layer by layer (see the module docstring)."""
    knots = []
    for layer in range(net.n_layers - 1):
        new = set()
        for lo, hi in zip([None] + knots, knots + [None]):
            p, q = two_probes(lo, hi)
            u, v = forward(net, p)[layer], forward(net, q)[layer]
            for up, uq in zip(u, v):
                if up != uq:
                    z = p - up * (q - p) / (uq - up)
                    if (lo is None or lo < z) and (hi is None or z < hi):
                        new.add(z)
        knots = sorted(set(knots) | new)
    pieces = []
    for lo, hi in zip([None] + knots, knots + [None]):
        p, q = two_probes(lo, hi)
        fp, fq = f_exact(net, p), f_exact(net, q)
        a = tuple((vq - vp) / (q - p) for vp, vq in zip(fp, fq))
        b = tuple(vp - ai * p for vp, ai in zip(fp, a))
        # Affine on the piece: a third point agrees (a missed kink would show here).
        mid = (p + q) / 2
        assert f_exact(net, mid) == tuple(ai * mid + bi for ai, bi in zip(a, b))
        pieces.append((lo, hi, a, b))
    return pieces


def reference_preimages(pieces, x) -> tuple:
    """(sorted isolated points, maximal closed intervals) of f^-1({x})."""
    x = tuple(F(v) for v in np.atleast_1d(np.asarray(x, dtype=object)))
    points, intervals = set(), []
    for lo, hi, a, b in pieces:
        if not any(a):
            if b == x:
                if intervals and intervals[-1][1] == lo and lo is not None:
                    intervals[-1] = (intervals[-1][0], hi)
                else:
                    intervals.append((lo, hi))
            continue
        i = next(i for i, v in enumerate(a) if v)
        z = (x[i] - b[i]) / a[i]
        ok = all(ai * z + bi == xi for ai, bi, xi in zip(a, b, x))
        if ok and (lo is None or lo <= z) and (hi is None or z <= hi):
            points.add(z)

    def inside(z):
        return any((lo is None or lo <= z) and (hi is None or z <= hi) for lo, hi in intervals)

    return tuple(sorted(z for z in points if not inside(z))), tuple(intervals)


def ref_count(pieces, x) -> float:
    points, intervals = reference_preimages(pieces, x)
    return math.inf if intervals else len(points)


def clipped(pieces) -> list:
    """Each non-constant piece as a segment (P, Q) in R^2, rays clipped at CLIP."""
    ends = [v for lo, hi, _, _ in pieces for v in (lo, hi) if v is not None]
    far = max((abs(v) for v in ends), default=F(0)) + CLIP
    out = []
    for lo, hi, a, b in pieces:
        if any(a):
            zlo, zhi = (-far if lo is None else lo), (far if hi is None else hi)
            out.append(((a, b), tuple(ai * zlo + bi for ai, bi in zip(a, b)),
                        tuple(ai * zhi + bi for ai, bi in zip(a, b))))
    return out


def orient(p, q, r):
    return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])


def segment_meets(s1, s2):
    """Classical segment intersection: None, ("point", X) or ("overlap", A, B)."""
    p1, p2 = s1
    q1, q2 = s2
    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    if d1 == d2 == d3 == d4 == 0:  # collinear: intervals along the line
        axis = 0 if p1[0] != p2[0] else 1
        key = sorted([p1, p2], key=lambda p: p[axis])
        other = sorted([q1, q2], key=lambda p: p[axis])
        lo = max(key[0], other[0], key=lambda p: p[axis])
        hi = min(key[1], other[1], key=lambda p: p[axis])
        if lo[axis] > hi[axis]:
            return None
        return ("point", lo) if lo == hi else ("overlap", lo, hi)
    if d1 * d2 <= 0 and d3 * d4 <= 0:
        t = d1 / (d1 - d2)
        return ("point", tuple(a + t * (b - a) for a, b in zip(p1, p2)))
    return None


def solve_on(piece_ab, x):
    a, b = piece_ab
    i = next(i for i, v in enumerate(a) if v)
    return (x[i] - b[i]) / a[i]


def reference_multiple_points(pieces):
    """Crossings (as {x: preimage points}) and overlap segments (with both maps) for n = 2."""
    segs = clipped(pieces)
    flat = {b for _, _, a, b in pieces if not any(a)}
    overlaps, candidates = [], set()
    for i in range(len(segs)):
        for j in range(i + 1, len(segs)):
            met = segment_meets(segs[i][1:], segs[j][1:])
            if met is None:
                continue
            if met[0] == "overlap":
                overlaps.append((segs[i][0], segs[j][0], met[1], met[2]))
            else:
                candidates.add(met[1])

    def covered_twice(x):
        for ab1, ab2, lo, hi in overlaps:
            on = orient(lo, hi, x) == 0 and all(min(u, v) <= w <= max(u, v)
                                                for u, v, w in zip(lo, hi, x))
            if on and solve_on(ab1, x) != solve_on(ab2, x):
                return True
        return False

    crossings = {}
    for x in candidates:
        if x in flat or covered_twice(x):
            continue
        points, intervals = reference_preimages(pieces, x)
        if not intervals and len(points) >= 2:
            crossings[x] = points
    return crossings, overlaps, covered_twice


# -- strategies (local: small dyadic weights keep every intersection exact and small) ----------
HALVES = st.integers(-4, 4).map(lambda k: k / 2)
#: Mostly non-zero weights, so that the random nets bend (zeros still come, one time in 9).
WEIGHTS = st.one_of(HALVES, HALVES.filter(bool))


@st.composite
def small_nets(draw, n_out=2, max_hidden=2, max_width=4, leaky=False):
    n_hidden = draw(st.integers(1, max_hidden))
    widths = [1] + [draw(st.integers(2, max_width)) for _ in range(n_hidden)] + [n_out]
    weights, biases = [], []
    for a, b in zip(widths[:-1], widths[1:]):
        weights.append(np.array(draw(st.lists(WEIGHTS, min_size=a * b, max_size=a * b)),
                                dtype=float).reshape(b, a))
        biases.append(np.array(draw(st.lists(HALVES, min_size=b, max_size=b)), dtype=float))
    slope = draw(st.sampled_from([0.0, 0.0, 0.5])) if leaky else 0.0
    return ReluNet(weights, biases, negative_slope=slope)


@st.composite
def polylines(draw):
    """Nets R -> R^2 through random vertices of a small grid: many crossings, touching points
    and overlaps."""
    grid = st.tuples(st.integers(-2, 2), st.integers(-2, 2))
    vertices = draw(st.lists(grid, min_size=2, max_size=6))
    d_in, d_out = draw(grid), draw(grid)
    return polyline_net(vertices, d_in, d_out)


def polyline_net(vertices, d_in, d_out) -> ReluNet:
    """A ReLU net R -> R^2 with f(k) = vertices[k], affine between consecutive integers, and
    f(z) = vertices[0] + z d_in for z <= 0, f(z) = vertices[-1] + (z - K) d_out for z >= K."""
    v = [np.array(p, dtype=float) for p in vertices]
    K = len(v) - 1
    slopes = [np.array(d_in, float)] + [v[k + 1] - v[k] for k in range(K)] + [np.array(d_out,
                                                                                       float)]
    # f(z) = v0 + d_in (ReLU(z) - ReLU(-z)) + sum_k (s_k - s_(k-1)) ReLU(z - k), k = 0..K
    cols = [slopes[0], -slopes[0]] + [slopes[k + 1] - slopes[k] for k in range(K + 1)]
    W1 = np.array([[1.0], [-1.0]] + [[1.0]] * (K + 1))
    b1 = np.array([0.0, 0.0] + [-float(k) for k in range(K + 1)])
    return ReluNet([W1, np.column_stack(cols)], [b1, v[0]])


def absval(n=1) -> ReluNet:
    return ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]] * n], [[0.0, 0.0], [0.0] * n])


def d1_net() -> ReluNet:
    return ReluNet([[[1.0], [-1.0], [1.0], [1.0], [1.0]],
                    [[1.0, -1.0, 0.0, -2.0, 1.0], [0.0, 0.0, 1.0, -1.0, -1.0]]],
                   [[0.0, 0.0, -1.0, -2.0, -3.5], [0.0, 0.0]])


RELU = ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]])
CLAMP = ReluNet([[[1.0], [1.0]], [[1.0, -1.0]]], [[0.0, -1.0], [0.0]])  # 0, z, 1
DEAD = ReluNet([[[1.0]], [[-1.0]], [[1.0]]], [[0.0], [0.0], [0.0]])     # ReLU(-ReLU(z)) = 0
CONST2 = ReluNet([[[0.0]], [[1.0], [2.0]]], [[1.0], [0.0, 3.0]])        # (1, 5)


def assert_matches_reference(net, x):
    got = preimages_1d(net, x)
    points, intervals = reference_preimages(reference_pieces(net), x)
    assert got.points == points and got.intervals == intervals
    assert got.count == (math.inf if intervals else len(points))
    for z in got.points:  # and each preimage is one, by direct evaluation
        assert f_exact(net, z) == got.x
    return got


# -- named cases ---------------------------------------------------------------------------------
def test_remark_d1_net_two_preimages_at_the_crossing():
    net = d1_net()
    got = assert_matches_reference(net, (0.5, 0))
    assert got.points == (F(1, 2), F(9, 2)) and got.count == 2
    mp = multiple_points_1d(net)
    assert [x for x, _ in mp.crossings] == [(F(1, 2), F(0))]
    assert mp.crossings[0][1] == got
    assert mp.overlaps == () and mp.flat_values == () and mp.observably_injective
    assert observably_injective_1d(net)


def test_absval_every_positive_value_has_two_preimages():
    net = absval()
    for x in (F(1, 3), 2, 7.25, 10**6):
        got = assert_matches_reference(net, [x])
        assert got.points == (-F(x), F(x))
    # At the fold: one preimage, reported once though it belongs to both pieces.
    assert assert_matches_reference(net, 0).points == (0,)
    assert assert_matches_reference(net, -1).count == 0
    mp = multiple_points_1d(net)
    (o,) = mp.overlaps
    assert (o.start, o.end, o.direction) == ((0,), None, (1,))
    assert {o.z_first, o.z_second} == {(None, 0), (0, None)}
    assert mp.crossings == () and not mp.observably_injective


def test_absval_twice_overlaps_on_the_diagonal_ray():
    net = absval(2)
    assert assert_matches_reference(net, (3, 3)).points == (-3, 3)
    assert assert_matches_reference(net, (1, 2)).count == 0
    (o,) = multiple_points_1d(net).overlaps
    assert o.start == (0, 0) and o.direction == (1, 1) and o.end is None
    assert not observably_injective_1d(net)


def test_relu_flat_value_and_clamp():
    mp = multiple_points_1d(RELU)
    assert mp.flat_values == ((0,),) and mp.overlaps == () and mp.crossings == ()
    assert mp.observably_injective and not mp.constant
    got = assert_matches_reference(RELU, 0)
    assert got.intervals == ((None, 0),) and got.points == () and got.count == math.inf
    assert assert_matches_reference(RELU, F(1, 4)).points == (F(1, 4),)
    # Clamp: two flat pieces, and the breakpoints 0 and 1 belong to the intervals only.
    assert assert_matches_reference(CLAMP, 0).intervals == ((None, 0),)
    assert assert_matches_reference(CLAMP, 1).intervals == ((1, None),)
    assert assert_matches_reference(CLAMP, 0.5).points == (F(1, 2),)
    assert multiple_points_1d(CLAMP).flat_values == ((0,), (1,))


@pytest.mark.parametrize("net, value", [(DEAD, (0,)), (CONST2, (1, 5))])
def test_constant_nets(net, value):
    mp = multiple_points_1d(net)
    assert mp.constant and mp.flat_values == (value,)
    assert not mp.observably_injective and not observably_injective_1d(net)
    got = assert_matches_reference(net, value)
    assert got.intervals == ((None, None),) and got.count == math.inf
    assert assert_matches_reference(net, tuple(v + 1 for v in value)).count == 0
    if net.output_dim == 1:
        assert injectivity_1d(net).F3.holds is False


def test_touching_point_is_a_crossing():
    # The path comes down to (1, 0) on the first segment and turns back: it touches itself.
    net = polyline_net([(0, 0), (2, 0), (2, 1), (1, 0), (0, 1)], (1, 0), (-1, 1))
    mp = multiple_points_1d(net)
    assert [(x, p.points) for x, p in mp.crossings] == [((1, 0), (F(1, 2), 3))]
    assert mp.observably_injective
    crossings, overlaps, _ = reference_multiple_points(reference_pieces(net))
    assert crossings == {(1, 0): (F(1, 2), 3)} and overlaps == []


def test_point_covered_twice_by_an_overlap_is_not_a_crossing():
    # A, B fold back over [1, 2] x {0}; D crosses the overlap at (3/2, 0): three preimages.
    net = polyline_net([(0, 0), (2, 0), (1, 0), (1.5, 1), (1.5, -1)], (1, 0), (0, -1))
    mp = multiple_points_1d(net)
    assert len(mp.overlaps) == 1 and not mp.observably_injective
    assert F(3, 2) not in {x[0] for x, _ in mp.crossings}
    assert preimages_1d(net, (1.5, 0)).count == 3
    crossings, _, _ = reference_multiple_points(reference_pieces(net))
    assert {x: p for x, p in mp.crossings} == {x: tuple(p) for x, p in crossings.items()}


@pytest.mark.parametrize("exponent", [550, -550])
def test_crossing_found_beyond_the_float_range(exponent):
    # Both layers scaled by 2**exponent: f is scaled by 2**(2 exponent), beyond the float
    # range (or below the smallest subnormal); the float pre-filter must not lose the pair.
    base, scale = d1_net(), 2.0 ** exponent
    net = ReluNet([w * scale for w in base.weights], [base.biases[0] * scale, base.biases[1]])
    (x, pre), = multiple_points_1d(net).crossings
    assert x == (F(1, 2) * F(2) ** (2 * exponent), 0)
    assert pre.points == (F(1, 2), F(9, 2))
    assert f_exact(net, F(9, 2)) == x


def test_exact_rationals_in_and_out():
    net = ReluNet([[[3.0]]], [[0.0]])  # f(z) = 3 z
    assert preimages_1d(net, [F(1, 3)]).points == (F(1, 9),)
    # A float is the exact rational it is: 0.1 is not 1/10.
    assert preimages_1d(net, [0.1]).points == (F(0.1) / 3,)
    assert preimages_1d(net, np.array([2.0])).points == (F(2, 3),)
    assert preimages_1d(net, np.int64(3)).points == (1,)


def test_to_dict_is_json_and_exact():
    mp = multiple_points_1d(d1_net())
    data = json.loads(json.dumps(mp.to_dict()))
    assert data["crossings"][0]["x"] == ["1/2", "0"]
    assert [F(z) for z in data["crossings"][0]["preimages"]["points"]] == [F(1, 2), F(9, 2)]
    assert data["observably_injective"] is True
    relu = json.loads(json.dumps(preimages_1d(RELU, 0).to_dict()))
    assert relu == {"x": ["0"], "points": [], "intervals": [[None, "0"]], "count": "inf"}
    ab = json.loads(json.dumps(multiple_points_1d(absval(2)).to_dict()))
    assert ab["overlaps"][0]["direction"] == ["1", "1"] and ab["overlaps"][0]["end"] is None


# -- validation ----------------------------------------------------------------------------------
def test_rejects_bad_net():
    with pytest.raises(ValueError, match="net: expected a ReluNet, found str"):
        preimages_1d("net", [0])
    with pytest.raises(ValueError, match="net: expected a ReluNet, found list"):
        multiple_points_1d([[1.0]])
    two = ReluNet([[[1.0, 0.0]]], [[0.0]])
    with pytest.raises(NotImplementedError, match=r"net: exact preimages need input dimension 1"
                       r" \(f: R -> R\^n\), found R\^2 -> R\^1"):
        preimages_1d(two, [0])
    with pytest.raises(NotImplementedError, match="net: exact preimages need input dimension 1"):
        observably_injective_1d(two)


@pytest.mark.parametrize("x, message", [
    ([1.0], r"x: expected 2 coordinates \(the output dimension of net\), found 1"),
    ([1.0, 2.0, 3.0], "x: expected 2 coordinates .*found 3"),
    ([float("nan"), 0.0], r"x\[0\]: expected a finite number, found nan"),
    ([0.0, float("inf")], r"x\[1\]: expected a finite number, found inf"),
    ([True, 0.0], r"x\[0\]: expected a finite number or Fraction, found True"),
    ([0.0, "1"], r"x\[1\]: expected a finite number or Fraction, found '1'"),
    ("ab", "x: expected a sequence of 2 numbers, found 'ab'"),
    (1.0, "x: expected a sequence of 2 numbers, found 1.0"),
    ([1j, 0], r"x\[0\]: expected a finite number or Fraction, found 1j"),
])
def test_rejects_bad_point(x, message):
    with pytest.raises(ValueError, match=message):
        preimages_1d(absval(2), x)


def test_pairwise_search_is_bounded():
    net = polyline_net([(k % 2, k) for k in range(6)], (1, 0), (0, 1))
    with pytest.raises(LimitExceeded, match="net: 7 linear pieces, more than max_pieces = 5"):
        multiple_points_1d(net, max_pieces=5)
    assert multiple_points_1d(net, max_pieces=7).n_pieces == 7


# -- properties against the reference --------------------------------------------------------------
@st.composite
def net_and_points(draw, n_out):
    net = draw(small_nets(n_out=n_out))
    pieces = reference_pieces(net)
    knots = [lo for lo, _, _, _ in pieces[1:]]
    zs = draw(st.lists(st.sampled_from(knots) if knots else st.just(F(0)), max_size=3))
    zs += draw(st.lists(st.fractions(-8, 8, max_denominator=8), min_size=1, max_size=3))
    points = [f_exact(net, z) for z in zs]  # in the image, at breakpoints and between
    points += [tuple(F(v) for v in draw(st.lists(HALVES, min_size=n_out, max_size=n_out)))]
    return net, points


@pytest.mark.parametrize("n_out", [1, 2, 3])
@given(data=st.data())
def test_preimages_match_reference(n_out, data):
    net, points = data.draw(net_and_points(n_out))
    for x in points:
        assert_matches_reference(net, x)


@settings(max_examples=examples(60))
@given(net=st.one_of(small_nets(n_out=2), polylines()))
def test_multiple_points_match_segment_geometry(net):
    pieces = reference_pieces(net)
    crossings, overlaps, covered_twice = reference_multiple_points(pieces)
    mp = multiple_points_1d(net)
    assert isinstance(mp, MultiplePoints)
    assert {x: p.points for x, p in mp.crossings} == crossings
    assert all(p.intervals == () for _, p in mp.crossings)
    assert mp.flat_values == tuple(sorted({b for _, _, a, b in pieces if not any(a)}))
    assert bool(mp.overlaps) == bool(overlaps)
    # Each overlap, at interior points, is covered twice in the reference, and conversely.
    for o in mp.overlaps:
        for u in (F(1, 3), F(2, 3)):
            x = (tuple(s + u * (e - s) for s, e in zip(o.start, o.end)) if o.end is not None
                 else tuple(s + 3 * u * d for s, d in zip(o.start, o.direction)))
            assert covered_twice(x) and ref_count(pieces, x) >= 2
    for _, _, lo, hi in overlaps:
        x = tuple((a + b) / 2 for a, b in zip(lo, hi))
        assert preimages_1d(net, x).count >= 2
        assert not mp.observably_injective


@settings(max_examples=examples(15))
@given(net=st.one_of(small_nets(n_out=2, max_hidden=1, max_width=3), polylines()))
def test_observably_injective_agrees_with_check_injectivity(net):
    report = check_injectivity(net)
    assume(report.F3.holds is not None)
    assert observably_injective_1d(net) is report.F3.holds


@given(net=small_nets(n_out=1, leaky=True))
def test_observably_injective_agrees_with_injectivity_1d(net):
    assert observably_injective_1d(net) is injectivity_1d(net).F3.holds


@given(net=small_nets(n_out=1, leaky=True))
def test_remark_d1_holds_for_m_equal_n_equal_1(net):
    # For f: R -> R, (F3) leaves no point with finitely many (>= 2) preimages.
    mp = multiple_points_1d(net)
    if mp.observably_injective:
        assert mp.crossings == ()
