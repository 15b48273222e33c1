#!/usr/bin/env python
r"""Benchmark of the exact density against the numerical integral a user would otherwise write.

What is measured
----------------
For two fixed, seeded models ``x = f(z) + eps`` with ``z ~ sum_j w_j N(mu_j, s_j^2)``,
``eps ~ N(0, sigma^2)`` and ``f`` a ReLU network with one-dimensional input and output:

(a) the J.3.1-like setting: J = 3 components, one hidden layer of width 2 (ReLU), sigma = 0.3;
(b) a deeper model: J = 5, three hidden layers of width 6 (leaky ReLU 0.1), sigma = 0.1;

the script times, on this machine and in this run only,

* **quad** (the baseline): ``p(x) = int sum_j w_j N(z; mu_j, s_j^2) N(x - f(z); 0, sigma^2) dz``
  with :func:`scipy.integrate.quad`, ``f`` evaluated by ``model.net`` (NumPy) inside the
  integrand, one quad call per linear piece of ``f`` (the two infinite end pieces included),
  ``epsabs=0``, ``epsrel=1e-12`` (``--epsrel``), ``limit=200`` subintervals;
* **exactid.log_pdf** (numba engine) on a batch of 10^6 points after a warm-up call, with all
  numba threads and with one thread, plus the latency of a scalar call (a loop of 1000 calls
  on one point, with all threads and with one: what a quad-style caller would see); the first
  call (numba import + compile, or load from numba's on-disk cache) is reported separately;
* **exactid.log_pdf_numpy** (the same closed form in NumPy/SciPy) on 10^5 points;

and, on the same 20-50 evaluation points (drawn from the model, plus tail points located at
log p = -20, -60, -150 on both sides), the maximum absolute error of log p of every method
against the 50-digit mpmath evaluation :func:`exactid.reference.mp_log_pdf_closed_form`
(exact rational pieces, every Gaussian mass in 50 digits).  For quad the error is that of
``log(sum of the piece integrals)``.

Why the baseline is fair
------------------------
quad integrates exactly the integrand whose closed form the engine evaluates, on the same float
network, split at the same breakpoints the engine uses (``model.pieces``), so every sub-integral
has a smooth (Gaussian-times-Gaussian) integrand and quad never has to find a kink.  It is asked
for ``epsabs=0`` and a relative ``1e-12`` with a generous subinterval limit; quad accepts
``epsrel`` down to ``50 eps`` ~ 1.1e-14 (``--epsrel 2e-14``), but on these smooth pieces it
typically sits at rounding level already at 1e-12, so a tighter request changes little.  The
accuracy it actually achieves is reported next to its time, with its own error estimate, the
number of IntegrationWarnings and every point where it is wrong by more than 1e-6 in log p
(quad's adaptive rule on an infinite end piece can miss the narrow peak of a far tail point
and still report a tiny error estimate).  The breakpoints are computed (and cached on the
model) before any timing, and so are the per-term constants of the closed form (computed once
per model, as in any repeated use); everything else ``log_pdf`` does per call (input
validation, dispatch) is charged to it.

``--quick`` uses 12 evaluation points (tail levels -20 and -150), batches of 10^5 (engine) and
10^4 (NumPy), a 100-call scalar loop and best of 3, and extrapolates the 10^6-point one-thread
time linearly from the 10^5 batch (the output says so).  The full run also measures a cold
compile in a fresh interpreter with an empty ``NUMBA_CACHE_DIR`` (the in-process first call
may only load numba's on-disk cache).

Timings are ratios measured in one run on a possibly noisy machine: the fast methods report the
best of several repetitions (``time.perf_counter``); quad, which is slow, is timed once per point
and averaged.  Nothing is asserted and no result is hard-coded.

Usage::

    PYTHONPATH=. python scripts/bench_density.py [--quick] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf, log_pdf_numpy  # noqa: E402


# ----------------------------------------------------------------------------- models
def build_model(seed: int, n_comp: int, widths, negative_slope: float, noise_std: float):
    """A seeded model: Dirichlet weights, means in [-3, 3], std in [0.3, 1], He-scaled layers.

    The first layer's biases put each first-layer kink at a point of the prior's bulk, so the
    breakpoints matter for the density (as in J.3.1, where the kinks sit between components).
    """
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(n_comp, 3.0))
    means = np.sort(rng.uniform(-3.0, 3.0, n_comp))
    variances = rng.uniform(0.3, 1.0, n_comp) ** 2
    prior = GaussianMixture(weights, means, variances)
    dims = [1, *widths, 1]
    ws, bs = [], []
    for i in range(len(dims) - 1):
        w = rng.standard_normal((dims[i + 1], dims[i])) * math.sqrt(2.0 / dims[i])
        if i == 0:
            kinks = rng.uniform(means.min() - 1.0, means.max() + 1.0, dims[1])
            b = -w[:, 0] * kinks
        else:
            b = rng.normal(0.0, 0.5, dims[i + 1])
        ws.append(w)
        bs.append(b)
    return LatentModel(prior, ReluNet(ws, bs, negative_slope), noise_std)


# ----------------------------------------------------------------------------- baseline
def make_quad_pdf(model: LatentModel, epsrel: float, limit: int):
    """p(x) by scipy quad over z, one call per linear piece of f (infinite ends included)."""
    from scipy.integrate import IntegrationWarning, quad

    net = model.net
    keep = model.prior.weights > 0
    w = model.prior.weights[keep]
    mu = model.prior.means[keep, 0]
    sd = np.sqrt(model.prior.variances[keep])
    coef = w / (sd * math.sqrt(2.0 * math.pi))
    sigma = model.noise_std
    noise_norm = 1.0 / (sigma * math.sqrt(2.0 * math.pi))
    edges = [-math.inf, *model.pieces.breakpoints.tolist(), math.inf]
    intervals = list(zip(edges[:-1], edges[1:]))

    def integrand(z, x):
        prior = float(np.dot(coef, np.exp(-0.5 * ((z - mu) / sd) ** 2)))
        r = (x - net([z])[0, 0]) / sigma
        return prior * noise_norm * math.exp(-0.5 * r * r)

    def quad_pdf(x: float):
        """Return (p, quad's own error estimate, number of IntegrationWarnings)."""
        total = err = 0.0
        n_warn = 0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", IntegrationWarning)
            for lo, hi in intervals:
                val, abserr = quad(integrand, lo, hi, args=(x,), epsabs=0.0, epsrel=epsrel,
                                   limit=limit)
                total += val
                err += abserr
            n_warn = sum(issubclass(c.category, IntegrationWarning) for c in caught)
        return total, err, n_warn

    return quad_pdf, len(intervals)


# ----------------------------------------------------------------------------- helpers
def best_time(fn, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def tail_point(model: LatentModel, start: float, direction: float, level: float, step: float):
    """A point beyond ``start`` (outward in ``direction``) where log p crosses ``level``."""
    inside = start
    for k in range(200):
        outside = start + direction * step * 2.0**k
        if log_pdf(model, outside)[0] < level:
            break
        inside = outside
    else:  # pragma: no cover - the density of a Gaussian-noise model always decays
        return None
    for _ in range(80):
        mid = 0.5 * (inside + outside)
        if log_pdf(model, mid)[0] < level:
            outside = mid
        else:
            inside = mid
    return 0.5 * (inside + outside)


def eval_points(model: LatentModel, n_sampled: int, levels, seed: int) -> np.ndarray:
    x, _ = model.sample(n_sampled, seed=seed)
    x = np.sort(x[:, 0])
    ref, _ = model.sample(20000, seed=seed + 1)
    med, spread = float(np.median(ref)), float(np.std(ref))
    tails = []
    for level in levels:
        for direction in (-1.0, 1.0):
            t = tail_point(model, med, direction, level, 0.25 * spread)
            if t is not None:
                tails.append(t)
    return np.concatenate([x, np.sort(tails)])


def load_reference():
    """The 50-digit mpmath reference, or None with a message if it cannot be imported."""
    try:
        import mpmath  # noqa: F401
    except ImportError:
        print("NOTE: mpmath is not installed -- accuracy vs the 50-digit reference is skipped "
              "(pip install mpmath to enable it).")
        return None
    from exactid.reference import mp_log_pdf_closed_form

    return mp_log_pdf_closed_form


def max_err(values, ref):
    if ref is None:
        return None
    with np.errstate(invalid="ignore"):
        d = np.abs(np.asarray(values, dtype=float) - ref)
    d[np.isnan(d)] = np.inf
    return float(d.max())


def fmt_time(sec: float) -> str:
    if sec >= 1.0:
        return f"{sec:.3g} s"
    if sec >= 1e-3:
        return f"{sec * 1e3:.3g} ms"
    if sec >= 1e-6:
        return f"{sec * 1e6:.3g} us"
    return f"{sec * 1e9:.3g} ns"


def fmt_err(e) -> str:
    return "n/a" if e is None else f"{e:.1e}"


def cold_compile_time() -> float | None:
    """First call of log_pdf in a fresh interpreter with an empty numba cache directory."""
    code = (
        "import time, numpy as np\n"
        "t0 = time.perf_counter()\n"
        "from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf\n"
        "m = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), ReluNet([[[1.0]]], [[0.0]]), 0.5)\n"
        "t1 = time.perf_counter()\n"
        "log_pdf(m, np.zeros(3))\n"
        "print(time.perf_counter() - t1)\n"
    )
    with tempfile.TemporaryDirectory() as cache_dir:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir,
                   PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        try:
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                 text=True, timeout=600, check=True)
            return float(out.stdout.strip().splitlines()[-1])
        except (subprocess.SubprocessError, ValueError, IndexError):
            return None


# ----------------------------------------------------------------------------- benchmark
def bench_model(name, model, cfg, reference, n_threads_all):
    import numba

    pieces = model.pieces
    n_terms = pieces.n_pieces * int((model.prior.weights > 0).sum())
    print(f"\n=== model {name}: {model.net!r}, J = {model.prior.n_components}, "
          f"sigma = {model.noise_std:g}")
    print(f"    pieces of f: {pieces.n_pieces} (breakpoints "
          f"{np.array2string(pieces.breakpoints, precision=3, max_line_width=200)}); "
          f"closed-form terms K*J = {n_terms}")

    pts = eval_points(model, cfg.n_sampled, cfg.levels, cfg.seed + 10)
    n_pts = pts.size
    print(f"    evaluation points: {n_pts} ({cfg.n_sampled} sampled + {n_pts - cfg.n_sampled} "
          f"tail points at log p = {', '.join(f'{lv:g}' for lv in cfg.levels)} on both sides)")

    ref = None
    if reference is not None:
        t0 = time.perf_counter()
        ref = reference(model, pts)
        print(f"    mpmath 50-digit reference: {fmt_time(time.perf_counter() - t0)} for "
              f"{n_pts} points; log p in [{ref.min():.4g}, {ref.max():.4g}]")

    # --- baseline: scipy quad -------------------------------------------------------------
    quad_pdf, n_calls = make_quad_pdf(model, cfg.epsrel, cfg.limit)
    quad_vals = np.empty(n_pts)
    quad_rel_est = np.empty(n_pts)
    quad_warn = 0
    quad_times = np.empty(n_pts)
    for i, x in enumerate(pts):
        t0 = time.perf_counter()
        p, est, nw = quad_pdf(float(x))
        quad_times[i] = time.perf_counter() - t0
        quad_vals[i] = p
        quad_rel_est[i] = est / p if p > 0 else math.inf
        quad_warn += nw
    with np.errstate(divide="ignore"):
        quad_log = np.log(quad_vals)
    t_quad = float(quad_times.mean())
    err_quad = max_err(quad_log, ref)
    n_sampled = cfg.n_sampled
    err_quad_sampled = max_err(quad_log[:n_sampled], None if ref is None else ref[:n_sampled])
    print(f"    quad: {n_calls} quad calls per evaluation, epsabs=0, epsrel={cfg.epsrel:g}, "
          f"limit={cfg.limit}; mean {fmt_time(t_quad)}/evaluation (median "
          f"{fmt_time(float(np.median(quad_times)))}, max {fmt_time(float(quad_times.max()))})")
    print(f"          achieved max |log p err| = {fmt_err(err_quad)} (sampled points only: "
          f"{fmt_err(err_quad_sampled)}); quad's own max relative error estimate "
          f"{quad_rel_est.max():.1e}; IntegrationWarnings: {quad_warn} over "
          f"{n_pts * n_calls} quad calls; p underflowed to 0 at "
          f"{int((quad_vals == 0).sum())} points")
    if ref is not None:
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(~(np.abs(quad_log - ref) <= 1e-6))
        for i in bad:
            print(f"          quad WRONG at x = {pts[i]:.6g}: log p = {ref[i]:.6g}, quad gives "
                  f"{quad_log[i]:.6g} (own relative error estimate {quad_rel_est[i]:.1e})")
        floor = float(np.spacing(np.abs(ref).max()))
        print(f"          (float64 spacing at the largest |log p| here, the floor of any "
              f"absolute error: {floor:.1e})")

    # --- engine ---------------------------------------------------------------------------
    batch, _ = model.sample(cfg.batch, seed=cfg.seed + 20)
    batch = np.ascontiguousarray(batch[:, 0])
    log_pdf(model, batch[:1000])  # warm-up (kernel compiled already; caches model.pieces)

    rows = [("scipy quad (split at breakpoints)", t_quad, err_quad)]
    engine_batch = {}
    for n_thr in sorted({n_threads_all, 1}, reverse=True):
        numba.set_num_threads(n_thr)
        sec = best_time(lambda: log_pdf(model, batch), cfg.repeats)
        engine_batch[n_thr] = sec
        err = max_err(log_pdf(model, pts), ref)
        label = f"log_pdf batch 1e{round(math.log10(cfg.batch))}, {n_thr} thread" + \
            ("s" if n_thr > 1 else "")
        rows.append((label, sec / cfg.batch, err))
    numba.set_num_threads(n_threads_all)

    x0 = float(pts[n_sampled // 2])
    n_loop = cfg.scalar_loop

    def scalar_loop():
        for _ in range(n_loop):
            log_pdf(model, x0)

    # A one-point call pays the NumPy preparation of the model's constants and the launch of
    # the parallel kernel; the latter depends on the thread count, so both are shown.
    for n_thr in sorted({n_threads_all, 1}, reverse=True):
        numba.set_num_threads(n_thr)
        sec = best_time(scalar_loop, cfg.repeats)
        scalar_vals = np.array([log_pdf(model, float(x))[0] for x in pts])
        rows.append((f"log_pdf scalar call, {n_thr} thread" + ("s" if n_thr > 1 else ""),
                     sec / n_loop, max_err(scalar_vals, ref)))
    numba.set_num_threads(n_threads_all)

    nb_batch = batch[: cfg.numpy_batch]
    sec = best_time(lambda: log_pdf_numpy(model, nb_batch), cfg.repeats)
    rows.append((f"log_pdf_numpy batch 1e{round(math.log10(cfg.numpy_batch))}",
                 sec / cfg.numpy_batch, max_err(log_pdf_numpy(model, pts), ref)))

    # --- 10^6 points on one thread ----------------------------------------------------------
    if cfg.batch >= 10**6:
        t_million = engine_batch[1] * 10**6 / cfg.batch
        how = f"best of {cfg.repeats}"
    else:  # --quick: the cost is linear in the number of points
        t_million = engine_batch[1] * 10**6 / cfg.batch
        how = f"extrapolated from 1e{round(math.log10(cfg.batch))} points, best of {cfg.repeats}"

    # --- table ------------------------------------------------------------------------------
    print()
    print(f"    (scalar calls: best of {cfg.repeats} loops of {n_loop} calls at one point)")
    print(f"    {'method':<38} {'time/eval':>10} {'quad/method':>12} {'max|dlog p|':>12}")
    print(f"    {'-' * 38} {'-' * 10} {'-' * 12} {'-' * 12}")
    for label, sec, err in rows:
        print(f"    {label:<38} {fmt_time(sec):>10} {t_quad / sec:>11.3g}x {fmt_err(err):>12}")
    one = rows[2] if n_threads_all > 1 else rows[1]
    summary = (f"engine vs quad: {t_quad / one[1]:.1e}x faster per evaluation (batch, 1 thread), "
               f"max error {fmt_err(one[2])} vs quad {fmt_err(err_quad)}")
    if err_quad_sampled is not None and err_quad_sampled != err_quad:
        summary += f" (quad on the sampled points only: {fmt_err(err_quad_sampled)})"
    print(f"\n    model {name}: {summary}")
    verdict = "under" if t_million < 1.0 else "NOT under"
    print(f"    model {name}: log_pdf of 10^6 points on 1 thread took {t_million:.3f} s ({how}) "
          f"-> {verdict} a second")
    return summary


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="fewer evaluation points and smaller batches (finishes in < 30 s)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the models and points")
    ap.add_argument("--epsrel", type=float, default=1e-12, help="relative tolerance of quad")
    args = ap.parse_args(argv)
    if not 50 * np.finfo(float).eps <= args.epsrel < 1:
        ap.error(f"--epsrel: quad with epsabs=0 needs 50*eps = {50 * np.finfo(float).eps:.2e} "
                 f"<= epsrel < 1, found {args.epsrel:g}")

    cfg = argparse.Namespace(
        seed=args.seed,
        epsrel=args.epsrel,
        limit=200,
        n_sampled=8 if args.quick else 34,
        levels=(-20.0, -150.0) if args.quick else (-20.0, -60.0, -150.0),
        batch=10**5 if args.quick else 10**6,
        numpy_batch=10**4 if args.quick else 10**5,
        scalar_loop=100 if args.quick else 1000,
        repeats=3 if args.quick else 5,
    )
    t_start = time.perf_counter()

    # Importing numba and the kernels module is part of the first-use cost: time it.
    t0 = time.perf_counter()
    import numba

    from exactid.density import kernels as _kernels

    t_import = time.perf_counter() - t0
    import numpy
    import scipy

    n_threads_all = numba.config.NUMBA_NUM_THREADS
    print("exactid density benchmark" + (" (--quick)" if args.quick else ""))
    print(f"python {sys.version.split()[0]}, numpy {numpy.__version__}, scipy "
          f"{scipy.__version__}, numba {numba.__version__}; {os.cpu_count()} cores, numba "
          f"threads = {n_threads_all}; seed {args.seed}")

    model_a = build_model(args.seed, 3, [2], 0.0, 0.3)
    model_b = build_model(args.seed + 1, 5, [6, 6, 6], 0.1, 0.1)

    # First call: compiles the kernel (or loads it from numba's on-disk cache).
    t0 = time.perf_counter()
    log_pdf(model_a, np.zeros(4))
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    log_pdf(model_a, np.zeros(4))
    t_second = time.perf_counter() - t0
    # Small batches use the serial kernel, large ones the parallel kernel: count both.
    hits = sum(sum(k.stats.cache_hits.values())
               for k in (_kernels.log_pdf_smooth, _kernels.log_pdf_smooth_serial))
    source = "loaded from numba's on-disk cache" if hits else "compiled"
    print(f"first use: import of numba + kernels {fmt_time(t_import)}, first log_pdf call "
          f"{fmt_time(t_first)} (kernel {source}), second call {fmt_time(t_second)}")
    if not args.quick:
        cold = cold_compile_time()
        if cold is not None:
            print(f"cold compile (fresh interpreter, empty NUMBA_CACHE_DIR): first log_pdf call "
                  f"{fmt_time(cold)}")

    reference = load_reference()
    summaries = [
        bench_model("(a) J.3.1-like", model_a, cfg, reference, n_threads_all),
        bench_model("(b) deeper", model_b, cfg, reference, n_threads_all),
    ]
    # Known only once a parallel kernel has run (the first, small call above is serial).
    print(f"\nnumba threading layer: {numba.threading_layer()}")
    print("\nsummary")
    for name, s in zip(("(a)", "(b)"), summaries):
        print(f"  {name} {s}")
    print(f"total runtime {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    from exactid.cli.run import run_command

    # Ctrl-C, SIGTERM and errors end the script with one line and the documented exit code.
    sys.exit(run_command("scripts/bench_density.py", "", lambda _: main() or 0, None))
