"""The suite's float-valued model distributions: the public strategies of
:mod:`exactid.strategies` with continuous entries.

Users' claims shrink towards simple fractions; the engine, though, must be accurate for any
float (tiny weights, breakpoints that nearly coincide, narrow components), so the numerical
properties of the suite draw their models from the same public strategies with continuous
values: net entries in [-scale, scale], means in [-5, 5], standard deviations in [0.1, 3],
noise in [min_noise, max_noise] (1-D); in 2-D entries on a 2^-10 grid (exact cells stay cheap),
means in [-2, 2], variances in [0.05, 4].
"""

from hypothesis import strategies as st

from exactid.counterexamples import absval_net
from exactid.strategies import gaussian_mixtures, latent_models, relu_nets

__all__ = ["finite", "absval_net", "nets_1d", "priors_1d", "models_1d", "nets_2d", "priors_2d",
           "models_2d"]

finite = dict(allow_nan=False, allow_infinity=False)


def nets_1d(max_hidden_layers=3, max_width=6, scale=2.5, min_abs=0.0):
    """Nets R -> R, ReLU or leaky; ``min_abs > 0`` keeps every entry away from 0."""
    value = st.floats(-scale, scale, **finite)
    if min_abs > 0:
        value = value.filter(lambda v: abs(v) >= min_abs)
    return relu_nets(1, 1, depth=(1, max_hidden_layers), width=(1, max_width),
                     activation="either", entries=value)


def priors_1d(max_components=5):
    return gaussian_mixtures(1, (1, max_components), weights=st.floats(0.05, 1.0),
                             means=st.floats(-5.0, 5.0),
                             variances=st.floats(0.1, 3.0).map(lambda s: s * s))


def models_1d(min_noise=0.05, max_noise=2.0, **net_kwargs):
    """1-D models; ``net_kwargs`` go to :func:`nets_1d`."""
    noise = st.just(0.0) if max_noise == 0 else st.floats(min_noise, max_noise)
    return latent_models(1, priors=priors_1d(), nets=nets_1d(**net_kwargs), noise=noise)


def nets_2d(max_hidden_layers=3, max_width=8, outputs=(2, 3), scale=2.0):
    """Nets R^2 -> R^n, n in ``outputs``, entries on a 2^-10 grid."""
    value = st.floats(-scale, scale, **finite).map(lambda v: round(v * 2**10) / 2**10)
    return st.one_of(*[relu_nets(2, n, depth=(1, max_hidden_layers), width=(1, max_width),
                                 activation="either", entries=value) for n in outputs])


def priors_2d(max_components=4):
    """Mixtures in R^2 with full covariances (condition number <= 100)."""
    return gaussian_mixtures(2, (1, max_components), weights=st.floats(0.1, 1.0),
                             means=st.floats(-2.0, 2.0), variances=st.floats(0.05, 4.0))


def models_2d(min_noise=0.1, max_noise=2.0, max_components=4, **net_kwargs):
    """Models with a 2-D latent: :func:`priors_2d`, :func:`nets_2d`, noise sd in range."""
    return latent_models(2, priors=priors_2d(max_components), nets=nets_2d(**net_kwargs),
                         noise=st.floats(min_noise, max_noise))
