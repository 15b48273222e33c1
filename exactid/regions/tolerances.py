"""The tolerances of the m-D region enumeration, in one place (see :mod:`exactid.regions.cells`
for what each decides and why it has its size)."""

from __future__ import annotations

import numpy as np

#: Largest supported input dimension m.
MAX_INPUT_DIM = 3
#: Default Chebyshev-radius threshold (absolute, units of z).
DEFAULT_TOL = 1e-9
#: Smallest accepted ``tol``: the LP feasibility tolerance below.
MIN_TOL = 1e-10
#: Largest accepted ``tol``: beyond it, thin but genuine cells and overlaps would be ignored.
MAX_TOL = 1e-6
#: A user box must be at least this many times ``tol`` wide (cells need radius > tol).
BOX_TOL_RATIO = 100.0
#: Radii within this factor of ``tol`` are reported as undecided.
UNDECIDED_FACTOR = 10.0
#: Relative threshold below which a neuron's gradient on a cell counts as zero.
ZERO_NORMAL_RTOL = 1e-12
#: Relative tolerance for equal affine maps and for the numerical rank.
MAP_RTOL = 1e-9
#: Relative size of rounding in the affine maps; differences above it but within MAP_RTOL
#: are reported.
ROUND_RTOL = 1e-12
#: Rows whose normal has a component of at most this size within a hyperplane count as
#: parallel to it (adjacency test).
PARALLEL_TOL = 1e-9
#: Measured accuracy of the LP's Chebyshev radius relative to the coordinates' size; a box
#: with ``LP_REL_ACC * box > tol`` is reported in ``undecided``.
LP_REL_ACC = 3e-14
#: Largest distance from the origin of a hyperplane that the automatic box handles (HiGHS
#: treats numbers above 1e20 as infinite); beyond it, a user box is required.
MAX_OFFSET = 1e15
#: Machine epsilon of float64.
EPS = float(np.finfo(float).eps)


def band(r, tol) -> bool:
    """Whether a radius lies within a factor ``UNDECIDED_FACTOR`` of ``tol`` (a decision to
    report in ``Regions.undecided``)."""
    return tol / UNDECIDED_FACTOR < r <= tol * UNDECIDED_FACTOR
