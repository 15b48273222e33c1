#!/usr/bin/env python
r"""Benchmark of the exact 2-D-latent density against dblquad and Monte Carlo.

What is measured
----------------
For two fixed, seeded models ``x = f(z) + eps`` with a latent ``z`` in R^2,
``z ~ sum_j lambda_j N(mu_j, Sigma_j)`` (full covariances), ``eps ~ N(0, sigma^2 I_n)`` and
``f`` a ReLU network from R^2 to R^n (here n = 2):

(a) J = 2 components, a 2 -> 3 -> 2 ReLU net, sigma = 0.3;
(b) J = 3 components, a 2 -> 6 -> 6 -> 2 leaky-ReLU net (slope 0.1), sigma = 0.2;

the script prints the number of cells of ``f`` and of (cell, component) terms of each, and
times, on this machine and in this run only,

* **dblquad** (what a user would otherwise write): ``p(x) = sum over cells R_k of the
  dblquad over R_k of sum_j lambda_j N(z; mu_j, Sigma_j) N(x; A_k z + c_k, sigma^2 I)``, with
  :func:`scipy.integrate.dblquad`, ``epsabs=0``, ``epsrel=1e-10`` (``--epsrel``).  A bounded
  cell is integrated over its exact polygon (``model.polygons``, rounded once to float), split
  into x-slabs between consecutive vertices with the y-limits given by the two edges that bound
  each slab.  An unbounded cell is integrated over its intersection with the box
  ``prod_d [min_j (mu_jd - 12 sd_jd), max_j (mu_jd + 12 sd_jd)]`` (``sd_jd`` the standard
  deviation of component j along coordinate d): **this truncation is part of the baseline**;
  the prior mass outside the box is below ``1e-32`` of any component, which is what a user
  would do to give dblquad finite limits.  (That bounds the neglected part of p(x) by
  ``1e-32 (2 pi sigma^2)^(-n/2)``, which is not small *relative* to p(x) far in the tails:
  there only the comparison with the reference shows whether the posterior mass sits inside
  the box.)  Every cell is integrated at every point, as a user who does not know the closed
  form must;
* **Monte Carlo**: ``p(x) ~ (1/N) sum_i N(x; f(z_i), sigma^2 I)`` over ``N = 10^6`` latent
  samples ``z_i ~ prior``, in log space (log-sum-exp, NumPy, one thread); the samples and
  ``f(z_i)`` (``model.net``) are drawn once per model and reused for every point, so the time
  per point excludes them (the time including them, i.e. one fresh estimate, is printed too).
  Its relative standard error ``sqrt(sum w^2 / (sum w)^2 - 1/N)`` (``w`` the weights) is
  estimated from the same samples.  "At equal time": the number of samples Monte Carlo can
  afford in the engine's time per evaluation, and the standard error at that budget
  **extrapolated** as ``se(N) sqrt(N / N_equal)`` (the error of ``log p`` is about the
  relative error of p while that is small; beyond, Monte Carlo has no useful digit);
* **exactid.log_pdf** (numba engine) on a batch of 10^4 points drawn from the model after a
  warm-up call, with all numba threads and with one (best of 5, but no new repetition once
  20 s are spent), and the latency of a scalar call (a loop of single-point calls at the first
  sampled point; points under 256 use the serial kernel, so the thread count matters little);
  the first call (numba import + compile, or load from numba's on-disk cache) is reported
  separately;

and scores every method against the 50-digit mpmath reference
:func:`exactid.reference_2d.mp_log_pdf_2d_points` (``--dps``), an independent computation (exact
rational cells, exact quadratic forms, 1-D tanh-sinh integrals of positive integrands) on
~10 points drawn from the model plus tail points located at ``log p = -20, -60, -150`` along
fixed directions.  The error of a method at a point is ``|log p - ref|`` where ``ref >= -100``
and ``|log p - ref| / |ref|`` beyond (float64 cannot do better than relative there); the tables
give the maximum over the points.  dblquad is slow, so it runs on a subset: 4 sampled points and
the tail points (``--quick``: 2 sampled points), each timed once.

Finally, the size limit of a 1 ms evaluation: for random ReLU nets 2 -> H -> 2 and
2 -> H -> H -> 2 (H = 2, 3, 4, 6, 8, 12, ...), J = 2 and 3, sigma = 0.3, the cells, terms and
the latency of a single-point ``log_pdf`` call (one thread; per point the best of 3 calls, then
the median over 50 points drawn from the model), growing H until the latency exceeds 5 ms.
The largest net (by cells) with latency below 1 ms is reported.

Why the baseline is fair
------------------------
dblquad integrates exactly the integrand whose closed form the engine evaluates, on the same
cells, with the affine map of each cell in the integrand (no network evaluation, no kink inside
any integration region: the most favourable honest choice).  The integrand is scalar Python
with every constant (precisions, normalisations, the cell's map, the point) bound in advance
and the prior and noise exponents merged into one ``exp`` per component; dblquad offers no
vectorised integrand.  (A compiled integrand -- a ``LowLevelCallable`` -- would cut the cost of
each evaluation, not the number of evaluations, which is printed.)  The polygons, slabs and
box clipping are computed before any timing, as are the engine's per-term constants (computed
once per model and cached, as in any repeated use); everything else each method does per point
is charged to it.  dblquad's achieved accuracy is reported next to its time, with its own error
estimate and the number of IntegrationWarnings.  Monte Carlo gets its best case: the network is
evaluated once for all points, and at equal time it is given the engine's *slowest* time per
evaluation (a scalar call), not the batch time.

``--quick`` (under about 2 minutes): 4 sampled points and tail levels -20 and -150 for model (a)
and 2 sampled points and the level -150 for (b), dblquad on 2 sampled points, Monte Carlo with
10^5 samples whose time and error are **extrapolated** to 10^6 (time x 10, standard error
/ sqrt(10); the output says so; the measured errors are those of 10^5 samples), engine batches
of 10^3, best of 3, 20 latency points and H up to 16, and a 30-digit reference.

Timings are ratios measured in one run on a possibly noisy, shared machine: the fast methods
report the best of several repetitions (``time.perf_counter``); dblquad, which is slow, is
timed once per point and averaged.  Nothing is asserted and no result is hard-coded.

Usage::

    PYTHONPATH=. python scripts/bench_density_2d.py [--quick] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling 1-D benchmark
from bench_density import fmt_err, fmt_time  # noqa: E402  (the same table formats)

#: Half-width of the box that truncates unbounded cells for dblquad, in prior standard deviations.
BOX_SDS = 12.0
#: Beyond this |log p| the error is measured relative to |log p|.
ABS_BELOW = 100.0
#: Latency targets of the size sweep (seconds): the limit reported, and where growth stops.
LATENCY_TARGET = 1e-3
LATENCY_STOP = 5e-3
#: Hidden widths of the size sweep: doubling, with the midpoints in between (a factor ~1.5 per
#: step, so the 1 ms boundary is located to about one step).
SWEEP_H = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)


# ----------------------------------------------------------------------------- models
def build_model(seed: int, n_comp: int, widths, negative_slope: float, noise_std: float,
                n_out: int = 2) -> LatentModel:
    """A seeded model with latent dimension 2.

    Dirichlet(3) weights, means uniform in ``[-2.5, 2.5]^2``, covariances with a random rotation
    and standard deviations in ``[0.4, 1]``, He-scaled layers.  Each first-layer unit's kink line
    passes through a point of the prior's bulk (a component mean plus N(0, I) noise), so the
    cells cut through the mass and every term matters for the density somewhere.
    """
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(n_comp, 3.0))
    means = rng.uniform(-2.5, 2.5, (n_comp, 2))
    covs = np.empty((n_comp, 2, 2))
    for j in range(n_comp):
        rot, _ = np.linalg.qr(rng.standard_normal((2, 2)))
        sds = rng.uniform(0.4, 1.0, 2)
        covs[j] = rot @ np.diag(sds**2) @ rot.T
        covs[j] = 0.5 * (covs[j] + covs[j].T)
    dims = [2, *widths, n_out]
    ws, bs = [], []
    for i in range(len(dims) - 1):
        w = rng.standard_normal((dims[i + 1], dims[i])) * math.sqrt(2.0 / dims[i])
        if i == 0:
            through = means[rng.integers(n_comp, size=dims[1])] + rng.standard_normal((dims[1], 2))
            b = -np.einsum("ij,ij->i", w, through)
        else:
            b = rng.normal(0.0, 0.5, dims[i + 1])
        ws.append(w)
        bs.append(b)
    return LatentModel(GaussianMixture(weights, means, covs), ReluNet(ws, bs, negative_slope),
                       noise_std)


def n_terms(model: LatentModel) -> int:
    """Number of (cell, component) terms of the engine's sum (components of positive weight)."""
    return len(model.polygons) * int((model.prior.weights > 0).sum())


# ----------------------------------------------------------------------------- dblquad
def _clip(poly: list, normal: np.ndarray, offset: float) -> list:
    """The convex polygon ``poly`` (vertex list, counter-clockwise) cut to ``normal @ z <= offset``
    (Sutherland-Hodgman, one half-plane)."""
    out = []
    for i, p in enumerate(poly):
        q = poly[(i + 1) % len(poly)]
        fp, fq = normal @ p - offset, normal @ q - offset
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            out.append(p + (fp / (fp - fq)) * (q - p))
    return out


def _slabs(vertices: np.ndarray) -> list:
    """Split a convex polygon into x-slabs: ``(xa, xb, (slope, icpt) low, (slope, icpt) high)``.

    Between two consecutive vertex abscissae the lower and upper boundaries are single edges,
    hence lines; dblquad's y-limits are those lines, so no slab has a corner inside.
    """
    k = len(vertices)
    xs = np.unique(vertices[:, 0])
    scale = max(1.0, float(np.abs(vertices).max()))
    xs = xs[np.concatenate([[True], np.diff(xs) > 1e-12 * scale])]
    slabs = []
    for xa, xb in zip(xs[:-1], xs[1:]):
        xm = 0.5 * (xa + xb)
        lines = []
        for i in range(k):
            (px, py), (qx, qy) = vertices[i], vertices[(i + 1) % k]
            if min(px, qx) < xm < max(px, qx):
                slope = (qy - py) / (qx - px)
                icpt = py - slope * px
                lines.append((slope * xm + icpt, slope, icpt))
        if len(lines) >= 2:
            lo, hi = min(lines), max(lines)
            slabs.append((float(xa), float(xb), lo[1:], hi[1:]))
    return slabs


def dblquad_regions(model: LatentModel) -> list:
    """Per cell: ``(A, c, slabs)``, unbounded cells clipped to the prior box (see docstring)."""
    prior = model.prior
    keep = prior.weights > 0
    sds = np.sqrt(np.diagonal(prior.covs[keep], axis1=1, axis2=2))
    lo = (prior.means[keep] - BOX_SDS * sds).min(axis=0)
    hi = (prior.means[keep] + BOX_SDS * sds).max(axis=0)
    box = [np.array([lo[0], lo[1]]), np.array([hi[0], lo[1]]), np.array([hi[0], hi[1]]),
           np.array([lo[0], hi[1]])]
    regions = []
    for cell in model.polygons:
        normals, offsets, vertices = cell.polygon.arrays()
        if cell.polygon.bounded:
            poly = list(vertices)
        else:
            poly = box
            for a, b in zip(normals, offsets):
                poly = _clip(poly, a, b)
                if len(poly) < 3:
                    break
        if len(poly) < 3:
            continue  # the cell misses the box: nothing to integrate
        matrix, offset = cell.map_arrays()
        regions.append((matrix, offset, _slabs(np.array(poly))))
    return regions


def make_dblquad_pdf(model: LatentModel, epsrel: float):
    """p(x) by dblquad over every cell (see the module docstring); returns the function and the
    number of dblquad calls per evaluation."""
    from scipy.integrate import IntegrationWarning, dblquad

    prior = model.prior
    comps = []
    for w, mu, cov in zip(prior.weights, prior.means, prior.covs):
        if w > 0:
            prec = np.linalg.inv(cov)
            coef = w / (2.0 * math.pi * math.sqrt(np.linalg.det(cov)))
            comps.append((float(coef), float(mu[0]), float(mu[1]), float(prec[0, 0]),
                          float(prec[0, 1] + prec[1, 0]), float(prec[1, 1])))
    comps = tuple(comps)
    n = model.observed_dim
    sigma2 = model.noise_std**2
    half_inv = 0.5 / sigma2
    norm = (2.0 * math.pi * sigma2) ** (-0.5 * n)
    regions = dblquad_regions(model)
    n_calls = sum(len(slabs) for _, _, slabs in regions)
    exp = math.exp

    def integrand_for(matrix, offset, x):
        # One closure per (cell, point): the residual x - c and the rows of A are bound once.
        rows = tuple((float(a1), float(a2), float(xi - ci))
                     for (a1, a2), xi, ci in zip(matrix, x, offset))

        def integrand(z2, z1, rows=rows, comps=comps, half_inv=half_inv, exp=exp):
            s = 0.0
            for a1, a2, r in rows:
                e = r - a1 * z1 - a2 * z2
                s += e * e
            s *= half_inv
            total = 0.0
            for coef, m1, m2, p11, p12, p22 in comps:
                d1 = z1 - m1
                d2 = z2 - m2
                total += coef * exp(-0.5 * (p11 * d1 * d1 + p12 * d1 * d2 + p22 * d2 * d2) - s)
            return total

        return integrand

    def dblquad_pdf(x, count: bool = False):
        """Return (p, summed abserr, IntegrationWarnings, integrand evaluations or None)."""
        total = err = 0.0
        evals = [0]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", IntegrationWarning)
            for matrix, offset, slabs in regions:
                func = integrand_for(matrix, offset, x)
                if count:
                    inner = func

                    def func(z2, z1, inner=inner):
                        evals[0] += 1
                        return inner(z2, z1)

                for xa, xb, (s_lo, i_lo), (s_hi, i_hi) in slabs:
                    val, abserr = dblquad(func, xa, xb,
                                          lambda t, s=s_lo, i=i_lo: s * t + i,
                                          lambda t, s=s_hi, i=i_hi: s * t + i,
                                          epsabs=0.0, epsrel=epsrel)
                    total += val
                    err += abserr
            n_warn = sum(issubclass(c.category, IntegrationWarning) for c in caught)
        return total * norm, err * norm, n_warn, (evals[0] if count else None)

    return dblquad_pdf, n_calls, len(regions)


# ----------------------------------------------------------------------------- Monte Carlo
class MonteCarlo:
    """p(x) ~ mean of N(x; f(z_i), sigma^2 I) over fixed latent samples, in log space."""

    def __init__(self, model: LatentModel, n_samples: int, seed: int):
        t0 = time.perf_counter()
        z = model.prior.sample(n_samples, seed)
        self.fz = np.ascontiguousarray(model.net(z))
        self.setup_time = time.perf_counter() - t0
        self.n = n_samples
        sigma2 = model.noise_std**2
        self.scale = -0.5 / sigma2
        self.log_norm = -0.5 * model.observed_dim * math.log(2.0 * math.pi * sigma2) \
            - math.log(n_samples)

    def _log_weights(self, x):
        d = self.fz - x
        return np.einsum("ij,ij->i", d, d) * self.scale

    def log_pdf(self, x) -> float:
        """The estimate of log p(x) (what is timed)."""
        lw = self._log_weights(x)
        top = lw.max()
        return float(top + math.log(np.exp(lw - top).sum()) + self.log_norm)

    def rel_se(self, x) -> float:
        """Estimated relative standard error of the estimate of p(x) (not timed)."""
        lw = self._log_weights(x)
        w = np.exp(lw - lw.max())
        s1 = w.sum()
        return math.sqrt(max(float((w * w).sum()) / (s1 * s1) - 1.0 / self.n, 0.0))


# ----------------------------------------------------------------------------- helpers
def best_time(fn, repeats: int, budget: float = math.inf) -> float:
    """Best of ``repeats`` runs of ``fn``, but no new run once ``budget`` seconds are spent
    (after at least two runs): a slow batch is not repeated for minutes."""
    best = math.inf
    spent = 0.0
    for k in range(repeats):
        if k >= 2 and spent > budget:
            break
        t0 = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t0
        best = min(best, elapsed)
        spent += elapsed
    return best


def tail_point(model: LatentModel, start: np.ndarray, direction: np.ndarray, level: float,
               step: float):
    """A point ``start + t direction`` (t > 0) where the engine's log p crosses ``level``:
    doubling steps outward, then bisection (the reference is evaluated there afterwards)."""
    def lp(t):
        return float(log_pdf(model, start + t * direction)[0])

    inside = 0.0
    for k in range(200):
        outside = step * 2.0**k
        if lp(outside) < level:
            break
        inside = outside
    else:  # pragma: no cover - the density of a Gaussian-noise model always decays
        return None
    for _ in range(60):
        mid = 0.5 * (inside + outside)
        if lp(mid) < level:
            outside = mid
        else:
            inside = mid
    return start + 0.5 * (inside + outside) * direction


def eval_points(model: LatentModel, n_sampled: int, levels, seed: int):
    """``n_sampled`` points drawn from the model, then one tail point per level (each along its
    own direction, 2 pi / len(levels) apart from a random start angle, so different cells are
    probed).  Returns the points (N, n) and the tail levels (NaN for sampled points)."""
    x, _ = model.sample(n_sampled, seed=seed)
    bulk, _ = model.sample(20000, seed=seed + 1)
    centre = np.median(bulk, axis=0)
    spread = float(np.mean(np.std(bulk, axis=0)))
    rng = np.random.default_rng(seed + 2)
    angle0 = rng.uniform(0.0, 2.0 * math.pi)
    n = model.observed_dim
    tails, tail_levels = [], []
    for k, level in enumerate(levels):
        if n == 2:
            angle = angle0 + 2.0 * math.pi * k / len(levels)
            direction = np.array([math.cos(angle), math.sin(angle)])
        else:
            direction = rng.standard_normal(n)
            direction /= np.linalg.norm(direction)
        t = tail_point(model, centre, direction, level, 0.25 * spread)
        if t is not None:
            tails.append(t)
            tail_levels.append(level)
    pts = np.concatenate([x, np.array(tails).reshape(-1, n)])
    return np.ascontiguousarray(pts), np.concatenate([np.full(n_sampled, np.nan), tail_levels])


def load_reference():
    """The mpmath reference, or None with a message if it cannot be imported."""
    try:
        import mpmath  # noqa: F401
    except ImportError:
        print("NOTE: mpmath is not installed -- accuracy vs the 50-digit reference is skipped "
              "(pip install mpmath to enable it).")
        return None
    from exactid.reference_2d import mp_log_pdf_2d_points

    return mp_log_pdf_2d_points


def point_errors(values, ref) -> np.ndarray:
    """|log p - ref| where ref >= -ABS_BELOW, relative to |ref| beyond; inf where not finite."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        d = np.abs(values - ref)
        d = np.where(ref >= -ABS_BELOW, d, d / np.abs(ref))
    d[~np.isfinite(d)] = np.inf
    return d


def max_or_none(errs):
    return None if errs is None or len(errs) == 0 else float(np.max(errs))


# ----------------------------------------------------------------------------- benchmark
def bench_model(name, model, mcfg, cfg, reference, n_threads_all) -> dict:
    """Run every method on ``model``; print its tables; return the numbers of the summary."""
    import numba

    t0 = time.perf_counter()
    polygons = model.polygons
    t_cells = time.perf_counter() - t0
    n_bounded = sum(c.polygon.bounded for c in polygons)
    print(f"\n=== model {name}: {model.net!r}, J = {model.prior.n_components}, "
          f"sigma = {model.noise_std:g}, n = {model.observed_dim}")
    print(f"    cells of f: {len(polygons)} ({n_bounded} bounded, "
          f"{len(polygons) - n_bounded} unbounded; exact enumeration {fmt_time(t_cells)}); "
          f"(cell, component) terms: {n_terms(model)}")

    pts, levels = eval_points(model, mcfg.n_sampled, mcfg.levels, cfg.seed + 10)
    n_pts = len(pts)
    n_samp = mcfg.n_sampled
    print(f"    evaluation points: {n_pts} ({n_samp} sampled + {n_pts - n_samp} tail points at "
          f"log p = {', '.join(f'{lv:g}' for lv in mcfg.levels)})")

    ref = None
    if reference is not None:
        t0 = time.perf_counter()
        ref = reference(model, pts, dps=cfg.dps)
        print(f"    mpmath {cfg.dps}-digit reference: {fmt_time(time.perf_counter() - t0)} for "
              f"{n_pts} points; log p in [{ref.min():.4g}, {ref.max():.4g}]")

    # --- engine (first: its values also check the tail search) -----------------------------
    batch, _ = model.sample(cfg.batch, seed=cfg.seed + 20)
    batch = np.ascontiguousarray(batch)
    log_pdf(model, batch[:1000])  # warm-up: caches the per-term constants of the model
    engine_vals = log_pdf(model, pts)
    engine_err = None if ref is None else point_errors(engine_vals, ref)
    rows = []  # (label, seconds per evaluation, max error)
    engine_batch = {}
    for n_thr in sorted({n_threads_all, 1}, reverse=True):
        numba.set_num_threads(n_thr)
        sec = best_time(lambda: log_pdf(model, batch), cfg.repeats, cfg.batch_budget)
        engine_batch[n_thr] = sec / cfg.batch
        rows.append((f"log_pdf batch 1e{round(math.log10(cfg.batch))}, {n_thr} thread"
                     + ("s" if n_thr > 1 else ""), sec / cfg.batch, max_or_none(engine_err)))
    x0 = pts[0]
    n_loop = cfg.scalar_loop

    def scalar_loop():
        for _ in range(n_loop):
            log_pdf(model, x0)

    engine_scalar = {}
    for n_thr in sorted({n_threads_all, 1}, reverse=True):
        numba.set_num_threads(n_thr)
        sec = best_time(scalar_loop, cfg.repeats) / n_loop
        engine_scalar[n_thr] = sec
        rows.append((f"log_pdf scalar call, {n_thr} thread" + ("s" if n_thr > 1 else ""), sec,
                     max_or_none(engine_err)))
    numba.set_num_threads(n_threads_all)
    t_engine_batch1 = engine_batch[1]
    t_engine_scalar = max(engine_scalar.values())  # the slowest: Monte Carlo's best case

    # --- dblquad ----------------------------------------------------------------------------
    dq_pdf, n_calls, n_regions = make_dblquad_pdf(model, cfg.epsrel)
    dq_idx = list(range(min(cfg.dblquad_sampled, n_samp)))
    if cfg.dblquad_tails:
        dq_idx += list(range(n_samp, n_pts))
    dq_vals = np.full(n_pts, np.nan)
    dq_est = np.full(n_pts, np.nan)
    dq_times = []
    dq_warn = 0
    for i in dq_idx:
        t0 = time.perf_counter()
        p, est, nw, _ = dq_pdf(pts[i])
        dq_times.append(time.perf_counter() - t0)
        with np.errstate(divide="ignore"):
            dq_vals[i] = math.log(p) if p > 0 else -math.inf
        dq_est[i] = est / p if p > 0 else math.inf
        dq_warn += nw
    t_dq = float(np.mean(dq_times))
    # The number of integrand evaluations, counted in an extra untimed run at one point.
    evals = dq_pdf(pts[dq_idx[0]], count=True)[3]
    dq_err = None if ref is None else point_errors(dq_vals[dq_idx], ref[dq_idx])
    near = [k for k, i in enumerate(dq_idx) if i < n_samp]
    dq_err_near = None if dq_err is None else max_or_none(dq_err[near])
    print(f"    dblquad: {n_calls} dblquad calls (x-slabs) over {n_regions} cells per "
          f"evaluation, epsabs=0, epsrel={cfg.epsrel:g}; {evals} integrand evaluations at the "
          f"first point; on {len(dq_idx)} points mean {fmt_time(t_dq)}/evaluation (min "
          f"{fmt_time(min(dq_times))}, max {fmt_time(max(dq_times))})")
    print(f"          own max relative error estimate {np.nanmax(dq_est):.1e}; "
          f"IntegrationWarnings: {dq_warn} over {len(dq_idx) * n_calls} dblquad calls")
    rows.insert(0, ("scipy dblquad over the cells", t_dq, max_or_none(dq_err)))

    # --- Monte Carlo --------------------------------------------------------------------------
    mc = MonteCarlo(model, cfg.mc_samples, cfg.seed + 30)
    sec = best_time(lambda: [mc.log_pdf(x) for x in pts], cfg.repeats) / n_pts
    mc_vals = np.array([mc.log_pdf(x) for x in pts])
    mc_se = np.array([mc.rel_se(x) for x in pts])
    mc_err = None if ref is None else point_errors(mc_vals, ref)
    extrap = cfg.mc_samples != cfg.mc_target
    factor = cfg.mc_target / cfg.mc_samples
    t_mc = sec * factor                         # the cost is linear in the number of samples
    t_mc_setup = mc.setup_time * factor
    se_target = mc_se / math.sqrt(factor)
    # Equal time: the samples affordable in the engine's (scalar, slowest) time per evaluation.
    n_equal = cfg.mc_target * t_engine_scalar / t_mc
    se_equal = se_target * math.sqrt(cfg.mc_target / n_equal)
    n_equal_b = cfg.mc_target * t_engine_batch1 / t_mc
    se_equal_b = se_target * math.sqrt(cfg.mc_target / n_equal_b)
    tag = f"1e{round(math.log10(cfg.mc_target))}"
    how = (f" (EXTRAPOLATED from 1e{round(math.log10(cfg.mc_samples))} samples: time x "
           f"{factor:g}, standard error / {math.sqrt(factor):.3g})" if extrap else "")
    print(f"    Monte Carlo, {tag} latent samples{how}: {fmt_time(t_mc)}/evaluation excluding "
          f"the sampling and f(z_i) ({fmt_time(t_mc_setup)} once per model; one fresh "
          f"estimate: {fmt_time(t_mc + t_mc_setup)})")
    mc_label = f"Monte Carlo {tag} samples" + (" (measured at 1e"
                                                f"{round(math.log10(cfg.mc_samples))})"
                                                if extrap else "")
    rows.append((mc_label, t_mc, max_or_none(mc_err)))

    # --- per-point table ---------------------------------------------------------------------
    print()
    print(f"    {'point':>5} {'kind':>9} {'ref log p':>12} {'engine err':>11} {'dblquad err':>12} "
          f"{'dq rel.est':>10} {'MC err':>9} {'MC rel.se':>9}")
    for i in range(n_pts):
        kind = "sampled" if i < n_samp else f"tail{levels[i]:g}"
        r = f"{ref[i]:.6g}" if ref is not None else "n/a"
        e_eng = fmt_err(None if engine_err is None else engine_err[i])
        if i in dq_idx and dq_err is not None:
            e_dq, e_est = fmt_err(dq_err[dq_idx.index(i)]), f"{dq_est[i]:.1e}"
        else:
            e_dq, e_est = "-", "-"
        e_mc = fmt_err(None if mc_err is None else mc_err[i])
        print(f"    {i:>5} {kind:>9} {r:>12} {e_eng:>11} {e_dq:>12} {e_est:>10} {e_mc:>9} "
              f"{mc_se[i]:>9.1e}")
    print(f"    (errors: absolute in log p where ref >= -{ABS_BELOW:g}, relative beyond; MC err "
          f"and rel.se measured with 1e{round(math.log10(cfg.mc_samples))} samples)")
    if ref is not None and dq_err is not None:
        for k, i in enumerate(dq_idx):
            if not dq_err[k] <= 1e-6:
                where = np.array2string(pts[i], precision=4)
                print(f"    dblquad WRONG at point {i} (x = {where}): "
                      f"log p = {ref[i]:.6g}, dblquad gives {dq_vals[i]:.6g} (own relative error "
                      f"estimate {dq_est[i]:.1e})")

    # --- method table --------------------------------------------------------------------------
    print()
    print(f"    {'method':<44} {'time/eval':>10} {'dblquad/method':>15} {'max err':>9}")
    print(f"    {'-' * 44} {'-' * 10} {'-' * 15} {'-' * 9}")
    for label, s, err in rows:
        print(f"    {label:<44} {fmt_time(s):>10} {t_dq / s:>14.3g}x {fmt_err(err):>9}")
    print("    (engine and Monte Carlo errors: max over all evaluation points; dblquad: over the "
          f"{len(dq_idx)} points it ran on)")

    near_se = se_target[:n_samp]
    print()
    print(f"    Monte Carlo at equal time (EXTRAPOLATED from the measured {tag}-sample standard "
          "error as se * sqrt(N / N_equal)):")
    for label, n_eq, se_eq in (("engine scalar call", n_equal, se_equal),
                               ("engine batch, 1 thread", n_equal_b, se_equal_b)):
        print(f"      in the time of one {label} ({fmt_time(n_eq * t_mc / cfg.mc_target)}): "
              f"{n_eq:.3g} samples; expected |log p err| ~ median {np.median(se_eq[:n_samp]):.1e}"
              f", max {np.max(se_eq[:n_samp]):.1e} on the sampled points"
              + (f", max {np.max(se_eq[n_samp:]):.1e} on the tail points (rel.se, beyond "
                 "1 there is no useful digit)" if n_pts > n_samp else ""))
    print(f"      (with all {tag} samples: median {np.median(near_se):.1e}, max "
          f"{np.max(near_se):.1e} on the sampled points)")

    ratio_batch = t_dq / t_engine_batch1
    ratio_scalar = t_dq / t_engine_scalar
    return dict(name=name, ratio_batch=ratio_batch, ratio_scalar=ratio_scalar,
                err_engine=max_or_none(engine_err),
                err_engine_dq=(None if engine_err is None else
                               float(np.max(engine_err[dq_idx]))),
                err_dq=max_or_none(dq_err), err_dq_near=dq_err_near, n_dq=len(dq_idx),
                mc_equal_med=float(np.median(se_equal[:n_samp])),
                mc_equal_max=float(np.max(se_equal[:n_samp])), n_equal=n_equal,
                err_mc=max_or_none(mc_err), err_mc_near=max_or_none(
                    None if mc_err is None else mc_err[:n_samp]), mc_tag=tag, extrap=extrap)


# ----------------------------------------------------------------------------- size sweep
def latency(model: LatentModel, n_points: int, seed: int) -> float:
    """Median over ``n_points`` sampled points of the best of 3 single-point log_pdf calls."""
    x, _ = model.sample(n_points, seed=seed)
    log_pdf(model, x[0])  # warm-up: the per-term constants
    times = []
    for xi in x:
        best = math.inf
        for _ in range(3):
            t0 = time.perf_counter()
            log_pdf(model, xi)
            best = min(best, time.perf_counter() - t0)
        times.append(best)
    return float(np.median(times))


def size_sweep(cfg) -> list:
    """Latency vs net size (see the module docstring); prints the table, returns the rows."""
    import numba

    from exactid.regions import polygons_2d

    numba.set_num_threads(1)
    print("\n=== largest net with a single-point evaluation under 1 ms (1 thread; median over "
          f"{cfg.sweep_points} sampled points of the best of 3 calls; sigma = 0.3, ReLU)")
    print(f"    {'net':<16} {'cells':>6} {'J':>2} {'terms':>6} {'enumeration':>12} "
          f"{'latency':>9} {'per term':>9}")
    results = []
    for arch, widths_of in (("2-H-2", lambda h: [h]), ("2-H-H-2", lambda h: [h, h])):
        stopped = set()
        for h in SWEEP_H:
            if h > cfg.sweep_max_h or len(stopped) == 2:
                break
            widths = widths_of(h)
            label = "2-" + "-".join(str(w) for w in widths) + "-2"
            # One seeded J = 3 model per size; J = 2 keeps its first two components (weights
            # renormalised), so both see the same net and the same prior bulk.
            net_model = build_model(cfg.seed + 100 + h, 3, widths, 0.0, 0.3)
            t0 = time.perf_counter()
            try:
                polys = polygons_2d(net_model.net)
            except (ValueError, NotImplementedError) as exc:  # e.g. the MAX_CELLS limit
                print(f"    {label:<16} cell enumeration refused: {exc}")
                break
            t_enum = time.perf_counter() - t0
            for n_comp in (2, 3):
                if n_comp in stopped:
                    continue
                full = net_model.prior
                w = full.weights[:n_comp] / full.weights[:n_comp].sum()
                prior = GaussianMixture(w, full.means[:n_comp], full.covs[:n_comp])
                model = LatentModel(prior, net_model.net, 0.3)
                # Same net for both J: reuse its cells (the enumeration is timed once above).
                model.derived("polygons", lambda _m, polys=polys: polys)
                lat = latency(model, cfg.sweep_points, cfg.seed + 300 + h)
                terms = n_terms(model)
                print(f"    {label:<16} {len(polys):>6} {n_comp:>2} {terms:>6} "
                      f"{fmt_time(t_enum):>12} {fmt_time(lat):>9} {fmt_time(lat / terms):>9}",
                      flush=True)
                results.append(dict(arch=arch, net=label, cells=len(polys), J=n_comp,
                                    terms=terms, latency=lat))
                if lat > LATENCY_STOP:
                    stopped.add(n_comp)
    import numba as _nb

    _nb.set_num_threads(_nb.config.NUMBA_NUM_THREADS)
    for arch in ("2-H-2", "2-H-H-2"):
        for n_comp in (2, 3):
            fam = [r for r in results if r["arch"] == arch and r["J"] == n_comp]
            under = [r for r in fam if r["latency"] < LATENCY_TARGET]
            if not under:
                print(f"    {arch}, J = {n_comp}: no net of the sweep under 1 ms")
                continue
            best = max(under, key=lambda r: r["cells"])
            # The latency depends on how many terms the kernel's bound lets it skip, so it is
            # not monotone in the size: say where it first exceeds 1 ms too.
            first_over = next((r for r in fam if r["latency"] >= LATENCY_TARGET), None)
            print(f"    {arch}, J = {n_comp}: largest net under 1 ms: {best['net']} with "
                  f"{best['cells']} cells ({best['terms']} terms), {fmt_time(best['latency'])}"
                  + ("" if first_over is None else
                     f"; first over 1 ms: {first_over['net']} ({first_over['cells']} cells, "
                     f"{fmt_time(first_over['latency'])})"))
    return results


# ----------------------------------------------------------------------------- main
def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="fewer points, smaller Monte Carlo (extrapolated), 30-digit reference "
                         "(about 2 minutes)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the models and points")
    ap.add_argument("--epsrel", type=float, default=1e-10, help="relative tolerance of dblquad")
    ap.add_argument("--dps", type=int, default=None,
                    help="digits of the mpmath reference (default 50, --quick 30)")
    args = ap.parse_args(argv)
    if not 50 * np.finfo(float).eps <= args.epsrel < 1:
        ap.error(f"--epsrel: quad with epsabs=0 needs 50*eps = {50 * np.finfo(float).eps:.2e} "
                 f"<= epsrel < 1, found {args.epsrel:g}")
    if args.dps is not None and args.dps < 20:
        ap.error("--dps: the reference needs at least 20 digits to score float64 results")

    quick = args.quick
    cfg = argparse.Namespace(
        seed=args.seed,
        epsrel=args.epsrel,
        dps=args.dps or (30 if quick else 50),
        batch=10**3 if quick else 10**4,
        batch_budget=20.0,
        scalar_loop=200 if quick else 1000,
        repeats=3 if quick else 5,
        dblquad_sampled=2 if quick else 4,
        dblquad_tails=not quick,
        mc_samples=10**5 if quick else 10**6,
        mc_target=10**6,
        sweep_points=20 if quick else 50,
        sweep_max_h=16 if quick else 1024,
    )
    models = [
        ("(a) 2-3-2 ReLU", (args.seed, 2, [3], 0.0, 0.3),
         argparse.Namespace(n_sampled=4 if quick else 10,
                            levels=(-20.0, -150.0) if quick else (-20.0, -60.0, -150.0))),
        ("(b) 2-6-6-2 leaky", (args.seed + 1, 3, [6, 6], 0.1, 0.2),
         argparse.Namespace(n_sampled=2 if quick else 10,
                            levels=(-150.0,) if quick else (-20.0, -60.0, -150.0))),
    ]
    t_start = time.perf_counter()

    # Importing numba and the kernels module is part of the first-use cost: time it.
    t0 = time.perf_counter()
    import numba

    from exactid.density import cell_kernels as _kernels

    t_import = time.perf_counter() - t0
    import scipy

    n_threads_all = numba.config.NUMBA_NUM_THREADS
    print("exactid 2-D-latent density benchmark" + (" (--quick)" if quick else ""))
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"numba {numba.__version__}; {os.cpu_count()} cores, numba threads = {n_threads_all}; "
          f"seed {args.seed}")

    built = [(name, build_model(*spec), mcfg) for name, spec, mcfg in models]
    model_a = built[0][1]
    model_a.polygons  # noqa: B018 - the cells are per-model setup, not part of the first call
    # First call: compiles the kernel (or loads it from numba's on-disk cache).
    t0 = time.perf_counter()
    log_pdf(model_a, np.zeros((4, model_a.observed_dim)))
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    log_pdf(model_a, np.zeros((4, model_a.observed_dim)))
    t_second = time.perf_counter() - t0
    hits = sum(sum(k.stats.cache_hits.values())
               for k in (_kernels.log_pdf_cells, _kernels.log_pdf_cells_serial))
    source = "loaded from numba's on-disk cache" if hits else "compiled"
    print(f"first use: import of numba + kernels {fmt_time(t_import)}, first log_pdf call "
          f"{fmt_time(t_first)} (kernel {source}; includes the model's per-term constants), "
          f"second call {fmt_time(t_second)}")

    reference = load_reference()
    summaries = [bench_model(name, model, mcfg, cfg, reference, n_threads_all)
                 for name, model, mcfg in built]
    sweep = size_sweep(cfg)

    print(f"\nnumba threading layer: {numba.threading_layer()}")
    print("\nsummary (ratios and errors measured in this run)")
    for s in summaries:
        print(f"  {s['name']}: engine vs dblquad: {s['ratio_batch']:.1e}x faster per evaluation "
              f"(batch, 1 thread; {s['ratio_scalar']:.1e}x for a scalar call); max error "
              f"engine {fmt_err(s['err_engine_dq'])} vs dblquad {fmt_err(s['err_dq'])} on the "
              f"{s['n_dq']} dblquad points (dblquad on the sampled ones: "
              f"{fmt_err(s['err_dq_near'])})")
        print(f"  {s['name']}: engine vs Monte Carlo at equal time (~{s['n_equal']:.3g} samples, "
              f"extrapolated): engine max error {fmt_err(s['err_engine'])} vs MC expected "
              f"{s['mc_equal_med']:.1e} (median; max {s['mc_equal_max']:.1e}) on the sampled "
              f"points; MC with {s['mc_tag']} samples: max error {fmt_err(s['err_mc_near'])} "
              f"sampled, {fmt_err(s['err_mc'])} all points"
              + (" (measured with fewer samples)" if s["extrap"] else ""))
    for n_comp in (2, 3):
        under = [r for r in sweep if r["J"] == n_comp and r["latency"] < LATENCY_TARGET]
        if under:
            best = max(under, key=lambda r: r["cells"])
            print(f"  largest net with a density evaluation under 1 ms (J = {n_comp}, 1 thread, "
                  f"median over points): {best['net']}, {best['cells']} cells, "
                  f"{best['terms']} terms, {fmt_time(best['latency'])}")
    print(f"total runtime {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    from exactid.cli.run import run_command

    # Ctrl-C, SIGTERM and errors end the script with one line and the documented exit code.
    sys.exit(run_command("scripts/bench_density_2d.py", "", lambda _: main() or 0, None))
