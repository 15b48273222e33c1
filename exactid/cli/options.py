"""Options and checks shared by several commands (progress flags, negative numbers as values,
image outputs, the --trust-pickle warning)."""

from __future__ import annotations

import argparse
import os
import re
import sys

from ..files import check_output

__all__ = ["add_progress_options", "accept_negative_numbers", "check_figure_output",
           "warn_if_trusting", "HelpFormatter", "use_help_formatter"]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` that shows every option's default, unless its text already says it or the
    default is "not given" (None) or "off" (False)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or any(action.default is v for v in (None, False, argparse.SUPPRESS)):
            return text
        return super()._get_help_string(action)


def use_help_formatter(parser: argparse.ArgumentParser, subparsers) -> None:
    """:class:`HelpFormatter` for ``parser`` and each command of its ``subparsers`` (the
    object ``add_subparsers`` returned)."""
    parser.formatter_class = HelpFormatter
    for command in subparsers.choices.values():
        command.formatter_class = HelpFormatter


def warn_if_trusting(args) -> None:
    if args.trust_pickle:
        print(f"exactid {args.command}: warning: --trust-pickle: the torch file is unpickled "
              "without restriction, which runs any code it contains", file=sys.stderr)


def add_progress_options(p, what: str = "progress", quiet: str | None = None) -> None:
    """``--progress`` / ``--quiet``: ``args.progress`` is True, False or None (the convention
    of :mod:`exactid.progress`); ``what`` says what is shown, ``quiet`` what --quiet does."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--progress", dest="progress", action="store_const", const=True,
                       default=None, help=f"always show {what} on stderr (default: only when "
                       "stderr is a terminal)")
    group.add_argument("--quiet", dest="progress", action="store_const", const=False,
                       help=quiet or f"never show {what}")


#: Negative numbers in any float spelling (-1e3, -.5, -inf), alone or as the first coordinate
#: of a comma-separated point (-1,2.5), are values, not options; argparse's own pattern only
#: knows -12 and -1.5.
_NUMBER = r"[-+]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf(inity)?|nan)"
_NEGATIVE_NUMBER = re.compile(rf"^-((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf(inity)?)(,{_NUMBER})*$",
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
