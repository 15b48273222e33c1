r"""Named parameters and neighbourhood grids of models with a two-dimensional latent space.

The 2-D hierarchy study (:mod:`~exactid.search.hierarchy`) searches a small grid of models
around a ground truth.  A grid is a product of *axes*; each axis names one scalar and lists its
values:

======================  ==================================================================
``lambda{j}``           mixture weight (the other weights are rescaled to keep the sum 1)
``mu{j}[t]``            coordinate t (0 or 1) of the mean of component j (j from 1)
``var{j}[t]``           diagonal entry (t, t) of the covariance of component j (> 0)
``cov{j}``              off-diagonal entry (0, 1) = (1, 0) of the covariance of component j
``W{l}[i,k]``           entry (i, k) of the weight matrix of layer l (l from 1)
``b{l}[i]``             entry i of the bias of layer l
``rotate``              a Remark 3.7 move: the whole model re-expressed in latent
                        coordinates rotated by this angle (degrees), ``(R#P, f o R^-1)``
``scale{t}``            a Remark 3.7 move: latent coordinate t multiplied by this factor
======================  ==================================================================

The two *moves* (``rotate``, ``scale{t}``) change many parameters at once but never the law of
x, so a grid that contains them contains global minimizers that are not the truth: they are how
the study exhibits each level of Table 1 of paper 003 (an affine image, a
permutation-scaling image).  Moves are applied after the scalar parameters, in the order
``scale`` then ``rotate``.

What to use when: :func:`model_parameters` lists the named scalars of a model (the NLL slices
go through each of them); :func:`apply_point` builds the model at one grid point;
:class:`Grid2D` enumerates a grid (bounded by :data:`MAX_GRID_POINTS` before any work).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np

from ..identifiability import affine_reparametrize
from ..models import GaussianMixture, LatentModel, ReluNet
from ..parameters import reweight
from ..validation import check_instance

__all__ = ["model_parameters", "apply_point", "Grid2D", "MAX_GRID_POINTS", "MOVES"]

#: Most grid points of one neighbourhood grid (each costs one exact population NLL).
MAX_GRID_POINTS = 100_000
#: The names of the moves (Remark 3.7 reparametrisations) an axis may use.
MOVES = ("rotate", "scale1", "scale2")

_PATTERNS = {
    "lambda": re.compile(r"lambda([1-9][0-9]*)"),
    "mu": re.compile(r"mu([1-9][0-9]*)\[([01])\]"),
    "var": re.compile(r"var([1-9][0-9]*)\[([01])\]"),
    "cov": re.compile(r"cov([1-9][0-9]*)"),
    "W": re.compile(r"W([1-9][0-9]*)\[(0|[1-9][0-9]*),(0|[1-9][0-9]*)\]"),
    "b": re.compile(r"b([1-9][0-9]*)\[(0|[1-9][0-9]*)\]"),
    "rotate": re.compile(r"rotate"),
    "scale": re.compile(r"scale([12])"),
}


def _check_model(model) -> None:
    check_instance(model, "model", LatentModel)
    if model.latent_dim != 2:
        raise ValueError(f"model: expected latent dimension m = 2, found m = {model.latent_dim}")


def model_parameters(model: LatentModel) -> dict[str, float]:
    """The named scalar parameters of a model with ``m = 2`` and their values.

    Parameters
    ----------
    model : LatentModel
        Latent dimension 2.

    Returns
    -------
    dict of str to float
        In a fixed order: weights (all but the last, which is implied), means, diagonal and
        off-diagonal covariance entries, then the net's weights and biases layer by layer.
        The noise level is not a parameter of the study (it is fixed by the truth).
    """
    _check_model(model)
    prior, net = model.prior, model.net
    out: dict[str, float] = {}
    J = prior.n_components
    for j in range(J - 1):
        out[f"lambda{j + 1}"] = float(prior.weights[j])
    for j in range(J):
        for t in range(2):
            out[f"mu{j + 1}[{t}]"] = float(prior.means[j, t])
    for j in range(J):
        for t in range(2):
            out[f"var{j + 1}[{t}]"] = float(prior.covs[j, t, t])
        out[f"cov{j + 1}"] = float(prior.covs[j, 0, 1])
    for layer, (w, b) in enumerate(zip(net.weights, net.biases)):
        for i, k in itertools.product(range(w.shape[0]), range(w.shape[1])):
            out[f"W{layer + 1}[{i},{k}]"] = float(w[i, k])
        for i in range(b.shape[0]):
            out[f"b{layer + 1}[{i}]"] = float(b[i])
    return out


def _parse(name: str, model: LatentModel) -> tuple:
    """The key of an axis name; ValueError naming the valid forms otherwise."""
    if not isinstance(name, str):
        raise ValueError(f"axis name: expected a str, found {type(name).__name__}")
    for kind, pattern in _PATTERNS.items():  # noqa: B007 (kind is read after the loop)
        match = pattern.fullmatch(name)
        if match is not None:
            break
    else:
        raise ValueError(
            f"axis name: expected lambda{{j}}, mu{{j}}[t], var{{j}}[t], cov{{j}}, W{{l}}[i,k], "
            f"b{{l}}[i], rotate or scale{{t}} (t in 0, 1 for entries, 1, 2 for scale), "
            f"found {name!r}")
    idx = tuple(int(g) for g in match.groups())
    if kind in ("lambda", "mu", "var", "cov") and idx[0] > model.prior.n_components:
        raise ValueError(f"axis name: {name!r}: the prior has "
                         f"{model.prior.n_components} components")
    if kind in ("W", "b"):
        layer = idx[0] - 1
        shape = (model.net.weights if kind == "W" else model.net.biases)[layer].shape \
            if layer < model.net.n_layers else None
        if shape is None or any(i >= s for i, s in zip(idx[1:], shape)):
            raise ValueError(f"axis name: {name!r} is out of range for the net {model.net!r}")
    return (kind, *idx)


def _set_scalars(model: LatentModel, keys: list[tuple], values) -> LatentModel:
    """The model with scalar parameters (not moves) changed; re-validated by the classes."""
    prior, net = model.prior, model.net
    weights, means, covs = prior.weights.copy(), prior.means.copy(), prior.covs.copy()
    layers_w = [w.copy() for w in net.weights]
    layers_b = [b.copy() for b in net.biases]
    fixed = {}
    for key, value in zip(keys, values):
        kind = key[0]
        if kind == "lambda":
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"lambda{key[1]}: expected a mixture weight in [0, 1], found "
                                 f"{value!r}")
            fixed[key[1] - 1] = (f"lambda{key[1]}", value)
        elif kind == "mu":
            means[key[1] - 1, key[2]] = value
        elif kind == "var":
            covs[key[1] - 1, key[2], key[2]] = value
        elif kind == "cov":
            covs[key[1] - 1, 0, 1] = covs[key[1] - 1, 1, 0] = value
        elif kind == "W":
            layers_w[key[1] - 1][key[2], key[3]] = value
        else:
            layers_b[key[1] - 1][key[2]] = value
    if fixed:
        weights = reweight(weights, fixed)
    new_prior = GaussianMixture(weights, means, covs)
    new_net = ReluNet(layers_w, layers_b, net.negative_slope)
    return LatentModel(new_prior, new_net, model.noise_std)


def _rotation(degrees: float) -> np.ndarray:
    # Exact quarter turns: cos(90 deg) computed in floats is 6e-17, not 0, and a rotation by a
    # multiple of 90 degrees must stay a signed permutation for the classification.
    quarter = degrees / 90.0
    if quarter == round(quarter):
        q = int(round(quarter)) % 4
        c, s = ((1, 0), (0, 1), (-1, 0), (0, -1))[q]
        return np.array([[c, -s], [s, c]], dtype=float)
    rad = math.radians(degrees)
    return np.array([[math.cos(rad), -math.sin(rad)], [math.sin(rad), math.cos(rad)]])


def apply_point(model: LatentModel, point: dict[str, float]) -> LatentModel:
    """The model at one grid point: ``model`` with the named scalars set, then the moves.

    Parameters
    ----------
    model : LatentModel
        The base model (``m = 2``).
    point : dict of str to float
        Axis name -> value (see the module docstring for the names).

    Returns
    -------
    LatentModel

    Raises
    ------
    ValueError
        On an unknown axis name or an invalid value (a covariance no longer positive definite,
        a weight outside [0, 1], a zero scale).
    """
    _check_model(model)
    keys = [_parse(name, model) for name in point]
    values = [float(v) for v in point.values()]
    scalar = [(k, v) for k, v in zip(keys, values) if k[0] not in ("rotate", "scale")]
    out = _set_scalars(model, [k for k, _ in scalar], [v for _, v in scalar]) if scalar \
        else model
    for key, value in zip(keys, values):
        if key[0] == "scale":
            if value == 0:
                raise ValueError("scale: expected a nonzero factor, found 0")
            matrix = np.eye(2)
            matrix[key[1] - 1, key[1] - 1] = value
            out = affine_reparametrize(out, matrix, np.zeros(2))
    for key, value in zip(keys, values):
        if key[0] == "rotate":
            out = affine_reparametrize(out, _rotation(value), np.zeros(2))
    return out


@dataclass(frozen=True)
class Grid2D:
    """A neighbourhood grid: the product of named axes around a base model.

    Attributes
    ----------
    base : LatentModel
        The model every grid point modifies (usually the truth).
    axes : tuple of (str, tuple of float)
        Axis name and its values; the grid is their Cartesian product.
    """

    base: LatentModel
    axes: tuple

    def __post_init__(self):
        _check_model(self.base)
        if not self.axes:
            raise ValueError("axes: expected at least one axis")
        for name, values in self.axes:
            _parse(name, self.base)
            if len(values) == 0:
                raise ValueError(f"axes: axis {name!r} has no values")
        names = [name for name, _ in self.axes]
        if len(set(names)) != len(names):
            raise ValueError(f"axes: expected distinct names, found {names}")
        if self.size > MAX_GRID_POINTS:
            raise ValueError(f"axes: the grid has {self.size} points, more than "
                             f"MAX_GRID_POINTS = {MAX_GRID_POINTS}; use fewer axes or values")

    @property
    def size(self) -> int:
        """Number of grid points."""
        return math.prod(len(values) for _, values in self.axes)

    def points(self):
        """Yield every grid point as a dict axis name -> value, in lexicographic order."""
        names = [name for name, _ in self.axes]
        for values in itertools.product(*(values for _, values in self.axes)):
            yield dict(zip(names, values))
