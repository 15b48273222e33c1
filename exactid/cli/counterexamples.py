"""``exactid counterexamples``: the paper's constructions and errata, verified (exit 1 if a row
fails or an erratum is not confirmed)."""

from __future__ import annotations

from ..files import to_json
from .options import add_progress_options
from .run import EXIT_OK

__all__ = ["register", "run"]


def register(sub) -> None:
    """Add the ``counterexamples`` subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "counterexamples",
        help="verify the counterexamples and errata of paper 003 (numerically, exactly and "
        "with sympy)",
        description="Builds the constructions of paper 003 (Example 1, Remarks 3.6 and 3.7, "
        "Examples 4 and 5) and verifies each claim with the exact density engine (density "
        "difference and total variation, sigma = 0.3 and 0; exact rational comparison) and "
        "symbolically with sympy; then verifies two errata, claims printed in the paper that "
        "fail (Corollary H.2; Remarks D.1 and 3.5), each on a counterexample checked with "
        "linear programs and in exact rational arithmetic.  Prints the table of constructions, "
        "then the table of errata, each with its details; --json prints {\"constructions\": "
        "[...], \"errata\": [...]}.  Exit code 0 if every row passes and every erratum is "
        "confirmed, 1 otherwise.",
    )
    p.add_argument("--no-symbolic", action="store_true",
                   help="skip the sympy checks (of the constructions)")
    p.add_argument("--json", action="store_true",
                   help='print JSON {"constructions": [...], "errata": [...]} instead of tables')
    add_progress_options(p, "a progress bar over the constructions and errata")
    p.set_defaults(func=run)


def run(args) -> int:
    """Verify every construction and erratum; print the tables (or JSON); exit 1 if a row
    fails or an erratum is not confirmed."""
    # The verification table pulls in scipy.special; imported here so `exactid --version` and
    # the other commands start fast.
    from .. import counterexamples

    rows = counterexamples.verify_all(symbolic=not args.no_symbolic, progress=args.progress)
    errata = counterexamples.verify_errata(progress=args.progress)
    if args.json:
        print(to_json({"constructions": [row.as_dict() for row in rows],
                       "errata": [e.as_dict() for e in errata]}, indent=2))
    else:
        # The constructions first, unchanged, then the errata after a blank line.
        print(counterexamples.format_table(rows))
        print()
        print(counterexamples.format_errata(errata))
    ok = all(row.passed for row in rows) and all(e.confirmed for e in errata)
    return EXIT_OK if ok else 1
