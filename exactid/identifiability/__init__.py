"""Identifiability: symmetries, equivalence of models, equality of laws, and injectivity.

What to use when:

* two 1-D models or priors -- :func:`models_equivalent` / :func:`affine_maps`
  (:mod:`~exactid.identifiability.equivalence`), Definition 2.1.2 decided exactly;
* two laws of x -- :func:`same_pushforward` (exact, rational) or :func:`same_distribution` (KL
  by quadrature) (:mod:`~exactid.identifiability.laws`);
* building an equivalent model -- :mod:`~exactid.identifiability.symmetries`;
* (F2)/(F3)/(F4) of a network -- :func:`injectivity_1d` (exact, ``R -> R``,
  :mod:`~exactid.identifiability.line`) or :func:`check_injectivity` (``m <= 3``, linear
  programs, :mod:`~exactid.identifiability.cells`); both return an :class:`InjectivityReport`
  (:mod:`~exactid.identifiability.verdicts`); the Appendix H conditions are
  :mod:`~exactid.identifiability.appendix_h`.
"""

from .appendix_h import layer_conditions
from .cells import check_injectivity, exact_rank
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
]
