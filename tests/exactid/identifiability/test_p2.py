"""Condition (P2) decided for a prior (exactid.identifiability.p2).

A table of hand-made cases pins the verdict, the pair and the reason; the exact decision is
cross-checked against an independent implementation in sympy's rational arithmetic on random
dyadic covariances, where ratios coincide exactly or differ by one ulp (the exact decision must
separate them, the tolerance decision must merge them).
"""

from __future__ import annotations

import math
import re
from itertools import combinations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import GaussianMixture, P2Report, check_p2
from exactid.identifiability import p2
from tests.budget import examples


def diag_prior(variances, weights=None, offdiag=None):
    """Mixture with zero means and covariances diag(variances[j]) (+ symmetric offdiag[j])."""
    var = np.asarray(variances, dtype=float)
    n_comp, m = var.shape
    covs = np.stack([np.diag(v) for v in var])
    for j, (s, t, value) in (offdiag or {}).items():
        covs[j, s, t] = covs[j, t, s] = value
    w = np.full(n_comp, 1.0 / n_comp) if weights is None else np.asarray(weights, dtype=float)
    return GaussianMixture(w, np.zeros((n_comp, m)), covs)


# -- the table ---------------------------------------------------------------------------------

CASES = [
    # name, prior, tol, holds, pair, reason (regex)
    ("diagonal, distinct ratios", diag_prior([[1, 1], [2, 4]]), None, True, (0, 1),
     r"diagonal exactly; components \(0, 1\) have distinct variance ratios, minimum relative "
     r"gap 0\.5"),
    ("one covariance not diagonal", diag_prior([[1, 1], [2, 4]], offdiag={1: (0, 1, 0.25)}),
     None, False, None, r"^covs\[1\] is not diagonal: covs\[1\]\[0, 1\] = 0\.25$"),
    ("two not diagonal: the first named", diag_prior(
        [[1, 1, 1], [2, 4, 8], [3, 3, 3]], offdiag={0: (1, 2, 0.125), 2: (0, 2, 0.5)}),
     None, False, None,
     r"^covs\[0\] is not diagonal: covs\[0\]\[1, 2\] = 0\.125 \(and 1 more non-diagonal"),
    ("coinciding ratios", diag_prior([[1, 2], [3, 6]]), None, False, None,
     r"^no pair of components has distinct variance ratios: \(0, 1\): coordinates 0 and 1 "
     r"share the ratio 0\.333333$"),
    ("coinciding for every pair", diag_prior([[1, 2, 5], [3, 6, 7], [2, 4, 10]]), None, False,
     None, r"\(0, 1\): coordinates 0 and 1 share the ratio 0\.333333; \(0, 2\): coordinates 0 "
     r"and 1 share the ratio 0\.5; coordinates 1 and 2 share the ratio 0\.5; \(1, 2\): "
     r"coordinates 0 and 1 share"),
    ("J = 1", diag_prior([[1, 2]]), None, False, None, r"^J < 2: .* found 1$"),
    ("m = 1, J = 2: one ratio is always distinct", diag_prior([[1], [1]]), None, True, (0, 1),
     r"components \(0, 1\)"),
    ("m = 1, J = 1", diag_prior([[3]]), None, False, None, r"^J < 2"),
    # Pairs (0, 1): ratios 1, 1/2, 1/4 (gap 1/2); (0, 2): 1/2, 1, 1/3 (gap 1/3);
    # (1, 2): 1/2, 2, 4/3 (gap 1/3): the most robust is (0, 1).
    ("m = 3, the widest gap wins", diag_prior([[1, 1, 1], [1, 2, 4], [2, 1, 3]]), None, True,
     (0, 1), r"minimum relative gap 0\.5$"),
    # Component 1 has weight 0: its non-diagonal covariance and its ratios are ignored.
    ("zero weight ignored", diag_prior([[1, 1], [1, 100], [2, 4]], weights=[0.5, 0, 0.5],
                                       offdiag={1: (0, 1, 0.5)}),
     None, True, (0, 2), r"components \(0, 2\)"),
    ("zero weight leaves J = 1", diag_prior([[1, 1], [2, 4]], weights=[1, 0]), None, False,
     None, r"^J < 2: .* found 1$"),
    ("correlation within tol", diag_prior([[1, 1], [2, 4]], offdiag={0: (0, 1, 1e-7)}), 1e-6,
     True, (0, 1), r"diagonal within tol 1e-06"),
    ("correlation beyond tol", diag_prior([[1, 1], [2, 4]], offdiag={0: (0, 1, 2e-6)}), 1e-6,
     False, None, r"^covs\[0\] is not diagonal within tol 1e-06: covs\[0\]\[0, 1\] = 2e-06, "
                  r"correlation 2e-06$"),
    # Ratios 1 and 1 + 2e-6 (relative gap 2e-6 / (1 + 2e-6)).
    ("gap above tol", diag_prior([[1, 1], [1, 1 / (1 + 2e-6)]]), 1e-6, True, (0, 1), r""),
    ("gap below tol", diag_prior([[1, 1], [1, 1 / (1 + 2e-6)]]), 1e-5, False, None,
     r"\(0, 1\): coordinates 0 and 1 have ratios 1 and 1 \(relative gap 2e-06 <= tol\)"),
]


@pytest.mark.parametrize("name, prior, tol, holds, pair, reason", CASES,
                         ids=[c[0] for c in CASES])
def test_table(name, prior, tol, holds, pair, reason):
    r = check_p2(prior, tol)
    assert isinstance(r, P2Report)
    assert (r.holds, bool(r), r.pair, r.exact, r.tol) == (holds, holds, pair, tol is None, tol)
    assert (r.ratios is None) == (not holds) and (r.min_gap is None) == (not holds)
    assert r.reason and re.search(reason, r.reason), r.reason


def test_ratios_and_gap_of_the_chosen_pair():
    r = check_p2(diag_prior([[1, 1, 1], [1, 2, 4], [2, 1, 3]]))
    assert r.ratios == (1.0, 0.5, 0.25) and r.min_gap == 0.5
    one = check_p2(diag_prior([[2], [8]]))
    assert one.ratios == (0.25,) and one.min_gap == math.inf


def test_the_reason_lists_at_most_max_listed_pairs():
    r = check_p2(diag_prior(np.ones((13, 2))))  # 78 pairs, all with equal ratios
    assert not r
    assert r.reason.count("share the ratio") == p2.MAX_LISTED
    assert r.reason.endswith(f"; and {78 - p2.MAX_LISTED} more pairs")


# -- an independent reference in sympy -----------------------------------------------------------

def sympy_p2(prior):
    """(holds, set of valid pairs, {pair: min relative gap}) in sympy Rationals."""
    keep = [j for j in range(prior.n_components) if prior.weights[j] > 0]
    m = prior.dim
    covs = [[[sympy.Rational(float(x)) for x in row] for row in prior.covs[j]] for j in keep]
    if any(c[s][t] != 0 for c in covs for s in range(m) for t in range(m) if s != t):
        return False, set(), {}
    gaps = {}
    for (a, i), (b, j) in combinations(list(enumerate(keep)), 2):
        r = [covs[a][t][t] / covs[b][t][t] for t in range(m)]
        if len(set(r)) == m:
            gaps[(i, j)] = min((abs(x - y) / sympy.Max(x, y) for x, y in combinations(r, 2)),
                               default=sympy.oo)
    return bool(gaps), set(gaps), gaps


#: Dyadic variances: small integers over powers of two, so that equal ratios are frequent and
#: every product is exact.
dyadic = st.builds(lambda k, e: k * 2.0**e, st.integers(1, 6), st.integers(-2, 2))


@st.composite
def dyadic_priors(draw):
    m, n_comp = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    var = draw(st.lists(st.lists(dyadic, min_size=m, max_size=m), min_size=n_comp,
                        max_size=n_comp))
    weights = draw(st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=n_comp,
                            max_size=n_comp).filter(any))
    offdiag = {}
    if m > 1 and draw(st.booleans()):
        j = draw(st.integers(0, n_comp - 1))
        # |offdiag| <= 1/16 below the smallest variance 1/4: still positive definite.
        offdiag[j] = (0, m - 1, draw(st.sampled_from([1 / 16, -1 / 32])))
    return diag_prior(var, np.array(weights) / sum(weights), offdiag)


@settings(max_examples=examples(40))
@given(dyadic_priors())
def test_exact_decision_agrees_with_sympy(prior):
    holds, valid, gaps = sympy_p2(prior)
    r = check_p2(prior)
    assert r.holds == holds
    if holds:
        best = max(gaps.values())
        # The reported pair is a valid one with the largest gap, the first of ties.
        assert r.pair == min(p for p in valid if gaps[p] == best)
        assert r.min_gap == float(best)


@settings(max_examples=examples(40))
@given(st.lists(dyadic, min_size=2, max_size=3), st.sampled_from([0.25, 3.0, 5.0]),
       st.data())
def test_one_ulp_separates_exactly_and_merges_within_tol(var, factor, data):
    """Component 1 = factor * component 0 (products of dyadics: exact), so all ratios
    coincide; moving one variance by one ulp makes exactly one ratio distinct for m = 2."""
    m = len(var)
    base = np.array([var, [factor * v for v in var]])
    t = data.draw(st.integers(0, m - 1))
    nudged = base.copy()
    nudged[1, t] = np.nextafter(nudged[1, t], math.inf)
    for variances in (base, nudged):
        prior = diag_prior(variances)
        exact, merged = check_p2(prior), check_p2(prior, 1e-12)
        assert exact.holds == sympy_p2(prior)[0]
        assert not merged and "relative gap" in merged.reason
    assert not check_p2(diag_prior(base))
    if m == 2:
        assert check_p2(diag_prior(nudged)).holds
        assert 0 < check_p2(diag_prior(nudged)).min_gap < 1e-15


# -- arguments -----------------------------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda: check_p2("prior"), r"prior: expected a GaussianMixture, found str"),
    (lambda: check_p2(diag_prior([[1], [2]]), 0.0),
     r"tol: expected None \(exact decision\) or a number in \(0, 1\), found 0\.0"),
    (lambda: check_p2(diag_prior([[1], [2]]), 1.0), r"tol: expected .* found 1\.0"),
    (lambda: check_p2(diag_prior([[1], [2]]), math.nan), r"tol: expected .* found nan"),
    (lambda: check_p2(diag_prior([[1], [2]]), True), r"tol: expected .* found True"),
    (lambda: check_p2(diag_prior([[1], [2]]), "1e-9"), r"tol: expected .* found '1e-9'"),
])
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_report_is_frozen():
    r = check_p2(diag_prior([[1], [2]]))
    with pytest.raises(AttributeError):
        r.holds = False
