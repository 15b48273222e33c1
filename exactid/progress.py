"""Progress on stderr for long computations: one mechanism (tqdm) and one convention.

Every long-running function takes ``progress=None | True | False``:

* ``None`` (default): show a bar only when stderr is a terminal, so logs and pipes stay clean;
* ``True``: always show it (e.g. ``--progress`` on the command line);
* ``False``: never (``--quiet``).

The bars are tqdm's, which handles terminal width, rates and time left; they go to stderr and
disappear when done unless ``leave=True``.
"""

from __future__ import annotations

import math
import sys
import time

from .errors import LimitExceeded

__all__ = ["progress_enabled", "progress_bar", "Deadline"]


def progress_enabled(progress) -> bool:
    """Resolve the ``progress`` convention (None = only on a terminal)."""
    if progress is None:
        stream = sys.stderr
        return bool(getattr(stream, "isatty", lambda: False)())
    if not isinstance(progress, bool):
        raise ValueError(f"progress: expected True, False or None, found {progress!r}")
    return progress


def progress_bar(total=None, desc: str = "", progress=None, unit: str = "it",
                 leave: bool = False, unit_scale: bool = False):
    """A tqdm bar on stderr following the convention of the module docstring.

    Parameters
    ----------
    total : int or None
        Number of steps, if known.
    desc : str
        Label in front of the bar.
    progress : bool or None
    unit : str
    leave : bool
        Keep the finished bar on screen.
    unit_scale : bool
        Show counts and rates with SI prefixes (``1.2G point/s``), for large counts.
    """
    from tqdm import tqdm  # imported when a bar is made, so that `exactid --version` stays fast

    return tqdm(total=total, desc=desc, unit=unit, leave=leave, file=sys.stderr,
                unit_scale=unit_scale,
                disable=not progress_enabled(progress), mininterval=0.5, dynamic_ncols=True)


class Deadline:
    """A wall-clock bound shared by the steps of one computation.

    Parameters
    ----------
    time_limit : float or None
        Seconds from now; None for no bound.
    option : str
        Name of the argument that set it, for the message.
    """

    def __init__(self, time_limit=None, option: str = "time_limit"):
        if time_limit is not None:
            if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) \
                    or not math.isfinite(time_limit) or time_limit <= 0:
                raise ValueError(f"{option}: expected a number of seconds > 0 or None, found "
                                 f"{time_limit!r}")
        self.time_limit = time_limit
        self.option = option
        self._clock = time.monotonic
        self._end = None if time_limit is None else self._clock() + float(time_limit)

    def check(self, what: str) -> None:
        """Raise :class:`~exactid.errors.LimitExceeded` if the time is up; ``what`` says what
        was being done."""
        if self._end is not None and self._clock() > self._end:
            raise LimitExceeded(f"{self.option}: stopped after {self.time_limit:g} s while "
                                f"{what}; raise the limit to finish", self.option)

    @classmethod
    def of(cls, value, option: str = "time_limit") -> "Deadline":
        """``value`` if it is already a Deadline (shared with a caller), else a new one."""
        return value if isinstance(value, Deadline) else cls(value, option)
