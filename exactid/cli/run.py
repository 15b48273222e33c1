"""How a command-line command ends: one policy for ``exactid`` and ``vade-check``.

A command either returns its exit code, or raises; the exception decides the code and the one
line printed on stderr (never a traceback, unless ``EXACTID_DEBUG=1`` asks for it):

====================================  ====  ==================================================
exception                             code  line on stderr
====================================  ====  ==================================================
(none)                                0/1   whatever the command printed (1: a check failed)
``ValueError`` and its subclasses,    2     ``PROG CMD: error: MESSAGE`` (bad input, a limit
``NotImplementedError``, ``OSError``        of :mod:`exactid.limits`, an unreadable file)
``MemoryError``                       2     ``PROG CMD: error: out of memory ...``
``KeyboardInterrupt`` (Ctrl-C)        130   ``PROG CMD: interrupted[: MESSAGE]``
SIGTERM                               143   ``PROG CMD: terminated``
``BrokenPipeError`` (``| head``)      141   nothing (the reader has gone)
:class:`~exactid.errors.NumericalError`,  1  ``PROG CMD: error: ...`` / ``internal error: ...``
any other exception
====================================  ====  ==================================================

SIGTERM is turned into the :class:`Terminated` exception while the command runs, so that
``finally`` blocks (the atomic writer's temporary files) run before the process exits.
"""

from __future__ import annotations

import os
import signal
import sys

from ..errors import Interrupted, NumericalError

__all__ = ["Terminated", "run_command", "EXIT_OK", "EXIT_FAILED", "EXIT_BAD_INPUT",
           "EXIT_INTERRUPTED", "EXIT_TERMINATED", "EXIT_BROKEN_PIPE"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
EXIT_BROKEN_PIPE = 141


class Terminated(BaseException):
    """Raised in the main thread when the process receives SIGTERM during a command."""


def _on_sigterm(signum, frame):
    raise Terminated()


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so that the interpreter's final flush
    does not raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def run_command(prog: str, command: str, func, args) -> int:
    """Run ``func(args)`` under the exit policy of the module docstring; return the code."""
    label = f"{prog} {command}" if command else prog
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (e.g. called from a test runner's worker)
        previous = None
    try:
        return int(func(args))
    except KeyboardInterrupt as exc:
        detail = str(exc) if isinstance(exc, Interrupted) and str(exc) != "interrupted" else ""
        _say(f"{label}: interrupted" + (f"; {detail}" if detail else ""))
        return EXIT_INTERRUPTED
    except Terminated:
        _say(f"{label}: terminated")
        return EXIT_TERMINATED
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except MemoryError:
        _say(f"{label}: error: out of memory (the input is too large for this machine; see "
             "'Safety and limits' in the README)")
        return EXIT_BAD_INPUT
    except NumericalError as exc:
        _say(f"{label}: error: {exc}")
        return EXIT_FAILED
    except (ValueError, NotImplementedError, OSError) as exc:
        _say(f"{label}: error: {exc}")
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug: say so in one line; the traceback on request
        if os.environ.get("EXACTID_DEBUG"):
            raise
        _say(f"{label}: internal error: {type(exc).__name__}: {exc} (set EXACTID_DEBUG=1 for "
             "the traceback)")
        return EXIT_FAILED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
