"""VaDE model and training on tiny settings (seconds on a CPU)."""

import math

import numpy as np
import pytest
import torch
from scipy import stats
from scipy.special import logsumexp

from vade_check.model import LOG_VAR_MAX, LOG_VAR_MIN, GMMPrior, ModelConfig, VaDE, mlp
from vade_check.training import NonFiniteLossError, TrainConfig, fit_gmm, resolve_device, train

TINY = dict(encoder_hidden=(8, 16, 8), decoder_hidden=(8, 16, 16), batch_size=50,
            device="cpu")


def three_blobs(n=300, seed=0):
    """A 2-D three-component mixture (independent of vade_check.data)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    centres = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 3.0]])
    return centres[labels] + 0.4 * rng.normal(size=(n, 2)), labels


@pytest.fixture(scope="module")
def tiny_run():
    x, _ = three_blobs()
    return train(x, TrainConfig(pretrain_epochs=4, epochs=12, **TINY), seed=3, n_clusters=3)


def test_loss_decreases_and_outputs_are_finite(tiny_run):
    h = tiny_run.history
    assert len(h["pretrain_mse"]) == 4 and len(h["loss"]) == 12
    assert h["pretrain_mse"][-1] < h["pretrain_mse"][0]
    # The first VaDE epoch starts from the pretrained net with the GMM just fitted; the
    # last must be clearly better (the ELBO estimate is noisy, so compare epoch means).
    assert np.mean(h["loss"][-3:]) < h["loss"][0]
    assert np.isfinite(tiny_run.latents).all() and tiny_run.latents.shape == (300, 2)
    assert set(np.unique(tiny_run.clusters)) <= {0, 1, 2}


def test_same_seed_gives_identical_latents():
    x, _ = three_blobs()
    cfg = TrainConfig(pretrain_epochs=2, epochs=2, **TINY)
    a, b = (train(x, cfg, seed=7, n_clusters=3) for _ in range(2))
    c = train(x, cfg, seed=8, n_clusters=3)
    assert np.array_equal(a.latents, b.latents)
    assert a.prior == b.prior
    assert not np.array_equal(a.latents, c.latents)


def test_training_leaves_the_global_torch_rng_alone():
    x, _ = three_blobs(n=60)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train(x, TrainConfig(pretrain_epochs=1, epochs=1, **TINY), seed=0, n_clusters=3)
    assert torch.equal(torch.rand(3), expected)


def test_prior_stays_a_valid_gmm(tiny_run):
    g = tiny_run.prior
    assert g.n_components == 3 and g.dim == 2
    assert abs(g.weights.sum() - 1.0) < 1e-12 and (g.weights > 0).all()
    assert all(np.linalg.eigvalsh(c).min() > 0 for c in g.covs)
    # Whatever the raw parameters, the exported mixture is valid: extreme log-variances are
    # clamped and extreme logits still give a simplex point.
    prior = GMMPrior(3, 2)
    with torch.no_grad():
        prior.log_vars.copy_(torch.tensor([[1e4, -1e4], [0.0, 0.0], [50.0, -50.0]]))
        prior.logits.copy_(torch.tensor([1e3, -1e3, 0.0]))
    g = prior.to_exactid()
    variances = np.array([np.diag(c) for c in g.covs])
    assert variances.max() <= math.exp(LOG_VAR_MAX) * (1 + 1e-12)
    assert variances.min() >= math.exp(LOG_VAR_MIN) * (1 - 1e-12)
    assert abs(g.weights.sum() - 1.0) < 1e-12


def test_vae_prior_is_fixed_standard_normal():
    x, _ = three_blobs(n=100)
    res = train(x, TrainConfig(model="vae", pretrain_epochs=1, epochs=2, **TINY), seed=0)
    g = res.prior
    assert g.n_components == 1
    np.testing.assert_array_equal(g.means, np.zeros((1, 2)))
    np.testing.assert_array_equal(g.covs[0], np.eye(2))
    assert (res.clusters == 0).all()


def test_elbo_against_scipy():
    """The single-sample ELBO against an independent evaluation with scipy.stats for the same
    reparametrisation noise; float32 network, so the tolerance is 1e-4 relative."""
    torch.manual_seed(0)
    model = VaDE(ModelConfig(data_dim=3, latent_dim=2, n_components=3,
                             encoder_hidden=(5, 7, 5), decoder_hidden=(4, 6, 6)))
    with torch.no_grad():
        model.prior.means.normal_()
        model.prior.log_vars.uniform_(-1, 1)
        model.prior.logits.normal_()
        model.log_noise_var.fill_(-1.3)
    x = torch.randn(6, 3)
    gen = torch.Generator().manual_seed(5)
    elbo = model.elbo(x, generator=gen).detach().double().numpy()
    eps = torch.randn((6, 2), generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        mean, log_var = model.encode(x)
        z = mean + torch.exp(0.5 * log_var) * eps
        x_hat = model.decoder(z).double().numpy()
    mean, log_var, z = (t.double().numpy() for t in (mean, log_var, z))
    xs = x.double().numpy()
    w = np.exp(model.prior.log_weights().detach().double().numpy())
    mus = model.prior.means.detach().double().numpy()
    variances = np.exp(model.prior.log_vars.detach().double().numpy())
    s2 = math.exp(-1.3)
    for k in range(6):
        log_lik = stats.multivariate_normal(x_hat[k], s2 * np.eye(3)).logpdf(xs[k])
        log_joint = [math.log(w[j]) + stats.multivariate_normal(mus[j], np.diag(variances[j]))
                     .logpdf(z[k]) for j in range(3)]
        entropy = stats.multivariate_normal(mean[k], np.diag(np.exp(log_var[k]))).entropy()
        ref = log_lik + logsumexp(log_joint) + entropy
        assert abs(elbo[k] - ref) <= 1e-4 * max(1.0, abs(ref))
        # Falck et al.'s form with q(c|x) = p(c|z) collapses to log p(z) (module docstring).
        gamma = np.exp(np.array(log_joint) - logsumexp(log_joint))
        falck = float(np.sum(gamma * (np.array(log_joint) - np.log(gamma))))
        assert abs(falck - logsumexp(log_joint)) < 1e-10


def test_decoder_net_matches_the_torch_decoder(tiny_run):
    net = tiny_run.model.decoder_net()
    assert net.negative_slope == 0.01 and net.input_dim == 2 and net.output_dim == 2
    assert [w.shape[0] for w in net.weights] == [8, 16, 16, 2]
    z = np.random.default_rng(0).normal(size=(50, 2))
    with torch.no_grad():
        expected = tiny_run.model.decoder(torch.as_tensor(z, dtype=torch.float32)).double()
    # float32 forward pass against float64: about 1e-6 relative on these magnitudes.
    np.testing.assert_allclose(net(z), expected.numpy(), rtol=1e-4, atol=1e-5)


def test_paper_architecture():
    model = VaDE(ModelConfig(data_dim=2))
    enc = [m.out_features for m in model.encoder.modules() if isinstance(m, torch.nn.Linear)]
    dec = [m.out_features for m in model.decoder if isinstance(m, torch.nn.Linear)]
    assert enc == [64, 512, 64] and model.enc_mean.out_features == 2
    assert dec == [64, 512, 512, 2]
    acts = [m for m in model.decoder if isinstance(m, torch.nn.LeakyReLU)]
    assert len(acts) == 3 and not isinstance(model.decoder[-1], torch.nn.LeakyReLU)
    assert len(mlp((2, 3), 0.1)) == 1


def test_non_finite_loss_stops_with_a_clear_error():
    x, _ = three_blobs(n=60)
    # Finite in float64 and float32, but its square overflows float32: the loss is inf.
    with pytest.raises(NonFiniteLossError, match="pretraining: the loss became inf at epoch 1"):
        train(x * 1e20, TrainConfig(pretrain_epochs=1, epochs=1, **TINY), seed=0)
    with pytest.raises(NonFiniteLossError, match="training: the loss became"):
        train(x * 1e20, TrainConfig(pretrain_epochs=0, epochs=1, **TINY), seed=0)


def test_fit_gmm_recovers_a_separated_mixture():
    rng = np.random.default_rng(1)
    n = 6000
    labels = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    means = np.array([[-4.0, 0.0], [4.0, 1.0], [0.0, 6.0]])
    sds = np.array([[1.0, 0.5], [0.7, 1.2], [0.5, 0.5]])
    z = means[labels] + sds[labels] * rng.normal(size=(n, 2))
    w, mu, var = fit_gmm(z, 3, seed=0)
    order = np.argsort(mu[:, 0])
    # Standard errors: sd / sqrt(n_j) <= 1.2 / sqrt(1200) ~ 0.035 for the means; 5 of them.
    np.testing.assert_allclose(w[order], [0.5, 0.2, 0.3], atol=0.03)
    np.testing.assert_allclose(mu[order], means[[0, 2, 1]], atol=0.15)
    np.testing.assert_allclose(np.sqrt(var[order]), sds[[0, 2, 1]], rtol=0.1)
    # Deterministic for a fixed seed.
    w2, mu2, var2 = fit_gmm(z, 3, seed=0)
    assert np.array_equal(mu, mu2) and np.array_equal(var, var2)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(model="gan"), "model: expected 'vade' or 'vae', found 'gan'"),
    (dict(epochs=0), "epochs: expected an integer >= 1, found 0"),
    (dict(batch_size=2.5), "batch_size: expected an integer >= 1, found 2.5"),
    (dict(lr=-1.0), "lr: expected a positive number, found -1.0"),
    (dict(n_components=0), "n_components: expected None or an integer >= 1, found 0"),
])
def test_config_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_train_input_validation():
    with pytest.raises(ValueError, match=r"x: expected an array of shape \(N, n\), found shape"):
        train(np.zeros(5))
    with pytest.raises(ValueError, match="x: expected finite values"):
        train(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="seed: expected an integer >= 0, found -1"):
        train(np.zeros((4, 2)), seed=-1)
    with pytest.raises(ValueError, match="config: expected a TrainConfig, found dict"):
        train(np.zeros((4, 2)), {"epochs": 1})
    with pytest.raises(ValueError, match="device: expected a torch device name"):
        resolve_device("not-a-device")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")
    assert resolve_device("cpu").type == "cpu"
