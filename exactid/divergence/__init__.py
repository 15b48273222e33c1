"""Discrepancies between models, integrated over x; and Gaussian-mixture L2 algebra.

What to use when: :func:`sample_nll` for data; :func:`cross_entropy` / :func:`kl_divergence`
for the population quantities (:mod:`~exactid.divergence.likelihood`, adaptive quadrature with
an error estimate, machinery in :mod:`~exactid.divergence.quadrature`);
:func:`~exactid.divergence.high_precision.mp_kl_divergence` for KL values below double
precision (40 digits, seconds); :mod:`~exactid.divergence.gmm_l2` for closed-form L2 inner
products and distances of Gaussian mixtures; :mod:`~exactid.divergence.kronrod` for
Gauss-Kronrod rules computed from their definition.  For ``m = n = 2``:
:func:`xrule_2d` (a cubature rule over x adapted to one model), :func:`cross_entropy_2d` (many
models against that rule) and :func:`kl_divergence_2d`, in
:mod:`~exactid.divergence.cubature_2d`.
"""

from .cubature_2d import cross_entropy_2d, kl_divergence_2d, xrule_2d
from .likelihood import cross_entropy, kl_divergence, sample_nll
from .quadrature import Integral, integrate_1d

__all__ = ["Integral", "integrate_1d", "sample_nll", "cross_entropy", "kl_divergence",
           "xrule_2d", "cross_entropy_2d", "kl_divergence_2d"]
