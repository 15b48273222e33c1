"""Figure 2-style plots of learned latent spaces (no computation in here)."""

from __future__ import annotations

import numpy as np

from exactid.plotting import pyplot, save_figure

__all__ = ["plot_latents"]


def _ellipse(ax, mean, cov, color):
    """The 2-sigma ellipse of N(mean, cov) in the first two coordinates."""
    vals, vecs = np.linalg.eigh(np.asarray(cov)[:2, :2])
    t = np.linspace(0, 2 * np.pi, 100)
    pts = (vecs * (2.0 * np.sqrt(np.maximum(vals, 0.0)))) @ np.stack([np.cos(t), np.sin(t)])
    ax.plot(mean[0] + pts[0], mean[1] + pts[1], color=color, lw=1.2)


def plot_latents(result, path, *, max_points: int = 3000) -> None:
    """The ground-truth latents, then one panel per run, in a grid of at most three columns:
    the encoded data coloured by the true cluster labels, with the 2-sd ellipses of the mixture
    compared by distAff,L2.  Each panel keeps its own axes (the runs' latent spaces differ by an
    affine map), with ticks.

    Parameters
    ----------
    result : vade_check.study.StabilityResult
    path : str or path-like
        Written atomically (a temporary file, then a rename).
    max_points : int
        Points drawn per panel (a fixed subsample, the same rows in every panel).
    """
    plt = pyplot()
    labels = np.asarray(result.labels)
    rows = np.random.default_rng(0).permutation(len(labels))[:max_points]
    panels = [("ground-truth latents", np.asarray(result.truth), None)] + [
        (f"run {k + 1} (seed {rec['seed']})", z, g)
        for k, (rec, z, g) in enumerate(zip(result.runs, result.latents, result.priors))]
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.0 * ncols, 3.7 * nrows), squeeze=False)
    cmap = plt.get_cmap("tab10")
    for ax, (title, z, g) in zip(axes.flat, panels):
        z = np.asarray(z)
        if z.shape[1] < 2:
            z = np.column_stack([z[:, 0], np.zeros(len(z))])
        ax.scatter(z[rows, 0], z[rows, 1], c=[cmap(int(c) % 10) for c in labels[rows]], s=3,
                   alpha=0.5, linewidths=0)
        if g is not None and g.dim >= 2:
            for mean, cov in zip(g.means, g.covs):
                _ellipse(ax, mean, cov, "black")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("latent coordinate 1", fontsize=9)
        ax.set_ylabel("latent coordinate 2", fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    mixture = "learned prior" if result.model == "vade" else "GMM fitted to the codes"
    config = result.config
    model = {"vade": "VaDE", "vae": "VAE"}.get(result.model, result.model)
    fig.suptitle(f"{model} latent spaces on {result.dataset} "
                 f"({config['n_samples']} samples, {config['pretrain_epochs']} pretraining + "
                 f"{config['epochs']} training epochs)\n"
                 f"colours: true clusters; ellipses: {mixture}, 2 sd", fontsize=11)
    fig.tight_layout()
    save_figure(fig, path)
