"""What every assertion of :mod:`exactid.testing` shares: the result it returns on success,
argument checks that name the caller's arguments, and the formatting of evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..models import LatentModel
from ..validation import check_instance, check_number

__all__ = ["CheckResult", "check_model", "check_atol", "check_choice", "fail", "fmt_map",
           "fmt_vector"]


@dataclass(frozen=True)
class CheckResult:
    """What a passing assertion found, returned so that a test can inspect the evidence.

    ``str(result)`` is the evidence, the same text a failure would have shown.

    Attributes
    ----------
    method : str
        Which method decided, e.g. ``"exact (same_pushforward)"`` or ``"KL by quadrature
        (1-D quadrature), bound tol + error"``.
    evidence : str
        Human-readable evidence: numbers, maps, witnesses.
    report : object
        The underlying report of the library: a
        :class:`~exactid.identifiability.PushforwardComparison`,
        :class:`~exactid.identifiability.DistributionCheck`, :class:`~exactid.Equivalence`,
        :class:`~exactid.identifiability.PriorMaps`, :class:`~exactid.InjectivityReport` or
        :class:`~exactid.SearchResult`.
    kind : str or None
        Equivalence assertions: the most specific kind of map found (one of
        :data:`exactid.identifiability.prior_maps.KINDS`); None otherwise.
    map : tuple or AffineMap or None
        Equivalence assertions: a map of that kind, ``(s, u)`` for ``m = 1``
        (:math:`h(z) = s z + u`), an :class:`~exactid.AffineMap` for ``m >= 2``; None
        otherwise.
    """

    method: str
    evidence: str
    report: Any
    kind: str | None = None
    map: Any = None

    def __str__(self) -> str:
        return self.evidence


def check_model(value, name: str) -> LatentModel:
    """``value`` if it is a :class:`~exactid.LatentModel`, else ValueError naming ``name``."""
    return check_instance(value, name, LatentModel)


def check_atol(value, name: str = "atol") -> float:
    """A finite tolerance ``>= 0``."""
    return check_number(value, name, "a finite number >= 0", lambda v: v >= 0)


def check_choice(value, name: str, choices) -> str:
    """``value`` if it is one of ``choices`` (strings), else ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, found "
                         f"{value!r}")
    return value


def fail(title: str, lines) -> None:
    """Raise :class:`AssertionError` with ``title`` on the first line and the evidence
    ``lines`` indented below it."""
    body = "\n".join("  " + line for text in lines for line in str(text).splitlines())
    raise AssertionError(title + ("\n" + body if body else ""))


def fmt_vector(values) -> str:
    """A short text form of an array (6 significant digits)."""
    return np.array2string(np.asarray(values, dtype=float), precision=6, separator=", ",
                           suppress_small=False, max_line_width=200)


def fmt_map(h) -> str:
    """``h(z) = s z + u`` for a 1-D map ``(s, u)``, ``h(z) = A z + b`` with the entries for an
    :class:`~exactid.AffineMap`."""
    if isinstance(h, tuple):
        s, u = h
        return f"h(z) = {s:.6g} z {'-' if u < 0 else '+'} {abs(u):.6g}"
    return (f"h(z) = A z + b, A = {fmt_vector(h.matrix).replace(chr(10), '')}, "
            f"b = {fmt_vector(h.shift)}")
