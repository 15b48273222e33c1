"""``exactid surface MODEL --param NAME``: the NLL along one or two parameters."""

from __future__ import annotations

import io

import numpy as np

from .. import limits
from ..files import read_bytes, to_json
from ..io import load_model, read_npy
from ..parameters import canonical_name
from ..plotting import plot_nll_slice_2d, plot_nll_slices
from ..search.surface import default_range, nll_slice, nll_slice_2d
from .options import accept_negative_numbers, add_progress_options, check_figure_output
from .run import EXIT_OK

__all__ = ["register", "run"]


def register(sub) -> None:
    """Add the ``surface`` subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "surface",
        help="negative log-likelihood along one or two parameters of a 1-D model file",
        description="The population NLL H(model, model') (or, with --data, the sample NLL) "
        "of the models model' obtained by varying one or two parameters of the model file; "
        "the model in the file is the truth.  Parameter names: lambda{j}, mu{j}, var{j}, "
        "sigma, W{l}[i,k], b{l}[i], and alpha{k}, beta{k}, pi{k} for one hidden layer.",
    )
    p.add_argument("model", help="model JSON file (the truth)")
    p.add_argument("--param", required=True, metavar="NAME", help="parameter to vary")
    p.add_argument("--param2", metavar="NAME", help="second parameter (a 2-D slice)")
    p.add_argument("--range", nargs=2, type=float, metavar=("LO", "HI"),
                   help="range of --param (default: around the truth value)")
    p.add_argument("--range2", nargs=2, type=float, metavar=("LO", "HI"),
                   help="range of --param2 (default: around the truth value)")
    p.add_argument("--points", type=int, default=101, metavar="N",
                   help="grid points per parameter (default 101)")
    p.add_argument("--data", metavar="FILE",
                   help="observations (.npy, or text with one number per line): sample NLL")
    p.add_argument("--out", metavar="PNG", help="write a plot of the slice")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_progress_options(p)
    accept_negative_numbers(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.points < 2:
        raise ValueError(f"--points: expected an integer >= 2, found {args.points}")
    evaluations = args.points ** (2 if args.param2 is not None else 1)
    if evaluations > limits.MAX_SLICE_EVALUATIONS:
        raise ValueError(f"--points: {args.points} points per parameter give {evaluations} "
                         f"evaluations, more than {limits.MAX_SLICE_EVALUATIONS} "
                         "(exactid.limits.MAX_SLICE_EVALUATIONS)")
    if args.out is not None:
        check_figure_output(args.out, "--out")
    model = load_model(args.model)
    names = []
    for option, given in (("--param", args.param), ("--param2", args.param2)):
        try:
            names.append(None if given is None else canonical_name(model, given))
        except ValueError as exc:
            raise ValueError(f"{option}: {exc}") from None
    name, name2 = names
    if name2 is not None and name2 == name:
        raise ValueError(
            f"--param2: expected a parameter other than --param, found {args.param2!r}, "
            f"which is {name} again"
        )
    data = None if args.data is None else _read_data(args.data)
    if data is None and model.noise_std == 0:
        raise ValueError(
            f"{args.model}: the population NLL needs noise_std > 0, found noise_std = 0 "
            "(the law of x may have atoms); give observations with --data for a sample NLL"
        )
    if args.range2 is not None and name2 is None:
        raise ValueError("--range2: only meaningful with --param2")
    values = _grid_values(model, name, args.range, args.points, "--range")
    if name2 is None:
        return _surface_1d(args, model, name, values, data)
    values2 = _grid_values(model, name2, args.range2, args.points, "--range2")
    return _surface_2d(args, model, name, values, name2, values2, data)


def _read_data(path: str):
    """Observations from a .npy file or a text file (one number per line), read within
    :data:`exactid.limits.MAX_DATA_BYTES` and without unpickling."""



    try:
        raw = read_bytes(path, limits.MAX_DATA_BYTES, "data file")
    except ValueError as exc:
        raise ValueError(f"--data: {exc}") from None
    try:
        if path.lower().endswith(".npy"):
            data = read_npy(raw, path, limits.MAX_EVALUATION_POINTS)
        else:
            data = np.loadtxt(io.StringIO(raw.decode("utf-8")), dtype=float, ndmin=1)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"--data: {path}: cannot read the observations ({exc})") from None
    if data.size > limits.MAX_EVALUATION_POINTS:
        raise ValueError(f"--data: {path}: more than {limits.MAX_EVALUATION_POINTS} "
                         "observations (exactid.limits.MAX_EVALUATION_POINTS)")
    return data


def _grid_values(model, name: str, rng, points: int, option: str):
    if rng is None:
        return default_range(model, name, points)
    lo, hi = rng
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{option}: expected finite LO < HI, found LO = {lo!r}, HI = {hi!r}")
    return np.linspace(lo, hi, points)


def _surface_1d(args, model, name, values, data) -> int:
    sl = nll_slice(model, name, values, data=data, progress=args.progress)
    argmin = sl.argmin_value
    if args.out is not None:
        plot_nll_slices([sl], args.out, minimizer_values=[argmin],
                        suptitle=f"{sl.kind} NLL along {name} ({args.model})")
    if args.json:
        print(to_json({
            "param": name, "kind": sl.kind,
            "values": sl.values.tolist(), "objective": sl.objective.tolist(),
            "error": sl.error.tolist(),
            "truth_value": sl.truth_value, "argmin_value": argmin,
        }))
        return EXIT_OK
    what = ("population NLL H(truth, model) in nats" if sl.kind == "population"
            else "sample NLL in nats per point")
    print(f"{what} along {name} (truth {name} = {sl.truth_value:.10g}), {sl.values.size} points")
    print(f"{name:>14} {'NLL':>22} {'error':>10}")
    best = int(sl.objective.argmin())
    for i, (v, f, e) in enumerate(zip(sl.values, sl.objective, sl.error)):
        marks = [m for m, on in (("minimum", i == best), ("truth", v == sl.truth_value)) if on]
        mark = f"  <- {', '.join(marks)}" if marks else ""
        print(f"{v:>14.8g} {f:>22.15g} {e:>10.2g}{mark}")
    print(f"minimum at {name} = {argmin:.10g}: NLL {sl.objective[best]:.15g}")
    if args.out is not None:
        print(f"wrote {args.out}")
    return EXIT_OK


def _surface_2d(args, model, name, values, name2, values2, data) -> int:
    sl = nll_slice_2d(model, name, values, name2, values2, data=data,
                      progress=args.progress)
    ax, ay = sl.argmin_values
    if args.out is not None:
        plot_nll_slice_2d(sl, args.out, minimizer=(ax, ay))
    if args.json:
        print(to_json({
            "param": name, "param2": name2, "kind": sl.kind,
            "values": sl.values_x.tolist(), "values2": sl.values_y.tolist(),
            "objective": sl.objective.tolist(), "error": sl.error.tolist(),
            "truth_value": sl.truth_value_x, "truth_value2": sl.truth_value_y,
            "argmin_value": ax, "argmin_value2": ay,
        }))
        return EXIT_OK
    what = ("population NLL H(truth, model) in nats" if sl.kind == "population"
            else "sample NLL in nats per point")
    ny, nx = sl.objective.shape
    print(f"{what} on a {nx} x {ny} grid of ({name}, {name2}) (--json for all values)")
    print(f"truth:   {name} = {sl.truth_value_x:.10g}, {name2} = {sl.truth_value_y:.10g}")
    print(f"minimum: {name} = {ax:.10g}, {name2} = {ay:.10g}: NLL {sl.objective.min():.15g} "
          f"(error {sl.error.flat[sl.objective.argmin()]:.2g})")
    if args.out is not None:
        print(f"wrote {args.out}")
    return EXIT_OK
