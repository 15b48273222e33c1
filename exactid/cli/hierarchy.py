"""``exactid hierarchy``: the identifiability hierarchy (Table 1 of paper 003) checked in two
latent dimensions, on constructed cases and random truths (:mod:`exactid.search.hierarchy`)."""

from __future__ import annotations

import sys

from .. import limits
from ..errors import Interrupted
from ..files import atomic_write, check_output, to_json
from .options import add_progress_options
from .run import EXIT_FAILED, EXIT_OK

__all__ = ["register", "run"]


#: The defaults of exactid.search.hierarchy, repeated so that --help does not import the
#: library (scipy); tests/exactid/cli/test_hierarchy.py checks that they agree.
QUICK_MODELS, DEFAULT_MODELS, DEFAULT_TOL = 2, 8, 1e-8


def register(sub) -> None:
    """Add the ``hierarchy`` subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "hierarchy",
        help="Table 1 of paper 003 checked exactly in two latent dimensions",
        description="For constructed cases and random truths (J = 2-3 components in R^2, a "
        "2 -> H -> 2 ReLU or leaky decoder), decides (F2)/(F3)/(F4) and (P2), searches a "
        "neighbourhood grid of the truth for the global minimizers of the exact population "
        "NLL, classifies each minimizer relative to the truth (same law; prior identical, "
        "permuted, permuted-scaled-translated or only affinely related; model equivalent) "
        "and checks every level of Table 1 that applies.  Exit 1 if a record contradicts a "
        "theorem or a constructed case misses its known outcome.",
    )
    p.add_argument("--quick", action="store_true",
                   help=f"the quick study ({QUICK_MODELS} random truths with one "
                   "scalar axis each; fewer values in the constructed cases)")
    p.add_argument("--models", type=int, metavar="N",
                   help=f"random truths (default {DEFAULT_MODELS}; "
                   f"{QUICK_MODELS} with --quick)")
    p.add_argument("--seed", type=int, default=0, help="seed of the first random truth "
                   "(default 0)")
    p.add_argument("--axes", type=int, metavar="K",
                   help="scalar parameters searched around each random truth, three values "
                   "each (default 3; 1 with --quick)")
    p.add_argument("--tol", type=float, default=DEFAULT_TOL,
                   help="objective tolerance (nats) defining the global minimizers (default "
                   f"{DEFAULT_TOL:g})")
    p.add_argument("--json", metavar="OUT", help="write every record to this JSON file")
    add_progress_options(p, "a progress bar for each search",
                         quiet="no progress bars and no per-truth lines on stderr")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..search import hierarchy  # lazy: --help must not load scipy and numba

    if args.seed < 0:
        raise ValueError(f"--seed: expected an integer >= 0, found {args.seed}")
    if args.models is not None and args.models < 0:
        raise ValueError(f"--models: expected an integer >= 0, found {args.models}")
    if args.axes is not None and not 0 <= args.axes <= 6:
        raise ValueError(f"--axes: expected an integer in [0, 6], found {args.axes}")
    if not 0 < args.tol <= 1e-3:
        raise ValueError(f"--tol: expected a number in (0, 1e-3] (nats), found {args.tol}")
    if args.json:
        check_output(args.json, "--json")
    cases = hierarchy.study_cases(quick=args.quick, models=args.models, seed=args.seed,
                                  k=args.axes)
    total = sum(hierarchy.grid_size(case) for case in cases)
    if total > limits.MAX_SLICE_EVALUATIONS:
        raise ValueError(f"--models/--axes: {total} grid points in all, more than "
                         f"{limits.MAX_SLICE_EVALUATIONS}; use fewer")
    quiet = args.progress is False
    if not quiet:
        print(f"2-D hierarchy study: {len(cases)} truths, {total} grid points", file=sys.stderr)
    records = []
    try:
        for case in cases:
            record = hierarchy.hierarchy_record(case, tol=args.tol, progress=args.progress)
            records.append(record)
            if not quiet:
                print(f"  {case.name}: {len(record['minimizers'])} minimizers, "
                      f"{record['elapsed']:.1f} s", file=sys.stderr)
    except KeyboardInterrupt:
        raise Interrupted(f"{len(records)} of {len(cases)} truths done; nothing written"
                          ) from None
    print(hierarchy.format_table(records))
    if args.json:
        payload = {"study": "2-D hierarchy", "quick": args.quick, "seed": args.seed,
                   "tol": args.tol, "records": records}
        atomic_write(args.json, to_json(payload, indent=1), "--json")
        print(f"records written to {args.json}")
    failed = [r["name"] for r in records if hierarchy.verdict(r) != "consistent"]
    if failed:
        print(f"not consistent: {', '.join(failed)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
