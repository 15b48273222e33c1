"""Matplotlib figures.  Only drawing happens here; every number comes from the library."""

from __future__ import annotations

import io
import os

import numpy as np

from .files import atomic_write
from .parameters import parameter_label


def pyplot():
    """matplotlib.pyplot with the non-interactive Agg backend (files only, no display)."""
    import matplotlib  # only when a figure is drawn: importing exactid stays cheap

    matplotlib.use("Agg")  # files only; no display needed
    import matplotlib.pyplot as plt  # after use('Agg'), as matplotlib requires

    return plt


def save_figure(fig, path, dpi: int = 120, option: str = "path") -> None:
    """Save ``fig`` to ``path`` and close it.

    The image is rendered in memory, then written by :func:`exactid.files.atomic_write`, so
    ``path`` never holds a partial image, keeps its permissions, and is refused if it is a
    device or a directory.  The format follows the extension of ``path`` (PNG if it has
    none); ``option`` names the argument in error messages.
    """


    plt = pyplot()
    try:
        name = os.fspath(path)
        ext = os.path.splitext(name)[1].lstrip(".").lower() or "png"
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=dpi)
    finally:
        plt.close(fig)
    atomic_write(name, buffer.getvalue(), option)


def plot_pushforward_pair(z, prior_densities, x, log_densities, labels, title, path):
    """The latent densities (left), then the density of x for each noise level, one panel
    each.  A model has one colour in every panel (solid for the first model, dashed for the
    others, so that identical curves stay visible on top of each other).

    Parameters
    ----------
    z : ndarray, shape (Nz,)
    prior_densities : sequence of ndarray, each shape (Nz,)
    x : ndarray, shape (Nx,)
    log_densities : dict[str, sequence of ndarray]
        Panel title (e.g. ``"sigma = 0.3"``) -> one log-density array per model, shape (Nx,).
    labels : sequence of str
        One label per model.
    title : str
    path : str or pathlib.Path
        Output PNG; written atomically (a temporary file is renamed into place).
    """
    plt = pyplot()
    panels = len(log_densities)
    fig, axes = plt.subplots(1, 1 + panels, figsize=(4.2 * (1 + panels), 3.8), squeeze=False)
    left, rights = axes[0][0], axes[0][1:]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    def style(k):
        return dict(color=colors[k % len(colors)], ls="-" if k == 0 else "--",
                    lw=2.6 if k == 0 else 1.6)

    for k, (dens, label) in enumerate(zip(prior_densities, labels)):
        left.plot(z, dens, label=label, **style(k))
    left.set_xlabel("z")
    left.set_ylabel("density of z")
    left.set_title("latent priors (different)")
    left.legend(fontsize=8)
    for ax, (family, curves) in zip(rights, log_densities.items()):
        for k, (curve, label) in enumerate(zip(curves, labels)):
            ax.plot(x, np.exp(curve), label=f"x under {label}", **style(k))
        ax.set_xlabel("x")
        ax.set_ylabel("density of x")
        ax.set_title(f"law of x, {family} (identical)")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


#: Colours of the curve, the ground-truth line and the global-minimizer line.
_CURVE, _TRUTH, _MINIMIZER = "tab:blue", "black", "tab:red"
#: Exponent of the power-law colour scale of 2-D slices.
GAMMA_2D = 0.3


def _nll_label(sl) -> str:
    """y-axis label: population NLL (cross-entropy) or sample NLL, in nats."""
    return "sample NLL (nats per point)" if sl.kind == "sample" else "population NLL (nats)"


def plot_nll_slices(slices, path, *, minimizer_values=None, titles=None, suptitle=None,
                    minimizer_label="minimum of the slice"):
    """One panel per slice, in a row: the NLL against the parameter, with vertical lines at
    the ground truth (solid) and at a minimizer (dashed), as in paper 003, Figure 1.

    Parameters
    ----------
    slices : Slice1D or sequence of Slice1D
        From :func:`exactid.search.surface.nll_slice`.
    path : str or os.PathLike
        Output image (format from the extension, PNG by default); written atomically.
    minimizer_values : sequence of float or None, optional
        Per panel, a minimizer's value of the panel's parameter (None or NaN: no line), e.g.
        ``slice.argmin_value`` (the minimum along the slice; not a global minimizer of the
        model unless a search says so).
    minimizer_label : str
        Legend entry of the dashed line.
    titles : sequence of str, optional
        Per-panel titles.
    suptitle : str, optional
        Figure title.
    """
    if hasattr(slices, "objective"):
        slices = [slices]
    slices = list(slices)
    if not slices:
        raise ValueError("slices: expected at least one Slice1D, found none")
    k = len(slices)
    minimizer_values = [None] * k if minimizer_values is None else list(minimizer_values)
    titles = [None] * k if titles is None else list(titles)
    for arg, seq in (("minimizer_values", minimizer_values), ("titles", titles)):
        if len(seq) != k:
            raise ValueError(f"{arg}: expected {k} entries (one per slice), found {len(seq)}")
    plt = pyplot()
    fig, axes = plt.subplots(1, k, figsize=(4.2 * k, 3.4), squeeze=False)
    for ax, sl, minimizer, title in zip(axes[0], slices, minimizer_values, titles):
        ax.plot(sl.values, sl.objective, "-", color=_CURVE, lw=1.8)
        if np.isfinite(sl.truth_value):
            ax.axvline(sl.truth_value, color=_TRUTH, ls="-", lw=1.5, label="ground truth")
        if minimizer is not None and np.isfinite(minimizer):
            ax.axvline(minimizer, color=_MINIMIZER, ls="--", lw=1.5, label=minimizer_label)
        ax.set_xlabel(parameter_label(sl.name))
        ax.set_ylabel(_nll_label(sl))
        if title is not None:
            ax.set_title(title)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    if suptitle is not None:
        fig.suptitle(suptitle)
    fig.tight_layout()
    save_figure(fig, path)


def plot_nll_slice_2d(slice2d, path, *, minimizer=None, minimizer_label="minimum of the slice"):
    """The NLL on a 2-D slice as a colour map with contour lines, with markers at the ground
    truth and, if given, at a minimizer.

    Parameters
    ----------
    slice2d : Slice2D
        From :func:`exactid.search.surface.nll_slice_2d`.
    path : str or os.PathLike
        Output image (format from the extension, PNG by default); written atomically.
    minimizer : tuple of float, optional
        ``(x, y)`` of a minimizer, e.g. ``slice2d.argmin_values`` (the minimum on the slice).
    minimizer_label : str
        Legend entry of its marker.
    """
    from matplotlib.colors import PowerNorm  # matplotlib: only when a figure is drawn

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 4.8))
    s = slice2d
    # NLL surfaces have steep walls far from the truth; a power-law colour scale (and contour
    # levels spaced the same way) keeps the basins around the minima visible.
    lo, hi = float(np.min(s.objective)), float(np.max(s.objective))
    norm = PowerNorm(gamma=GAMMA_2D, vmin=lo, vmax=hi) if hi > lo else None
    mesh = ax.pcolormesh(s.values_x, s.values_y, s.objective, shading="nearest", cmap="viridis",
                         norm=norm)
    fig.colorbar(mesh, ax=ax, label=_nll_label(s))
    if s.values_x.size >= 2 and s.values_y.size >= 2 and hi > lo:
        levels = lo + (hi - lo) * np.linspace(0.0, 1.0, 16)[1:-1] ** (1.0 / GAMMA_2D)
        ax.contour(s.values_x, s.values_y, s.objective, levels=levels, colors="white",
                   linewidths=0.5, alpha=0.6)
    if np.isfinite(s.truth_value_x) and np.isfinite(s.truth_value_y):
        ax.plot([s.truth_value_x], [s.truth_value_y], "o", color=_TRUTH, mfc="none", ms=11,
                mew=2, ls="none", label="ground truth")
    if minimizer is not None:
        ax.plot([minimizer[0]], [minimizer[1]], "x", color=_MINIMIZER, ms=9, mew=2, ls="none",
                label=minimizer_label)
    ax.set_xlabel(parameter_label(s.name_x))
    ax.set_ylabel(parameter_label(s.name_y))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def plot_finite_sample(sizes, n_equivalent, n_replicates, kl_values, path, *, title=None):
    """Two panels against the sample size: the number of replicates whose sample-NLL minimizer
    is equivalent to the truth (as a fraction, with a 95% Wilson interval and the count ``k/R``
    written at each point), and KL(truth || minimizer) of every replicate (log scale, nats).

    Parameters
    ----------
    sizes : ndarray, shape (S,)
    n_equivalent : ndarray of int, shape (S,)
        Replicates whose minimizer is equivalent to the truth, per size.
    n_replicates : int
        Replicates per size.
    kl_values : sequence of ndarray
        Per size, the KL of each replicate (zeros are drawn at the axis floor).
    path : str or os.PathLike
    title : str, optional
    """
    plt = pyplot()
    sizes = np.asarray(sizes)
    k = np.asarray(n_equivalent, dtype=float)
    frac = k / n_replicates
    lo, hi = _wilson(k, n_replicates)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    # Rounding can put a Wilson bound a hair past the estimate at k = 0 or k = n.
    yerr = [np.maximum(frac - lo, 0.0), np.maximum(hi - frac, 0.0)]
    left.errorbar(sizes, frac, yerr=yerr, fmt="o-", lw=2, capsize=4,
                  label="fraction (95% Wilson interval)")
    for n, f, kk in zip(sizes, frac, k):
        left.annotate(f"{int(kk)}/{n_replicates}", (n, f), textcoords="offset points",
                      xytext=(6, 6), fontsize=8)
    left.set_xscale("log")
    left.set_ylim(-0.05, 1.1)
    left.set_xlabel("sample size n (log scale)")
    left.set_ylabel("fraction of replicates")
    left.set_title("sample-NLL minimizer equivalent to the truth")
    left.legend(fontsize=8, loc="upper left")
    positive = np.concatenate([np.asarray(v)[np.asarray(v) > 0] for v in kl_values] or [[1.0]])
    floor = positive.min() / 10 if positive.size else 1e-12
    zero_label, pos_label = "KL = 0 (drawn at the floor)", "replicate"
    for n, kls in zip(sizes, kl_values):
        kls = np.asarray(kls, dtype=float)
        pos = kls[kls > 0]
        right.plot(np.full(pos.shape, n), pos, "o", color="C0", alpha=0.6, label=pos_label)
        zeros = np.count_nonzero(kls <= 0)
        if zeros:
            right.plot(np.full(zeros, n), np.full(zeros, floor), "v", color="C2", ms=8,
                       alpha=0.7, label=zero_label)
            zero_label = None
        if pos.size:
            pos_label = None
    medians = [np.median(np.asarray(v, dtype=float)) for v in kl_values]
    right.plot(sizes, np.maximum(medians, floor), "-", color="C1", lw=2, label="median")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("sample size n (log scale)")
    right.set_ylabel("KL(truth || minimizer) (nats, log scale)")
    right.set_title("population KL of the sample-NLL minimizer")
    right.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def _wilson(k, n: int, z: float = 1.959963984540054):
    """The Wilson score interval of a binomial proportion ``k / n`` (arrays of k)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def plot_example4(z, f_values, g_values, shared, x, densities, path, *, title=None):
    """Paper 003, Figure 3 and the laws of Example 4: f and g (left; black where they agree,
    red for f and blue for g elsewhere) and the densities of f(Y) and g(Y) overlaid (right).

    Parameters
    ----------
    z : ndarray, shape (N,)
    f_values, g_values : ndarray, shape (N,)
        f(z) and g(z).
    shared : ndarray of bool, shape (N,)
        Where f(z) = g(z) (drawn black).
    x : ndarray, shape (M,)
    densities : dict[str, tuple of (ndarray, ndarray)]
        Curve family (e.g. ``"sigma = 0"``) -> (density of f(Y), density of g(Y)), each of
        shape (M,).
    path : str or os.PathLike
        Output image (format from the extension, PNG by default); written atomically.
    title : str, optional
    """
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    shared = np.asarray(shared, dtype=bool)
    # Widen each coloured stretch by one point so that it meets the black one.
    own = ~shared
    own_wide = own | np.concatenate([own[1:], [False]]) | np.concatenate([[False], own[:-1]])
    left.plot(z, np.where(own_wide, f_values, np.nan), "-", color="tab:red", lw=2.2,
              label="f only")
    left.plot(z, np.where(own_wide, g_values, np.nan), "-", color="tab:blue", lw=2.2,
              label="g only")
    left.plot(z, np.where(shared, f_values, np.nan), "-", color="black", lw=2.2,
              label="f = g")
    left.axhline(0.0, color="0.8", lw=0.8, zorder=0)
    left.set_xlabel("z")
    left.set_ylabel("f(z), g(z)")
    left.set_title("f (black and red) and g (black and blue), eq. (15)")
    left.legend(fontsize=8)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for c, (family, (p_f, p_g)) in enumerate(densities.items()):
        color = colors[c % len(colors)]
        right.plot(x, p_f, "-", color=color, lw=2.4, alpha=0.6, label=f"f(Y), {family}")
        right.plot(x, p_g, "--", color="black" if c == 0 else color, lw=1.2,
                   label=f"g(Y), {family}")
    right.set_xlabel("x")
    right.set_ylabel("density of x")
    right.set_title("laws of f(Y) and g(Y) (identical)")
    right.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def plot_example5(z, first, second, f_values, reference, path, *, title=None):
    """Paper 003, Figure 4: the curves ``s o h1`` (black) and ``h2 o s o h1`` (blue) of
    Example 5 in the plane (left), and the network ``f`` against ``|x| / 2`` (right).

    Parameters
    ----------
    z : ndarray, shape (N,)
    first, second : ndarray, shape (N, 2)
        ``(s o h1)(z)`` and ``(h2 o s o h1)(z)``.
    f_values, reference : ndarray, shape (N,)
        ``f(z)`` and ``|z| / 2``.
    path : str or os.PathLike
        Output image (format from the extension, PNG by default); written atomically.
    title : str, optional
    """
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
    pos = np.asarray(z) >= 0
    for data, color, name in ((first, "black", "s o h1"), (second, "tab:blue", "h2 o s o h1")):
        data = np.asarray(data)
        left.plot(data[pos, 0], data[pos, 1], "-", color=color, lw=2.2, label=f"{name}, x >= 0")
        left.plot(data[~pos, 0], data[~pos, 1], "--", color=color, lw=2.2,
                  label=f"{name}, x < 0")
    left.axhline(0.0, color="0.8", lw=0.8, zorder=0)
    left.axvline(0.0, color="0.8", lw=0.8, zorder=0)
    left.set_aspect("equal", adjustable="datalim")
    left.set_xlabel("first coordinate")
    left.set_ylabel("second coordinate")
    left.set_title("images of the hidden layers in the plane")
    left.legend(fontsize=8)
    right.plot(z, f_values, "-", color="tab:blue", lw=2.6, alpha=0.6,
               label="f = h3 o s o h2 o s o h1")
    right.plot(z, reference, "--", color="black", lw=1.2, label="|x| / 2")
    right.set_xlabel("x")
    right.set_ylabel("f(x)")
    right.set_title("the leaky-ReLU network equals |x|/2")
    right.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def plot_density_2d(x1, x2, log_density, samples, path, *, title=None, decades: int = 6):
    """The exact density of a model with n = 2 as a colour map with contour lines (left), next
    to a scatter of samples of the model with the same contours (right).

    Parameters
    ----------
    x1 : ndarray, shape (N1,)
    x2 : ndarray, shape (N2,)
        The grid's axes.
    log_density : ndarray, shape (N2, N1)
        ``log p`` at ``(x1[i], x2[k])`` in row k, column i.
    samples : ndarray, shape (S, 2)
    path : str or os.PathLike
        Output image; written atomically.
    title : str, optional
    decades : int
        The colour scale is logarithmic and spans this many decades below the maximum.
    """
    from matplotlib.colors import LogNorm  # matplotlib: only when a figure is drawn

    plt = pyplot()
    density = np.exp(log_density)
    top = float(density.max())
    norm = LogNorm(vmin=top * 10.0**-decades, vmax=top)
    levels = top * 10.0 ** -np.arange(decades, 0, -1, dtype=float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.0, 4.6), sharex=True, sharey=True)
    mesh = left.pcolormesh(x1, x2, np.maximum(density, top * 10.0**-decades), norm=norm,
                           shading="nearest", cmap="viridis")
    fig.colorbar(mesh, ax=left, label="p(x) (per unit area, log scale)")
    left.contour(x1, x2, density, levels=levels, colors="white", linewidths=0.6, alpha=0.7)
    left.set_title("exact density (contours: each decade)")
    right.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.35, color="tab:blue",
                  label=f"{samples.shape[0]} samples")
    right.contour(x1, x2, density, levels=levels, colors="black", linewidths=0.6)
    right.set_title("samples of x with the exact density's contours")
    right.legend(fontsize=8, loc="upper right")
    for ax in (left, right):
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_xlim(x1[0], x1[-1])
        ax.set_ylim(x2[0], x2[-1])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def plot_hierarchy_slices(panels, path, *, title=None, linthresh: float = 1e-6):
    """The population NLL through each truth along every parameter (the 2-D Figure 1).

    One panel per truth; one curve per parameter: the excess NLL over the truth's,
    :math:`-\\int p^* \\log p_\\theta - (-\\int p^* \\log p^*)` (nats, the KL divergence from
    the truth), against the parameter's offset from its true value in grid steps.

    Parameters
    ----------
    panels : sequence of (str, ndarray, dict)
        Panel title, offsets shape (K,) in grid steps, and parameter name -> excess NLL shape
        (K,) (NaN where the parameter leaves the model class).
    path : str or os.PathLike
        Output image; written atomically.
    title : str, optional
    linthresh : float
        The vertical scale is symmetric-logarithmic, linear below this many nats.
    """
    plt = pyplot()
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(4.6 * n + 1.0, 4.4), squeeze=False)
    for ax, (name, offsets, curves) in zip(axes[0], panels):
        cmap = plt.get_cmap("tab20")
        for i, (label, values) in enumerate(curves.items()):
            ax.plot(offsets, values, color=cmap(i % 20), linewidth=1.0, marker=".",
                    markersize=3, label=label)
        ax.axvline(0.0, color="black", linestyle=":", linewidth=0.8)
        ax.set_yscale("symlog", linthresh=linthresh)
        ax.set_ylim(bottom=0.0)
        ax.set_xlabel("offset from the true value (grid steps)")
        ax.set_ylabel("population NLL - truth's NLL (nats, symlog scale)")
        ax.set_title(name, fontsize=8)
        ax.legend(fontsize=5, ncol=2, loc="lower left")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
