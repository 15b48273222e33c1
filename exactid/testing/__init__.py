"""Assertions for property tests of identifiability claims (in the style of
:mod:`numpy.testing`), and hypothesis settings for them.

Each assertion decides its claim with the library, raises :class:`AssertionError` whose
message shows the evidence (numbers, maps found, witnesses, the method that decided), and on
success returns a :class:`CheckResult` holding the underlying report.  Arguments are
validated with a ValueError that names the argument.

What to use when:

* equal laws of x -- :func:`assert_same_law` (exact for ``m = n = 1`` with equal noise, KL
  divergence by quadrature otherwise), and its converse :func:`assert_different_law`
  (:mod:`~exactid.testing.laws`);
* equivalent models or priors, up to identity, permutation, permutation-scaling or affine
  maps -- :func:`assert_equivalent`, :func:`assert_prior_equivalent`
  (:mod:`~exactid.testing.equivalence`);
* (F2)/(F3)/(F4) of a network -- :func:`assert_injectivity`
  (:mod:`~exactid.testing.injectivity`);
* the truth is the unique global minimizer of the NLL up to equivalence on a grid --
  :func:`assert_unique_global_minimizer`, its default small grid :func:`default_family`
  (:mod:`~exactid.testing.minimizers`);
* hypothesis settings for these checks -- :func:`settings_profile`
  (:mod:`~exactid.testing.profiles`; hypothesis is imported only there, when called).

A property test::

    from hypothesis import given
    from exactid import affine_reparametrize
    from exactid.testing import assert_equivalent, assert_same_law, settings_profile

    @settings_profile()
    @given(model=..., scale=..., shift=...)
    def test_remark_3_7(model, scale, shift):
        other = affine_reparametrize(model, scale, shift)
        assert_equivalent(model, other, up_to="permutation_scaling")
        assert_same_law(model, other)
"""

from .common import CheckResult
from .equivalence import assert_equivalent, assert_prior_equivalent
from .injectivity import assert_injectivity
from .laws import assert_different_law, assert_same_law
from .minimizers import assert_unique_global_minimizer, default_family
from .profiles import settings_profile

__all__ = [
    "CheckResult",
    "assert_same_law",
    "assert_different_law",
    "assert_equivalent",
    "assert_prior_equivalent",
    "assert_injectivity",
    "assert_unique_global_minimizer",
    "default_family",
    "settings_profile",
]
