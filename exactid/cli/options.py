"""Options and checks shared by several commands (progress flags, negative numbers as values,
image outputs, the --trust-pickle warning)."""

from __future__ import annotations

import argparse
import os
import re
import sys

from ..files import check_output

__all__ = ["add_progress_options", "accept_negative_numbers", "check_figure_output",
           "warn_if_trusting"]


def warn_if_trusting(args) -> None:
    if args.trust_pickle:
        print(f"exactid {args.command}: warning: --trust-pickle: the torch file is unpickled "
              "without restriction, which runs any code it contains", file=sys.stderr)


def add_progress_options(p) -> None:
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


def accept_negative_numbers(parser: argparse.ArgumentParser) -> None:
    if hasattr(parser, "_negative_number_matcher"):
        parser._negative_number_matcher = _NEGATIVE_NUMBER


def check_figure_output(path: str, option: str) -> None:
    """An image output: writable (see :func:`exactid.files.check_output`) and of a format
    matplotlib writes, checked before any computation."""


    check_output(path, option)
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    supported = ("png", "pdf", "svg", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp")
    if ext not in supported:
        raise ValueError(f"{option}: expected an image file name ending in one of "
                         f"{', '.join('.' + e for e in supported)}, found {path!r}")
