"""Hypothesis strategies for models whose identifiability status is known.

State an identifiability claim as a property test and let hypothesis look for a
counterexample; a failure is reported as a *minimal* model, because every strategy here shrinks
towards simple examples (few components, narrow nets, small integers, then halves and
quarters).  Needs the optional dependency ``hypothesis`` (``pip install 'exactid[hypothesis]'``).

What to use when:

* a prior -- :func:`gaussian_mixtures` (``p2=True`` / ``False`` for priors that satisfy or
  violate (P2));
* any network -- :func:`relu_nets`; a network of a known class by construction --
  :func:`injective_nets` (F4), :func:`observably_but_not_injective_nets` (F3, not F4),
  :func:`weakly_but_not_observably_injective_nets` (F2, not F3),
  :func:`non_weakly_injective_nets` (not F2); the constructions and the argument for each
  class are in :mod:`exactid.strategies.nets`;
* a whole model -- :func:`latent_models`; an affine reparametrisation (Remark 3.7) --
  :func:`affine_maps`;
* the numbers themselves -- :func:`simple_fractions`, :func:`positive_fractions`,
  :func:`nonzero_fractions`.

The assertions that go with them (laws, equivalence, injectivity, unique minimizers) are in
:mod:`exactid.testing`.
"""

try:
    import hypothesis  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "exactid.strategies needs hypothesis, which is not installed: "
        "pip install 'exactid[hypothesis]'"
    ) from error

from .models import affine_maps, latent_models
from .nets import (
    ACTIVATIONS,
    LEAKY_SLOPES,
    injective_nets,
    non_weakly_injective_nets,
    observably_but_not_injective_nets,
    relu_nets,
    weakly_but_not_observably_injective_nets,
)
from .priors import MAX_CONDITION, gaussian_mixtures
from .values import nonzero_fractions, positive_fractions, simple_fractions

__all__ = [
    "gaussian_mixtures",
    "relu_nets",
    "injective_nets",
    "observably_but_not_injective_nets",
    "weakly_but_not_observably_injective_nets",
    "non_weakly_injective_nets",
    "latent_models",
    "affine_maps",
    "simple_fractions",
    "positive_fractions",
    "nonzero_fractions",
    "ACTIVATIONS",
    "LEAKY_SLOPES",
    "MAX_CONDITION",
]
