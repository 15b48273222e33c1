"""Named exceptions of exactid: what can go wrong, so that callers can tell the cases apart.

Every error caused by the caller's input is a :class:`ValueError` (through
:class:`InputError`), so ``except ValueError`` keeps working; the subclasses say *why*:

* :class:`InputError` -- an argument or file is malformed or out of range; the message names
  the argument (or the file and field), what was expected and what was found.
* :class:`LimitExceeded` -- the requested work or memory is larger than a documented bound
  (:mod:`exactid.limits`); raised before the work starts wherever the size is known in advance,
  otherwise as soon as the bound is crossed.
* :class:`UnsupportedModelError` -- a model whose parameters lie outside the range in which an
  engine's error bound holds (the message names the parameter and the supported range), so no
  silently wrong number is ever returned.
* :class:`ModelFileError` -- a model or net file is malformed (file and field named);
  :class:`UntrustedFileError` -- a file would have to be unpickled to be read and the caller did
  not say that it trusts it.

Two exceptions are not errors of the input:

* :class:`Interrupted` -- a long computation stopped by Ctrl-C.  It derives from
  :class:`KeyboardInterrupt`, so code that does not expect it stops as for any Ctrl-C; code that
  does can read what was done in ``partial`` (explicitly incomplete, never a result).
* :class:`NumericalError` -- an internal computation produced a non-finite value where the
  mathematics says it cannot; it is raised instead of returning the value.
"""

from __future__ import annotations

__all__ = [
    "ExactidError",
    "InputError",
    "LimitExceeded",
    "UnsupportedModelError",
    "ModelFileError",
    "UntrustedFileError",
    "Interrupted",
    "NumericalError",
]


class ExactidError(Exception):
    """Base class of the errors raised by exactid on purpose."""


class InputError(ExactidError, ValueError):
    """An argument, option or file is malformed or out of range."""


class LimitExceeded(InputError):
    """The requested work exceeds a documented size, memory or time bound.

    Attributes
    ----------
    limit : str
        Name of the bound (a constant of :mod:`exactid.limits` or an option such as
        ``--max-regions``), so that a caller can raise it knowingly.
    """

    def __init__(self, message: str, limit: str = ""):
        super().__init__(message)
        self.limit = limit


class UnsupportedModelError(InputError):
    """Model parameters outside the range in which an engine's stated error bound holds."""


class ModelFileError(InputError):
    """A model or net file (or dict) is malformed; the message names the file and field."""


class UntrustedFileError(ModelFileError):
    """Reading the file would unpickle Python objects that are not on the allow-list."""


class Interrupted(KeyboardInterrupt):
    """A long computation was stopped by Ctrl-C (SIGINT).

    Attributes
    ----------
    partial : object or None
        What had been computed when the interrupt arrived, explicitly incomplete (for example
        a :class:`~exactid.search.SearchResult` with ``interrupted=True``).  It is never a
        result: nothing in exactid presents it as one.
    """

    def __init__(self, message: str = "interrupted", partial=None):
        super().__init__(message)
        self.partial = partial


class NumericalError(ExactidError, ArithmeticError):
    """An internal computation produced NaN or an impossible value; the result is withheld."""
