"""Argument validation shared by every public constructor.

All checks on user input live here so that error messages have one voice: they name the
argument, say what was expected and what was found, and raise :class:`ValueError` (never
``assert``).  Constructors call these helpers and nothing else validates twice.
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_float_array", "check_finite", "check_shape"]


def _describe(value) -> str:
    """Short description of a value for an error message."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_float_array(value, name: str, ndim: int | tuple[int, ...]) -> np.ndarray:
    """Convert ``value`` to a finite float64 array with the given number of dimensions.

    Parameters
    ----------
    value : array_like
        The user's input.
    name : str
        Argument name used in error messages, e.g. ``"weights"`` or ``"weights[1]"``.
    ndim : int or tuple of int
        Accepted numbers of dimensions.

    Returns
    -------
    numpy.ndarray
        A new C-contiguous float64 array.

    Raises
    ------
    ValueError
        If ``value`` is not numeric, has the wrong number of dimensions, or contains NaN or
        infinity.
    """
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name}: expected an array of numbers, found {_describe(value)}")
    probe = np.asarray(value)
    if probe.dtype == np.bool_:
        raise ValueError(f"{name}: expected an array of numbers, found booleans")
    if np.iscomplexobj(probe):
        # Casting would silently drop the imaginary part.
        raise ValueError(f"{name}: expected real numbers, found complex dtype {probe.dtype}")
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name}: expected an array of numbers, found {_describe(value)} ({exc})"
        ) from None
    accepted = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim not in accepted:
        want = " or ".join(f"{d}-D" for d in accepted)
        raise ValueError(f"{name}: expected a {want} array, found shape {arr.shape}")
    check_finite(arr, name)
    return np.ascontiguousarray(arr)


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` naming ``name`` if ``arr`` holds NaN or infinity."""
    bad = ~np.isfinite(arr)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"[{', '.join(map(str, index))}]" if index else ""
        raise ValueError(f"{name}: expected finite numbers, found {arr[bad][0]} at {name}{where}")


def check_shape(arr: np.ndarray, name: str, expected: tuple, explanation: str) -> None:
    """Raise ``ValueError`` if ``arr.shape != expected``.

    ``explanation`` says where the expected shape comes from, e.g. ``"(J, m) with J = 3
    from weights"``.
    """
    if arr.shape != tuple(expected):
        raise ValueError(
            f"{name}: expected shape {tuple(expected)} ({explanation}), found {arr.shape}"
        )
