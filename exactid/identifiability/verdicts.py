"""One verdict type for (F2), (F3), (F4), whatever decided them.

:class:`Verdict` is one condition's answer (``True``, ``False``, or ``None`` when a decision
sits at a tolerance), a reason and a JSON-ready witness; :class:`InjectivityReport` bundles the
three with the size of the enumeration and the notes.  Both the exact 1-D decision
(:func:`~exactid.identifiability.line.injectivity_1d`) and the linear-programming decision for
``m <= 3`` (:func:`~exactid.identifiability.cells.check_injectivity`) return it, so callers read
``report.verdicts()`` or ``report.injective`` the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Verdict", "InjectivityReport", "Injectivity1D", "format_report"]



@dataclass(frozen=True)
class Verdict:
    """One condition's verdict.

    Attributes
    ----------
    holds : bool
        The verdict (decisions close to a tolerance are flagged in the report's ``notes``).
    reason : str
        A readable explanation.
    witness : dict
        JSON-ready arrays (lists) supporting the verdict.
    """

    holds: bool | None
    reason: str
    witness: dict = field(default_factory=dict)


@dataclass(frozen=True)
class InjectivityReport:
    """The (F2), (F3), (F4) verdicts of one network, with witnesses.

    Attributes
    ----------
    m, n : int
        Input and output dimensions.
    n_cells, n_regions : int
        Linear cells enumerated and regions (pieces, for the exact 1-D decision).
    box : float
        Half-width of the enumeration box (``inf`` for the exact 1-D decision, which needs
        none).
    F2, F3, F4 : Verdict
    appendix_h : dict
        The sufficient conditions of Appendix H (empty for the exact 1-D decision).
    notes : tuple of str
        Decisions at a tolerance and other remarks.
    method : str
        How the verdicts were decided.
    """

    m: int
    n: int
    n_cells: int
    n_regions: int
    box: float
    F2: Verdict
    F3: Verdict
    F4: Verdict
    appendix_h: dict
    notes: tuple = ()
    method: str = "linear programs on the exact linear regions"

    @property
    def weakly_injective(self) -> bool | None:
        """(F2)."""
        return self.F2.holds

    @property
    def observably_injective(self) -> bool | None:
        """(F3)."""
        return self.F3.holds

    @property
    def injective(self) -> bool | None:
        """(F4)."""
        return self.F4.holds

    def verdicts(self) -> dict:
        """``{"F2": ..., "F3": ..., "F4": ...}``."""
        return {"F2": self.F2.holds, "F3": self.F3.holds, "F4": self.F4.holds}

    @property
    def unique_interval(self) -> tuple | None:
        """For the exact 1-D decision: an open x-interval of points with one preimage (the
        ball of (F2)(i)), or None."""
        return self.F2.witness.get("unique_interval")

    @property
    def multiple_interval(self) -> tuple | None:
        """For the exact 1-D decision: an open x-interval of points with two or more
        preimages (a witness against (F3)), or None."""
        return self.F3.witness.get("multiple_interval")

    @property
    def collision(self) -> tuple | None:
        """For the exact 1-D decision: ``(z1, z2)``, distinct with ``f(z1) == f(z2)`` (a
        witness against (F4)), or None."""
        return self.F4.witness.get("collision")

    def to_dict(self) -> dict:
        """JSON-ready summary: ``{"F2": bool, "F3": bool, "F4": bool, "witnesses": {...},
        "n_regions": int, ...}``."""
        return {
            "F2": self.F2.holds, "F3": self.F3.holds, "F4": self.F4.holds,
            "reasons": {k: getattr(self, k).reason for k in ("F2", "F3", "F4")},
            "witnesses": {k: getattr(self, k).witness for k in ("F2", "F3", "F4")},
            "n_regions": self.n_regions, "n_cells": self.n_cells, "m": self.m, "n": self.n,
            "box": self.box, "appendix_h": self.appendix_h, "notes": list(self.notes),
        }


#: The former name of the exact 1-D verdicts (now the one report type).
Injectivity1D = InjectivityReport


def format_report(report: InjectivityReport, name: str = "net") -> str:
    """The human-readable report printed by ``exactid check``."""

    def fmt(v):
        if isinstance(v, float):
            return f"{v:.6g}"
        if isinstance(v, list):
            return "(" + ", ".join(fmt(x) for x in v) + ")"
        return str(v)

    def verdict(flag):
        return {True: "yes", False: "NO", None: "undecided"}[flag]

    lines = [f"{name}: R^{report.m} -> R^{report.n}, {report.n_regions} linear regions "
             f"({report.n_cells} cells), enumerated in the box [-{report.box:g}, "
             f"{report.box:g}]^{report.m} that holds all their vertices"]
    for key, title in (("F2", "weakly injective"), ("F3", "observably injective"),
                       ("F4", "injective")):
        v = getattr(report, key)
        lines.append(f"  ({key}) {title:<21} {verdict(v.holds):<9} {v.reason}")
        for wk, wv in v.witness.items():
            lines.append(f"         {wk} = {fmt(wv)}")
    lines.append("  Appendix H:")
    for key, entry in report.appendix_h.items():
        if isinstance(entry, dict):
            if entry.get("applies") is False:
                lines.append(f"    {key}: does not apply")
                continue
            state = entry.get("conditions_hold", entry.get("holds"))
            lines.append(f"    {key}: {'holds' if state else 'does not hold'}"
                         + (f" ({entry['statement']})" if "statement" in entry else ""))
            if "note" in entry:
                lines.append(f"      note: {entry['note']}")
        else:
            lines.append(f"    {key}: {entry}")
    for note in report.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)
