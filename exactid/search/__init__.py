"""The likelihood surface and its global minimizers (paper 003, Section 4, Figure 1, J.3.1).

What to use when:

* a grid of models -- :class:`Family` / :class:`FamilyPoint` (:mod:`~exactid.search.grid`);
* every global minimizer of the population or sample NLL over the whole grid, with the gap to
  the best non-equivalent point -- :func:`grid_search` (:mod:`~exactid.search.exhaustive`,
  numba kernels in :mod:`~exactid.search._kernels`, the fixed quadrature rule in
  :mod:`~exactid.search.rule`);
* the NLL along one or two parameters of any 1-D model -- :func:`nll_slice`,
  :func:`nll_slice_2d` (:mod:`~exactid.search.surface`);
* the J.3.1 study and the finite-sample study -- :mod:`~exactid.search.study`;
* the identifiability hierarchy (Table 1) in two latent dimensions --
  :mod:`~exactid.search.hierarchy` (its grids: :mod:`~exactid.search.family_2d`; its truths:
  :mod:`~exactid.search.hierarchy_cases`).
"""

from .exhaustive import DEFAULT_TOL, grid_search, reference_search
from .grid import Family, FamilyPoint
from .results import Candidate, SearchResult
from .rule import quadrature_rule
from .surface import Slice1D, Slice2D, default_range, nll_slice, nll_slice_2d

__all__ = [
    "Family",
    "FamilyPoint",
    "Candidate",
    "SearchResult",
    "grid_search",
    "reference_search",
    "quadrature_rule",
    "DEFAULT_TOL",
    "Slice1D",
    "Slice2D",
    "nll_slice",
    "nll_slice_2d",
    "default_range",
]
