"""exactid: exact likelihoods of Gaussian-mixture priors pushed through ReLU networks.

The package face: the public API, re-exported from the subpackages, which follow the data
flow (see ARCHITECTURE.md):

* :mod:`exactid.models` -- :class:`GaussianMixture`, :class:`ReluNet`, :class:`LatentModel`;
* :mod:`exactid.regions` -- the linear pieces (1-D) and cells (m <= 3) of a network;
* :mod:`exactid.density` -- the exact law of x: log density, atoms and singular part;
* :mod:`exactid.divergence` -- NLL, cross-entropy, KL by quadrature over x; GMM L2 algebra;
* :mod:`exactid.identifiability` -- symmetries, equivalence, equality of laws, injectivity;
* :mod:`exactid.search` -- likelihood surfaces, the exhaustive search, the J.3.1 study;
* :mod:`exactid.counterexamples` -- the paper's constructions, verified, and two errata;
* :mod:`exactid.strategies` (needs hypothesis) and :mod:`exactid.testing` -- strategies and
  assertions for property tests of identifiability claims (imported on request only);
* :mod:`exactid.io`, :mod:`exactid.parameters`, :mod:`exactid.plotting`,
  :mod:`exactid.reference`, :mod:`exactid.cli`.

Importing the package is cheap (NumPy only); the numba kernels compile on first use, so
``exactid --version`` stays fast.
"""

from . import moved
from ._version import __version__
from .density import atoms, log_pdf, log_pdf_numpy, pdf, singular_part
from .divergence import cross_entropy, kl_divergence, sample_nll
from .identifiability import (
    AffineMap,
    CoordinateRecovery,
    Equivalence,
    InjectivityReport,
    P2Report,
    affine_maps,
    affine_reparametrize,
    check_injectivity,
    check_p2,
    injectivity_1d,
    models_equivalent,
    prior_maps,
    recover_coordinates,
    same_distribution,
)
from .io import ModelFileError, load_model, load_net, load_net_any, save_model, save_net
from .models import GaussianMixture, LatentModel, ReluNet
from .parameters import get_parameter, parameter_names, set_parameter
from .regions import Pieces1D, linear_regions, pieces_1d
from .search import (
    Family,
    FamilyPoint,
    SearchResult,
    Slice1D,
    Slice2D,
    grid_search,
    nll_slice,
    nll_slice_2d,
)

__all__ = [
    "__version__",
    "GaussianMixture",
    "ReluNet",
    "LatentModel",
    "Pieces1D",
    "pieces_1d",
    "log_pdf",
    "pdf",
    "atoms",
    "singular_part",
    "log_pdf_numpy",
    "sample_nll",
    "cross_entropy",
    "kl_divergence",
    "ModelFileError",
    "load_model",
    "save_model",
    "load_net",
    "save_net",
    "Equivalence",
    "affine_maps",
    "affine_reparametrize",
    "models_equivalent",
    "same_distribution",
    "parameter_names",
    "get_parameter",
    "set_parameter",
    "Family",
    "FamilyPoint",
    "SearchResult",
    "grid_search",
    "Slice1D",
    "Slice2D",
    "nll_slice",
    "nll_slice_2d",
    "injectivity_1d",
    "check_injectivity",
    "InjectivityReport",
    "linear_regions",
    "load_net_any",
    "P2Report",
    "check_p2",
    "CoordinateRecovery",
    "recover_coordinates",
    "AffineMap",
    "prior_maps",
]

# Old module paths (exactid.equivalence, exactid.surface, ...) keep importing, with a warning.
moved.install()
