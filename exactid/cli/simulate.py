"""``exactid simulate``: the J.3.1 study, with incremental JSON output and ``--resume``."""

from __future__ import annotations

import contextlib
import os
import sys

from .. import limits
from ..errors import Interrupted
from ..files import atomic_write, check_output, to_json
from ..search import checkpoint, distributed, presets, study
from .options import add_progress_options
from .run import EXIT_OK

__all__ = ["register", "run"]


def register(sub) -> None:
    """Add the ``simulate`` subcommand to the subparsers ``sub``."""
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
    p.add_argument("--family", choices=tuple(presets.FAMILIES), default="j31",
                   help="the grid searched (default j31, the paper's: 2 hidden units, 5 values "
                   "per network parameter); h3: 3 hidden units; h4: 4 hidden units (beta, pi "
                   "in 3 values); fine: steps of 0.25 for alpha, beta, pi; leaky: j31 with "
                   "leaky ReLU (slope 1/4)")
    p.add_argument("--decoder", choices=("random", "absval"), default="random",
                   help="truth decoders drawn from the grid (default) or |z| for every model")
    p.add_argument("--tol", type=float, default=1e-12,
                   help="objective tolerance defining the global minimizers (default 1e-12)")
    p.add_argument("--json", metavar="OUT", help="write every record to this JSON file "
                   "(rewritten after each model; status \"partial\" until the study ends)")
    p.add_argument("--resume", action="store_true",
                   help="continue the unfinished study in --json OUT (same arguments): its "
                   "completed models are kept, the others are run")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="run each search on a local Dask cluster of N worker processes "
                       "(needs exactid[distributed]; default: in this process, numba threads)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run each search on the Dask cluster whose scheduler is at ADDRESS, "
                       "e.g. tcp://10.0.0.5:8786 (started with `dask scheduler`)")
    p.add_argument("--checkpoint", metavar="DIR",
                   help="record each search's finished chunks in DIR (one subdirectory per "
                   "model); the same command started again skips them")
    add_progress_options(p, "progress bars for each search and classification",
                         quiet="no progress bars and no per-model lines on stderr")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.seed < 0:
        raise ValueError(f"--seed: expected an integer >= 0, found {args.seed}")
    components = _parse_components(args.J)
    n_models = args.models if args.models is not None else (
        study.FULL_MODELS if args.full else study.DEFAULT_MODELS)
    if n_models < 1:
        raise ValueError(f"--models: expected an integer >= 1, found {n_models}")
    if not args.tol > 0:
        raise ValueError(f"--tol: expected a number > 0, found {args.tol}")
    if not args.tol <= limits.MAX_SEARCH_TOL:
        raise ValueError(f"--tol: expected at most {limits.MAX_SEARCH_TOL:g} (nats; a "
                         f"numerical allowance for ties), found {args.tol}")
    if args.resume and not args.json:
        raise ValueError("--resume: needs --json FILE (the file of the interrupted run)")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers: expected an integer >= 1, found {args.workers}")
    if args.checkpoint is not None:
        checkpoint.check_directory(args.checkpoint)
    family_kwargs = presets.family_kwargs(args.family)
    # Every family checked for size before any work.
    study.study_families(components, family_kwargs)
    header = {"study": "J.3.1", "seed": args.seed, "models": n_models,
              "components": list(components), "decoder": args.decoder, "tol": args.tol,
              "family": args.family}
    previous = []
    if args.json:
        if args.resume and os.path.exists(args.json):
            previous = study.resume_records(args.json, header)
        check_output(args.json, "--json")
    truth_decoder = None
    if args.decoder == "absval":
        truth_decoder = {"alpha": (1.0, 1.0), "beta": (-1.0, 1.0), "pi": (0.0, 0.0)}
    print(f"J.3.1 study: {n_models} models, seed {args.seed}, J in {list(components)}"
          + ("" if args.family == "j31" else f", family {args.family}")
          + (", decoder |z| = ReLU(z) + ReLU(-z) (violates F2)" if truth_decoder else "")
          + (f"; resuming after {len(previous)} completed models" if previous else ""),
          file=sys.stderr)
    records = list(previous)

    def keep(record):
        records.append(record)
        if args.json:
            _write(args.json, header, records, n_models)

    try:
        with _cluster(args) as client:
            study.run_study(n_models, args.seed, components, family_kwargs=family_kwargs,
                            tol=args.tol,
                            truth_decoder=truth_decoder, start=len(previous), on_record=keep,
                            progress=args.progress, client=client,
                            checkpoint=args.checkpoint)
    except KeyboardInterrupt:
        if args.json and records:
            where = (f"{len(records)} of {n_models} models are complete and kept in "
                     f"{args.json} (status \"partial\"); run the same command with --resume "
                     "to continue")
        else:
            where = "no model was complete"
        if args.checkpoint:
            where += (f"; the finished chunks of the current search are kept in "
                      f"{args.checkpoint}, and the same command skips them")
        elif not (args.json and records):
            where = "nothing written (no model was complete)"
        raise Interrupted(where) from None
    if args.json and not records[len(previous):] and len(records) == n_models:
        # Everything was already done: rewrite the file as complete.
        _write(args.json, header, records, n_models)
    print(study.summarize(records))
    if args.json:
        print(f"records written to {args.json}")
    return EXIT_OK


def _cluster(args):
    """The Dask client of --workers / --scheduler, or a null context (in-process search)."""
    if args.workers is not None:
        return distributed.local_client(args.workers)
    if args.scheduler is not None:
        return distributed.connect(args.scheduler)
    return contextlib.nullcontext()


def _write(path, header, records, n_models) -> None:
    """The study file: written atomically after every finished model."""
    atomic_write(path, to_json(study.study_payload(header, records, n_models), indent=1),
                 "--json")


def _parse_components(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--J: expected comma-separated integers such as 2,3, found {text!r}"
                         ) from None
    if not values or any(v < 1 for v in values):
        raise ValueError(f"--J: expected integers >= 1, found {text!r}")
    return values
