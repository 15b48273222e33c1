"""Identifiability: symmetries, equivalence of models, equality of laws, and injectivity.

What to use when:

* two models (``m`` in {1, 2}) or priors (``m <= 3``) -- :func:`models_equivalent` /
  :func:`affine_maps` (:mod:`~exactid.identifiability.equivalence`), Definition 2.1.2 decided
  exactly; two 2-D decoders under a given map -- :func:`decoders_match_2d`
  (:mod:`~exactid.identifiability.decoders_2d`, on the common refinement of their cells);
* every affine map between two priors in ``R^m``, ``m <= 3`` (kinds, continua, exact
  verification) -- :func:`prior_maps` (:mod:`~exactid.identifiability.prior_maps`);
  :func:`classify_affine` names the kind of one map;
* two laws of x -- :func:`same_pushforward` (exact, rational, 1-D) or
  :func:`same_distribution` (KL by quadrature in 1-D, by adaptive cubature for ``m = n = 2``)
  (:mod:`~exactid.identifiability.laws`);
* building an equivalent model -- :mod:`~exactid.identifiability.symmetries`;
* (F2)/(F3)/(F4) of a network -- :func:`injectivity_1d` (exact, ``R -> R``,
  :mod:`~exactid.identifiability.line`) or :func:`check_injectivity` (``m <= 3``, linear
  programs, :mod:`~exactid.identifiability.cells`); both return an :class:`InjectivityReport`
  (:mod:`~exactid.identifiability.verdicts`); the Appendix H conditions are
  :mod:`~exactid.identifiability.appendix_h`;
* the exact preimages of a point under a network ``R -> R^n`` -- :func:`preimages_1d`; every
  point of its image with two or more preimages (crossings, overlaps, flat values) --
  :func:`multiple_points_1d`, and from them (F3) exactly for any n --
  :func:`observably_injective_1d` (:mod:`~exactid.identifiability.preimages`);
* is a prior (P2) (diagonal covariances, a pair of components with distinct variance
  ratios)? -- :func:`check_p2` (exact, rational, or within a tolerance,
  :mod:`~exactid.identifiability.p2`);
* the coordinates of a (P2) prior from an affine image of it (Theorem E.1: up to permutation,
  scaling and sign) -- :func:`recover_coordinates`
  (:mod:`~exactid.identifiability.coordinates`).
"""

from .appendix_h import layer_conditions
from .cells import check_injectivity, exact_rank
from .coordinates import CoordinateRecovery, recover_coordinates
from .decoders_2d import DecoderComparison, decoders_match_2d
from .equivalence import (
    Equivalence,
    affine_maps,
    decoders_match,
    models_equivalent,
    priors_equivalent,
)
from .laws import (
    DistributionCheck,
    PushforwardComparison,
    same_distribution,
    same_pushforward,
)
from .line import injectivity_1d
from .p2 import P2Report, check_p2
from .preimages import (
    MultiplePoints,
    Overlap,
    Preimages,
    multiple_points_1d,
    observably_injective_1d,
    preimages_1d,
)
from .prior_maps import AffineMap, PriorMaps, classify_affine, prior_maps
from .symmetries import (
    affine_reparametrize,
    permute_components,
    permute_hidden_units,
    rescale_hidden_unit,
)
from .verdicts import Injectivity1D, InjectivityReport, Verdict, format_report

__all__ = [
    "permute_components",
    "permute_hidden_units",
    "rescale_hidden_unit",
    "affine_reparametrize",
    "affine_maps",
    "priors_equivalent",
    "decoders_match",
    "Equivalence",
    "models_equivalent",
    "DistributionCheck",
    "same_distribution",
    "PushforwardComparison",
    "same_pushforward",
    "Verdict",
    "InjectivityReport",
    "Injectivity1D",
    "format_report",
    "injectivity_1d",
    "check_injectivity",
    "exact_rank",
    "layer_conditions",
    "P2Report",
    "check_p2",
    "CoordinateRecovery",
    "recover_coordinates",
    "AffineMap",
    "PriorMaps",
    "prior_maps",
    "classify_affine",
    "DecoderComparison",
    "decoders_match_2d",
    "Preimages",
    "Overlap",
    "MultiplePoints",
    "preimages_1d",
    "multiple_points_1d",
    "observably_injective_1d",
]
