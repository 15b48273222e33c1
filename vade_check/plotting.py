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
    """One panel for the ground-truth latents, then one per run: the encoded data coloured by
    the true cluster labels, with the 2-sigma ellipses of the mixture compared by distAff,L2.

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
    n = len(labels)
    rows = np.random.default_rng(0).permutation(n)[:max_points]
    panels = [("ground truth", np.asarray(result.truth), None)] + [
        (f"run {k + 1} (seed {rec['seed']})", z, g)
        for k, (rec, z, g) in enumerate(zip(result.runs, result.latents, result.priors))]
    fig, axes = plt.subplots(1, len(panels), figsize=(2.8 * len(panels), 3.0), squeeze=False)
    cmap = plt.get_cmap("tab10")
    for ax, (title, z, g) in zip(axes[0], panels):
        z = np.asarray(z)
        if z.shape[1] < 2:
            z = np.column_stack([z[:, 0], np.zeros(len(z))])
        ax.scatter(z[rows, 0], z[rows, 1], c=[cmap(int(c) % 10) for c in labels[rows]], s=2,
                   alpha=0.5, linewidths=0)
        if g is not None and g.dim >= 2:
            for mean, cov in zip(g.means, g.covs):
                _ellipse(ax, mean, cov, "black")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    mixture = "learned prior" if result.model == "vade" else "GMM fitted to the codes"
    fig.suptitle(f"{result.model} latent spaces, {result.dataset} "
                 f"(colours: true clusters; ellipses: {mixture}, 2 sd)",
                 fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
