#!/usr/bin/env python
r"""Benchmark of the exhaustive grid search against the per-point evaluation it replaces.

What is measured
----------------
For a seeded random truth ``p`` drawn from each family (``Family.random_point(seed)``), in this
run only:

* **fast search** -- :func:`exactid.search.grid_search` with the population objective
  :math:`H(p, q) = -\int p \log q`: the time of its evaluation loop (``SearchResult.elapsed``,
  numba kernels, parallel over decoders, symmetry-reduced grid) and the wall time of the whole
  call (quadrature rule, grid enumeration, re-runs, the adaptive cross-check of the best
  points, equivalence classification).  Throughput is (evaluated grid points x quadrature
  nodes) per second.  Two per-point costs are derived: per *evaluated* point (elapsed /
  n_evaluated: the kernel's own speed) and per *full-grid* point (elapsed / n_grid_points: what
  the search costs per point of the grid it covers, symmetry reduction included);
* **plain per point** -- what :func:`exactid.search.reference_search` with ``adaptive=False``
  does for each point: build the :class:`~exactid.LatentModel` of the grid point (its exact
  decoder pieces included), evaluate :func:`exactid.log_pdf` at the same fixed nodes and take
  the dot product with the same weights; timed on a uniform random sample of grid points
  (``--plain-sample``, default 300);
* **numba per point** -- the same objective by
  :func:`exactid.search._kernels.candidate_log_density` (one grid point at a time, no model
  object, no sharing of the per-atom tables between points), same sample;
* **adaptive per point** -- :func:`exactid.cross_entropy` with ``tol=1e-12`` (the independent
  adaptive quadrature of ``reference_search(adaptive=True)``) on a smaller sample
  (``--adaptive-sample``, default 30).

The families are the J.3.1 default ``Family()`` (J = 3, 29.3 million points) and its J = 2
variant (``--quick``: both with 3-value grids for alpha, beta, pi and the means).  For every
per-point method the largest difference from the adaptive objective on the common sample is
printed next to its time (a check that the methods compute the same thing, not a test), and
so is that of the search kernel's own objectives for the adaptive sample's points.

**Kernels** -- the search kernels of ``grid_search(..., kernel=...)`` against each other, in
this run: ``reference`` (the original kernel: per decoder the per-atom tables, then one scalar
``log`` per node of every point), ``unpruned`` (the new kernel on every node: shared piece
tables, vectorised ``log``) and ``pruned`` (the default: the new kernel with certified early
stopping).  On the J.3.1 default family each kernel's work is timed alone (its setup --
quadrature rule, grid, global threshold, piece cache -- and the sweep over every decoder, as in
``grid_search`` but without the re-runs, cross-check and classification around it, which are
the same for every kernel; best of ``--repeats``), then ``grid_search`` is run for its result.
Printed per kernel: that time, evaluated and full-grid points per second, point-nodes per
second (evaluated points x nodes, as ``SearchResult.throughput``), the fraction of those
(point, node) pairs the kernel actually evaluated, the speed-up over ``reference``, and whether
the minimizers are the same grid points (and the largest difference of their objectives).
On the H = 3 family (``Family(n_hidden=3)``: 3.7e9 grid points, 21 million after symmetry
reduction) the pruned search runs in full; the reference kernel, which would take minutes, is
timed on every ``--h3-reference-every``-th decoder (default 10; 1 = the whole family, then the
minimizers are compared too) and compared per evaluated point with the pruned kernel on the
whole family (a sample would charge the pruned kernel almost the whole family's piece cache).

**Function symmetry** -- on the H = 3 family, the pruned search with the unit symmetries
(``Family(n_hidden=3)``) and with decoders merged by function (``symmetry="functions"``, the
``h3`` preset of ``exactid simulate --family``): both whole calls timed, and the minimizers
compared (every unit-symmetry minimizer maps to a function-symmetry one, with the same grid
count in all).

**Presets** -- every family of :data:`exactid.search.presets.FAMILIES` (``exactid simulate
--family NAME``) for J = 3 (and ``h3`` for J = 4): its grid points, canonical decoders, and the
whole ``grid_search`` call on one seeded random truth (``--no-presets`` skips it).

**Dask** -- on the J.3.1 default family, ``grid_search`` in this process (numba threads)
against ``grid_search(..., client=...)`` on a ``LocalCluster`` of 1 and 2 single-threaded
workers (:func:`exactid.search.distributed.local_client`): the whole call and the search loop,
best of 5 (or ``--repeats``) after one untimed search per cluster (the workers' first use of the
kernels), the in-process search timed in the same rounds (alternating, the idle cluster
running), the cluster's start-up time apart, the ratio to the in-process time, and whether
every field of the result is identical.

Timings are ratios measured in one run on a possibly noisy, shared machine
(``time.perf_counter``); the fast search is run ``--repeats`` times (default 1) and the best
is kept.  The numba kernels are compiled (or loaded from numba's on-disk cache) by a warm-up
search before anything is timed; that first-use cost is reported separately.  Nothing is
asserted and no result is hard-coded.

Usage::

    PYTHONPATH=. python scripts/bench_search.py [--quick] [--seed 0] [--threads N]
        [--h3-reference-every 10] [--no-h3] [--no-presets] [--no-dask]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The time format of the density benchmark (this script's directory is on sys.path).
from bench_density import fmt_time  # noqa: E402

from exactid import cross_entropy, log_pdf  # noqa: E402
from exactid.search import (  # noqa: E402
    Family,
    exhaustive,  # noqa: E402
    grid_search,
    quadrature_rule,
)


def fmt_duration(sec: float) -> str:
    """A long duration in the largest sensible unit."""
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if sec >= size:
            return f"{sec / size:.3g} {unit}"
    return fmt_time(sec)


def families(quick: bool):
    if quick:
        small = dict(means=(-1.0, 0.0, 1.0), alphas=(-1.0, 0.0, 1.0), betas=(-1.0, 0.0, 1.0),
                     biases=(-1.0, 0.0, 1.0))
        return [("J=3 (3-value grids)", Family(**small)),
                ("J=2 (3-value grids)", Family(n_components=2, **small))]
    return [("J.3.1 default, J=3", Family()), ("J.3.1 grids, J=2", Family(n_components=2))]


def h3_family(quick: bool):
    """Three hidden units: the J.3.1 grids (5 values per network parameter), or 3 values."""
    if quick:
        return "H=3 (3-value grids)", Family(n_hidden=3, means=(-1.0, 0.0, 1.0),
                                             alphas=(-1.0, 0.0, 1.0), betas=(-1.0, 0.0, 1.0),
                                             biases=(-1.0, 0.0, 1.0))
    return "H=3, J.3.1 grids", Family(n_hidden=3)


def warm_up():
    """First use of the search kernels: compile, or load from numba's on-disk cache."""
    from exactid.search import _kernels as kern  # the kernel itself is what is timed

    fam = Family(n_components=1, n_hidden=1, weight_steps=1, means=(0.0,), alphas=(1.0,),
                 betas=(1.0,), biases=(0.0,))
    point = fam.random_point(0)
    t0 = time.perf_counter()
    for kernel in exhaustive.KERNELS:
        grid_search(fam, point, crosscheck=1, kernel=kernel)
    sec = time.perf_counter() - t0
    # The per-point paths too, so that no timed loop pays a first call.
    x = np.linspace(-1.0, 1.0, 5)
    kern.candidate_log_density(np.array([[1.0], [1.0], [0.0]]), 0.0, np.zeros(1), np.ones(1),
                               0.5, np.zeros(1, dtype=np.int64), np.zeros(1), x)
    log_pdf(point.model(), x)
    cross_entropy(point.model(), point.model())
    try:
        hits = sum(sum(k.stats.cache_hits.values())
                   for k in (kern.search_decoders_reference, kern.decoder_pieces1))
        source = "loaded from numba's on-disk cache" if hits else "compiled"
    except AttributeError:  # pragma: no cover - older/newer numba without dispatcher stats
        source = "compiled or loaded from cache"
    return sec, source


def point_arrays(family: Family, point):
    """The arrays candidate_log_density takes for a grid point."""
    n_var = len(family.variances)
    decoder = np.array([point.alpha, point.beta, point.pi], dtype=float)
    cfg_atom = np.array([family.means.index(m) * n_var + family.variances.index(v)
                         for m, v in zip(point.means, point.variances)], dtype=np.int64)
    with np.errstate(divide="ignore"):
        logw = np.log(np.array(point.weights, dtype=float))
    return decoder, cfg_atom, logw


def bench_family(name, family, args, rng):
    from exactid.search import _kernels as kern  # the kernel itself is what is timed

    truth = family.random_point(rng)
    ref_model = truth.model()
    print(f"\n=== {name}: {family.n_grid_points:,} grid points "
          f"({len(family.configurations(True)[0]):,} canonical configurations x "
          f"{len(family.decoders(True)[0]):,} canonical decoders after symmetry reduction)")
    print(f"    truth: {truth}")

    # --- fast search ------------------------------------------------------------------------
    best = None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        result = grid_search(family, truth)
        wall = time.perf_counter() - t0
        if best is None or result.elapsed < best[0].elapsed:
            best = (result, wall)
    result, wall = best
    n_nodes = result.n_nodes
    fast_eval = result.elapsed / result.n_evaluated
    fast_full = result.elapsed / result.n_grid_points
    print(f"    fast search: loop {fmt_time(result.elapsed)}, whole call {fmt_time(wall)}; "
          f"{result.n_evaluated:,} points evaluated x {n_nodes} nodes -> "
          f"{result.throughput:.3g} point-nodes/s")
    print(f"    result: minimum {result.minimum:.12g}, {len(result.minimizers)} canonical "
          f"minimizer(s), certified {result.certified}, adaptive cross-check "
          f"{result.crosscheck:.1e}, all minimizers equivalent to the truth: "
          f"{result.all_minimizers_equivalent}")

    # --- the same fixed rule, point by point ------------------------------------------------
    x, w_main, _, _ = quadrature_rule(ref_model, min(family.noise_stds))
    x, w_main = np.ascontiguousarray(x[:-2]), w_main[:-2]
    assert x.size == n_nodes, "the benchmark must use the search's own nodes"
    sample = [family.random_point(rng) for _ in range(args.plain_sample)]

    t0 = time.perf_counter()
    plain = [-float(np.dot(w_main, log_pdf(p.model(), x))) for p in sample]
    plain_time = (time.perf_counter() - t0) / len(sample)

    atoms = family.atoms()
    atom_mu, atom_var = np.ascontiguousarray(atoms[:, 0]), np.ascontiguousarray(atoms[:, 1])
    arrays = [point_arrays(family, p) for p in sample]  # conversion not charged
    t0 = time.perf_counter()
    numba_vals = [-float(np.dot(w_main, kern.candidate_log_density(
        dec, family.negative_slope, atom_mu, atom_var, p.noise_std, cfg, logw, x)))
        for p, (dec, cfg, logw) in zip(sample, arrays)]
    numba_time = (time.perf_counter() - t0) / len(sample)

    sub = sample[: args.adaptive_sample]
    t0 = time.perf_counter()
    adaptive = [cross_entropy(ref_model, p.model(), tol=1e-12).value for p in sub]
    adaptive_time = (time.perf_counter() - t0) / len(sub)
    n_sub = len(sub)
    dev_plain = float(np.max(np.abs(np.array(plain[:n_sub]) - adaptive)))
    dev_numba = float(np.max(np.abs(np.array(numba_vals[:n_sub]) - adaptive)))
    kernel_vals = kernel_objectives(family, truth, sub)
    dev_kernel = float(np.max(np.abs(kernel_vals[:, 0] - adaptive)))
    print(f"    the search kernel's own objectives for the n={n_sub} adaptive sample points: "
          f"max |d obj| vs adaptive {dev_kernel:.1e} (largest error estimate "
          f"{kernel_vals[:, 1].max():.1e})")

    # --- table ------------------------------------------------------------------------------
    rows = [
        ("fast search, per evaluated point", fast_eval, ""),
        ("fast search, per full-grid point", fast_full, ""),
        (f"plain per point (model + log_pdf), n={len(sample)}", plain_time, f"{dev_plain:.1e}"),
        (f"numba per point (candidate_log_density), n={len(sample)}", numba_time,
         f"{dev_numba:.1e}"),
        (f"adaptive cross_entropy per point, n={n_sub}", adaptive_time, "(reference)"),
    ]
    print()
    print(f"    {'method':<52} {'time/point':>10} {'vs fast/eval':>12} {'vs fast/grid':>12} "
          f"{'full grid at this rate':>22} {'max|d obj| vs adaptive':>23}")
    print(f"    {'-' * 52} {'-' * 10} {'-' * 12} {'-' * 12} {'-' * 22} {'-' * 23}")
    for label, sec, dev_s in rows:
        full = sec * result.n_grid_points
        print(f"    {label:<52} {fmt_time(sec):>10} {sec / fast_eval:>11.3g}x "
              f"{sec / fast_full:>11.3g}x {fmt_duration(full):>22} {dev_s:>23}")
    return dict(name=name, fast_eval=fast_eval, fast_full=fast_full, plain=plain_time,
                numba=numba_time, adaptive=adaptive_time, throughput=result.throughput,
                elapsed=result.elapsed, n_grid=result.n_grid_points, truth=truth)


def kernel_objectives(family, truth, points):
    """The objective and error estimate the (unpruned) search kernel computes for each grid
    point, shape (len(points), 2)."""
    setup = exhaustive._prepare(family, truth.model(), None, True, "unpruned")
    n_var = len(family.variances)
    out = []
    for p in points:
        c = family.canonical(p)
        dec = np.array([c.alpha, c.beta, c.pi])
        d = int(np.flatnonzero(np.all(setup.decoders == dec, axis=(1, 2)))[0])
        atoms = [family.means.index(m) * n_var + family.variances.index(v)
                 for m, v in zip(c.means, c.variances)]
        k = int(np.flatnonzero(np.all(setup.cfg_atoms == atoms, axis=1)
                               & np.all(setup.cfg_w == np.array(c.weights), axis=1))[0])
        cfg = (setup.cfg_atoms[k:k + 1], setup.cfg_w[k:k + 1], setup.cfg_logw[k:k + 1])
        obj, err = np.full((1, 1), np.inf), np.zeros((1, 1))
        setup.driver().run(d, d + 1, c.noise_std, cfg, np.inf, False, obj, err,
                           np.full((1, 1), -1, dtype=np.int64), np.full(1, np.inf))
        out.append((obj[0, 0], err[0, 0]))
    return np.array(out)


# --- the search kernels against each other ----------------------------------------------------
KERNEL_ORDER = ("reference", "unpruned", "pruned")


def same_minimizers(a, b) -> str:
    """Whether two searches found the same minimizers, and the largest difference of their
    objectives (the error estimates do not include the rounding of the sums, a few ulp)."""
    pa = {c.point: c.objective for c in a.minimizers}
    pb = {c.point: c.objective for c in b.minimizers}
    if pa.keys() != pb.keys():
        return "NO"
    return f"yes, max|d obj| {max(abs(pa[p] - pb[p]) for p in pa):.1e}"


def kernel_sweep(family, truth, kernel: str, step: int = 1):
    """The search's kernel work alone, timed: its setup (the quadrature rule, the grid, the
    global threshold and the piece cache of the pruned kernel) and the sweep over every
    ``step``-th canonical decoder, as in grid_search (without the re-runs, cross-check and
    classification around it, the same for every kernel).  Returns seconds, evaluated points
    and the fraction of their (point, node) pairs the kernel evaluated."""
    t0 = time.perf_counter()
    setup = exhaustive._prepare(family, truth.model(), None, True, kernel, truth,
                                exhaustive.DEFAULT_TOL)
    if step > 1:  # a sample of decoders; the global threshold stays that of the whole family
        setup.decoders = np.ascontiguousarray(setup.decoders[::step])
        setup.dec_orbit = setup.dec_orbit[::step]
        setup._driver = None  # its piece keys were made for the whole family
    keep = min(exhaustive.KEEP_PER_DECODER, setup.n_cfg)
    for sigma in family.noise_stds:
        for lo in range(0, setup.n_dec, exhaustive.DECODERS_PER_CHUNK):
            hi = min(lo + exhaustive.DECODERS_PER_CHUNK, setup.n_dec)
            obj, err = np.full((hi - lo, keep), np.inf), np.zeros((hi - lo, keep))
            idx, rest = np.full((hi - lo, keep), -1, dtype=np.int64), np.full(hi - lo, np.inf)
            setup.run(lo, hi, sigma, obj, err, idx, rest)
    sec = time.perf_counter() - t0
    return sec, setup.points_evaluated, setup.nodes_evaluated / (setup.points_evaluated
                                                                 * setup.n_nodes)


def print_kernel_table(rows, n_nodes: int, grid_per_eval: float):
    """rows: (kernel, seconds, evaluated points, node fraction, minimizers column)."""
    base = rows[0][1] / rows[0][2]
    print(f"    {'kernel':<10} {'time':>10} {'eval. pts/s':>11} {'grid pts/s':>11} "
          f"{'point-nodes/s':>13} {'nodes evaluated':>15} {'speed-up':>9}  minimizers")
    print(f"    {'-' * 10} {'-' * 10} {'-' * 11} {'-' * 11} {'-' * 13} {'-' * 15} {'-' * 9}  "
          f"{'-' * 30}")
    for kernel, sec, points, frac, same in rows:
        rate = points / sec
        print(f"    {kernel:<10} {fmt_time(sec):>10} {rate:>11.3g} {rate * grid_per_eval:>11.3g} "
              f"{rate * n_nodes:>13.3g} {frac:>14.1%} {base / (sec / points):>8.3g}x  {same}")


def bench_kernels(name, family, truth, args):
    """Every kernel on the whole family: timed alone (kernel_sweep, best of --repeats), and the
    whole grid_search for its result."""
    print(f"\n=== kernels, {name}: {family.n_grid_points:,} grid points; truth: {truth}")
    results, rows = {}, []
    for kernel in KERNEL_ORDER:
        sec, points, frac = min(kernel_sweep(family, truth, kernel)
                                for _ in range(args.repeats))
        results[kernel] = grid_search(family, truth, kernel=kernel)
        rows.append([kernel, sec, points, frac])
    ref = results["reference"]
    for row in rows:
        r = results[row[0]]
        row.append(f"{len(r.minimizers)}, cross-check {r.crosscheck:.1e}" + (
            "" if row[0] == "reference" else f"; same as reference: {same_minimizers(r, ref)}"))
    print_kernel_table(rows, ref.n_nodes, ref.n_grid_points / ref.n_evaluated)
    pruned = results["pruned"]
    print(f"    pruned search: minimum {pruned.minimum:.12g} (reference {ref.minimum:.12g}), "
          f"certified {pruned.certified}, largest error estimate of a minimizer "
          f"{pruned.max_error:.1e}, gap to the best non-equivalent point "
          f"{pruned.gap_to_nonequivalent:.3g}{' (lower bound)' * pruned.gap_is_lower_bound} "
          f"(reference {ref.gap_to_nonequivalent:.3g}); whole grid_search call: loop "
          f"{fmt_time(pruned.elapsed)} (reference {fmt_time(ref.elapsed)})")
    return dict(name=name, speedup=rows[0][1] / rows[2][1], fraction=rows[2][3],
                elapsed=rows[2][1], reference=rows[0][1])


def bench_h3(name, family, truth, args):
    """The pruned search on the whole H = 3 family, and the kernels on a decoder sample."""
    step = args.h3_reference_every
    print(f"\n=== kernels, {name}: {family.n_grid_points:,} grid points "
          f"({len(family.configurations(True)[0]):,} canonical configurations x "
          f"{len(family.decoders(True)[0]):,} canonical decoders); truth: {truth}")
    t0 = time.perf_counter()
    pruned = grid_search(family, truth, kernel="pruned")
    wall = time.perf_counter() - t0
    print(f"    pruned search of the whole family: loop {fmt_duration(pruned.elapsed)}, whole "
          f"call {fmt_duration(wall)}; {len(pruned.minimizers)} minimizer(s), certified "
          f"{pruned.certified}, all equivalent to the truth {pruned.all_minimizers_equivalent}, "
          f"cross-check {pruned.crosscheck:.1e}, gap {pruned.gap_to_nonequivalent:.3g}"
          f"{' (lower bound)' * pruned.gap_is_lower_bound}")
    # The pruned kernel on the whole family, the reference on a sample: rates per point.
    rows = [["reference", *kernel_sweep(family, truth, "reference", step)],
            ["pruned", *kernel_sweep(family, truth, "pruned")]]
    if step == 1:
        ref = grid_search(family, truth, kernel="reference")
        rows[0].append(f"{len(ref.minimizers)}")
        rows[1].append(f"{len(pruned.minimizers)}; same as reference: "
                       f"{same_minimizers(pruned, ref)}")
        print("    both kernels on the whole family:")
    else:
        rows[0].append(f"on every {step}-th decoder (--h3-reference-every 1: all)")
        rows[1].append("the whole family")
        print(f"    the reference kernel on every {step}-th decoder ({rows[0][2]:,} points), the "
              "pruned one on the whole family:")
    print_kernel_table(rows, pruned.n_nodes, pruned.n_grid_points / pruned.n_evaluated)
    speedup = (rows[0][1] / rows[0][2]) / (rows[1][1] / rows[1][2])
    bench_function_symmetry(family, truth, pruned, wall)
    return dict(name=name, speedup=speedup, fraction=rows[1][3], elapsed=rows[1][1],
                reference=rows[0][1] / rows[0][2] * pruned.n_evaluated)


def bench_function_symmetry(family, truth, units, units_wall):
    """The same search with decoders merged by function (symmetry="functions")."""
    merged = Family(**{**family.to_dict(), "symmetry": "functions"})
    t0 = time.perf_counter()
    result = grid_search(merged, truth)
    wall = time.perf_counter() - t0
    mapped = {merged.canonical(c.point) for c in units.minimizers}
    same = (mapped == {c.point for c in result.minimizers}
            and sum(c.orbit_size for c in units.minimizers)
            == sum(c.orbit_size for c in result.minimizers))
    print(f"    decoders merged by function: {merged.n_decoders():,} "
          f"canonical decoders instead of {len(family.decoders(True)[0]):,}; whole call "
          f"{fmt_duration(wall)} instead of {fmt_duration(units_wall)} "
          f"({units_wall / wall:.3g}x); minimum {result.minimum:.12g} "
          f"(units {units.minimum:.12g}); minimizers the same functions with the same grid "
          f"count: {'yes' if same else 'NO'}")


def bench_presets(args):
    """The whole search on one random truth of every preset family (J = 3; h3 also J = 4)."""
    from exactid.search.presets import FAMILIES

    print("\n=== presets (exactid simulate --family NAME): one random truth each, seed "
          f"{args.seed}")
    print(f"    {'family':<8} {'J':>2} {'grid points':>12} {'decoders':>9} {'whole call':>10} "
          f"{'loop':>10} {'grid pts/s':>10}  minimizers")
    print(f"    {'-' * 8} {'-' * 2} {'-' * 12} {'-' * 9} {'-' * 10} {'-' * 10} {'-' * 10}  "
          f"{'-' * 30}")
    for name, kwargs in FAMILIES.items():
        for J in (3, 4) if name == "h3" else (3,):
            family = Family(n_components=J, **kwargs)
            truth = family.random_point(args.seed)
            t0 = time.perf_counter()
            result = grid_search(family, truth)
            wall = time.perf_counter() - t0
            print(f"    {name:<8} {J:>2} {family.n_grid_points:>12.3g} "
                  f"{family.n_decoders():>9,} {fmt_duration(wall):>10} "
                  f"{fmt_duration(result.elapsed):>10} "
                  f"{result.n_grid_points / result.elapsed:>10.3g}  "
                  f"{len(result.minimizers)}, all equivalent to the truth: "
                  f"{result.all_minimizers_equivalent}, certified {result.certified}")


def same_result(a, b) -> bool:
    """Every field of two search results equal (minimizers with their objectives, errors and
    orbits; minimum, gap, certificate, counts), bit for bit."""
    def fields(r):
        return ([(c.point, c.objective, c.error, c.orbit_size) for c in r.minimizers],
                r.minimum, r.gap_to_nonequivalent, r.gap_is_lower_bound, r.certified,
                r.max_error, r.n_evaluated, r.crosscheck, r.equivalence)
    return fields(a) == fields(b)


#: Runs of each search in the Dask table (at least; --repeats if larger), best kept: the
#: searches take half a second, where one scheduling hiccup shows.
DASK_REPEATS = 5


def bench_dask(name, family, truth, args):
    """grid_search in this process against a LocalCluster of 1 and 2 workers, alternating
    (the in-process search is timed in the same rounds, with the idle cluster running)."""
    from exactid.search import distributed  # optional: needs exactid[distributed]

    def once(**kw):
        t0 = time.perf_counter()
        result = grid_search(family, truth, **kw)
        return time.perf_counter() - t0, result

    print(f"\n=== Dask, {name}: {family.n_grid_points:,} grid points; truth: {truth}")
    rows = []
    for workers in (1, 2):
        t0 = time.perf_counter()
        with distributed.local_client(workers) as client:
            start = time.perf_counter() - t0
            first, _ = once(client=client)  # the workers' first use of the kernels, untimed
            local, remote = [], []
            for _ in range(max(args.repeats, DASK_REPEATS)):
                local.append(once())
                remote.append(once(client=client))
        (local_wall, serial), (wall, result) = min(local, key=lambda r: r[0]), min(
            remote, key=lambda r: r[0])
        rows.append((f"LocalCluster, {workers} worker{'s' * (workers > 1)}", local_wall, wall,
                     result.elapsed, f"{fmt_time(start)} + first {fmt_time(first)}",
                     "yes" if same_result(result, serial) else "NO"))
    print(f"    {'Dask':<24} {'in-process':>10} {'Dask call':>10} {'Dask loop':>10} "
          f"{'ratio':>6}  {'cluster start + first search':<30} identical")
    print(f"    {'-' * 24} {'-' * 10} {'-' * 10} {'-' * 10} {'-' * 6}  {'-' * 30} {'-' * 9}")
    for where, local_wall, wall, loop, start, same in rows:
        print(f"    {where:<24} {fmt_time(local_wall):>10} {fmt_time(wall):>10} "
              f"{fmt_time(loop):>10} {wall / local_wall:>5.3g}x  {start:<30} {same}")
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smaller families (3-value grids; a few seconds in all)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the truths and the samples")
    ap.add_argument("--threads", type=int, default=None,
                    help="numba threads (numba.set_num_threads); default: numba's default")
    ap.add_argument("--plain-sample", type=int, default=300,
                    help="grid points timed with the plain per-point path (default 300)")
    ap.add_argument("--adaptive-sample", type=int, default=30,
                    help="grid points timed with the adaptive cross_entropy (default 30)")
    ap.add_argument("--repeats", type=int, default=1,
                    help="runs of each fast search, best kept (default 1)")
    ap.add_argument("--h3-reference-every", type=int, default=10,
                    help="time the kernels on the H = 3 family on every k-th decoder (default "
                         "10; 1 = the whole family with both kernels, several minutes)")
    ap.add_argument("--no-h3", action="store_true", help="skip the H = 3 family")
    ap.add_argument("--no-presets", action="store_true", help="skip the preset families")
    ap.add_argument("--no-dask", action="store_true",
                    help="skip the Dask scaling table (needs exactid[distributed])")
    args = ap.parse_args(argv)
    if (args.plain_sample < 1 or args.adaptive_sample < 1 or args.repeats < 1
            or args.h3_reference_every < 1):
        ap.error("--plain-sample, --adaptive-sample, --repeats and --h3-reference-every must "
                 "be >= 1")
    args.adaptive_sample = min(args.adaptive_sample, args.plain_sample)

    import numba

    if args.threads is not None:
        if not 1 <= args.threads <= numba.config.NUMBA_NUM_THREADS:
            ap.error(f"--threads: expected 1..{numba.config.NUMBA_NUM_THREADS} "
                     f"(NUMBA_NUM_THREADS), found {args.threads}")
        numba.set_num_threads(args.threads)
    t_start = time.perf_counter()
    import scipy

    print("exactid grid-search benchmark" + (" (--quick)" if args.quick else ""))
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"numba {numba.__version__}; {os.cpu_count()} cores; numba threads used = "
          f"{numba.get_num_threads()} (of NUMBA_NUM_THREADS = {numba.config.NUMBA_NUM_THREADS})"
          f"; seed {args.seed}")
    sec, source = warm_up()
    print(f"first use of the search kernels: {fmt_time(sec)} ({source})")

    rng = np.random.default_rng(args.seed)
    named = families(args.quick)
    summaries = [bench_family(name, fam, args, rng) for name, fam in named]
    kernels = [bench_kernels(named[0][0], named[0][1], summaries[0]["truth"], args)]
    if not args.no_h3:
        name, h3 = h3_family(args.quick)
        kernels.append(bench_h3(name, h3, h3.random_point(np.random.default_rng(args.seed)),
                                args))
    if not args.no_presets:
        bench_presets(args)
    dask_rows = None if args.no_dask else bench_dask(named[0][0], named[0][1],
                                                     summaries[0]["truth"], args)

    print(f"\nnumba threading layer: {numba.threading_layer()}; threads: "
          f"{numba.get_num_threads()}")
    print("\nsummary (per-point time of each method / fast search per full-grid point)")
    print(f"  {'family':<22} {'point-nodes/s':>13} {'fast/grid pt':>12} {'plain':>9} "
          f"{'numba pt':>9} {'adaptive':>9} {'grid search':>11} {'plain, full grid':>16}")
    for s in summaries:
        print(f"  {s['name']:<22} {s['throughput']:>13.3g} {fmt_time(s['fast_full']):>12} "
              f"{s['plain'] / s['fast_full']:>8.3g}x {s['numba'] / s['fast_full']:>8.3g}x "
              f"{s['adaptive'] / s['fast_full']:>8.3g}x {fmt_time(s['elapsed']):>11} "
              f"{fmt_duration(s['plain'] * s['n_grid']):>16}")
    print("\nsummary of the kernels (setup + sweep, pruned against reference, same run; H = 3: "
          "the reference time extrapolated from its sample)")
    print(f"  {'family':<28} {'reference':>14} {'pruned':>11} {'speed-up':>9} "
          f"{'nodes evaluated':>15}")
    for k in kernels:
        print(f"  {k['name']:<28} {fmt_duration(k['reference']):>14} "
              f"{fmt_duration(k['elapsed']):>11} {k['speedup']:>8.3g}x {k['fraction']:>14.1%}")
    if dask_rows:
        print("\nsummary of the Dask path (whole grid_search call, best of 5, after a first "
              "untimed search)")
        for where, local_wall, wall, _, _, same in dask_rows:
            print(f"  {where:<26} {fmt_time(wall):>10} (in this process {fmt_time(local_wall)}, "
                  f"same rounds) {wall / local_wall:>6.3g}x  identical: {same}")
    print(f"total runtime {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    from exactid.cli.run import run_command

    # Ctrl-C, SIGTERM and errors end the script with one line and the documented exit code.
    sys.exit(run_command("scripts/bench_search.py", "", lambda _: main() or 0, None))
