"""exactid: exact likelihoods of Gaussian-mixture priors pushed through ReLU networks.

Importing the package is cheap (NumPy only); the numba kernels compile on first use, so
``exactid --version`` stays fast.
"""

from ._version import __version__
from .density import atoms, log_pdf, log_pdf_numpy, pdf
from .divergence import cross_entropy, kl_divergence, sample_nll
from .equivalence import (
    Equivalence,
    affine_maps,
    affine_reparametrize,
    models_equivalent,
    same_distribution,
)
from .injectivity import injectivity_1d
from .injectivity_nd import InjectivityReport, check_injectivity
from .io import ModelFileError, load_model, load_net, load_net_any, save_model, save_net
from .models import GaussianMixture, LatentModel, ReluNet
from .parameters import get_parameter, parameter_names, set_parameter
from .regions import Pieces1D, pieces_1d
from .regions_nd import linear_regions
from .search import Family, FamilyPoint, SearchResult, grid_search
from .surface import Slice1D, Slice2D, nll_slice, nll_slice_2d

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
]
