r"""Networks assembled from coordinate-wise piecewise-linear maps, whose class is known.

A net built here is a composition of *blocks* followed by an affine readout:

.. math::

    f = B \circ \psi_D \circ \dots \circ \psi_1 + b, \qquad
    \psi_\ell(s) = \bigl(\rho_{\ell,1}(u_1), \dots, \rho_{\ell,k_\ell}(u_{k_\ell})\bigr), \quad
    u = A_\ell s + c_\ell,

where each :math:`\rho: \mathbb R \to \mathbb R` is a continuous piecewise-linear map written as
a sum of *features* :math:`\beta\,\mathrm{relu}(d (t - \tau))` (:math:`d = \pm 1`) or, for a
leaky activation, raw units :math:`\beta\,\mathrm{act}(d(t - \tau))`.  One hidden layer of the
net realises one block: a feature is one unit with pre-activation :math:`d (u_i - \tau)`, and
the next layer (or the readout) reads :math:`\rho` linearly from the units.

With a leaky activation of negative slope :math:`a \in (0, 1)` a ReLU feature is emulated by the
pair of units :math:`w, -w`:

.. math::

    \mathrm{relu}(w) = \frac{\mathrm{act}(w) + a\,\mathrm{act}(-w)}{1 - a^2},

which is an identity of functions.  The strategies use powers of two for ``a``, so the
coefficients of the pair differ by the factor ``a`` exactly in floating point and the flat
piece of an emulated ReLU stays exactly flat after every product the net performs.

The class of the whole net follows from the classes of the pieces (the arguments are in
:mod:`exactid.strategies.nets`); this module only assembles layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import ReluNet

__all__ = ["Feature", "Coordinate", "Block", "assemble"]


@dataclass(frozen=True)
class Feature:
    """One term of a coordinate map: ``beta * g(d * (t - tau))``.

    ``kind = "relu"``: ``g`` is ReLU (emulated by two units under a leaky activation);
    ``kind = "act"``: ``g`` is the net's own activation (one unit).
    """

    beta: float
    d: int
    tau: float
    kind: str = "relu"


@dataclass(frozen=True)
class Coordinate:
    """A piecewise-linear map :math:`\\rho(t) = \\gamma + \\sum` features."""

    features: tuple
    gamma: float = 0.0


@dataclass(frozen=True)
class Block:
    """``u = A s + c`` (``A`` shape (k, d_in)) followed by one coordinate map per row."""

    A: np.ndarray
    c: np.ndarray
    coordinates: tuple


def _units(block: Block, slope: float):
    """The block's hidden units and read-out.

    Returns ``(W, b, R, r)``: units ``h = act(W s + b)`` (shapes (units, d_in), (units,)) and
    ``psi(s) = R h + r`` (shapes (k, units), (k,)).  Units with the same pre-activation are
    merged (a fold and an emulated ReLU at the same breakpoint share their pair).
    """
    keys, rows, biases, coef = {}, [], [], []

    def unit(i, sign, tau):
        key = (i, sign, tau)
        if key not in keys:
            keys[key] = len(rows)
            rows.append(sign * block.A[i])
            biases.append(sign * (block.c[i] - tau))
            coef.append({})
        return keys[key]

    for i, coord in enumerate(block.coordinates):
        for f in coord.features:
            if f.kind == "act" or slope == 0.0:
                pairs = [(unit(i, f.d, f.tau), f.beta)]
            else:
                # relu(w) = (act(w) + a act(-w)) / (1 - a^2); (beta * a) first, so the two
                # coefficients differ by the exact factor a.
                scale = 1.0 - slope * slope
                pairs = [(unit(i, f.d, f.tau), f.beta / scale),
                         (unit(i, -f.d, f.tau), (f.beta * slope) / scale)]
            for j, value in pairs:
                coef[j][i] = coef[j].get(i, 0.0) + value
    k = len(block.coordinates)
    R = np.zeros((k, len(rows)))
    for j, entries in enumerate(coef):
        for i, value in entries.items():
            R[i, j] = value
    r = np.array([coord.gamma for coord in block.coordinates], dtype=float)
    return np.array(rows, dtype=float), np.array(biases, dtype=float), R, r


def assemble(blocks, readout: np.ndarray, offset: np.ndarray, slope: float) -> ReluNet:
    """The net ``offset + readout @ psi_D(... psi_1(z))``.

    Parameters
    ----------
    blocks : sequence of Block
        At least one; block ``l`` takes the previous block's ``k`` coordinates as input.
    readout : ndarray, shape (n, k_D)
    offset : ndarray, shape (n,)
    slope : float
        Negative slope of the activation (0 for ReLU).

    Returns
    -------
    ReluNet
    """
    weights, biases = [], []
    R_prev, r_prev = None, None
    for block in blocks:
        W, b, R, r = _units(block, slope)
        if R_prev is not None:
            # The units read psi_{l-1}(s) = R_prev h + r_prev.
            W, b = W @ R_prev, W @ r_prev + b
        weights.append(W)
        biases.append(b)
        R_prev, r_prev = R, r
    weights.append(readout @ R_prev)
    biases.append(readout @ r_prev + offset)
    return ReluNet(weights, biases, negative_slope=slope)
