"""The exact linear pieces of 1-D ReLU / leaky-ReLU networks (exactid.regions).

References used here are independent of the library: the network's own float forward pass,
a forward pass in :class:`fractions.Fraction` arithmetic written below (exact for the float
network, since every float is a dyadic rational), and closed-form pieces of hand-built nets
(including Example 5 of Appendix H of the paper, built from its definitions).
"""

from __future__ import annotations

import bisect
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid import GaussianMixture, LatentModel, Pieces1D, ReluNet, log_pdf, pieces_1d
from exactid.regions import EXACT_MAX_WEIGHTS, density_pieces

from ..float_models import absval_net, finite, nets_1d

#: Float pieces vs the float forward pass, relative to the magnitude bound M(z) (below).
#: Both sides are short chains of dot products of length <= 7 (width <= 6 plus the bias)
#: over <= 4 layers.  The standard bound |fl(w.h + b) - (w.h + b)| <= gamma_8 (|w|.|h| + |b|),
#: gamma_8 ~ 8 eps, propagated through the remaining layers (activations are 1-Lipschitz and
#: |max(t, a t)| <= |t| for 0 <= a <= 1), bounds the forward-pass error by ~ 4 * 8 eps * M(z)
#: ~ 7e-15 M(z).  A piece's slope and intercept are sums over activation paths with the same
#: kind of bound relative to their absolute path sums, whose combination |slope| |z| +
#: |intercept| is again <= M(z); choosing the neighbouring piece at a z within rounding of a
#: breakpoint costs at most |slope jump| * eps |t| <= 2 eps M.  In total ~ 20 eps M ~ 5e-15 M;
#: 1e-12 leaves a margin of ~200.  The "1 +" is an absolute floor for nets whose weights are
#: so small (hypothesis draws values like 1e-300) that products underflow: there the
#: rounding is absolute (~ 5e-324 per operation), not relative.
FLOAT_RTOL = 1e-12

#: Float breakpoints vs exact ones (well-scaled nets): each breakpoint is -b_i / a_i with
#: a_i, b_i sums of a few products, i.e. a few ulp relative; observed <= 6.4e-16 over 300
#: derandomized examples of nets_1d(min_abs=0.1).
BREAK_RTOL = 1e-12


# -- references ------------------------------------------------------------------------------


def magnitude_bound(net: ReluNet, z) -> np.ndarray:
    """M(z): the forward pass with |W|, |b| and |z|, shape (N, n).  It bounds the absolute
    value of every pre-activation, activation and output, in every layer."""
    h = np.abs(np.asarray(z, dtype=float))[:, None]
    with np.errstate(over="ignore", invalid="ignore"):  # inf * 0 -> nan, filtered by callers
        for w, b in zip(net.weights, net.biases):
            h = h @ np.abs(w).T + np.abs(b)
    return h


class FractionNet:
    """The float network evaluated exactly in rationals (weights converted exactly)."""

    def __init__(self, net: ReluNet):
        self.weights = [[[Fraction(float(v)) for v in row] for row in w] for w in net.weights]
        self.biases = [[Fraction(float(v)) for v in b] for b in net.biases]
        self.slope = Fraction(net.negative_slope)

    def __call__(self, z: Fraction) -> list[Fraction]:
        h = [z]
        last = len(self.weights) - 1
        for layer, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = [sum((wi * hi for wi, hi in zip(row, h)), bias) for row, bias in zip(w, b)]
            if layer < last:
                h = [t if t > 0 else self.slope * t for t in h]
        return h


def eval_exact_piece(pieces: Pieces1D, k: int, z: Fraction) -> list[Fraction]:
    return [s * z + c for s, c in zip(pieces.slopes[k], pieces.intercepts[k])]


def probe_points(net: ReluNet, breakpoints) -> np.ndarray:
    """~2000 points spanning well beyond all finite breakpoints (a linear grid around the
    moderate ones plus a symmetric geometric grid out to twice the largest), and every
    breakpoint t with t +- 1e-9 max(1, |t|).  Points where the magnitude bound is not safely
    finite are dropped (the network itself would overflow there)."""
    t = np.asarray(breakpoints, dtype=float)
    t = t[np.isfinite(t)]
    moderate = np.abs(t[np.abs(t) <= 1e4]).max(initial=0.0)
    big = min(np.abs(t).max(initial=0.0), 1e300)
    lin = np.linspace(-(2 * moderate + 10), 2 * moderate + 10, 1000)
    geo = np.geomspace(1e-6, 2 * big + 10, 500)
    delta = 1e-9 * np.maximum(1.0, np.abs(t))
    z = np.unique(np.concatenate([lin, geo, -geo, t, t - delta, t + delta, [0.0]]))
    return z[np.all(magnitude_bound(net, z) < 1e290, axis=1)]


# -- strategies ------------------------------------------------------------------------------


@st.composite
def multi_output_nets(draw, min_abs=0.0, **net_kwargs):
    """nets_1d with the last layer replaced by one with 2-4 outputs."""
    net = draw(nets_1d(min_abs=min_abs, **net_kwargs))
    n_out = draw(st.integers(2, 4))
    width = net.weights[-1].shape[1]
    value = st.floats(-2.5, 2.5, **finite).filter(lambda v: abs(v) >= min_abs)
    w = draw(st.lists(value, min_size=n_out * width, max_size=n_out * width))
    b = draw(st.lists(value, min_size=n_out, max_size=n_out))
    return ReluNet(
        [*net.weights[:-1], np.reshape(w, (n_out, width))],
        [*net.biases[:-1], np.array(b)],
        negative_slope=net.negative_slope,
    )


any_nets = st.one_of(nets_1d(), multi_output_nets())


# -- reproduction of the network ---------------------------------------------------------------


def assert_float_pieces_reproduce(net: ReluNet, pieces: Pieces1D, extra=()) -> None:
    z = probe_points(net, np.concatenate([pieces.as_float().breakpoints, extra]))
    got, want = pieces(z), net(z)
    assert got.shape == want.shape == (z.size, net.output_dim)
    assert np.isfinite(got).all()
    err = np.abs(got - want)
    bound = FLOAT_RTOL * (1.0 + magnitude_bound(net, z))
    assert (err <= bound).all(), (z[np.argmax((err / bound).max(axis=1))], (err / bound).max())


@given(any_nets)
def test_float_pieces_reproduce_network(net):
    assert_float_pieces_reproduce(net, pieces_1d(net))


@given(any_nets)
def test_exact_pieces_reproduce_network_in_float(net):
    """The rational pieces rounded once (Pieces1D.__call__) against the float forward pass."""
    assert_float_pieces_reproduce(net, pieces_1d(net, exact=True))


@given(any_nets)
def test_exact_pieces_equal_fraction_network(net):
    """Rational evaluation of the exact pieces at rational points == the network evaluated in
    Fractions, with no tolerance; at each breakpoint both neighbouring pieces must agree."""
    pieces = pieces_1d(net, exact=True)
    ref = FractionNet(net)
    breaks = list(pieces.breakpoints)
    z_float = probe_points(net, pieces.as_float().breakpoints)
    points = [Fraction(float(v)) for v in z_float[:: max(1, z_float.size // 150)]]
    eps = Fraction(1, 10**9)
    for t in breaks:
        points += [t - eps, t + eps]
    for z in points:
        k = bisect.bisect_right(breaks, z)
        assert eval_exact_piece(pieces, k, z) == ref(z), (z, k)
    for k, t in enumerate(breaks):
        want = ref(t)
        assert eval_exact_piece(pieces, k, t) == want
        assert eval_exact_piece(pieces, k + 1, t) == want


# -- structure ---------------------------------------------------------------------------------


def check_structure(net: ReluNet, pieces: Pieces1D, exact: bool) -> None:
    bps = pieces.breakpoints
    n_out = net.output_dim
    assert pieces.exact is exact
    assert pieces.n_pieces == len(bps) + 1
    assert pieces.slopes.shape == pieces.intercepts.shape == (pieces.n_pieces, n_out)
    if exact:
        assert all(isinstance(t, Fraction) for t in bps)
        assert all(isinstance(v, Fraction) for v in pieces.slopes.ravel())
        assert all(isinstance(v, Fraction) for v in pieces.intercepts.ravel())
    else:
        assert np.isfinite(bps).all()
        assert np.isfinite(pieces.slopes).all() and np.isfinite(pieces.intercepts).all()
    assert all(a < b for a, b in zip(bps[:-1], bps[1:])), "breakpoints not strictly increasing"
    for k, t in enumerate(bps):
        sl, sr = pieces.slopes[k], pieces.slopes[k + 1]
        il, ir = pieces.intercepts[k], pieces.intercepts[k + 1]
        # Merging happened: no two neighbours carry the same affine map.
        assert not (np.array_equal(sl, sr) and np.array_equal(il, ir)), k
        if exact:
            # A genuine kink, and the two maps agree exactly at the breakpoint.  (With exact
            # continuity, equal slopes would force equal intercepts, i.e. an unmerged piece.)
            assert any(a != b for a, b in zip(sl, sr)), k
            assert [s * t + c for s, c in zip(sl, il)] == [s * t + c for s, c in zip(sr, ir)], k
        else:
            mag = magnitude_bound(net, [t])[0]
            if not (mag < 1e290).all():
                continue  # breakpoint so far out that the network itself overflows there
            left, right = sl * t + il, sr * t + ir
            bound = FLOAT_RTOL * (1.0 + mag)
            assert (np.abs(left - right) <= bound).all(), (k, t, left, right)


@given(any_nets)
def test_structure_float(net):
    check_structure(net, pieces_1d(net), exact=False)


@given(any_nets)
def test_structure_exact(net):
    pieces = pieces_1d(net, exact=True)
    check_structure(net, pieces, exact=True)
    # Rounding to float keeps the structure (beyond-float-range breakpoints are dropped).
    rounded = pieces.as_float()
    assert np.isfinite(rounded.breakpoints).all()
    assert np.all(np.diff(rounded.breakpoints) >= 0)
    assert rounded.n_pieces == rounded.breakpoints.size + 1


# -- known cases -------------------------------------------------------------------------------

F = Fraction


def _relu_net(weights, biases=None, slope=0.0):
    if biases is None:
        biases = [np.zeros(np.shape(w)[0]) for w in weights]
    return ReluNet(weights, biases, negative_slope=slope)


def example_5_net(upto_h2: bool = False) -> ReluNet:
    """Appendix H, Example 5: sigma(x) = x (x >= 0), x/2 (x < 0); h1(x) = (x, -x);
    h2 = [[1, -1], [1, 1]]; h3(x, y) = y; f = h3 o sigma o h2 o sigma o h1 = |x| / 2.
    With ``upto_h2`` the net is h2 o sigma o h1, which the paper gives as (3x/2, x/2) for
    x >= 0 and (3x/2, -x/2) for x < 0."""
    h1 = [[1.0], [-1.0]]
    h2 = [[1.0, -1.0], [1.0, 1.0]]
    h3 = [[0.0, 1.0]]
    layers = [h1, h2] if upto_h2 else [h1, h2, h3]
    return _relu_net(layers, slope=0.5)


KNOWN = {
    # name: (net, breakpoints, slopes (K, n), intercepts (K, n)), all exact rationals
    "abs": (absval_net(), [0], [[-1], [1]], [[0], [0]]),
    "relu": (_relu_net([[[1.0]], [[1.0]]]), [0], [[0], [1]], [[0], [0]]),
    "shifted_relu_2z_minus_1": (
        _relu_net([[[2.0]], [[1.0]]], [[-1.0], [0.0]]), [F(1, 2)], [[0], [2]], [[0], [-1]]
    ),
    "relu_of_minus_relu_is_zero": (
        _relu_net([[[1.0]], [[-1.0]], [[1.0]]]), [], [[0]], [[0]]
    ),
    "relu_minus_relu_merged": (_relu_net([[[1.0], [1.0]], [[1.0, -1.0]]]), [], [[0]], [[0]]),
    "leaky_half": (_relu_net([[[1.0]], [[1.0]]], slope=0.5), [0], [[F(1, 2)], [1]], [[0], [0]]),
    "hat_0_1_2": (
        _relu_net([[[1.0], [1.0], [1.0]], [[1.0, -2.0, 1.0]]], [[0.0, -1.0, -2.0], [0.0]]),
        [0, 1, 2],
        [[0], [1], [-1], [0]],
        [[0], [0], [2], [0]],
    ),
    "affine": (_relu_net([[[2.5]]], [[-1.0]]), [], [[F(5, 2)]], [[-1]]),
    "affine_two_outputs": (
        _relu_net([[[2.0], [-3.0]]], [[1.0, 0.5]]), [], [[2, -3]], [[1, F(1, 2)]]
    ),
    "paper_example_5_abs_over_2": (example_5_net(), [0], [[F(-1, 2)], [F(1, 2)]], [[0], [0]]),
    "paper_example_5_h2_sigma_h1": (
        example_5_net(upto_h2=True),
        [0],
        [[F(3, 2), F(-1, 2)], [F(3, 2), F(1, 2)]],
        [[0, 0], [0, 0]],
    ),
}


@pytest.mark.parametrize("exact", [False, True], ids=["float", "exact"])
@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_pieces(name, exact):
    net, breaks, slopes, intercepts = KNOWN[name]
    pieces = pieces_1d(net, exact=exact)
    if exact:
        assert list(pieces.breakpoints) == [F(t) for t in breaks]
        assert pieces.slopes.tolist() == [[F(v) for v in row] for row in slopes]
        assert pieces.intercepts.tolist() == [[F(v) for v in row] for row in intercepts]
    else:
        # Every expected value is a dyadic rational, so float mode must hit it exactly.
        assert pieces.breakpoints.tolist() == [float(t) for t in breaks]
        assert pieces.slopes.tolist() == [[float(v) for v in row] for row in slopes]
        assert pieces.intercepts.tolist() == [[float(v) for v in row] for row in intercepts]
    check_structure(net, pieces, exact)


def test_paper_example_5_is_abs_over_2_pointwise():
    """The network built from the paper's definitions is |x|/2 (forward pass, no pieces)."""
    z = np.linspace(-7, 7, 141)
    np.testing.assert_array_equal(example_5_net()(z)[:, 0], np.abs(z) / 2)
    h = example_5_net(upto_h2=True)(z)
    np.testing.assert_array_equal(h[:, 0], 1.5 * z)
    np.testing.assert_array_equal(h[:, 1], np.abs(z) / 2)


# -- counting ----------------------------------------------------------------------------------


@given(st.one_of(nets_1d(max_hidden_layers=1, max_width=12),
                 multi_output_nets(max_hidden_layers=1, max_width=12)))
def test_one_hidden_layer_at_most_width_plus_one_pieces(net):
    w = net.weights[0].shape[0]
    assert pieces_1d(net).n_pieces <= w + 1
    assert pieces_1d(net, exact=True).n_pieces <= w + 1


@given(any_nets)
def test_pieces_at_most_product_of_widths_plus_one(net):
    """Each hidden layer of width w splits every piece into at most w + 1 sub-pieces."""
    bound = int(np.prod([w.shape[0] + 1 for w in net.weights[:-1]]))
    assert pieces_1d(net).n_pieces <= bound
    assert pieces_1d(net, exact=True).n_pieces <= bound


# -- float vs exact ----------------------------------------------------------------------------


def slope_bound(net: ReluNet) -> np.ndarray:
    """|W_L| ... |W_1| 1, shape (n,): a bound on |slope| of every piece; the rounding error of
    a float slope is a few eps times it."""
    h = np.ones(1)
    for w in net.weights:
        h = np.abs(w) @ h
    return h


def negligible_kink(net: ReluNet, pieces: Pieces1D, left: int, right: int) -> bool:
    """The maps of pieces ``left`` and ``right`` have slopes equal to rounding: the kink
    between them (if any) is below float resolution."""
    jump = np.abs(np.asarray(pieces.slopes[right] - pieces.slopes[left], dtype=float))
    return bool((jump <= FLOAT_RTOL * slope_bound(net)).all())


def compare_breakpoints(net: ReluNet, fl: Pieces1D, ex: Pieces1D):
    """Match float breakpoints to exact ones within BREAK_RTOL (set to set).

    Returns (exact breakpoints with no float partner, float clusters with no exact partner).
    A float cluster is a run of float breakpoints each within BREAK_RTOL of the next; a
    cluster of two or more brackets ulp-wide pieces (two neurons whose exact crossings
    coincide, rounded to neighbouring floats).  Every unmatched breakpoint of either list is
    checked to be a negligible kink: its two outer maps have slopes equal to rounding."""
    ex_f = ex.as_float().breakpoints
    fb = fl.breakpoints

    def near(t, others):
        return np.abs(others - t).min(initial=np.inf) <= BREAK_RTOL * max(1.0, abs(t))

    lonely_exact = []
    for k, t in enumerate(ex.breakpoints):
        t = float(t)
        if np.isfinite(t) and not near(t, fb):
            lonely_exact.append(t)
            assert negligible_kink(net, ex, k, k + 1), ("exact kink missing in float", t)
    clusters, start = [], 0
    for i in range(1, fb.size + 1):
        if i == fb.size or fb[i] - fb[i - 1] > BREAK_RTOL * max(1.0, abs(fb[i])):
            clusters.append((start, i - 1))
            start = i
    lonely_float = []
    for i, j in clusters:
        if not any(near(t, ex_f) for t in fb[i : j + 1]):
            lonely_float.append(fb[i : j + 1].tolist())
            # pieces i (left of the cluster) and j + 1 (right of it)
            assert negligible_kink(net, fl, i, j + 1), ("float-only kink", fb[i : j + 1])
    return lonely_exact, lonely_float


@given(st.one_of(nets_1d(min_abs=0.1), multi_output_nets(min_abs=0.1)))
def test_float_breakpoints_match_exact(net):
    """On well-scaled nets every exact breakpoint has a float one within BREAK_RTOL, and
    compare_breakpoints checks that any float breakpoint without an exact partner is a
    negligible kink (none are expected: float pieces are the exact ones rounded once)."""
    fl, ex = pieces_1d(net), pieces_1d(net, exact=True)
    lonely_exact, _ = compare_breakpoints(net, fl, ex)
    assert lonely_exact == []


#: Nets (weights rounded to one decimal, found by random search) where float propagation of the
#: pieces used to differ from the exact pieces.  Float pieces are now the exact pieces rounded
#: once, so these differences must be gone.
FLOAT_EXTRAS = {
    # f = 0.8 relu(-0.8 relu(0.9 z + 0.7)) - 2.1 is constant.  Exact: one piece.  Float
    # propagation: the crossing -0.7/0.9 of layer 1 and the crossing of layer 2 (the same
    # real number) rounded to neighbouring floats, leaving a one-ulp piece between them.
    "ulp_piece": ([[[0.9]], [[-0.8]], [[0.8]]], [[0.7], [-0.0], [-2.1]], 0, 0),
    # The same with two neurons per layer (float breakpoints 0.3333333333333333 and
    # 0.33333333333333337 around a one-ulp piece).
    "ulp_piece_2": (
        [[[-1.0], [-0.3]], [[-1.3, 0.2], [1.0, -0.7]], [[-0.4, 0.3]]],
        [[-1.8, 0.1], [-0.5, 0.0], [-2.7]], 0, 0,
    ),
    # Two float pieces (slopes 0.156 and 0.15599999999999997) that are one exact piece.
    "unmerged_near_equal_pieces": (
        [[[0.2], [1.3]], [[0.7, 0.1], [0.7, 0.7], [0.0, -0.6]], [[-0.2, 0.2, 1.3]]],
        [[-0.6, -0.2], [1.2, -0.5, 0.9], [-1.0]], 0, 0,
    ),
    # Layer-2 slope 1.6*0.3 - 0.6*1.1 + 0.3*0.6 is 0 in real arithmetic; for the float
    # weights it is a residue of ~4e-17, so the exact pieces end with a far-out kink of
    # negligible size at 4.35e16 (float propagation put it at 2.61e16).
    "cancellation_residue": (
        [[[0.3], [1.1], [0.6]], [[1.6, -0.6, 0.3]], [[-1.3]]],
        [[0.4, -1.0, -1.3], [0.6], [0.5]], 0, 0,
    ),
}


@pytest.mark.parametrize("name", sorted(FLOAT_EXTRAS))
def test_float_pieces_are_exact_pieces_rounded(name):
    weights, biases, n_lonely_exact, n_lonely_float = FLOAT_EXTRAS[name]
    net = _relu_net(weights, biases)
    fl, ex = pieces_1d(net), pieces_1d(net, exact=True)
    lonely_exact, lonely_float = compare_breakpoints(net, fl, ex)
    assert len(lonely_exact) == n_lonely_exact
    assert len(lonely_float) == n_lonely_float
    assert fl.breakpoints.tolist() == [float(t) for t in ex.breakpoints]
    assert fl.slopes.tolist() == [[float(v) for v in row] for row in ex.slopes]
    assert fl.intercepts.tolist() == [[float(v) for v in row] for row in ex.intercepts]
    check_structure(net, fl, exact=False)
    check_structure(net, ex, exact=True)
    assert_float_pieces_reproduce(net, fl)


# -- degenerate nets ---------------------------------------------------------------------------

TINY = 5e-324  # the smallest subnormal

SUBNORMAL_NETS = {
    # relu(tiny z + 1): crossing at -2^1074, beyond the float range
    "tiny_first_weight": _relu_net([[[TINY]], [[1.0]]], [[1.0], [0.0]]),
    # relu(1 - tiny relu(z)): crossing at +2^1074 in the second layer
    "tiny_second_weight": _relu_net([[[1.0]], [[-TINY]], [[1.0]]], [[0.0], [1.0], [0.0]]),
    # relu(z + tiny) - relu(z): breakpoints -tiny and 0
    "tiny_bias": _relu_net([[[1.0], [1.0]], [[1.0, -1.0]]], [[TINY, 0.0], [0.0]]),
    # relu(tiny z), leaky
    "tiny_weight_leaky": _relu_net([[[TINY]], [[1.0]]], slope=0.5),
}
#: The nets whose float crossings overflow to +-inf.
OVERFLOWING = {"tiny_first_weight", "tiny_second_weight"}


def _big_net_with_tiny_weight() -> ReluNet:
    """More than EXACT_MAX_WEIGHTS weights, so density_pieces takes the float path."""
    width = EXACT_MAX_WEIGHTS // 2 + 1
    w1 = np.linspace(0.5, 1.5, width)[:, None]
    b1 = np.linspace(-1.0, 1.0, width)
    w1[0, 0], b1[0] = TINY, 1.0
    w2 = np.full((1, width), 1.0 / width)
    return _relu_net([w1, w2], [b1, [0.0]])


@pytest.mark.parametrize("name", sorted(SUBNORMAL_NETS))
def test_subnormal_weight_gives_finite_pieces(name):
    net = SUBNORMAL_NETS[name]
    exact = pieces_1d(net, exact=True)
    check_structure(net, exact, exact=True)
    dens = density_pieces(net)
    assert not dens.exact
    assert np.isfinite(dens.breakpoints).all()
    assert np.isfinite(dens.slopes).all() and np.isfinite(dens.intercepts).all()
    z = np.concatenate([[-1e300, -1e20, -1.0, -TINY, 0.0, TINY, 1.0, 1e20, 1e300],
                        np.linspace(-5, 5, 101)])
    for pieces in (pieces_1d(net), exact, dens):
        assert np.isfinite(pieces(z)).all()
        assert_float_pieces_reproduce(net, pieces, extra=z)
    model = LatentModel(GaussianMixture([0.5, 0.5], [-1.0, 2.0], [1.0, 0.25]), net, 0.5)
    assert np.isfinite(log_pdf(model, np.linspace(-5, 5, 21))).all()


@pytest.mark.parametrize("name", sorted(OVERFLOWING))
def test_float_pieces_overflowing_crossing_no_warning(name):
    """A float crossing -b/a that overflows to +-inf is an anticipated case (no cut, the
    position rule decides the side); it must not leak 'overflow encountered in scalar divide'.
    (This failed when the test was written; regions.py has since silenced it.)"""
    net = SUBNORMAL_NETS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pieces = pieces_1d(net)
    # The crossing beyond the float range is no breakpoint; the others match exact mode.
    assert pieces.breakpoints.tolist() == pieces_1d(net, exact=True).as_float().breakpoints.tolist()


def test_density_of_large_net_with_subnormal_weight_no_warning():
    """The same through the density: more than EXACT_MAX_WEIGHTS weights make density_pieces
    take the float path."""
    net = _big_net_with_tiny_weight()
    model = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), net, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = log_pdf(model, np.linspace(-3, 3, 7))
    assert np.isfinite(values).all()


def test_large_net_with_subnormal_weight_values_are_right():
    """The float path of density_pieces is right on it."""
    net = _big_net_with_tiny_weight()
    assert sum(w.size for w in net.weights) > EXACT_MAX_WEIGHTS
    dens = density_pieces(net)
    assert np.isfinite(dens.breakpoints).all()
    assert_float_pieces_reproduce(net, dens)


# -- validation --------------------------------------------------------------------------------


def test_rejects_input_dimension_2():
    net = ReluNet([np.ones((3, 2)), np.ones((1, 3))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError, match="input dimension 1"):
        pieces_1d(net)
    with pytest.raises(ValueError, match="input dimension 1"):
        pieces_1d(net, exact=True)


@pytest.mark.parametrize(
    "obj",
    [
        "net",
        None,
        [[[1.0]], [[1.0]]],
        LatentModel(GaussianMixture([1.0], [0.0], [1.0]), absval_net(), 0.1),
    ],
    ids=["str", "none", "list", "latent_model"],
)
def test_rejects_non_relu_net(obj):
    with pytest.raises(ValueError, match="net: expected a ReluNet"):
        pieces_1d(obj)
