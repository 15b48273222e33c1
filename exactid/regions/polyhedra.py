"""Value types of the m-D region enumeration: a cell, a region (cells with one map), and the
result of an enumeration.  Frozen dataclasses with read-only arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validation import readonly

__all__ = ["Cell", "Region", "Regions", "frozen"]


def frozen(arr) -> np.ndarray:
    """A read-only float64 copy of ``arr``."""
    return readonly(np.array(arr, dtype=float))



@dataclass(frozen=True, eq=False)
class Cell:
    """One linear cell of the network: a full-dimensional polyhedron with one activation
    pattern.

    Attributes
    ----------
    pattern : tuple of tuple of bool
        One tuple per hidden layer, ``True`` where the neuron's pre-activation is ``> 0`` on
        the interior of the cell.
    H : ndarray, shape (k, m)
        Rows of unit Euclidean norm; the cell is ``{z : H z <= h}``.  The last ``2 m`` rows
        are the box facets ``z_i <= box`` and ``-z_i <= box`` (``i = 0 .. m-1``).
    h : ndarray, shape (k,)
    A : ndarray, shape (n, m)
        ``f(z) = A z + b`` on the cell.
    b : ndarray, shape (n,)
    center : ndarray, shape (m,)
        Chebyshev centre (inside the box).
    radius : float
        Certified Chebyshev radius, ``> tol``: ``H @ center + radius <= h`` up to rounding.
    touches_box : bool
        True if the cell reaches the box boundary; with the automatic box this holds exactly
        when the cell is unbounded in ``R^m``.
    """

    pattern: tuple
    H: np.ndarray
    h: np.ndarray
    A: np.ndarray
    b: np.ndarray
    center: np.ndarray
    radius: float
    touches_box: bool

    def contains(self, z, slack: float = 0.0) -> np.ndarray:
        """Whether points lie in the cell, ``H z <= h + slack``.

        Parameters
        ----------
        z : array_like, shape (N, m) or (m,)
        slack : float

        Returns
        -------
        ndarray of bool, shape (N,) (or a 0-d array for a single point)
        """
        z = np.asarray(z, dtype=float)
        return np.all(z @ self.H.T <= self.h + slack, axis=-1)



@dataclass(frozen=True, eq=False)
class Region:
    """A connected union of cells with identical affine maps.

    Attributes
    ----------
    cells : tuple of Cell
    A : ndarray, shape (n, m)
        The common map (that of the first cell).
    b : ndarray, shape (n,)
    rank : int
        Numerical rank of ``A`` (singular values above ``MAP_RTOL`` times the magnitude bound
        of the network's maps).
    """

    cells: tuple
    A: np.ndarray
    b: np.ndarray
    rank: int



@dataclass(frozen=True, eq=False)
class Regions:
    """All linear cells and merged regions of a network inside a box.

    Attributes
    ----------
    regions : tuple of Region
    cells : tuple of Cell
        Every cell, in splitting order; each belongs to exactly one region.
    box : float
        Half-width of the box ``[-box, box]^m``.
    tol : float
        The Chebyshev-radius threshold used.
    undecided : tuple of str
        Notes on decisions that fell within tolerance; empty normally.
    """

    regions: tuple
    cells: tuple
    box: float
    tol: float
    undecided: tuple = ()

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self.cells)

    @property
    def n_regions(self) -> int:
        """Number of merged regions."""
        return len(self.regions)
