"""Finite-sample study: how the sample-NLL minimizer approaches the truth (paper 003, Section 5).

For a fixed truth of the J = 2 J.3.1 family (an injective decoder, so the truth is identifiable
up to equivalence), draw samples of increasing size, search the whole grid for the minimizer of
the sample NLL, and report how often it is equivalent to the truth and the population KL
divergence of its law from the truth's.

Writes figures/finite_sample.png.  Usage: python scripts/finite_sample.py [--quick] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from exactid.identifiability import injectivity_1d
from exactid.plotting import plot_finite_sample
from exactid.search import Family, FamilyPoint
from exactid.search.study import finite_sample_study

ROOT = Path(__file__).resolve().parent.parent
FIGURE = ROOT / "figures" / "finite_sample.png"

#: The truth: weights (1/4, 3/4), means (-1, 1), f(z) = ReLU(z) - 0.5 ReLU(-z) (slopes 1/2
#: and 1: injective, (F4)).
TRUTH = FamilyPoint((0.25, 0.75), (-1.0, 1.0), (0.25, 0.25), (-0.5, 1.0), (-1.0, 1.0),
                    (0.0, 0.0), 0.25)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and replicates")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    family = Family(n_components=2)
    verdict = injectivity_1d(TRUTH.model().net)
    print(f"truth: {TRUTH}\n  decoder F2={verdict.weakly_injective} F3="
          f"{verdict.observably_injective} F4={verdict.injective}; grid of "
          f"{family.n_grid_points:,} points")
    sizes = (10, 30, 100, 300, 1000) if args.quick else (10, 30, 100, 300, 1000, 3000)
    replicates = 3 if args.quick else 6
    records = finite_sample_study(TRUTH, family, sizes, replicates, args.seed)
    print(f"\n{'n':>6} {'equivalent':>11} {'median KL(truth||min)':>22} {'max KL':>10}")
    fractions, kls = [], []
    for n in sizes:
        rows = [r for r in records if r["n"] == n]
        frac = np.mean([r["equivalent"] for r in rows])
        kl = np.array([r["kl_from_truth"]["value"] for r in rows])
        fractions.append(frac)
        kls.append(kl)
        print(f"{n:>6} {frac:>11.2f} {np.median(kl):>22.2e} {kl.max():>10.2e}")
    plot_finite_sample(np.array(sizes), np.array(fractions), kls, FIGURE,
                       title=f"Sample-NLL minimizer over the whole J.3.1 grid "
                             f"({family.n_grid_points:,} points), {replicates} replicates")
    print(f"wrote {FIGURE.relative_to(ROOT)} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    from exactid.cli.run import run_command

    # Ctrl-C, SIGTERM and errors end the script with one line and the documented exit code.
    sys.exit(run_command("scripts/finite_sample.py", "", lambda _: main() or 0, None))
