"""The figures' labels and the statistics drawn in them (each figure is drawn, then inspected
before it is saved)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

import exactid.plotting as plotting


@pytest.fixture
def drawn(monkeypatch):
    """The figures passed to save_figure, instead of files."""
    figures = []
    monkeypatch.setattr(plotting, "save_figure", lambda fig, path, **kw: figures.append(fig))
    yield figures
    for fig in figures:
        plotting.pyplot().close(fig)


@pytest.mark.parametrize(("k", "n"), [(0, 6), (1, 6), (4, 6), (6, 6), (3, 10), (17, 40)])
def test_wilson_interval_against_scipy(k, n):
    lo, hi = plotting._wilson(np.array([k], dtype=float), n)
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert lo[0] == pytest.approx(ref.low, abs=1e-12)
    assert hi[0] == pytest.approx(ref.high, abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 5, 6, 7, 10, 12, 40])
def test_finite_sample_figure_draws_every_count(drawn, n):
    """Regression: at k = 0 the Wilson lower bound came out as 1e-17 > 0 for n = 6, a
    negative error bar that matplotlib refuses."""
    counts = list(range(n + 1))
    kls = [np.full(n, 0.1)] * len(counts)
    plotting.plot_finite_sample(np.arange(1, n + 2) * 10, counts, n, kls, "unused.png")
    assert len(drawn) == 1


def test_finite_sample_figure_shows_counts_intervals_and_units(drawn):
    sizes = np.array([10, 100, 1000])
    kls = [np.array([0.2, 0.1]), np.array([0.0, 3e-5]), np.array([0.0, 0.0])]
    plotting.plot_finite_sample(sizes, [0, 1, 2], 2, kls, "unused.png", title="t")
    left, right = drawn[0].axes
    assert [t.get_text() for t in left.texts] == ["0/2", "1/2", "2/2"]
    assert "nats" in right.get_ylabel() and right.get_yscale() == "log"
    assert left.containers, "error bars drawn"


def test_nll_axes_are_in_nats_and_the_line_is_the_slice_minimum(drawn):
    from exactid.search.surface import Slice1D

    sl = Slice1D("beta1", np.array([0.0, 1.0, 2.0]), np.array([2.0, 1.0, 1.5]),
                 np.zeros(3), 1.0, "population")
    plotting.plot_nll_slices([sl], "unused.png", minimizer_values=[1.0])
    ax = drawn[0].axes[0]
    assert ax.get_ylabel() == "population NLL (nats)"
    assert "minimum of the slice" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "global minimizer" not in [t.get_text() for t in ax.get_legend().get_texts()]


def test_pushforward_pair_gives_each_model_one_colour(drawn):
    z, x = np.linspace(-1, 1, 5), np.linspace(-1, 1, 7)
    plotting.plot_pushforward_pair(z, [np.ones(5), np.ones(5)], x,
                                   {"sigma = 0": (np.zeros(7), np.zeros(7)),
                                    "sigma = 0.3": (np.zeros(7), np.zeros(7))},
                                   ["P", "P'"], "t", "unused.png")
    colours = [[line.get_color() for line in ax.get_lines()] for ax in drawn[0].axes]
    assert len(colours) == 3 and all(c == colours[0] for c in colours)
    assert colours[0][0] != colours[0][1]
