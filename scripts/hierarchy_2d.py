"""The identifiability hierarchy in two latent dimensions: the study and Figure 1 in 2-D.

Runs the study of :mod:`exactid.search.hierarchy` (the constructed cases, then random truths
from the small 2-D family), prints its table, writes every record to ``hierarchy_2d.json``, and
draws ``figure1_2d.png``: the exact population NLL through three truths (the constructed
cases and the first random truth) along every parameter, as the excess over the truth's NLL
(nats) against the offset from the true value in grid steps.

Exit code 1 if a record contradicts a theorem or a constructed case misses its known outcome.

Usage: python scripts/hierarchy_2d.py [--quick] [--models N] [--axes K] [--out-dir DIR]
       (default: 8 random truths with 3 scalar axes each; figures/)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from exactid.divergence.cubature_2d import xrule_2d
from exactid.files import atomic_write, to_json
from exactid.search import hierarchy
from exactid.search.family_2d import model_parameters
from exactid.search.hierarchy_cases import STEPS

ROOT = Path(__file__).resolve().parent.parent
FIGURE = "figure1_2d.png"
RESULTS = "hierarchy_2d.json"
#: Offsets of the slices, in grid steps of each parameter.
OFFSETS = np.linspace(-2.0, 2.0, 17)


def slices(case) -> tuple[str, np.ndarray, dict]:
    """The excess population NLL along every parameter through the case's truth."""
    rule = hierarchy.search_rule(xrule_2d(case.truth, tol=hierarchy.RULE_TOL))
    base = hierarchy.slice_values(case.truth, rule, "mu1[0]", [case.truth.prior.means[0, 0]])[0]
    curves = {}
    for name, value in model_parameters(case.truth).items():
        step = STEPS[next(key for key in STEPS if name.startswith(key))]
        curves[name] = hierarchy.slice_values(case.truth, rule, name,
                                              value + OFFSETS * step) - base
    return f"{case.name}: {case.description}", OFFSETS, curves


def run(out: Path, *, quick: bool = False, models: int | None = None,
        axes: int | None = None) -> list[dict]:
    """Run the study, write the JSON records and the figure to ``out``; return the records."""
    cases = hierarchy.study_cases(quick=quick, models=models, k=axes)
    records = []
    for case in cases:
        records.append(hierarchy.hierarchy_record(case))
        print(f"  {case.name}: {len(records[-1]['minimizers'])} minimizers, "
              f"{records[-1]['elapsed']:.1f} s", file=sys.stderr)
    atomic_write(out / RESULTS, to_json({"quick": quick, "records": records}, indent=1),
                 "--out-dir")
    from exactid.plotting import plot_hierarchy_slices  # matplotlib: only for the figure

    shown = [c for c in cases if not c.name.startswith("seed-")] + \
        [c for c in cases if c.name.startswith("seed-")][:1]
    plot_hierarchy_slices([slices(c) for c in shown], out / FIGURE, title=(
        "Figure 1 in two latent dimensions: exact population NLL through the truth along "
        "every parameter"))
    return records


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the quick study")
    parser.add_argument("--models", type=int, help="random truths (default 8; 2 quick)")
    parser.add_argument("--axes", type=int, help="scalar axes per random truth (default 3)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "figures")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    records = run(args.out_dir, quick=args.quick, models=args.models, axes=args.axes)
    print(hierarchy.format_table(records))
    print(f"wrote {args.out_dir / RESULTS} and {args.out_dir / FIGURE} "
          f"({time.perf_counter() - start:.0f} s)")
    bad = [r["name"] for r in records if hierarchy.verdict(r) != "consistent"]
    if bad:
        print(f"not consistent: {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
