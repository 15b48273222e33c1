"""Hypothesis strategies for random models with 1-D and 2-D latents (bounded, finite
parameters)."""

import numpy as np
from hypothesis import strategies as st

from exactid import GaussianMixture, LatentModel, ReluNet

finite = dict(allow_nan=False, allow_infinity=False)


@st.composite
def nets_1d(draw, max_hidden_layers=3, max_width=6, scale=2.5, min_abs=0.0):
    """Random nets; ``min_abs > 0`` keeps every weight and bias away from 0 (no degenerate
    breakpoints far out)."""
    n_hidden = draw(st.integers(1, max_hidden_layers))
    widths = [1] + [draw(st.integers(1, max_width)) for _ in range(n_hidden)] + [1]
    weights, biases = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        value = st.floats(-scale, scale, **finite).filter(lambda v: abs(v) >= min_abs)
        w = draw(st.lists(value, min_size=n_in * n_out, max_size=n_in * n_out))
        b = draw(st.lists(value, min_size=n_out, max_size=n_out))
        weights.append(np.reshape(w, (n_out, n_in)))
        biases.append(np.array(b))
    slope = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5]))
    return ReluNet(weights, biases, negative_slope=slope)


@st.composite
def priors_1d(draw, max_components=5):
    n = draw(st.integers(1, max_components))
    raw = np.array(draw(st.lists(st.floats(0.05, 1.0, **finite), min_size=n, max_size=n)))
    means = draw(st.lists(st.floats(-5, 5, **finite), min_size=n, max_size=n))
    sds = np.array(draw(st.lists(st.floats(0.1, 3.0, **finite), min_size=n, max_size=n)))
    return GaussianMixture(raw / raw.sum(), means, sds**2)


@st.composite
def models_1d(draw, min_noise=0.05, max_noise=2.0, **net_kwargs):
    """Random 1-D models; ``net_kwargs`` go to :func:`nets_1d`."""
    net = draw(nets_1d(**net_kwargs))
    prior = draw(priors_1d())
    sigma = draw(st.floats(min_noise, max_noise, **finite))
    return LatentModel(prior, net, sigma)


def absval_net():
    """|z| = ReLU(z) + ReLU(-z)."""
    return ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])


def _dyadic(v: float, bits: int = 10) -> float:
    """v rounded to a multiple of 2^-bits: exact cells stay cheap to enumerate in rationals."""
    return round(v * 2**bits) / 2**bits


@st.composite
def nets_2d(draw, max_hidden_layers=3, max_width=8, outputs=(2, 3), scale=2.0):
    """Random nets R^2 -> R^n, n drawn from ``outputs``, weights on a 2^-10 grid."""
    n_hidden = draw(st.integers(1, max_hidden_layers))
    widths = ([2] + [draw(st.integers(1, max_width)) for _ in range(n_hidden)]
              + [draw(st.sampled_from(outputs))])
    value = st.floats(-scale, scale, **finite).map(_dyadic)
    weights, biases = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        weights.append(np.reshape(draw(st.lists(value, min_size=n_in * n_out,
                                                max_size=n_in * n_out)), (n_out, n_in)))
        biases.append(np.array(draw(st.lists(value, min_size=n_out, max_size=n_out))))
    slope = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5]))
    return ReluNet(weights, biases, negative_slope=slope)


@st.composite
def priors_2d(draw, max_components=4):
    """Mixtures in R^2 with full covariances (eigenvalues in [0.05, 4], any orientation)."""
    n = draw(st.integers(1, max_components))
    raw = np.array(draw(st.lists(st.floats(0.1, 1.0), min_size=n, max_size=n)))
    means = draw(st.lists(st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=2),
                          min_size=n, max_size=n))
    covs = []
    for _ in range(n):
        angle = draw(st.floats(0.0, np.pi))
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        eig = draw(st.lists(st.floats(0.05, 4.0), min_size=2, max_size=2))
        covs.append(rot @ np.diag(eig) @ rot.T)
    return GaussianMixture(raw / raw.sum(), means, covs)


@st.composite
def models_2d(draw, min_noise=0.1, max_noise=2.0, max_components=4, **net_kwargs):
    """Random models with a 2-D latent: :func:`priors_2d`, :func:`nets_2d`, noise sd in
    [min_noise, max_noise]."""
    prior = draw(priors_2d(max_components))
    net = draw(nets_2d(**net_kwargs))
    sigma = draw(st.floats(min_noise, max_noise))
    return LatentModel(prior, net, sigma)
