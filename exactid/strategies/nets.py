r"""Strategies for ReLU / leaky-ReLU networks: random ones, and four classes known by construction.

What to use when:

* :func:`relu_nets` -- any network of a given shape, entries simple fractions: for claims that
  quantify over all nets (filter with :func:`exactid.check_injectivity` or ``assume`` when the
  claim needs a condition);
* :func:`injective_nets` -- (F4);
* :func:`observably_but_not_injective_nets` -- (F3) but not (F4);
* :func:`weakly_but_not_observably_injective_nets` -- (F2) but not (F3);
* :func:`non_weakly_injective_nets` -- not (F2).

The four class strategies build every net as a composition of coordinate-wise piecewise-linear
blocks (:mod:`exactid.strategies.blocks`): a first block :math:`\psi_1(z) = (\rho_1(u_1),
\rho_2(u_2), \dots)`, :math:`u = A_1 z + c_1`, then blocks whose coordinate maps are all
strictly monotone bijections of :math:`\mathbb R` with :math:`A_\ell` of full column rank, then a
readout :math:`B` of full column rank.  Call :math:`g` everything after the first block: a
composition of injective maps, so :math:`g` is injective, continuous and piecewise affine with
full-rank pieces, hence a homeomorphism onto its image that maps null sets to null sets and
relatively open sets to relatively open sets.  So :math:`f = g \circ \psi_1` has the preimage
counts of :math:`\psi_1`, and its class is decided by :math:`\rho_1` alone:

* (F4): :math:`A_1` of full column rank and every :math:`\rho` a bijection, so :math:`f` is
  injective (Corollary H.4 for a leaky activation, where each :math:`\rho` is one unit; a ReLU
  net realises a bijection as :math:`p\,\mathrm{relu}(t - \tau) - q\,\mathrm{relu}(\tau - t)`,
  :math:`p, q > 0`, the ":math:`[I; -I]` expansion");
* (F3) not (F4): :math:`A_1` square and invertible, :math:`\rho_1(t) = p\,\mathrm{relu}(d(t -
  \tau))`: the points with a flat first coordinate have infinitely many preimages and form the
  boundary of the image (a null set); every other point has one preimage;
* (F2) not (F3): :math:`A_1` invertible, :math:`\rho_1` a zig-zag with slopes ``(+, -, +)``
  (times a sign): the values covered by the decreasing piece have three preimages (an open set
  of positive measure), the values beyond the zig-zag have one;
* not (F2): :math:`A_1` invertible and :math:`\rho_1` a fold (slopes of opposite signs on either
  side of one breakpoint: every value above the vertex has two preimages) or constant (the
  image has dimension ``m - 1``: every point has infinitely many preimages).

With a leaky activation the ReLU features are emulated exactly by pairs of units (see
:mod:`exactid.strategies.blocks`).  The hidden units of every layer are shuffled (the function
is unchanged).  The test suite checks each class against :func:`exactid.check_injectivity`.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..identifiability import permute_hidden_units
from ..models import ReluNet
from .arguments import dimension, int_range
from .blocks import Block, Coordinate, Feature, assemble
from .values import nonzero_fractions, positive_fractions, simple_fractions

__all__ = ["relu_nets", "injective_nets", "observably_but_not_injective_nets",
           "weakly_but_not_observably_injective_nets", "non_weakly_injective_nets",
           "ACTIVATIONS", "LEAKY_SLOPES"]

#: Values of the ``activation`` argument.
ACTIVATIONS = ("relu", "leaky", "either")
#: Negative slopes drawn for a leaky activation (powers of two: exact emulation of ReLU).
LEAKY_SLOPES = (0.5, 0.25, 0.125)


def _slopes(activation: str) -> st.SearchStrategy:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {', '.join(ACTIVATIONS)}, found "
                         f"{activation!r}")
    relu, leaky = st.just(0.0), st.sampled_from(LEAKY_SLOPES)
    return {"relu": relu, "leaky": leaky, "either": st.one_of(relu, leaky)}[activation]


def _dims(input_dim, output_dim) -> tuple[int, int]:
    m = dimension(input_dim, "input_dim")
    n = m if output_dim is None else dimension(output_dim, "output_dim")
    if n < m:
        raise ValueError(f"output_dim: the injectivity classes need n >= m (Remark 3.3), "
                         f"found n = {n} < m = {m}")
    return m, n


def relu_nets(input_dim: int = 1, output_dim: int = 1, *, depth=(1, 3), width=(1, 8),
              activation: str = "relu", entries=None,
              output_bias: bool = True) -> st.SearchStrategy:
    """Networks ``R^input_dim -> R^output_dim`` with random entries.

    Parameters
    ----------
    input_dim, output_dim : int
    depth : int or (int, int)
        Number of hidden layers (inclusive range).
    width : int or (int, int)
        Units per hidden layer (inclusive range).
    activation : {"relu", "leaky", "either"}
        ReLU, leaky ReLU with a negative slope from :data:`LEAKY_SLOPES`, or either.
    entries : SearchStrategy of float, optional
        Every weight and bias (default: :func:`~exactid.strategies.values.simple_fractions`
        in ``[-2, 2]``, which shrinks towards 0 and small integers).
    output_bias : bool
        False: the last layer has no bias (the decoders of the J.3.1 family,
        :class:`exactid.Family`, with one hidden layer).

    Returns
    -------
    SearchStrategy of ReluNet
        Shrinks towards one narrow hidden layer with zero (then integer) entries and ReLU.
    """
    m, n = dimension(input_dim, "input_dim"), dimension(output_dim, "output_dim")
    depths, widths = int_range(depth, "depth"), int_range(width, "width")
    slopes = _slopes(activation)
    value = simple_fractions() if entries is None else entries

    @st.composite
    def nets(draw):
        sizes = ([m] + [draw(st.integers(*widths)) for _ in range(draw(st.integers(*depths)))]
                 + [n])
        weights, biases = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            weights.append(np.reshape(draw(st.lists(value, min_size=n_in * n_out,
                                                    max_size=n_in * n_out)), (n_out, n_in)))
            biases.append(np.array(draw(st.lists(value, min_size=n_out, max_size=n_out)),
                                   dtype=float))
        if not output_bias:
            biases[-1] = np.zeros(n)
        return ReluNet(weights, biases, negative_slope=draw(slopes))

    return nets()


def _invertible(draw, m: int) -> np.ndarray:
    """P L U with unit lower-triangular L and nonzero diagonal U: exactly invertible (the
    dyadic products are exact floats); shrinks to the identity."""
    L, U = np.eye(m), np.zeros((m, m))
    for i in range(m):
        U[i, i] = draw(nonzero_fractions())
        for j in range(m):
            if j < i:
                L[i, j] = draw(simple_fractions(1.0))
            elif j > i:
                U[i, j] = draw(simple_fractions(1.0))
    order = draw(st.permutations(range(m)))
    return (L @ U)[list(order)]


def _full_column_rank(draw, k: int, d: int) -> np.ndarray:
    """A (k, d) matrix, k >= d, with an invertible (d, d) block among its rows."""
    extra = [[draw(simple_fractions(1.0)) for _ in range(d)] for _ in range(k - d)]
    rows = np.vstack([_invertible(draw, d), np.reshape(extra, (k - d, d))])
    return rows[list(draw(st.permutations(range(k))))]


def _bijection(draw, slope: float) -> Coordinate:
    """A strictly monotone bijection of R."""
    tau, sign = draw(simple_fractions()), draw(st.sampled_from((1.0, -1.0)))
    p = draw(positive_fractions())
    if slope > 0:
        return Coordinate((Feature(sign * p, 1, tau, "act"),))
    q = draw(positive_fractions())
    return Coordinate((Feature(sign * p, 1, tau), Feature(-sign * q, -1, tau)))


def _flat(draw) -> Coordinate:
    """``p relu(d (t - tau))``: monotone, one flat half-line."""
    return Coordinate((Feature(draw(nonzero_fractions()), draw(st.sampled_from((1, -1))),
                               draw(simple_fractions())),))


def _zigzag(draw) -> Coordinate:
    """Slopes ``sign * (s_l, -s_m, s_r)`` with breakpoints ``tau < tau + w``."""
    tau, w = draw(simple_fractions()), draw(positive_fractions())
    s_l, s_m, s_r = (draw(positive_fractions()) for _ in range(3))
    sign = draw(st.sampled_from((1.0, -1.0)))
    return Coordinate((Feature(-sign * s_l, -1, tau), Feature(-sign * s_m, 1, tau),
                       Feature(sign * (s_r + s_m), 1, tau + w)))


def _fold_or_constant(draw) -> Coordinate:
    """A fold ``sign (p relu(t - tau) + q relu(tau - t))``, or a constant."""
    tau = draw(simple_fractions())
    if draw(st.sampled_from(("fold", "constant"))) == "constant":
        # One unit with a zero read-out keeps the layer non-empty.
        return Coordinate((Feature(0.0, 1, tau),), gamma=draw(simple_fractions()))
    p, q = draw(positive_fractions()), draw(positive_fractions())
    sign = draw(st.sampled_from((1.0, -1.0)))
    return Coordinate((Feature(sign * p, 1, tau), Feature(sign * q, -1, tau)))


_SPECIAL = {"F3": _flat, "F2": _zigzag, "none": _fold_or_constant}


def _class_nets(kind: str, input_dim, output_dim, depth, max_coordinates, activation):
    """Nets of one class; ``kind`` in {"F4", "F3", "F2", "none"} (see the module docstring)."""
    m, n = _dims(input_dim, output_dim)
    depths = int_range(depth, "depth")
    cap = max(m, min(n, dimension(max_coordinates, "max_coordinates")))
    slopes = _slopes(activation)

    @st.composite
    def nets(draw):
        slope = draw(slopes)
        blocks, k_prev = [], m
        for layer in range(draw(st.integers(*depths))):
            first_special = layer == 0 and kind != "F4"
            k = m if first_special else draw(st.integers(k_prev, cap))
            coords = [_bijection(draw, slope) for _ in range(k)]
            if first_special:
                coords[0] = _SPECIAL[kind](draw)
            A = _full_column_rank(draw, k, k_prev)
            c = np.array([draw(simple_fractions()) for _ in range(k)], dtype=float)
            blocks.append(Block(A, c, tuple(coords)))
            k_prev = k
        readout = _full_column_rank(draw, n, k_prev)
        offset = np.array([draw(simple_fractions()) for _ in range(n)], dtype=float)
        net = assemble(blocks, readout, offset, slope)
        for layer in range(net.n_layers - 1):
            width = net.weights[layer].shape[0]
            net = permute_hidden_units(net, list(draw(st.permutations(range(width)))), layer)
        return net

    return nets()


_CLASS_DOC = """

    Parameters
    ----------
    input_dim : int
        m.
    output_dim : int, optional
        n >= m (default m).
    depth : int or (int, int)
        Number of hidden layers (blocks), inclusive range.
    max_coordinates : int
        Coordinates per block after the first, at most ``max(m, min(n, max_coordinates))``;
        a hidden layer has at most two units per coordinate, plus two.
    activation : {"relu", "leaky", "either"}

    Returns
    -------
    SearchStrategy of ReluNet
        Shrinks towards one hidden layer, identity matrices, unit slopes, breakpoints at 0.
    """


def injective_nets(input_dim: int = 1, output_dim: int | None = None, *, depth=(1, 2),
                   max_coordinates: int = 3, activation: str = "either") -> st.SearchStrategy:
    return _class_nets("F4", input_dim, output_dim, depth, max_coordinates, activation)


def observably_but_not_injective_nets(input_dim: int = 1, output_dim: int | None = None, *,
                                      depth=(1, 2), max_coordinates: int = 3,
                                      activation: str = "either") -> st.SearchStrategy:
    return _class_nets("F3", input_dim, output_dim, depth, max_coordinates, activation)


def weakly_but_not_observably_injective_nets(input_dim: int = 1, output_dim: int | None = None,
                                             *, depth=(1, 2), max_coordinates: int = 3,
                                             activation: str = "either") -> st.SearchStrategy:
    return _class_nets("F2", input_dim, output_dim, depth, max_coordinates, activation)


def non_weakly_injective_nets(input_dim: int = 1, output_dim: int | None = None, *,
                              depth=(1, 2), max_coordinates: int = 3,
                              activation: str = "either") -> st.SearchStrategy:
    return _class_nets("none", input_dim, output_dim, depth, max_coordinates, activation)


injective_nets.__doc__ = ("Networks that are (F4) injective, by construction (see the module "
                          "docstring)." + _CLASS_DOC)
observably_but_not_injective_nets.__doc__ = (
    "Networks that are (F3) observably injective but not (F4), by construction (a flat "
    "first coordinate; see the module docstring)." + _CLASS_DOC)
weakly_but_not_observably_injective_nets.__doc__ = (
    "Networks that are (F2) weakly injective but not (F3), by construction (a zig-zag first "
    "coordinate; see the module docstring)." + _CLASS_DOC)
non_weakly_injective_nets.__doc__ = (
    "Networks that are not (F2) weakly injective, by construction (a folded or constant first "
    "coordinate; see the module docstring)." + _CLASS_DOC)
