r"""The model's symmetries and exact equivalence tests for 1-D models (``m = n = 1``).

Two models :math:`(f, P)` and :math:`(g, P')` are *affinely equivalent* (paper 003,
Definition 2.1.2) when some invertible affine :math:`h` has :math:`P' = h_\# P` and
:math:`g = f \circ h^{-1}`; then they generate the same law of x (Remark 3.7).

Many parameter changes leave the model unchanged: permuting mixture components or hidden
units, rescaling a unit by ``t > 0``, adding dead or constant units, adding zero-weight
components, reparametrising z.  Rather than enumerating these parameter symmetries (an open
list, and the composite ones are hard to undo), we compare what the parameters *mean*:

* priors are compared as distributions, through a canonical form (zero weights dropped,
  identical components merged); a finite 1-D Gaussian mixture is identifiable (Teicher,
  1963), so the affine maps between two priors are finitely many and found exactly by
  matching one component of the first to each component of the second;
* decoders are compared as functions: both are continuous and piecewise linear, so they
  agree everywhere as soon as they agree at the union of their breakpoints plus one point
  beyond each end.  This is exact (up to float rounding) and covers every symmetry at once.

The price is that the test says *whether* two models are equivalent, not *which* parameter
symmetry relates them.  :func:`same_distribution` is the independent, distribution-level check
(KL divergence by quadrature): it also detects equivalences that are not affine, such as the
Remark 3.6 pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from .models import GaussianMixture, LatentModel, ReluNet
from .regions import Pieces1D, density_pieces, interior_point

__all__ = [
    "permute_components",
    "permute_hidden_units",
    "rescale_hidden_unit",
    "affine_reparametrize",
    "affine_maps",
    "priors_equivalent",
    "decoders_match",
    "Equivalence",
    "models_equivalent",
    "DistributionCheck",
    "same_distribution",
    "PushforwardComparison",
    "same_pushforward",
]


# -- argument checks -------------------------------------------------------------------------


def _check_type(value, name: str, cls) -> None:
    if not isinstance(value, cls):
        raise ValueError(f"{name}: expected a {cls.__name__}, found {type(value).__name__}")


def _check_real(value, name: str, *, positive: bool = False, nonzero: bool = False,
                nonnegative: bool = False) -> float:
    """A finite real number, optionally > 0, != 0 or >= 0."""
    want = ("a finite number > 0" if positive else "a finite nonzero number" if nonzero
            else "a finite number >= 0" if nonnegative else "a finite number")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise ValueError(f"{name}: expected {want}, found {value!r}")
    v = float(value)
    bad = (not np.isfinite(v) or (positive and v <= 0) or (nonzero and v == 0)
           or (nonnegative and v < 0))
    if bad:
        raise ValueError(f"{name}: expected {want}, found {v!r}")
    return v


def _check_index(value, name: str, size: int, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise ValueError(f"{name}: expected an integer {what}, found {value!r}")
    if not 0 <= value < size:
        raise ValueError(f"{name}: expected {what} in 0..{size - 1}, found {value}")
    return int(value)


def _check_perm(perm, size: int) -> np.ndarray:
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


def _check_hidden_layer(net: ReluNet, layer) -> int:
    # The last layer is the output layer: its units are not hidden and have no symmetry.
    if net.n_layers < 2:
        raise ValueError("net: expected a network with a hidden layer, found an affine map "
                         "(1 layer)")
    return _check_index(layer, "layer", net.n_layers - 1, "hidden layer index")


def _check_1d_prior(prior: GaussianMixture, name: str) -> None:
    _check_type(prior, name, GaussianMixture)
    if prior.dim != 1:
        raise NotImplementedError(
            f"{name}: affine equivalence is implemented for m = 1 only, found m = {prior.dim}"
        )


def _check_1d_input(net: ReluNet, name: str) -> None:
    _check_type(net, name, ReluNet)
    if net.input_dim != 1:
        raise NotImplementedError(
            f"{name}: function comparison is implemented for input dimension 1 only, found "
            f"{net.input_dim}"
        )


def _with_layers(net: ReluNet, changes: dict) -> ReluNet:
    """Copy of ``net`` with ``changes = {index: (weight, bias)}`` replacing layers."""
    ws, bs = list(net.weights), list(net.biases)
    for i, (w, b) in changes.items():
        ws[i], bs[i] = w, b
    return ReluNet(ws, bs, negative_slope=net.negative_slope)


# -- symmetry generators ---------------------------------------------------------------------


def permute_components(prior: GaussianMixture, perm) -> GaussianMixture:
    """Reorder the mixture components: component ``i`` of the result is ``perm[i]`` of prior.

    Parameters
    ----------
    prior : GaussianMixture
        J components, any dimension m.
    perm : array_like of int, shape (J,)
        A permutation of ``0..J-1``.

    Returns
    -------
    GaussianMixture
        The same distribution; ``prior`` is unchanged.
    """
    _check_type(prior, "prior", GaussianMixture)
    p = _check_perm(perm, prior.n_components)
    return GaussianMixture(prior.weights[p], prior.means[p], prior.covs[p])


def permute_hidden_units(net: ReluNet, perm, layer: int = 0) -> ReluNet:
    """Reorder the units of a hidden layer: unit ``i`` of the result is unit ``perm[i]``.

    Permutes the rows of ``weights[layer]`` and ``biases[layer]`` and the columns of
    ``weights[layer + 1]``.

    Parameters
    ----------
    net : ReluNet
    perm : array_like of int, shape (width,)
        A permutation of ``0..width-1``, ``width = weights[layer].shape[0]``.
    layer : int
        Index of a hidden layer, ``0 <= layer < net.n_layers - 1``.

    Returns
    -------
    ReluNet
        The same function; ``net`` is unchanged.
    """
    _check_type(net, "net", ReluNet)
    layer = _check_hidden_layer(net, layer)
    p = _check_perm(perm, net.weights[layer].shape[0])
    return _with_layers(net, {
        layer: (net.weights[layer][p], net.biases[layer][p]),
        layer + 1: (net.weights[layer + 1][:, p], net.biases[layer + 1]),
    })


def rescale_hidden_unit(net: ReluNet, unit: int, t: float, layer: int = 0) -> ReluNet:
    r"""Scale a hidden unit's input by ``t > 0`` and its output by ``1 / t``.

    Valid because the activation is positively homogeneous (ReLU and leaky ReLU):
    :math:`a\,\sigma(b z + c) = (a / t)\,\sigma(t b z + t c)` for :math:`t > 0`.

    Parameters
    ----------
    net : ReluNet
    unit : int
        Unit index in ``0..width-1`` of the hidden layer.
    t : float
        Scale factor, ``t > 0``.
    layer : int
        Index of a hidden layer, ``0 <= layer < net.n_layers - 1``.

    Returns
    -------
    ReluNet
        The same function (up to rounding of the rescaled weights); ``net`` is unchanged.
    """
    _check_type(net, "net", ReluNet)
    layer = _check_hidden_layer(net, layer)
    unit = _check_index(unit, "unit", net.weights[layer].shape[0], "unit index")
    t = _check_real(t, "t", positive=True)
    w_in, b_in = net.weights[layer].copy(), net.biases[layer].copy()
    w_out = net.weights[layer + 1].copy()
    w_in[unit] *= t
    b_in[unit] *= t
    w_out[:, unit] /= t
    return _with_layers(net, {layer: (w_in, b_in), layer + 1: (w_out, net.biases[layer + 1])})


def affine_reparametrize(model: LatentModel, scale: float, shift: float) -> LatentModel:
    r"""The model :math:`(f \circ h^{-1}, h_\# P)` with :math:`h(z) = s z + u` (Remark 3.7).

    The prior gets means :math:`s \mu_j + u`, variances :math:`s^2 v_j` and the same weights;
    :math:`h^{-1}(z) = (z - u) / s` is folded into the first layer,
    :math:`W_1 \to W_1 / s`, :math:`b_1 \to b_1 - W_1 u / s`.  The noise is unchanged.

    Parameters
    ----------
    model : LatentModel
        A model with ``m = 1``.
    scale : float
        :math:`s \ne 0` (negative values reflect z).
    shift : float
        :math:`u`.

    Returns
    -------
    LatentModel
        A model with the same law of x; ``model`` is unchanged.
    """
    _check_type(model, "model", LatentModel)
    if model.latent_dim != 1:
        raise NotImplementedError(
            f"model: affine reparametrisation is implemented for m = 1 only, found "
            f"m = {model.latent_dim}"
        )
    s = _check_real(scale, "scale", nonzero=True)
    u = _check_real(shift, "shift")
    prior, net = model.prior, model.net
    new_prior = GaussianMixture(prior.weights, s * prior.means + u, s * s * prior.covs)
    w0, b0 = net.weights[0], net.biases[0]
    new_net = _with_layers(net, {0: (w0 / s, b0 - w0[:, 0] * u / s)})
    return LatentModel(new_prior, new_net, model.noise_std)


# -- priors ----------------------------------------------------------------------------------


def _canonical(prior: GaussianMixture, atol: float):
    """(weights, means, variances) with zero weights dropped and equal components merged.

    Components equal within the tolerances of :func:`_close` are merged (weights added), so
    the canonical form is a set: no two of its components can match the same component.
    """
    keep = prior.weights > 0
    w, mu, var = prior.weights[keep], prior.means[keep, 0], prior.variances[keep]
    tol_mu = _mean_tol(mu, var, atol)
    out_w, out_mu, out_var = [], [], []
    for wj, mj, vj in zip(w, mu, var):
        for k in range(len(out_w)):
            if abs(out_mu[k] - mj) <= tol_mu and _var_close(out_var[k], vj, atol):
                out_w[k] += wj
                break
        else:
            out_w.append(wj)
            out_mu.append(mj)
            out_var.append(vj)
    return np.array(out_w), np.array(out_mu), np.array(out_var)


# Tolerances are scale-free, so that the answer does not change when both priors are mapped
# by the same affine map: variances are compared relatively, means relative to the mixture's
# scale (the largest |mean| or standard deviation, which the rounding of s * mu + u is
# proportional to), weights absolutely (they are already scale-free).


def _mean_tol(mu: np.ndarray, var: np.ndarray, atol: float) -> float:
    return atol * max(np.abs(mu).max(), np.sqrt(var.max()))


def _var_close(a, b, atol: float):
    return np.abs(a - b) <= atol * np.maximum(a, b)


def _check_priors(prior_a, prior_b, atol):
    _check_1d_prior(prior_a, "prior_a")
    _check_1d_prior(prior_b, "prior_b")
    return _check_real(atol, "atol", nonnegative=True)


def affine_maps(prior_a: GaussianMixture, prior_b: GaussianMixture,
                atol: float = 1e-9) -> list[tuple[float, float]]:
    r"""Every affine map :math:`h(z) = s z + u`, :math:`s \ne 0`, with
    :math:`h_\# P_a = P_b` as distributions (``m = 1``).

    Both priors are first put in canonical form (zero-weight components dropped, components
    with equal mean and variance merged).  By identifiability of finite Gaussian mixtures, h
    must map the widest component of ``prior_a`` onto some component of ``prior_b``, which
    fixes :math:`s = \pm\sqrt{v_b / v_a}` and :math:`u = \mu_b - s \mu_a`; each of these at
    most ``2 J`` candidates is accepted when the mapped components match those of
    ``prior_b`` one to one.  The search is therefore complete.

    Parameters
    ----------
    prior_a, prior_b : GaussianMixture
        1-D mixtures.
    atol : float
        Tolerance, ``>= 0``: absolute on weights, relative on variances, and on means
        relative to the scale ``max(max|mu|, max sd)`` of ``prior_b`` (of each prior when
        merging its own components).

    Returns
    -------
    list of (float, float)
        The distinct maps ``(s, u)``, sorted; empty if the priors are not affinely related.

    Raises
    ------
    NotImplementedError
        If either prior has dimension m > 1.

    Examples
    --------
    >>> P = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    >>> affine_maps(P, P)
    [(-1.0, 0.0), (1.0, 0.0)]
    """
    atol = _check_priors(prior_a, prior_b, atol)
    w_a, mu_a, var_a = _canonical(prior_a, atol)
    w_b, mu_b, var_b = _canonical(prior_b, atol)
    if w_a.size != w_b.size:
        return []
    tol_mu = _mean_tol(mu_b, var_b, atol)
    anchor = int(np.argmax(var_a))
    maps = []
    for k in range(w_b.size):
        root = np.sqrt(var_b[k] / var_a[anchor])
        for s in (root, -root):
            u = mu_b[k] - s * mu_a[anchor]
            # Component i of h#P_a may stand for component j of P_b when all three
            # parameters agree; h is accepted when a perfect matching exists.
            ok = ((np.abs(w_a[:, None] - w_b[None, :]) <= atol)
                  & (np.abs(s * mu_a[:, None] + u - mu_b[None, :]) <= tol_mu)
                  & _var_close(s * s * var_a[:, None], var_b[None, :], atol))
            from scipy.optimize import linear_sum_assignment  # lazy: keeps import cheap

            rows, cols = linear_sum_assignment((~ok).astype(float))
            if ok[rows, cols].all():
                maps.append((float(s), float(u)))
    # The candidates are distinct: canonical components of P_b differ in mean or variance,
    # and the two signs differ in s.
    return sorted(maps)


def priors_equivalent(prior_a: GaussianMixture, prior_b: GaussianMixture,
                      atol: float = 1e-9) -> bool:
    """True if some affine map pushes ``prior_a`` onto ``prior_b`` (see :func:`affine_maps`)."""
    return bool(affine_maps(prior_a, prior_b, atol))


# -- decoders --------------------------------------------------------------------------------


def _term_size(net: ReluNet, y: np.ndarray, biases: bool = True) -> np.ndarray:
    """Bound on every intermediate quantity of ``net`` at the points ``y`` (N,), shape (N,).

    Propagates ``|y|`` through ``|W|`` and ``|b|`` (the activation never increases ``|t|``):
    the float error of ``net(y)``, and the effect of rounding its weights, are a few ulp of
    this size, which may be far larger than ``|net(y)|`` when terms cancel.  Without
    ``biases`` and with ``y = 1`` it bounds the slopes the same way.
    """
    size = np.abs(y)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):  # inf: beyond the float range
        for w, b in zip(net.weights, net.biases):
            size = size @ np.abs(w).T + (np.abs(b) if biases else 0.0)
    return size.max(axis=1)


def _functions_match(f: ReluNet, pf: Pieces1D, g: ReluNet, pg: Pieces1D, s: float, u: float,
                     atol: float) -> bool:
    """``g(s z + u) == f(z)`` for all z, given the nets and their float pieces."""
    if f.output_dim != g.output_dim:
        return False  # different output dimensions: never the same function
    # Both functions are affine between consecutive points of the union of their breakpoints
    # (in z), so equal values there give equality on every bounded interval, and equal slopes
    # on the two outer pieces extend it to the rays.  z = 0 and h(z) = 0 are added because
    # the rounding tolerance grows with |z| and |h(z)|: each interval is then also checked
    # where it is tightest (breakpoints may lie astronomically far out).
    with np.errstate(over="ignore", divide="ignore"):
        z = np.concatenate([pf.breakpoints, (pg.breakpoints - u) / s, [0.0, -u / s]])
    z = np.unique(z[np.isfinite(z)])  # a g breakpoint beyond the float range has no float z
    with np.errstate(over="ignore"):
        y = s * z + u
    # Tolerance point by point: one far breakpoint must not loosen the test near the others.
    size = np.maximum(_term_size(f, z), _term_size(g, y))
    # Where the nets' terms overflow, no float comparison is possible (breakpoints near the
    # end of the float range, from subnormal weights): those points are skipped.
    keep = np.isfinite(size) & np.isfinite(y)
    z, y, size = z[keep], y[keep], size[keep]
    with np.errstate(over="ignore", invalid="ignore"):  # huge values of opposite sign
        values_ok = np.all(np.abs(pf(z) - pg(y)) <= atol * (1.0 + size)[:, None])
    # Slopes of g o h on the rays: s times g's slope on the ray that h maps there.
    left, right = (0, -1) if s > 0 else (-1, 0)
    one = np.ones(1)
    slope_tol = atol * (1.0 + max(_term_size(f, one, False)[0],
                                  abs(s) * _term_size(g, one, False)[0]))
    rays_ok = (np.all(np.abs(pf.slopes[0] - s * pg.slopes[left]) <= slope_tol)
               and np.all(np.abs(pf.slopes[-1] - s * pg.slopes[right]) <= slope_tol))
    return bool(values_ok and rays_ok)


def decoders_match(f: ReluNet, g: ReluNet, scale: float, shift: float,
                   atol: float = 1e-9) -> bool:
    r"""True if :math:`g(h(z)) = f(z)` for every real z, :math:`h(z) = s z + u`.

    Equivalently :math:`g = f \circ h^{-1}`.  A Gaussian mixture has support
    :math:`\mathbb R`, so equality "on the support of the prior" means equality everywhere.
    Both functions are continuous and piecewise linear: their values are compared at the
    breakpoints of f and the preimages :math:`h^{-1}(t)` of the breakpoints t of g, and their
    slopes on the two unbounded pieces; this decides equality everywhere (it is equivalent to
    comparing values at one more point beyond each end).  The points :math:`z = 0` and
    :math:`h(z) = 0` are added because float rounding, and so the tolerance, grows with
    ``|z|``.

    Parameters
    ----------
    f, g : ReluNet
        Networks with input dimension 1 (any output dimension n; different n never match).
    scale : float
        :math:`s \ne 0`.
    shift : float
        :math:`u`.
    atol : float
        Tolerance ``>= 0`` on each output at each comparison point, relative to ``1 +`` a
        bound on the size of every intermediate quantity of either net there (``|z|``
        propagated through the absolute weights and biases), the scale of rounding errors;
        slopes likewise relative to the product of the absolute weights.

    Returns
    -------
    bool

    Examples
    --------
    >>> absval = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> decoders_match(absval, absval, -1.0, 0.0)   # |-z| = |z|
    True
    """
    _check_1d_input(f, "f")
    _check_1d_input(g, "g")
    s = _check_real(scale, "scale", nonzero=True)
    u = _check_real(shift, "shift")
    atol = _check_real(atol, "atol", nonnegative=True)
    # density_pieces: exact rational pieces rounded once for small nets, float otherwise.
    return _functions_match(f, density_pieces(f), g, density_pieces(g), s, u, atol)


# -- models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Equivalence:
    """Result of :func:`models_equivalent`; ``bool(result)`` is ``result.full``.

    Attributes
    ----------
    priors : bool
        Some affine map pushes ``prior_a`` onto ``prior_b``.
    full : bool
        Some such map h also has ``f_b = f_a o h^-1``, and the noise levels are equal: the
        models are affinely equivalent (Definition 2.1.2 of paper 003).
    maps : tuple of (float, float)
        All prior maps ``(s, u)`` found, ``h(z) = s z + u``.
    map : (float, float) or None
        The first prior map under which the decoders match (whatever the noise levels).
    """

    priors: bool
    full: bool
    maps: tuple
    map: tuple | None

    def __bool__(self) -> bool:
        return self.full


def models_equivalent(model_a: LatentModel, model_b: LatentModel,
                      atol: float = 1e-9) -> Equivalence:
    r"""Decide whether :math:`(f, P)` and :math:`(g, P')` are affinely equivalent:
    :math:`P' = h_\# P`, :math:`g = f \circ h^{-1}` for some invertible affine h, and equal
    noise (paper 003, Definition 2.1.2, ``m = 1``).

    Parameters
    ----------
    model_a, model_b : LatentModel
        Models with ``m = 1``; ``model_a = (f, P)``, ``model_b = (g, P')``.
    atol : float
        Tolerance passed to :func:`affine_maps` and :func:`decoders_match`; the noise levels
        must agree within ``atol * (1 + sigma)``.

    Returns
    -------
    Equivalence
    """
    _check_type(model_a, "model_a", LatentModel)
    _check_type(model_b, "model_b", LatentModel)
    atol = _check_real(atol, "atol", nonnegative=True)
    maps = affine_maps(model_a.prior, model_b.prior, atol)
    _check_1d_input(model_a.net, "model_a.net")
    _check_1d_input(model_b.net, "model_b.net")
    found = None
    for s, u in maps:
        # model.pieces is cached on the (immutable) model, so trying many maps is cheap.
        if _functions_match(model_a.net, model_a.pieces, model_b.net, model_b.pieces, s, u,
                            atol):
            found = (s, u)
            break
    sigma_a, sigma_b = model_a.noise_std, model_b.noise_std
    same_noise = abs(sigma_a - sigma_b) <= atol * (1.0 + max(sigma_a, sigma_b))
    return Equivalence(priors=bool(maps), full=found is not None and same_noise,
                       maps=tuple(maps), map=found)


@dataclass(frozen=True)
class DistributionCheck:
    """Result of :func:`same_distribution`; ``bool(result)`` is ``result.same``.

    Attributes
    ----------
    kl_ab, kl_ba : float
        :math:`\\mathrm{KL}(p_a \\| p_b)` and :math:`\\mathrm{KL}(p_b \\| p_a)`.
    error_ab, error_ba : float
        Their estimated quadrature errors.
    same : bool
        Both ``|KL| <= tol + error``.
    """

    kl_ab: float
    kl_ba: float
    error_ab: float
    error_ba: float
    same: bool

    def __bool__(self) -> bool:
        return self.same


#: Largest KL tolerance of :func:`same_distribution`.
MAX_KL_TOL = 1e-3


def same_distribution(model_a: LatentModel, model_b: LatentModel,
                      tol: float = 1e-9) -> DistributionCheck:
    """Decide whether two 1-D models give the same law of x, from the KL divergences in both
    directions (:func:`exactid.divergence.kl_divergence`).

    Independent of the parameters: it also recognises non-affine coincidences such as
    Remark 3.6 of paper 003, and it is the reference against which
    :func:`models_equivalent` is tested.

    Parameters
    ----------
    model_a, model_b : LatentModel
        ``m = n = 1``, ``noise_std > 0``.
    tol : float
        Threshold on each KL (beyond its quadrature error), in ``(0, 1e-3]``; the quadrature
        itself runs with tolerance ``tol / 10``.

    Returns
    -------
    DistributionCheck

    Raises
    ------
    NotImplementedError
        If a model has ``noise_std == 0`` (the law of x may have atoms and KL is then not an
        integral of densities) or m, n > 1.
    """
    from .divergence import kl_divergence  # quadrature machinery, only needed here

    _check_type(model_a, "model_a", LatentModel)
    _check_type(model_b, "model_b", LatentModel)
    tol = _check_real(tol, "tol", positive=True)
    if tol > MAX_KL_TOL:
        raise ValueError(f"tol: expected at most {MAX_KL_TOL:g} (a numerical allowance for "
                         f"equal laws, not a closeness threshold), found {tol!r}")
    for name, model in (("model_a", model_a), ("model_b", model_b)):
        if model.noise_std == 0:
            raise NotImplementedError(
                f"{name}: same_distribution needs noise_std > 0, found 0; without noise the "
                "law of x may have atoms, which the density-based KL cannot compare"
            )
    ab = kl_divergence(model_a, model_b, tol=tol / 10)
    ba = kl_divergence(model_b, model_a, tol=tol / 10)
    same = abs(ab.value) <= tol + ab.error and abs(ba.value) <= tol + ba.error
    return DistributionCheck(kl_ab=ab.value, kl_ba=ba.value, error_ab=ab.error,
                             error_ba=ba.error, same=bool(same))


@dataclass(frozen=True)
class PushforwardComparison:
    """Result of :func:`same_pushforward`.

    Attributes
    ----------
    same : bool
        True if the laws of x are equal.
    witness : str
        Where they differ (an x-interval with different Gaussian terms, or an atom), or ``""``.
    """

    same: bool
    witness: str = ""

    def __bool__(self) -> bool:
        return self.same


def _pushforward_parts(model: LatentModel):
    """Exact description of :math:`f_\\# P`: Gaussian pieces on x-intervals and atoms.

    Returns ``(lines, atoms)``: ``lines`` is a list of ``(low, high, terms)`` with ``low,
    high`` Fractions or None (infinite) and ``terms`` a list of ``(coef, mean, var)``
    Fractions (the density on ``(low, high)`` is ``sum coef N(x; mean, var)``); ``atoms`` is a
    list of ``(location, lo, hi)``: a flat piece on ``[lo, hi]`` (None = infinite) at
    ``location``.
    """
    from fractions import Fraction

    from .regions import pieces_1d

    pieces = pieces_1d(model.net, exact=True)
    prior = model.prior
    comps = [(Fraction(float(w)), Fraction(float(m)), Fraction(float(v)))
             for w, m, v in zip(prior.weights, prior.means[:, 0], prior.variances) if w > 0]
    breaks = list(pieces.breakpoints)
    n = len(pieces.slopes)
    lines, atoms = [], []
    for k in range(n):
        a, b = pieces.slopes[k, 0], pieces.intercepts[k, 0]
        lo = breaks[k - 1] if k > 0 else None
        hi = breaks[k] if k < n - 1 else None
        if a == 0:
            atoms.append((b, lo, hi))
            continue
        ends = [None if z is None else a * z + b for z in (lo, hi)]
        low, high = (ends[0], ends[1]) if a > 0 else (ends[1], ends[0])
        # x = a z + b with z ~ w N(mu, v) has density w N(x; a mu + b, a^2 v) on the image
        # (the Jacobian 1/|a| is part of that normal density).
        terms = [(w, a * mu + b, a * a * v) for w, mu, v in comps]
        lines.append((low, high, terms))
    return lines, atoms


def same_pushforward(model_a: LatentModel, model_b: LatentModel) -> PushforwardComparison:
    r"""Decide exactly whether two 1-D models with the same noise give the same law of x.

    Convolution with :math:`\mathcal N(0, \sigma^2)` is injective, so equal noise reduces the
    question to :math:`f_\# P = g_\# P'`.  Each side is a finite sum of Gaussian densities
    restricted to x-intervals (one per non-flat piece and component) plus atoms (flat pieces).
    On every elementary interval between image endpoints of both models, the two densities are
    finite sums of Gaussians, which are equal on an open interval only if their merged
    (mean, variance) -> coefficient tables are identical (distinct Gaussians are linearly
    independent); these tables are compared in exact rational arithmetic.  Atom masses are
    differences of normal CDFs, compared in 50-digit arithmetic (relative 1e-40).

    Unlike :func:`same_distribution` this does not integrate anything, so it separates laws
    whose KL divergence is far below double-precision resolution (e.g. 1e-20 for models that
    differ only in a far tail), and it proves equality rather than bounding a KL.

    Parameters
    ----------
    model_a, model_b : LatentModel
        ``m = n = 1``; equal ``noise_std`` (otherwise NotImplementedError).

    Returns
    -------
    PushforwardComparison
    """
    import mpmath as mp

    _check_type(model_a, "model_a", LatentModel)
    _check_type(model_b, "model_b", LatentModel)
    for name, model in (("model_a", model_a), ("model_b", model_b)):
        if model.latent_dim != 1 or model.observed_dim != 1:
            raise NotImplementedError(f"{name}: same_pushforward supports m = n = 1 only")
    if model_a.noise_std != model_b.noise_std:
        raise NotImplementedError(
            "same_pushforward compares pushforwards and needs equal noise_std, found "
            f"{model_a.noise_std} and {model_b.noise_std}; use same_distribution")
    parts = [_pushforward_parts(m) for m in (model_a, model_b)]
    cuts = sorted({v for lines, _ in parts for lo, hi, _ in lines for v in (lo, hi)
                   if v is not None})
    bounds = [None] + cuts + [None]
    for left, right in zip(bounds[:-1], bounds[1:]):
        probe = interior_point(left, right)
        tables = []
        for lines, _ in parts:
            table: dict = {}
            for lo, hi, terms in lines:
                if (lo is None or lo < probe) and (hi is None or probe < hi):
                    for coef, mean, var in terms:
                        table[(mean, var)] = table.get((mean, var), 0) + coef
            tables.append({k: v for k, v in table.items() if v != 0})
        if tables[0] != tables[1]:
            where = (f"({'-inf' if left is None else format(float(left), 'g')}, "
                     f"{'inf' if right is None else format(float(right), 'g')})")
            return PushforwardComparison(False, f"different Gaussian terms on x in {where}")

    def atom_masses(model, atoms):
        masses: dict = {}
        prior = model.prior
        with mp.workdps(50):
            for loc, lo, hi in atoms:
                total = mp.mpf(0)
                for w, mu, v in zip(prior.weights, prior.means[:, 0], prior.variances):
                    if w == 0:
                        continue
                    sd = mp.sqrt(mp.mpf(float(v)))
                    a = mp.ninf if lo is None else (mp.mpf(lo.numerator) / lo.denominator
                                                    - float(mu)) / sd
                    b = mp.inf if hi is None else (mp.mpf(hi.numerator) / hi.denominator
                                                   - float(mu)) / sd
                    # Take the difference in the tail where both probabilities are small, so
                    # no digits cancel (Phi(b) - Phi(a) = Phi(-a) - Phi(-b)).
                    mass = mp.ncdf(-a) - mp.ncdf(-b) if a > 0 else mp.ncdf(b) - mp.ncdf(a)
                    total += mp.mpf(float(w)) * mass
                masses[loc] = masses.get(loc, mp.mpf(0)) + total
        return masses

    with mp.workdps(50):
        ma = atom_masses(model_a, parts[0][1])
        mb = atom_masses(model_b, parts[1][1])
        for loc in set(ma) | set(mb):
            a, b = ma.get(loc, mp.mpf(0)), mb.get(loc, mp.mpf(0))
            if abs(a - b) > mp.mpf(10) ** -40 * max(abs(a), abs(b), mp.mpf(10) ** -300):
                return PushforwardComparison(
                    False, f"atom at x = {float(loc):g}: masses {mp.nstr(a, 8)} and "
                    f"{mp.nstr(b, 8)}")
    return PushforwardComparison(True, "")
