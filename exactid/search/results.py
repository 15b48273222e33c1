"""What an exhaustive search returns: :class:`Candidate` grid points and the
:class:`SearchResult`."""

from __future__ import annotations

from dataclasses import dataclass

from .grid import FamilyPoint

__all__ = ["Candidate", "SearchResult"]


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A grid point with its objective.

    Attributes
    ----------
    point : FamilyPoint
    objective : float
    error : float
        Error estimate of the objective (0 for the sample NLL).
    orbit_size : int
        Grid points with the same objective by symmetry (this one included).
    """

    point: FamilyPoint
    objective: float
    error: float
    orbit_size: int



@dataclass
class SearchResult:
    """Outcome of :func:`grid_search`.

    Attributes
    ----------
    minimum : float
        Smallest objective on the grid.
    minimizers : list of Candidate
        Every evaluated (canonical) point within ``tol`` of the minimum, ascending.
    tol : float
    n_grid_points, n_evaluated : int
        Size of the full grid and number of canonical points evaluated.
    n_nodes : int
        Quadrature nodes (or data points) per evaluation.
    elapsed : float
        Seconds spent in the search (including compilation on first use).
    throughput : float
        Evaluated points x nodes per second.
    certified : bool
        False if some point's error estimate straddles the ``minimum + tol`` boundary.
    max_error : float
        Largest error estimate among the minimizers.
    crosscheck : float or None
        Largest difference between the fast objective and the adaptive
        :func:`exactid.cross_entropy` over the best points (population objective only).
    reference : FamilyPoint or None
    equivalence : list of tuple (bool, bool) or None
        For each minimizer: (prior equivalent, fully equivalent) to the reference.
    best_nonequivalent : Candidate or None
        The best point not (fully) equivalent to the reference.
    gap_to_nonequivalent : float or None
        Its objective minus the minimum.
    gap_is_lower_bound : bool
        True if the gap is only a lower bound (the best non-equivalent point was not located).
    interrupted : bool
    """

    minimum: float
    minimizers: list
    tol: float
    n_grid_points: int
    n_evaluated: int
    n_nodes: int
    elapsed: float
    throughput: float
    certified: bool
    max_error: float
    crosscheck: float | None = None
    reference: FamilyPoint | None = None
    equivalence: list | None = None
    best_nonequivalent: Candidate | None = None
    gap_to_nonequivalent: float | None = None
    gap_is_lower_bound: bool = False
    interrupted: bool = False

    @property
    def all_minimizer_priors_equivalent(self) -> bool | None:
        if self.equivalence is None:
            return None
        return all(prior for prior, _ in self.equivalence)

    @property
    def all_minimizers_equivalent(self) -> bool | None:
        if self.equivalence is None:
            return None
        return all(full for _, full in self.equivalence)

    @property
    def counterexample(self) -> Candidate | None:
        """The first global minimizer not fully equivalent to the reference, if any."""
        if self.equivalence is None:
            return None
        for cand, (_, full) in zip(self.minimizers, self.equivalence):
            if not full:
                return cand
        return None

    def summary(self) -> str:
        """A few human-readable lines."""
        lines = [
            f"grid points: {self.n_grid_points:,} ({self.n_evaluated:,} evaluated after "
            f"symmetry reduction), {self.n_nodes} nodes each, {self.elapsed:.1f} s, "
            f"{self.throughput:.3g} point-nodes/s",
            f"minimum objective {self.minimum:.12g}; {len(self.minimizers)} global "
            f"minimizer(s) within {self.tol:g} (max error estimate {self.max_error:.1e}"
            + (f", adaptive cross-check {self.crosscheck:.1e}" if self.crosscheck is not None
               else "") + ")",
        ]
        if not self.certified:
            lines.append("WARNING: error estimates straddle the tolerance boundary; the "
                         "minimizer set is not certified")
        if self.equivalence is not None:
            lines.append(
                "all global minimizers equivalent to the reference: "
                f"{self.all_minimizers_equivalent} (priors: "
                f"{self.all_minimizer_priors_equivalent})")
            cex = self.counterexample
            if cex is not None:
                lines.append(f"  non-equivalent global minimizer: {cex.point}  "
                             f"(objective {cex.objective:.12g})")
            if self.gap_to_nonequivalent is not None:
                rel = ">=" if self.gap_is_lower_bound else "="
                lines.append(f"gap to the best non-equivalent point {rel} "
                             f"{self.gap_to_nonequivalent:.3e}"
                             + (f": {self.best_nonequivalent.point}"
                                if self.best_nonequivalent is not None else ""))
        if self.interrupted:
            lines.append("INTERRUPTED: the search did not cover the whole grid")
        return "\n".join(lines)
