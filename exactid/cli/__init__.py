"""The ``exactid`` command: a thin shell that assembles one module per command.

Each command module (:mod:`~exactid.cli.logpdf`, :mod:`~exactid.cli.pieces`,
:mod:`~exactid.cli.surface`, :mod:`~exactid.cli.simulate`, :mod:`~exactid.cli.hierarchy`,
:mod:`~exactid.cli.check`, :mod:`~exactid.cli.counterexamples`) adds its subparser and runs
it: it reads a file, calls the library, prints a report or ``--json``.  The library is
imported inside ``run`` (numba kernels, sympy and matplotlib load only when a command needs
them), so ``exactid --version`` and ``--help`` return at once.  How a command ends (exit
codes, one line on an error or an interrupt) is :mod:`exactid.cli.run`.
"""

from __future__ import annotations

import argparse
import sys

from .._version import __version__
from . import check, counterexamples, hierarchy, logpdf, pieces, simulate, surface
from .options import use_help_formatter
from .run import EXIT_OK, run_command

__all__ = ["main", "build_parser", "run_command"]

COMMANDS = (logpdf, pieces, surface, simulate, hierarchy, check, counterexamples)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``exactid`` with every command's subparser."""
    parser = argparse.ArgumentParser(
        prog="exactid",
        description="Exact likelihoods of Gaussian-mixture priors pushed through ReLU networks.",
    )
    parser.add_argument("--version", action="version", version=f"exactid {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    use_help_formatter(parser, sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``exactid`` console script; returns the exit code (see
    :mod:`exactid.cli.run`)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    return run_command("exactid", args.command, args.func, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
