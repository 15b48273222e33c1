r"""Decoders of a :class:`~exactid.search.grid.Family` that compute the same function, decided
exactly.

A family's decoder :math:`f(z) = \sum_k \alpha_k\, s(\beta_k z + \pi_k)` (``s`` ReLU or leaky
ReLU) is piecewise linear with its breakpoints among the finite set
:math:`B = \{-\pi / \beta : \beta \ne 0\}` of the grid.  So two decoders of the family are the
same function if and only if they agree on the *probe points* ``T`` = the points of ``B`` plus
one point left of ``min B`` and one right of ``max B`` (both are affine between consecutive
points of ``B`` and beyond its ends; with no ``B``, constants agree at any one point).

The values are computed exactly: every grid value is a float, i.e. a binary rational, so each
unit's value :math:`\alpha\, s(\beta t + \pi)` at a rational ``t`` is a
:class:`~fractions.Fraction`; scaled by the common denominator of all of them, each unit
becomes a vector of integers, and a decoder's *signature* is the sum of its units' vectors
(int64 when the largest sum fits, else Python integers).  Equal signatures <=> equal
functions, with no rounding anywhere.

Decoders with the same function give models with the same law, hence the same objective, so
:meth:`Family.decoders` with ``symmetry="functions"`` evaluates one of them (the first in
enumeration order) and counts the others in its orbit.  This merges everything the unit
symmetries miss: dead units (:math:`\beta = 0` and :math:`s(\pi) = 0`, not only
:math:`\alpha = 0`), constant units that add up to the same constant, units that cancel,
positive rescalings :math:`\alpha s(\beta z + \pi) = (c\alpha) s(\beta z / c + \pi / c)` that
stay on the grid, and identities such as ``relu(z) - relu(-z) = z``.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

__all__ = ["probe_points", "unit_signatures", "function_classes"]

#: int64 signatures are used when every sum of H unit values stays below this bound.
_INT64_SAFE = 2**62


def probe_points(betas, biases) -> list[Fraction]:
    """The points at which equal values imply equal decoder functions (module docstring).

    Parameters
    ----------
    betas, biases : sequence of float
        The family's grids of input weights and biases.

    Returns
    -------
    list of Fraction
        Sorted; the breakpoints ``-pi / beta`` and one point beyond each end.
    """
    breaks = sorted({-Fraction(c) / Fraction(b) for b in betas if b != 0 for c in biases})
    if not breaks:
        return [Fraction(0)]
    return [breaks[0] - 1, *breaks, breaks[-1] + 1]


def unit_signatures(units, negative_slope: float, points) -> np.ndarray:
    """Each unit's exact values at ``points``, scaled to integers by one common denominator.

    Parameters
    ----------
    units : sequence of (alpha, beta, pi)
        Shape (U, 3).
    negative_slope : float
    points : sequence of Fraction
        Shape (T,).

    Returns
    -------
    ndarray, shape (U, T)
        Python integers (dtype object): their size depends on the grids.
    """
    slope = Fraction(negative_slope)
    values = []
    for a, b, c in units:
        a, b, c = Fraction(a), Fraction(b), Fraction(c)
        row = []
        for t in points:
            u = b * t + c
            row.append(a * (u if u > 0 else slope * u))
        values.append(row)
    denominator = math.lcm(*(v.denominator for row in values for v in row))
    return np.array([[int(v * denominator) for v in row] for row in values], dtype=object
                    ).reshape(len(values), len(points))


def function_classes(decoders: np.ndarray, negative_slope: float, betas, biases) -> np.ndarray:
    """Label the decoders by the function they compute.

    Parameters
    ----------
    decoders : ndarray, shape (D, 3, H)
        Rows ``(alpha, beta, pi)`` of a family whose betas and biases lie in ``betas`` and
        ``biases``.
    negative_slope : float
    betas, biases : sequence of float

    Returns
    -------
    labels : ndarray of int64, shape (D,)
        ``labels[i] == labels[j]`` if and only if decoders ``i`` and ``j`` are the same
        function; labels are numbered in order of first appearance.
    """
    n_dec, _, n_hidden = decoders.shape
    if n_dec == 0:
        return np.zeros(0, dtype=np.int64)
    units, index = np.unique(decoders.transpose(0, 2, 1).reshape(-1, 3), axis=0,
                             return_inverse=True)
    index = index.reshape(n_dec, n_hidden)
    table = unit_signatures(units.tolist(), negative_slope, probe_points(betas, biases))
    largest = max((abs(int(v)) for v in table.ravel()), default=0)
    if largest * n_hidden < _INT64_SAFE:
        signatures = table.astype(np.int64)[index].sum(axis=1)
        _, first, inverse = np.unique(signatures, axis=0, return_index=True,
                                      return_inverse=True)
    else:  # exact Python integers: slower, never wrong
        keys = [tuple(row) for row in table[index].sum(axis=1).tolist()]
        label_of: dict = {}
        inverse = np.array([label_of.setdefault(k, len(label_of)) for k in keys])
        first = np.arange(len(label_of))  # labels already in order of first appearance
    # Renumber the classes in order of first appearance, so that labels follow the
    # enumeration order of the decoders (deterministic representatives).
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[np.asarray(inverse).ravel()].astype(np.int64)

