"""Scalar strategies that shrink towards simple numbers.

Every number the model strategies draw comes from here: small integers first, then halves,
then quarters (dyadic fractions, so sums and products of a few of them are exact floats and
exact rational checks stay cheap).  ``st.one_of`` shrinks towards its first branch, so a
failing example is reported with integer entries whenever integers reproduce it.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

__all__ = ["simple_fractions", "positive_fractions", "nonzero_fractions", "DENOMINATORS"]

#: Denominators of the default fractions, in the order examples shrink through them.
DENOMINATORS = (1, 2, 4)


def _check_bound(bound, name: str) -> float:
    if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not bound > 0:
        raise ValueError(f"{name}: expected a number > 0, found {bound!r}")
    return float(bound)


def simple_fractions(bound: float = 2.0, denominators=DENOMINATORS) -> st.SearchStrategy:
    """Numbers ``k / d`` in ``[-bound, bound]`` for ``d`` in ``denominators`` (floats).

    Shrinks towards 0, then towards small integers before fractions.
    """
    bound = _check_bound(bound, "bound")
    branches = [st.integers(-int(bound * d), int(bound * d)).map(lambda k, d=d: k / d)
                for d in denominators]
    return st.one_of(*branches)


def nonzero_fractions(bound: float = 2.0, denominators=DENOMINATORS) -> st.SearchStrategy:
    """Like :func:`simple_fractions` without 0; shrinks towards 1 (then -1, 2, ...)."""
    return st.one_of(positive_fractions(bound, denominators),
                     positive_fractions(bound, denominators).map(lambda v: -v))


def positive_fractions(bound: float = 2.0, denominators=DENOMINATORS, *,
                       low: float | None = None) -> st.SearchStrategy:
    """Numbers ``k / d`` in ``[low, bound]`` (``low`` defaults to ``1 / max(denominators)``),
    shrinking towards the smallest integer >= 1 in range, then towards small fractions."""
    bound = _check_bound(bound, "bound")
    low = 1.0 / max(denominators) if low is None else _check_bound(low, "low")
    if low > bound:
        raise ValueError(f"low: expected low <= bound = {bound:g}, found {low:g}")
    branches = []
    for d in denominators:
        lo, hi = max(math.ceil(low * d), 1), math.floor(bound * d)
        if lo <= hi:
            # Integers count up from 1 (or from low) so that 1 is the simplest value.
            branches.append(st.integers(lo, hi).map(lambda k, d=d: k / d))
    return st.one_of(*branches)
