"""Argument validation: the one place where user input is checked.

Every check names the argument, says what was expected and what was found, and raises
:class:`ValueError` (never ``assert``), so error messages have one voice.  The primitives here
check types, numbers, integers, flags, seeds and arrays; the modules that own a domain rule
(a density that needs m = 1, a tolerance with a documented range) call them with their own
``want`` text rather than writing the check again.  Also here: the seed policy
(:func:`as_generator`: an int, None or a Generator, nothing global) and read-only arrays
(:func:`readonly`), which make the library's value objects safe to cache.

What to use when: :func:`as_float_array` for any array argument; :func:`check_instance` for
objects; :func:`check_number` / :func:`check_integer` / :func:`check_bool` for scalars;
:func:`as_generator` wherever randomness enters.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

__all__ = ["as_float_array", "check_finite", "check_shape", "check_instance", "check_number",
           "check_integer", "check_bool", "as_generator", "readonly"]


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


def check_instance(value, name: str, cls, what: str | None = None):
    """Raise ``ValueError`` unless ``value`` is an instance of ``cls``; return it.

    The message is ``"{name}: expected a {what}, found {type}"`` with ``what`` defaulting to
    the class name."""
    if not isinstance(value, cls):
        what = what or f"a {cls.__name__}"
        raise ValueError(f"{name}: expected {what}, found {type(value).__name__}")
    return value


def check_number(value, name: str, want: str = "a finite number", test=None, *,
                 show_float: bool = True) -> float:
    """A finite real number (not a bool) for which ``test(value)`` holds; returned as float.

    ``want`` describes what is accepted, e.g. ``"a finite number > 0"``; the message is
    ``"{name}: expected {want}, found {value!r}"`` (the value converted to float first when
    ``show_float``).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise ValueError(f"{name}: expected {want}, found {value!r}")
    v = float(value)
    if not math.isfinite(v) or (test is not None and not test(v)):
        raise ValueError(f"{name}: expected {want}, found {v if show_float else value!r}")
    return v


def check_integer(value, name: str, minimum: int | None = None, want: str | None = None) -> int:
    """An integer (not a bool) ``>= minimum``; returned as int.

    The message is ``"{name}: expected {want}, found {value!r}"``, ``want`` defaulting to
    ``"an integer >= {minimum}"``."""
    want = want or (f"an integer >= {minimum}" if minimum is not None else "an integer")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise ValueError(f"{name}: expected {want}, found {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected {want}, found {value!r}")
    return int(value)


def check_bool(value, name: str) -> bool:
    """``True`` or ``False`` (NumPy bools included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected True or False, found {value!r}")
    return bool(value)


def as_generator(seed, name: str = "seed", want: str = "an int, None or numpy.random.Generator",
                 allow_none: bool = True) -> np.random.Generator:
    """The seed policy of the whole project: an int (>= 0) or None seeds a new
    :func:`numpy.random.default_rng`; a Generator is used as it is (and advanced).  No global
    random state is ever read or changed.  ``want`` and ``allow_none`` let a caller that needs
    a recordable seed refuse None with its own wording."""
    if isinstance(seed, np.random.Generator):
        return seed
    ok_int = isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_))
    if (ok_int and seed >= 0) or (seed is None and allow_none):
        return np.random.default_rng(seed if seed is None else int(seed))
    raise ValueError(f"{name}: expected {want}, found {seed!r}")


def readonly(arr: np.ndarray) -> np.ndarray:
    """``arr`` marked read-only (in place) and returned: value objects can then cache what is
    derived from their arrays without it ever going stale."""
    arr.setflags(write=False)
    return arr
