"""Random mixtures, affine maps and mixture densities for the tests of the Gaussian-mixture
L2 algebra (exactid.divergence.gmm_l2) and of distAff,L2 (vade_check.alignment)."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import multivariate_normal, norm

from exactid import GaussianMixture


def rand_gmm(rng, n_comp, m, spread=2.0):
    """Random mixture: Dirichlet weights, means in a box, covariances with sds in [0.4, 1.6]."""
    w = rng.dirichlet(np.full(n_comp, 3.0))
    mu = rng.uniform(-spread, spread, (n_comp, m))
    covs = []
    for _ in range(n_comp):
        q = np.linalg.qr(rng.normal(size=(m, m)))[0]
        covs.append(q @ np.diag(rng.uniform(0.4, 1.6, m) ** 2) @ q.T)
    return GaussianMixture(w, mu, np.array(covs))


def rand_map(rng, m):
    """A random invertible, reasonably conditioned affine map."""
    a = rng.normal(size=(m, m)) + 2.0 * np.eye(m) * rng.choice([-1.0, 1.0])
    return a, rng.normal(size=m)


def permuted(g, perm):
    return GaussianMixture(g.weights[perm], g.means[perm], g.covs[perm])


def mixture_pdf(g, pts):
    """Density of g at pts (n, m) with scipy.stats (independent of the code under test)."""
    return sum(
        w * multivariate_normal(mu, c).pdf(pts) for w, mu, c in zip(g.weights, g.means, g.covs)
    )


def mixture_pdf_1d(g, x):
    sd = np.sqrt(g.covs[:, 0, 0])
    return sum(w * norm.pdf(x, mu, s) for w, mu, s in zip(g.weights, g.means[:, 0], sd))


def gauss_legendre_2d(fun, lo, hi, panels=40, order=12):
    """Composite tensor Gauss-Legendre rule on the square [lo, hi]^2."""
    x, wt = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(lo, hi, panels + 1)
    half = 0.5 * (edges[1] - edges[0])
    nodes = (0.5 * (edges[:-1] + edges[1:]))[:, None] + half * x[None, :]
    weights = np.tile(wt * half, panels)
    gx, gy = np.meshgrid(nodes.ravel(), nodes.ravel(), indexing="ij")
    vals = fun(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    return float(weights @ vals @ weights)


def gauss_overlap(cov_a, cov_b, diff):
    """<N(a, Sa), N(b, Sb)> = N(a - b; 0, Sa + Sb), written out with numpy."""
    s = np.atleast_2d(cov_a + cov_b)
    diff = np.atleast_1d(diff)
    m = s.shape[0]
    quad = diff @ np.linalg.solve(s, diff)
    return math.exp(-0.5 * quad) / math.sqrt((2 * math.pi) ** m * np.linalg.det(s))


