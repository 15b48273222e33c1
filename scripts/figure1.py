"""Figure 1 of paper 003: NLL slices through the truth for three nonconvex examples.

Draws random J.3.1 models (seeded, as in ``exactid simulate``), computes the exact population
NLL along every parameter through the truth, picks the three slices (from different models)
with the deepest secondary local minimum, runs the exhaustive grid search on those models, and
plots the slices with vertical lines at the truth and at the slice's global minimizer.

Writes figures/figure1_nll_slices.png.  Usage: python scripts/figure1.py [--models N] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from exactid.parameters import get_parameter
from exactid.plotting import plot_nll_slices
from exactid.search import Family, grid_search
from exactid.search.surface import nll_slice

ROOT = Path(__file__).resolve().parent.parent
FIGURE = ROOT / "figures" / "figure1_nll_slices.png"
POINTS = 61


def slice_parameters(point) -> list[tuple[str, np.ndarray]]:
    """Parameters worth slicing and their ranges (a little beyond the family's grid)."""
    out = []
    J = len(point.weights)
    if J >= 2 and sum(w > 0 for w in point.weights) >= 2:
        out.append(("lambda1", np.linspace(0.0, 1.0, POINTS)))
    for j in range(J):
        if point.weights[j] > 0:
            out.append((f"mu{j + 1}", np.linspace(-3.0, 3.0, POINTS)))
    for k in range(len(point.alpha)):
        for name in ("alpha", "beta", "pi"):
            out.append((f"{name}{k + 1}", np.linspace(-2.0, 2.0, POINTS)))
    return out


def with_truth(values: np.ndarray, v: float) -> np.ndarray:
    """The grid with the truth value inserted (so the slice passes through the truth)."""
    return np.unique(np.concatenate([values, [v]]))


def secondary_depth(objective: np.ndarray) -> float:
    """Depth of the deepest local minimum other than the global one: the height of the
    barrier separating it from the global minimum, above it (0 for a unimodal slice)."""
    y = objective
    finite = np.isfinite(y)
    if finite.sum() < 3:
        return 0.0
    g = int(np.nanargmin(np.where(finite, y, np.inf)))
    best = 0.0
    scale = 1e-9 * (1.0 + np.nanmax(np.abs(y[finite])))
    for i in range(1, len(y) - 1):
        if i == g or not (y[i] < y[i - 1] - scale and y[i] < y[i + 1] - scale):
            continue
        lo, hi = sorted((i, g))
        barrier = np.max(y[lo:hi + 1])
        best = max(best, float(barrier - y[i]))
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=24,
                        help="candidate models (default 24)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first model")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    families = {J: Family(n_components=J) for J in (2, 3)}
    found = []
    for i in range(args.models):
        J = (2, 3)[i % 2]
        seed = args.seed + i
        point = families[J].random_point(seed)
        truth = point.model()
        for name, values in slice_parameters(point):
            v = get_parameter(truth, name)
            sl = nll_slice(truth, name, with_truth(values, v))
            found.append((secondary_depth(sl.objective), seed, J, name, sl, point))
        print(f"model {i + 1}/{args.models} (seed {seed}, J={J}): sliced "
              f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    found.sort(key=lambda item: -item[0])
    chosen, used = [], set()
    for item in found:
        if item[1] not in used and item[0] > 0:
            chosen.append(item)
            used.add(item[1])
        if len(chosen) == 3:
            break
    if len(chosen) < 3:
        print(f"only {len(chosen)} nonconvex slices found; try --models larger", file=sys.stderr)
        return 1
    slices, titles, minimizers = [], [], []
    for depth, seed, J, name, sl, point in chosen:
        result = grid_search(families[J], point)
        verdict = ("unique up to equivalence" if result.all_minimizers_equivalent
                   else "NOT unique up to equivalence")
        print(f"seed {seed} (J={J}), slice {name}: secondary minimum {depth:.3g} deep; grid "
              f"search over {result.n_grid_points:,} points: truth {verdict} "
              f"({len(result.minimizers)} minimizer(s) within {result.tol:g})")
        slices.append(sl)
        minimizers.append(sl.argmin_value)
        titles.append(f"seed {seed}, J = {J} (grid search: "
                      f"{'unique' if result.all_minimizers_equivalent else 'NOT unique'})")
        print(f"  truth {name} = {sl.truth_value:g}; slice minimizer {sl.argmin_value:g}; "
              f"min NLL {np.nanmin(sl.objective):.10f} (max quadrature error "
              f"{np.nanmax(sl.error):.1e})")
    plot_nll_slices(slices, FIGURE, minimizer_values=minimizers, titles=titles,
                    suptitle="Exact population NLL along one parameter through the truth "
                             "(paper 003, Figure 1 style)")
    print(f"wrote {FIGURE.relative_to(ROOT)} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    from exactid.cli.run import run_command

    # Ctrl-C, SIGTERM and errors end the script with one line and the documented exit code.
    sys.exit(run_command("scripts/figure1.py", "", lambda _: main() or 0, None))
