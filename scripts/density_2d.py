"""The exact density of a two-dimensional latent model: identities and the figure.

Checks, each printed with its measured value and bound (exit code 1 if one fails):

1. separable model: f(z1, z2) = (g1(z1), g2(z2)) with a product prior has the density
   p1(x1) p2(x2); the 2-D engine against the product of two 1-D engine densities, near the data
   and 40 noise standard deviations out (log p down to about -1000);
2. Remark 3.7: (h#P, f o h^-1) for an affine h has the same density as (P, f);
3. the density integrates to 1: composite Gauss-Legendre cubature (16 points on panels of 5
   noise standard deviations per axis) over a box whose
   complement has probability below a stated bound (Gaussian tails in z, the box of f(z) by
   interval arithmetic through the net, Gaussian tails of the noise);
4. noise 0 with an invertible leaky net: the change of variables computed independently (the
   net inverted layer by layer) and no singular part;
5. the engine against the 50-digit reference (exactid.reference_2d), near and in the tails.

Then ``density_2d.png``: the exact density of a 3-component model through a 2 -> 4 -> 2 ReLU
net, as a colour map, next to samples.

Usage: python scripts/density_2d.py [--out-dir DIR]   (default: figures/)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from scipy.special import ndtri

from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf, singular_part
from exactid.identifiability import affine_reparametrize

ROOT = Path(__file__).resolve().parent.parent
FIGURE = "density_2d.png"
#: Bound of every identity check (absolute in log p where log p >= -100, relative beyond).
TOL = 1e-12


def figure_model(noise_std: float = 0.15) -> LatentModel:
    """Three components with full covariances through a 2 -> 4 -> 2 ReLU net."""
    prior = GaussianMixture(
        [0.3, 0.45, 0.25],
        [[-1.5, 0.5], [1.0, 1.0], [0.5, -1.5]],
        [[[0.5, 0.2], [0.2, 0.3]], [[0.4, -0.15], [-0.15, 0.35]], [[0.25, 0.0], [0.0, 0.6]]])
    net = ReluNet([[[1.0, 0.5], [-1.0, 1.0], [0.5, -1.0], [-0.5, -0.5]],
                   [[1.0, -0.5, 0.75, 0.0], [0.25, 1.0, -0.5, 1.0]]],
                  [[0.0, 0.5, -0.25, 0.0], [0.0, 0.0]])
    return LatentModel(prior, net, noise_std)


def error_metric(value: np.ndarray, reference: np.ndarray) -> float:
    """max of |error| where reference >= -100 and |error| / |reference| below."""
    err = np.abs(value - reference)
    scale = np.where(reference >= -100, 1.0, np.abs(reference))
    return float((err / scale).max())


def separable_check() -> float:
    g1 = ReluNet([[[1.0], [-1.0]], [[1.0, -0.5]]], [[0.0, -1.0], [0.25]])
    g2 = ReluNet([[[1.0], [-2.0]], [[1.0, 1.0]]], [[0.5, 0.0], [-0.5]])
    mu, sd, sigma = (0.25, -0.5), (0.75, 1.25), 0.25
    w1 = np.zeros((4, 2))
    w1[:2, :1], w1[2:, 1:] = g1.weights[0], g2.weights[0]
    w2 = np.zeros((2, 4))
    w2[:1, :2], w2[1:, 2:] = g1.weights[1], g2.weights[1]
    net = ReluNet([w1, w2], [np.concatenate([g1.biases[0], g2.biases[0]]),
                             np.concatenate([g1.biases[1], g2.biases[1]])])
    model = LatentModel(GaussianMixture([1.0], [mu], [np.diag(np.square(sd))]), net, sigma)
    ones = [LatentModel(GaussianMixture([1.0], [[m]], [[[s * s]]]), g, sigma)
            for m, s, g in zip(mu, sd, (g1, g2))]
    rng = np.random.default_rng(1)
    x = np.concatenate([model.sample(40, rng)[0],
                        rng.normal(size=(10, 2)) * 40 * sigma + 1.0])  # 40 sd out
    product = log_pdf(ones[0], x[:, 0]) + log_pdf(ones[1], x[:, 1])
    return error_metric(log_pdf(model, x), product)


def remark_37_check(model: LatentModel) -> float:
    moved = affine_reparametrize(model, [[2.0, 1.0], [0.0, 1.0]], [0.5, -0.25])
    rng = np.random.default_rng(2)
    x = np.concatenate([model.sample(40, rng)[0], rng.normal(size=(10, 2)) * 8.0])
    return error_metric(log_pdf(moved, x), log_pdf(model, x))


def _image_box(net: ReluNet, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A box holding f([a, b]) (interval arithmetic, layer by layer)."""
    for i, (w, c) in enumerate(zip(net.weights, net.biases)):
        centre, radius = w @ ((a + b) / 2) + c, np.abs(w) @ ((b - a) / 2)
        a, b = centre - radius, centre + radius
        if i < net.n_layers - 1:
            a, b = net.activation(a), net.activation(b)
    return a, b


def output_box(model: LatentModel, tail: float, splits: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """A box holding x with probability >= 1 - tail: each component's z in its box of
    ``k`` standard deviations per coordinate (2 Phi(-k) each, a union bound over the m latent
    and n noise coordinates), f of that box bounded by interval arithmetic on ``splits``
    sub-boxes per axis (m = 2), widened by ``k`` noise standard deviations."""
    prior = model.prior
    m, n = model.latent_dim, model.observed_dim
    k = -ndtri(tail / (2.0 * (m + n)))
    lo, hi = np.full(n, np.inf), np.full(n, -np.inf)
    steps = np.linspace(-1.0, 1.0, splits + 1)
    for mu, cov in zip(prior.means, prior.covs):
        half = k * np.sqrt(np.diag(cov))
        for i in range(splits):
            for j in range(splits):
                a = mu + half * np.array([steps[i], steps[j]])
                b = mu + half * np.array([steps[i + 1], steps[j + 1]])
                fa, fb = _image_box(model.net, a, b)
                lo, hi = np.minimum(lo, fa), np.maximum(hi, fb)
    margin = k * model.noise_std
    return lo - margin, hi + margin


def normalisation_check(model: LatentModel, tail: float = 1e-14) -> tuple[float, float]:
    """(|integral - 1|, the bound it must meet: TOL plus the neglected mass)."""
    lo, hi = output_box(model, tail)
    # 16-point Gauss-Legendre on panels of 5 noise sd: the density is analytic (sigma > 0)
    # with features no narrower than sigma; 3 sd / 12 points and 6 sd / 20 points agree with
    # this rule to 1 ulp on the figure's model (noise sd 0.4).
    nodes, weights = np.polynomial.legendre.leggauss(16)
    axes = []
    for a, b in zip(lo, hi):
        panels = max(1, math.ceil((b - a) / (5.0 * model.noise_std)))
        edges = np.linspace(a, b, panels + 1)
        half = np.diff(edges)[:, None] / 2
        axes.append(((edges[:-1, None] + half * (nodes + 1)).ravel(),
                     (half * weights).ravel()))
    (x1, w1), (x2, w2) = axes
    grid = np.stack(np.meshgrid(x1, x2, indexing="ij"), axis=-1).reshape(-1, 2)
    density = np.exp(log_pdf(model, grid)).reshape(x1.size, x2.size)
    return abs(float(w1 @ density @ w2) - 1.0), TOL + tail


def leaky_inverse_log_pdf(model: LatentModel, x: np.ndarray) -> np.ndarray:
    """log density of f#P for an invertible net of square layers, by inverting it layer by
    layer (no cells): z = f^-1(x), log p = log p_Z(z) - log |det Df(z)|."""
    net, slope = model.net, model.net.negative_slope
    h, log_det = x.copy(), np.zeros(x.shape[0])
    for i in reversed(range(net.n_layers)):
        w, b = net.weights[i], net.biases[i]
        pre = np.linalg.solve(w, (h - b).T).T
        log_det += math.log(abs(np.linalg.det(w)))
        if i > 0:  # undo the activation that produced this layer's input
            negative = pre < 0
            h = np.where(negative, pre / slope, pre)
            log_det += negative.sum(axis=1) * math.log(slope)
        else:
            h = pre
    return model.prior.log_pdf(h) - log_det


def pushforward_check() -> tuple[float, float]:
    """(max |engine - inverse| on sampled points, singular mass) for an invertible leaky net."""
    net = ReluNet([[[1.0, 0.5], [-0.5, 1.0]], [[1.0, 0.25], [-0.75, 1.0]]],
                  [[0.25, -0.5], [0.0, 0.5]], negative_slope=0.25)
    model = LatentModel(figure_model().prior, net, 0.0)
    x, _ = model.sample(200, seed=3)
    return (float(np.abs(log_pdf(model, x) - leaky_inverse_log_pdf(model, x)).max()),
            singular_part(model).mass)


def reference_check(model: LatentModel) -> float:
    """The engine against the 50-digit reference at a sampled point and 2 tail points."""
    from exactid.reference_2d import mp_log_pdf_2d_points

    rng = np.random.default_rng(4)
    far = [np.array([1.0, 1.0]) + 160 * model.noise_std * np.array([np.cos(t), np.sin(t)])
           for t in (0.3, 2.0)]  # 160 noise sds from the data's centre
    x = np.concatenate([model.sample(1, rng)[0], far])
    return error_metric(log_pdf(model, x), mp_log_pdf_2d_points(model, x))


def draw(model: LatentModel, path: Path) -> None:
    from exactid.plotting import plot_density_2d  # matplotlib: only for the figure

    x1, x2 = np.linspace(-3.0, 4.5, 101), np.linspace(-3.0, 6.0, 121)
    grid = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)
    log_density = log_pdf(model, grid).reshape(x2.size, x1.size)
    samples, _ = model.sample(3000, seed=0)
    plot_density_2d(x1, x2, log_density, samples, path, title=(
        "exact density of x = f(z) + eps: 3 Gaussian components in R^2, f a 2 -> 4 -> 2 ReLU "
        f"net, noise sd {model.noise_std:g}"))


def run(out: Path) -> dict:
    """Run the checks and draw the figure; return {name: (value, bound)} and the figure path."""
    model = figure_model()
    checks = {
        "separable model = product of 1-D densities": (separable_check(), TOL),
        "Remark 3.7: (h#P, f o h^-1) has the same density": (remark_37_check(model), TOL),
        "engine vs 50-digit reference (near, and 160 sd out)": (reference_check(model), TOL),
    }
    value, bound = normalisation_check(figure_model(0.8))
    checks["|integral of p - 1| (noise sd 0.8)"] = (value, bound)
    diff, mass = pushforward_check()
    checks["noise 0, invertible leaky net: vs layer-by-layer inverse"] = (diff, TOL)
    checks["noise 0, invertible leaky net: singular mass"] = (mass, 0.0)
    path = out / FIGURE
    draw(model, path)
    return {"checks": checks, "figure": str(path)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "figures")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    done = run(args.out_dir)
    failed = 0
    for name, (value, bound) in done["checks"].items():
        ok = value <= bound
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {value:.2e} (bound {bound:.0e})")
    print(f"wrote {done['figure']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
