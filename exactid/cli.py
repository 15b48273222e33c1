"""Command-line interface: parse, call the library, print.  Nothing else lives here.

The numba kernels are imported inside the command functions (the package itself loads only
NumPy), so ``exactid --version`` and ``exactid --help`` return at once.
"""

from __future__ import annotations

import argparse
import json
import sys

from ._version import __version__

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _cmd_logpdf(args) -> int:
    import numpy as np

    from .density import atoms, log_pdf
    from .io import load_model

    model = load_model(args.model)
    if args.grid is not None:
        lo, hi, n = args.grid
        if not n.is_integer() or n < 1:
            raise ValueError(f"--grid: expected an integer number of points >= 1, found {n}")
        x = np.linspace(lo, hi, int(n))
    else:
        x = np.asarray(args.x, dtype=float)
    if x.size == 0:
        raise ValueError("x: give points as arguments or use --grid LO HI N")
    values = log_pdf(model, x)
    locations, masses = atoms(model)
    if args.json:
        print(json.dumps({
            "x": x.tolist(),
            "log_pdf": [float(v) for v in values],
            "atoms": {"locations": locations.tolist(), "masses": masses.tolist()},
        }))
        return EXIT_OK
    print(f"{'x':>24} {'log p(x)':>24}")
    for xi, v in zip(x, values):
        print(f"{xi:>24.17g} {v:>24.17g}")
    if locations.size:
        print("atoms (noise_std = 0; log p is the density of the continuous part):")
        for loc, mass in zip(locations, masses):
            print(f"  x = {loc:.17g}: mass {mass:.17g}")
    return EXIT_OK


def _cmd_pieces(args) -> int:
    from .io import load_model, load_net
    from .regions import pieces_1d

    try:
        net = load_net(args.file)
    except ValueError:
        net = load_model(args.file).net
    pieces = pieces_1d(net, exact=args.exact)
    lo, hi = pieces.lo, pieces.hi
    if args.json:
        print(json.dumps({
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exactid",
        description="Exact likelihoods of Gaussian-mixture priors pushed through ReLU networks.",
    )
    parser.add_argument("--version", action="version", version=f"exactid {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("logpdf", help="exact log density of x under a 1-D model file")
    p.add_argument("model", help="model JSON file (see README, 'Model files')")
    p.add_argument("x", nargs="*", type=float, help="points at which to evaluate")
    p.add_argument("--grid", nargs=3, type=float, metavar=("LO", "HI", "N"),
                   help="evaluate on N equally spaced points in [LO, HI]")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_logpdf)

    p = sub.add_parser("pieces", help="exact linear pieces of a network with input dimension 1")
    p.add_argument("file", help="net or model JSON file")
    p.add_argument("--exact", action="store_true", help="rational arithmetic (small nets)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_pieces)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``exactid`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        return args.func(args)
    except (ValueError, NotImplementedError, OSError) as exc:
        print(f"exactid {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
