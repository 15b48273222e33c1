"""``exactid check NET``: (F2)/(F3)/(F4) with witnesses, bounded by ``--max-regions`` and
``--time-limit``."""

from __future__ import annotations

from .. import limits
from ..files import to_json
from ..identifiability import check_injectivity, format_report
from ..io import load_net_any
from ..progress import Deadline
from ..regions import check_box_and_tol
from .options import add_progress_options, warn_if_trusting
from .run import EXIT_OK

__all__ = ["register", "run"]


def register(sub) -> None:
    """Add the ``check`` subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "check",
        help="decide (F2)/(F3)/(F4) of paper 003 for a ReLU network, with witnesses",
        description="Enumerates the exact linear regions of a ReLU / leaky-ReLU network "
        "f: R^m -> R^n (m <= n, m <= 3) and decides weak injectivity (F2), observable "
        "injectivity (F3) and injectivity (F4) with witnesses, plus the sufficient conditions "
        "of Appendix H.  NET is a JSON net (or model) file, an .npz archive with W1, b1, W2, "
        "b2, ... (and optionally negative_slope), or a torch.save'd nn.Sequential of Linear, "
        "ReLU and LeakyReLU layers (.pt, .pth; needs PyTorch).",
    )
    p.add_argument("net", help="net file (.json, .npz, .pt/.pth)")
    p.add_argument("--box", type=float, help="half-width of the enumeration box (default: "
                   "large enough to contain every vertex of the regions)")
    p.add_argument("--tol", type=float, default=1e-9,
                   help="Chebyshev-radius tolerance for full-dimensional sets, in [1e-10, 1e-6] "
                   "(default 1e-9)")
    p.add_argument("--max-regions", type=int, default=None, metavar="N",
                   help="stop (exit 2) beyond N linear cells (default "
                   "exactid.limits.MAX_CELLS = 20000)")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="stop (exit 2) after SECONDS (default: no limit)")
    p.add_argument("--trust-pickle", action="store_true",
                   help="read a torch file without the safe-unpickling allow-list (runs any "
                   "code in the file: only for files you trust)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a report")
    add_progress_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if not args.tol > 0:
        raise ValueError(f"--tol: expected a number > 0, found {args.tol}")
    if args.box is not None and not args.box > 0:
        raise ValueError(f"--box: expected a number > 0, found {args.box}")
    if args.max_regions is None:
        args.max_regions = limits.MAX_CELLS
    if args.max_regions < 1:
        raise ValueError(f"--max-regions: expected an integer >= 1, found {args.max_regions}")
    if args.time_limit is not None and not (0 < args.time_limit < float("inf")):
        raise ValueError(f"--time-limit: expected a number of seconds > 0, found "
                         f"{args.time_limit}")

    try:
        check_box_and_tol(args.box, args.tol)
    except ValueError as exc:
        raise ValueError(f"--{exc}") from None
    warn_if_trusting(args)

    deadline = Deadline(args.time_limit, "--time-limit")  # started before the file is read
    net = load_net_any(args.net, trust_pickle=args.trust_pickle)
    try:
        report = check_injectivity(net, box=args.box, tol=args.tol, max_cells=args.max_regions,
                                   time_limit=deadline, progress=args.progress)
    except ValueError as exc:
        # Name the command-line option rather than the library argument.
        raise type(exc)(str(exc).replace("max_cells: ", "--max-regions: ", 1)) from None
    if args.json:
        print(to_json(report.to_dict(), indent=1))
    else:
        print(format_report(report, args.net))
    return EXIT_OK
