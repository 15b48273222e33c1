"""``exactid logpdf MODEL X...``: the exact log density at given points or on a grid."""

from __future__ import annotations

import numpy as np

from .. import limits
from ..density import atoms, log_pdf, singular_part
from ..files import to_json
from ..io import load_model
from .options import accept_negative_numbers
from .run import EXIT_OK

__all__ = ["register", "run"]


def register(sub) -> None:
    """Add the ``logpdf`` subcommand to the subparsers ``sub``."""
    p = sub.add_parser("logpdf", help="exact log density of x under a model file (latent "
                       "dimension 1 or 2)")
    p.add_argument("model", help="model JSON file (see README, 'Model files')")
    p.add_argument("x", nargs="*", help="points at which to evaluate: numbers for n = 1, "
                   "comma-separated coordinates (X1,X2) for n >= 2")
    p.add_argument("--grid", nargs="+", type=float, metavar="LO HI N",
                   help="evaluate on a grid: one triple LO HI N per coordinate of x (N equally "
                   "spaced values in [LO, HI]); for n = 2, --grid X1LO X1HI N1 X2LO X2HI N2")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    accept_negative_numbers(p)
    p.set_defaults(func=run)


def _axis(lo: float, hi: float, n: float, i: int) -> np.ndarray:
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
        raise ValueError(f"--grid: expected finite LO <= HI for coordinate {i + 1}, found "
                         f"LO = {lo!r}, HI = {hi!r}")
    if not n.is_integer() or n < 1:
        raise ValueError(f"--grid: expected an integer number of points >= 1 for coordinate "
                         f"{i + 1}, found {n}")
    return np.linspace(lo, hi, int(n))


def _grid(values: list[float], n_obs: int) -> np.ndarray:
    if len(values) != 3 * n_obs:
        raise ValueError(f"--grid: expected {3 * n_obs} numbers (LO HI N for each of the "
                         f"{n_obs} coordinates of x), found {len(values)}")
    counts = [values[3 * i + 2] for i in range(n_obs)]
    total = float(np.prod([c for c in counts if c >= 1])) if all(c >= 1 for c in counts) else 1
    if total > limits.MAX_EVALUATION_POINTS:
        raise ValueError(f"--grid: at most {limits.MAX_EVALUATION_POINTS} points, found "
                         f"{total:g} (exactid.limits.MAX_EVALUATION_POINTS)")
    axes = [_axis(*values[3 * i:3 * i + 3], i) for i in range(n_obs)]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def _point(text: str, n_obs: int, index: int) -> list[float]:
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"x: point {index + 1} ({text!r}): expected {n_obs} comma-separated "
                         "numbers") from None
    if len(values) != n_obs:
        raise ValueError(f"x: point {index + 1} ({text!r}) has {len(values)} coordinate(s); "
                         f"the model's observed dimension is n = {n_obs}")
    return values


def _points(args, n_obs: int) -> np.ndarray:
    if args.grid is not None and args.x:
        raise ValueError("x: give points as arguments or use --grid, not both")
    if args.grid is not None:
        x = _grid(args.grid, n_obs)
    else:
        x = np.array([_point(t, n_obs, i) for i, t in enumerate(args.x)], dtype=float)
    if x.size == 0:
        raise ValueError("x: give points as arguments or use --grid LO HI N (per coordinate)")
    if not np.isfinite(x).all():
        raise ValueError(f"x: expected finite numbers, found {x[~np.isfinite(x)][0]}")
    return x


def run(args) -> int:
    model = load_model(args.model)
    n_obs = model.observed_dim
    x = _points(args, n_obs)
    values = log_pdf(model, x if n_obs > 1 else x[:, 0])
    singular = None
    if model.noise_std == 0 and (model.latent_dim, n_obs) == (2, 2):
        singular = singular_part(model)
        locations, masses = np.empty((0, 2)), np.empty(0)
    else:
        locations, masses = atoms(model)
    coords = x[:, 0] if n_obs == 1 else x
    if args.json:
        report = {"x": coords.tolist(), "log_pdf": [float(v) for v in values],
                  "atoms": {"locations": locations.tolist(), "masses": masses.tolist()}}
        if singular is not None:
            report["singular_part"] = {"mass": singular.mass, "pieces": [
                {"cell": p.cell, "rank": p.rank, "anchor": p.anchor.tolist(),
                 "direction": p.direction.tolist(), "t_min": p.t_min, "t_max": p.t_max,
                 "mass": p.mass} for p in singular.pieces]}
        print(to_json(report))
        return EXIT_OK
    names = ["x"] if n_obs == 1 else [f"x{i + 1}" for i in range(n_obs)]
    print(" ".join(f"{name:>24}" for name in [*names, "log p(x)"]))
    for xi, v in zip(x, values):
        print(" ".join(f"{c:>24.17g}" for c in [*xi, v]))
    if locations.size:
        print("atoms (noise_std = 0; log p is the density of the continuous part):")
        for loc, mass in zip(locations, masses):
            print(f"  x = {loc:.17g}: mass {mass:.17g}")
    if singular is not None and singular.pieces:
        print(f"singular part (noise_std = 0; log p is the density of the rest): mass "
              f"{singular.mass:.17g} on")
        for p in singular.pieces:
            where = (f"the point {p.anchor.tolist()}" if p.rank == 0 else
                     f"{p.anchor.tolist()} + t {p.direction.tolist()}, t in [{p.t_min:g}, "
                     f"{p.t_max:g}]")
            print(f"  {where}: mass {p.mass:.17g}")
    return EXIT_OK
