"""The exhaustive grid search (exactid.search) and its numba kernels (exactid.search._kernels).

References, each independent of the fast path under test:

* the pieces of a decoder: :func:`exactid.regions.pieces_1d` of the equivalent
  :class:`~exactid.ReluNet` (interval propagation, tested on its own against exact rationals);
* the log density of one atom through a decoder: :func:`exactid.log_pdf` of the one-component
  :class:`~exactid.LatentModel` (tested on its own against 50-digit mpmath);
* the objective of every grid point: :func:`exactid.search.reference_search`, which builds each
  grid point as a model and evaluates it alone, either by the adaptive
  :func:`exactid.cross_entropy` (independent quadrature) or by :func:`exactid.log_pdf` at the
  fixed nodes (the same rule, a different evaluation path); and :func:`exactid.sample_nll`;
* the symmetry reduction: brute-force enumeration of the full grid and
  :meth:`Family.canonical` of every point, and the orbit counts recounted from that map;
* the planted truth: Gibbs' inequality (the truth minimizes :math:`H(p, q)` and the minimum is
  the entropy :math:`H(p, p)`), and Remark 3.6 of paper 003 (two non-equivalent priors through
  :math:`|z|` give the same law of x).

Tolerances.  The fast objective and the per-point reference differ only by the order of the
floating-point sums (the shifted mixture sum versus a log-sum-exp per point), a few ulp of the
terms: 1e-12 absolute on objectives of size ~1 (measured: ~2e-15).  Against the adaptive
quadrature (requested to 1e-12) the two rules differ by their quadrature errors: 1e-10
(measured: ~2e-15).  Decoder pieces built from small dyadic grid values are exact, so 1e-14
relative only allows for a different summation order in the leaky case.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid import (
    GaussianMixture,
    LatentModel,
    ReluNet,
    cross_entropy,
    kl_divergence,
    log_pdf,
    pieces_1d,
    sample_nll,
)
from exactid.errors import Interrupted
from exactid.search import (
    Family,
    FamilyPoint,
    SearchResult,
    grid_search,
    quadrature_rule,
    reference_search,
)
from exactid.search import _kernels as kern

# Objective agreement (see the module docstring).
FAST_VS_PLAIN = 1e-12
FAST_VS_ADAPTIVE = 1e-10

# -- small families -----------------------------------------------------------------------------
# J = 2, H = 2 (ReLU), 1728 grid points: the equality-with-reference family of the brief.
FAM_EQ = dict(n_components=2, n_hidden=2, weight_steps=2, means=(-1.0, 1.0), variances=(0.25,),
              alphas=(-1.0, 0.0, 1.0), betas=(-1.0, 1.0), biases=(0.0, 0.5), noise_stds=(0.3,))
# Leaky ReLU, two variances and two noise levels, 1536 grid points.
FAM_LEAKY = dict(n_components=2, n_hidden=2, weight_steps=2, means=(-1.0, 1.0),
                 variances=(0.25, 1.0), alphas=(-1.0, 1.0), betas=(-0.5, 1.0), biases=(0.0,),
                 noise_stds=(0.3, 0.5), negative_slope=0.25)
# J = 3, 38880 grid points (searched canonically only).
FAM_J3 = dict(n_components=3, n_hidden=2, weight_steps=3, means=(-1.0, 0.0, 1.0),
              variances=(0.25,), alphas=(-1.0, 0.0, 1.0), betas=(-1.0, 1.0),
              biases=(-0.5, 0.5), noise_stds=(0.25,))


def all_points(family: Family):
    """Every grid point, in the order of :func:`reference_search`."""
    cfg_atoms, cfg_w, _ = family.configurations(False)
    decoders, _ = family.decoders(False)
    return [family.point(s, dec, a, w) for s in range(len(family.noise_stds))
            for dec in decoders for a, w in zip(cfg_atoms, cfg_w)]


def every_objective(family: Family, reference=None, data=None) -> dict:
    """The fast objective of every grid point: ``tol`` so large that every point is a
    minimizer, and ``keep`` = all configurations (nothing is dropped per decoder)."""
    n_cfg = len(family.configurations(False)[0])
    result = grid_search(family, reference, data=data, canonical=False, tol=1e300, keep=n_cfg,
                         crosscheck=0)
    out = {c.point: c.objective for c in result.minimizers}
    assert len(out) == len(result.minimizers) == family.n_grid_points
    return out


# -- 2. decoder_pieces1 against regions.pieces_1d -------------------------------------------------
GRID_VALUES = (-1.0, -0.5, 0.0, 0.5, 1.0, 2.0)


@st.composite
def grid_decoders(draw):
    """alpha, beta, pi of H in {1, 2, 3} units from a small grid containing 0 (dead units,
    constant units), with identical units forced half of the time, and an activation slope."""
    n_units = draw(st.integers(1, 3))
    value = st.sampled_from(GRID_VALUES)
    units = [[draw(value) for _ in range(3)] for _ in range(n_units)]
    if n_units > 1 and draw(st.booleans()):
        units[-1] = list(units[0])
    alpha, beta, pi = (np.array(col, dtype=float) for col in zip(*units))
    slope = draw(st.sampled_from([0.0, 0.0, 0.1, 0.25, 0.5]))
    return alpha, beta, pi, slope


def decoder_net(alpha, beta, pi, slope) -> ReluNet:
    return ReluNet([np.asarray(beta, float)[:, None], np.asarray(alpha, float)[None, :]],
                   [np.asarray(pi, float), np.zeros(1)], slope)


def kernel_pieces(alpha, beta, pi, slope, fill=np.nan):
    n_units = len(alpha)
    breaks = np.full(n_units, fill)
    slopes = np.full(n_units + 1, fill)
    intercepts = np.full(n_units + 1, fill)
    n = kern.decoder_pieces1(np.asarray(alpha, float), np.asarray(beta, float),
                             np.asarray(pi, float), float(slope), breaks, slopes, intercepts)
    return breaks[: n - 1], slopes[:n], intercepts[:n]


def assert_pieces_equal(got, ref, alpha, beta, pi):
    """``got`` = kernel (breaks, slopes, intercepts), ``ref`` = a Pieces1D."""
    breaks, slopes, intercepts = got
    scale = 1.0 + float(np.sum(np.abs(alpha) * (np.abs(beta) + np.abs(pi))))
    assert breaks.size == ref.breakpoints.size, (breaks, ref.breakpoints)
    np.testing.assert_allclose(breaks, ref.breakpoints, rtol=1e-14, atol=1e-14 * scale)
    np.testing.assert_allclose(slopes, ref.slopes[:, 0], rtol=1e-14, atol=1e-14 * scale)
    np.testing.assert_allclose(intercepts, ref.intercepts[:, 0], rtol=1e-14, atol=1e-14 * scale)


@given(grid_decoders())
def test_decoder_pieces_match_pieces_1d(dec):
    alpha, beta, pi, slope = dec
    ref = pieces_1d(decoder_net(alpha, beta, pi, slope))
    assert_pieces_equal(kernel_pieces(alpha, beta, pi, slope), ref, alpha, beta, pi)


@pytest.mark.parametrize("alpha, beta, pi", [
    ((-1.0, 2.0), (1.0, -1.0), (0.0, 0.5)),          # two kinks, nothing merges
    ((1.0, 1.0), (1.0, 1.0), (0.0, 0.0)),            # identical units: one kink
    ((1.0, -1.0), (1.0, 1.0), (0.5, 0.5)),           # cancelling units: f = 0, no kink
    ((0.0, 1.0), (1.0, 0.0), (0.0, 0.5)),            # dead unit and constant unit
    ((1.0, -1.0, 0.5), (1.0, 1.0, 2.0), (0.0, 0.5, -1.0)),      # three distinct kinks
    ((0.5, 1.0, -1.0), (2.0, 1.0, -1.0), (1.0, -1.0, 1.0)),     # the last kink cancels
    ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)),
])
@pytest.mark.parametrize("slope", [0.0, 0.25])
def test_decoder_pieces_table(alpha, beta, pi, slope):
    alpha, beta, pi = (np.array(v) for v in (alpha, beta, pi))
    ref = pieces_1d(decoder_net(alpha, beta, pi, slope))
    for fill in (np.nan, 0.0, 1e300):  # the output buffers' initial contents must not matter
        assert_pieces_equal(kernel_pieces(alpha, beta, pi, slope, fill), ref, alpha, beta, pi)


@pytest.mark.parametrize("alpha, beta, pi, slope", [
    # f(z) = relu(z) - relu(-z) + relu(z - 1) = z + relu(z - 1): kinks {0, 1}, 0 removable.
    ((1.0, -1.0, 1.0), (1.0, -1.0, 1.0), (0.0, 0.0, -1.0), 0.0),
    # units 0 and 2 cancel (kink at -1); unit 1 has its kink at 0.25.
    ((-0.5, 0.5, 0.5), (-1.0, 2.0, -1.0), (-1.0, -0.5, -1.0), 0.0),
    ((-0.5, 0.5, 1.0), (-0.5, -0.5, -0.5), (0.0, 0.0, 1.0), 0.1),
])
def test_decoder_pieces_inner_merge(alpha, beta, pi, slope):
    alpha, beta, pi = (np.array(v) for v in (alpha, beta, pi))
    ref = pieces_1d(decoder_net(alpha, beta, pi, slope))
    for fill in (np.nan, 0.0, 1e300):
        assert_pieces_equal(kernel_pieces(alpha, beta, pi, slope, fill), ref, alpha, beta, pi)


def test_fast_objective_every_point_h3():
    family = Family(n_components=1, n_hidden=3, weight_steps=1, means=(0.0,), variances=(0.25,),
                    alphas=(-1.0, 1.0), betas=(-1.0, 1.0), biases=(-1.0, 0.0),
                    noise_stds=(0.3,))
    truth = FamilyPoint((1.0,), (0.0,), (0.25,), (1.0, -1.0, 1.0), (1.0, -1.0, 1.0),
                        (0.0, 0.0, -1.0), 0.3)
    fast = every_objective(family, truth)
    points, plain, _ = reference_search(family, truth, adaptive=False)
    diff = np.array([abs(fast[p] - v) for p, v in zip(points, plain)])
    assert diff.max() <= FAST_VS_PLAIN, f"{np.sum(diff > FAST_VS_PLAIN)} points differ"


# -- 3. atom_log_density against log_pdf ---------------------------------------------------------
@given(grid_decoders(), st.sampled_from([-2.0, -0.5, 0.0, 1.0, 2.0]),
       st.sampled_from([0.04, 0.25, 1.0, 2.25]), st.sampled_from([0.1, 0.25, 0.5, 1.0]))
def test_atom_log_density_matches_log_pdf(dec, mu, var, sigma):
    alpha, beta, pi, slope = dec
    net = decoder_net(alpha, beta, pi, slope)
    model = LatentModel(GaussianMixture([1.0], [mu], [var]), net, sigma)
    # The pieces of the reference path, so that only atom_log_density is under test.
    pieces = model.pieces
    n = pieces.n_pieces
    breaks = np.ascontiguousarray(pieces.breakpoints, dtype=float)
    slopes = np.ascontiguousarray(pieces.slopes[:, 0])
    intercepts = np.ascontiguousarray(pieces.intercepts[:, 0])
    x = np.linspace(-8.0, 8.0, 65)
    out = np.full(x.size, np.nan)
    terms = np.empty((kern.TERM_ROWS, max(n, len(alpha) + 1)))
    kern.atom_log_density(x, out, breaks, slopes, intercepts, n, mu, var, sigma, terms)
    ref = log_pdf(model, x)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-13)


def test_candidate_log_density_matches_log_pdf():
    """The plain per-point kernel (mixture by log-sum-exp) against log_pdf of the mixture."""
    family = Family(**FAM_LEAKY)
    atoms = family.atoms()
    rng = np.random.default_rng(3)
    cfg_atoms, cfg_w, _ = family.configurations(False)
    decoders, _ = family.decoders(False)
    x = np.linspace(-6.0, 6.0, 97)
    for _ in range(40):
        d, c = rng.integers(len(decoders)), rng.integers(len(cfg_atoms))
        s = rng.integers(len(family.noise_stds))
        with np.errstate(divide="ignore"):
            logw = np.log(cfg_w[c])
        got = kern.candidate_log_density(np.ascontiguousarray(decoders[d]),
                                         family.negative_slope,
                                         np.ascontiguousarray(atoms[:, 0]),
                                         np.ascontiguousarray(atoms[:, 1]),
                                         family.noise_stds[s], cfg_atoms[c], logw, x)
        ref = log_pdf(family.point(s, decoders[d], cfg_atoms[c], cfg_w[c]).model(), x)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-13)


# -- 4. Family: grid size, symmetry reduction, validation -----------------------------------------
FAMILIES_SMALL = [
    FAM_EQ,
    FAM_LEAKY,
    dict(n_components=3, n_hidden=2, weight_steps=2, means=(-1.0, 1.0), variances=(0.25,),
         alphas=(0.0, 1.0), betas=(-1.0, 1.0), biases=(0.0,), noise_stds=(0.2, 0.4)),
    dict(n_components=2, n_hidden=3, weight_steps=3, means=(0.0, 1.0), variances=(0.5, 1.0),
         alphas=(-1.0, 0.0), betas=(1.0, 2.0), biases=(0.0,), noise_stds=(0.3,)),
]
SMALL_IDS = ["eq", "leaky", "j3-two-noises", "h3-two-variances"]
# The same families with the decoders merged by function (exactid.search.functions); the
# generic tests below hold for both reductions.
FAMILIES_SMALL += [dict(kwargs, symmetry="functions") for kwargs in FAMILIES_SMALL]
SMALL_IDS += [f"{name}-functions" for name in SMALL_IDS]


def brute_force_size(family: Family) -> int:
    """The full grid counted by enumerating weight vectors (no closed form)."""
    n_weights = sum(1 for c in itertools.product(range(family.weight_steps + 1),
                                                 repeat=family.n_components)
                    if sum(c) == family.weight_steps)
    n_atoms = len(family.means) * len(family.variances)
    n_units = len(family.alphas) * len(family.betas) * len(family.biases)
    return (n_weights * n_atoms ** family.n_components * n_units ** family.n_hidden
            * len(family.noise_stds))


@pytest.mark.parametrize("kwargs", FAMILIES_SMALL + [{}], ids=SMALL_IDS + ["default"])
def test_n_grid_points(kwargs):
    family = Family(**kwargs)
    _, _, cfg_orbit = family.configurations(True)
    _, dec_orbit = family.decoders(True)
    n_sigma = len(family.noise_stds)
    assert family.n_grid_points == int(cfg_orbit.sum()) * int(dec_orbit.sum()) * n_sigma
    assert family.n_grid_points == brute_force_size(family)
    if family.n_grid_points < 10**5:
        cfg_all, _, orbit_all = family.configurations(False)
        dec_all, dorbit_all = family.decoders(False)
        assert family.n_grid_points == len(cfg_all) * len(dec_all) * n_sigma
        assert np.all(orbit_all == 1) and np.all(dorbit_all == 1)
        # The symmetry reduction really reduces (orbits of size > 1 exist in these families).
        assert len(family.configurations(True)[0]) < len(cfg_all)


@pytest.mark.parametrize("kwargs", FAMILIES_SMALL, ids=SMALL_IDS)
def test_canonical_map_and_orbit_sizes(kwargs):
    """Family.canonical maps every grid point to a canonical row; each canonical row is hit
    exactly (config orbit x decoder orbit) times; canonical rows are fixed points."""
    family = Family(**kwargs)
    cfg_atoms, cfg_w, cfg_orbit = family.configurations(True)
    decoders, dec_orbit = family.decoders(True)
    expected = {}
    for s in range(len(family.noise_stds)):
        for dec, dorb in zip(decoders, dec_orbit):
            for a, w, corb in zip(cfg_atoms, cfg_w, cfg_orbit):
                point = family.point(s, dec, a, w)
                assert point not in expected
                expected[point] = int(dorb) * int(corb)
                assert family.canonical(point) == point
    hits = Counter(family.canonical(p) for p in all_points(family))
    assert set(hits) == set(expected)
    assert hits == Counter(expected)


@pytest.mark.parametrize("kwargs", [FAM_EQ, FAM_LEAKY, dict(FAM_EQ, symmetry="functions"),
                                    dict(FAM_LEAKY, symmetry="functions")],
                         ids=["relu", "leaky", "relu-functions", "leaky-functions"])
def test_canonical_point_has_the_same_density(kwargs):
    """The symmetries behind the reduction are exact: a grid point and its canonical
    representative have the same log density (to rounding)."""
    family = Family(**kwargs)
    points = all_points(family)
    rng = np.random.default_rng(0)
    x = np.linspace(-5.0, 5.0, 41)
    for i in rng.choice(len(points), 150, replace=False):
        p = points[i]
        np.testing.assert_allclose(log_pdf(family.canonical(p).model(), x),
                                   log_pdf(p.model(), x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(means=()), "means: expected at least one grid value"),
    (dict(alphas=[]), "alphas: expected at least one grid value"),
    (dict(means=(0.0, np.nan)), "means: expected finite grid values"),
    (dict(biases=(np.inf,)), "biases: expected finite grid values"),
    (dict(betas=(1.0, 0.5, 1.0)), "betas: expected distinct grid values"),
    (dict(variances=(0.0,)), "variances: expected positive grid values"),
    (dict(variances=(0.25, -1.0)), "variances: expected positive grid values"),
    (dict(noise_stds=(0.0, 0.3)), "noise_stds: expected positive grid values"),
    (dict(noise_stds=(-0.3,)), "noise_stds: expected positive grid values"),
    (dict(means="abc"), "means: expected a sequence of numbers"),
    (dict(n_components=0), "n_components: expected an integer >= 1"),
    (dict(n_hidden=True), "n_hidden: expected an integer >= 1"),
    (dict(weight_steps=False), "weight_steps: expected an integer >= 1"),
    (dict(weight_steps=2.0), "weight_steps: expected an integer >= 1"),
    (dict(negative_slope=-0.1), "negative_slope: expected a finite number >= 0"),
    (dict(negative_slope=True), "negative_slope: expected a finite number >= 0"),
    (dict(symmetry="all"), "symmetry: expected one of units, functions"),
])
def test_family_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Family(**kwargs)


def test_family_grids_sorted_and_valid_point_accepted():
    family = Family(means=(1.0, -1.0), variances=[0.5], alphas=np.array([0.5, -0.5]),
                    betas=(1,), biases=(0.0,), noise_stds=(0.3,), n_components=2, n_hidden=1)
    assert family.means == (-1.0, 1.0) and family.alphas == (-0.5, 0.5)
    point = FamilyPoint((0.5, 0.5), (1.0, -1.0), (0.5, 0.5), (0.5,), (1.0,), (0.0,), 0.3)
    assert family.canonical(point).means == (-1.0, 1.0)


def _eq_point(**changes):
    base = dict(weights=(0.5, 0.5), means=(-1.0, 1.0), variances=(0.25, 0.25), alpha=(1.0, -1.0),
                beta=(1.0, -1.0), pi=(0.0, 0.5), noise_std=0.3)
    base.update(changes)
    return FamilyPoint(**base)


@pytest.mark.parametrize("changes, match", [
    (dict(means=(-1.0, 0.5)), "component 1 .* is not on the family's grid"),
    (dict(variances=(0.25, 0.5)), "component 1 .* is not on the family's grid"),
    (dict(weights=(0.25, 0.75)), "component 0 .* is not on the family's grid"),
    (dict(alpha=(1.0, 0.5)), "hidden unit 1 .* is not on the family's grid"),
    (dict(pi=(-0.5, 0.5)), "hidden unit 0 .* is not on the family's grid"),
    (dict(weights=(0.5, 0.5, 0.0), means=(-1.0, 1.0, 1.0), variances=(0.25,) * 3),
     "expected 2 components and 2 hidden units"),
])
def test_canonical_rejects_off_grid_point(changes, match):
    family = Family(**FAM_EQ)
    family.canonical(_eq_point())  # the unchanged point is on the grid
    with pytest.raises(ValueError, match=match):
        family.canonical(_eq_point(**changes))


def test_canonical_rejects_weights_off_the_simplex():
    with pytest.raises(ValueError, match="not on the family's grid"):
        Family(**FAM_EQ).canonical(_eq_point(weights=(0.5, 0.0)))


def test_canonical_rejects_off_grid_noise():
    with pytest.raises(ValueError, match="not on the family's grid"):
        Family(**FAM_EQ).canonical(_eq_point(noise_std=0.7))


def test_canonical_rejects_other_activation():
    with pytest.raises(ValueError):
        Family(**FAM_EQ).canonical(_eq_point(negative_slope=0.5))


# -- 5. equality with the slow reference ---------------------------------------------------------
EQ_CASES = {"relu-seed0": (FAM_EQ, 0, 1e-9), "leaky-seed5": (FAM_LEAKY, 5, 1e-9),
            "relu-functions-seed0": (dict(FAM_EQ, symmetry="functions"), 0, 1e-9)}


@pytest.fixture(scope="module", params=list(EQ_CASES))
def eq_case(request):
    kwargs, seed, tol = EQ_CASES[request.param]
    family = Family(**kwargs)
    truth = family.random_point(seed)
    points, adaptive, ref_min = reference_search(family, truth, tol=tol, adaptive=True)
    points_plain, plain, _ = reference_search(family, truth, tol=tol, adaptive=False)
    assert points_plain == points
    # The reference's order is documented: check it against our own enumeration.
    assert points == all_points(family)
    # Precondition of a meaningful set comparison: no objective within 1e-11 of the
    # boundary minimum + tol (the fast and reference objectives agree to ~1e-15).
    boundary = adaptive.min() + tol
    assert not np.any(np.abs(adaptive - boundary) < 1e-11), "choose another tol for this case"
    return dict(family=family, truth=truth, tol=tol, points=points, adaptive=adaptive,
                plain=plain, ref_min=ref_min, fast=every_objective(family, truth))


def test_fast_objective_of_every_point_matches_reference(eq_case):
    fast = np.array([eq_case["fast"][p] for p in eq_case["points"]])
    np.testing.assert_allclose(fast, eq_case["plain"], rtol=0, atol=FAST_VS_PLAIN)
    np.testing.assert_allclose(fast, eq_case["adaptive"], rtol=0, atol=FAST_VS_ADAPTIVE)


def test_full_search_minimizers_equal_reference(eq_case):
    family, truth, tol = eq_case["family"], eq_case["truth"], eq_case["tol"]
    result = grid_search(family, truth, canonical=False, tol=tol)
    assert result.n_evaluated == result.n_grid_points == family.n_grid_points
    assert result.certified and not result.interrupted
    ref = {eq_case["points"][i]: eq_case["adaptive"][i] for i in eq_case["ref_min"]}
    got = {c.point: c.objective for c in result.minimizers}
    assert set(got) == set(ref)
    for point, value in got.items():
        assert abs(value - ref[point]) <= FAST_VS_ADAPTIVE
    assert abs(result.minimum - eq_case["adaptive"].min()) <= FAST_VS_ADAPTIVE
    assert all(c.orbit_size == 1 for c in result.minimizers)
    # Ascending order, as documented.
    objectives = [c.objective for c in result.minimizers]
    assert objectives == sorted(objectives)


def test_canonical_search_minimizers_are_canonical_reference_minimizers(eq_case):
    family, truth, tol = eq_case["family"], eq_case["truth"], eq_case["tol"]
    result = grid_search(family, truth, tol=tol)
    assert result.n_grid_points == family.n_grid_points
    assert result.n_evaluated == (len(family.configurations(True)[0])
                                  * len(family.decoders(True)[0]) * len(family.noise_stds))
    assert result.n_evaluated < family.n_grid_points
    ref_points = [eq_case["points"][i] for i in eq_case["ref_min"]]
    got = {c.point: c for c in result.minimizers}
    assert set(got) == {family.canonical(p) for p in ref_points}
    # Each canonical minimizer stands for exactly its orbit's reference minimizers.
    counts = Counter(family.canonical(p) for p in ref_points)
    assert {p: c.orbit_size for p, c in got.items()} == dict(counts)
    assert abs(result.minimum - eq_case["adaptive"].min()) <= FAST_VS_ADAPTIVE


# -- 6. planted truth ----------------------------------------------------------------------------
PLANTED = [(FAM_EQ, 1), (FAM_EQ, 2), (FAM_LEAKY, 4), (FAM_J3, 7), (FAM_J3, 11)]


@pytest.mark.parametrize("kwargs, seed", PLANTED,
                         ids=[f"case{i}" for i in range(len(PLANTED))])
def test_planted_truth_is_a_global_minimizer(kwargs, seed):
    family = Family(**kwargs)
    truth = family.random_point(seed)
    tol = 1e-12
    result = grid_search(family, truth, tol=tol)
    p = truth.model()
    points = [c.point for c in result.minimizers]
    assert family.canonical(truth) in points
    k = points.index(family.canonical(truth))
    assert result.equivalence[k] == (True, True)
    entropy = cross_entropy(p, p, tol=1e-12)
    assert abs(result.minimum - entropy.value) <= FAST_VS_ADAPTIVE
    assert abs(result.minimizers[k].objective - entropy.value) <= FAST_VS_ADAPTIVE
    for cand in result.minimizers:
        kl = kl_divergence(p, cand.point.model(), tol=1e-13)
        assert kl.value <= tol + kl.error, (cand.point, kl)
    assert result.certified
    assert result.crosscheck is not None and result.crosscheck < 1e-10
    assert result.max_error < tol
    if result.best_nonequivalent is not None:
        assert result.gap_to_nonequivalent >= 0


# -- 7. Remark 3.6: |z| and two non-equivalent priors ---------------------------------------------
def test_remark_3_6_counterexample_is_found():
    family = Family(n_components=3, n_hidden=2, weight_steps=3, means=(-2.0, -1.0, 1.0, 3.0),
                    variances=(0.25,), alphas=(1.0,), betas=(-1.0, 1.0), biases=(0.0,),
                    noise_stds=(0.3,))
    third = (1 / 3,) * 3
    absval = dict(alpha=(1.0, 1.0), beta=(1.0, -1.0), pi=(0.0, 0.0), noise_std=0.3)
    P = FamilyPoint(third, (-2.0, -1.0, 3.0), (0.25,) * 3, **absval)
    P2 = FamilyPoint(third, (-2.0, 1.0, 3.0), (0.25,) * 3, **absval)
    result = grid_search(family, P)
    assert result.certified
    points = [c.point for c in result.minimizers]
    assert family.canonical(P) in points
    assert family.canonical(P2) in points
    assert family.canonical(P2) != family.canonical(P)
    assert result.counterexample is not None
    assert result.all_minimizer_priors_equivalent is False
    assert result.all_minimizers_equivalent is False
    # The counterexample generates the law of the truth: its KL is 0 to quadrature accuracy.
    kl = kl_divergence(P.model(), result.counterexample.point.model(), tol=1e-13)
    assert abs(kl.value) <= 1e-12 + kl.error
    # With P' as the truth, P is found the same way (the relation is symmetric).
    back = grid_search(family, P2)
    assert family.canonical(P) in [c.point for c in back.minimizers]
    assert back.counterexample is not None


# -- 8. sample-NLL mode --------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, seed", [(FAM_EQ, 3), (FAM_LEAKY, 6)], ids=["relu", "leaky"])
def test_sample_nll_mode(kwargs, seed):
    family = Family(**kwargs)
    truth = family.random_point(seed)
    x, _ = truth.model().sample(200, seed=seed + 100)
    points = all_points(family)
    ref = np.array([sample_nll(p.model(), x) for p in points])
    fast = every_objective(family, data=x[:, 0])
    np.testing.assert_allclose([fast[p] for p in points], ref, rtol=0, atol=1e-12)
    tol = 1e-9
    for reference in (None, truth):
        result = grid_search(family, reference, data=x, tol=tol)
        assert abs(result.minimum - ref.min()) <= 1e-12
        assert result.crosscheck is None
        expected = {family.canonical(points[i]) for i in np.flatnonzero(ref <= ref.min() + tol)}
        assert {c.point for c in result.minimizers} == expected
        assert (result.equivalence is None) == (reference is None)


# -- 9. interruption -----------------------------------------------------------------------------
def _interrupt_on_call(monkeypatch, which: int):
    original = kern.search_decoders
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == which:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(kern, "search_decoders", wrapper)
    return calls


def test_interrupted_search_raises_with_partial_result(monkeypatch):
    """Ctrl-C never returns a partial search as a result: it raises Interrupted (a
    KeyboardInterrupt), which carries the incomplete result for a caller that asks."""
    family = Family(**FAM_EQ)  # 144 decoders: several chunks when not reduced
    truth = family.random_point(0)
    full = grid_search(family, truth, canonical=False, tol=1e-9, crosscheck=0)
    calls = _interrupt_on_call(monkeypatch, 2)
    with pytest.raises(Interrupted) as excinfo:
        grid_search(family, truth, canonical=False, tol=1e-9, crosscheck=0)
    assert isinstance(excinfo.value, KeyboardInterrupt)
    result = excinfo.value.partial
    assert len(calls) >= 2
    assert isinstance(result, SearchResult)
    assert result.interrupted is True
    assert result.certified is False
    n_cfg = len(family.configurations(False)[0])
    assert 0 < result.n_evaluated < full.n_evaluated == family.n_grid_points
    assert result.n_evaluated % n_cfg == 0
    assert result.minimum >= full.minimum - 1e-15
    assert "INTERRUPTED" in result.summary()


def test_interrupted_before_first_chunk(monkeypatch):
    family = Family(**FAM_EQ)
    _interrupt_on_call(monkeypatch, 1)
    with pytest.raises(Interrupted) as excinfo:
        grid_search(family, family.random_point(0), canonical=False, tol=1e-9, crosscheck=0)
    result = excinfo.value.partial
    assert result.interrupted and not result.certified
    assert result.n_evaluated == 0 and result.minimizers == []


# -- 10. argument validation ---------------------------------------------------------------------
def test_grid_search_validation():
    family = Family(**FAM_EQ)
    truth = family.random_point(0)
    with pytest.raises(ValueError, match="family: expected a Family"):
        grid_search(FAM_EQ, truth)
    with pytest.raises(ValueError, match="found neither"):
        grid_search(family)
    with pytest.raises(ValueError, match="reference: expected a FamilyPoint or LatentModel"):
        grid_search(family, "truth")
    no_noise = FamilyPoint(truth.weights, truth.means, truth.variances, truth.alpha,
                           truth.beta, truth.pi, 0.0)
    with pytest.raises(ValueError, match="population NLL needs noise_std > 0"):
        grid_search(family, no_noise)
    for bad in (-1e-9, float("nan"), float("inf"), "1e-9"):
        with pytest.raises(ValueError, match="tol: expected a finite number >= 0"):
            grid_search(family, truth, tol=bad)
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match=r"data: expected shape \(N,\) or \(N, 1\)"):
        grid_search(family, data=x)
    with pytest.raises(ValueError, match="data"):
        grid_search(family, data=np.zeros((2, 3, 1)))
    with pytest.raises(ValueError, match="data: expected at least one observation"):
        grid_search(family, data=np.zeros(0))


# -- the fixed rule ------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, seed", [(FAM_EQ, 0), (FAM_LEAKY, 1), (FAM_J3, 2)])
def test_quadrature_rule_integrates_the_reference_density(kwargs, seed):
    """Both rules integrate p to 1 (all but ~1e-37 of p's mass is inside the window), and
    integrate -p log p to the adaptive entropy."""
    family = Family(**kwargs)
    p = family.random_point(seed).model()
    x, w_main, w_check, tail_coef = quadrature_rule(p, min(family.noise_stds))
    assert x.shape == w_main.shape == w_check.shape
    assert w_main[-2:].tolist() == [0.0, 0.0] and w_check[-2:].tolist() == [0.0, 0.0]
    assert np.all(w_main[:-2] >= 0) and tail_coef > 0
    assert abs(w_main.sum() - 1.0) <= 1e-13
    assert abs(w_check.sum() - 1.0) <= 1e-10
    entropy = -float(np.dot(w_main[:-2], log_pdf(p, x[:-2])))
    assert abs(entropy - cross_entropy(p, p, tol=1e-12).value) <= FAST_VS_ADAPTIVE
    assert math.isfinite(entropy)
