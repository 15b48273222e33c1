"""Every option of both command lines explains itself in --help and shows its default."""

from __future__ import annotations

import argparse

import pytest

from exactid.cli import build_parser as exactid_parser
from vade_check.cli import build_parser as vade_check_parser


def _commands():
    for build in (exactid_parser, vade_check_parser):
        parser = build()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield f"{parser.prog} {name}", sub


COMMANDS = dict(_commands())


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_has_help_and_shows_its_default(command):
    parser = COMMANDS[command]
    text = " ".join(parser.format_help().split())
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        name = action.option_strings[0] if action.option_strings else action.dest
        assert action.help, f"{command} {name}: no help text"
        meaningful = not any(action.default is v for v in (None, False, argparse.SUPPRESS))
        if meaningful:
            # The text of this option in the formatted help names its default.
            start = text.index(" ".join(action.help.split()[:3]))
            assert "default" in text[start:start + len(action.help) + 40], (
                f"{command} {name}: default {action.default!r} not shown")


def test_the_formatter_shows_defaults_once():
    help_text = COMMANDS["vade-check stability"].format_help()
    assert "(default: 5)" in " ".join(help_text.split())
    assert "(default: None)" not in help_text and "(default: False)" not in help_text
    simulate = " ".join(COMMANDS["exactid simulate"].format_help().split())
    assert simulate.count("(default 1e-12)") == 1 and "(default: 1e-12)" not in simulate
