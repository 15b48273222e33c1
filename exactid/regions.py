"""Exact linear pieces of a ReLU network with one-dimensional input.

A ReLU or leaky-ReLU network ``f: R -> R^n`` is continuous and piecewise affine.  We find its
pieces by propagating intervals layer by layer, never by sampling: on each current piece the
hidden vector is an affine function ``a z + b`` of z, so every neuron's pre-activation changes
sign at most once, at ``z = -b_i / a_i``.  Splitting the piece there and fixing each neuron's
activation multiplier (1 or ``negative_slope``) on the sub-pieces gives the pieces of the next
layer.  Adjacent pieces with identical affine maps are merged at the end.  "Identical" means
equal, with no tolerance: a tolerance scaled to the whole network would merge genuinely
different pieces where large neurons are inactive, and in float mode an unmerged near-duplicate
only leaves a harmless extra breakpoint (the density is unchanged to rounding).

Two arithmetics are offered.  ``exact=False`` (default) works in float64: each breakpoint,
slope and intercept is a short chain of products and sums of the weights, so it carries a
relative rounding error of a few ulp of the sums involved.  ``exact=True``
converts every float weight to a :class:`fractions.Fraction` (exactly, since floats are
dyadic rationals) and computes the pieces of *the same float network* with no rounding at
all; it is meant for small networks and for reference computations.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .models import ReluNet

__all__ = ["Pieces1D", "pieces_1d", "density_pieces", "interior_point", "EXACT_MAX_WEIGHTS"]

#: Networks with at most this many weights get exact rational pieces rounded once to float in
#: :func:`density_pieces` (about 0.1 s at this size; the cost grows with pieces x weights).
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
        """The same pieces with float64 arrays (rounded once if ``exact``)."""
        if not self.exact:
            return self
        breaks = _rational_to_float(self.breakpoints)
        # Breakpoints beyond the float range round to -inf/+inf; the pieces outside them hold
        # no float z at all, so they are dropped (sorted order puts them at the two ends).
        n_neg = int(np.sum(breaks == -np.inf))
        n_pos = int(np.sum(breaks == np.inf))
        keep = slice(n_neg, self.n_pieces - n_pos)
        return Pieces1D(
            breaks[n_neg : breaks.size - n_pos],
            _rational_to_float(self.slopes[keep]),
            _rational_to_float(self.intercepts[keep]),
            exact=False,
        )

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


def _to_fraction_array(arr: np.ndarray) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    flat_in, flat_out = arr.ravel(), out.reshape(-1)
    for i, v in enumerate(flat_in):
        flat_out[i] = Fraction(float(v))
    return out


def pieces_1d(net: ReluNet, *, exact: bool = False) -> Pieces1D:
    """Exact linear pieces of a network with input dimension 1.

    Parameters
    ----------
    net : ReluNet
        A network with ``net.input_dim == 1`` (any depth, width and output dimension).
    exact : bool
        Compute in rational arithmetic (see the module docstring).

    Returns
    -------
    Pieces1D
        Pieces with adjacent identical (equal) affine maps merged.

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
    if exact:
        weights = [_to_fraction_array(w) for w in net.weights]
        biases = [_to_fraction_array(b) for b in net.biases]
        slope_mult = Fraction(net.negative_slope)
        zero, one = Fraction(0), Fraction(1)
    else:
        weights, biases = list(net.weights), list(net.biases)
        slope_mult = net.negative_slope
        zero, one = 0.0, 1.0

    inf = float("inf")
    # Each piece: (lo, hi, a, b) with lo/hi None for infinite ends; hidden vector = a z + b.
    pieces = [(None, None, weights[0][:, 0].copy(), biases[0].copy())]
    for layer in range(1, net.n_layers):
        split = []
        for lo, hi, a, b in pieces:
            # Crossing points of the neurons whose pre-activation is not constant.
            crossings = {}
            # A float crossing may overflow to +-inf (tiny a_i); that case is handled below.
            with np.errstate(over="ignore"):
                for i in range(a.shape[0]):
                    if a[i] != 0:
                        crossings[i] = -b[i] / a[i] + zero  # + 0 turns -0.0 into 0.0
            # A float crossing can overflow to +-inf (e.g. a subnormal weight): it is then no
            # cut, and the position rule below puts every finite z on its correct side.
            cuts = sorted(
                {
                    t
                    for t in crossings.values()
                    if (lo is None or t > lo) and (hi is None or t < hi) and abs(t) != inf
                }
            )
            ends = [lo, *cuts, hi]
            for left, right in zip(ends[:-1], ends[1:]):
                mult = np.empty(a.shape[0], dtype=a.dtype)
                for i in range(a.shape[0]):
                    if i in crossings:
                        # No crossing lies strictly inside (left, right), so the sub-piece is
                        # right of crossing c exactly when left >= c.  Deciding by position
                        # (not by the sign of a rounded a_i z + b_i at some interior z) stays
                        # correct for one-ulp pieces and for breakpoints of any magnitude.
                        c = crossings[i]
                        right_of = (left is not None and left >= c) or c == -inf
                        positive = right_of == (a[i] > 0)
                    else:
                        positive = b[i] > 0
                    mult[i] = one if positive else slope_mult
                a_next = weights[layer] @ (mult * a)
                b_next = weights[layer] @ (mult * b) + biases[layer]
                split.append((left, right, a_next, b_next))
        pieces = split

    breakpoints = [p[1] for p in pieces[:-1]]
    slopes = np.array([p[2] for p in pieces], dtype=object if exact else float)
    intercepts = np.array([p[3] for p in pieces], dtype=object if exact else float)
    return _merge(breakpoints, slopes, intercepts, exact)


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
    """The float pieces the density engine uses.

    For networks with at most :data:`EXACT_MAX_WEIGHTS` weights these are the exact rational
    pieces rounded once (every breakpoint, slope and intercept within half an ulp of the truth
    for the float network); larger networks use float propagation, whose slopes and intercepts
    may be off by a few ulp per layer.  The difference matters only far out, where the density
    amplifies a relative error ``d`` of a slope to about ``d * r^2`` in ``log p`` at ``r``
    standard deviations: at ``log p = -700`` float pieces of a 3-hidden-layer net measured up
    to 1e-12, rounded exact pieces 1e-13.
    """
    n_weights = sum(w.size for w in net.weights)
    if n_weights <= EXACT_MAX_WEIGHTS:
        return pieces_1d(net, exact=True).as_float()
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
