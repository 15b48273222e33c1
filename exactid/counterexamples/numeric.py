r"""Numerical verification of a construction with the exact density engine.

Two laws are compared by the largest difference of their densities on a fine grid (for
:math:`\sigma = 0` also of their atom masses) and by the total-variation distance
:math:`\frac12 \int |p - q| + \frac12 \sum |\text{atom mass differences}|`, integrated
adaptively and split at the images of all breakpoints and means; both must be below
``NUMERIC_TOL``.  The exact rational comparison
:func:`~exactid.identifiability.same_pushforward` runs next to it.  This path reuses the engine,
so it tests the constructions and the engine together, to rounding.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..density import atoms, log_pdf, piece_arrays
from ..divergence import integrate_1d
from ..divergence.quadrature import integration_window
from ..identifiability import injectivity_1d, same_pushforward
from ..models import LatentModel
from .constructions import Construction

__all__ = ["NOISE_STD", "NUMERIC_TOL", "Checks", "NumericLaw", "engine_law", "compare_laws",
           "with_noise", "compare_pairs", "compare_with_reference", "library_injectivity",
           "verdict_text"]

#: Noise level of the sigma > 0 comparisons.
NOISE_STD = 0.3
#: Bound on the maximal density difference and on the total-variation distance.  The two
#: densities of a pair are computed from different pieces (rounded once each) and agree to a
#: few ulp of the density (< 1e-15 here); 1e-12 leaves room for the quadrature's tolerance.
NUMERIC_TOL = 1e-12
#: Points of the grid on which densities are compared.
GRID_POINTS = 20001
#: Absolute tolerance of the total-variation quadrature.
TV_QUAD_TOL = 1e-14



@dataclass(frozen=True)
class NumericLaw:
    """A law on the real line: continuous part, atoms, and where to integrate."""

    density: object           # callable, x (N,) -> (N,)
    atom_locations: np.ndarray
    atom_masses: np.ndarray
    points: np.ndarray        # forced quadrature boundaries (images of breakpoints, means)
    window: tuple
    null_points: np.ndarray   # where a sigma = 0 density is only defined up to a null set
    sigma: float



def engine_law(model: LatentModel) -> NumericLaw:
    x_min, x_max, points = integration_window(model, model)
    pa = piece_arrays(model)
    images = np.concatenate([pa.f_lo, pa.f_hi])
    images = np.unique(images[np.isfinite(images)])
    locations, masses = atoms(model)
    return NumericLaw(
        density=lambda x: np.exp(log_pdf(model, x)),
        atom_locations=locations,
        atom_masses=masses,
        points=points,
        window=(x_min, x_max),
        null_points=images if model.noise_std == 0 else np.empty(0),
        sigma=model.noise_std,
    )



def atom_differences(a: NumericLaw, b: NumericLaw) -> np.ndarray:
    locations = np.union1d(a.atom_locations, b.atom_locations)
    diffs = []
    for loc in locations:
        ma = a.atom_masses[a.atom_locations == loc].sum()
        mb = b.atom_masses[b.atom_locations == loc].sum()
        diffs.append(abs(ma - mb))
    return np.asarray(diffs, dtype=float)



def compare_laws(a: NumericLaw, b: NumericLaw) -> tuple[float, float]:
    """(max |p - q| on the grid and over atoms, total-variation distance)."""

    lo = min(a.window[0], b.window[0])
    hi = max(a.window[1], b.window[1])
    grid = np.linspace(lo, hi, GRID_POINTS)
    # A sigma = 0 density is defined up to null sets; the engine's value at the image of a
    # breakpoint follows a convention (the piece to the right owns it), so those finitely many
    # points are left out of the grid.
    grid = grid[~np.isin(grid, np.concatenate([a.null_points, b.null_points]))]
    diff = np.abs(a.density(grid) - b.density(grid))
    atom_diff = atom_differences(a, b)
    max_diff = float(max(diff.max(initial=0.0), atom_diff.max(initial=0.0)))
    points = np.concatenate([[lo, hi], a.points, b.points])
    points = np.unique(points[(points >= lo) & (points <= hi)])
    sigma = min(a.sigma, b.sigma)
    integral = integrate_1d(lambda x: np.abs(a.density(x) - b.density(x)), points,
                            TV_QUAD_TOL, min_cells_per_unit=1.0 / sigma if sigma > 0 else 0.0)
    tv = 0.5 * (integral.value + atom_diff.sum())
    return max_diff, float(tv)



def with_noise(model: LatentModel, sigma: float) -> LatentModel:
    return LatentModel(model.prior, model.net, sigma)



class Checks:
    """Named boolean checks with notes, in order."""

    def __init__(self):
        self.items: list[tuple[str, bool, str]] = []

    def add(self, name: str, ok, note: str = "") -> bool:
        ok = bool(ok)
        self.items.append((name, ok, note))
        return ok

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.items)

    def summary(self) -> str:
        parts = []
        for name, ok, note in self.items:
            parts.append(f"[{'ok' if ok else 'FAIL'}] {name}" + (f": {note}" if note else ""))
        return "; ".join(parts)



def compare_pairs(pairs, checks: Checks) -> tuple[float, float, bool | None]:
    """Numeric and exact comparison of every pair at sigma = NOISE_STD and sigma = 0."""

    max_diff, tv, exact = 0.0, 0.0, True
    for label, a, b in pairs:
        for sigma in (NOISE_STD, 0.0):
            ma, mb = with_noise(a, sigma), with_noise(b, sigma)
            d, t = compare_laws(engine_law(ma), engine_law(mb))
            max_diff, tv = max(max_diff, d), max(tv, t)
            checks.add(f"{label}, sigma={sigma:g}: max|dp| <= {NUMERIC_TOL:g} and TV <= "
                       f"{NUMERIC_TOL:g}", d <= NUMERIC_TOL and t <= NUMERIC_TOL,
                       f"max|dp| = {d:.2e}, TV = {t:.2e}")
            same = same_pushforward(ma, mb)
            exact &= same.same
            checks.add(f"{label}, sigma={sigma:g}: same_pushforward", same.same,
                       same.witness)
    return max_diff, tv, (exact if pairs else None)



def compare_with_reference(model: LatentModel, density, locations, masses, label: str,
                       checks: Checks) -> tuple[float, float]:
    """Compare the engine's law of ``model`` (sigma = 0) with a closed-form reference law."""
    law = engine_law(model)
    ref = dataclasses.replace(law, density=density, atom_locations=np.asarray(locations, float),
                              atom_masses=np.asarray(masses, float))
    d, t = compare_laws(law, ref)
    checks.add(f"{label}: engine law vs reference, max|dp| <= {NUMERIC_TOL:g} and TV <= "
               f"{NUMERIC_TOL:g}", d <= NUMERIC_TOL and t <= NUMERIC_TOL,
               f"max|dp| = {d:.2e}, TV = {t:.2e}")
    return d, t



def library_injectivity(c: Construction, checks: Checks) -> dict:
    """Library verdicts for every net of ``c``, checked against the claimed ones."""

    out = {label: injectivity_1d(net).verdicts() for label, net in c.nets.items()}
    for label, claimed in c.expected_injectivity.items():
        got = out[label]
        ok = all(got[k] == v for k, v in claimed.items())
        checks.add(f"{label}: claimed " + ", ".join(f"{k}={'yes' if v else 'no'}"
                                                    for k, v in claimed.items()), ok,
                   "" if ok else "found " + verdict_text(got))
    return out



def verdict_text(v: dict) -> str:
    return " ".join(("" if v[k] else "~") + k for k in ("F2", "F3", "F4"))
