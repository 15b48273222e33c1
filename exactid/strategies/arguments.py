"""Argument checks shared by the strategies (sizes and inclusive ranges)."""

from __future__ import annotations

import numpy as np

__all__ = ["dimension", "int_range"]


def dimension(value, name: str, low: int = 1) -> int:
    """``value`` as an int ``>= low``, or a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name}: expected an integer >= {low}, found {value!r}")
    return int(value)


def int_range(value, name: str, low: int = 1) -> tuple[int, int]:
    """An int or an inclusive ``(lo, hi)`` pair, as a pair of ints ``>= low``."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        lo, hi = (dimension(v, name, low) for v in value)
        if lo > hi:
            raise ValueError(f"{name}: expected (lo, hi) with lo <= hi, found {value!r}")
        return lo, hi
    v = dimension(value, name, low)
    return v, v
