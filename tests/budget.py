"""Per-test hypothesis budgets that grow with the profile.

Some properties are expensive (an LP enumeration, a 50-digit reference per example), so they
cap their examples below the profile's default.  A fixed cap would stay the same under the
thorough profile; :func:`examples` scales it instead: ``n`` examples under the ``ci`` profile
(40 by default), ``n * 10`` under ``thorough`` (400), in proportion to the loaded profile's
``max_examples``.
"""

from hypothesis import settings

#: max_examples of the ci profile (tests/conftest.py), the scale on which the caps are set.
CI_EXAMPLES = 40


def examples(n: int) -> int:
    """``n`` scaled by the loaded profile's max_examples relative to :data:`CI_EXAMPLES`."""
    return max(1, round(n * settings.default.max_examples / CI_EXAMPLES))


def thorough() -> bool:
    """Whether a profile above the ci one is loaded (e.g. ``HYPOTHESIS_PROFILE=thorough``):
    properties then also draw their largest, slowest examples."""
    return settings.default.max_examples > CI_EXAMPLES
