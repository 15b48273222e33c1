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
printed next to its time (a check that the methods compute the same thing, not a test).

Timings are ratios measured in one run on a possibly noisy, shared machine
(``time.perf_counter``); the fast search is run ``--repeats`` times (default 1) and the best
is kept.  The numba kernels are compiled (or loaded from numba's on-disk cache) by a warm-up
search before anything is timed; that first-use cost is reported separately.  Nothing is
asserted and no result is hard-coded.

Usage::

    PYTHONPATH=. python scripts/bench_search.py [--quick] [--seed 0] [--threads N]
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
from exactid.search import Family, grid_search, quadrature_rule  # noqa: E402


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


def warm_up():
    """First use of the search kernels: compile, or load from numba's on-disk cache."""
    from exactid.search import _kernels as kern  # the kernel itself is what is timed

    fam = Family(n_components=1, n_hidden=1, weight_steps=1, means=(0.0,), alphas=(1.0,),
                 betas=(1.0,), biases=(0.0,))
    point = fam.random_point(0)
    t0 = time.perf_counter()
    grid_search(fam, point, crosscheck=1)
    sec = time.perf_counter() - t0
    # The per-point paths too, so that no timed loop pays a first call.
    x = np.linspace(-1.0, 1.0, 5)
    kern.candidate_log_density(np.array([[1.0], [1.0], [0.0]]), 0.0, np.zeros(1), np.ones(1),
                               0.5, np.zeros(1, dtype=np.int64), np.zeros(1), x)
    log_pdf(point.model(), x)
    cross_entropy(point.model(), point.model())
    try:
        hits = sum(sum(k.stats.cache_hits.values())
                   for k in (kern.search_decoders, kern.decoder_pieces1))
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
                elapsed=result.elapsed, n_grid=result.n_grid_points)


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
    args = ap.parse_args(argv)
    if args.plain_sample < 1 or args.adaptive_sample < 1 or args.repeats < 1:
        ap.error("--plain-sample, --adaptive-sample and --repeats must be >= 1")
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
    summaries = [bench_family(name, fam, args, rng) for name, fam in families(args.quick)]

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
    print(f"total runtime {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    from exactid.cli.run import run_command

    # Ctrl-C, SIGTERM and errors end the script with one line and the documented exit code.
    sys.exit(run_command("scripts/bench_search.py", "", lambda _: main() or 0, None))
