"""The 50-digit 2-D reference (exactid.reference_2d) against second methods.

Before the reference is trusted as the oracle of the 2-D engine, it is checked against
closed forms (rectangles, quadrants, wedges and half-planes under a normal, near and in the far
tail; a separable model as the sum of two 1-D references; an affine net), against an
independent quadrature of the raw integrand (scipy dblquad over the cells), against the
reparametrisation identity of Remark 3.7 and against the total mass of a net's cells.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest

import exactid  # noqa: F401  (registers the model's engines)
from exactid.divergence.high_precision import mp_log_density_function
from exactid.models import GaussianMixture, LatentModel, ReluNet
from exactid.reference_2d import mp_log_pdf_2d, mp_log_pdf_2d_points, mp_log_polygon_mass

I2 = [[1, 0], [0, 1]]


def rel(a, b):
    with mp.workdps(60):
        return abs((mp.mpf(a) - mp.mpf(b)) / mp.mpf(b))


def phi_diff(lo, hi):
    """Phi(hi) - Phi(lo) from the small tails (mp, 60 digits)."""
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    if lo >= 0:
        return mp.ncdf(-lo) - mp.ncdf(-hi)
    return mp.ncdf(hi) - mp.ncdf(lo)


def rectangle(x0, x1, y0, y1):
    """(normals, offsets) of [x0, x1] x [y0, y1]; None ends are open."""
    normals, offsets = [], []
    for a, b in (((-1, 0), x0), ((1, 0), x1), ((0, -1), y0), ((0, 1), y1)):
        if b is not None:
            normals.append(a)
            offsets.append(-b if sum(a) < 0 else b)
    return normals, offsets


# -- polygon masses: closed forms -------------------------------------------------------------
@pytest.mark.parametrize("box", [
    (-1.0, 2.0, -3.0, 0.5),  # around the mean
    (30.0, 31.0, -40.0, -35.0),  # far tail, log mass about -1071
    (None, -38.0, None, None),  # half-plane, log Phi(-38)
    (0.0, None, 0.0, None),  # quadrant at the mean: log 1/4
    (-2.0, None, 25.0, 25.5),  # half-strip in the tail
])
def test_rectangles_under_a_diagonal_normal(box):
    mean, sd = (Fraction(1, 2), Fraction(-1)), (Fraction(3, 2), Fraction(1, 4))
    normals, offsets = rectangle(*[None if v is None else mean[i // 2] + sd[i // 2] * Fraction(v)
                                   for i, v in enumerate(box)])
    cov = [[sd[0] ** 2, 0], [0, sd[1] ** 2]]
    with mp.workdps(60):
        ends = [(-mp.inf if v is None and i % 2 == 0 else mp.inf if v is None else v)
                for i, v in enumerate(box)]
        expected = mp.log(phi_diff(ends[0], ends[1])) + mp.log(phi_diff(ends[2], ends[3]))
    assert rel(mp_log_polygon_mass(normals, offsets, mean, cov), expected) < 1e-48


@pytest.mark.parametrize("box", [(1.0, 2.0, -0.5, 0.5), (30.0, 31.0, -40.0, -35.0),
                                 (38.0, None, None, None)])
def test_rotated_rectangles(box):
    # Z = R Y + t, Y ~ N(0, diag(4, 1/9)), R the exact rotation (3/5, 4/5): a rectangle in Y
    # is a rotated rectangle in Z with an exact rational description.
    c, s = Fraction(3, 5), Fraction(4, 5)
    rot = ((c, -s), (s, c))
    var = (Fraction(4), Fraction(1, 9))
    shift = (Fraction(1, 3), Fraction(-2))
    cov = [[sum(rot[i][k] * var[k] * rot[j][k] for k in range(2)) for j in range(2)]
           for i in range(2)]
    normals, offsets = [], []
    for (a, b) in zip(*rectangle(*[None if v is None else Fraction(v) * (2 if i < 2 else
                                                                          Fraction(1, 3))
                                   for i, v in enumerate(box)])):
        # a . y <= b with y = R^T (z - t): (R a) . z <= b + (R a) . t
        ra = (rot[0][0] * a[0] + rot[0][1] * a[1], rot[1][0] * a[0] + rot[1][1] * a[1])
        normals.append(ra)
        offsets.append(b + ra[0] * shift[0] + ra[1] * shift[1])
    with mp.workdps(60):
        ends = [(-mp.inf if v is None and i % 2 == 0 else mp.inf if v is None else v)
                for i, v in enumerate(box)]
        expected = mp.log(phi_diff(ends[0], ends[1])) + mp.log(phi_diff(ends[2], ends[3]))
    assert rel(mp_log_polygon_mass(normals, offsets, shift, cov), expected) < 1e-48


@pytest.mark.parametrize("tilt", [1e-2, 1e-3, 1e-4])
@pytest.mark.parametrize("offset", [0.245, -0.3])
def test_nearly_axis_parallel_half_planes(tilt, offset):
    """A half-plane whose edge is steep in the frame of the slices (its normal almost along
    the slicing direction): the Phi transition of each slice is then narrow in tau.  With only
    the edge's s = 0 crossing as a split point the reference was wrong by 1.4 % of the
    complement mass (2.6e-10 in log P) for tilt 6e-3; the closed form is log Phi(b / |a|)."""
    a = (-tilt * 0.0445, -0.0445)
    with mp.workdps(60):
        norm = mp.sqrt(mp.mpf(a[0]) ** 2 + mp.mpf(a[1]) ** 2)
        exact = mp.log(mp.ncdf(mp.mpf(offset) / norm))
    assert rel(mp_log_polygon_mass([a], [offset], [0, 0], I2), exact) < 1e-45
    # and with a far second edge (the failing case's shape), whose effect is below 1e-38
    two = mp_log_polygon_mass([a, (-0.0445, 0.0)], [offset, 0.58], [0, 0], I2)
    assert rel(two, exact) < 1e-30


def test_wedges_and_degenerate_polygons():
    # A wedge at the mean between the directions (1, 0) and (3, 4): mass angle / 2 pi.
    value = mp_log_polygon_mass([(0, -1), (-4, 3)], [0, 0], [0, 0], I2)
    with mp.workdps(60):
        assert rel(value, mp.log(mp.atan2(4, 3) / (2 * mp.pi))) < 1e-48
    assert mp_log_polygon_mass([], [], [5, 5], I2) == 0
    assert mp_log_polygon_mass([(1, 0), (-1, 0)], [-1, -1], [0, 0], I2) == mp.ninf  # empty
    assert mp_log_polygon_mass([(1, 0), (-1, 0)], [2, -2], [0, 0], I2) == mp.ninf  # a line
    with pytest.raises(ValueError, match="cov"):
        mp_log_polygon_mass([(1, 0)], [0], [0, 0], [[1, 2], [2, 1]])
    with pytest.raises(ValueError, match="mean"):
        mp_log_polygon_mass([(1, 0)], [0], [0, 0, 0], I2)


# -- the density: closed forms ----------------------------------------------------------------
def net_1d(rng, width=3):
    return ReluNet([rng.normal(size=(width, 1)), rng.normal(size=(1, width))],
                   [rng.normal(size=width), rng.normal(size=1)])


def test_separable_model_is_the_sum_of_two_1d_references():
    rng = np.random.default_rng(0)
    g1, g2 = net_1d(rng), net_1d(rng)
    sigma = 0.2
    m1 = LatentModel(GaussianMixture([1.0], [0.3], [0.8]), g1, sigma)
    m2 = LatentModel(GaussianMixture([1.0], [-0.5], [1.7]), g2, sigma)
    w1 = np.zeros((6, 2))
    w1[:3, 0], w1[3:, 1] = g1.weights[0][:, 0], g2.weights[0][:, 0]
    w2 = np.zeros((2, 6))
    w2[0, :3], w2[1, 3:] = g1.weights[1][0], g2.weights[1][0]
    net = ReluNet([w1, w2], [np.concatenate([g1.biases[0], g2.biases[0]]),
                             np.concatenate([g1.biases[1], g2.biases[1]])])
    model = LatentModel(GaussianMixture([1.0], [[0.3, -0.5]], [[[0.8, 0], [0, 1.7]]]), net,
                        sigma)
    for x in ([0.5, 0.2], [0.5, 9.0], [-8.0, 9.0]):  # near; log p = -814; -1239
        with mp.workdps(60):
            expected = (mp_log_density_function(m1)(mp.mpf(x[0]))
                        + mp_log_density_function(m2)(mp.mpf(x[1])))
        assert rel(mp_log_pdf_2d(model, x), expected) < 1e-45
    # m = 1 (the same formula, intervals instead of polygons) against the 1-D reference.
    for x in (0.3, 5.0, -20.0):
        with mp.workdps(60):
            expected = mp_log_density_function(m1)(mp.mpf(x))
        assert rel(mp_log_pdf_2d(m1, [x]), expected) < 1e-45


def test_affine_net_is_a_gaussian_mixture():
    # One layer: f(z) = W z + b, p(x) = sum_j w_j N(x; W mu_j + b, sigma^2 I + W S_j W^T).
    W, b = np.array([[1.5, -0.5], [0.25, 2.0], [-1.0, 0.75]]), np.array([0.5, -1.0, 2.0])
    prior = GaussianMixture([0.3, 0.7], [[0.0, 1.0], [-2.0, 0.5]],
                            [[[1.0, 0.6], [0.6, 0.8]], [[0.5, -0.2], [-0.2, 2.0]]])
    model = LatentModel(prior, ReluNet([W], [b]), 0.1)
    for x in ([1.0, 0.0, 1.0], [40.0, -30.0, 12.0]):
        with mp.workdps(60):
            terms = []
            for w, mu, cov in zip(prior.weights, prior.means, prior.covs):
                Wm = mp.matrix(W.tolist())
                C = Wm * mp.matrix(cov.tolist()) * Wm.T + mp.mpf(0.1) ** 2 * mp.eye(3)
                r = mp.matrix(x) - Wm * mp.matrix(mu.tolist()) - mp.matrix(b.tolist())
                quad = (r.T * mp.inverse(C) * r)[0]
                terms.append(mp.log(w) - (3 * mp.log(2 * mp.pi) + mp.log(mp.det(C)) + quad) / 2)
            expected = mp.log(mp.fsum(mp.exp(t) for t in terms))
        assert rel(mp_log_pdf_2d(model, x), expected) < 1e-45


def test_one_dimensional_latent_with_two_outputs_against_quadrature():
    rng = np.random.default_rng(3)
    net = ReluNet([rng.normal(size=(3, 1)), rng.normal(size=(2, 3))],
                  [rng.normal(size=3), rng.normal(size=2)], negative_slope=0.1)
    model = LatentModel(GaussianMixture([0.4, 0.6], [-1.0, 1.5], [0.5, 1.2]), net, 0.3)
    x = [0.4, -0.2]
    with mp.workdps(40):
        cuts = sorted({-mp.mpf(float(b)) / mp.mpf(float(w)) for w, b in
                       zip(net.weights[0][:, 0], net.biases[0])} | {mp.mpf(-6), mp.mpf(6)})

        def integrand(z):
            h = [mp.mpf(float(w)) * z + mp.mpf(float(b))
                 for w, b in zip(net.weights[0][:, 0], net.biases[0])]
            h = [t if t > 0 else mp.mpf(0.1) * t for t in h]
            out = [mp.fsum(mp.mpf(float(w)) * t for w, t in zip(row, h)) + mp.mpf(float(b))
                   for row, b in zip(net.weights[1], net.biases[1])]
            prior = mp.fsum(mp.mpf(w) * mp.npdf(z, mp.mpf(m), mp.sqrt(mp.mpf(v)))
                            for w, m, v in ((0.4, -1.0, 0.5), (0.6, 1.5, 1.2)))
            return prior * mp.fprod(mp.npdf(mp.mpf(xi) - o, 0, mp.mpf(0.3))
                                    for xi, o in zip(x, out))

        expected = mp.log(mp.quad(integrand, [-mp.inf] + cuts + [mp.inf]))
    assert rel(mp_log_pdf_2d(model, x), expected) < 1e-30


# -- the density: an independent quadrature of the raw integrand -------------------------------
def dblquad_log_pdf(model, x, half_width):
    """log of the integral of sum_j w_j N(z; mu_j, S_j) N(x; f(z), sigma^2 I) over z, by scipy
    dblquad per cell of the net (clipped to a box), with f evaluated layer by layer."""
    from scipy import integrate

    net, sigma, n = model.net, model.noise_std, model.observed_dim
    # Plain Python floats (numpy's per-call overhead would dominate the ~1e5 evaluations).
    layers = [(w.tolist(), b.tolist()) for w, b in zip(net.weights, net.biases)]
    slope, xs = net.negative_slope, [float(v) for v in x]
    comps = []
    for w, mu, cov in zip(model.prior.weights, model.prior.means, model.prior.covs):
        inv = np.linalg.inv(cov)
        comps.append((float(w), float(mu[0]), float(mu[1]), float(inv[0, 0]),
                      float(inv[0, 1]), float(inv[1, 1]),
                      2 * math.pi * math.sqrt(float(np.linalg.det(cov)))))
    noise_norm = (2 * math.pi * sigma**2) ** (n / 2)

    def integrand(z2, z1):
        h = [z1, z2]
        for i, (w, b) in enumerate(layers):
            h = [sum(wij * hj for wij, hj in zip(row, h)) + bi for row, bi in zip(w, b)]
            if i < len(layers) - 1:
                h = [t if t > 0 else slope * t for t in h]
        prior = sum(w * math.exp(-0.5 * (i11 * (z1 - m1) ** 2 + 2 * i12 * (z1 - m1) * (z2 - m2)
                                         + i22 * (z2 - m2) ** 2)) / norm
                    for w, m1, m2, i11, i12, i22, norm in comps)
        r2 = sum((xi - hi) ** 2 for xi, hi in zip(xs, h))
        return prior * math.exp(-0.5 * r2 / sigma**2) / noise_norm

    box = [((1.0, 0.0), half_width), ((-1.0, 0.0), half_width), ((0.0, 1.0), half_width),
           ((0.0, -1.0), half_width)]
    total = 0.0
    for cell in model.polygons:
        normals, offsets, _ = cell.polygon.arrays()
        rows = [(a[0], a[1], b) for a, b in zip(normals, offsets)] + [(a[0], a[1], b)
                                                                       for a, b in box]
        verts = []
        for i, (a1, a2, b) in enumerate(rows):
            for c1, c2, e in rows[i + 1:]:
                det = a1 * c2 - a2 * c1
                if det != 0:
                    z = ((b * c2 - a2 * e) / det, (a1 * e - c1 * b) / det)
                    if all(r1 * z[0] + r2 * z[1] <= rb + 1e-9 for r1, r2, rb in rows):
                        verts.append(z)
        ends = sorted({v[0] for v in verts})
        for za, zb in zip(ends, ends[1:]):
            if zb - za < 1e-12:
                continue

            def lo(z1, rows=rows):
                return max((b - a1 * z1) / a2 for a1, a2, b in rows if a2 < 0)

            def hi(z1, rows=rows):
                return min((b - a1 * z1) / a2 for a1, a2, b in rows if a2 > 0)

            total += integrate.dblquad(integrand, za, zb, lo, hi, epsabs=0, epsrel=1e-11)[0]
    return math.log(total)


def small_model(seed):
    rng = np.random.default_rng(seed)
    net = ReluNet([rng.normal(size=(3, 2)), rng.normal(size=(2, 3))],
                  [rng.normal(size=3), rng.normal(size=2)])
    prior = GaussianMixture([0.35, 0.65], [[-0.5, 0.5], [1.0, -0.25]],
                            [[[1.0, 0.4], [0.4, 0.6]], [[0.7, -0.3], [-0.3, 1.1]]])
    return LatentModel(prior, net, 0.4)


def test_near_points_against_dblquad():
    model = small_model(11)
    x, _ = model.sample(2, seed=5)
    for point in x:
        value = mp_log_pdf_2d(model, point)
        assert value > -20
        assert rel(value, dblquad_log_pdf(model, point, 10.0)) < 1e-9


# -- the density: reparametrisation identity (Remark 3.7) -------------------------------------
def test_reparametrisation_identity():
    # h(z) = M z + t with dyadic M^-1, t; the net, prior and f o h^-1 are exact in floats.
    rng = np.random.default_rng(7)
    w1, b1 = rng.integers(-16, 17, size=(4, 2)) / 8, rng.integers(-16, 17, size=4) / 8
    w2, b2 = rng.integers(-16, 17, size=(2, 4)) / 8, rng.integers(-16, 17, size=2) / 8
    means = np.array([[0.5, -0.25], [-1.0, 0.75]])
    covs = np.array([[[1.0, 0.25], [0.25, 0.5]], [[0.75, -0.5], [-0.5, 1.0]]])
    model = LatentModel(GaussianMixture([0.25, 0.75], means, covs),
                        ReluNet([w1, w2], [b1, b2], negative_slope=0.125), 0.25)
    M, t = np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([0.5, -0.25])
    M_inv = np.array([[0.5, -0.5], [0.0, 1.0]])
    moved = LatentModel(GaussianMixture([0.25, 0.75], means @ M.T + t, M @ covs @ M.T),
                        ReluNet([w1 @ M_inv, w2], [b1 - w1 @ M_inv @ t, b2], 0.125), 0.25)
    assert np.array_equal(moved.net.weights[0] @ M, w1)  # exact
    for x in ([0.5, 1.0], [20.0, 20.0]):  # near; far (log p < -700)
        a, b = mp_log_pdf_2d(model, x), mp_log_pdf_2d(moved, x)
        assert rel(a, b) < 1e-40
    assert b < -700


# -- total mass of the cells --------------------------------------------------------------
def test_cell_masses_sum_to_one():
    rng = np.random.default_rng(2)
    net = ReluNet([rng.normal(size=(4, 2)), rng.normal(size=(2, 4))],
                  [rng.normal(size=4), rng.normal(size=2)])
    cells = LatentModel(GaussianMixture([1.0], [[0.0, 0.0]], [I2]), net, 1.0).polygons
    mean, cov = [0.3, -0.7], [[1.2, 0.5], [0.5, 0.4]]
    masses = [mp_log_polygon_mass(c.polygon.normals, c.polygon.offsets, mean, cov)
              for c in cells]
    with mp.workdps(60):
        assert abs(mp.fsum(mp.exp(v) for v in masses) - 1) < 1e-45


# -- interface --------------------------------------------------------------------------------
def test_points_and_errors():
    model = small_model(11)
    X = np.array([[30.0, -30.0], [-20.0, 25.0]])
    values = mp_log_pdf_2d_points(model, X)
    assert values.shape == (2,) and values.dtype == float
    assert values[0] == float(mp_log_pdf_2d(model, X[0]))
    with pytest.raises(ValueError, match="x"):
        mp_log_pdf_2d(model, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="x"):
        mp_log_pdf_2d(model, [1.0, np.nan])
    with pytest.raises(ValueError, match="X"):
        mp_log_pdf_2d_points(model, np.zeros((2, 3)))
    zero_noise = LatentModel(model.prior, model.net, 0.0)
    with pytest.raises(ValueError, match="model"):
        mp_log_pdf_2d(zero_noise, [0.0, 0.0])
    m3 = LatentModel(GaussianMixture([1.0], [[0.0] * 3], [np.eye(3)]),
                     ReluNet([np.ones((1, 3))], [np.zeros(1)]), 1.0)
    with pytest.raises(ValueError, match="model"):
        mp_log_pdf_2d(m3, [0.0])
    with pytest.raises(ValueError, match="dps"):
        mp_log_pdf_2d(model, [0.0, 0.0], dps=5)


def test_against_the_owen_t_reference_on_random_polygons():
    """A second method for polygon masses: the Owen's T edge formula at 110+ digits
    (tests/exactid/density/polygon_reference.py), on random polygons of every kind (fat, thin,
    small, wedges, chains, strips, half-planes), every other one with a steepened row."""
    from tests.exactid.density import polygon_cases, polygon_reference

    rng = np.random.default_rng(11)
    done = 0
    while done < 8:
        _, a, b, _ = polygon_cases.random_case(rng)
        a, b = np.asarray(a, float).reshape(-1, 2), np.asarray(b, float)
        if done % 2 == 0 and len(a):
            a[rng.integers(len(a)), rng.integers(2)] *= 1e-3
        ours = mp_log_polygon_mass(a, b, [0, 0], I2)
        if not mp.isfinite(ours) or ours < -250:  # (the Owen reference is too slow there)
            continue
        other = polygon_reference.ref_log_mass_owen(a, b, dps=50, extra=60,
                                                    logp_guess=float(ours))
        assert abs(ours - other) <= 1e-45 * max(1, abs(other))
        done += 1
