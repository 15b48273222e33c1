"""Linear regions of ReLU networks: where the network is affine, and with which map.

What to use when:

* one-dimensional input (``m = 1``, any ``n``): :func:`pieces_1d` (:mod:`~exactid.regions.line`),
  exact rational breakpoints by a sorted sweep; it is what the density engine uses;
* two-dimensional input (``m = 2``, any ``n``): :func:`polygons_2d`
  (:mod:`~exactid.regions.plane`), the cells as exact convex polygons (rational vertices,
  unbounded cells without clipping) with their maps; it is what the 2-D density builds on;
* ``m <= 3``: :func:`linear_regions` (:mod:`~exactid.regions.cells`), cells as polyhedra with
  certified Chebyshev balls, by layer-wise splitting with linear programs
  (:mod:`~exactid.regions.lp`), merged into regions (:mod:`~exactid.regions.merge`);
  :func:`cell_vertices` (:mod:`~exactid.regions.vertices`) lists a cell's corners.
"""

from .cells import bounding_box, check_box_and_tol, evaluate_pattern, linear_regions
from .line import EXACT_MAX_WEIGHTS, Pieces1D, density_pieces, interior_point, pieces_1d
from .plane import Polygon, PolygonCell, polygons_2d
from .polyhedra import Cell, Region, Regions
from .vertices import cell_vertices

__all__ = [
    "Pieces1D",
    "pieces_1d",
    "density_pieces",
    "interior_point",
    "EXACT_MAX_WEIGHTS",
    "Polygon",
    "PolygonCell",
    "polygons_2d",
    "Cell",
    "Region",
    "Regions",
    "linear_regions",
    "bounding_box",
    "evaluate_pattern",
    "cell_vertices",
    "check_box_and_tol",
]
