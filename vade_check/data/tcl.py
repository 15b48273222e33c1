"""Time-contrastive (TCL) sources (paper 000, Appendix A; paper 002, Section 5.1): segments with
random means and sds, mixed by a leaky MLP of bounded condition number."""

from __future__ import annotations

import numpy as np

from exactid import ReluNet

from .common import (
    Dataset,
    balanced_counts,
    check_count,
    check_real,
    finish,
    haar_orthonormal,
    seed_and_record,
)

__all__ = ["nonstationary", "mixing_net"]

# TCL: means and standard deviations of the sources (paper 000, Appendix A), singular values of
# the mixing matrices (condition number <= 2) and the half-width of the uniform biases.
_TCL_MEAN_RANGE = (-3.0, 3.0)
# TCL: means and standard deviations of the sources (paper 000, Appendix A), singular values of
# the mixing matrices (condition number <= 2) and the half-width of the uniform biases.
_TCL_MEAN_RANGE = (-3.0, 3.0)
_TCL_STD_RANGE = (0.01, 3.0)
_TCL_STD_RANGE = (0.01, 3.0)
_TCL_SINGULAR_RANGE = (1.0, 2.0)
_TCL_SINGULAR_RANGE = (1.0, 2.0)
_TCL_BIAS_HALF_WIDTH = 0.1



def _mixing_layers(rng: np.random.Generator, dim: int, n_layers: int):
    """Square weights ``U diag(s) V^T`` (s uniform in [1, 2]) and small uniform biases."""
    weights, biases = [], []
    for _ in range(n_layers):
        u = haar_orthonormal(rng, dim, dim)
        v = haar_orthonormal(rng, dim, dim)
        s = rng.uniform(*_TCL_SINGULAR_RANGE, size=dim)
        weights.append((u * s) @ v.T)
        biases.append(rng.uniform(-_TCL_BIAS_HALF_WIDTH, _TCL_BIAS_HALF_WIDTH, size=dim))
    return weights, biases



def _apply_mixing(z: np.ndarray, weights, biases, negative_slope: float) -> np.ndarray:
    h = z
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w.T + b
        if i < len(weights) - 1:  # no activation after the last layer
            h = np.where(h > 0, h, negative_slope * h)
    return h



def nonstationary(n_samples: int = 5000, n_sources: int = 2, n_segments: int = 10,
                  n_layers: int = 3, negative_slope: float = 0.2, noise_std: float = 0.01,
                  seed=0) -> Dataset:
    r"""Nonstationary Gaussian sources mixed by a random leaky-ReLU MLP (TCL data).

    As in papers 000 (Appendix A) and 002 (Section 5.1): the samples are split into segments;
    in segment k source i is :math:`\mathcal N(\mu_{k,i}, \sigma_{k,i}^2)` with
    :math:`\mu_{k,i} \sim U(-3, 3)` and :math:`\sigma_{k,i} \sim U(0.01, 3)`.  The observations
    are :math:`x = f(z) + \varepsilon`, :math:`\varepsilon \sim \mathcal N(0, \tau^2 I_d)`, with
    f an MLP :math:`\mathbb R^d \to \mathbb R^d`.

    Parameters
    ----------
    n_samples : int
        N >= n_segments; segment sizes differ by at most one (remainder to the first).
    n_sources : int
        Latent and observed dimension d >= 1.
    n_segments : int
        Number of segments (clusters) K >= 1.
    n_layers : int
        Affine layers of f, >= 1 (1 = an affine map).
    negative_slope : float
        Slope > 0 of the leaky ReLU between layers; 0 would make f non-injective.
    noise_std : float
        :math:`\tau >= 0`.
    seed : int or numpy.random.Generator
        Drives everything: segment parameters, mixing, samples, noise, row order.

    Returns
    -------
    Dataset
        Named ``"tcl"``; ``x`` and ``z`` of shape (N, d), ``labels`` = segment index.  Rows are
        shuffled like the other generators (a time series would be kept in order; the segment
        label carries all the time information TCL uses).  ``params`` also holds ``means`` and
        ``stds`` (K, d), ``weights`` (n_layers lists of shape (d, d)), ``biases`` (n_layers
        lists of length d) and ``counts`` (K,); :func:`mixing_net` rebuilds f from them.

    Notes
    -----
    Each weight matrix is :math:`U \operatorname{diag}(s) V^\top` with U, V Haar orthogonal and
    :math:`s_j \sim U(1, 2)`: full rank with condition number <= 2 by construction, so f is a
    well-conditioned bijection (papers 000/002 only ask for full rank; a bound on the
    conditioning keeps the sources from being squashed into a near-degenerate subspace, which
    would make recovery hard for numerical rather than identifiability reasons).  Biases are
    uniform in [-0.1, 0.1].  ``x`` is not standardised, so ``f`` in ``params`` is exactly the
    map from ``z`` to the noise-free ``x``.
    """
    n_segments = check_count(n_segments, "n_segments", 1)
    n_samples = check_count(n_samples, "n_samples", n_segments, "one per segment")
    n_sources = check_count(n_sources, "n_sources", 1)
    n_layers = check_count(n_layers, "n_layers", 1)
    negative_slope = check_real(negative_slope, "negative_slope", 0.0, strict=True,
                                  why="slope 0 makes the mixing non-injective")
    noise_std = check_real(noise_std, "noise_std", 0.0)
    rng, seed_record = seed_and_record(seed)

    means = rng.uniform(*_TCL_MEAN_RANGE, size=(n_segments, n_sources))
    stds = rng.uniform(*_TCL_STD_RANGE, size=(n_segments, n_sources))
    weights, biases = _mixing_layers(rng, n_sources, n_layers)
    counts = balanced_counts(n_samples, n_segments)
    labels = np.repeat(np.arange(n_segments, dtype=np.int64), counts)
    z = means[labels] + stds[labels] * rng.standard_normal((n_samples, n_sources))
    x = _apply_mixing(z, weights, biases, negative_slope)
    x = x + noise_std * rng.standard_normal(x.shape)

    params = {
        "n_samples": n_samples, "n_sources": n_sources, "n_segments": n_segments,
        "n_layers": n_layers, "negative_slope": negative_slope, "noise_std": noise_std,
        "seed": seed_record, "means": means.tolist(), "stds": stds.tolist(),
        "weights": [w.tolist() for w in weights], "biases": [b.tolist() for b in biases],
        "counts": counts.tolist(),
    }
    return finish("tcl", rng, x, z, labels, n_segments, params)



def mixing_net(dataset: Dataset):
    """The mixing MLP f of a :func:`nonstationary` data set as an :class:`exactid.ReluNet`.

    Parameters
    ----------
    dataset : Dataset
        Made by :func:`nonstationary` (its ``params`` hold ``weights``, ``biases`` and
        ``negative_slope``).

    Returns
    -------
    exactid.ReluNet
        ``f`` with ``x = f(z) + noise``; callable on arrays of shape (N, d).
    """
    if not isinstance(dataset, Dataset):
        raise ValueError(f"dataset: expected a Dataset, found {type(dataset).__name__}")
    missing = [k for k in ("weights", "biases", "negative_slope") if k not in dataset.params]
    if missing:
        raise ValueError(
            f"dataset: expected a data set made by nonstationary() (params with 'weights', "
            f"'biases' and 'negative_slope'), found {dataset.name!r} without {missing}"
        )
    p = dataset.params
    return ReluNet(p["weights"], p["biases"], negative_slope=p["negative_slope"])
