"""hypothesis settings suited to the checks of :mod:`exactid.testing`:
:func:`settings_profile`.

hypothesis is imported inside the function only: the assertions work without it installed.
"""

from __future__ import annotations

import os

__all__ = ["settings_profile", "PROFILES", "PROFILE_VARIABLE"]

#: The profiles, by name: their own settings (on top of ``deadline=None`` and the suppressed
#: health checks ``too_slow`` and ``data_too_large``, common to all).
PROFILES = {
    # Reproducible: the same examples (and minimal counterexamples) on every run.
    "ci": {"max_examples": 50, "derandomize": True, "database": None},
    # Random examples, failures remembered in hypothesis's example database.
    "thorough": {"max_examples": 500, "derandomize": False},
    # A smoke test while editing, reproducible like "ci".
    "quick": {"max_examples": 10, "derandomize": True, "database": None},
}
#: The environment variable read when no profile is named.
PROFILE_VARIABLE = "EXACTID_PROFILE"


def settings_profile(profile: str | None = None, **overrides):
    """Register and return hypothesis settings for property tests built on
    :mod:`exactid.testing`.

    Every profile has ``deadline=None`` (exact checks have a variable cost: an example may
    enumerate many more pieces than the previous one) and suppresses the ``too_slow`` and
    ``data_too_large`` health checks; then

    * ``"ci"`` (default): ``max_examples=50``, ``derandomize=True`` (the same examples on
      every run, so minimal counterexamples are reproducible), no example database;
    * ``"thorough"``: ``max_examples=500``, ``derandomize=False``, hypothesis's example
      database on (failures are replayed first on the next run);
    * ``"quick"``: ``max_examples=10``, derandomized.

    The settings are registered as ``f"exactid-{profile}"`` (overrides included), so a
    ``conftest.py`` may ``settings.load_profile("exactid-ci")`` after one call; this function
    never loads a profile itself, which would change the settings of every other test in the
    session.  Unset fields come from hypothesis's built-in ``"default"`` profile, not from the
    profile currently loaded.

    Parameters
    ----------
    profile : {"ci", "thorough", "quick"} or None
        None: the environment variable ``EXACTID_PROFILE``, or ``"ci"`` when it is unset.
    **overrides
        Further :class:`hypothesis.settings` fields, applied last (e.g. ``max_examples=5``).

    Returns
    -------
    hypothesis.settings
        Usable as a decorator, above ``@given``.

    Raises
    ------
    ValueError
        If the profile (argument or environment variable) is not one of :data:`PROFILES`.

    Examples
    --------
    In a test module::

        from hypothesis import given
        from exactid.testing import assert_same_law, settings_profile

        @settings_profile()
        @given(...)
        def test_reparametrisation_keeps_the_law(model):
            ...

    Run it with the thorough profile::

        EXACTID_PROFILE=thorough pytest tests/test_claims.py
    """
    # lazy: hypothesis is an optional dependency; the assertions work without it.
    from hypothesis import HealthCheck, settings

    name = "profile"
    if profile is None:
        profile, name = os.environ.get(PROFILE_VARIABLE, "ci"), PROFILE_VARIABLE
    if not isinstance(profile, str) or profile not in PROFILES:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, PROFILES))}, found "
                         f"{profile!r}")
    fields = {"deadline": None,
              "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
              **PROFILES[profile], **overrides}
    registered = f"exactid-{profile}"
    settings.register_profile(registered, parent=settings.get_profile("default"), **fields)
    return settings.get_profile(registered)
