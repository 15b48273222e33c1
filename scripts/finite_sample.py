"""Finite-sample study: how the sample-NLL minimizer approaches the truth (paper 003, Section 5).

For a fixed truth of the J = 2 J.3.1 family (an injective decoder, so the truth is identifiable
up to equivalence), draw samples of increasing size, search the whole grid for the minimizer of
the sample NLL, and report how often it is equivalent to the truth and the population KL
divergence of its law from the truth's.

Writes, from the same run, the figure finite_sample.png and the table it illustrates,
finite_sample.json (per size: replicates, how many minimizers are equivalent, median and
largest KL), to --out-dir (default figures/).

Usage: python scripts/finite_sample.py [--sizes 10,30,...] [--replicates R] [--seed S]
                                       [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from exactid.files import atomic_write, to_json
from exactid.identifiability import injectivity_1d
from exactid.plotting import plot_finite_sample
from exactid.search import Family, FamilyPoint
from exactid.search.study import finite_sample_study

ROOT = Path(__file__).resolve().parent.parent
FIGURE_NAME = "finite_sample.png"
TABLE_NAME = "finite_sample.json"
SIZES = (10, 30, 100, 300, 1000, 3000)
REPLICATES = 6

#: The truth: weights (1/4, 3/4), means (-1, 1), f(z) = ReLU(z) - 0.5 ReLU(-z) (slopes 1/2
#: and 1: injective, (F4)).
TRUTH = FamilyPoint((0.25, 0.75), (-1.0, 1.0), (0.25, 0.25), (-0.5, 1.0), (-1.0, 1.0),
                    (0.0, 0.0), 0.25)


def table(records: list[dict], sizes) -> list[dict]:
    """Per sample size: ``n``, ``replicates``, ``equivalent`` (count), ``median_kl``,
    ``max_kl`` (nats)."""
    rows = []
    for n in sizes:
        mine = [r for r in records if r["n"] == n]
        kl = np.array([r["kl_from_truth"]["value"] for r in mine])
        rows.append({"n": int(n), "replicates": len(mine),
                     "equivalent": sum(r["equivalent"] for r in mine),
                     "median_kl": float(np.median(kl)), "max_kl": float(kl.max())})
    return rows


def format_table(rows: list[dict]) -> str:
    """The printed table (and the one in the README)."""
    lines = [f"{'n':>6} {'equivalent':>11} {'median KL(truth||min)':>22} {'max KL':>10}"]
    for row in rows:
        lines.append(f"{row['n']:>6} {row['equivalent']:>7}/{row['replicates']:<3} "
                     f"{row['median_kl']:>22.2e} {row['max_kl']:>10.2e}")
    return "\n".join(lines)


def run(out_dir: Path, *, sizes=SIZES, replicates: int = REPLICATES, seed: int = 0,
        progress=None) -> dict:
    """Run the study; write the figure and the table to ``out_dir``; return the table
    (``rows``), the truth's verdicts and the paths."""
    family = Family(n_components=2)
    verdict = injectivity_1d(TRUTH.model().net)
    print(f"  truth: {TRUTH}\n  decoder F2={verdict.weakly_injective} "
          f"F3={verdict.observably_injective} F4={verdict.injective}; the J = 2 J.3.1 grid has "
          f"{family.n_grid_points:,} points")
    records = finite_sample_study(TRUTH, family, sizes, replicates, seed, progress=progress)
    rows = table(records, sizes)
    print("\n".join("  " + line for line in format_table(rows).splitlines()))
    out_dir = Path(out_dir)
    figure, data = out_dir / FIGURE_NAME, out_dir / TABLE_NAME
    kls = [np.array([r["kl_from_truth"]["value"] for r in records if r["n"] == n])
           for n in sizes]
    plot_finite_sample(np.array(sizes), [row["equivalent"] for row in rows], replicates, kls,
                       figure,
                       title=f"Sample-NLL minimizer over the whole J = 2 J.3.1 grid "
                             f"({family.n_grid_points:,} points): {replicates} replicates per "
                             f"size, seed {seed}")
    result = {"truth": TRUTH.to_dict(), "replicates": replicates, "seed": seed,
              "n_grid_points": family.n_grid_points, "rows": rows}
    atomic_write(data, to_json(result, indent=1), "finite_sample.json")
    return {**result, "figure": str(figure), "table": str(data)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help=f"sample sizes (default {','.join(map(str, SIZES))})")
    parser.add_argument("--replicates", type=int, default=REPLICATES,
                        help=f"replicates per size (default {REPLICATES})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the samples (default 0)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "figures",
                        help="output directory (default: figures/)")
    args = parser.parse_args(argv)
    sizes = tuple(int(v) for v in args.sizes.split(","))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    done = run(args.out_dir, sizes=sizes, replicates=args.replicates, seed=args.seed)
    print(f"wrote {done['figure']} and {done['table']} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    from exactid.cli.run import run_command

    # Ctrl-C, SIGTERM and errors end the script with one line and the documented exit code.
    sys.exit(run_command("scripts/finite_sample.py", "", lambda _: main() or 0, None))
