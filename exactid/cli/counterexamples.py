"""``exactid counterexamples``: the paper's constructions, verified (exit 1 if a row fails)."""

from __future__ import annotations

from ..files import to_json
from .options import add_progress_options
from .run import EXIT_OK

__all__ = ["register", "run"]


def register(sub) -> None:
    """Add the ``counterexamples`` subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "counterexamples",
        help="verify the counterexamples of paper 003 (numerically and with sympy)",
        description="Builds the constructions of paper 003 (Example 1, Remarks 3.6 and 3.7, "
        "Examples 4 and 5) and verifies each claim with the exact density engine (density "
        "difference and total variation, sigma = 0.3 and 0; exact rational comparison) and "
        "symbolically with sympy.  Exit code 0 if every row passes, 1 otherwise.",
    )
    p.add_argument("--no-symbolic", action="store_true", help="skip the sympy checks")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_progress_options(p, "a progress bar over the constructions")
    p.set_defaults(func=run)


def run(args) -> int:
    """Verify every construction; print the table (or JSON); exit 1 if a row fails."""
    # The verification table pulls in scipy.special; imported here so `exactid --version` and
    # the other commands start fast.
    from .. import counterexamples

    rows = counterexamples.verify_all(symbolic=not args.no_symbolic, progress=args.progress)
    if args.json:
        print(to_json([row.as_dict() for row in rows], indent=2))
    else:
        print(counterexamples.format_table(rows))
    return EXIT_OK if all(row.passed for row in rows) else 1
