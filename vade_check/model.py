"""VaDE (and a plain VAE baseline): the networks, the learned Gaussian-mixture prior, the ELBO.

The model is paper 003's model (3) with a variational encoder: ``z ~ GMM``,
``x | z ~ N(f(z), s^2 I)`` with ``f`` a leaky-ReLU MLP (the decoder), and
``q(z | x) = N(mu(x), diag sigma^2(x))``.  The ELBO is the one of paper 000, eq. (6), with the
correction of Falck et al. (2021): the cluster posterior is the Bayes-optimal
``q(c | x) ∝ exp E_q log p(c | z)``; estimated with the one reparametrised sample ``z`` that also
serves the reconstruction term, ``q(c | x) = p(c | z)``, and then

.. math::

    \\sum_c q(c|x) [\\log p(z|c) + \\log p(c) - \\log q(c|x)] = \\log p(z),

so the single-sample ELBO is ``log p(x|z) + log p(z) + H[q(z|x)]``: the discrete latent is
marginalised exactly by a log-sum-exp, no Gumbel-softmax is needed, and the Gaussian entropy is
analytic.  Everything that can underflow is computed in log space (``log_softmax`` of the weight
logits, ``logsumexp`` over components).

The plain VAE baseline is the same model with a fixed standard-normal prior (``J = 1``, no
learned parameters), so the two differ only in the prior.

torch is imported here at module level: import this module only when training is wanted
(``import vade_check`` alone does not import torch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from exactid import GaussianMixture, ReluNet

__all__ = ["ModelConfig", "GMMPrior", "VaDE", "mlp", "LOG_VAR_MIN", "LOG_VAR_MAX"]

#: Clamp of every log-variance (prior components, encoder, observation noise): keeps
#: exp(log_var) and its inverse finite in float32 so a bad step cannot produce inf / NaN.
LOG_VAR_MIN, LOG_VAR_MAX = -12.0, 8.0
_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of :class:`VaDE` (paper 003, J.3.2).

    Attributes
    ----------
    data_dim : int
        ``n``, dimension of the observations.
    latent_dim : int
        ``m``, dimension of the latent space.
    n_components : int
        ``J``, components of the learned prior (ignored for ``kind="vae"``, which has one).
    encoder_hidden, decoder_hidden : tuple of int
        Hidden widths: the encoder is ``n -> 64 -> 512 -> 64 -> m`` (two heads of width m, the
        mean and the log-variance), the decoder ``m -> 64 -> 512 -> 512 -> n``.
    negative_slope : float
        Leaky-ReLU slope (PyTorch's default 0.01; the paper does not give it).
    kind : {"vade", "vae"}
        Learned GMM prior or fixed standard-normal prior.
    noise_std : float or None
        Fixed observation noise s, or None to learn it (initialised from the pretraining
        reconstruction error).
    """

    data_dim: int
    latent_dim: int = 2
    n_components: int = 3
    encoder_hidden: tuple = (64, 512, 64)
    decoder_hidden: tuple = (64, 512, 512)
    negative_slope: float = 0.01
    kind: str = "vade"
    noise_std: float | None = None

    def __post_init__(self):
        for name in ("data_dim", "latent_dim", "n_components"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: expected an integer >= 1, found {value!r}")
        for name in ("encoder_hidden", "decoder_hidden"):
            widths = getattr(self, name)
            if (not isinstance(widths, (tuple, list)) or len(widths) == 0 or any(
                    isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1
                    for w in widths)):
                raise ValueError(f"{name}: expected a non-empty tuple of integers >= 1, "
                                 f"found {widths!r}")
            object.__setattr__(self, name, tuple(int(w) for w in widths))
        if not (isinstance(self.negative_slope, (int, float)) and
                0.0 <= float(self.negative_slope) < 1.0):
            raise ValueError(f"negative_slope: expected a number in [0, 1), "
                             f"found {self.negative_slope!r}")
        if self.kind not in ("vade", "vae"):
            raise ValueError(f"kind: expected 'vade' or 'vae', found {self.kind!r}")
        if self.noise_std is not None and not (
                isinstance(self.noise_std, (int, float)) and math.isfinite(self.noise_std)
                and self.noise_std > 0):
            raise ValueError(f"noise_std: expected None (learned) or a positive number, "
                             f"found {self.noise_std!r}")


def mlp(widths, negative_slope: float) -> nn.Sequential:
    """``Linear -> LeakyReLU -> ... -> Linear``: the activation acts between layers, not after
    the last one (the convention of :class:`exactid.ReluNet`)."""
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        if i > 0:
            layers.append(nn.LeakyReLU(negative_slope))
        layers.append(nn.Linear(a, b))
    return nn.Sequential(*layers)


class GMMPrior(nn.Module):
    """Diagonal Gaussian mixture ``sum_j softmax(logits)_j N(means_j, diag exp(log_vars_j))``.

    The weights are parametrised by logits (always a valid simplex point) and the log-variances
    are clamped to ``[LOG_VAR_MIN, LOG_VAR_MAX]`` where they are used, so the prior stays a
    valid GMM whatever the optimiser does.
    """

    def __init__(self, n_components: int, dim: int, learned: bool = True):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(n_components), requires_grad=learned)
        self.means = nn.Parameter(torch.zeros(n_components, dim), requires_grad=learned)
        self.log_vars = nn.Parameter(torch.zeros(n_components, dim), requires_grad=learned)

    def log_weights(self) -> torch.Tensor:
        """``log softmax(logits)``, shape (J,)."""
        return torch.log_softmax(self.logits, dim=0)

    def clamped_log_vars(self) -> torch.Tensor:
        return self.log_vars.clamp(LOG_VAR_MIN, LOG_VAR_MAX)

    def log_joint(self, z: torch.Tensor) -> torch.Tensor:
        """``log p(c) + log p(z | c)``, shape (N, J), for ``z`` of shape (N, m)."""
        log_vars = self.clamped_log_vars()
        diff = z[:, None, :] - self.means[None]
        log_n = -0.5 * (_LOG_2PI + log_vars + diff.square() / log_vars.exp()).sum(-1)
        return self.log_weights()[None] + log_n

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """``log p(z)``, shape (N,)."""
        return torch.logsumexp(self.log_joint(z), dim=1)

    def log_posterior(self, z: torch.Tensor) -> torch.Tensor:
        """``log p(c | z)``, shape (N, J)."""
        return torch.log_softmax(self.log_joint(z), dim=1)

    @torch.no_grad()
    def set_(self, weights, means, variances) -> None:
        """Load weights (J,), means (J, m) and variances (J, m), e.g. from a GMM fit."""
        w = torch.as_tensor(np.asarray(weights), dtype=self.logits.dtype)
        self.logits.copy_(torch.log(w.clamp_min(1e-12)))
        self.means.copy_(torch.as_tensor(np.asarray(means), dtype=self.means.dtype))
        lv = torch.log(torch.as_tensor(np.asarray(variances), dtype=self.log_vars.dtype))
        self.log_vars.copy_(lv.clamp(LOG_VAR_MIN, LOG_VAR_MAX))

    def to_exactid(self):
        """The prior as an :class:`exactid.GaussianMixture` (float64, full covariance matrices
        that are diagonal)."""
        with torch.no_grad():
            logw = self.log_weights().double().cpu().numpy()
            means = self.means.double().cpu().numpy()
            variances = self.clamped_log_vars().double().exp().cpu().numpy()
        w = np.exp(logw - np.logaddexp.reduce(logw))
        covs = np.stack([np.diag(v) for v in variances])
        return GaussianMixture(w / w.sum(), means, covs)


class VaDE(nn.Module):
    """Variational deep embedding with a learned GMM prior (or a plain VAE, ``kind="vae"``).

    Parameters
    ----------
    config : ModelConfig
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        c = config
        trunk = (c.data_dim,) + c.encoder_hidden[:-1]
        self.encoder = nn.Sequential(mlp(trunk + (c.encoder_hidden[-1],), c.negative_slope),
                                     nn.LeakyReLU(c.negative_slope))
        self.enc_mean = nn.Linear(c.encoder_hidden[-1], c.latent_dim)
        self.enc_log_var = nn.Linear(c.encoder_hidden[-1], c.latent_dim)
        self.decoder = mlp((c.latent_dim,) + c.decoder_hidden + (c.data_dim,), c.negative_slope)
        learned = c.kind == "vade"
        self.prior = GMMPrior(c.n_components if learned else 1, c.latent_dim, learned=learned)
        init = 0.0 if c.noise_std is None else 2.0 * math.log(c.noise_std)
        self.log_noise_var = nn.Parameter(torch.tensor(init), requires_grad=c.noise_std is None)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and clamped log-variance of ``q(z | x)``, each of shape (N, m)."""
        h = self.encoder(x)
        return self.enc_mean(h), self.enc_log_var(h).clamp(LOG_VAR_MIN, LOG_VAR_MAX)

    def noise_log_var(self) -> torch.Tensor:
        return self.log_noise_var.clamp(LOG_VAR_MIN, LOG_VAR_MAX)

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Single-sample ELBO per data point, shape (N,) (see the module docstring).

        ``log N(x; f(z), s^2 I) + log p(z) + H[q(z|x)]`` with ``z = mu + sigma * eps``.
        """
        mean, log_var = self.encode(x)
        eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        z = mean + torch.exp(0.5 * log_var) * eps
        x_hat = self.decoder(z)
        lv = self.noise_log_var()
        n = x.shape[1]
        log_lik = -0.5 * (n * (_LOG_2PI + lv) + (x - x_hat).square().sum(1) / lv.exp())
        entropy = 0.5 * (log_var + 1.0 + _LOG_2PI).sum(1)
        return log_lik + self.prior.log_prob(z) + entropy

    def decoder_net(self):
        """The decoder as an :class:`exactid.ReluNet` (float64), for exactid's checks."""
        linears = [layer for layer in self.decoder if isinstance(layer, nn.Linear)]
        with torch.no_grad():
            weights = [lin.weight.double().cpu().numpy() for lin in linears]
            biases = [lin.bias.double().cpu().numpy() for lin in linears]
        return ReluNet(weights, biases, negative_slope=float(self.config.negative_slope))
