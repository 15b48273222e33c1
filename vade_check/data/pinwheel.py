"""The pinwheel data set (Johnson et al. 2016; paper 003, J.3.2)."""

from __future__ import annotations

import numpy as np

from .common import (
    Dataset,
    balanced_counts,
    check_count,
    check_real,
    finish,
    rotation,
    seed_and_record,
)

__all__ = ["pinwheel"]



def pinwheel(n_samples: int = 5000, n_arms: int = 3, radial_std: float = 0.3,
             tangential_std: float = 0.05, rate: float = 0.25, scale: float = 1.0,
             seed=0) -> Dataset:
    r"""The pinwheel data of Johnson et al. (2016), used in paper 003 with m = n = 2.

    Arm ``k`` of K: draw :math:`r \sim \mathcal N(1, \sigma_r^2)`,
    :math:`t \sim \mathcal N(0, \sigma_t^2)`, and rotate the point ``(r, t)`` by the arm angle
    :math:`\theta_k = 2\pi k / K` plus the twist :math:`\text{rate}\cdot e^{r}`:

    .. math:: x = \text{scale}\cdot R(\theta_k + \text{rate}\, e^{r}) (r, t)^\top,
              \qquad z = R(\theta_k) (r, t)^\top .

    Parameters
    ----------
    n_samples : int
        N >= n_arms.  Arm sizes differ by at most one (remainder to the first arms).
    n_arms : int
        Number of arms (clusters) K >= 1.
    radial_std, tangential_std : float
        Standard deviations :math:`\sigma_r, \sigma_t >= 0` of ``r`` and ``t``.
    rate : float
        Twist rate; 0 gives K straight Gaussian blobs.
    scale : float
        Factor > 0 applied to ``x`` (not to ``z``).  Johnson et al. use 10; the default 1 keeps
        the data at unit scale.
    seed : int or numpy.random.Generator

    Returns
    -------
    Dataset
        ``x`` of shape (N, 2), ``z`` of shape (N, 2), ``labels`` = arm index, rows shuffled.
        ``params`` also holds ``arm_angles`` (K,) and ``counts`` (K,).

    Notes
    -----
    The ground-truth latent is the Gaussian-mixture sample *before* the nonlinear twist (and
    before ``scale``): each arm is then an anisotropic Gaussian, the GMM prior that VaDE assumes,
    and ``x`` is a smooth injective-on-arms function of ``(z, label)``.  The radius ``r`` that
    drives the twist is recovered from ``z`` by rotating back by the arm angle.  Whether the
    arms spin clockwise or counter-clockwise differs between implementations; the two choices
    are mirror images, hence affinely equivalent, and nothing downstream depends on it.
    """
    n_arms = check_count(n_arms, "n_arms", 1)
    n_samples = check_count(n_samples, "n_samples", n_arms, "one per arm")
    radial_std = check_real(radial_std, "radial_std", 0.0)
    tangential_std = check_real(tangential_std, "tangential_std", 0.0)
    rate = check_real(rate, "rate")
    scale = check_real(scale, "scale", 0.0, strict=True)
    rng, seed_record = seed_and_record(seed)

    counts = balanced_counts(n_samples, n_arms)
    labels = np.repeat(np.arange(n_arms, dtype=np.int64), counts)
    features = rng.standard_normal((n_samples, 2)) * np.array([radial_std, tangential_std])
    features[:, 0] += 1.0
    arm_angles = 2.0 * np.pi * np.arange(n_arms) / n_arms
    base = arm_angles[labels]
    z = np.einsum("nij,nj->ni", rotation(base), features)
    x = scale * np.einsum("nij,nj->ni", rotation(base + rate * np.exp(features[:, 0])), features)

    params = {
        "n_samples": n_samples, "n_arms": n_arms, "radial_std": radial_std,
        "tangential_std": tangential_std, "rate": rate, "scale": scale, "seed": seed_record,
        "arm_angles": arm_angles.tolist(), "counts": counts.tolist(),
    }
    return finish("pinwheel", rng, x, z, labels, n_arms, params)
