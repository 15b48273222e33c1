"""``exactid pieces NET``: the exact linear pieces of a network with one input."""

from __future__ import annotations

from ..files import to_json
from ..io import load_net_any
from ..regions import pieces_1d
from .options import warn_if_trusting
from .run import EXIT_OK

__all__ = ["register", "run"]


def register(sub) -> None:
    """Add the ``pieces`` subcommand to the subparsers ``sub``."""
    p = sub.add_parser("pieces", help="exact linear pieces of a network with input dimension 1")
    p.add_argument("file", help="net or model file (.json, .npz, .pt/.pth)")
    p.add_argument("--exact", action="store_true",
                   help="print exact rationals (default: the exact pieces rounded to float64)")
    p.add_argument("--trust-pickle", action="store_true",
                   help="read a torch file without the safe-unpickling allow-list (runs any "
                   "code in the file: only for files you trust)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args) -> int:
    # A net or a model file (its decoder), by content; .npz and torch files by extension.
    warn_if_trusting(args)
    net = load_net_any(args.file, trust_pickle=args.trust_pickle)
    pieces = pieces_1d(net, exact=args.exact)
    lo, hi = pieces.lo, pieces.hi
    if args.json:
        print(to_json({
            "breakpoints": [str(t) if args.exact else float(t) for t in pieces.breakpoints],
            "slopes": [[str(v) if args.exact else float(v) for v in row] for row in pieces.slopes],
            "intercepts": [
                [str(v) if args.exact else float(v) for v in row] for row in pieces.intercepts
            ],
        }))
        return EXIT_OK
    print(f"{pieces.n_pieces} linear pieces ({'exact rational' if args.exact else 'float64'}):")
    for k in range(pieces.n_pieces):
        slope = ", ".join(str(v) for v in pieces.slopes[k])
        icpt = ", ".join(str(v) for v in pieces.intercepts[k])
        print(f"  [{lo[k]:.6g}, {hi[k]:.6g}]: f(z) = ({slope}) z + ({icpt})")
    return EXIT_OK
