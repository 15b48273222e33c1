"""The exact law of x = f(z) + eps: log density and atoms, computed in closed form.

What to use when: :func:`log_pdf` (or :func:`pdf`) for the density at points, with the error
bound of :mod:`exactid.density.exact`; :func:`atoms` for the point masses of a noiseless model;
:func:`log_pdf_numpy` only to cross-check the numba engine (:mod:`exactid.density.kernels`);
:func:`check_supported` to ask in advance whether a model is in the engine's range.
"""

from functools import partial

from ..models import register_engine
from ..regions import density_pieces, pieces_1d, polygons_2d
from .exact import (
    SCALE_MAX,
    SCALE_MIN,
    PieceArrays,
    atoms,
    check_supported,
    log_pdf,
    log_pdf_numpy,
    pdf,
    piece_arrays,
    smooth_terms,
)

# The convenience methods of LatentModel delegate here (see exactid.models.ENGINES).
register_engine("log_pdf", log_pdf)
register_engine("atoms", atoms)
register_engine("density_pieces", density_pieces)
register_engine("exact_pieces", partial(pieces_1d, exact=True))
register_engine("polygons", polygons_2d)

__all__ = [
    "log_pdf",
    "pdf",
    "atoms",
    "log_pdf_numpy",
    "check_supported",
    "piece_arrays",
    "PieceArrays",
    "smooth_terms",
    "SCALE_MIN",
    "SCALE_MAX",
]
