"""Shared test configuration: hypothesis profiles and one numba warm-up per session."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=40,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def _warm_numba():
    """Compile (or load from cache) every kernel once, so no test pays for it alone."""
    from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf

    net = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    prior = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    for sigma in (0.5, 0.0):
        log_pdf(LatentModel(prior, net, sigma), np.linspace(-3, 3, 5))
