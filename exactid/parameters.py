r"""Named scalar parameters of a model with a one-dimensional latent space.

A likelihood surface is a function of one or two scalar parameters with everything else held
fixed, so we need a way to name a single number of a :class:`~exactid.models.LatentModel` and
to build the model with that number changed.  The names are short strings a user can type on
the command line:

======================  =========================================================
``lambda{j}``           mixture weight :math:`\lambda_j` (j = 1..J)
``mu{j}``               component mean :math:`\mu_j`
``var{j}``              component variance :math:`\Sigma_j` (> 0)
``sigma``               noise standard deviation :math:`\sigma` (>= 0)
``W{l}[i,k]``           entry (i, k) of the weight matrix of layer l (l = 1..L; i, k from 0)
``b{l}[i]``             entry i of the bias of layer l
``alpha{k}``            paper alias of ``W2[0,k-1]`` (one hidden layer, m = n = 1 only)
``beta{k}``             paper alias of ``W1[k-1,0]``
``pi{k}``               paper alias of ``b1[k-1]``
======================  =========================================================

The aliases are the parameters of paper 003, Appendix J.3.1,
:math:`f(z) = \sum_k \alpha_k \mathrm{ReLU}(\beta_k z + \pi_k)` (plus the output bias
``b2[0]``, which has no alias).  Where they apply, :func:`parameter_names` lists them instead
of the generic names they replace; both spellings are accepted everywhere.

Models are immutable, so setting a parameter builds a new model (re-validated by the model
constructors); the mixture weights are the one coupled case: setting some of them rescales the
others proportionally so that the weights still sum to 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from .models import WEIGHT_SUM_TOL, GaussianMixture, LatentModel, ReluNet
from .validation import check_instance

__all__ = [
    "parameter_names",
    "get_parameter",
    "set_parameter",
    "set_parameters",
    "canonical_name",
    "parameter_label",
    "reweight",
]

#: Error messages list every valid name when there are at most this many.
MAX_LISTED_NAMES = 40

_ONE = r"([1-9][0-9]*)"  # 1-based index
_ZERO = r"(0|[1-9][0-9]*)"  # 0-based index
_PATTERNS = [
    ("lambda", re.compile(rf"lambda{_ONE}")),
    ("mu", re.compile(rf"mu{_ONE}")),
    ("var", re.compile(rf"var{_ONE}")),
    ("sigma", re.compile(r"sigma")),
    ("alpha", re.compile(rf"alpha{_ONE}")),
    ("beta", re.compile(rf"beta{_ONE}")),
    ("pi", re.compile(rf"pi{_ONE}")),
    ("W", re.compile(rf"W{_ONE}\[\s*{_ZERO}\s*,\s*{_ZERO}\s*\]")),
    ("b", re.compile(rf"b{_ONE}\[\s*{_ZERO}\s*\]")),
]


def _check_model(model) -> None:
    check_instance(model, "model", LatentModel)
    if model.latent_dim != 1:
        raise ValueError(
            "model: expected latent dimension m = 1 (the mixture parameters are then scalars), "
            f"found m = {model.latent_dim}"
        )


def _aliases_apply(net: ReluNet) -> bool:
    """Whether the paper aliases alpha/beta/pi name the entries of ``net``."""
    return net.n_layers == 2 and net.input_dim == 1 and net.output_dim == 1


# A parameter key is a tuple: ("lambda", j), ("mu", j), ("var", j) with j 0-based, ("sigma",),
# ("W", l, i, k) and ("b", l, i) with l 0-based.  Aliases are resolved to W/b keys.
def _keys(model: LatentModel) -> list[tuple]:
    n_comp = model.prior.n_components
    keys: list[tuple] = []
    for kind in ("lambda", "mu", "var"):
        keys.extend((kind, j) for j in range(n_comp))
    net = model.net
    if _aliases_apply(net):
        width = net.weights[0].shape[0]
        keys.extend(("W", 1, 0, k) for k in range(width))
        keys.extend(("W", 0, k, 0) for k in range(width))
        keys.extend(("b", 0, k) for k in range(width))
        keys.append(("b", 1, 0))
    else:
        for layer, (w, b) in enumerate(zip(net.weights, net.biases)):
            keys.extend(("W", layer, i, k) for i in range(w.shape[0]) for k in range(w.shape[1]))
            keys.extend(("b", layer, i) for i in range(b.shape[0]))
    keys.append(("sigma",))
    return keys


def _name(model: LatentModel, key: tuple) -> str:
    """The listed spelling of ``key``: the paper alias where it applies, else generic."""
    kind = key[0]
    if kind in ("lambda", "mu", "var"):
        return f"{kind}{key[1] + 1}"
    if kind == "sigma":
        return "sigma"
    if _aliases_apply(model.net):
        if key[:2] == ("W", 1):
            return f"alpha{key[3] + 1}"
        if key[:2] == ("W", 0):
            return f"beta{key[2] + 1}"
        if key[:2] == ("b", 0):
            return f"pi{key[2] + 1}"
    if kind == "W":
        return f"W{key[1] + 1}[{key[2]},{key[3]}]"
    return f"b{key[1] + 1}[{key[2]}]"


def _valid_names_text(model: LatentModel) -> str:
    names = [_name(model, key) for key in _keys(model)]
    if len(names) <= MAX_LISTED_NAMES:
        return ", ".join(names)
    shapes = ", ".join(
        f"W{layer + 1} {w.shape[0]}x{w.shape[1]}" for layer, w in enumerate(model.net.weights)
    )
    J = model.prior.n_components
    return (
        f"lambda1..lambda{J}, mu1..mu{J}, var1..var{J}, sigma, and the net entries "
        f"W{{l}}[i,k], b{{l}}[i] (l from 1, i and k from 0; {shapes})"
    )


def _parse(model: LatentModel, name) -> tuple:
    """The key of ``name``; ValueError naming the valid names if there is none."""
    if not isinstance(name, str):
        raise ValueError(f"name: expected a parameter name (str), found {type(name).__name__}")
    for kind, pattern in _PATTERNS:  # noqa: B007 (kind is read after the loop)
        match = pattern.fullmatch(name)
        if match is not None:
            break
    else:
        raise ValueError(
            f"name: expected one of {_valid_names_text(model)}; found {name!r}"
        )
    idx = [int(g) for g in match.groups()]
    J = model.prior.n_components
    net = model.net
    out_of_range = (
        f"name: {name!r} is out of range for this model; expected one of "
        f"{_valid_names_text(model)}"
    )
    if kind in ("lambda", "mu", "var"):
        if idx[0] > J:
            raise ValueError(out_of_range)
        return (kind, idx[0] - 1)
    if kind == "sigma":
        return ("sigma",)
    if kind in ("alpha", "beta", "pi"):
        if not _aliases_apply(net):
            raise ValueError(
                f"name: the paper alias {name!r} needs a net with one hidden layer and input "
                f"and output dimension 1, found {net!r}; expected one of "
                f"{_valid_names_text(model)}"
            )
        k = idx[0] - 1
        if k >= net.weights[0].shape[0]:
            raise ValueError(out_of_range)
        return {"alpha": ("W", 1, 0, k), "beta": ("W", 0, k, 0), "pi": ("b", 0, k)}[kind]
    layer = idx[0] - 1
    if layer >= net.n_layers:
        raise ValueError(out_of_range)
    if kind == "W":
        rows, cols = net.weights[layer].shape
        if idx[1] >= rows or idx[2] >= cols:
            raise ValueError(out_of_range)
        return ("W", layer, idx[1], idx[2])
    if idx[1] >= net.biases[layer].shape[0]:
        raise ValueError(out_of_range)
    return ("b", layer, idx[1])


def _value_of(model: LatentModel, key: tuple) -> float:
    kind = key[0]
    prior = model.prior
    if kind == "lambda":
        return float(prior.weights[key[1]])
    if kind == "mu":
        return float(prior.means[key[1], 0])
    if kind == "var":
        return float(prior.covs[key[1], 0, 0])
    if kind == "sigma":
        return float(model.noise_std)
    if kind == "W":
        return float(model.net.weights[key[1]][key[2], key[3]])
    return float(model.net.biases[key[1]][key[2]])


def _as_value(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise ValueError(f"{name}: expected a finite number, found {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a finite number, found {value!r}") from None
    if not np.isfinite(v):
        raise ValueError(f"{name}: expected a finite number, found {v!r}")
    return v


def parameter_names(model: LatentModel) -> list[str]:
    """The names of the scalar parameters of ``model``.

    Parameters
    ----------
    model : LatentModel
        Latent dimension m = 1 (any output dimension).

    Returns
    -------
    list of str
        ``lambda1..lambdaJ, mu1..muJ, var1..varJ``, then the net entries, then ``sigma``.
        The net entries are ``alpha1..alphaK, beta1..betaK, pi1..piK, b2[0]`` when the net
        has one hidden layer (K units) and m = n = 1, else ``W{l}[i,k]`` and ``b{l}[i]``
        layer by layer, row-major.

    Raises
    ------
    ValueError
        If ``model`` is not a LatentModel with m = 1.

    Examples
    --------
    >>> from exactid import GaussianMixture, LatentModel, ReluNet
    >>> net = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> names = parameter_names(LatentModel(GaussianMixture([1.0], [0.0], [1.0]), net, 0.5))
    >>> names[:3], names[3:9]
    (['lambda1', 'mu1', 'var1'], ['alpha1', 'alpha2', 'beta1', 'beta2', 'pi1', 'pi2'])
    >>> names[9:]
    ['b2[0]', 'sigma']
    """
    _check_model(model)
    return [_name(model, key) for key in _keys(model)]


def canonical_name(model: LatentModel, name: str) -> str:
    """The spelling of ``name`` used by :func:`parameter_names` (e.g. ``"W1[0, 0]"`` ->
    ``"beta1"`` where the paper aliases apply, ``"beta1"`` -> ``"W1[0,0]"`` never).

    Raises
    ------
    ValueError
        If ``name`` is not a parameter of ``model``; the message lists the valid names.
    """
    _check_model(model)
    return _name(model, _parse(model, name))


def get_parameter(model: LatentModel, name: str) -> float:
    """The value of one scalar parameter.

    Parameters
    ----------
    model : LatentModel
        Latent dimension m = 1.
    name : str
        A name listed by :func:`parameter_names`, or the generic spelling of an alias.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``name`` is not a parameter of ``model``; the message lists the valid names.
    """
    _check_model(model)
    return _value_of(model, _parse(model, name))


def set_parameter(model: LatentModel, name: str, value: float) -> LatentModel:
    r"""A copy of ``model`` with one scalar parameter changed.

    Parameters
    ----------
    model : LatentModel
        Latent dimension m = 1; left unchanged.
    name : str
        A name listed by :func:`parameter_names`, or the generic spelling of an alias.
    value : float
        The new value: finite; in [0, 1] for ``lambda{j}``, > 0 for ``var{j}``, >= 0 for
        ``sigma``.

    Returns
    -------
    LatentModel
        Setting ``lambda{j}`` to v rescales the other weights proportionally,

        .. math:: \lambda_i \leftarrow \lambda_i \frac{1 - v}{\sum_{i' \ne j} \lambda_{i'}},
                  \qquad i \ne j,

        so the weights still sum to 1 (for J = 2, ``lambda2 = 1 - lambda1``).  Setting a
        parameter to its current value returns a model equal to ``model``.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the valid names), ``value`` is outside
        its domain, or the other weights are all zero and ``value < 1`` (nothing to rescale).

    Examples
    --------
    >>> from exactid import GaussianMixture, LatentModel, ReluNet
    >>> net = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> model = LatentModel(GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0]), net, 0.5)
    >>> set_parameter(model, "lambda1", 0.25).prior.weights.tolist()
    [0.25, 0.75]
    """
    return set_parameters(model, {name: value})


def set_parameters(model: LatentModel, values: Mapping[str, float]) -> LatentModel:
    """A copy of ``model`` with several scalar parameters changed at once.

    Parameters
    ----------
    model : LatentModel
        Latent dimension m = 1; left unchanged.
    values : mapping of str to float
        Parameter name -> new value, as in :func:`set_parameter`.  When several weights
        ``lambda{j}`` are given they are all set and only the weights not given are rescaled
        (to sum to 1 minus the given ones); if every weight is given they must sum to 1.

    Returns
    -------
    LatentModel

    Raises
    ------
    ValueError
        As :func:`set_parameter`; also if two names denote the same parameter, if the given
        weights sum to more than 1, or if every weight is given and they do not sum to 1.
    """
    _check_model(model)
    if not isinstance(values, Mapping):
        raise ValueError(
            f"values: expected a mapping of parameter names to values, found "
            f"{type(values).__name__}"
        )
    prior, net = model.prior, model.net
    weights = prior.weights.copy()
    means = prior.means[:, 0].copy()
    variances = prior.covs[:, 0, 0].copy()
    layer_w = [w.copy() for w in net.weights]
    layer_b = [b.copy() for b in net.biases]
    sigma = model.noise_std
    given: dict[tuple, str] = {}
    fixed_weights: dict[int, tuple[str, float]] = {}
    for name, raw in values.items():
        key = _parse(model, name)
        if key in given:
            raise ValueError(
                f"values: {given[key]!r} and {name!r} name the same parameter; give it once"
            )
        given[key] = name
        v = _as_value(raw, name)
        kind = key[0]
        if kind == "lambda":
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name}: expected a mixture weight in [0, 1], found {v!r}")
            fixed_weights[key[1]] = (name, v)
        elif kind == "mu":
            means[key[1]] = v
        elif kind == "var":
            if v <= 0:
                raise ValueError(f"{name}: expected a variance > 0, found {v!r}")
            variances[key[1]] = v
        elif kind == "sigma":
            if v < 0:
                raise ValueError(f"{name}: expected a noise standard deviation >= 0, found {v!r}")
            sigma = v
        elif kind == "W":
            layer_w[key[1]][key[2], key[3]] = v
        else:
            layer_b[key[1]][key[2]] = v
    if fixed_weights:
        weights = reweight(weights, fixed_weights)
    if not (
        np.array_equal(weights, prior.weights)
        and np.array_equal(means, prior.means[:, 0])
        and np.array_equal(variances, prior.covs[:, 0, 0])
    ):
        prior = GaussianMixture(weights, means, variances)
    if not (
        all(np.array_equal(a, b) for a, b in zip(layer_w, net.weights))
        and all(np.array_equal(a, b) for a, b in zip(layer_b, net.biases))
    ):
        net = ReluNet(layer_w, layer_b, net.negative_slope)
    return LatentModel(prior, net, sigma)


def reweight(weights: np.ndarray, fixed: dict[int, tuple[str, float]]) -> np.ndarray:
    """Set the weights in ``fixed`` (index -> (name, value)) and rescale the others
    proportionally so that the weights sum to 1 (also for the 2-D grids of
    :mod:`exactid.search.family_2d`); ValueError naming the weights when impossible."""
    if all(weights[j] == v for j, (_, v) in fixed.items()):
        return weights  # unchanged: keep the stored weights bit for bit
    names = " + ".join(name for name, _ in fixed.values())
    total = float(sum(v for _, v in fixed.values()))
    if total > 1.0 + WEIGHT_SUM_TOL:
        raise ValueError(f"{names}: expected mixture weights summing to at most 1, found {total!r}")
    rest = max(0.0, 1.0 - total)
    others = np.array([j for j in range(weights.size) if j not in fixed], dtype=int)
    new = weights.copy()
    for j, (_, v) in fixed.items():
        new[j] = v
    if others.size == 0:
        if rest > WEIGHT_SUM_TOL:
            if len(fixed) == 1:
                raise ValueError(
                    f"{names}: cannot set to {total!r}: a one-component mixture has weight 1"
                )
            raise ValueError(
                f"{names}: every mixture weight is given, so they must sum to 1; found sum "
                f"{total!r}"
            )
        return new
    scale_from = float(weights[others].sum())
    if scale_from == 0.0:
        if rest > WEIGHT_SUM_TOL:
            other_names = ", ".join(f"lambda{j + 1}" for j in others)
            raise ValueError(
                f"{names}: cannot set to {total!r}: the other weights ({other_names}) are all "
                "zero, so they cannot be rescaled to make the weights sum to 1"
            )
        new[others] = 0.0
        return new
    new[others] = weights[others] * (rest / scale_from)
    # Give the rounding to the largest rescaled weight, so the weights sum to 1 to within an
    # ulp or two (for J = 2 this makes lambda2 = 1 - lambda1 exactly).
    top = others[np.argmax(weights[others])]
    new[top] = max(0.0, rest - (new[others].sum() - new[top]))
    return new


_GREEK = {"lambda": r"\lambda", "mu": r"\mu", "var": r"\Sigma", "alpha": r"\alpha",
          "beta": r"\beta", "pi": r"\pi"}


def parameter_label(name: str) -> str:
    r"""A matplotlib (mathtext) axis label for a parameter name.

    ``"beta1"`` -> ``"$\beta_{1}$"``, ``"var2"`` -> ``"$\Sigma_{2}$"``, ``"sigma"`` ->
    ``"$\sigma$"``, ``"W2[0,1]"`` -> ``"$W^{(2)}_{0,1}$"``, ``"b1[0]"`` -> ``"$b^{(1)}_{0}$"``;
    anything else is returned unchanged.  Pure string manipulation (no model needed).
    """
    if name == "sigma":
        return r"$\sigma$"
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(name) if isinstance(name, str) else None
        if match is None:
            continue
        g = match.groups()
        if kind in _GREEK:
            return f"${_GREEK[kind]}_{{{g[0]}}}$"
        if kind == "W":
            return f"$W^{{({g[0]})}}_{{{g[1]},{g[2]}}}$"
        if kind == "b":
            return f"$b^{{({g[0]})}}_{{{g[1]}}}$"
    return name
