"""The README's accuracy claim for sigma > 0, regime by regime, against 50-digit mpmath.

The claim: |log p error| <= 1e-12 wherever log p > -700, and relative error <= 1e-13 beyond.
One table of regimes drives the test: noise sd from 1e-6 to 1e3, slopes from 1e-6 to 1e6,
prior sds from 1e-3 to 1e2, evaluated at sample points, at the images of the breakpoints (and a
few noise sds around them, where the standardised interval ends are moderate and the piece
masses matter) and in the tails (10 and 30 noise sds beyond the data, and 1e3).  Small noise
was the regime where rounding the pieces once cost eps |f(l_k)| / sigma (up to 1e-8 at
sigma = 1e-6) before the engine carried the rounding residuals.
"""

from __future__ import annotations

import numpy as np
import pytest

from exactid import GaussianMixture, LatentModel, ReluNet
from exactid.density import log_pdf
from exactid.reference import mp_log_pdf_closed_form

from .test_exact import assert_log_density_close

#: (noise sd, slope scale, prior sd scale): every noise level with every slope scale, at a
#: prior sd that keeps |slope| x sd inside the supported range.
REGIMES = [(sigma, slope, sd)
           for sigma in (1e-6, 1e-3, 1.0, 1e3)
           for slope, sd in ((1e-6, 1.0), (1.0, 1e-3), (1.0, 1.0), (1e3, 1e2), (1e6, 1.0))]


def regime_model(sigma: float, slope: float, sd: float, seed: int = 0) -> LatentModel:
    """A 1 -> 3 -> 1 ReLU net with slopes of size ``slope`` and non-dyadic weights (so that the
    breakpoints and their images are not exact floats), and a two-component prior."""
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(0.6, 1.7, size=(3, 1)) * np.array([[1.0], [-1.0], [1.0]])
    b1 = rng.uniform(-2.0, 2.0, size=3) * sd
    w2 = rng.uniform(0.6, 1.7, size=(1, 3)) * slope * np.array([[1.0, 1.0, -1.0]])
    b2 = rng.uniform(-3.0, 3.0, size=1) * max(slope * sd, 1.0)
    prior = GaussianMixture([0.3, 0.7], rng.normal(size=2) * sd,
                            (rng.uniform(0.5, 1.5, size=2) * sd) ** 2)
    return LatentModel(prior, ReluNet([w1, w2], [b1, b2]), noise_std=sigma)


def regime_points(model: LatentModel) -> np.ndarray:
    """Sample points, breakpoint images +- a few noise sds, and tails."""
    sigma = model.noise_std
    x, _ = model.sample(8, seed=1)
    x = x[:, 0]
    pieces = model.pieces
    images = pieces.slopes[:-1, 0] * pieces.breakpoints + pieces.intercepts[:-1, 0]
    near = (images[:, None] + sigma * np.array([-5.0, -1.0, -0.1, 0.0, 0.3, 2.0])).ravel()
    far = sigma * np.array([10.0, 30.0, 1e3])
    return np.concatenate([x, near, x.max() + far, x.min() - far])


@pytest.mark.parametrize("sigma, slope, sd", REGIMES,
                         ids=[f"sigma={s:g}-slope={a:g}-sd={d:g}" for s, a, d in REGIMES])
def test_density_meets_the_stated_bound_in_every_regime(sigma, slope, sd):
    model = regime_model(sigma, slope, sd)
    x = regime_points(model)
    assert_log_density_close(log_pdf(model, x), mp_log_pdf_closed_form(model, x))
