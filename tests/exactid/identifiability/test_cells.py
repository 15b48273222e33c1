"""(F2)/(F3)/(F4) of paper 003 (Definition 3.1) decided by
exactid.identifiability.check_injectivity.

References, independent of the code under test (no regions_nd, no injectivity_nd internals):

* networks whose status is known by construction (leaky nets with invertible layers, identity
  nets, folds, coordinatewise ReLU, constants, paper 003 Example 1, Example 5, Appendix H);
* a brute-force preimage counter (:func:`preimages`): it enumerates *every* activation pattern
  of the hidden neurons (2^H of them, H <= 8 here), solves the pattern's affine map
  ``A z + b = x`` and keeps a solution ``z`` only if the *network* maps it to ``x``.  Every
  preimage lies in the closed region of some pattern and satisfies that pattern's affine
  equation, so a pattern with ``rank A = m`` finds it (its solution is unique); for a
  rank-deficient pattern an LP over the pattern's region (written here, not the library's)
  decides whether the solutions form more than a point (infinitely many preimages);
* ``exactid.identifiability.injectivity_1d`` (exact rational arithmetic) for ``m = n = 1``.

Witness checks (every report): F4 => F3 => F2 (Remark 3.1); an F4/F3 failure's ``z1 != z2``
(by more than 1e-6) have ``f(z1) == f(z2)`` to 1e-9 relative to ``1 + |f|`` (the accuracy of a
few float64 affine maps of O(1) weights is ~1e-15; 1e-9 is the tolerance the module documents);
an F3 failure's ``x == f(z1)`` and points ``z1 + u`` of its overlap ball have >= 2 preimages;
an F2 success's ball centre is ``f(z)``, has exactly one preimage, and so do images of points
``z + u`` with ``L |u| < radius / 2`` (``L`` a Lipschitz bound of f, so these images lie in the
ball) and the points of the image inside half the ball.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from exactid import ReluNet
from exactid.identifiability import (
    InjectivityReport,
    Verdict,
    check_injectivity,
    format_report,
    injectivity_1d,
)
from tests.budget import examples

finite = dict(allow_nan=False, allow_infinity=False)
WITNESS_RTOL = 1e-9
DISTINCT = 1e-6


# -- brute-force reference -----------------------------------------------------------------------
def pattern_maps(net: ReluNet):
    """Every activation pattern with its region ``{z : S z + s >= 0}`` and map ``A z + b``."""
    hidden = [w.shape[0] for w in net.weights[:-1]]
    m = net.input_dim
    out = []
    for flat in itertools.product((True, False), repeat=sum(hidden)):
        P, q = np.eye(m), np.zeros(m)
        rows, rhs = [], []
        k = 0
        for layer, width in enumerate(hidden):
            active = np.array(flat[k:k + width])
            k += width
            pre_P = net.weights[layer] @ P
            pre_q = net.weights[layer] @ q + net.biases[layer]
            sign = np.where(active, 1.0, -1.0)
            rows.append(sign[:, None] * pre_P)
            rhs.append(sign * pre_q)
            mult = np.where(active, 1.0, net.negative_slope)
            P, q = mult[:, None] * pre_P, mult * pre_q
        A = net.weights[-1] @ P
        b = net.weights[-1] @ q + net.biases[-1]
        S = np.vstack(rows) if rows else np.zeros((0, m))
        s = np.concatenate(rhs) if rhs else np.zeros(0)
        out.append((S, s, A, b))
    return out


def _close_to_image(net, z, x, A, b) -> bool:
    """``f(z) == x`` up to 1e-9 of the size of the terms of the pattern map ``A z + b`` (the
    rounding of a few float64 affine maps is ~1e-15 of it; relative, so that f and 1e-11 f
    are treated alike)."""
    fz = net(np.atleast_2d(z))[0]
    size = np.abs(x).max() + (np.abs(A) @ np.abs(z) + np.abs(b)).max()
    return np.abs(fz - x).max() <= 1e-9 * size


def preimages(net: ReluNet, x, maps=None):
    """``(count, points)``: the number of preimages of ``x`` (``math.inf`` if infinitely many)."""
    from scipy.optimize import linprog

    x = np.asarray(x, float)
    m = net.input_dim
    maps = pattern_maps(net) if maps is None else maps
    found = []
    infinite = False
    for S, s, A, b in maps:
        sv = np.linalg.svd(A, compute_uv=False)
        rank = int(np.sum(sv > 1e-10 * max(sv.max(initial=0.0), 1e-300)))
        z, *_ = np.linalg.lstsq(A, x - b, rcond=None)
        if rank == m:
            if _close_to_image(net, z, x, A, b):
                found.append(z)
            continue
        # Rank-deficient: x must lie in the affine image of A (else no preimage here).
        size = np.abs(x).max() + (np.abs(A) @ np.abs(z) + np.abs(b)).max()
        if np.abs(A @ z + b - x).max() > 1e-9 * size:
            continue
        u_, _, vt = np.linalg.svd(A)
        null = vt[rank:]
        a_eq, b_eq = (u_[:, :rank].T @ A, u_[:, :rank].T @ (x - b)) if rank else (None, None)
        a_ub = -S if S.size else None
        b_ub = s if S.size else None
        spans = []
        for v in null:
            vals = []
            for sign in (1.0, -1.0):
                res = linprog(-sign * v, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                              bounds=[(-1e6, 1e6)] * m, method="highs")
                if res.status != 0:
                    break
                vals.append(sign * v @ res.x)
                point = res.x
            if len(vals) == 2:
                spans.append(vals[0] + vals[1])
        if spans and max(spans) > 1e-6:
            infinite = True
        elif spans and _close_to_image(net, point, x, A, b):
            found.append(point)
    if infinite:
        return math.inf, found
    distinct = []
    for z in found:
        if not any(np.abs(z - u).max() <= 1e-6 * (1.0 + np.abs(u).max()) for u in distinct):
            distinct.append(z)
    return len(distinct), distinct


def lipschitz(net: ReluNet) -> float:
    """A Lipschitz bound of f: product of spectral norms times max(1, slope) per activation."""
    act = max(1.0, net.negative_slope)
    L = 1.0
    for w in net.weights:
        L *= np.linalg.norm(w, 2)
    return L * act ** (net.n_layers - 1)


def evaluate(net, z):
    return net(np.atleast_2d(np.asarray(z, float)))[0]


def assert_collision(net, z1, z2, x=None):
    z1, z2 = np.asarray(z1, float), np.asarray(z2, float)
    f1, f2 = evaluate(net, z1), evaluate(net, z2)
    size = 1.0 + max(np.abs(f1).max(), np.abs(f2).max())
    assert np.abs(z1 - z2).max() > DISTINCT, (z1, z2)
    assert np.abs(f1 - f2).max() <= WITNESS_RTOL * size, (f1, f2)
    if x is not None:
        assert np.abs(np.asarray(x) - f1).max() <= WITNESS_RTOL * size, (x, f1)


def local_ranks(net, box, seed=0, n=200):
    """Ranks of the Jacobian at random points (central differences; f is piecewise affine)."""
    rng = np.random.default_rng(seed)
    m = net.input_dim
    ranks = []
    for z in rng.uniform(-box, box, size=(n, m)):
        h = 1e-6 * (1.0 + np.abs(z).max())
        J = np.column_stack([(evaluate(net, z + h * e) - evaluate(net, z - h * e)) / (2 * h)
                             for e in np.eye(m)])
        ranks.append(np.linalg.matrix_rank(J, tol=1e-6 * max(1.0, np.abs(J).max())))
    return ranks


def describe(net):
    return (f"ReluNet({[w.tolist() for w in net.weights]}, "
            f"{[b.tolist() for b in net.biases]}, negative_slope={net.negative_slope})")


def check_report(net: ReluNet, report: InjectivityReport, seed=0):
    """Every consistency and witness check of the module docstring (failures name the net)."""
    try:
        _check_report(net, report, seed)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{describe(net)}\n{format_report(report)}") from None


def _check_report(net, report, seed):
    m = net.input_dim
    assert (report.m, report.n) == (m, net.output_dim)
    for key in ("F2", "F3", "F4"):
        assert isinstance(getattr(report, key), Verdict)
    # Remark 3.1: (F4) => (F3) => (F2) for piecewise affine maps.
    if report.F4.holds:
        assert report.F3.holds, report
    if report.F3.holds:
        assert report.F2.holds, report
    maps = pattern_maps(net)
    rng = np.random.default_rng(seed)
    for key in ("F2", "F3", "F4"):  # witnesses lie in the printed box, or a note says why not
        w = getattr(report, key).witness
        outside = [k for k in ("z", "z1", "z2")
                   if k in w and np.abs(w[k]).max() > report.box * (1 + 1e-9)]
        assert not outside or any(f"({key}) witness lies outside" in n for n in report.notes)
    if report.F4.holds is False:
        w = report.F4.witness
        assert_collision(net, w["z1"], w["z2"], w.get("x"))
    if report.F3.holds is False:
        w = report.F3.witness
        if "z1" in w:
            assert_collision(net, w["z1"], w["z2"], w["x"])
            r = w["overlap_radius_z"]
            assert r > 0
            for _ in range(3):
                u = rng.normal(size=m)
                u *= 0.5 * r * rng.uniform() / np.linalg.norm(u)
                count, _ = preimages(net, evaluate(net, np.asarray(w["z1"]) + u), maps)
                assert count >= 2
        else:  # the image has dimension < m
            assert w["max_rank"] < m
            assert max(local_ranks(net, report.box, seed)) < m
    if report.F2.holds is True:
        w = report.F2.witness
        centre, radius, z = np.asarray(w["center"]), w["radius"], np.asarray(w["z"])
        assert radius > 0
        assert np.abs(evaluate(net, z) - centre).max() <= 1e-9 * (1.0 + np.abs(centre).max())
        count, pts = preimages(net, centre, maps)
        assert count == 1, (centre, pts)
        L = lipschitz(net)
        for _ in range(4):
            u = rng.normal(size=m)
            u *= 0.5 * radius / L * rng.uniform() / np.linalg.norm(u)
            x = evaluate(net, z + u)
            assert np.linalg.norm(x - centre) < radius
            count, pts = preimages(net, x, maps)
            assert count == 1, (x, pts)
        for _ in range(4):  # points of the ball that happen to be in the image (n = m)
            v = rng.normal(size=net.output_dim)
            x = centre + 0.5 * radius * rng.uniform() * v / np.linalg.norm(v)
            count, pts = preimages(net, x, maps)
            assert count in (0, 1), (x, pts)


def run(net, **kw):
    report = check_injectivity(net, **kw)
    check_report(net, report)
    return report


def verdicts(report):
    return report.F2.holds, report.F3.holds, report.F4.holds


def assert_verdicts(net, expected, **kw):
    report = check_injectivity(net, **kw)
    assert verdicts(report) == expected, f"{describe(net)}\n{format_report(report)}"
    check_report(net, report)
    return report


# -- strategies -----------------------------------------------------------------------------------
#: 0 or a moderate number (a tiny row would put its hyperplane beyond the regions' range).
MODERATE = st.one_of(st.just(0.0), st.floats(0.1, 1.0, **finite),
                     st.floats(-1.0, -0.1, **finite))


def rotation(m, angles):
    """An orthogonal m x m matrix from up to three angles."""
    if m == 1:
        return np.eye(1)
    c, s = np.cos(angles), np.sin(angles)
    c[np.abs(c) < 1e-12], s[np.abs(s) < 1e-12] = 0.0, 0.0  # cos(pi/2) = 6e-17 -> 0
    if m == 2:
        return np.array([[c[0], -s[0]], [s[0], c[0]]])
    rz = np.array([[c[0], -s[0], 0], [s[0], c[0], 0], [0, 0, 1]])
    ry = np.array([[c[1], 0, s[1]], [0, 1, 0], [-s[1], 0, c[1]]])
    rx = np.array([[1, 0, 0], [0, c[2], -s[2]], [0, s[2], c[2]]])
    return rz @ ry @ rx


@st.composite
def invertible(draw, m):
    """Well-conditioned invertible m x m: orthogonal times diag(+-[0.5, 2]), or triangular with
    diagonal +-[0.5, 2] and off-diagonal entries 0 or 0.1 <= |t| <= 1 (a tiny entry such as
    1e-78 puts a later hyperplane beyond the range of the automatic box, which regions_nd
    rejects by design)."""
    scales = np.array(draw(st.lists(st.floats(0.5, 2.0, **finite), min_size=m, max_size=m)))
    signs = np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=m, max_size=m)))
    D = np.diag(scales * signs)
    if draw(st.booleans()):
        angles = draw(st.lists(st.floats(0.0, 2 * np.pi, **finite), min_size=3, max_size=3))
        return rotation(m, np.array(angles)) @ D
    T = D.copy()
    for i, j in zip(*np.tril_indices(m, -1)):
        T[i, j] = draw(MODERATE)
    return T.T if draw(st.booleans()) else T


@st.composite
def output_map(draw, m, allow_wider=True):
    """Full-column-rank n x m, n = m or (for m <= 2) m + 1."""
    B = draw(invertible(m))
    if allow_wider and m <= 2 and draw(st.booleans()):
        angles = draw(st.lists(st.floats(0.0, 2 * np.pi, **finite), min_size=3, max_size=3))
        Q = rotation(m + 1, np.array(angles))
        B = Q[:, :m] @ B
    return B


def vec(n, lo=-1.0, hi=1.0):
    return st.lists(st.floats(lo, hi, **finite), min_size=n, max_size=n).map(np.array)


DIMS = st.sampled_from([1, 2, 3])


@st.composite
def leaky_invertible_nets(draw):
    m = draw(DIMS)
    hidden = draw(st.integers(1, 2 if m < 3 else 1))
    weights = [draw(invertible(m)) for _ in range(hidden + 1)]
    biases = [draw(vec(m)) for _ in range(hidden + 1)]
    return ReluNet(weights, biases, negative_slope=draw(st.sampled_from([0.1, 0.5])))


@st.composite
def affine_inside(draw, m):
    """u = A z + c with A invertible."""
    return draw(invertible(m)), draw(vec(m))


@st.composite
def identity_nets(draw):
    """f(z) = B (ReLU(u) - ReLU(-u)) + d = B u + d with u = A z + c (coordinatewise)."""
    m = draw(DIMS)
    A, c = draw(affine_inside(m))
    B = draw(output_map(m))
    W1 = np.vstack([A, -A])
    b1 = np.concatenate([c, -c])
    W2 = B @ np.hstack([np.eye(m), -np.eye(m)])
    return ReluNet([W1, W2], [b1, draw(vec(W2.shape[0]))])


@st.composite
def fold_nets(draw):
    """f(z) = B (|u_1|, u_2, ..., u_m) + d, u = A z + c."""
    m = draw(DIMS)
    A, c = draw(affine_inside(m))
    B = draw(output_map(m))
    W1 = np.vstack([A, -A])
    b1 = np.concatenate([c, -c])
    G = np.hstack([np.eye(m), -np.eye(m)])
    G[0, m] = 1.0  # |u_1| = ReLU(u_1) + ReLU(-u_1)
    W2 = B @ G
    return ReluNet([W1, W2], [b1, draw(vec(W2.shape[0]))])


@st.composite
def coordinatewise_relu_nets(draw):
    """f(z) = B ReLU(A z + c) + d."""
    m = draw(DIMS)
    A, c = draw(affine_inside(m))
    B = draw(output_map(m))
    return ReluNet([A, B], [c, draw(vec(B.shape[0]))])


@st.composite
def constant_nets(draw):
    """z -> 0 (last layer zero) or z -> constant (first layer zero)."""
    m = draw(DIMS)
    k = draw(st.integers(1, 3))
    n = draw(st.integers(m, 3))
    slope = draw(st.sampled_from([0.0, 0.5]))
    if draw(st.booleans()):
        W1 = np.array(draw(st.lists(MODERATE, min_size=k * m, max_size=k * m))).reshape(k, m)
        return ReluNet([W1, np.zeros((n, k))], [draw(vec(k)), np.zeros(n)], slope)
    W2 = np.array(draw(st.lists(st.floats(-2, 2, **finite), min_size=n * k,
                                max_size=n * k))).reshape(n, k)
    return ReluNet([np.zeros((k, m)), W2], [draw(vec(k)), draw(vec(n))], slope)


# -- 1. networks with known status -----------------------------------------------------------
@settings(max_examples=examples(25))
@given(leaky_invertible_nets())
def test_leaky_nets_with_invertible_layers_are_injective(net):
    assert_verdicts(net, (True, True, True))


@settings(max_examples=examples(20))
@given(identity_nets())
def test_identity_nets_are_injective(net):
    assert_verdicts(net, (True, True, True))


@settings(max_examples=examples(20))
@given(fold_nets())
def test_folds_are_not_weakly_injective(net):
    assert_verdicts(net, (False, False, False))


@settings(max_examples=examples(20))
@given(coordinatewise_relu_nets())
def test_coordinatewise_relu_is_observably_but_not_injective(net):
    assert_verdicts(net, (True, True, False))


@settings(max_examples=examples(15))
@given(constant_nets())
def test_constant_nets_satisfy_nothing(net):
    assert_verdicts(net, (False, False, False))


def relu_1d():
    return ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]])


def absval_1d():
    return ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])


def relu_minus_relu_1d():
    """ReLU(-ReLU(x)) = 0."""
    return ReluNet([[[1.0]], [[-1.0]], [[1.0]]], [[0.0], [0.0], [0.0]])


def example5():
    """Paper 003, Example 5: sigma = leaky ReLU with slope 1/2, h1 = (x, -x),
    h2 = [[1, -1], [1, 1]], h3(x, y) = y; f(x) = |x| / 2."""
    return ReluNet([[[1.0], [-1.0]], [[1.0, -1.0], [1.0, 1.0]], [[0.0, 1.0]]],
                   [[0.0, 0.0], [0.0, 0.0], [0.0]], negative_slope=0.5)


@pytest.mark.parametrize("make, expected", [
    (relu_1d, (True, True, False)),            # Example 1: observably injective, not injective
    (absval_1d, (False, False, False)),        # Example 1: |x| not weakly injective
    (relu_minus_relu_1d, (False, False, False)),  # Example 1: ReLU(-ReLU(x)) = 0
    (example5, (False, False, False)),         # Example 5: |x|/2, not weakly injective
], ids=["relu", "absval", "relu(-relu)", "example5"])
def test_paper_examples(make, expected):
    net = make()
    assert_verdicts(net, expected)


def test_example5_is_half_the_absolute_value():
    z = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(example5()(z)[:, 0], np.abs(z) / 2, rtol=0, atol=1e-15)


def test_example1_witnesses():
    report = run(absval_1d())
    z1, z2 = report.F4.witness["z1"][0], report.F4.witness["z2"][0]
    assert z1 == pytest.approx(-z2)  # |z| collides only at +-z
    relu = run(relu_1d())
    # the F4 failure of ReLU is the flat half-line z < 0
    assert relu.F4.witness["z1"][0] < 0 and relu.F4.witness["z2"][0] < 0


def test_curves_in_the_plane():
    """m = 1, n = 2: the fold t -> (|t|, 0) and the graph t -> (t, |t|) (injective)."""
    fold = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0], [0.0, 0.0]]], [[0.0, 0.0], [0.0, 0.0]])
    assert_verdicts(fold, (False, False, False))
    graph = ReluNet([[[1.0], [-1.0]], [[1.0, -1.0], [1.0, 1.0]]], [[0.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(graph([-2.0, 3.0]), [[-2.0, 2.0], [3.0, 3.0]])
    assert_verdicts(graph, (True, True, True))


# -- 2. F2 success witness against an overlapping fold ---------------------------------------
def test_partial_fold_is_weakly_but_not_observably_injective():
    """f(z) = ReLU(z) + ReLU(-z) - 2 ReLU(-z - 1): |z| on [-1, inf), z + 2 below.  Every
    x in (0, 1) has the three preimages x, -x, x - 2: not (F3); x > 1 (preimage x) and x < 0
    (preimage x - 2) have one: (F2)."""
    net = ReluNet([[[1.0], [-1.0], [-1.0]], [[1.0, 1.0, -2.0]]], [[0.0, 0.0, -1.0], [0.0]])
    z = np.linspace(-4, 4, 17)
    np.testing.assert_allclose(net(z)[:, 0], np.where(z >= -1, np.abs(z), z + 2), atol=1e-15)
    report = assert_verdicts(net, (True, False, False))
    centre, radius = report.F2.witness["center"][0], report.F2.witness["radius"]
    assert centre - radius >= 1.0 or centre + radius <= 0.0  # outside the triple cover


# -- 3. m = n = 1: agreement with the exact reference ----------------------------------------
DYADIC = st.sampled_from([k / 8 for k in range(-16, 17)])  # exact in float: no rounding


@st.composite
def dyadic_nets_1d(draw):
    n_hidden = draw(st.integers(1, 2))
    widths = [1] + [draw(st.integers(1, 4)) for _ in range(n_hidden)] + [1]
    weights, biases = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        weights.append(np.array(draw(st.lists(DYADIC, min_size=n_in * n_out,
                                              max_size=n_in * n_out))).reshape(n_out, n_in))
        biases.append(np.array(draw(st.lists(DYADIC, min_size=n_out, max_size=n_out))))
    slope = draw(st.sampled_from([0.0, 0.0, 0.1, 0.25, 0.5]))
    return ReluNet(weights, biases, negative_slope=slope)


def compare_1d(net):
    ref = injectivity_1d(net)
    report = check_injectivity(net)
    expected = (ref.weakly_injective, ref.observably_injective, ref.injective)
    assert verdicts(report) == expected, (describe(net), format_report(report))
    check_report(net, report)


@settings(max_examples=examples(40))
@given(dyadic_nets_1d())
def test_one_dimensional_verdicts_match_exact_reference(net):
    compare_1d(net)


@settings(max_examples=examples(30))
@given(st.data())
def test_one_dimensional_float_weights_match_exact_reference(data):
    """Generic float weights of moderate size (|w| >= 0.05 or 0)."""
    value = st.one_of(st.just(0.0), st.floats(0.05, 2.0, **finite),
                      st.floats(-2.0, -0.05, **finite))
    n_hidden = data.draw(st.integers(1, 2))
    widths = [1] + [data.draw(st.integers(1, 4)) for _ in range(n_hidden)] + [1]
    weights, biases = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        weights.append(np.array(data.draw(st.lists(value, min_size=n_in * n_out,
                                                   max_size=n_in * n_out))).reshape(n_out, n_in))
        biases.append(np.array(data.draw(st.lists(value, min_size=n_out, max_size=n_out))))
    net = ReluNet(weights, biases, data.draw(st.sampled_from([0.0, 0.1, 0.5])))
    # Exact cancellations of rounded products can give slopes of 1e-17 that the exact
    # reference sees as non-zero; keep such nets out (they are tested with dyadic weights).
    from exactid import pieces_1d

    slopes = pieces_1d(net, exact=True).slopes[:, 0]
    assume(all(s == 0 or abs(float(s)) > 1e-6 for s in slopes))
    compare_1d(net)


def test_constant_one_dimensional_map_all_false():
    net = ReluNet([[[0.0]], [[1.0]]], [[1.0], [2.0]])
    ref = injectivity_1d(net)
    assert (ref.weakly_injective, ref.observably_injective, ref.injective) == (False,) * 3
    assert_verdicts(net, (False, False, False))


# -- 4. Appendix H ---------------------------------------------------------------------------
@st.composite
def one_layer_relu_nets_2d(draw):
    k = draw(st.integers(2, 5))
    W1 = np.array(draw(st.lists(DYADIC, min_size=2 * k, max_size=2 * k))).reshape(k, 2)
    assume(np.abs(W1).sum(axis=1).min() > 0)
    b1 = np.array(draw(st.lists(DYADIC, min_size=k, max_size=k)))
    W2 = draw(invertible(k)) if k <= 3 else np.diag(draw(vec(k, 0.5, 2.0)))
    if k > 3:
        W2 = W2 + np.triu(np.array(draw(vec(k * k))).reshape(k, k), 1)
    return ReluNet([W1, W2], [b1, draw(vec(k))])


def directed_spanning_set(W, b) -> bool:
    """Puthawala et al. (2022), independently: every non-empty open cell of the arrangement
    {sign(W z + b)} has active rows spanning R^m (a margin LP per sign pattern)."""
    from scipy.optimize import linprog

    k, m = W.shape
    for signs in itertools.product((1.0, -1.0), repeat=k):
        s = np.array(signs)
        # max t  s.t.  s_j (w_j . z + b_j) >= t |w_j|,  t <= 1
        norms = np.linalg.norm(W, axis=1)
        a_ub = np.hstack([-s[:, None] * W, norms[:, None]])
        res = linprog(np.r_[np.zeros(m), -1.0], A_ub=a_ub, b_ub=s * b,
                      bounds=[(None, None)] * m + [(None, 1.0)], method="highs")
        if res.status != 0 or res.x[-1] <= 1e-7:
            continue
        active = s > 0
        if not active.any() or np.linalg.matrix_rank(W[active]) < m:
            return False
    return True


@settings(max_examples=examples(25))
@given(one_layer_relu_nets_2d())
def test_directed_spanning_set_matches_injectivity(net):
    report = run(net)
    dss = report.appendix_h["directed spanning set"]
    assert report.F4.holds is not None, describe(net)
    assert dss["applies"] is True
    assert dss["holds"] == report.F4.holds, describe(net)
    assert directed_spanning_set(net.weights[0], net.biases[0]) == report.F4.holds, describe(net)


@st.composite
def corollary_h4_nets(draw):
    m = draw(st.integers(1, 2))
    depth = draw(st.integers(1, 2))
    widths = [m]
    for _ in range(depth):
        widths.append(min(3, widths[-1] + draw(st.integers(0, 1))))
    widths.append(widths[-1] + draw(st.integers(0, 1)))
    weights = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        # full column rank: an invertible block on top of arbitrary rows
        k = (n_out - n_in) * n_in
        extra = np.array(draw(st.lists(MODERATE, min_size=k, max_size=k))).reshape(-1, n_in)
        weights.append(np.vstack([draw(invertible(n_in)), extra]))
    biases = [draw(vec(w.shape[0])) for w in weights]
    return ReluNet(weights, biases, negative_slope=draw(st.sampled_from([0.1, 0.5])))


@settings(max_examples=examples(20))
@given(corollary_h4_nets())
def test_corollary_h4_leaky_full_column_rank_is_injective(net):
    report = assert_verdicts(net, (True, True, True))
    entry = report.appendix_h["Corollary H.4"]
    assert entry["conditions_hold"] is True
    assert "note" not in entry


def test_corollary_h2_as_printed_is_false():
    """R -> R^2, z -> [[1, 1], [1, 1]] ReLU([z, -z]) = (|z|, |z|): widths 1 <= 2 <= 2 and
    dim f(R) = 1, yet every x = (t, t), t > 0, has the two preimages +-t."""
    net = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0], [1.0, 1.0]]], [[0.0, 0.0], [0.0, 0.0]])
    count, pts = preimages(net, [1.0, 1.0])
    assert count == 2 and sorted(p[0] for p in pts) == pytest.approx([-1.0, 1.0])
    np.testing.assert_array_equal(net([1.0, -1.0]), [[1.0, 1.0], [1.0, 1.0]])
    report = run(net)
    entry = report.appendix_h["Corollary H.2"]
    assert report.appendix_h["widths"] == [1, 2, 2]
    assert entry["conditions_hold"] is True
    assert report.F3.holds is False
    assert "not (F3)" in entry["note"] and "full column rank" in entry["note"]
    assert entry["every_layer_full_column_rank"] is False
    assert "note: the conditions hold as printed but f is not (F3)" in format_report(report)


def test_corollary_h2_with_full_rank_layers_has_no_note():
    net = ReluNet([[[1.0], [-1.0]], [[1.0, 2.0], [0.0, 1.0]]], [[0.0, 0.0], [0.0, 0.0]])
    report = run(net)
    entry = report.appendix_h["Corollary H.2"]
    assert entry["conditions_hold"] is True and "note" not in entry
    assert report.F3.holds is True


# -- report structure ------------------------------------------------------------------------
def test_report_to_dict_and_format():
    import json

    report = run(ReluNet([np.eye(2), np.eye(2)], [np.zeros(2), np.zeros(2)]))
    d = json.loads(json.dumps(report.to_dict()))
    assert (d["F2"], d["F3"], d["F4"]) == (True, True, False)
    assert set(d["witnesses"]) == {"F2", "F3", "F4"} and d["n_regions"] == report.n_regions
    text = format_report(report, "relu2")
    assert text.startswith("relu2: R^2 -> R^2")
    assert "(F2) weakly injective" in text and "(F4) injective" in text and "NO" in text


def test_larger_box_gives_the_same_verdicts():
    net = ReluNet([[[1.0], [-1.0], [-1.0]], [[1.0, 1.0, -2.0]]], [[0.0, 0.0, -1.0], [0.0]])
    auto = check_injectivity(net)
    assert verdicts(check_injectivity(net, box=4 * auto.box)) == verdicts(auto)


def test_near_tolerance_overlap_is_reported_in_notes():
    """f = ReLU(z) - 2 ReLU(z) + 2 ReLU(z - eps), eps = 5e-9: 0 for z <= 0, slope -1 on
    [0, eps], slope 1 after.  The images of the last two pieces overlap on [-eps, 0], a
    Chebyshev radius eps / 2 = 2.5 tol: within the factor 10 of tol that the module documents
    as undecided, so a note must say so."""
    eps = 5e-9
    net = ReluNet([[[1.0], [1.0], [1.0]], [[1.0, -2.0, 2.0]]], [[0.0, 0.0, -eps], [0.0]])
    ref = injectivity_1d(net)
    assert (ref.observably_injective, ref.injective) == (False, False)
    report = check_injectivity(net)
    assert report.F3.holds in (False, None)
    assert any(note.startswith("F3:") and "tolerance" in note for note in report.notes)
    assert "note: F3:" in format_report(report)


# -- 5. validation -----------------------------------------------------------------------------
def test_not_a_net():
    with pytest.raises(ValueError, match="net: expected a ReluNet, found list"):
        check_injectivity([[1.0]])


def test_more_inputs_than_outputs():
    net = ReluNet([np.eye(2), np.ones((1, 2))], [np.zeros(2), np.zeros(1)])
    with pytest.raises(ValueError, match=r"m <= n.*m = 2 > n = 1"):
        check_injectivity(net)


def test_four_inputs_not_implemented():
    net = ReluNet([np.eye(4), np.eye(4)], [np.zeros(4), np.zeros(4)])
    with pytest.raises(NotImplementedError, match="m = 4"):
        check_injectivity(net)


@pytest.mark.parametrize("bad", [0.0, -1e-9, float("nan"), float("inf"), 1e-12, "1e-9", True])
def test_bad_tol(bad):
    with pytest.raises(ValueError, match="tol"):
        check_injectivity(relu_1d(), tol=bad)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_box(bad):
    with pytest.raises(ValueError, match="box"):
        check_injectivity(relu_1d(), box=bad)


# -- regressions (each failed on an earlier version of injectivity_nd) -----------------------
def crossing_curve():
    """f: R -> R^2, constant (0, 0) for z <= 0, then the polyline (0,0) -> (2,2) -> (2,0) ->
    (0,2) -> (4,0) on z in [0, 4] (unit speed in z per segment), constant (4, 0) after.
    Segments 1 and 3 bisect each other at (1, 1), segments 2 and 4 at (2, 1): the centre of
    every non-constant piece is a transversal crossing.  Crossings are isolated, so f is (F3)
    and (F2) (e.g. the ball around f(0.25) = (0.5, 0.5) of radius 0.1 meets only segment 1)."""
    W2 = np.array([[2.0, -2.0, -2.0, 6.0, -4.0], [2.0, -4.0, 4.0, -4.0, 2.0]])
    return ReluNet([np.ones((5, 1)), W2], [np.array([0.0, -1.0, -2.0, -3.0, -4.0]), np.zeros(2)])


def test_crossing_curve_reference_facts():
    net = crossing_curve()
    pts = net(np.array([0.0, 1.0, 2.0, 3.0, 4.0, 0.5, 2.5, 1.5, 3.5]))
    np.testing.assert_array_equal(pts[:5], [[0, 0], [2, 2], [2, 0], [0, 2], [4, 0]])
    np.testing.assert_array_equal(pts[5], pts[6])  # (1, 1)
    np.testing.assert_array_equal(pts[7], pts[8])  # (2, 1)
    # A ball of unique preimages: points near f(0.25) = (0.5, 0.5).
    for z in np.linspace(0.2, 0.3, 5):
        count, _ = preimages(net, net([z])[0])
        assert count == 1


def test_crossings_at_piece_centres_do_not_hide_the_ball():
    """Regression: F2 was tested only at the Chebyshev centre of each uncovered piece, so a
    transversal crossing there rejected the piece (F2 False with F3 True)."""
    assert_verdicts(crossing_curve(), (True, True, False))


@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.parametrize("c", [1e-9, 1e-11, 1e-14, 1e9])
def test_verdicts_do_not_depend_on_scale(c, where):
    """Injectivity is invariant under f -> c f and f(z) -> f(c z).  Regressions: the F2 ball
    radius (x units) was compared with tol * box (z units), and the rank used an absolute
    threshold, so 1e-9 leaky(z) lost F2 and 1e-11 leaky(z) lost everything."""
    layers = [np.eye(2), np.eye(2)]
    layers[0 if where == "first" else 1] = c * np.eye(2)
    net = ReluNet(layers, [np.zeros(2), np.zeros(2)], negative_slope=0.5)
    assert_verdicts(net, (True, True, True))
    relu = ReluNet(layers, [np.zeros(2), np.zeros(2)])
    assert_verdicts(relu, (True, True, False))


def slow_ray():
    """1-D: f(z) = ReLU(-z) / 8 + ReLU(z) - ReLU(z - 1): slope -1/8 on z <= 0 (image
    [0, inf)), slope 1 on [0, 1] (image [0, 1]), constant 1 after.  Every x > 1 has the one
    preimage -8 x: (F2); x in (0, 1) has two: not (F3).  The automatic box is [-4, 4], and the
    part of the ray z <= 0 whose image is not covered, z < -8, lies outside it."""
    return ReluNet([[[-1.0], [1.0], [1.0]], [[0.125, 1.0, -1.0]]], [[0.0, 0.0, -1.0], [0.0]])


def test_slow_ray_reference_facts():
    net = slow_ray()
    ref = injectivity_1d(net)
    assert (ref.weakly_injective, ref.observably_injective, ref.injective) == (True, False, False)
    for x in (1.5, 2.0, 10.0):
        count, pts = preimages(net, [x])
        assert count == 1 and pts[0][0] == pytest.approx(-8 * x)
    assert preimages(net, [0.5])[0] == 2


def test_f2_ball_beyond_the_box():
    """Regression: _uncovered_ball split C_i only within the enumeration box, so an unbounded
    cell whose uncovered part lies beyond the box was taken as fully covered (F2 False)."""
    report = assert_verdicts(slow_ray(), (True, False, False))
    centre, radius = report.F2.witness["center"][0], report.F2.witness["radius"]
    assert centre - radius >= 1.0  # in the part of the image covered once
    # z < -8 is the only part with unique preimages: the witness must lie outside the box
    # [-4, 4], and the report says so.
    assert report.F2.witness["z"][0] < -report.box
    assert any("(F2) witness lies outside the enumeration box" in n for n in report.notes)


@pytest.mark.parametrize("net", [
    # The README's worked example, (|z|, |z|) and a leaky net with invertible layers: each of
    # their witnesses has a counterpart inside the box, so the report prints that one.
    ReluNet([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0, 1.0], [0.0, 1.0, -1.0]]],
            [[0.0, 0.0, -1.0], [0.0, 0.0]]),
    ReluNet([[[1.0], [-1.0]], [[1.0, 1.0], [1.0, 1.0]]], [[0.0, 0.0], [0.0, 0.0]]),
    ReluNet([[[2.0, 1.0], [1.0, 1.0]], [[1.0, -1.0], [0.5, 2.0]]], [[0.5, -0.25], [0.0, 0.0]],
            negative_slope=0.1),
])
def test_witnesses_inside_the_printed_box(net):
    """Regression: witnesses came from LPs over 10-100 times the box (z = (40, 40) printed
    under "in the box [-4, 4]^2")."""
    report = run(net)
    for key in ("F2", "F3", "F4"):
        w = getattr(report, key).witness
        for k in ("z", "z1", "z2"):
            if k in w:
                assert np.abs(w[k]).max() <= report.box * (1 + 1e-9), (key, k, w[k])
    assert not any("outside the enumeration box" in n for n in report.notes)


def nearly_parallel_leaky():
    """R^2 -> R^2, -leaky(W z) with W = [[-1, 0], [1e-9, -1]] (invertible), slope 0.1:
    injective by construction (leaky ReLU between invertible layers, Corollary H.4)."""
    return ReluNet([[[-1.0, 0.0], [1e-9, -1.0]], -np.eye(2)], [np.zeros(2), np.zeros(2)],
                   negative_slope=0.1)


def test_no_spurious_overlap_for_small_weights():
    """Regression: the F3 overlap Chebyshev LP (HiGHS ignores matrix entries <= 1e-9) returned
    a centre at z ~ (-2e9, -1) whose images differ by 0.9, accepted by a witness tolerance
    relative to |f| ~ 2e9: F3 False with F4 True."""
    net = nearly_parallel_leaky()
    report = check_injectivity(net)
    if report.F3.holds is False:  # the witness must be a real collision
        w = report.F3.witness
        f1, f2 = evaluate(net, w["z1"]), evaluate(net, w["z2"])
        assert np.abs(f1 - f2).max() <= 1e-6, (w, f1, f2)
    assert verdicts(report) == (True, True, True)
    check_report(net, report)


def nearly_parallel_fold():
    """R^2 -> R^2, (|u_1|, u_2) with u = W z, W = [[-1, 0], [1e-9, -1]]: a fold,
    f(1, 0) = f(-1, -2e-9) = (1, 1e-9)."""
    A = np.array([[-1.0, 0.0], [1e-9, -1.0]])
    G = np.hstack([np.eye(2), -np.eye(2)])
    G[0, 2] = 1.0
    return ReluNet([np.vstack([A, -A]), G], [np.zeros(4), np.zeros(2)])


def test_nearly_parallel_fold_reference_facts():
    net = nearly_parallel_fold()
    assert_collision(net, [1.0, 0.0], [-1.0, -2e-9])
    assert_collision(net, [100.0, 3.0], [-100.0, 3.0 - 2e-7])
    count, _ = preimages(net, evaluate(net, [1.0, 0.5]))
    assert count == 2


def test_f4_fold_with_small_weight():
    assert_verdicts(nearly_parallel_fold(), (False, False, False))
