r"""Exact equivalence of models (``m`` in {1, 2}): affine maps between priors (``m <= 3``),
decoders compared as functions, models (paper 003, Definition 2.1.2).

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
  matching one component of the first to each component of the second.  For ``m`` in
  ``{2, 3}`` :func:`affine_maps` hands over to
  :func:`~exactid.identifiability.prior_maps.prior_maps` (every matching, whitening, and
  orthogonal alignment; continua of maps included), which returns richer results;
* decoders are compared as functions: both are continuous and piecewise linear, so they
  agree everywhere as soon as they agree at the union of their breakpoints plus one point
  beyond each end.  This is exact (up to float rounding) and covers every symmetry at once.
  For ``m = 2`` the decoders are compared on the common refinement of their cells
  (:mod:`~exactid.identifiability.decoders_2d`).

The price is that the test says *whether* two models are equivalent, not *which* parameter
symmetry relates them.  :func:`exactid.identifiability.laws.same_distribution` is the
independent, distribution-level check (KL divergence by quadrature): it also detects
equivalences that are not affine, such as the Remark 3.6 pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import GaussianMixture, LatentModel, ReluNet
from ..regions import Pieces1D, density_pieces
from ..validation import check_instance
from .checks import check_1d_input, check_1d_prior, check_real
from .decoders_2d import models_equivalent_2d
from .prior_maps import AffineMap, prior_maps

__all__ = ["affine_maps", "priors_equivalent", "decoders_match", "Equivalence",
           "models_equivalent"]



def _canonical(prior: GaussianMixture, atol: float):
    """(weights, means, variances) with zero weights dropped and equal components merged.

    Components equal within the tolerances of :func:`_close` are merged (weights added), so
    the canonical form is a set: no two of its components can match the same component.
    """
    keep = prior.weights > 0  # pragma: no mutate (weights are >= 0: '!=' is '>')
    mu = prior.means[keep, 0]  # pragma: no mutate (m = 1: column 0 is column -1)
    w, var = prior.weights[keep], prior.variances[keep]
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



def _mean_tol(mu: np.ndarray, var: np.ndarray, atol: float) -> float:
    return atol * max(np.abs(mu).max(), np.sqrt(var.max()))



def _var_close(a, b, atol: float):
    return np.abs(a - b) <= atol * np.maximum(a, b)



def _check_priors(prior_a, prior_b, atol):
    check_1d_prior(prior_a, "prior_a")
    check_1d_prior(prior_b, "prior_b")
    return check_real(atol, "atol", nonnegative=True)



def affine_maps(prior_a: GaussianMixture, prior_b: GaussianMixture,
                atol: float = 1e-9) -> list[tuple[float, float]] | list[AffineMap]:
    r"""Every affine map :math:`h(z) = s z + u`, :math:`s \ne 0`, with
    :math:`h_\# P_a = P_b` as distributions (``m = 1``); for ``m`` in ``{2, 3}`` every
    invertible :math:`h(z) = Az + b`, as :class:`~exactid.identifiability.prior_maps.AffineMap`
    objects from :func:`~exactid.identifiability.prior_maps.prior_maps` (with its default
    exact verification; a continuum of maps is listed by one representative per connected
    component, ``free_dim > 0``).

    Both priors are first put in canonical form (zero-weight components dropped, components
    with equal mean and variance merged).  By identifiability of finite Gaussian mixtures, h
    must map the widest component of ``prior_a`` onto some component of ``prior_b``, which
    fixes :math:`s = \pm\sqrt{v_b / v_a}` and :math:`u = \mu_b - s \mu_a`; each of these at
    most ``2 J`` candidates is accepted when the mapped components match those of
    ``prior_b`` one to one.  The search is therefore complete.

    Parameters
    ----------
    prior_a, prior_b : GaussianMixture
        Mixtures of the same dimension ``m <= 3``.
    atol : float
        Tolerance, ``>= 0``: absolute on weights, relative on variances (covariance entries),
        and on means relative to the scale ``max(max|mu|, max sd)`` of ``prior_b`` (of each
        prior when merging its own components).

    Returns
    -------
    list of (float, float), or list of AffineMap when m >= 2
        For ``m = 1`` the distinct maps ``(s, u)``, sorted; empty if the priors are not
        affinely related.

    Raises
    ------
    ValueError
        If the priors have different dimensions (m >= 2), or on a bad argument.
    NotImplementedError
        If either prior has dimension m > 3 (``MAX_DIM``).

    Examples
    --------
    >>> P = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    >>> affine_maps(P, P)
    [(-1.0, 0.0), (1.0, 0.0)]
    """
    if (isinstance(prior_a, GaussianMixture) and isinstance(prior_b, GaussianMixture)
            and max(prior_a.dim, prior_b.dim) > 1):
        return list(prior_maps(prior_a, prior_b, atol).maps)
    atol = _check_priors(prior_a, prior_b, atol)
    w_a, mu_a, var_a = _canonical(prior_a, atol)
    w_b, mu_b, var_b = _canonical(prior_b, atol)
    # Equivalent mutants: '>', '<' (a one-to-one matching of equal weights between different
    # numbers of components would leave components of weight 0 over, which the canonical
    # form has dropped).
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
    """True if some affine map pushes ``prior_a`` onto ``prior_b`` (see :func:`affine_maps`;
    any ``m <= 3``)."""
    return bool(affine_maps(prior_a, prior_b, atol))



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
        # Equivalent mutants: 0.0 -> +-1.0 (any point near z = 0 is as tight).
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
    left, right = (0, -1) if s > 0 else (-1, 0)  # pragma: no mutate (s != 0: '>=' is '>')
    one = np.ones(1)  # pragma: no mutate (any number of ones: the bound is the same)
    slope_tol = atol * (1.0 + max(_term_size(f, one, False).max(),
                                  abs(s) * _term_size(g, one, False).max()))
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
    check_1d_input(f, "f")
    check_1d_input(g, "g")
    s = check_real(scale, "scale", nonzero=True)
    u = check_real(shift, "shift")
    atol = check_real(atol, "atol", nonnegative=True)
    # density_pieces: exact rational pieces rounded once for small nets, float otherwise.
    return _functions_match(f, density_pieces(f), g, density_pieces(g), s, u, atol)



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
    maps : tuple
        All prior maps found: ``(s, u)`` with ``h(z) = s z + u`` for ``m = 1``,
        :class:`~exactid.identifiability.prior_maps.AffineMap` for ``m = 2``.
    map : tuple or AffineMap or None
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
    noise (paper 003, Definition 2.1.2, ``m`` in {1, 2}).

    For ``m = 1`` the decoders are compared at their breakpoints (:func:`decoders_match`);
    for ``m = 2`` on the common refinement of their cells, exactly as piecewise-affine maps
    (:func:`~exactid.identifiability.decoders_2d.decoders_match_2d`), under each prior map of
    :func:`~exactid.identifiability.prior_maps.prior_maps`.  When the prior maps form a
    continuum, only its listed representatives are tried (a decoder map elsewhere in the
    continuum is not searched for).

    Parameters
    ----------
    model_a, model_b : LatentModel
        Models with ``m = 1`` or ``m = 2``; ``model_a = (f, P)``, ``model_b = (g, P')``.
    atol : float
        Tolerance passed to the prior and decoder comparisons (``0``: exact decisions, with
        the float parameters taken as the rationals they are); the noise levels must agree
        within ``atol * (1 + sigma)``.

    Returns
    -------
    Equivalence
        For ``m = 2``, ``maps`` holds :class:`~exactid.identifiability.prior_maps.AffineMap`
        objects and ``map`` the first one under which the decoders match.

    Raises
    ------
    NotImplementedError
        If ``m > 2``.
    """
    check_instance(model_a, "model_a", LatentModel)
    check_instance(model_b, "model_b", LatentModel)
    atol = check_real(atol, "atol", nonnegative=True)
    sigma_a, sigma_b = model_a.noise_std, model_b.noise_std
    same_noise = abs(sigma_a - sigma_b) <= atol * (1.0 + max(sigma_a, sigma_b))
    if model_a.latent_dim == model_b.latent_dim == 2:
        found_maps = prior_maps(model_a.prior, model_b.prior, atol).maps
        found = None
        if found_maps and model_a.observed_dim == model_b.observed_dim:
            found, _ = models_equivalent_2d(model_a, model_b, found_maps, atol)
        return Equivalence(priors=bool(found_maps), full=found is not None and same_noise,
                           maps=tuple(found_maps), map=found)
    # Otherwise the decoders are compared as 1-D functions: models need m = 1.
    if max(model_a.latent_dim, model_b.latent_dim) > 2:
        raise NotImplementedError(
            f"models_equivalent: latent dimensions {model_a.latent_dim} and "
            f"{model_b.latent_dim}; m in {{1, 2}} is supported (the priors alone: "
            "affine_maps, m <= 3)")
    check_1d_prior(model_a.prior, "prior_a")
    check_1d_prior(model_b.prior, "prior_b")
    maps = affine_maps(model_a.prior, model_b.prior, atol)
    check_1d_input(model_a.net, "model_a.net")
    check_1d_input(model_b.net, "model_b.net")
    found = None
    for s, u in maps:
        # model.pieces is cached on the (immutable) model, so trying many maps is cheap.
        if _functions_match(model_a.net, model_a.pieces, model_b.net, model_b.pieces, s, u,
                            atol):
            found = (s, u)
            break
    return Equivalence(priors=bool(maps), full=found is not None and same_noise,
                       maps=tuple(maps), map=found)
