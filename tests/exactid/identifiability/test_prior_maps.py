"""Affine maps between priors in R^m, m <= 3: exactid.identifiability.prior_maps.

References independent of the engine (which aligns eigenvectors of a generic combination of
whitened constraints):

* a brute-force search (m = 2): every equal-weight matching of components and a grid of 3600
  rotation and 3600 reflection angles, local minima polished by least squares -- compared map
  for map with the engine on a table of cases, continua included;
* maps known by construction (hypothesis): ``h#P`` for a random prior and a random map of each
  kind must contain h (isolated) or a continuum through h; independently drawn priors with the
  same weights have no map;
* closed forms of the continua in m = 3 (rotations about the axis of two isotropic
  components, O(3) for one Gaussian) and the 1-D engine ``affine_maps`` for m = 1;
* exact arithmetic with :class:`fractions.Fraction` for the exact mode (dyadic priors, maps
  with rational and square-root entries), and a one-ulp perturbation that only a tolerance
  accepts.
"""

from __future__ import annotations

import doctest
import sys
from fractions import Fraction
from itertools import permutations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import least_squares

import exactid
from exactid import GaussianMixture
from exactid.divergence.gmm_l2 import pushforward
from exactid.identifiability import (
    AffineMap,
    PriorMaps,
    affine_maps,
    classify_affine,
    prior_maps,
    priors_equivalent,
)
from exactid.identifiability.prior_maps import KINDS, MAX_COMPONENTS
from tests.budget import examples

from ..float_models import priors_1d

# -- an independent residual and brute force (m = 2) -----------------------------------------


def length_scale(q):
    """max(max|mu|, max sd): the documented scale of the mean tolerance."""
    return max(np.abs(q.means).max(), np.sqrt(max(np.diag(c).max() for c in q.covs)))


def mismatch(a, b, p, q, pi):
    """Largest mismatch of h#p against q when component j of p goes to pi[j] of q: weights
    absolute, covariance entries relative to sqrt(s_ii s_kk) of the larger, means relative to
    max(max|mu|, max sd) of q (the documented tolerance)."""
    worst = 0.0
    scale = length_scale(q)
    for j, k in enumerate(pi):
        x, y = a @ p.covs[j] @ a.T, q.covs[k]
        ref = np.maximum(np.sqrt(np.outer(np.diag(x), np.diag(x))),
                         np.sqrt(np.outer(np.diag(y), np.diag(y))))
        worst = max(worst, abs(p.weights[j] - q.weights[k]), (np.abs(x - y) / ref).max(),
                    np.abs(a @ p.means[j] + b - q.means[k]).max() / scale)
    return worst


def orthogonal(theta, reflect):
    """Rotations by the angles ``theta`` (shape (N,)), composed with a reflection if
    ``reflect``; shape (N, 2, 2)."""
    c, s = np.cos(theta), np.sin(theta)
    rot = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)
    return rot @ np.diag([1.0, -1.0]) if reflect else rot


def grid_mismatch(a, b, p, q, pi):
    """:func:`mismatch` for a stack of maps a (N, 2, 2), b (N, 2) (weights already equal)."""
    scale = length_scale(q)
    worst = np.zeros(len(a))
    for j, k in enumerate(pi):
        x, y = a @ p.covs[j] @ np.swapaxes(a, 1, 2), q.covs[k]
        dx = np.sqrt(np.diagonal(x, axis1=1, axis2=2))
        ref = np.maximum(dx[:, :, None] * dx[:, None, :],
                         np.sqrt(np.outer(np.diag(y), np.diag(y))))
        worst = np.maximum(worst, (np.abs(x - y) / ref).max(axis=(1, 2)))
        worst = np.maximum(worst, np.abs(a @ p.means[j] + b - q.means[k]).max(axis=1) / scale)
    return worst


ANGLES = np.linspace(0.0, 2 * np.pi, 3600, endpoint=False)


def brute_force(p, q):
    """All maps p -> q (m = 2, components distinct): A = L'_k R L_0^-1 with R on a grid of
    O(2), polished.  Returns (maps, continua): maps as (A, b, pi), continua as (pi, reflect)
    for which every grid angle is a map."""
    maps, continua = [], []
    n = p.n_components
    for pi in permutations(range(n)):
        if np.abs(p.weights - q.weights[list(pi)]).max() > 1e-12:
            continue
        l_p, l_q = np.linalg.cholesky(p.covs[0]), np.linalg.cholesky(q.covs[pi[0]])

        def affine(theta, reflect, pi=pi, l_p=l_p, l_q=l_q):
            a = l_q @ orthogonal(np.atleast_1d(theta), reflect) @ np.linalg.inv(l_p)
            return a, q.means[pi[0]] - a @ p.means[0]

        def residuals(x, reflect, pi=pi, affine=affine):
            a, b = affine(x[0], reflect)
            a, b = a[0], b[0]
            return np.concatenate([np.concatenate([(a @ p.covs[j] @ a.T - q.covs[k]).ravel(),
                                                   a @ p.means[j] + b - q.means[k]])
                                   for j, k in enumerate(pi)])

        for reflect in (False, True):
            r = grid_mismatch(*affine(ANGLES, reflect), p, q, pi)
            if r.max() <= 1e-9:
                continua.append((pi, reflect))
                continue
            low = (r <= np.roll(r, 1)) & (r <= np.roll(r, -1)) & (r < 0.2)
            for theta in ANGLES[low]:
                fit = least_squares(residuals, [theta], args=(reflect,), xtol=1e-15,
                                    ftol=1e-15, gtol=1e-15)
                a, b = (v[0] for v in affine(fit.x[0], reflect))
                if mismatch(a, b, p, q, pi) <= 1e-10 and not any(
                        np.allclose(a, m[0], atol=1e-7) for m in maps):
                    maps.append((a, b, pi))
    return maps, continua


def gm(weights, means, covs):
    return GaussianMixture(weights, np.array(means, float), np.array(covs, float))


def image(p, a, b, perm=None):
    """h#p with its components in the order ``perm``."""
    q = pushforward(p, np.array(a, float), np.array(b, float))
    perm = list(range(p.n_components)) if perm is None else list(perm)
    return GaussianMixture(q.weights[perm], q.means[perm], q.covs[perm])


def rotation(deg):
    return orthogonal(np.radians([deg]), False)[0]


FULL = gm([0.2, 0.3, 0.5], [[0, 0], [2, 1], [-1, 3]],
          [[[1.0, 0.3], [0.3, 0.5]], [[2.0, -0.4], [-0.4, 1.0]], [[0.7, 0.1], [0.1, 1.5]]])
FULL_EQ = gm(np.ones(3) / 3, FULL.means, FULL.covs)
DIAG = gm([0.5, 0.5], [[0, 0], [2, 0]], [np.diag([1.0, 4.0]), np.diag([2.0, 1.0])])
ISO2 = gm([0.5, 0.5], [[0, 0], [2, 1]], [np.eye(2), np.eye(2)])
ONE = gm([1.0], [[1, -1]], [[[2.0, 0.5], [0.5, 1.0]]])
SYM = gm([0.5, 0.5], [[-1, 0], [1, 0]], [np.diag([1.0, 2.0])] * 2)
SHEAR = np.array([[1.2, -0.4], [0.7, 0.9]])

#: name: (P, P', expected kinds of the isolated maps, continuum expected)
CASES = {
    "generic full covariances": (FULL, image(FULL, SHEAR, [0.3, -1.1], [2, 0, 1]),
                                 ["affine"], False),
    "generic, equal weights": (FULL_EQ, image(FULL_EQ, SHEAR, [0.3, -1.1], [1, 2, 0]),
                               ["affine"], False),
    "(P2) diagonal, Q D + b": (DIAG, image(DIAG, [[0, -2], [0.5, 0]], [1, 2], [1, 0]),
                               ["permutation_scaling_translation"] * 2, False),
    "rotated copy": (DIAG, image(DIAG, 1.5 * rotation(30), [0.5, 0]), ["affine"] * 2, False),
    "isotropic, J = 2": (ISO2, ISO2, None, False),
    "one Gaussian": (ONE, image(ONE, SHEAR, [1, 1]), None, True),
    "weights differ": (gm([0.3, 0.7], DIAG.means, DIAG.covs),
                       gm([0.4, 0.6], DIAG.means, DIAG.covs), [], False),
    "itself, swappable": (SYM, SYM, None, False),
    "itself, generic": (FULL, FULL, ["identity"], False),
}


def same_map(a, b, h, tol=1e-8):
    return (np.abs(h.matrix - a).max() <= tol * max(1.0, np.abs(a).max())
            and np.abs(h.shift - b).max() <= tol * max(1.0, np.abs(b).max()))


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_brute_force(name):
    p, q, kinds, continuous = CASES[name]
    found = prior_maps(p, q)
    ref, continua = brute_force(p, q)
    assert found.continuous == bool(continua) == continuous
    if continuous:
        # Each connected component of the continuum (rotations / reflections per matching)
        # has one representative, every one of them a map.
        assert len(found.maps) == len(continua)
        for h in found.maps:
            assert h.free_dim == 2 and h.free_basis.shape == (2, 2)
            assert mismatch(h.matrix, h.shift, p, q, h.matching) <= 1e-9
        return
    assert len(found.maps) == len(ref), (found.maps, ref)
    for a, b, pi in ref:
        (h,) = [h for h in found.maps if same_map(a, b, h)]
        assert h.matching == pi and h.free_dim == 0 and h.free_basis is None
        assert h.kind == classify_affine(a, b, 1e-9, scale=length_scale(q))
    if kinds is not None:
        assert sorted(h.kind for h in found.maps) == kinds
    assert bool(found) == bool(ref)


def test_coincidence_in_the_generic_combination():
    """Covariances whose traceless parts cancel in the first generic combination (white-box:
    its coefficients): a repeated eigenvalue that is no continuum.  The engine must notice
    (the constraints are not scalar there), retry, and find the four isolated maps."""
    from exactid.identifiability.prior_maps import _COEFFS

    x = 0.5
    r = _COEFFS[0][1] / _COEFFS[0][2] * x / (1 + x)  # y / (1 + y) = r cancels the terms
    y = r / (1 - r)
    p = gm(np.ones(3) / 3, np.zeros((3, 2)), [np.eye(2), np.diag([1 + x, 1 - x]),
                                             np.diag([1 - y, 1 + y])])
    found = prior_maps(p, p)
    ref, continua = brute_force(p, p)
    assert not continua and not found.continuous and len(ref) == len(found.maps) == 4
    assert all(any(same_map(a, b, h) for h in found.maps) for a, b, _ in ref)


def test_table_cases_by_hand():
    """What the table's brute force found, stated: four maps of two isotropic components
    (the reflection about their axis, and both composed with the swap), the two signed
    symmetries of a symmetric prior."""
    iso = prior_maps(ISO2, ISO2)
    assert [h.kind for h in iso.maps][0] == "identity" and len(iso.maps) == 4
    sym = prior_maps(SYM, SYM)
    assert {tuple(np.diag(h.matrix)) for h in sym.maps} == {(1.0, 1.0), (-1.0, 1.0),
                                                            (1.0, -1.0), (-1.0, -1.0)}
    assert sym.closest_kind == "identity" and sym.exact


# -- maps by construction (hypothesis) --------------------------------------------------------


def random_prior(rng, m, n, structure, equal_weights):
    w = np.ones(n) / n if equal_weights else rng.uniform(0.2, 1.0, n)
    means = 2.0 * rng.standard_normal((n, m))
    if structure == "diagonal":
        covs = [np.diag(rng.uniform(0.2, 3.0, m)) for _ in range(n)]
    else:
        covs = []
        for _ in range(n):
            b = rng.standard_normal((m, m))
            covs.append(b @ b.T + 0.3 * np.eye(m))
        if structure == "shared":
            covs = [covs[0]] * n
    return GaussianMixture(w / w.sum(), means, np.array(covs))


def random_map(rng, m, kind):
    if kind == "identity":
        return np.eye(m), np.zeros(m)
    perm = rng.permutation(m)
    while kind == "permutation" and np.all(perm == np.arange(m)):
        perm = rng.permutation(m)
    q = np.eye(m)[perm]
    if kind == "permutation":
        return q, np.zeros(m)
    if kind == "permutation_scaling_translation":
        d = rng.uniform(0.3, 3.0, m) * rng.choice([-1.0, 1.0], m)
        return q @ np.diag(d), rng.standard_normal(m)
    a = rng.standard_normal((m, m))
    while np.linalg.cond(a) > 30:
        a = rng.standard_normal((m, m))
    return a, rng.standard_normal(m)


def in_continuum(rep, a, b):
    """h = (a, b) is rep composed with a map T that moves only span(rep.free_basis) and lies in
    rep's connected component (det > 0)."""
    basis = rep.free_basis
    t = np.linalg.solve(rep.matrix, a)
    c = np.linalg.solve(rep.matrix, b - rep.shift)
    outside = np.eye(len(b)) - basis @ basis.T
    return (np.abs(outside @ (t - np.eye(len(b)))).max() <= 1e-7
            and np.abs(outside @ c).max() <= 1e-7 * max(1.0, np.abs(c).max())
            and np.linalg.det(t) > 0)


CASE = st.tuples(st.integers(0, 2**32 - 1), st.sampled_from([2, 3]), st.integers(1, 4),
                 st.sampled_from(["generic", "diagonal", "shared"]), st.booleans())


@settings(max_examples=examples(40))
@given(case=CASE, kind=st.sampled_from(KINDS))
def test_constructed_map_is_found(case, kind):
    seed, m, n, structure, equal = case
    rng = np.random.default_rng(seed)
    p = random_prior(rng, m, n, structure, equal)
    a, b = random_map(rng, m, kind)
    assert classify_affine(a, b) == kind
    q = image(p, a, b, rng.permutation(n))
    found = prior_maps(p, q, exact=False)
    assert found and not found.exact
    assert KINDS.index(found.closest_kind) <= KINDS.index(kind)
    for h in found.maps:  # every reported map is one (independent residual)
        assert mismatch(h.matrix, h.shift, p, q, h.matching) <= 1e-9
    if found.continuous:
        assert any(in_continuum(h, a, b) for h in found.maps)
    else:
        (h,) = [h for h in found.maps if same_map(a, b, h, 1e-9)]
        assert h.kind == kind


@settings(max_examples=examples(40))
@given(case=CASE)
def test_independent_priors_have_no_map(case):
    seed, m, n, structure, equal = case
    assume(n >= 2)  # any two Gaussians are affinely related
    p = random_prior(np.random.default_rng(seed), m, n, structure, equal)
    q = random_prior(np.random.default_rng([seed, 1]), m, n, structure, equal)
    q = GaussianMixture(p.weights, q.means, q.covs)  # same weights: the search must run
    found = prior_maps(p, q)
    assert not found.maps and found.closest_kind is None and found.exact


@given(p=priors_1d(max_components=4), scale=st.floats(0.3, 3), shift=st.floats(-3, 3))
def test_one_dimension_agrees_with_affine_maps(p, scale, shift):
    q = GaussianMixture(p.weights, scale * p.means + shift, scale**2 * p.covs)
    ref = affine_maps(p, q)
    got = prior_maps(p, q, exact=False)
    assert len(got.maps) == len(ref)
    for s, u in ref:
        assert any(abs(h.matrix[0, 0] - s) <= 1e-9 and abs(h.shift[0] - u) <= 1e-8
                   for h in got.maps)


# -- continua in m = 3 (closed forms) ---------------------------------------------------------


def rotation_about(axis, angle):
    k = np.asarray(axis, float) / np.linalg.norm(axis)
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(angle) * cross + (1 - np.cos(angle)) * cross @ cross


def test_isotropic_pair_rotates_about_its_axis():
    p = gm([0.5, 0.5], [[0, 0, 0], [0, 0, 2]], [np.eye(3), np.eye(3)])
    found = prior_maps(p, p)
    assert found.continuous and found.closest_kind == "identity"
    assert not found.exact  # a continuum on a 2-D block of R^3 is not proved exactly
    for h in found.maps:
        assert h.free_dim == 2
        # The block is the plane orthogonal to the axis of the means.
        np.testing.assert_allclose(h.free_basis.T @ [0, 0, 1], 0, atol=1e-12)
    # Every rotation about the axis (and its mirror images) is a map, and in the continuum.
    for angle in (0.3, 1.0, 2.5):
        a = rotation_about([0, 0, 1], angle)
        assert mismatch(a, np.zeros(3), p, p, (0, 1)) <= 1e-12
        assert any(in_continuum(h, a, np.zeros(3)) for h in found.maps)
        flip = np.diag([1.0, 1.0, -1.0]) @ a  # the swap: z3 -> 2 - z3
        assert any(in_continuum(h, flip, np.array([0, 0, 2.0])) for h in found.maps)
    # Components: {rotations, reflections} x {identity matching, swap}.
    assert sorted(h.matching for h in found.maps) == [(0, 1), (0, 1), (1, 0), (1, 0)]


def test_shared_covariance_pair_rotates_in_whitened_coordinates():
    """Two components with one full covariance S: the maps are mu + L G L^-1 (z - mu), G a
    rotation about the whitened axis L^-1 (mu_2 - mu_1)."""
    s = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 1.5]])
    p = gm([0.5, 0.5], [[0, 0, 0], [1, 2, -1]], [s, s])
    found = prior_maps(p, p, exact=False)
    assert found.continuous and found.closest_kind == "identity"
    chol = np.linalg.cholesky(s)
    axis = np.linalg.solve(chol, [1.0, 2.0, -1.0])
    for angle in (0.7, 2.0):
        a = chol @ rotation_about(axis, angle) @ np.linalg.inv(chol)
        assert mismatch(a, np.zeros(3), p, p, (0, 1)) <= 1e-12
        assert any(in_continuum(h, a, np.zeros(3)) for h in found.maps)


def test_one_gaussian_in_three_dimensions():
    p = gm([1.0], [[1, 2, 3]], [np.diag([1.0, 4.0, 9.0])])
    q = gm([1.0], [[0, 0, 0]], [np.diag([4.0, 1.0, 1.0])])
    found = prior_maps(p, q)
    assert found.continuous and len(found.maps) == 2  # O(3): rotations, reflections
    assert [h.free_dim for h in found.maps] == [3, 3]
    assert {np.sign(np.linalg.det(h.matrix)) for h in found.maps} == {-1.0, 1.0}
    # The representatives are permutation-scaling maps: z -> (2 z2, z1, z3 / 3) + b.
    assert found.closest_kind == "permutation_scaling_translation"
    assert all(mismatch(h.matrix, h.shift, p, q, (0,)) == 0.0 for h in found.maps)
    assert found.exact  # all of R^m moves: the continuum is proved exactly
    self_maps = prior_maps(p, p)
    assert self_maps.closest_kind == "identity"


# -- exact mode -------------------------------------------------------------------------------


def exact_image(p, a, b):
    """h#p computed in rational arithmetic; asserts that every parameter is a float."""
    a = [[Fraction(x) for x in row] for row in a]
    m = len(a)
    means, covs = [], []
    for mu, cov in zip(p.means, p.covs):
        mu = [Fraction(float(x)) for x in mu]
        cov = [[Fraction(float(x)) for x in row] for row in cov]
        means.append([sum(a[i][k] * mu[k] for k in range(m)) + Fraction(b[i])
                      for i in range(m)])
        covs.append([[sum(a[i][k] * cov[k][t] * a[s][t] for k in range(m) for t in range(m))
                      for s in range(m)] for i in range(m)])
    for x in [v for mu in means for v in mu] + [v for c in covs for r in c for v in r]:
        assert Fraction(float(x)) == x
    return GaussianMixture(p.weights, [[float(v) for v in mu] for mu in means],
                           [[[float(v) for v in r] for r in c] for c in covs])


DYADIC = gm([0.25, 0.75], [[0, 1], [2, -0.5]],
            [[[1.0, 0.25], [0.25, 0.5]], [[2.0, -0.5], [-0.5, 1.5]]])
A_RATIONAL = [[Fraction(1, 2), 2], [-1, Fraction(3, 4)]]


def exactly_a_map(h, p, q):
    """The float map, read as rationals, pushes p onto q exactly (Fraction arithmetic)."""
    a = [[Fraction(float(x)) for x in row] for row in h.matrix]
    b = [Fraction(float(x)) for x in h.shift]
    return exact_image(p, a, b) == q


def test_exact_mode_rational_map():
    q = exact_image(DYADIC, A_RATIONAL, [Fraction(1, 2), Fraction(-3, 4)])
    found = prior_maps(DYADIC, q, atol=0.0)
    (h,) = found.maps
    assert h.exact and found.exact and h.kind == "affine"
    assert h.matrix.tolist() == [[0.5, 2.0], [-1.0, 0.75]] and h.shift.tolist() == [0.5, -0.75]
    assert exactly_a_map(h, DYADIC, q)
    # Not requested: the same map, not verified.
    (h,) = prior_maps(DYADIC, q, exact=False).maps
    assert not h.exact


def test_exact_mode_square_roots():
    """A rotation by 45 degrees (entries +-sqrt(1/2)): sympy verifies it exactly."""
    p = gm([0.5, 0.5], [[0, 0], [0, 0]], [np.diag([1.0, 4.0]), [[2.0, 1.0], [1.0, 3.0]]])
    q = gm([0.5, 0.5], [[0, 0], [0, 0]], [[[2.5, -1.5], [-1.5, 2.5]], [[1.5, -0.5], [-0.5, 3.5]]])
    s = np.sqrt(0.5)
    assert mismatch(np.array([[s, -s], [s, s]]), np.zeros(2), p, q, (0, 1)) <= 1e-15
    found = prior_maps(p, q, atol=0.0)
    assert found.exact and found.maps and all(h.exact for h in found.maps)
    assert any(same_map([[s, -s], [s, s]], [0, 0], h, 1e-15) for h in found.maps)


def test_one_ulp_is_no_map_exactly_but_one_within_tolerance():
    q = exact_image(DYADIC, A_RATIONAL, [Fraction(1, 2), Fraction(-3, 4)])
    covs = np.array(q.covs)
    covs[1, 0, 0] = np.nextafter(covs[1, 0, 0], np.inf)
    nudged = GaussianMixture(q.weights, q.means, covs)
    exact = prior_maps(DYADIC, nudged, atol=0.0)
    assert not exact.maps and exact.exact  # exact invariants prove it
    loose = prior_maps(DYADIC, nudged, atol=1e-9)
    (h,) = loose.maps
    assert not h.exact and not loose.exact


def test_merging_within_a_tolerance_is_not_exact():
    p = gm([0.5, 0.25, 0.25], [[0, 0], [1, 1], [1, 1 + 1e-12]], [np.eye(2)] * 3)
    found = prior_maps(p, p)
    assert found.groups_a == ((0,), (1, 2)) and found.maps and not found.exact


def test_canonical_forms():
    """Zero weights are dropped and identical components merged before matching."""
    p = gm([0.5, 0.0, 0.25, 0.25], [[0, 0], [9, 9], [2, 1], [2, 1]],
           [np.eye(2), 5 * np.eye(2), DIAG.covs[1], DIAG.covs[1]])
    q = gm([0.5, 0.5], [[0, 0], [2, 1]], [np.eye(2), DIAG.covs[1]])
    found = prior_maps(p, q)
    assert found.groups_a == ((0,), (2, 3)) and found.groups_b == ((0,), (1,))
    assert found.closest_kind == "identity" and found.exact
    assert not prior_maps(p, gm([0.5, 0.5], [[0, 0], [2, 1]], [np.eye(2), np.eye(2)]))


def test_docstring_example():
    module = sys.modules["exactid.identifiability.prior_maps"]  # the name is the function's
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# -- affine_maps and priors_equivalent for m <= 3 ---------------------------------------------


def test_affine_maps_in_higher_dimensions():
    maps = affine_maps(DIAG, image(DIAG, [[0, -2], [0.5, 0]], [1, 2]))
    assert all(isinstance(h, AffineMap) for h in maps) and len(maps) == 2
    assert priors_equivalent(FULL, CASES["generic full covariances"][1])
    assert not priors_equivalent(DIAG, gm([0.5, 0.5], DIAG.means, [np.eye(2), np.eye(2)]))
    three = gm([1.0], [[0, 0, 0]], [np.eye(3)])
    assert priors_equivalent(three, gm([1.0], [[1, 2, 3]], [np.diag([1.0, 2.0, 3.0])]))
    assert exactid.prior_maps is prior_maps and exactid.AffineMap is AffineMap
    assert isinstance(prior_maps(three, three), PriorMaps)


# -- classify_affine --------------------------------------------------------------------------


@pytest.mark.parametrize(("matrix", "shift", "kind"), [
    (np.eye(2), [0, 0], "identity"),
    (np.eye(3) + 1e-12, [1e-12, 0, 0], "identity"),
    ([[1.0]], [0.0], "identity"),
    ([[-1.0]], [0.0], "permutation_scaling_translation"),
    ([[0, 1], [1, 0]], [0, 0], "permutation"),
    ([[0, 0, 1], [1, 0, 0], [0, 1, 0]], [0, 0, 0], "permutation"),
    ([[0, 1], [1, 0]], [0, 1], "permutation_scaling_translation"),
    (np.eye(2), [3, 0], "permutation_scaling_translation"),
    ([[0, -2], [0.5, 0]], [0, 0], "permutation_scaling_translation"),
    (np.diag([1.0, -1.0]), [0, 0], "permutation_scaling_translation"),
    (rotation(30), [0, 0], "affine"),
    ([[1, 0.5], [0, 1]], [0, 0], "affine"),
    ([[1, 1e-6], [0, 1]], [0, 0], "affine"),
])
def test_classify_affine(matrix, shift, kind):
    assert classify_affine(matrix, shift) == kind


def test_classify_affine_tolerances():
    assert classify_affine([[1, 1e-6], [0, 1]], [0, 0], atol=1e-5) == "identity"
    assert classify_affine(np.eye(2), [1e-6, 0], atol=1e-9, scale=1e4) == "identity"
    assert classify_affine(np.eye(2), [1e-6, 0], atol=1e-9) == "permutation_scaling_translation"
    assert classify_affine(np.eye(2), [0, 0], atol=0.0) == "identity"


# -- argument errors --------------------------------------------------------------------------


P4 = gm([1.0], [[0, 0, 0, 0]], [np.eye(4)])
MANY = gm(np.ones(MAX_COMPONENTS + 1) / (MAX_COMPONENTS + 1),
          [[k, 0] for k in range(MAX_COMPONENTS + 1)], [np.eye(2)] * (MAX_COMPONENTS + 1))


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: prior_maps(DIAG, ONE.means), ValueError,
     r"prior_b: expected a GaussianMixture, found ndarray"),
    (lambda: prior_maps(DIAG, gm([1.0], [[0, 0, 0]], [np.eye(3)])), ValueError,
     r"prior_b: expected dimension m = 2 \(from prior_a\), found m = 3"),
    (lambda: affine_maps(DIAG, gm([1.0], [0.0], [[[1.0]]])), ValueError,
     r"prior_b: expected dimension m = 2 \(from prior_a\), found m = 1"),
    (lambda: prior_maps(P4, P4), NotImplementedError,
     r"prior_a: affine maps between priors are implemented for m <= 3 \(MAX_DIM\), found m = 4"),
    (lambda: affine_maps(DIAG, P4), NotImplementedError, r"prior_b: .* m <= 3 .* found m = 4"),
    (lambda: priors_equivalent(P4, P4), NotImplementedError, r"prior_a: .* found m = 4"),
    (lambda: prior_maps(DIAG, DIAG, atol=-1e-9), ValueError,
     r"atol: expected a finite number >= 0, found -1e-09"),
    (lambda: prior_maps(DIAG, DIAG, exact=1), ValueError,
     r"exact: expected True or False, found 1"),
    (lambda: prior_maps(MANY, MANY), ValueError,
     r"prior_a: expected at most 6 distinct components of positive weight \(MAX_COMPONENTS"),
    (lambda: classify_affine([[1, 2], [2, 4]], [0, 0]), ValueError,
     r"matrix: expected an invertible matrix, found rank 1 < 2"),
    (lambda: classify_affine(np.ones((2, 3)), [0, 0]), ValueError,
     r"matrix: expected a square \(m, m\) array, found shape \(2, 3\)"),
    (lambda: classify_affine(np.eye(2), [0, 0, 0]), ValueError,
     r"shift: expected shape \(2,\) \(m = 2 from matrix\), found \(3,\)"),
    (lambda: classify_affine(np.eye(2), [0, 0], atol=-1), ValueError,
     r"atol: expected a finite number >= 0"),
    (lambda: classify_affine(np.eye(2), [0, 0], scale=0), ValueError,
     r"scale: expected a finite number > 0, found 0"),
])
def test_argument_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
