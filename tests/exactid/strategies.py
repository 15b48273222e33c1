"""Hypothesis strategies for random 1-D models (bounded, finite parameters)."""

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
