"""The pruned search kernel (exactid.search._pruned, _pieces, _driver) against independent
references.

* Its per-atom tables, assembled from the piece cache, against the reference kernel's
  :func:`exactid.search._kernels.atom_log_density` (the same terms summed in another order:
  a few ulp).
* Its bounds: after every cell of the node order (any order of the cells), the bound compared
  with the threshold never exceeds the configuration's computed objective -- exactly, in
  floating point, which is what makes pruning exact -- and the bound reported for a stopped
  point never exceeds the computed objective nor the true one (the adaptive
  :func:`exactid.cross_entropy`, within its own error estimate).
* The search: on hypothesis-generated small families, per decoder the pruned kept lists are
  those of the same kernel without pruning restricted to objectives below the global
  threshold, bit for bit (same floating-point operations on the kept points), ``rest`` is at
  most the objective of every point not kept (from a full evaluation), and the minimizers of
  the pruned, unpruned and reference kernels are the same grid points, the pruned and unpruned
  objectives identical and the reference's within 1e-12 (both sums of the same terms in
  another order and with a ``log`` within 1 ulp: ~1e-15; measured <= 7e-16).
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import GaussianMixture, LatentModel, ReluNet, cross_entropy
from exactid.search import (
    Family,
    FamilyPoint,
    _driver,
    _kernels,
    _pieces,
    _pruned,
    grid_search,
    quadrature_rule,
)
from exactid.search.exhaustive import KERNELS, PRUNE_MARGIN, _prepare
from tests.budget import examples

KERNEL_VS_REFERENCE = 1e-12

VALUES = (-1.0, -0.5, 0.0, 0.5, 1.0)


@st.composite
def decoders(draw, max_units=3):
    """(alpha, beta, pi) of 1..max_units units on a small grid (dead and constant units
    included) and an activation slope."""
    n = draw(st.integers(1, max_units))
    cols = [[draw(st.sampled_from(VALUES)) for _ in range(n)] for _ in range(3)]
    return np.array(cols, dtype=float), draw(st.sampled_from([0.0, 0.0, 0.2]))


@st.composite
def candidates(draw):
    """A decoder, 1..3 atoms (mean, variance) and convex weights, a noise level, and a
    reference model from another such draw."""
    dec, slope = draw(decoders())
    n_atoms = draw(st.integers(1, 3))
    mu = np.array([draw(st.sampled_from((-2.0, -1.0, 0.0, 1.0, 2.0))) for _ in range(n_atoms)])
    var = np.array([draw(st.sampled_from((0.04, 0.25, 1.0))) for _ in range(n_atoms)])
    counts = np.array([draw(st.integers(0, 3)) for _ in range(n_atoms)])
    counts[draw(st.integers(0, n_atoms - 1))] += 1
    sigma = draw(st.sampled_from((0.15, 0.25, 0.5)))
    ref_dec, _ = draw(decoders(2))
    ref = LatentModel(GaussianMixture([0.5, 0.5], [draw(st.sampled_from((-1.0, 0.0))),
                                                   draw(st.sampled_from((0.5, 1.5)))],
                                      [0.25, 0.25]),
                      net(ref_dec, slope), draw(st.sampled_from((0.2, 0.3))))
    return dec, slope, mu, var, counts / counts.sum(), sigma, ref


def net(dec, slope) -> ReluNet:
    alpha, beta, pi = dec
    return ReluNet([beta[:, None], alpha[None, :]], [pi, np.zeros(1)], slope)


def kernel_inputs(dec, slope, mu, var, sigma, ref, cell_seed=None):
    """The kernel's node order for ``ref``'s rule (optionally with the cells shuffled), the
    decoder's table by the reference kernel's atom_log_density, and the rule tuple."""
    x, w_main, w_check, tail_coef = quadrature_rule(ref, sigma)
    order = _driver.node_order(x, w_main, w_check, 2)
    if cell_seed is not None:
        cs = order["cell_start"]
        cells = np.random.default_rng(cell_seed).permutation(cs.size - 1)
        perm = np.concatenate([np.arange(cs[k], cs[k + 1]) for k in cells]
                              + [np.arange(cs[-1], x.size)])
        for key in ("x", "w_main", "w_check"):
            order[key] = np.ascontiguousarray(order[key][perm])
        order["cell_start"] = np.concatenate([[0], np.cumsum(np.diff(cs)[cells])])
    table = np.empty((mu.size, x.size))
    _pieces.direct_table(dec, slope, mu, var, sigma, order["x"], table, 0, x.size)
    cap = -math.log(math.sqrt(2 * math.pi) * sigma) + _driver.CAP_MARGIN
    rule = (order["w_main"], order["w_check"], order["cell_start"].astype(np.int64), 2,
            tail_coef, cap, order["n_head"])
    return order, table, rule


def upper_head(dec, slope, mu, var, sigma, order, rule):
    """The kernel's stage-0 upper envelope at the head nodes (other nodes: never read)."""
    keys, rows = _pieces.piece_keys(dec[None], slope)
    n_head_nodes = int(rule[2][rule[6]])
    out = np.full(order["x"].size, np.nan)
    _pieces.upper_envelope(rows[0], keys, mu, var, sigma, order["x"], out, 0, n_head_nodes,
                           rule[5])
    return out


# -- the tables ------------------------------------------------------------------------------
@given(decoders(), st.sampled_from((0.15, 0.25, 0.6)))
def test_cached_table_matches_atom_log_density(decoder, sigma):
    dec, slope = decoder
    mu, var = np.array([-2.0, 0.0, 1.0]), np.array([0.25, 0.04, 1.0])
    x = np.linspace(-9.0, 9.0, 97)
    keys, rows = _pieces.piece_keys(dec[None], slope)
    terms = np.full((len(keys), mu.size, x.size), np.nan)
    _pieces.fill_terms(terms, np.arange(len(keys)), keys, mu, var, sigma, x, 0, x.size)
    got = np.full((mu.size, x.size), np.nan)
    _pieces.cached_table(rows[0], terms, got, np.empty(x.size), 0, x.size)
    ref = np.empty((mu.size, x.size))
    breaks, slopes, intercepts = np.empty(dec.shape[1]), np.empty(dec.shape[1] + 1), np.empty(
        dec.shape[1] + 1)
    n = _kernels.decoder_pieces1(dec[0], dec[1], dec[2], slope, breaks, slopes, intercepts)
    for a in range(mu.size):
        _kernels.atom_log_density(x, ref[a], breaks, slopes, intercepts, n, mu[a], var[a],
                                  sigma, np.empty((_kernels.TERM_ROWS, dec.shape[1] + 1)))
    assert np.all(np.isfinite(got))
    # Up to four terms summed in another order, exp and log within 1 ulp.
    np.testing.assert_allclose(got, ref, rtol=4e-15, atol=4e-15)


@given(decoders(), st.sampled_from((0.1, 0.25, 0.6)))
def test_upper_envelope_bounds_the_envelope(decoder, sigma):
    """The special-function-free bound of stage 0 is above the exact envelope (clipped at
    the density cap) at every node, exactly in floating point."""
    dec, slope = decoder
    mu, var = np.array([-2.0, 0.0, 1.0]), np.array([0.25, 0.04, 1.0])
    x = np.concatenate([np.linspace(-12.0, 12.0, 241), [-80.0, 80.0]])
    table = np.empty((mu.size, x.size))
    _pieces.direct_table(dec, slope, mu, var, sigma, x, table, 0, x.size)
    cap = -math.log(math.sqrt(2 * math.pi) * sigma) + _driver.CAP_MARGIN
    shift, scaled = np.empty(x.size), np.empty_like(table)
    _pieces.envelope(table, shift, scaled, 0, x.size, cap)
    keys, rows = _pieces.piece_keys(dec[None], slope)
    upper = np.empty(x.size)
    _pieces.upper_envelope(rows[0], keys, mu, var, sigma, x, upper, 0, x.size, cap)
    assert np.all(upper >= shift)
    # Not vacuous: within log(#pieces) + log 2 + the Mills-ratio slack where it matters.
    near = shift > shift.max() - 10.0
    assert np.all(upper[near] - shift[near] <= math.log(4) + math.log(2) + 2.0)


def test_piece_keys_share_pieces():
    family = Family()
    dec, _ = family.decoders(True)
    keys, rows = _pieces.piece_keys(dec, 0.0)
    assert len(keys) == 2028 and rows.shape == (5151, 3)
    # Each row lists the decoder's pieces left to right: the ends chain up.
    for d in range(0, 5151, 97):
        pieces = keys[rows[d][rows[d] >= 0]]
        assert pieces[0, 2] == -np.inf and pieces[-1, 3] == np.inf
        np.testing.assert_array_equal(pieces[1:, 2], pieces[:-1, 3])


# -- the bounds ------------------------------------------------------------------------------
@settings(max_examples=examples(40))
@given(candidates(), st.one_of(st.none(), st.integers(0, 2**16)))
def test_bounds_never_exceed_the_objective(cand, cell_seed):
    dec, slope, mu, var, w, sigma, ref = cand
    order, table, rule = kernel_inputs(dec, slope, mu, var, sigma, ref, cell_seed)
    with np.errstate(divide="ignore"):
        cfg = (np.arange(mu.size, dtype=np.int64)[None], w[None], np.log(w)[None])
    trace, obj, err, decoder = _pruned.trace_configuration(table, rule, cfg, 0)
    # Exactly, in floating point: the threshold test never stops a point at or below it.
    assert np.all(trace[:, 0] <= obj)
    assert np.all(np.diff(trace[:, 0]) >= 0)
    assert np.all(trace[:, 1] <= obj) and decoder[0] <= obj and decoder[1] <= obj
    # Stage 0: the cheap upper envelope at the head bounds B from below, exactly.
    assert decoder[3] >= decoder[2]  # the decoder's tail bound covers the configuration's
    head = _pruned.trace_head(upper_head(dec, slope, mu, var, sigma, order, rule), rule,
                              decoder[3])
    assert head[0] <= decoder[0] and head[1] <= obj
    # The computed objective and the reported bounds against the true objective.
    model = LatentModel(GaussianMixture(w, mu, var), net(dec, slope), sigma)
    true = cross_entropy(ref, model, tol=1e-12)
    assert abs(obj - true.value) <= KERNEL_VS_REFERENCE + err + true.error
    slack = true.error + 1e-13
    assert np.all(trace[:, 1] <= true.value + slack), (trace[:, 1].max() - true.value)
    assert max(decoder[1], head[1]) <= true.value + slack


def test_bound_runs_from_the_envelope_to_the_objective():
    """The bound compared with the threshold starts at the envelope ``B`` (plus the first
    cell), grows cell by cell and is the objective itself after the last cell."""
    dec = np.array([[1.0, -0.5], [1.0, 1.0], [0.0, -0.5]])
    mu, var = np.array([-1.0, 1.0]), np.array([0.25, 0.25])
    ref = LatentModel(GaussianMixture([0.5, 0.5], [-1.0, 1.0], [0.25, 0.25]), net(dec, 0.0),
                      0.25)
    _, table, rule = kernel_inputs(dec, 0.0, mu, var, 0.25, ref)
    w = np.array([0.5, 0.5])
    cfg = (np.array([[0, 1]]), w[None], np.log(w)[None])
    trace, obj, _, decoder = _pruned.trace_configuration(table, rule, cfg, 0)
    assert trace[-1, 0] == obj
    assert decoder[0] < trace[0, 0] and np.all(np.diff(trace[:, 0]) >= 0)


def test_underflowing_mixture_is_recomputed_in_log_space():
    """Atoms so far apart that a configuration's mixture sum, relative to the envelope,
    underflows (< 1e-290) at some nodes: those nodes take the log-space path and the
    objective still matches the reference kernel and the adaptive integral."""
    family = Family(n_components=2, n_hidden=1, weight_steps=2, means=(-6.0, 6.0),
                    variances=(0.01,), alphas=(0.0, 1.0), betas=(1.0,), biases=(0.0,),
                    noise_stds=(0.05,))
    truth = FamilyPoint((0.5, 0.5), (-6.0, 6.0), (0.01, 0.01), (1.0,), (1.0,), (0.0,), 0.05)
    setup = _prepare(family, truth.model(), None, True, "unpruned")
    atoms = family.atoms()
    order = _driver.node_order(setup.x, setup.w_main, setup.w_check, 2)
    table = np.empty((2, setup.x.size))
    _pieces.direct_table(np.array([[1.0], [1.0], [0.0]]), 0.0, atoms[:, 0].copy(),
                         atoms[:, 1].copy(), 0.05, order["x"], table, 0, setup.x.size)
    assert np.any(table.min(axis=0) - table.max(axis=0) < math.log(1e-290))
    results = {k: grid_search(family, truth, tol=1e300, keep=setup.n_cfg, crosscheck=0,
                              kernel=k) for k in ("pruned", "reference")}
    got = {c.point: c.objective for c in results["pruned"].minimizers}
    ref = {c.point: c.objective for c in results["reference"].minimizers}
    assert got.keys() == ref.keys()
    for point, value in got.items():
        assert abs(value - ref[point]) <= 1e-13 * max(1.0, abs(value)), point
    far = FamilyPoint((1.0, 0.0), (-6.0, -6.0), (0.01, 0.01), (1.0,), (1.0,), (0.0,), 0.05)
    true = cross_entropy(truth.model(), far.model(), tol=1e-12).value
    assert abs(got[family.canonical(far)] - true) <= 1e-9 * true


# -- the search ------------------------------------------------------------------------------
@st.composite
def small_families(draw):
    n_components = draw(st.integers(1, 3))
    n_hidden = draw(st.integers(1, 3))
    grid = st.lists(st.sampled_from(VALUES), min_size=1, max_size=3, unique=True)
    kwargs = dict(
        n_components=n_components, n_hidden=n_hidden, weight_steps=draw(st.integers(1, 3)),
        means=draw(st.lists(st.sampled_from((-2.0, -1.0, 0.0, 1.0, 2.0)), min_size=1,
                            max_size=3, unique=True)),
        variances=draw(st.sampled_from([(0.25,), (0.25, 1.0)])), alphas=draw(grid),
        betas=draw(grid), biases=draw(grid),
        noise_stds=draw(st.sampled_from([(0.25,), (0.2, 0.4)])),
        negative_slope=draw(st.sampled_from((0.0, 0.0, 0.25))))
    family = Family(**kwargs)
    if family.n_configurations() * family.n_decoders() * len(family.noise_stds) > 4000:
        kwargs.update(n_hidden=1, n_components=min(n_components, 2))
        family = Family(**kwargs)
    return family


def sweep(setup, keep):
    """Every decoder at every noise level, as grid_search's sweep does: per (noise, decoder)
    the kept objectives, errors, indices and rest."""
    n_sigma = len(setup.family.noise_stds)
    obj = np.full((n_sigma, setup.n_dec, keep), np.inf)
    err, idx = np.zeros_like(obj), np.full(obj.shape, -1, dtype=np.int64)
    rest = np.full((n_sigma, setup.n_dec), np.inf)
    for s, sigma in enumerate(setup.family.noise_stds):
        for lo in range(0, setup.n_dec, 5):  # small chunks: several per family
            hi = min(lo + 5, setup.n_dec)
            setup.run(lo, hi, sigma, obj[s, lo:hi], err[s, lo:hi], idx[s, lo:hi],
                      rest[s, lo:hi])
    return obj, err, idx, rest


def check_lists(family, reference, data, keep):
    """Pruned against unpruned lists, and rest against a full evaluation."""
    ref_model = reference.model() if reference is not None else None
    pruned = _prepare(family, ref_model, data, True, "pruned", reference, 1e-12)
    unpruned = _prepare(family, ref_model, data, True, "unpruned")
    keep = max(1, min(keep, pruned.n_cfg))
    p_obj, p_err, p_idx, p_rest = sweep(pruned, keep)
    u_obj, u_err, u_idx, _ = sweep(unpruned, keep)
    a_obj, _, a_idx, _ = sweep(unpruned, pruned.n_cfg)  # every point kept
    # Lists holding every configuration are re-runs in full: no global threshold there.
    below = u_obj <= (pruned.threshold if keep < pruned.n_cfg else np.inf)
    for s, d in np.ndindex(p_rest.shape):
        n = int(below[s, d].sum())
        assert np.array_equal(p_obj[s, d, :n], u_obj[s, d][below[s, d]])
        assert np.array_equal(p_err[s, d, :n], u_err[s, d][below[s, d]])
        assert np.array_equal(p_idx[s, d, :n], u_idx[s, d][below[s, d]])
        assert np.all(p_idx[s, d, n:] == -1) and np.all(np.isinf(p_obj[s, d, n:]))
        unkept = ~np.isin(a_idx[s, d], p_idx[s, d, :n])
        if unkept.any():
            assert p_rest[s, d] <= a_obj[s, d][unkept].min()
    assert pruned.nodes_evaluated <= unpruned.nodes_evaluated
    return pruned


def same_minimizers(results):
    sets = [{c.point: c for c in r.minimizers} for r in results]
    assert sets[0].keys() == sets[1].keys() == sets[2].keys()
    for point, cand in sets[0].items():
        assert cand.objective == sets[1][point].objective
        assert cand.error == sets[1][point].error
        assert abs(cand.objective - sets[2][point].objective) <= KERNEL_VS_REFERENCE


@settings(max_examples=examples(30))
@given(small_families(), st.integers(0, 2**16), st.integers(1, 4))
def test_pruned_search_equals_unpruned_and_reference(family, seed, keep):
    truth = family.random_point(seed)
    setup = check_lists(family, truth, None, keep)
    assert setup.threshold < np.inf  # the truth is on the grid: a global threshold
    results = [grid_search(family, truth, crosscheck=0, keep=keep, kernel=k) for k in KERNELS]
    same_minimizers(results)
    assert results[0].certified == results[2].certified


@settings(max_examples=examples(15))
@given(small_families(), st.integers(0, 2**16))
def test_pruned_sample_nll_equals_unpruned(family, seed):
    truth = family.random_point(seed)
    x, _ = truth.model().sample(60, seed=seed)
    setup = check_lists(family, None, x[:, 0], 3)
    assert setup.threshold == np.inf  # no reference: the decoders' own thresholds only
    check_lists(family, truth, x[:, 0], 2)
    results = [grid_search(family, truth, data=x, tol=1e-9, crosscheck=0, kernel=k)
               for k in KERNELS]
    same_minimizers(results)


def test_pruning_keeps_the_whole_result():
    """Minimizers, best non-equivalent point, gap, certificate and cross-check as with the
    reference kernel, on the J.3.1 family with 3-value grids."""
    family = Family(means=(-1.0, 0.0, 1.0), alphas=(-1.0, 0.0, 1.0), betas=(-1.0, 0.0, 1.0),
                    biases=(-1.0, 0.0, 1.0))
    truth = family.random_point(7)  # a gap of 1.1e-6 nats to the best non-equivalent point
    results = [grid_search(family, truth, kernel=k) for k in KERNELS]
    same_minimizers(results)
    for r in results:
        assert r.best_nonequivalent.point == results[2].best_nonequivalent.point
        assert abs(r.gap_to_nonequivalent - results[2].gap_to_nonequivalent) <= 1e-12
        assert not r.gap_is_lower_bound and r.certified and r.crosscheck < 1e-12
    setup = _prepare(family, truth.model(), None, True, "pruned", truth, 1e-12)
    sweep(setup, 16)
    assert setup.nodes_evaluated < setup.points_evaluated * setup.n_nodes


def test_tables_without_the_piece_cache(monkeypatch):
    """Beyond MAX_CACHE_BYTES the tables are computed per decoder: the same minimizers, and
    objectives within a few ulp (the tables differ in their last bits)."""
    family = Family(n_components=2, n_hidden=2, weight_steps=2, means=(-1.0, 0.0, 1.0),
                    alphas=(-1.0, 0.0, 1.0), betas=(-1.0, 0.5, 1.0), biases=(-0.5, 0.5),
                    noise_stds=(0.25, 0.4))
    truth = family.random_point(4)
    cached = grid_search(family, truth, crosscheck=0)
    monkeypatch.setattr(_driver, "MAX_CACHE_BYTES", 0)
    setup = _prepare(family, truth.model(), None, True, "pruned", truth, 1e-12)
    sweep(setup, 4)
    assert setup.driver()._cache["terms"].shape[0] == 0  # really without the cache
    direct = grid_search(family, truth, crosscheck=0)
    a = {c.point: c.objective for c in cached.minimizers}
    b = {c.point: c.objective for c in direct.minimizers}
    assert a.keys() == b.keys()
    assert all(abs(a[p] - b[p]) <= 1e-14 for p in a)


# -- the global threshold and the API ---------------------------------------------------------
def test_global_threshold_is_the_truth_objective_plus_margin():
    family = Family(n_components=2, n_hidden=1, weight_steps=2, means=(-1.0, 1.0),
                    alphas=(0.0, 1.0), betas=(1.0,), biases=(0.0,))
    truth = FamilyPoint((0.5, 0.5), (-1.0, 1.0), (0.25, 0.25), (1.0,), (1.0,), (0.0,), 0.25)
    tol = 1e-10
    setup = _prepare(family, truth.model(), None, True, "pruned", truth, tol)
    value = cross_entropy(truth.model(), truth.model(), tol=1e-12).value
    assert abs(setup.threshold - (value + tol + PRUNE_MARGIN)) <= 1e-12
    # Off the grid, a model rather than a grid point, or no reference: no global threshold.
    off = FamilyPoint((0.5, 0.5), (-1.0, 0.5), (0.25, 0.25), (1.0,), (1.0,), (0.0,), 0.25)
    for reference, model in ((off, off.model()), (truth.model(), truth.model()),
                             (None, truth.model())):
        assert _prepare(family, model, None, True, "pruned", reference,
                        tol).threshold == np.inf
    # The other kernels never use one.
    assert _prepare(family, truth.model(), None, True, "unpruned", truth,
                    tol).threshold == np.inf


def test_kernel_keyword_is_validated():
    family = Family(n_components=1, n_hidden=1, weight_steps=1, means=(0.0,), alphas=(1.0,),
                    betas=(1.0,), biases=(0.0,))
    with pytest.raises(ValueError, match="kernel: expected one of 'pruned', 'unpruned', "
                                         "'reference', found 'fast'"):
        grid_search(family, family.random_point(0), kernel="fast")


def test_setup_pickles_without_its_cache():
    """What a distributed run sends to its workers: the piece cache is rebuilt there, and the
    results are identical."""
    family = Family(n_components=2, n_hidden=2, weight_steps=2, means=(-1.0, 0.0, 1.0))
    truth = family.random_point(1)
    setup = _prepare(family, truth.model(), None, True, "pruned", truth, 1e-12)
    first = sweep(setup, 4)
    blob = pickle.dumps(setup)
    assert len(blob) < 2_000_000 and setup._driver._cache  # the cache (~1 MB) stays behind
    again = sweep(pickle.loads(blob), 4)
    for a, b in zip(first, again):
        assert np.array_equal(a, b)
