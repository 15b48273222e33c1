"""``vade-check``: the command-line shell of vade_check (parse, call the library, print).

Imports of torch and of the library happen inside the command, so ``vade-check --version`` and
``--help`` return at once.
"""

from __future__ import annotations

import argparse
import os
import sys

from exactid import __version__
from exactid.cli.options import add_progress_options, use_help_formatter
from exactid.cli.run import EXIT_FAILED, EXIT_OK, run_command
from exactid.files import atomic_write, check_output, to_json

#: Largest data set trained on (the trainer holds it in memory several times).
MAX_SAMPLES = 10**7
DATASETS = ("pinwheel", "parallelograms1", "parallelograms2", "parallelograms3", "tcl")


def _positive_int(name: str, low: int = 1):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {low}, found {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, found {value}")
        return value
    parse.__name__ = name
    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, found {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, found {text!r}")
    return value


def _check_figure_dir(path: str, names) -> None:
    """The figure directory exists or can be created, and every figure in it can be written
    (checked for real, before any training)."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"--figure-dir: {path!r} exists and is not a directory")
    parent = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ValueError(f"--figure-dir: {path!r} cannot be created (no directory {parent!r})")
    if os.path.isdir(path):
        for name in names:
            check_output(os.path.join(path, name), "--figure-dir")
    else:
        check_output(os.path.join(parent, os.path.basename(os.path.abspath(path))),
                     "--figure-dir")


def _cmd_stability(args) -> int:
    if args.samples > MAX_SAMPLES:
        raise ValueError(f"--samples: expected at most {MAX_SAMPLES}, found {args.samples}")
    models = [args.model] + (["vae"] if args.baseline and args.model != "vae" else [])
    figure_names = [f"stability_{args.dataset}_{model}.png" for model in models]
    if args.json:
        check_output(args.json, "--json")
    if args.figure_dir:
        _check_figure_dir(args.figure_dir, figure_names)
    # The study and torch are imported only once the arguments are good: `--help` stays fast.
    from .data import make_dataset
    from .plotting import plot_latents
    from .study import format_table, run_stability
    from .training import NonFiniteLossError, TrainConfig, resolve_device

    resolve_device(args.device)
    dataset = make_dataset(args.dataset, n_samples=args.samples, seed=args.data_seed)
    results = []
    for model in models:
        config = TrainConfig(model=model, pretrain_epochs=args.pretrain_epochs,
                             epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                             device=args.device)
        print(f"vade-check stability: {model} on {args.dataset} ({len(dataset.x)} samples), "
              f"{args.runs} runs, seeds {args.seed}..{args.seed + args.runs - 1}",
              file=sys.stderr)
        try:
            results.append(run_stability(dataset, runs=args.runs, seed=args.seed,
                                         config=config, check_decoder=args.check_decoder,
                                         progress=args.progress))
        except NonFiniteLossError as exc:
            print(f"vade-check stability: {model}: {exc}; nothing written", file=sys.stderr)
            return EXIT_FAILED
    print(format_table(results))
    if args.check_decoder:
        for res in results:
            for rec in res.runs:
                chk = rec["decoder_check"]
                print(f"  {res.model} run {rec['run'] + 1}: F4 {chk['F4']}: "
                      f"{chk['scan']['reason']}; Appendix H: {chk['appendix_h']['verdict']}; "
                      f"exact: {chk['exact'].get('skipped', chk['exact'].get('F4'))}")
    figures = []
    if args.figure_dir:
        os.makedirs(args.figure_dir, exist_ok=True)
        for res in results:
            path = os.path.join(args.figure_dir, f"stability_{res.dataset}_{res.model}.png")
            plot_latents(res, path)
            figures.append(path)
    if args.json:
        first, *rest = results
        payload = first.to_dict()
        if rest:
            payload["baseline"] = rest[0].to_dict()
        payload["figures"] = figures
        atomic_write(args.json, to_json(payload, indent=1), "--json")
    for path in figures:
        print(f"figure written to {path}")
    if args.json:
        print(f"results written to {args.json}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vade-check",
        description="Train VaDE several times on simulated data and measure the stability of "
                    "the learned latent spaces (paper 003, J.3.2, Table 2).")
    parser.add_argument("--version", action="version", version=f"vade-check {__version__}")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("stability", help="the repeated-run stability study (Table 2)",
                       description="Train R models with seeds S..S+R-1, compare every ordered "
                                   "pair of runs (strong MCC, weak MCC, E.1 MCC, dist_Aff,L2) "
                                   "and each run with the ground truth; print a Table 2-style "
                                   "summary.")
    p.add_argument("--dataset", choices=DATASETS, default="pinwheel",
                   help="simulated data set (see README, 'VaDE stability')")
    p.add_argument("--runs", type=_positive_int("runs", 2), default=5,
                   help="number of runs; every ordered pair is compared")
    p.add_argument("--seed", type=_positive_int("seed", 0), default=0,
                   help="seed of the first run (run r uses seed + r)")
    p.add_argument("--model", choices=("vade", "vae"), default="vade",
                   help="VaDE (learned mixture prior) or the plain VAE (N(0, I) prior)")
    p.add_argument("--baseline", action="store_true",
                   help="also run the plain VAE baseline on the same data")
    p.add_argument("--json", metavar="OUT", help="write the results as JSON")
    p.add_argument("--check-decoder", action="store_true",
                   help="check the injectivity of every trained decoder with exactid")
    p.add_argument("--samples", type=_positive_int("samples", 10), default=5000,
                   help="number of samples")
    p.add_argument("--data-seed", type=_positive_int("data-seed", 0), default=0,
                   help="seed of the data set")
    p.add_argument("--pretrain-epochs", type=_positive_int("pretrain-epochs", 0), default=15,
                   help="epochs of autoencoder pretraining (0: none, random initial prior)")
    p.add_argument("--epochs", type=_positive_int("epochs", 1), default=20,
                   help="epochs of training on the ELBO")
    p.add_argument("--batch-size", type=_positive_int("batch-size", 1), default=100,
                   help="minibatch size")
    p.add_argument("--lr", type=_positive_float, default=1e-3,
                   help="Adam learning rate (pretraining and training)")
    p.add_argument("--device", default="cpu",
                   help="torch device, e.g. cuda if available")
    p.add_argument("--figure-dir", metavar="DIR",
                   help="write the latent scatter plots stability_<dataset>_<model>.png to DIR "
                        "(default: no figures)")
    add_progress_options(p, "a progress bar over the runs' epochs and the pairs")
    p.set_defaults(func=_cmd_stability)
    use_help_formatter(parser, sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``vade-check`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    return run_command("vade-check", args.command, args.func, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
