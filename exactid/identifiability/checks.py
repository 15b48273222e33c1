"""Argument checks shared by the identifiability modules (types, indices, 1-D only)."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ..models import GaussianMixture, ReluNet
from ..validation import check_instance, check_number

__all__ = ["check_real", "check_index", "check_perm", "check_hidden_layer", "check_1d_prior",
           "check_1d_input"]


def check_real(value, name: str, *, positive: bool = False, nonzero: bool = False,
               nonnegative: bool = False) -> float:
    """A finite real number, optionally > 0, != 0 or >= 0."""
    want = ("a finite number > 0" if positive else "a finite nonzero number" if nonzero
            else "a finite number >= 0" if nonnegative else "a finite number")
    return check_number(value, name, want,
                        lambda v: not ((positive and v <= 0) or (nonzero and v == 0)
                                       or (nonnegative and v < 0)))



def check_index(value, name: str, size: int, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise ValueError(f"{name}: expected an integer {what}, found {value!r}")
    if not 0 <= value < size:
        raise ValueError(f"{name}: expected {what} in 0..{size - 1}, found {value}")
    return int(value)



def check_perm(perm, size: int) -> np.ndarray:
    """``perm`` as an int array, checked to be a permutation of ``range(size)``."""
    arr = np.asarray(perm)
    ok = (arr.shape == (size,) and arr.dtype.kind in "iu"
          and np.array_equal(np.sort(arr), np.arange(size)))
    if not ok:
        shown = arr.tolist() if arr.size <= 20 else f"array of shape {arr.shape}"
        raise ValueError(
            f"perm: expected a permutation of 0..{size - 1} ({size} distinct integers), "
            f"found {shown}"
        )
    return arr.astype(int)



def check_hidden_layer(net: ReluNet, layer) -> int:
    # The last layer is the output layer: its units are not hidden and have no symmetry.
    if net.n_layers < 2:
        raise ValueError("net: expected a network with a hidden layer, found an affine map "
                         "(1 layer)")
    return check_index(layer, "layer", net.n_layers - 1, "hidden layer index")



def check_1d_prior(prior: GaussianMixture, name: str) -> None:
    check_instance(prior, name, GaussianMixture)
    if prior.dim != 1:
        raise NotImplementedError(
            f"{name}: affine equivalence is implemented for m = 1 only, found m = {prior.dim}"
        )



def check_1d_input(net: ReluNet, name: str) -> None:
    check_instance(net, name, ReluNet)
    if net.input_dim != 1:
        raise NotImplementedError(
            f"{name}: function comparison is implemented for input dimension 1 only, found "
            f"{net.input_dim}"
        )
