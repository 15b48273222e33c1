"""Exact linear pieces of a ReLU network with one-dimensional input.

A ReLU or leaky-ReLU network ``f: R -> R^n`` is continuous and piecewise affine.  We find its
pieces by propagating intervals layer by layer, never by sampling: on each current piece the
hidden vector is an affine function ``a z + b`` of z, so every neuron's pre-activation changes
sign at most once, at ``z = -b_i / a_i``.  Splitting the piece there and fixing each neuron's
activation multiplier (1 or ``negative_slope``) on the sub-pieces gives the pieces of the next
layer.  Adjacent pieces with identical affine maps are merged at the end.

Arithmetic.  Every float is a dyadic rational, and so is every slope and intercept of every
layer (sums of products of weights, biases and the slope); only the breakpoints ``-b_i / a_i``
are general rationals.  The pieces are therefore computed *exactly*, in Python integers with
one power-of-two scale per layer (no gcd on every operation, as :class:`fractions.Fraction`
would need), and crossings are compared by cross-multiplication.  ``exact=True`` returns the
result as :class:`~fractions.Fraction` objects; ``exact=False`` (the default) rounds it once
to float64, so every float breakpoint, slope and intercept is within half an ulp of the exact
value for the float network.  Pieces whose rounded breakpoints coincide, or lie beyond the
float range, hold no float z and are dropped; neighbours whose rounded maps coincide are
merged.

Cost.  Within a piece the crossings of a layer are sorted once and swept in order: at each
crossing one neuron's multiplier flips, which changes the next layer's map by a rank-one update
of ``width_next`` operations.  A layer therefore costs ``O(P W log W + S W_next)`` integer
operations for ``P`` pieces, width ``W`` and ``S`` sub-pieces (instead of ``S W W_next``), so a
one-hidden-layer net of width 200,000 takes seconds.  The number of pieces is bounded by
:data:`exactid.limits.MAX_PIECES` (checked after every layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .. import limits
from ..errors import LimitExceeded
from ..models import ReluNet

__all__ = ["Pieces1D", "pieces_1d", "density_pieces", "interior_point", "EXACT_MAX_WEIGHTS"]

#: Kept for compatibility: every network now gets exact pieces rounded once (see the module
#: docstring), whatever its size.
EXACT_MAX_WEIGHTS = 1000


@dataclass(frozen=True)
class Pieces1D:
    """The pieces of a continuous piecewise-affine map ``f: R -> R^n``.

    Piece ``k`` is the interval ``[lo[k], hi[k]]`` on which ``f(z) = slopes[k] * z +
    intercepts[k]``; ``lo[0] = -inf``, ``hi[-1] = +inf`` and ``hi[k] = lo[k + 1] =
    breakpoints[k]``.

    Attributes
    ----------
    breakpoints : ndarray, shape (K - 1,)
        Strictly increasing finite breakpoints.
    slopes : ndarray, shape (K, n)
    intercepts : ndarray, shape (K, n)
    exact : bool
        True if the arrays hold :class:`fractions.Fraction` objects (dtype object).
    """

    breakpoints: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray
    exact: bool = False

    @property
    def n_pieces(self) -> int:
        """Number of pieces K."""
        return self.slopes.shape[0]

    @property
    def lo(self) -> np.ndarray:
        """Left ends, shape (K,), ``lo[0] = -inf`` (float)."""
        return np.concatenate([[-np.inf], np.asarray(self.breakpoints, dtype=float)])

    @property
    def hi(self) -> np.ndarray:
        """Right ends, shape (K,), ``hi[-1] = +inf`` (float)."""
        return np.concatenate([np.asarray(self.breakpoints, dtype=float), [np.inf]])

    def as_float(self) -> "Pieces1D":
        """The same pieces with float64 arrays (rounded once if ``exact``).

        Pieces that hold no float z after rounding (breakpoints beyond the float range, or two
        breakpoints rounding to the same float) are dropped, and neighbours whose rounded maps
        are equal are merged, so the breakpoints stay strictly increasing."""
        if not self.exact:
            return self
        breaks = _rational_to_float(self.breakpoints)
        slopes = _rational_to_float(self.slopes)
        intercepts = _rational_to_float(self.intercepts)
        # Piece k owns [breaks[k-1], breaks[k]); keep it if that float interval is non-empty.
        lo = np.concatenate([[-np.inf], breaks])
        hi = np.concatenate([breaks, [np.inf]])
        keep = np.flatnonzero(lo < hi)
        keep_breaks = [breaks[k - 1] for k in keep[1:]]
        return _merge(keep_breaks, slopes[keep], intercepts[keep], False)

    def __call__(self, z) -> np.ndarray:
        """Evaluate f from its pieces; ``z`` of shape (N,) gives shape (N, n)."""
        z = np.asarray(z, dtype=float).ravel()
        pieces = self.as_float()
        k = np.searchsorted(pieces.breakpoints, z, side="right")
        return pieces.slopes[k] * z[:, None] + pieces.intercepts[k]


def _rational_to_float(arr: np.ndarray) -> np.ndarray:
    """Round an object array of Fractions to float64; beyond the float range gives +-inf."""

    def one(v):
        try:
            return float(v)
        except OverflowError:
            return float("inf") if v > 0 else float("-inf")

    return np.array([one(v) for v in np.ravel(arr)], dtype=float).reshape(np.shape(arr))


# -- dyadic integer arithmetic ---------------------------------------------------------------
def _scaled_ints(values) -> tuple[np.ndarray, int]:
    """Integers ``k`` (object array) and an exponent ``e`` with ``values == k / 2**e`` exactly."""
    flat = np.asarray(values, dtype=float).ravel()
    pairs = [float(v).as_integer_ratio() for v in flat]
    e = max((den.bit_length() - 1 for _, den in pairs), default=0)
    out = np.empty(flat.size, dtype=object)
    for i, (num, den) in enumerate(pairs):
        out[i] = num << (e - (den.bit_length() - 1))
    return out.reshape(np.shape(values)), e


def _shift(arr: np.ndarray, bits: int) -> np.ndarray:
    """``arr * 2**bits`` for an object array of ints (bits >= 0)."""
    if bits == 0:
        return arr
    out = np.empty(arr.shape, dtype=object)
    flat_in, flat_out = arr.ravel(), out.reshape(-1)
    for i, v in enumerate(flat_in):
        flat_out[i] = v << bits
    return out


class _Layer:
    """One affine layer in integers: ``W = Wi / 2**ew``, ``b = bi / 2**eb``."""

    def __init__(self, weight, bias):
        self.W, self.ew = _scaled_ints(weight)
        self.b, self.eb = _scaled_ints(bias)


def _crossing(a_i: int, b_i: int, ea: int, eb: int) -> Fraction:
    """The zero ``z = -b / a`` of ``a z + b`` with ``a = a_i / 2**ea``, ``b = b_i / 2**eb``."""
    num, den = -b_i, a_i
    if ea >= eb:
        num <<= ea - eb
    else:
        den <<= eb - ea
    return Fraction(num, den)


def pieces_1d(net: ReluNet, *, exact: bool = False) -> Pieces1D:
    """Exact linear pieces of a network with input dimension 1.

    Parameters
    ----------
    net : ReluNet
        A network with ``net.input_dim == 1`` (any depth, width and output dimension).
    exact : bool
        Return the pieces as :class:`fractions.Fraction` objects (True), or rounded once to
        float64 (False, default); both are computed exactly (see the module docstring).

    Returns
    -------
    Pieces1D
        Pieces with adjacent identical affine maps merged.

    Raises
    ------
    LimitExceeded
        If the network has more than :data:`exactid.limits.MAX_PIECES` pieces.

    Examples
    --------
    >>> absval = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> p = pieces_1d(absval)
    >>> p.breakpoints.tolist(), p.slopes.ravel().tolist()
    ([0.0], [-1.0, 1.0])
    """
    if not isinstance(net, ReluNet):
        raise ValueError(f"net: expected a ReluNet, found {type(net).__name__}")
    if net.input_dim != 1:
        raise ValueError(
            f"net: pieces_1d needs input dimension 1, found {net.input_dim}; use the m-D "
            "region enumeration for larger inputs"
        )
    layers = [_Layer(w, b) for w, b in zip(net.weights, net.biases)]
    slope_num, slope_den = float(net.negative_slope).as_integer_ratio()
    es = slope_den.bit_length() - 1  # multipliers: 1 -> 2**es, slope -> slope_num (scale 2**es)
    one = 1 << es
    first = layers[0]
    # A piece: (lo, hi, a, b) with lo/hi Fractions or None (infinite ends); the current layer's
    # pre-activation is a z + b with a = ints / 2**ea, b = ints / 2**eb (common to all pieces).
    pieces = [(None, None, first.W[:, 0].copy(), first.b.copy())]
    ea, eb = first.ew, first.eb
    for index in range(1, net.n_layers):
        layer = layers[index]
        # Next layer: W (mult a) has scale ew + es + ea; W (mult b) + bias is aligned to eb2.
        ea2 = layer.ew + es + ea
        eb_prod = layer.ew + es + eb
        eb2 = max(eb_prod, layer.eb)
        bias = _shift(layer.b, eb2 - layer.eb)
        lift = eb2 - eb_prod
        split = []
        for lo, hi, a, b in pieces:
            split.extend(_sweep(lo, hi, a, b, ea, eb, layer.W, bias, lift, one, slope_num))
            if len(split) > limits.MAX_PIECES:
                raise LimitExceeded(
                    f"net: more than {limits.MAX_PIECES} linear pieces after hidden layer "
                    f"{index} (exactid.limits.MAX_PIECES)", "MAX_PIECES")
        pieces = split
        ea, eb = ea2, eb2
    breakpoints = [p[1] for p in pieces[:-1]]
    slopes = np.array([[Fraction(int(v), 1 << ea) for v in p[2]] for p in pieces], dtype=object)
    intercepts = np.array([[Fraction(int(v), 1 << eb) for v in p[3]] for p in pieces],
                          dtype=object)
    merged = _merge(breakpoints, slopes, intercepts, True)
    return merged if exact else merged.as_float()


def _sweep(lo, hi, a, b, ea, eb, W, bias, lift, one, slope_num):
    """Split the piece ``[lo, hi]`` (hidden pre-activation ``a z + b``) at the crossings of its
    neurons and return the sub-pieces with the next layer's pre-activation (see the module
    docstring for the scales)."""
    width = a.shape[0]
    crossings = {}
    for i in range(width):
        if a[i] != 0:
            crossings[i] = _crossing(a[i], b[i], ea, eb)
    # Multipliers on the first sub-piece (just right of lo).  A neuron whose crossing is not
    # strictly inside is on one side throughout, decided by position, never by evaluating a
    # rounded pre-activation.
    mult = np.empty(width, dtype=object)
    inside = []
    for i in range(width):
        if i in crossings:
            c = crossings[i]
            right_of = lo is not None and lo >= c
            positive = right_of == (a[i] > 0)
            if (lo is None or c > lo) and (hi is None or c < hi):
                inside.append((c, i))
        else:
            positive = b[i] > 0
        mult[i] = one if positive else slope_num
    a_next = W.dot(mult * a)
    b_next = W.dot(mult * b)
    if lift:
        b_next = _shift(np.asarray(b_next, dtype=object), lift)
    b_next = b_next + bias
    if not inside:
        return [(lo, hi, a_next, b_next)]
    inside.sort(key=lambda item: item[0])
    out = []
    left = lo
    k = 0
    while k < len(inside):
        c = inside[k][0]
        out.append((left, c, a_next.copy(), b_next.copy()))
        # Every neuron crossing at c flips: a rank-one update of the next layer's map each.
        while k < len(inside) and inside[k][0] == c:
            i = inside[k][1]
            new = slope_num if mult[i] == one else one
            delta = new - mult[i]
            mult[i] = new
            column = W[:, i]
            a_next = a_next + column * (delta * a[i])
            update = column * (delta * b[i])
            if lift:
                update = _shift(np.asarray(update, dtype=object), lift)
            b_next = b_next + update
            k += 1
        left = c
    out.append((left, hi, a_next, b_next))
    return out


def _merge(breakpoints, slopes, intercepts, exact) -> Pieces1D:
    """Drop every breakpoint whose two neighbouring pieces have identical affine maps."""
    keep_break = []
    keep_piece = [0]
    for k, t in enumerate(breakpoints):
        if np.array_equal(slopes[k], slopes[k + 1]) and np.array_equal(
            intercepts[k], intercepts[k + 1]
        ):
            continue
        keep_break.append(t)
        keep_piece.append(k + 1)
    dtype = object if exact else float
    return Pieces1D(
        np.array(keep_break, dtype=dtype),
        slopes[keep_piece],
        intercepts[keep_piece],
        exact=exact,
    )


def density_pieces(net: ReluNet) -> Pieces1D:
    """The float pieces the density engine uses: the exact pieces rounded once (every
    breakpoint, slope and intercept within half an ulp of the truth for the float network).
    The density amplifies a relative error ``d`` of a slope to about ``d * r^2`` in
    ``log p`` at ``r`` standard deviations, which is why float propagation (a few ulp per
    layer) is not used."""
    return pieces_1d(net)


def interior_point(left, right):
    """A point strictly inside the interval ``(left, right)``; ``None`` is an infinite end.

    Works for floats and :class:`fractions.Fraction` alike (exact for Fractions).
    """
    if left is None and right is None:
        return 0
    if left is None:
        return right - 1
    if right is None:
        return left + 1
    return (left + right) / 2
