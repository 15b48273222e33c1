"""Figure 1 of paper 003: NLL slices through the truth for three nonconvex examples.

Draws random J.3.1 models (seeded, as in ``exactid simulate``), computes the exact population
NLL along every parameter through the truth, picks the three slices (from different models)
with the deepest secondary local minimum, runs the exhaustive grid search on those models, and
plots the slices with vertical lines at the truth and at the minimum of the slice.

Writes figure1_nll_slices.png to --out-dir (default figures/).
Usage: python scripts/figure1.py [--models N] [--points P] [--seed S] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from exactid.parameters import get_parameter
from exactid.plotting import plot_nll_slices
from exactid.progress import progress_bar
from exactid.search import Family, grid_search
from exactid.search.surface import nll_slice

ROOT = Path(__file__).resolve().parent.parent
FIGURE_NAME = "figure1_nll_slices.png"
#: Points per slice (the truth's value is added).
POINTS = 61


def slice_parameters(point, points: int = POINTS) -> list[tuple[str, np.ndarray]]:
    """Parameters worth slicing and their ranges (a little beyond the family's grid)."""
    out = []
    J = len(point.weights)
    if J >= 2 and sum(w > 0 for w in point.weights) >= 2:
        out.append(("lambda1", np.linspace(0.0, 1.0, points)))
    for j in range(J):
        if point.weights[j] > 0:
            out.append((f"mu{j + 1}", np.linspace(-3.0, 3.0, points)))
    for k in range(len(point.alpha)):
        for name in ("alpha", "beta", "pi"):
            out.append((f"{name}{k + 1}", np.linspace(-2.0, 2.0, points)))
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


def run(out_dir: Path, *, models: int = 24, points: int = POINTS, seed: int = 0,
        seeds=None, progress=None) -> dict:
    """Draw the figure into ``out_dir``; return a summary (``chosen``: per panel the seed, J,
    parameter, depth of the secondary minimum and the grid-search verdict; ``path``).

    Model ``i`` has seed ``seed + i`` and J = 2 for even i, 3 for odd i, as in ``exactid
    simulate``.  ``seeds`` restricts the candidates to these seeds of that sequence (the quick
    reproduction slices only the three models the full run selects).

    Raises
    ------
    RuntimeError
        If fewer than three of the ``models`` have a nonconvex slice.
    """
    families = {J: Family(n_components=J) for J in (2, 3)}
    found = []
    candidates = range(models) if seeds is None else [s - seed for s in seeds]
    with progress_bar(len(candidates), "figure 1: slicing models", progress,
                      unit="model") as bar:
        for i in candidates:
            J = (2, 3)[i % 2]
            point = families[J].random_point(seed + i)
            truth = point.model()
            for name, values in slice_parameters(point, points):
                sl = nll_slice(truth, name, with_truth(values, get_parameter(truth, name)))
                found.append((secondary_depth(sl.objective), seed + i, J, name, sl, point))
            bar.update(1)
    found.sort(key=lambda item: -item[0])
    chosen, used = [], set()
    for item in found:
        if item[1] not in used and item[0] > 0:
            chosen.append(item)
            used.add(item[1])
        if len(chosen) == 3:
            break
    if len(chosen) < 3:
        raise RuntimeError(f"only {len(chosen)} nonconvex slices among {len(candidates)} "
                           "models; use more models")
    slices, titles, summary = [], [], []
    for depth, s, J, name, sl, point in chosen:
        result = grid_search(families[J], point, progress=progress)
        unique = result.all_minimizers_equivalent
        print(f"  seed {s} (J={J}), slice {name}: secondary minimum {depth:.3g} nats deep; truth "
              f"{sl.truth_value:g}, slice minimum at {sl.argmin_value:g}; grid search over "
              f"{result.n_grid_points:,} points: truth {'' if unique else 'NOT '}unique up to "
              f"equivalence")
        slices.append(sl)
        titles.append(f"seed {s}, J = {J} (grid search: truth "
                      f"{'unique' if unique else 'NOT unique'})")
        summary.append({"seed": s, "J": J, "parameter": name, "depth": depth,
                        "truth_unique": bool(unique)})
    path = Path(out_dir) / FIGURE_NAME
    plot_nll_slices(slices, path, minimizer_values=[sl.argmin_value for sl in slices],
                    titles=titles,
                    suptitle=f"Exact population NLL along one parameter through the truth "
                             f"(paper 003, Figure 1 style)\nthe 3 deepest secondary minima "
                             f"among {len(candidates)} random J.3.1 models, {points} points "
                             "per slice")
    return {"chosen": summary, "path": str(path)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=24, help="candidate models (default 24)")
    parser.add_argument("--points", type=int, default=POINTS,
                        help=f"points per slice (default {POINTS})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first model")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "figures",
                        help="output directory (default: figures/)")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    done = run(args.out_dir, models=args.models, points=args.points, seed=args.seed)
    print(f"wrote {done['path']} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    from exactid.cli.run import run_command

    # Ctrl-C, SIGTERM and errors end the script with one line and the documented exit code.
    sys.exit(run_command("scripts/figure1.py", "", lambda _: main() or 0, None))
