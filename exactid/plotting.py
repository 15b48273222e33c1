"""Matplotlib figures.  Only drawing happens here; every number comes from the library."""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only; no display needed
    import matplotlib.pyplot as plt

    return plt


def plot_pushforward_pair(z, prior_densities, x, log_densities, labels, title, path):
    """Two panels: the latent densities (left) and the log densities of x (right).

    Parameters
    ----------
    z : ndarray, shape (Nz,)
    prior_densities : sequence of ndarray, each shape (Nz,)
    x : ndarray, shape (Nx,)
    log_densities : dict[str, sequence of ndarray]
        Curve family name (e.g. ``"sigma = 0.3"``) -> one log-density array per model.
    labels : sequence of str
        One label per model.
    title : str
    path : str or pathlib.Path
        Output PNG; written atomically (a temporary file is renamed into place).
    """
    import os
    import tempfile

    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    styles = ["-", "--", ":"]
    for k, (dens, label) in enumerate(zip(prior_densities, labels)):
        left.plot(z, dens, styles[k % 3], lw=2, label=label)
    left.set_xlabel("z")
    left.set_ylabel("prior density")
    left.set_title("latent priors (different)")
    left.legend()
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for c, (family, curves) in enumerate(log_densities.items()):
        for k, (curve, label) in enumerate(zip(curves, labels)):
            right.plot(x, np.exp(curve), styles[k % 3], color=colors[c % len(colors)],
                       lw=2 if k == 0 else 1.5, label=f"{label}, {family}")
    right.set_xlabel("x")
    right.set_ylabel("density of x")
    right.set_title("distributions of x (identical)")
    right.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=directory)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)
