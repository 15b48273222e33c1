"""Training: autoencoder pretraining, GMM initialisation of the prior, VaDE training.

The schedule of paper 003 (J.3.2): 15 epochs of autoencoder pretraining (encoder mean and
decoder, squared error), a Gaussian mixture fitted to the encoded data initialises the prior
(and the pretraining error the observation noise), then 20 epochs of VaDE training on the
single-sample ELBO (:meth:`vade_check.model.VaDE.elbo`).  All of it is configurable in
:class:`TrainConfig`.

Determinism: every random draw (initial weights, shuffling, the reparametrisation noise, the
GMM fit) comes from generators seeded by ``seed``; the global torch RNG is forked and restored,
so a run neither depends on nor changes global state.  Two runs with the same seed on the same
CPU give bit-identical results (on CUDA, some kernels are non-deterministic).

A non-finite loss stops training with :class:`NonFiniteLossError`, naming the phase, epoch and
step; it is never skipped silently.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from exactid.progress import progress_bar
from exactid.validation import check_instance, check_integer

from .model import ModelConfig, VaDE

__all__ = ["TrainConfig", "TrainResult", "NonFiniteLossError", "train", "fit_gmm",
           "resolve_device"]


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite."""


@dataclass(frozen=True)
class TrainConfig:
    """Training settings (defaults: paper 003, J.3.2).

    Attributes
    ----------
    model : {"vade", "vae"}
        VaDE with a learned GMM prior, or the plain VAE baseline.
    n_components : int or None
        Prior components J (default: the number of clusters of the data set).
    latent_dim : int
        m (2 in the paper).
    pretrain_epochs, epochs : int
        Autoencoder pretraining epochs (15) and VaDE epochs (20); ``pretrain_epochs = 0``
        skips pretraining and the GMM initialisation (the prior then starts at
        weights 1/J, means drawn from N(0, I), unit variances).
    batch_size : int
    lr, pretrain_lr : float
        Adam learning rates.
    encoder_hidden, decoder_hidden : tuple of int
    negative_slope : float
    noise_std : float or None
        Fixed observation noise, or None to learn it.
    device : str or None
        ``"cpu"``, ``"cuda"``, ... ; None picks CUDA when available, else the CPU.
    """

    model: str = "vade"
    n_components: int | None = None
    latent_dim: int = 2
    pretrain_epochs: int = 15
    epochs: int = 20
    batch_size: int = 100
    lr: float = 1e-3
    pretrain_lr: float = 1e-3
    encoder_hidden: tuple = (64, 512, 64)
    decoder_hidden: tuple = (64, 512, 512)
    negative_slope: float = 0.01
    noise_std: float | None = None
    device: str | None = None

    def __post_init__(self):
        if self.model not in ("vade", "vae"):
            raise ValueError(f"model: expected 'vade' or 'vae', found {self.model!r}")
        for name, low in (("pretrain_epochs", 0), ("epochs", 1), ("batch_size", 1),
                          ("latent_dim", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name}: expected an integer >= {low}, found {value!r}")
        if self.n_components is not None and (
                isinstance(self.n_components, bool)
                or not isinstance(self.n_components, (int, np.integer)) or self.n_components < 1):
            raise ValueError(f"n_components: expected None or an integer >= 1, "
                             f"found {self.n_components!r}")
        for name in ("lr", "pretrain_lr"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name}: expected a positive number, found {value!r}")
            if value > MAX_LR:
                raise ValueError(f"{name}: expected a positive number <= {MAX_LR:g}, found "
                                 f"{value!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["encoder_hidden"], d["decoder_hidden"] = list(self.encoder_hidden), list(
            self.decoder_hidden)
        return d


#: Largest accepted learning rate (Adam keeps its state in float32; any useful rate is far
#: below this).
MAX_LR = 10.0
#: Devices the trainer runs on.
SUPPORTED_DEVICES = ("cpu", "cuda", "mps")


@dataclass
class TrainResult:
    """One trained model and what the stability study needs from it.

    Attributes
    ----------
    model : VaDE
        The trained module (on the CPU).
    latents : ndarray, shape (N, m)
        Encoder means ``mu(x)`` of the training data (float64).
    clusters : ndarray, shape (N,)
        ``argmax_c p(c | mu(x))`` (all zero for the VAE).
    prior : exactid.GaussianMixture
        The learned prior (the standard normal for the VAE).
    history : dict
        ``{"pretrain_mse": [...], "loss": [...]}``: per-epoch means (loss = -ELBO per point).
    seed : int
    seconds : float
        Wall-clock training time.
    device : str
    """

    model: VaDE
    latents: np.ndarray
    clusters: np.ndarray
    prior: object
    history: dict
    seed: int
    seconds: float
    device: str = "cpu"
    config: dict = field(default_factory=dict)


def resolve_device(device: str | None) -> torch.device:
    """``None`` -> CUDA when available, else the CPU; otherwise ``torch.device(device)``."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device: expected a torch device name such as 'cpu' or 'cuda', "
                         f"found {device!r}") from None
    if dev.type not in SUPPORTED_DEVICES:
        raise ValueError(f"device: expected one of {', '.join(SUPPORTED_DEVICES)}, found "
                         f"{device!r}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device: {device!r} requested but CUDA is not available")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device: {device!r} requested but MPS is not available")
    return dev


# -- Gaussian mixture fit (prior initialisation) ----------------------------------------------
def fit_gmm(z, n_components: int, seed=0, *, n_init: int = 5, max_iter: int = 300,
            tol: float = 1e-8, reg: float = 1e-6):
    """Maximum-likelihood diagonal Gaussian mixture by EM (k-means++ starts, best of
    ``n_init``).

    Parameters
    ----------
    z : array_like, shape (N, m)
    n_components : int
    seed : int or numpy.random.Generator
    reg : float
        Added to every variance, relative to the data variance, so a component that collapses
        on few points keeps a valid covariance.

    Returns
    -------
    weights : ndarray, shape (J,)
    means : ndarray, shape (J, m)
    variances : ndarray, shape (J, m)
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or not np.isfinite(z).all():
        raise ValueError(f"z: expected a finite array of shape (N, m), found shape {z.shape}")
    n, m = z.shape
    if n < n_components:
        raise ValueError(f"z: expected at least n_components = {n_components} rows, found {n}")
    rng = np.random.default_rng(seed)
    floor = reg * max(float(z.var(axis=0).max()), 1e-300)
    best, best_ll = None, -np.inf
    for _ in range(n_init):
        # k-means++ seeding: spread starting means.
        centres = [z[rng.integers(n)]]
        for _ in range(1, n_components):
            d2 = np.min([((z - c) ** 2).sum(1) for c in centres], axis=0)
            p = d2 / d2.sum() if d2.sum() > 0 else np.full(n, 1.0 / n)
            centres.append(z[rng.choice(n, p=p)])
        means = np.array(centres)
        variances = np.tile(z.var(axis=0) + floor, (n_components, 1))
        weights = np.full(n_components, 1.0 / n_components)
        prev = -np.inf
        for _ in range(max_iter):
            log_joint = (np.log(weights)[None] - 0.5 * (
                np.log(2 * np.pi * variances)[None]
                + (z[:, None, :] - means[None]) ** 2 / variances[None]).sum(-1))
            log_norm = np.logaddexp.reduce(log_joint, axis=1)
            ll = float(log_norm.mean())
            resp = np.exp(log_joint - log_norm[:, None])
            nk = resp.sum(0) + 1e-300
            weights = nk / n
            means = resp.T @ z / nk[:, None]
            variances = resp.T @ z**2 / nk[:, None] - means**2 + floor
            variances = np.maximum(variances, floor)
            if ll - prev < tol * max(1.0, abs(ll)):
                break
            prev = ll
        if ll > best_ll:
            best_ll, best = ll, (weights / weights.sum(), means, variances)
    return best


# -- progress ----------------------------------------------------------------------------------
def _check_finite(loss: torch.Tensor, phase: str, epoch: int, step: int) -> None:
    if not torch.isfinite(loss):
        raise NonFiniteLossError(
            f"{phase}: the loss became {loss.item()} at epoch {epoch + 1}, step {step + 1}; "
            "training stopped (try a smaller learning rate or a fixed noise_std)")


def _epoch(x_t, batch_size: int, gen, opt, loss_fn, phase: str, epoch: int) -> float:
    """One pass over ``x_t`` in a seeded random order; returns the mean loss per point."""
    n = x_t.shape[0]
    order = torch.randperm(n, generator=gen, device=x_t.device)
    total = 0.0
    for step in range(math.ceil(n / batch_size)):
        xb = x_t[order[step * batch_size:(step + 1) * batch_size]]
        loss = loss_fn(xb)
        _check_finite(loss, phase, epoch, step)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * xb.shape[0]
    return total / n


def _as_data(x) -> np.ndarray:
    # A writable copy: torch cannot wrap read-only arrays (Dataset arrays are read-only).
    x = np.array(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x: expected an array of shape (N, n), found shape {x.shape}")
    if x.shape[0] < 2:
        raise ValueError(f"x: expected at least 2 rows, found {x.shape[0]}")
    if not np.isfinite(x).all():
        raise ValueError("x: expected finite values, found NaN or inf")
    return x


def train(x, config: TrainConfig | None = None, *, seed: int = 0, n_clusters: int | None = None,
          progress=None, label: str = "run", bar=None) -> TrainResult:
    """Train one VaDE (or VAE) on the observations ``x``.

    Parameters
    ----------
    x : array_like, shape (N, n)
        Observations.
    config : TrainConfig, optional
    seed : int
        Seeds initial weights, shuffling, reparametrisation noise and the GMM fit.
    n_clusters : int, optional
        Default for ``config.n_components`` (the data set's number of clusters).
    progress : bool or None
        A progress bar on stderr (None: only on a terminal; see :mod:`exactid.progress`).
    label : str
        Prefix of the progress bar (and of its loss display when ``bar`` is given).
    bar : tqdm bar, optional
        An open bar to advance by one per epoch instead of a new one (one bar across the runs
        of a study, so that it shows the runs done and the time left); ``progress`` is then
        ignored and the bar is left open.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError
        On invalid input.
    NonFiniteLossError
        If a loss becomes NaN or infinite.
    """
    config = config or TrainConfig()
    check_instance(config, "config", TrainConfig)
    seed = check_integer(seed, "seed", 0)
    if n_clusters is not None:
        check_integer(n_clusters, "n_clusters", 1, "None or an integer >= 1")
    x_np = _as_data(x)
    n_comp = config.n_components or n_clusters or 1
    device = resolve_device(config.device)
    model_config = ModelConfig(
        data_dim=x_np.shape[1], latent_dim=config.latent_dim, n_components=n_comp,
        encoder_hidden=tuple(config.encoder_hidden), decoder_hidden=tuple(config.decoder_hidden),
        negative_slope=config.negative_slope, kind=config.model, noise_std=config.noise_std)
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        model = VaDE(model_config)
    model.to(device)
    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed))
    x_t = torch.as_tensor(x_np, dtype=torch.float32, device=device)
    own = bar is None
    if own:
        bar = progress_bar(config.pretrain_epochs + config.epochs, label, progress, unit="epoch")
    history = {"pretrain_mse": [], "loss": []}
    try:
        _pretrain(model, x_t, config, gen, n_comp, seed, history, bar, label)
        _train_elbo(model, x_t, config, gen, history, bar, label)
    finally:
        if own:
            bar.close()
    model.eval()
    with torch.no_grad():
        mean, _ = model.encode(x_t)
        clusters = model.prior.log_posterior(mean).argmax(1).cpu().numpy()
        latents = mean.double().cpu().numpy()
    if not np.isfinite(latents).all():
        raise NonFiniteLossError("the trained encoder returns non-finite latents")
    model.cpu()
    return TrainResult(model=model, latents=latents, clusters=clusters,
                       prior=model.prior.to_exactid(), history=history, seed=int(seed),
                       seconds=time.perf_counter() - start, device=str(device),
                       config=config.to_dict())


def _pretrain(model, x_t, config, gen, n_comp, seed, history, bar, label) -> None:
    """1. autoencoder pretraining on the encoder mean; 2. the prior (and the noise)
    initialised from the encoded data (without pretraining: random prior means)."""
    if not config.pretrain_epochs:
        if config.model == "vade":
            with torch.no_grad():
                model.prior.means.normal_(generator=gen)
        return
    params = (list(model.encoder.parameters()) + list(model.enc_mean.parameters())
              + list(model.decoder.parameters()))
    opt = torch.optim.Adam(params, lr=config.pretrain_lr)

    def reconstruction(xb):
        return (model.decoder(model.encode(xb)[0]) - xb).square().sum(1).mean()

    for epoch in range(config.pretrain_epochs):
        mse = _epoch(x_t, config.batch_size, gen, opt, reconstruction, "pretraining", epoch)
        history["pretrain_mse"].append(mse)
        bar.set_postfix_str(f"{label}: pretraining epoch {epoch + 1}, mse {mse:.4g}",
                            refresh=False)
        bar.update(1)
    with torch.no_grad():
        codes, _ = model.encode(x_t)
        mse = float((model.decoder(codes) - x_t).square().mean())
        codes = codes.double().cpu().numpy()
    if config.model == "vade":
        model.prior.set_(*fit_gmm(codes, n_comp, seed=seed))
    if config.noise_std is None:
        with torch.no_grad():
            model.log_noise_var.fill_(math.log(max(mse, 1e-6)))


def _train_elbo(model, x_t, config, gen, history, bar, label) -> None:
    """3. VaDE (or VAE) training on the single-sample ELBO."""
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=config.lr)

    def negative_elbo(xb):
        return -model.elbo(xb, generator=gen).mean()

    for epoch in range(config.epochs):
        loss = _epoch(x_t, config.batch_size, gen, opt, negative_elbo, "training", epoch)
        history["loss"].append(loss)
        bar.set_postfix_str(f"{label}: epoch {epoch + 1}, loss {loss:.4g}", refresh=False)
        bar.update(1)
