"""The exact law of x = f(z) + eps: log density and atoms, computed in closed form.

What to use when: :func:`log_pdf` (or :func:`pdf`) for the density at points, with the error
bound of :mod:`exactid.density.exact` (m = n = 1) or :mod:`exactid.density.multivariate`
(m in {1, 2}, any n >= m); :func:`atoms` for the point masses of a noiseless 1-D model and
:func:`singular_part` for the part without density of a noiseless m = n = 2 model;
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
from .pushforward_2d import SingularPart, SingularPiece, singular_part

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
    "singular_part",
    "SingularPart",
    "SingularPiece",
    "log_pdf_numpy",
    "check_supported",
    "piece_arrays",
    "PieceArrays",
    "smooth_terms",
    "SCALE_MIN",
    "SCALE_MAX",
]
