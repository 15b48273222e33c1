"""(F2)/(F3)/(F4) decisions of exactid.identifiability against a brute-force reference.

The reference does not use the library's image bookkeeping.  It evaluates the network in exact
rational arithmetic (``fractions.Fraction``, layer by layer) at a set of knots that contains
every breakpoint (from ``pieces_1d(exact=True)``, plus for one hidden layer the kinks
``-b_k / w_k`` computed here; that the net is affine between the knots is checked at interior
points), and counts the preimages of any x exactly, segment by segment.  The count is constant
on the open x-intervals between the knot values, so probing every knot value, one point of
every interval between them and one point beyond each end decides (F2), (F3) and (F4) exactly
(paper 003, Definition 3.1, with the ball of (F2)(i) centred in the image, as Example 1 requires
for |x| not to be weakly injective).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid import ReluNet, pieces_1d
from exactid.identifiability import Injectivity1D, injectivity_1d

from ..float_models import absval_net, nets_1d

INF = math.inf


# -- the reference -------------------------------------------------------------------------------


def exact_eval(net: ReluNet, z: Fraction) -> Fraction:
    """f(z) for rational z, in exact arithmetic (every float weight is a rational)."""
    slope = Fraction(net.negative_slope)
    h = [Fraction(z)]
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        h = [sum((Fraction(float(w[r, c])) * h[c] for c in range(w.shape[1])), Fraction(0))
             + Fraction(float(b[r])) for r in range(w.shape[0])]
        if i < net.n_layers - 1:
            h = [t if t > 0 else slope * t for t in h]
    return h[0]


class Reference:
    """The exact piecewise-affine function of ``net`` on knots, with preimage counts."""

    def __init__(self, net: ReluNet):
        self.net = net
        knots = {Fraction(0)} | set(pieces_1d(net, exact=True).breakpoints)
        if net.n_layers == 2:  # one hidden layer: the kinks, independently of pieces_1d
            for w, b in zip(net.weights[0][:, 0], net.biases[0]):
                if w != 0:
                    knots.add(-Fraction(float(b)) / Fraction(float(w)))
        self.t = sorted(knots)
        self.v = [exact_eval(net, t) for t in self.t]
        # Affine between consecutive knots and on the two rays (checked at interior points: a
        # missed kink would show unless two missed kinks conspire).
        for (p, fp), (q, fq) in zip(zip(self.t, self.v), zip(self.t[1:], self.v[1:])):
            for frac in (Fraction(1, 3), Fraction(1, 2)):
                assert exact_eval(net, p + frac * (q - p)) == fp + frac * (fq - fp)
        t0, tn = self.t[0], self.t[-1]
        self.left_slope = self.v[0] - exact_eval(net, t0 - 1)
        self.right_slope = exact_eval(net, tn + 1) - self.v[-1]
        assert exact_eval(net, t0 - 2) == self.v[0] - 2 * self.left_slope
        assert exact_eval(net, tn + 3) == self.v[-1] + 3 * self.right_slope
        self.constant = (self.left_slope == 0 and self.right_slope == 0
                         and len(set(self.v)) == 1)

    def count(self, x) -> float:
        """Number of preimages of x (``inf`` if x is the value of a flat piece)."""
        x = Fraction(x)
        zs = set()
        for (p, fp), (q, fq) in zip(zip(self.t, self.v), zip(self.t[1:], self.v[1:])):
            if fp == fq:
                if x == fp:
                    return INF
            elif min(fp, fq) <= x <= max(fp, fq):
                zs.add(p + (x - fp) * (q - p) / (fq - fp))
        for t, v, slope, side in ((self.t[0], self.v[0], self.left_slope, -1),
                                  (self.t[-1], self.v[-1], self.right_slope, 1)):
            if slope == 0:
                if x == v:
                    return INF
                continue
            z = t + (x - v) / slope
            if (z - t) * side >= 0:
                zs.add(z)
        return len(zs)

    def critical_values(self):
        return sorted(set(self.v))

    def cell_probes(self):
        """One x in each open interval between consecutive knot values, and beyond each end."""
        c = self.critical_values()
        return [c[0] - 1] + [(a + b) / 2 for a, b in zip(c[:-1], c[1:])] + [c[-1] + 1]

    def verdicts(self) -> tuple[bool, bool, bool]:
        if self.constant:
            return False, False, False
        cells = [self.count(x) for x in self.cell_probes()]
        points = [self.count(x) for x in self.critical_values()]
        f2 = any(n == 1 for n in cells)
        f3 = all(n <= 1 for n in cells)
        f4 = all(n == 1 for n in cells + points if n >= 1)
        return f2, f3, f4


def lipschitz(net: ReluNet) -> float:
    """A bound on |f'| (product of the layers' max absolute row sums, activation slope <= 1)."""
    bound = 1.0
    for w in net.weights:
        bound *= float(np.abs(w).sum(axis=1).max())
    return bound


def probe_inside(a: float, b: float) -> Fraction:
    """An exact point of the open interval (a, b) with possibly infinite ends."""
    if a == -INF and b == INF:
        return Fraction(0)
    if a == -INF:
        return Fraction(b) - 1
    if b == INF:
        return Fraction(a) + 1
    return (Fraction(a) + Fraction(b)) / 2


def interval_counts(ref: Reference, interval, margin=Fraction(1, 10**12)):
    """Preimage counts at the midpoint and at every knot value (and point between them)
    inside ``interval`` shrunk by a relative ``margin`` (its float ends are rounded)."""
    a, b = interval
    lo = None if a == -INF else Fraction(a) + margin * (1 + abs(Fraction(a)))
    hi = None if b == INF else Fraction(b) - margin * (1 + abs(Fraction(b)))
    inside = [v for v in ref.critical_values()
              if (lo is None or v > lo) and (hi is None or v < hi)]
    xs = [probe_inside(a, b)] + inside + [(p + q) / 2 for p, q in zip(inside[:-1], inside[1:])]
    return [ref.count(x) for x in xs]


def check_against_reference(net: ReluNet, witnesses: bool = True) -> Injectivity1D:
    """The verdicts equal the reference's, and (if ``witnesses``) every witness is valid."""
    res = injectivity_1d(net)
    assert isinstance(res, Injectivity1D)
    ref = Reference(net)
    assert (res.weakly_injective, res.observably_injective, res.injective) == ref.verdicts()
    # (F4) => (F3) => (F2) for piecewise-affine maps (paper 003, Remark 3.1).
    assert res.weakly_injective or not res.observably_injective
    assert res.observably_injective or not res.injective
    if not witnesses:
        return res
    # (F2) comes with the ball of (i), and only then.
    assert (res.unique_interval is not None) == res.weakly_injective
    if res.unique_interval is not None:
        a, b = res.unique_interval
        assert a < b
        assert all(n == 1 for n in interval_counts(ref, res.unique_interval))
    # Not (F3), and only then, comes with an interval of x with several preimages.
    if ref.constant:
        assert res.multiple_interval is None
    else:
        assert (res.multiple_interval is not None) == (not res.observably_injective)
    if res.multiple_interval is not None:
        a, b = res.multiple_interval
        assert a < b
        assert all(n >= 2 for n in interval_counts(ref, res.multiple_interval))
    # Not (F4), and only then, comes with a collision z1 != z2, f(z1) = f(z2).
    assert (res.collision is not None) == (not res.injective)
    if res.collision is not None:
        z1, z2 = res.collision
        assert np.isfinite(z1) and np.isfinite(z2)
        assert z1 != z2
        # Exact values at the float witnesses: they differ only by the rounding of z (a few
        # ulp of |z|, times the slope bound).
        f1, f2 = exact_eval(net, Fraction(z1)), exact_eval(net, Fraction(z2))
        scale = 1.0 + lipschitz(net) * (1.0 + abs(z1) + abs(z2))
        assert abs(float(f1 - f2)) <= 1e-9 * scale, (z1, z2, float(f1), float(f2))
        # ... and in float arithmetic, as a user would check it.
        y = net(np.array([z1, z2]))[:, 0]
        assert abs(y[0] - y[1]) <= 1e-9 * scale
    return res


# -- nets by hand --------------------------------------------------------------------------------


def net1(w, b, a, c=0.0, slope=0.0):
    """One hidden layer: ``sum_k a_k s(w_k z + b_k) + c``."""
    return ReluNet([np.array(w, float)[:, None], np.array(a, float)[None, :]],
                   [np.array(b, float), [c]], negative_slope=slope)


RELU = ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]])
ZERO_AFFINE = ReluNet([[[0.0]]], [[0.0]])
ZERO_NET = net1([1.0, -1.0], [0.5, 0.0], [0.0, 0.0], c=2.0)  # constant 2
RELU_NEG_RELU = ReluNet([[[1.0]], [[-1.0]], [[1.0]]], [[0.0], [0.0], [0.0]])  # = 0
IDENTITY_AFFINE = ReluNet([[[1.0]]], [[0.0]])
IDENTITY_RELU = net1([1.0, -1.0], [0.0, 0.0], [1.0, -1.0])  # ReLU(z) - ReLU(-z) = z
LEAKY_INCREASING = ReluNet([[[1.0], [2.0]], [[0.5, 1.0], [1.0, 0.25]], [[1.0, 3.0]]],
                           [[0.0, -1.0], [0.5, -2.0], [0.0]], negative_slope=0.1)
LEAKY_DECREASING = ReluNet([[[1.0], [0.5]], [[-1.0, -2.0]]], [[1.0, -1.0], [0.0]],
                           negative_slope=0.2)
CLAMP = net1([1.0, 1.0], [0.0, -1.0], [1.0, -1.0])  # min(max(z, 0), 1)
TENT = net1([1.0, 1.0], [0.0, -1.0], [1.0, -2.0])  # 0, then up to 1 at z = 1, then down
# z - 2 ReLU(z) + 2 ReLU(z - 1): slopes 1, -1, 1 (an N shape; x in (-1, 0) has 3 preimages)
N_SHAPE = ReluNet([[[1.0], [-1.0], [1.0], [1.0]], [[1.0, -1.0, -2.0, 2.0]]],
                  [[0.0, 0.0, 0.0, -1.0], [0.0]])
# |z| - 2 ReLU(z - 1): slopes -1, 1, -1 (image R, x > 1 and x < 0 have one preimage)
ABS_THEN_DOWN = ReluNet([[[1.0], [-1.0], [1.0]], [[1.0, 1.0, -2.0]]], [[0.0, 0.0, -1.0], [0.0]])
# ReLU(z) - ReLU(z - 1) + ReLU(z - 2): increasing with a flat stretch on [1, 2]
RISE_FLAT_RISE = net1([1.0, 1.0, 1.0], [0.0, -1.0, -2.0], [1.0, -1.0, 1.0])
# s(z) - s(z - 1) with s(t) = max(t, t / 2): 1/2 for z < 0, z/2 + 1/2 on [0, 1], 1 for z > 1
LEAKY_CLAMP = net1([1.0, 1.0], [0.0, -1.0], [1.0, -1.0], slope=0.5)


#: name -> (net, (F2, F3, F4)) from paper 003, Example 1, and by hand.
CASES = {
    # Example 1: ReLU is observably injective but not injective.
    "relu": (RELU, (True, True, False)),
    # Example 1: x -> 0 and x -> |x| are not even weakly injective.
    "zero_affine": (ZERO_AFFINE, (False, False, False)),
    "constant_net": (ZERO_NET, (False, False, False)),
    "absval": (absval_net(), (False, False, False)),
    # Example 1: ReLU(-ReLU(x)) = 0 is neither.
    "relu_neg_relu": (RELU_NEG_RELU, (False, False, False)),
    "identity_affine": (IDENTITY_AFFINE, (True, True, True)),
    "identity_relu": (IDENTITY_RELU, (True, True, True)),
    "leaky_positive_weights": (LEAKY_INCREASING, (True, True, True)),
    "leaky_decreasing": (LEAKY_DECREASING, (True, True, True)),
    "clamp": (CLAMP, (True, True, False)),
    "tent": (TENT, (True, False, False)),
    "n_shape": (N_SHAPE, (True, False, False)),
    "abs_then_down": (ABS_THEN_DOWN, (True, False, False)),
    "rise_flat_rise": (RISE_FLAT_RISE, (True, True, False)),
    "leaky_clamp": (LEAKY_CLAMP, (True, True, False)),
}


@pytest.mark.parametrize("name", CASES)
def test_table_of_cases(name):
    net, expected = CASES[name]
    res = check_against_reference(net)
    assert (res.weakly_injective, res.observably_injective, res.injective) == expected


def test_relu_witnesses():
    res = injectivity_1d(RELU)
    # x > 0 has the single preimage z = x; x = 0 has all of (-inf, 0].
    assert res.unique_interval == (0.0, INF)
    assert res.multiple_interval is None
    z1, z2 = res.collision
    assert z1 != z2 and z1 <= 0 and z2 <= 0


@pytest.mark.parametrize("net, reasons", [
    (RELU, ("an interval of the image has unique preimages",
            "almost every point of the image has one preimage",
            "two distinct points have the same image")),
    (absval_net(), ("no interval of the image has a unique preimage",
                    "an interval of the image has two or more preimages",
                    "two distinct points have the same image")),
    (ReluNet([[[1.0], [-1.0]], [[2.0, -0.5]]], [[0.0, 0.0], [0.0]]),  # 2 z+ + 0.5 z-
     ("an interval of the image has unique preimages",
      "almost every point of the image has one preimage", "f is strictly monotone")),
])
def test_report_states_the_reason_of_each_verdict(net, reasons):
    """The report is the common InjectivityReport with m = n = 1, every region a cell (no
    box: exact over the whole line), and each verdict's reason matching its outcome."""
    res = injectivity_1d(net)
    assert (res.m, res.n, res.box, res.method) == (1, 1, math.inf, "exact rational arithmetic")
    assert res.n_cells == res.n_regions == pieces_1d(net).n_pieces
    assert (res.F2.reason, res.F3.reason, res.F4.reason) == reasons


def test_witness_intervals_are_cut_at_image_endpoints_only():
    """|z - 1|: the breakpoint z = 1 is not an endpoint of the image (0, inf), so the interval
    with two preimages is all of (0, inf), not cut at x = 1."""
    net = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[-1.0, 1.0], [0.0]])
    res = injectivity_1d(net)
    assert res.multiple_interval == (0.0, INF) and res.unique_interval is None


def test_absval_witnesses():
    res = injectivity_1d(absval_net())
    assert res.unique_interval is None
    assert res.multiple_interval == (0.0, INF)
    z1, z2 = res.collision
    assert z1 == -z2 != 0


def test_tent_witnesses():
    res = injectivity_1d(TENT)
    # x < 0: one preimage (on the falling ray); 0 < x < 1: two.
    assert res.unique_interval == (-INF, 0.0)
    assert res.multiple_interval == (0.0, 1.0)


def test_constant_has_a_collision_and_no_interval():
    for net in (ZERO_AFFINE, ZERO_NET, RELU_NEG_RELU):
        res = check_against_reference(net)
        assert res.unique_interval is None and res.multiple_interval is None
        z1, z2 = res.collision
        assert z1 != z2 and net(np.array([[z1]])) == net(np.array([[z2]]))


def test_exact_values_beyond_the_float_range_saturate_with_their_sign():
    from exactid.identifiability.line import _float

    assert _float(Fraction(3, 2)) == 1.5
    assert _float(Fraction(10) ** 400) == np.inf
    assert _float(-(Fraction(10) ** 400)) == -np.inf
    assert _float(Fraction(1, 2) + Fraction(10) ** 400) == np.inf


def test_reference_sanity():
    """The reference itself on functions whose preimage counts are known by hand."""
    ref = Reference(absval_net())
    assert [ref.count(x) for x in (-1, 0, 2)] == [0, 1, 2]
    ref = Reference(CLAMP)
    assert [ref.count(x) for x in (-1, 0, Fraction(1, 2), 1, 2)] == [0, INF, 1, INF, 0]
    ref = Reference(N_SHAPE)
    assert [ref.count(x) for x in (-2, -1, Fraction(-1, 2), 0, 1)] == [1, 2, 3, 2, 1]


# -- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, "relu", np.eye(1), [[[1.0]], [[1.0]]]])
def test_rejects_non_net(bad):
    with pytest.raises(ValueError, match="net: expected a ReluNet, found"):
        injectivity_1d(bad)


@pytest.mark.parametrize("net, dims", [
    (ReluNet([[[1.0, 2.0]], [[1.0]]], [[0.0], [0.0]]), "R^2 -> R^1"),
    (ReluNet([[[1.0]], [[1.0], [2.0]]], [[0.0], [0.0, 0.0]]), "R^1 -> R^2"),
])
def test_rejects_other_dimensions(net, dims):
    with pytest.raises(NotImplementedError, match="map R -> R, found " + re.escape(dims)):
        injectivity_1d(net)


# -- random nets ---------------------------------------------------------------------------------

#: Small dyadic values (zeros included): flat pieces, coinciding breakpoints and coinciding
#: image endpoints occur often, and every float operation on them is exact.
DYADIC_W = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
DYADIC_B = st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0])


@st.composite
def dyadic_nets(draw, max_hidden_layers=2, max_width=4):
    n_hidden = draw(st.integers(1, max_hidden_layers))
    widths = [1] + [draw(st.integers(1, max_width)) for _ in range(n_hidden)] + [1]
    weights, biases = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        weights.append(np.reshape(draw(st.lists(DYADIC_W, min_size=n_in * n_out,
                                                max_size=n_in * n_out)), (n_out, n_in)))
        biases.append(np.array(draw(st.lists(DYADIC_B, min_size=n_out, max_size=n_out))))
    slope = draw(st.sampled_from([0.0, 0.0, 0.25]))
    return ReluNet(weights, biases, negative_slope=slope)


@given(dyadic_nets(max_hidden_layers=1, max_width=4))
def test_one_hidden_layer_dyadic_matches_reference(net):
    check_against_reference(net)


@given(dyadic_nets(max_hidden_layers=3, max_width=3))
def test_deep_dyadic_matches_reference(net):
    check_against_reference(net)


# Float weights bounded away from 0 (|w| >= 1e-3): breakpoints and image endpoints stay
# within a few thousand, where every witness is representable in floats.
@given(nets_1d(max_hidden_layers=1, max_width=5, min_abs=1e-3))
def test_one_hidden_layer_float_matches_reference(net):
    check_against_reference(net)


@given(nets_1d(max_hidden_layers=3, max_width=3, min_abs=1e-3))
def test_deep_float_matches_reference(net):
    check_against_reference(net)


def verdicts_only(net: ReluNet) -> None:
    check_against_reference(net, witnesses=False)


# Any float weights, tiny ones included (breakpoints up to ~1e300 and beyond): the verdicts
# must still be exact.  The float witnesses are not checked here: near-degenerate intervals
# narrower than a float ulp have no float representation (see the report).
@given(nets_1d(max_hidden_layers=1, max_width=5))
def test_one_hidden_layer_any_float_verdicts(net):
    verdicts_only(net)


@given(nets_1d(max_hidden_layers=3, max_width=3))
def test_deep_any_float_verdicts(net):
    verdicts_only(net)


# -- regressions: far breakpoints and the float range -----------------------------------------


@pytest.mark.parametrize("w_in, w_out", [(2.0**-53, 1.0), (-(2.0**-53), -1.0)])
def test_collision_on_far_flat_ray(w_in, w_out):
    # f(z) = w_out ReLU(w_in z + 1): flat on the ray beyond z = -2**53 (or 2**53).
    net = ReluNet([[[w_in]], [[w_out]]], [[1.0], [0.0]])
    res = check_against_reference(net)
    assert res.injective is False


@pytest.mark.parametrize("net", [
    # ReLU(w z + b) with breakpoint -b / w beyond 1.8e308: ReLU-like, (F2), (F3), not (F4).
    ReluNet([[[5e-324]], [[1.0]]], [[1.0], [0.0]]),
    ReluNet([[[1e-300]], [[1.0]]], [[1e10], [0.0]]),
    # ReLU(z) + 1e-200 ReLU(-1e-200 z): one breakpoint at 0, slope -1e-400 on z < 0, so x > 0
    # has two preimages, x and -x * 1e400.
    ReluNet([[[1.0], [-1e-200]], [[1.0, 1e-200]]], [[0.0, 0.0], [0.0]]),
], ids=["subnormal_weight", "huge_ratio", "tiny_slope"])
def test_float_overflow(net):
    res = injectivity_1d(net)
    assert (res.weakly_injective, res.observably_injective, res.injective) == Reference(
        net).verdicts()
