"""``exactid logpdf MODEL X...``: the exact log density at given points or on a grid."""

from __future__ import annotations

import numpy as np

from .. import limits
from ..density import atoms, log_pdf
from ..files import to_json
from ..io import load_model
from .options import accept_negative_numbers
from .run import EXIT_OK

__all__ = ["register", "run"]


def register(sub) -> None:
    """Add the ``logpdf`` subcommand to the subparsers ``sub``."""
    p = sub.add_parser("logpdf", help="exact log density of x under a 1-D model file")
    p.add_argument("model", help="model JSON file (see README, 'Model files')")
    p.add_argument("x", nargs="*", type=float, help="points at which to evaluate")
    p.add_argument("--grid", nargs=3, type=float, metavar=("LO", "HI", "N"),
                   help="evaluate on N equally spaced points in [LO, HI]")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    accept_negative_numbers(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.grid is not None and args.x:
        raise ValueError("x: give points as arguments or use --grid LO HI N, not both")
    model = load_model(args.model)
    if args.grid is not None:
        lo, hi, n = args.grid
        if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
            raise ValueError(f"--grid: expected finite LO <= HI, found LO = {lo!r}, HI = {hi!r}")
        if not n.is_integer() or n < 1:
            raise ValueError(f"--grid: expected an integer number of points >= 1, found {n}")
        if n > limits.MAX_EVALUATION_POINTS:
            raise ValueError(f"--grid: at most {limits.MAX_EVALUATION_POINTS} points, found "
                             f"{n:g} (exactid.limits.MAX_EVALUATION_POINTS)")
        x = np.linspace(lo, hi, int(n))
    else:
        x = np.asarray(args.x, dtype=float)
    if x.size == 0:
        raise ValueError("x: give points as arguments or use --grid LO HI N")
    if not np.isfinite(x).all():
        raise ValueError(f"x: expected finite numbers, found {x[~np.isfinite(x)][0]}")
    values = log_pdf(model, x)
    locations, masses = atoms(model)
    if args.json:
        print(to_json({
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
