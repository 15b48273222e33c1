"""Tests of vade_check.metrics: strong and weak MCC, and CCA.

Every reference below is computed independently of the code under test: brute force over
permutations with ``np.corrcoef`` / ``scipy.stats.spearmanr``, and CCA from the generalised
eigenproblem with ``scipy.linalg``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import rankdata, spearmanr

from vade_check import metrics
from vade_check.metrics import CCAResult, cca, mcc, strong_mcc, weak_mcc


# ============================================================================================
# Helpers (independent references)
# ============================================================================================
def sources(n, d, seed):
    """Independent non-Gaussian sources (uniform, Laplace, exponential, ...), shape (n, d)."""
    rng = np.random.default_rng(seed)
    makers = [
        lambda: rng.uniform(-1, 1, n),
        lambda: rng.laplace(size=n),
        lambda: rng.exponential(size=n),
        lambda: rng.standard_t(5, size=n),
    ]
    return np.column_stack([makers[k % len(makers)]() for k in range(d)])


def cross_corr(x, y, method="pearson"):
    """|corr| between columns of x and of y, by np.corrcoef or scipy.stats.spearmanr."""
    d1 = x.shape[1]
    if method == "pearson":
        full = np.corrcoef(x.T, y.T)
    else:
        full = np.atleast_2d(spearmanr(np.column_stack([x, y])).statistic)
        if full.shape == (1, 1):  # spearmanr returns a scalar for two columns
            full = np.array([[1.0, full[0, 0]], [full[0, 0], 1.0]])
    return np.abs(full[:d1, d1:])


def brute_matching(c):
    """Best injective matching of the smaller side of c, by enumerating all of them."""
    d1, d2 = c.shape
    if d1 <= d2:
        pairs = (list(zip(range(d1), p)) for p in itertools.permutations(range(d2), d1))
    else:
        pairs = (list(zip(p, range(d2))) for p in itertools.permutations(range(d1), d2))
    return max(pairs, key=lambda pr: sum(c[i, j] for i, j in pr))


def brute_mcc(x, y, method="pearson"):
    c = cross_corr(x, y, method)
    return float(np.mean([c[i, j] for i, j in brute_matching(c)]))


def reference_cca(x, y):
    """CCA from the generalised eigenproblem S12 S22^-1 S21 a = rho^2 S11 a, b = S22^-1 S21 a."""
    d1 = x.shape[1]
    s = np.cov(np.column_stack([x, y]).T)
    s11, s12, s22 = s[:d1, :d1], s[:d1, d1:], s[d1:, d1:]
    lhs = s12 @ scipy.linalg.solve(s22, s12.T, assume_a="pos")
    rho2, a = scipy.linalg.eigh(lhs, s11)
    order = np.argsort(rho2)[::-1][: min(d1, y.shape[1])]
    a = a[:, order]
    b = scipy.linalg.solve(s22, s12.T @ a, assume_a="pos")
    return a, b, np.sqrt(np.clip(rho2[order], 0.0, None))




# ============================================================================================
# Validation
# ============================================================================================
Z100 = np.random.default_rng(0).normal(size=(100, 2))
Z90 = np.random.default_rng(1).normal(size=(90, 2))


def _with(value, idx, arr=Z100):
    out = arr.copy()
    out[idx] = value
    return out


@pytest.mark.parametrize("fun", [mcc, strong_mcc, weak_mcc])
@pytest.mark.parametrize(
    ("z1", "z2", "match"),
    [
        (Z100[:, 0], Z100, r"z1: expected a 2-D array, found shape \(100,\)"),
        (Z100, Z100[None], r"z2: expected a 2-D array, found shape \(1, 100, 2\)"),
        (_with(np.nan, (3, 1)), Z100, r"z1: expected finite numbers, found nan at z1\[3, 1\]"),
        (Z100, _with(np.inf, (5, 0)), r"z2: expected finite numbers, found inf at z2\[5, 0\]"),
        (Z100, Z90, r"z2: expected an array of shape \(N, d\) with N = 100 rows like z1, "
                    r"found shape \(90, 2\)"),
        (np.zeros((100, 0)), Z100, r"z1: expected an array of shape \(N, d\) with d >= 1"),
        ([["a", "b"]], Z100, r"z1: expected an array of numbers"),
    ],
)
def test_mcc_family_rejects_bad_latents(fun, z1, z2, match):
    with pytest.raises(ValueError, match=match):
        fun(z1, z2)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: mcc(Z100[:1], Z100[:1]), r"z1: expected at least 2 rows .*found 1"),
        (lambda: strong_mcc(Z100[:3], Z100[:3]),
         r"z1: expected at least 4 rows \(two halves of at least 2 rows.*\), found 3"),
        (lambda: weak_mcc(Z100[:3], Z100[:3]), r"z1: expected at least 4 rows .*found 3"),
        (lambda: strong_mcc(Z100[:1], Z100[:1], out_of_sample=False),
         r"z1: expected at least 2 rows"),
        (lambda: cca(Z100[:1], Z100[:1]), r"z1: expected at least 2 rows"),
        (lambda: mcc(Z100, Z100, "kendall"),
         r"method: expected 'pearson' or 'spearman', found 'kendall'"),
        (lambda: strong_mcc(Z100, Z100, method="Pearson"), r"method: .*found 'Pearson'"),
        (lambda: weak_mcc(Z100, Z100, method=None), r"method: .*found None"),
        (lambda: strong_mcc(Z100, Z100, out_of_sample="yes"),
         r"out_of_sample: expected True or False, found 'yes'"),
        (lambda: strong_mcc(Z100, Z100, seed="abc"), r"seed: expected an int"),
        (lambda: weak_mcc(Z100, Z100, seed=-1), r"seed: expected an int"),
        (lambda: weak_mcc(Z100, Z100, n_components=3),
         r"n_components: expected an int between 1 and min\(d1, d2\) = 2, found 3"),
        (lambda: weak_mcc(Z100, Z100, n_components=0), r"n_components: .*found 0"),
        (lambda: cca(Z100, Z100, n_components=1.5),
         r"n_components: expected None or an int, found 1\.5"),
        (lambda: cca(Z100, Z100).transform(Z100[:, :1], Z100),
         r"z1: expected an array of shape \(N, 2\) like the data the CCA was fitted on, "
         r"found shape \(100, 1\)"),
    ],
)
def test_mcc_family_rejects_bad_options(call, match):
    with pytest.raises(ValueError, match=match):
        call()



# ============================================================================================
# MCC
# ============================================================================================
@pytest.mark.parametrize("method", ["pearson", "spearman"])
@pytest.mark.parametrize("oos", [True, False])
def test_identical_latents_give_one(method, oos):
    # Tolerance 1e-12: a correlation of a column with itself is a dot product of a unit vector
    # with itself, 1 up to ~N eps (N = 500 here); CCA of identical blocks pairs u_i with an
    # identical v_i up to rounding.
    z = sources(500, 3, seed=1)
    assert abs(strong_mcc(z, z, method=method, out_of_sample=oos) - 1.0) < 1e-12
    assert abs(weak_mcc(z, z, method=method, out_of_sample=oos) - 1.0) < 1e-12


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_permuted_rescaled_shifted_copy_has_strong_mcc_one(method):
    # Correlations are invariant under per-column affine maps up to the sign, which |.|
    # removes; the Hungarian matching must undo the permutation.  1e-12: rounding only.
    z = sources(400, 4, seed=2)
    perm = [2, 0, 3, 1]
    z2 = z[:, perm] * np.array([3.0, -0.5, 1e-3, -7.0]) + np.array([1.0, -2.0, 5.0, 0.0])
    assert abs(strong_mcc(z, z2, method=method) - 1.0) < 1e-12
    assert abs(mcc(z, z2, method) - 1.0) < 1e-12
    assert abs(strong_mcc(z, z2, method=method, out_of_sample=False) - 1.0) < 1e-12


def test_rotation_is_weakly_but_not_strongly_identified():
    # z2 is a 45-degree rotation (plus shift) of independent uniform sources.  CCA recovers
    # the exact affine relation: the weak MCC is 1 up to the ridge, whose effect on a
    # correlation is second order (~1e-20), and rounding; 1e-9 is the tolerance asked for.
    # Every coordinate of z2 has population correlation 1/sqrt(2) with each source, so the
    # strong MCC is 0.7071 up to a sampling error (1 - rho^2)/sqrt(1000) ~ 0.016 (3 sd below).
    z = sources(2000, 2, seed=3)
    z[:, 1] = np.random.default_rng(33).uniform(-1, 1, 2000)  # two uniform sources
    c = math.cos(math.pi / 4)
    rot = np.array([[c, -c], [c, c]])
    z2 = z @ rot.T + np.array([3.0, -1.0])
    weak = weak_mcc(z, z2)
    strong = strong_mcc(z, z2)
    assert abs(weak - 1.0) < 1e-9
    assert strong < 0.95
    assert abs(strong - 1 / math.sqrt(2)) < 0.05
    assert abs(weak_mcc(z, z2, out_of_sample=False) - 1.0) < 1e-9


def test_independent_noise_gives_small_mcc():
    # For independent columns each sample correlation is ~ N(0, 1/n) with n = 2000 rows in
    # the score half: |r| has mean ~0.018 and sd ~0.013; the matching (on the fit half) of
    # 3 x 3 pairs does not select on the score half, so the mean over 3 pairs is < 0.1 by
    # ~6 sd.  In sample the max over 3! matchings / the top canonical correlations are
    # ~ (sqrt(d1) + sqrt(d2)) / sqrt(N) ~ 0.06 at most.
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((4000, 3)), rng.standard_normal((4000, 3))
    for oos in (True, False):
        assert strong_mcc(a, b, out_of_sample=oos) < 0.1
        assert weak_mcc(a, b, out_of_sample=oos) < 0.1


def test_spearman_is_invariant_under_monotone_transforms():
    # Strictly increasing maps do not change ranks, so the Spearman computation sees the same
    # numbers and the results are bitwise equal; Pearson does change (by > 1e-3), so the
    # transforms are not trivial for a correlation that is not rank based.
    z1 = sources(300, 3, seed=5)
    z2 = z1 @ np.array([[1.0, 0.3, 0.0], [0.2, 1.0, 0.5], [0.0, 0.4, 1.0]])
    z2 = z2 + 0.3 * np.random.default_rng(55).normal(size=z2.shape)
    z2t = np.column_stack([np.exp(z2[:, 0]), z2[:, 1] ** 3, np.arctan(z2[:, 2])])
    assert mcc(z1, z2t, "spearman") == mcc(z1, z2, "spearman")
    assert strong_mcc(z1, z2t, method="spearman") == strong_mcc(z1, z2, method="spearman")
    assert abs(mcc(z1, z2t) - mcc(z1, z2)) > 1e-3


def test_in_sample_mcc_exceeds_out_of_sample_on_average():
    # z2 = z1 A + noise with d = 8, N = 60: fitting the matching / CCA on the rows it is
    # scored on overfits.  One split is noisy (the gap is negative for ~15% of the seeds, so
    # no single-seed assertion), but over 40 fixed seeds the mean gap is 0.025 (weak) and
    # 0.047 (strong) with standard errors 0.003 and 0.006; 0.01 is > 4 standard errors below.
    gaps_weak, gaps_strong = [], []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        z1 = rng.standard_normal((60, 8))
        a = rng.standard_normal((8, 8))
        z2 = z1 @ a + 0.5 * rng.standard_normal((60, 8)) * np.linalg.norm(a, axis=0)
        gaps_weak.append(weak_mcc(z1, z2, out_of_sample=False) - weak_mcc(z1, z2, seed=seed))
        gaps_strong.append(
            strong_mcc(z1, z2, out_of_sample=False) - strong_mcc(z1, z2, seed=seed)
        )
    assert np.mean(gaps_weak) > 0.01
    assert np.mean(gaps_strong) > 0.01


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(3, 40),
    d1=st.integers(1, 4),
    d2=st.integers(1, 4),
    method=st.sampled_from(["pearson", "spearman"]),
)
def test_mcc_matches_brute_force(seed, n, d1, d2, method):
    # The brute force enumerates every injective matching and uses np.corrcoef or
    # scipy.stats.spearmanr.  1e-12: both are sums of at most 4 correlations that agree to
    # rounding (continuous data, so no constant columns or ties).
    rng = np.random.default_rng(seed)
    z1 = rng.normal(size=(n, d1)) * rng.uniform(0.1, 10, d1)
    z2 = z1[:, rng.integers(0, d1, d2)] * rng.normal(size=d2) + rng.normal(size=(n, d2))
    assert abs(mcc(z1, z2, method) - brute_mcc(z1, z2, method)) < 1e-12


@pytest.mark.parametrize("method", ["pearson", "spearman"])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_strong_mcc_out_of_sample_matches_reference(method, seed):
    # Reference: the same split (first floor(N/2) entries of default_rng(seed).permutation),
    # brute-force matching on the fit half, the same pairs scored on the score half.
    # 1e-12: rounding of a mean of 3 correlations.
    rng = np.random.default_rng(100 + seed)
    z1 = rng.normal(size=(51, 3))
    z2 = z1[:, [2, 0, 1]] + 1.5 * rng.normal(size=(51, 3))
    perm = np.random.default_rng(seed).permutation(51)
    fit, score = perm[:25], perm[25:]
    pairs = brute_matching(cross_corr(z1[fit], z2[fit], method))
    c_score = cross_corr(z1[score], z2[score], method)
    expected = np.mean([c_score[i, j] for i, j in pairs])
    assert abs(strong_mcc(z1, z2, method=method, seed=seed) - expected) < 1e-12


@pytest.mark.parametrize(("d1", "d2", "k"), [(3, 3, None), (2, 4, None), (4, 3, 2)])
def test_weak_mcc_out_of_sample_matches_reference(d1, d2, k):
    # Reference: CCA from the generalised eigenproblem (scipy.linalg.eigh) on the fit half,
    # canonical variates of the score half, brute-force MCC with np.corrcoef.  1e-8: the
    # ridge (1e-10 relative) moves the directions by ~1e-10, and the eigenvector route is
    # itself only accurate to ~1e-12 here.
    rng = np.random.default_rng(d1 * 10 + d2)
    z1 = rng.normal(size=(200, d1))
    z2 = z1 @ rng.normal(size=(d1, d2)) + rng.normal(size=(200, d2)) * 0.8
    perm = np.random.default_rng(3).permutation(200)
    fit, score = perm[:100], perm[100:]
    a, b, _ = reference_cca(z1[fit], z2[fit])
    kk = k or min(d1, d2)
    expected = brute_mcc(z1[score] @ a[:, :kk], z2[score] @ b[:, :kk])
    assert abs(weak_mcc(z1, z2, seed=3, n_components=k) - expected) < 1e-8


@pytest.mark.parametrize(("d1", "d2"), [(3, 3), (3, 5), (5, 2)])
def test_cca_correlations_and_variates(d1, d2):
    # Canonical correlations against sqrt(eig(S11^-1 S12 S22^-1 S21)) by scipy.linalg, and
    # the defining properties of the fitted variates on the fitting data: cov(u) = I,
    # cov(v) = I, cov(u, v) = diag(rho).  1e-8 for all: the ridge perturbs them by
    # ~1e-10 / lambda_min of the standardised blocks (measured <= 6e-10).
    rng = np.random.default_rng(d1 + 7 * d2)
    z1 = rng.normal(size=(300, d1)) * rng.uniform(0.01, 100, d1) + 5.0
    z2 = z1 @ rng.normal(size=(d1, d2)) + rng.normal(size=(300, d2)) * rng.uniform(1, 50, d2)
    res = cca(z1, z2)
    k = min(d1, d2)
    s = np.cov(np.column_stack([z1, z2]).T)
    s11, s12, s22 = s[:d1, :d1], s[:d1, d1:], s[d1:, d1:]
    mat = scipy.linalg.solve(s11, s12) @ scipy.linalg.solve(s22, s12.T)
    rho_ref = np.sqrt(np.sort(np.linalg.eigvals(mat).real)[::-1][:k])
    assert isinstance(res, CCAResult)
    assert res.correlations.shape == (k,)
    assert np.max(np.abs(res.correlations - rho_ref)) < 1e-8
    u, v = res.transform(z1, z2)
    assert u.shape == v.shape == (300, k)
    assert np.max(np.abs(np.cov(u.T).reshape(k, k) - np.eye(k))) < 1e-8
    assert np.max(np.abs(np.cov(v.T).reshape(k, k) - np.eye(k))) < 1e-8
    cross = (u - u.mean(0)).T @ (v - v.mean(0)) / 299
    assert np.max(np.abs(cross - np.diag(res.correlations))) < 1e-8
    # n_components keeps the leading directions.
    assert np.allclose(cca(z1, z2, n_components=1).correlations, res.correlations[:1],
                       rtol=0, atol=1e-14)


def test_cca_is_invariant_to_column_units():
    # CCA, hence the weak MCC, is invariant under rescaling columns.  With units 1e-6 and 1e6
    # the raw covariance has eigenvalues 1e-12 and 1e12, and a ridge relative to the largest
    # (1e-10 * 1e12 = 100) would wipe out the small column; the columns are standardised
    # first, so the results agree to the ridge's ~1e-10 (tolerance 1e-9).
    rng = np.random.default_rng(11)
    z1 = rng.normal(size=(400, 2))
    z2 = z1 @ np.array([[1.0, 0.5], [-0.3, 2.0]]) + 0.5 * rng.normal(size=(400, 2))
    scaled = z1 * np.array([1e-6, 1e6])
    np.testing.assert_allclose(cca(scaled, z2).correlations, cca(z1, z2).correlations,
                               rtol=0, atol=1e-9)
    assert abs(weak_mcc(scaled, z2) - weak_mcc(z1, z2)) < 1e-9
    assert abs(weak_mcc(scaled, z1 + 1.0) - 1.0) < 1e-9


def test_cca_survives_rank_deficient_block():
    # z1 has a column that is the sum of the other two (rank 2 of 3).  Without the ridge the
    # whitening would divide by a zero eigenvalue; with it the weights stay O(1) and the
    # exact affine relation z2 = f(z1) is still found.  The reported canonical correlations
    # are shrunk by the ridge to first order, ~1e-10 / lambda_min (measured 1.5e-10):
    # tolerance 1e-9.  The weak MCC correlates the variates themselves, which the ridge moves
    # only by a first-order amount in direction, i.e. second order in correlation: 1e-12.
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal(500), rng.uniform(size=500)
    z1 = np.column_stack([x, y, x + y])
    z2 = np.column_stack([2 * x - y + 1, y])
    res = cca(z1, z2)
    assert np.all(np.isfinite(res.x_weights)) and np.max(np.abs(res.x_weights)) < 1e3
    assert np.max(np.abs(res.correlations - 1.0)) < 1e-9
    assert abs(weak_mcc(z1, z2) - 1.0) < 1e-12


def test_constant_column_correlates_zero_without_warning():
    # mean([0.1] * n) != 0.1 in floating point, so naive centring leaves rounding noise that
    # np.corrcoef would call a correlation (or NaN with a warning).  Expected values follow
    # from the definition: the constant column scores 0, the copy scores 1.  Warnings are
    # errors in this test suite, so "no warning" is checked too.
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=101), rng.normal(size=101)
    z1 = np.column_stack([np.full(101, 0.1), x])
    z2 = np.column_stack([y, x])
    for method in ("pearson", "spearman"):
        assert abs(mcc(z1, z2, method) - 0.5) < 1e-12
        assert mcc(np.full((101, 1), 0.1), z2, method) == 0.0
        assert abs(strong_mcc(z1, z2, method=method) - 0.5) < 1e-12
    # A block of constant columns has zero canonical variates: weak MCC 0; a constant
    # column next to a copy: one canonical pair with correlation 1, one of zeros: 0.5.
    assert weak_mcc(np.full((101, 2), 3.3), z2) == 0.0
    for oos in (True, False):
        assert abs(weak_mcc(z1, z2, out_of_sample=oos) - 0.5) < 1e-12
    np.testing.assert_allclose(cca(z1, z2).correlations, [1.0, 0.0], rtol=0, atol=1e-9)


def test_public_api():
    assert set(metrics.__all__) >= {"mcc", "strong_mcc", "weak_mcc", "cca", "CCAResult"}
    for name in metrics.__all__:
        assert hasattr(metrics, name)


def test_spearman_with_ties_matches_scipy():
    # Integer data with many ties: Spearman here means average ranks (scipy.stats.rankdata),
    # as in scipy.stats.spearmanr.  1e-12: rounding.
    rng = np.random.default_rng(12)
    z1 = rng.integers(0, 4, (30, 3)).astype(float)
    z2 = z1[:, [1, 2, 0]] + rng.integers(0, 3, (30, 3))
    assert np.all(np.ptp(z1, axis=0) > 0) and np.all(np.ptp(z2, axis=0) > 0)
    assert abs(mcc(z1, z2, "spearman") - brute_mcc(z1, z2, "spearman")) < 1e-12
    assert abs(mcc(rankdata(z1, axis=0), rankdata(z2, axis=0)) - mcc(z1, z2, "spearman")) < 1e-15


def test_weak_mcc_matches_on_the_score_half_with_its_documented_bias():
    """The Hungarian matching of the weak MCC is chosen on the score half (documented, with its
    optimistic bias): on pure noise with k = 8 directions and 30 score rows the mean over 40
    splits is well above what any fixed pairing gives.  For a fixed pairing each |r| of 30
    independent pairs has mean sqrt(2 / (pi (n - 1))) = 0.148 (n = 30); the standard error of
    the mean of 40 x 8 such values is below 0.01, so 0.22 separates the two by > 7 sd."""
    rng = np.random.default_rng(0)
    values = [weak_mcc(rng.normal(size=(60, 8)), rng.normal(size=(60, 8)), seed=s)
              for s in range(40)]
    fixed_pairing = np.sqrt(2 / (np.pi * 29))
    assert fixed_pairing < 0.15
    assert 0.22 <= np.mean(values) <= 0.34


# ============================================================================================
# Boundaries and conventions (each found unguarded by a mutation run, scripts/mutate.py)
# ============================================================================================
def test_row_counts_are_checked_both_ways_and_the_minimum_is_accepted():
    # More rows in z2 than in z1 is refused like fewer; exactly the documented minimum works.
    with pytest.raises(ValueError, match=r"z2: expected .*N = 90 rows like z1"):
        mcc(Z90, Z100)
    assert 0.0 <= mcc(Z100[:2], Z100[:2]) <= 1.0
    assert 0.0 <= strong_mcc(Z100[:4], Z100[:4]) <= 1.0
    assert 0.0 <= weak_mcc(Z100[:4], Z100[:4]) <= 1.0
    assert 0.0 <= strong_mcc(Z100[:2], Z100[:2], out_of_sample=False) <= 1.0
    assert 0.0 <= weak_mcc(Z100[:2], Z100[:2], out_of_sample=False) <= 1.0
    with pytest.raises(ValueError, match=r"z1: expected at least 2 rows"):
        weak_mcc(Z100[:1], Z100[:1], out_of_sample=False)
    # n_components at both ends of its documented range.
    for k in (1, 2):
        assert cca(Z100, Z100 + 1.0, n_components=k).correlations.size == k


def test_options_are_keyword_only_and_the_default_seed_is_zero():
    with pytest.raises(TypeError):
        strong_mcc(Z100, Z100, "spearman")
    with pytest.raises(TypeError):
        weak_mcc(Z100, Z100, "spearman")
    # On pure noise the split matters, so equality with seed=0 (and not with seed=1) shows
    # the default.
    rng = np.random.default_rng(5)
    z1, z2 = rng.normal(size=(40, 3)), rng.normal(size=(40, 3))
    for fun in (strong_mcc, weak_mcc):
        assert fun(z1, z2) == fun(z1, z2, seed=0) != fun(z1, z2, seed=1)


@pytest.mark.parametrize("scale", [1e300, 1e-300, 2.0**-1060])
def test_extreme_column_scales_change_nothing(scale):
    # Squaring 1e300 overflows and 1e-300 (or a subnormal) underflows; the power-of-two
    # scaling of every column makes the metrics scale invariant down to rounding.  The
    # subnormal column keeps only ~14 significant bits, hence its looser 1e-3.
    rng = np.random.default_rng(3)
    z1 = rng.normal(size=(200, 2))
    z2 = z1 @ np.array([[1.0, 0.4], [-0.2, 1.5]]) + 0.3 * rng.normal(size=(200, 2))
    tol = 1e-3 if scale < 1e-308 else 1e-12
    big = z1 * np.array([scale, 1.0])
    for fun in (mcc, strong_mcc, weak_mcc):
        assert abs(fun(big, z2) - fun(z1, z2)) < tol
    if scale < 1e-308:
        # Its canonical weights (~1 / size) are not representable: cca says so.
        with pytest.raises(ValueError, match=r"z1: column 0 is too small \(largest \|value\| "
                                             r"\S+\) for its canonical weights"):
            cca(big, z2)
        # The message names the first such column.
        tiny = np.column_stack([z1[:, 0], big[:, 0], big[:, 0] * 0.5, z1[:, 1]])
        with pytest.raises(ValueError, match=r"z1: column 1 is too small"):
            cca(tiny, z2)
    else:
        np.testing.assert_allclose(cca(big, z2).correlations, cca(z1, z2).correlations,
                                   rtol=0, atol=1e-9)


def test_a_column_of_unit_norm_is_not_mistaken_for_a_constant():
    # Centred, this column has Euclidean norm exactly 1 (and range exactly 1).
    col = np.array([[0.5], [-0.5], [0.5], [-0.5]])
    other = np.array([[1.0], [0.0], [1.0], [0.0]])
    assert mcc(col, col) == 1.0
    assert mcc(col, other) == 1.0
    np.testing.assert_allclose(cca(np.column_stack([col, other[::-1] * 3]), col).correlations,
                               [1.0], rtol=0, atol=1e-9)


def test_correlations_never_exceed_one():
    # A column's correlation with itself is a sum of squares of unit-norm entries, which
    # rounds above 1 for about one column in five; the MCC is clamped to [0, 1].
    for seed in range(60):
        col = np.random.default_rng(seed).normal(size=(50, 1))
        assert mcc(col, col) <= 1.0
        assert abs(mcc(col, col) - 1.0) < 4e-16


def test_binary_columns_match_the_reference_cca():
    # 0/1 columns have range exactly 1, which must not be taken for constant.
    rng = np.random.default_rng(21)
    z1 = rng.integers(0, 2, (300, 2)).astype(float)
    z2 = z1 @ np.array([[1.0, 0.3], [0.5, -1.0]]) + rng.normal(size=(300, 2))
    _, _, rho = reference_cca(z1, z2)
    np.testing.assert_allclose(cca(z1, z2).correlations, rho, rtol=0, atol=1e-8)
    assert abs(mcc(z1, z1[:, ::-1]) - 1.0) < 1e-14  # rounding of 300-term sums


def test_constant_columns_get_zero_weights_and_the_other_block_stays_white():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(101, 2))
    y = x @ rng.normal(size=(2, 2)) + rng.normal(size=(101, 2))
    const = np.full(101, 0.1)
    assert np.mean(const) != 0.1  # the computed mean is inexact: rounding must not leak
    z1 = np.column_stack([x[:, 0], const, x[:, 1]])
    res = cca(z1, y)
    assert np.all(res.x_weights[1] == 0.0)
    np.testing.assert_allclose(res.correlations, cca(x, y).correlations, rtol=0, atol=1e-9)
    u, v = res.transform(z1, y)
    assert np.max(np.abs(u.mean(axis=0))) < 1e-14
    # A block of constant columns: zero x variates, and the y variates keep identity
    # covariance (normalised by N - 1).
    flat = np.full((101, 2), 3.3)
    res = cca(flat, y)
    u, v = res.transform(flat, y)
    assert np.all(u == 0.0)
    np.testing.assert_allclose(np.cov(v.T), np.eye(2), rtol=0, atol=1e-8)


def test_variates_are_centred_with_unit_covariance_over_n_minus_one():
    # The definition on the fitting data, with the covariance normalised by N - 1 (N = 12
    # rows make N and N - 1 differ by 9 %), and the sign convention of the weights.
    rng = np.random.default_rng(4)
    z1 = rng.normal(size=(12, 2)) + 3.0
    z2 = z1 @ np.array([[2.0, 1.0], [0.0, 1.0]]) + rng.normal(size=(12, 2))
    res = cca(z1, z2)
    u, v = res.transform(z1, z2)
    assert np.max(np.abs(u.mean(axis=0))) < 1e-14
    np.testing.assert_allclose(u.T @ u / 11, np.eye(2), rtol=0, atol=1e-8)
    np.testing.assert_allclose(v.T @ v / 11, np.eye(2), rtol=0, atol=1e-8)
    lead = res.x_weights[np.argmax(np.abs(res.x_weights), axis=0), [0, 1]]
    assert np.all(lead > 0)
    # The transform refuses too many columns as well as too few.
    with pytest.raises(ValueError, match=r"z2: expected an array of shape \(N, 2\)"):
        res.transform(z1, np.column_stack([z2, z2]))


def test_the_ridge_is_relative_to_the_largest_eigenvalue_of_the_standardised_block():
    # A nearly collinear block (standardised covariance with lambda_min = 2.5e-9, lambda_max
    # = 2.0) with columns on different scales.  The documented formula, computed independently
    # with scipy.linalg.eigh, fixes the correlations up to the eigen-decomposition's rounding,
    # relative eps lambda_max / lambda_min ~ 2e-7 at worst (measured 4.8e-9): tolerance 5e-8.
    # The ridge itself moves rho_2 by 8.6e-4, and a ridge relative to anything else
    # (1 / lambda_max: 6.4e-4; the unstandardised covariance: 9.7e-3) by as much.
    rng = np.random.default_rng(6)
    base = rng.normal(size=(400, 2))
    z1 = np.column_stack([base, base @ [1.0, 1.0] + 1e-4 * rng.normal(size=400)])
    z1 = z1 * np.array([3.0, 0.7, 11.0])
    z2 = np.column_stack([z1[:, 2] - z1[:, 0] * 3.7 + 0.1 * rng.normal(size=400),
                          rng.normal(size=400)])

    def whiten(block):
        c = np.corrcoef(block.T)
        lam, vecs = scipy.linalg.eigh(c)
        return (vecs / np.sqrt(lam + metrics.CCA_RIDGE * lam.max())) @ vecs.T

    s = np.corrcoef(np.column_stack([z1, z2]).T)
    rho = scipy.linalg.svdvals(whiten(z1) @ s[:3, 3:] @ whiten(z2))
    got = cca(z1, z2).correlations
    np.testing.assert_allclose(got, rho[:2], rtol=0, atol=5e-8)
    assert abs(rho[1] - reference_cca(z1, z2)[2][1]) > 1e-4  # the ridge is visible here


def test_results_are_immutable_and_compare_by_identity():
    import dataclasses

    res = cca(Z100, Z100 + 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.correlations = np.zeros(2)
    assert res == res and res != cca(Z100, Z100 + 1.0)
    assert hash(res) == hash(res)


def test_moved_names_warn_at_the_callers_line():
    with pytest.warns(DeprecationWarning, match="moved to vade_check.alignment") as record:
        metrics.dist_aff_l2  # noqa: B018
    assert record[0].filename == __file__
