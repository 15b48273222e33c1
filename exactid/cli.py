"""Command-line interface: parse, call the library, print.  Nothing else lives here.

The numba kernels are imported inside the command functions (the package itself loads only
NumPy), so ``exactid --version`` and ``exactid --help`` return at once.  How a command ends
(exit codes, the one line printed on an error or an interrupt) is decided in one place,
:mod:`exactid._run`.  Every output file is checked before any computation and written
atomically (:mod:`exactid._files`); ``--json`` output is strict JSON.
"""

from __future__ import annotations

import argparse
import re
import sys

from ._run import EXIT_OK, run_command
from ._version import __version__


def _cmd_logpdf(args) -> int:
    import numpy as np

    from . import limits
    from ._files import to_json
    from .density import atoms, log_pdf
    from .io import load_model

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


def _cmd_pieces(args) -> int:
    from ._files import to_json
    from .io import load_net_any
    from .regions import pieces_1d

    # A net or a model file (its decoder), by content; .npz and torch files by extension.
    _warn_if_trusting(args)
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


def _read_data(path: str):
    """Observations from a .npy file or a text file (one number per line), read within
    :data:`exactid.limits.MAX_DATA_BYTES` and without unpickling."""
    import io

    import numpy as np

    from . import limits
    from ._files import read_bytes
    from .io import read_npy

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
    import numpy as np

    from .surface import default_range

    if rng is None:
        return default_range(model, name, points)
    lo, hi = rng
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{option}: expected finite LO < HI, found LO = {lo!r}, HI = {hi!r}")
    return np.linspace(lo, hi, points)


def _progress_printer(args):
    """A progress callback ``(done, total)`` drawing a tqdm bar on stderr (None when quiet)."""
    from ._progress import progress_bar, progress_enabled

    if not progress_enabled(args.progress):
        return None
    state = {}

    def progress(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = progress_bar(total, "exactid surface", True, unit="model")
        bar = state["bar"]
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


def _cmd_surface(args) -> int:
    from . import limits
    from .io import load_model
    from .parameters import canonical_name

    if args.points < 2:
        raise ValueError(f"--points: expected an integer >= 2, found {args.points}")
    evaluations = args.points ** (2 if args.param2 is not None else 1)
    if evaluations > limits.MAX_SLICE_EVALUATIONS:
        raise ValueError(f"--points: {args.points} points per parameter give {evaluations} "
                         f"evaluations, more than {limits.MAX_SLICE_EVALUATIONS} "
                         "(exactid.limits.MAX_SLICE_EVALUATIONS)")
    if args.out is not None:
        _check_figure_output(args.out, "--out")
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


def _surface_1d(args, model, name, values, data) -> int:
    from .surface import nll_slice

    sl = nll_slice(model, name, values, data=data, progress=_progress_printer(args))
    argmin = sl.argmin_value
    if args.out is not None:
        from .plotting import plot_nll_slices

        plot_nll_slices([sl], args.out, minimizer_values=[argmin],
                        suptitle=f"{sl.kind} NLL along {name} ({args.model})")
    if args.json:
        from ._files import to_json

        print(to_json({
            "param": name, "kind": sl.kind,
            "values": sl.values.tolist(), "objective": sl.objective.tolist(),
            "error": sl.error.tolist(),
            "truth_value": sl.truth_value, "argmin_value": argmin,
        }))
        return EXIT_OK
    what = "population NLL H(truth, model)" if sl.kind == "population" else "sample NLL"
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
    from .surface import nll_slice_2d

    sl = nll_slice_2d(model, name, values, name2, values2, data=data,
                      progress=_progress_printer(args))
    ax, ay = sl.argmin_values
    if args.out is not None:
        from .plotting import plot_nll_slice_2d

        plot_nll_slice_2d(sl, args.out, minimizer=(ax, ay))
    if args.json:
        from ._files import to_json

        print(to_json({
            "param": name, "param2": name2, "kind": sl.kind,
            "values": sl.values_x.tolist(), "values2": sl.values_y.tolist(),
            "objective": sl.objective.tolist(), "error": sl.error.tolist(),
            "truth_value": sl.truth_value_x, "truth_value2": sl.truth_value_y,
            "argmin_value": ax, "argmin_value2": ay,
        }))
        return EXIT_OK
    what = "population NLL H(truth, model)" if sl.kind == "population" else "sample NLL"
    ny, nx = sl.objective.shape
    print(f"{what} on a {nx} x {ny} grid of ({name}, {name2}) (--json for all values)")
    print(f"truth:   {name} = {sl.truth_value_x:.10g}, {name2} = {sl.truth_value_y:.10g}")
    print(f"minimum: {name} = {ax:.10g}, {name2} = {ay:.10g}: NLL {sl.objective.min():.15g} "
          f"(error {sl.error.flat[sl.objective.argmin()]:.2g})")
    if args.out is not None:
        print(f"wrote {args.out}")
    return EXIT_OK


def _parse_components(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--J: expected comma-separated integers such as 2,3, found {text!r}"
                         ) from None
    if not values or any(v < 1 for v in values):
        raise ValueError(f"--J: expected integers >= 1, found {text!r}")
    return values


def _check_figure_output(path: str, option: str) -> None:
    """An image output: writable (see :func:`exactid._files.check_output`) and of a format
    matplotlib writes, checked before any computation."""
    import os

    from ._files import check_output

    check_output(path, option)
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    supported = ("png", "pdf", "svg", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp")
    if ext not in supported:
        raise ValueError(f"{option}: expected an image file name ending in one of "
                         f"{', '.join('.' + e for e in supported)}, found {path!r}")


def _cmd_simulate(args) -> int:
    from . import limits
    from ._files import atomic_write, check_output, to_json
    from .errors import Interrupted
    from .simulate import (
        DEFAULT_MODELS,
        FULL_MODELS,
        resume_records,
        run_study,
        study_families,
        study_payload,
        summarize,
    )

    if args.seed < 0:
        raise ValueError(f"--seed: expected an integer >= 0, found {args.seed}")
    components = _parse_components(args.J)
    n_models = args.models if args.models is not None else (
        FULL_MODELS if args.full else DEFAULT_MODELS)
    if n_models < 1:
        raise ValueError(f"--models: expected an integer >= 1, found {n_models}")
    if not args.tol > 0:
        raise ValueError(f"--tol: expected a number > 0, found {args.tol}")
    if not args.tol <= limits.MAX_SEARCH_TOL:
        raise ValueError(f"--tol: expected at most {limits.MAX_SEARCH_TOL:g} (nats; a "
                         f"numerical allowance for ties), found {args.tol}")
    if args.resume and not args.json:
        raise ValueError("--resume: needs --json FILE (the file of the interrupted run)")
    study_families(components)  # every family checked for size before any work
    header = {"study": "J.3.1", "seed": args.seed, "models": n_models,
              "components": list(components), "decoder": args.decoder, "tol": args.tol}
    previous = []
    if args.json:
        import os

        if args.resume and os.path.exists(args.json):
            previous = resume_records(args.json, header)
        check_output(args.json, "--json")
    truth_decoder = None
    if args.decoder == "absval":
        truth_decoder = {"alpha": (1.0, 1.0), "beta": (-1.0, 1.0), "pi": (0.0, 0.0)}
    print(f"J.3.1 study: {n_models} models, seed {args.seed}, J in {list(components)}"
          + (", decoder |z| = ReLU(z) + ReLU(-z) (violates F2)" if truth_decoder else "")
          + (f"; resuming after {len(previous)} completed models" if previous else ""),
          file=sys.stderr)
    records = list(previous)

    def keep(record):
        records.append(record)
        if args.json:
            atomic_write(args.json, to_json(study_payload(header, records, n_models), indent=1),
                         "--json")

    try:
        run_study(n_models, args.seed, components, tol=args.tol, truth_decoder=truth_decoder,
                  start=len(previous), on_record=keep)
    except KeyboardInterrupt:
        if args.json and records:
            where = (f"{len(records)} of {n_models} models are complete and kept in "
                     f"{args.json} (status \"partial\"); run the same command with --resume "
                     "to continue")
        else:
            where = "nothing written (no model was complete)"
        raise Interrupted(where) from None
    if args.json and not records[len(previous):] and len(records) == n_models:
        # Everything was already done: rewrite the file as complete.
        atomic_write(args.json, to_json(study_payload(header, records, n_models), indent=1),
                     "--json")
    print(summarize(records))
    if args.json:
        print(f"records written to {args.json}")
    return EXIT_OK


def _cmd_counterexamples(args) -> int:
    from .counterexamples import format_table, verify_all

    rows = verify_all(symbolic=not args.no_symbolic)
    if args.json:
        from ._files import to_json

        print(to_json([row.as_dict() for row in rows], indent=2))
    else:
        print(format_table(rows))
    return EXIT_OK if all(row.passed for row in rows) else 1


def _cmd_check(args) -> int:
    from .injectivity_nd import check_injectivity, format_report
    from .io import load_net_any

    if not args.tol > 0:
        raise ValueError(f"--tol: expected a number > 0, found {args.tol}")
    if args.box is not None and not args.box > 0:
        raise ValueError(f"--box: expected a number > 0, found {args.box}")
    if args.max_regions < 1:
        raise ValueError(f"--max-regions: expected an integer >= 1, found {args.max_regions}")
    if args.time_limit is not None and not (0 < args.time_limit < float("inf")):
        raise ValueError(f"--time-limit: expected a number of seconds > 0, found "
                         f"{args.time_limit}")
    from .regions_nd import check_box_and_tol

    try:
        check_box_and_tol(args.box, args.tol)
    except ValueError as exc:
        raise ValueError(f"--{exc}") from None
    _warn_if_trusting(args)
    from ._progress import Deadline

    deadline = Deadline(args.time_limit, "--time-limit")  # started before the file is read
    net = load_net_any(args.net, trust_pickle=args.trust_pickle)
    try:
        report = check_injectivity(net, box=args.box, tol=args.tol, max_cells=args.max_regions,
                                   time_limit=deadline, progress=args.progress)
    except ValueError as exc:
        # Name the command-line option rather than the library argument.
        raise type(exc)(str(exc).replace("max_cells: ", "--max-regions: ", 1)) from None
    if args.json:
        from ._files import to_json

        print(to_json(report.to_dict(), indent=1))
    else:
        print(format_report(report, args.net))
    return EXIT_OK


def _warn_if_trusting(args) -> None:
    if args.trust_pickle:
        print(f"exactid {args.command}: warning: --trust-pickle: the torch file is unpickled "
              "without restriction, which runs any code it contains", file=sys.stderr)


def _add_progress_options(p) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--progress", dest="progress", action="store_const", const=True,
                       default=None, help="always show progress on stderr (default: only when "
                       "stderr is a terminal)")
    group.add_argument("--quiet", dest="progress", action="store_const", const=False,
                       help="never show progress")


#: Negative numbers in any float spelling (-1e3, -.5, -inf) are values, not options; argparse's
#: own pattern only knows -12 and -1.5.
_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^-inf(inity)?$",
                              re.IGNORECASE)


def _accept_negative_numbers(parser: argparse.ArgumentParser) -> None:
    if hasattr(parser, "_negative_number_matcher"):
        parser._negative_number_matcher = _NEGATIVE_NUMBER


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
    _accept_negative_numbers(p)
    p.set_defaults(func=_cmd_logpdf)

    p = sub.add_parser("pieces", help="exact linear pieces of a network with input dimension 1")
    p.add_argument("file", help="net or model file (.json, .npz, .pt/.pth)")
    p.add_argument("--exact", action="store_true",
                   help="print exact rationals (default: the exact pieces rounded to float64)")
    p.add_argument("--trust-pickle", action="store_true",
                   help="read a torch file without the safe-unpickling allow-list (runs any "
                   "code in the file: only for files you trust)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_pieces)

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
    _add_progress_options(p)
    _accept_negative_numbers(p)
    p.set_defaults(func=_cmd_surface)

    p = sub.add_parser(
        "simulate",
        help="the J.3.1 study: random models, exhaustive grid search, check against theory",
        description="Draws random models as in paper 003, Appendix J.3.1 (seeded), searches "
        "the whole parameter grid for the global minimizers of the exact population NLL, and "
        "checks each result against Theorem 3.2.",
    )
    p.add_argument("--models", type=int, metavar="N",
                   help="number of models (default 8; 50 with --full)")
    p.add_argument("--seed", type=int, default=0, help="seed of the first model (default 0)")
    p.add_argument("--J", default="2,3", metavar="LIST",
                   help="mixture sizes, used in turn (default 2,3)")
    p.add_argument("--full", action="store_true", help="the paper-scale study (50 models)")
    p.add_argument("--decoder", choices=("random", "absval"), default="random",
                   help="truth decoders drawn from the grid (default) or |z| for every model")
    p.add_argument("--tol", type=float, default=1e-12,
                   help="objective tolerance defining the global minimizers (default 1e-12)")
    p.add_argument("--json", metavar="OUT", help="write every record to this JSON file "
                   "(rewritten after each model; status \"partial\" until the study ends)")
    p.add_argument("--resume", action="store_true",
                   help="continue the unfinished study in --json OUT (same arguments): its "
                   "completed models are kept, the others are run")
    p.set_defaults(func=_cmd_simulate)

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
    _add_progress_options(p)
    p.set_defaults(func=_cmd_check)

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
    p.set_defaults(func=_cmd_counterexamples)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``exactid`` console script; returns the exit code (see
    :mod:`exactid._run`)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    if getattr(args, "max_regions", 0) is None:
        from . import limits

        args.max_regions = limits.MAX_CELLS
    return run_command("exactid", args.command, args.func, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
