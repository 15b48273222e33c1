r"""Assertions of equivalence (paper 003, Definition 2.1.2 and Remark 3.7):
:func:`assert_equivalent` for models (``m`` in {1, 2}), :func:`assert_prior_equivalent` for
priors alone (``m <= 3``).

``up_to`` names the least specific kind of map accepted, in the order of Table 1 of paper 003:
``"identity"`` < ``"permutation"`` < ``"permutation_scaling"`` (a permutation matrix times an
invertible diagonal, signs allowed, any translation) < ``"affine"``; a more specific map
always qualifies.  Kinds come from :func:`exactid.identifiability.classify_affine`; in 1-D
every map :math:`h(z) = s z + u` is the identity (``s = 1, u = 0``) or a scaling-translation.

The decisions are those of :func:`exactid.models_equivalent` and
:func:`exactid.prior_maps` (exact where their docstrings say so); on failure every prior map
found is listed with the reason it failed: a kind too general, or a point where the decoders
differ.
"""

from __future__ import annotations

import numpy as np

from ..identifiability import (
    classify_affine,
    decoders_match,
    models_equivalent,
    prior_maps,
)
from ..identifiability.decoders_2d import models_equivalent_2d
from ..identifiability.prior_maps import KINDS, MAX_DIM
from ..models import GaussianMixture
from ..validation import check_instance
from .common import CheckResult, check_atol, check_choice, check_model, fail, fmt_map, fmt_vector

__all__ = ["assert_equivalent", "assert_prior_equivalent", "UP_TO"]

#: Accepted values of ``up_to``, most specific first, and the kind each stands for.
UP_TO = {"identity": "identity", "permutation": "permutation",
         "permutation_scaling": "permutation_scaling_translation", "affine": "affine"}


def _accepts(kind: str, up_to: str) -> bool:
    return KINDS.index(kind) <= KINDS.index(UP_TO[up_to])


def _scale(prior: GaussianMixture) -> float:
    """The length scale ``max(max|mu|, max sd)`` of ``prior`` (that of ``prior_maps``)."""
    sd = np.sqrt(np.diagonal(prior.covs, axis1=1, axis2=2).max())
    return float(max(np.abs(prior.means).max(), sd))


def _kind_1d(h: tuple, scale: float, atol: float) -> str:
    s, u = h
    return classify_affine([[s]], [u], atol, scale=scale)


def _witness_1d(model1, model2, h: tuple) -> str:
    """The largest decoder difference among the points where two piecewise-linear functions
    are compared (breakpoints of both, z = 0, h(z) = 0, one point beyond each end)."""
    s, u = h
    z = np.concatenate([model1.pieces.breakpoints, (model2.pieces.breakpoints - u) / s,
                        [0.0, -u / s]])
    z = z[np.isfinite(z)]
    z = np.concatenate([z, [z.min() - 1.0, z.max() + 1.0]])
    f1, f2 = model1.net(z), model2.net(s * z + u)
    k = int(np.argmax(np.abs(f1 - f2).max(axis=1)))
    return (f"decoders differ: at z = {z[k]:.6g}, f1(z) = {fmt_vector(f1[k])}, "
            f"f2(h(z)) = {fmt_vector(f2[k])}")


def _tries_1d(model1, model2, report, atol: float) -> list[tuple]:
    """(map, kind, decoders match, reason) for every prior map of a 1-D pair."""
    scale = _scale(model2.prior)
    if model1.observed_dim != model2.observed_dim:
        return [(h, _kind_1d(h, scale, atol), False, "observed dimensions differ")
                for h in report.maps]
    out = []
    for h in report.maps:
        kind = _kind_1d(h, scale, atol)
        match = h == report.map or decoders_match(model1.net, model2.net, h[0], h[1], atol)
        out.append((h, kind, match, "decoders match" if match
                    else _witness_1d(model1, model2, h)))
    return out


def _tries_2d(model1, model2, report, atol: float) -> list[tuple]:
    """(map, kind, decoders match, reason) for every prior map of a 2-D pair, in the order
    ``models_equivalent`` tries them (most specific first, up to the first match)."""
    if model1.observed_dim != model2.observed_dim:
        return [(h, h.kind, False, "observed dimensions differ") for h in report.maps]
    # The models' cells are cached on them, so repeating the comparisons costs one clipping
    # pass per map.
    _, comparisons = models_equivalent_2d(model1, model2, report.maps, atol)
    out = []
    for k, h in enumerate(report.maps):
        if k >= len(comparisons):
            out.append((h, h.kind, None, "not tried: a more specific map already matched"))
        elif comparisons[k].match:
            out.append((h, h.kind, True, "decoders match"))
        else:
            z, f1, f2 = comparisons[k].witness.arrays()
            out.append((h, h.kind, False, f"decoders differ: at z = {fmt_vector(z)}, f1(z) = "
                                          f"{fmt_vector(f1)}, f2(h(z)) = {fmt_vector(f2)}"))
    return out


def _noise_line(model1, model2, same_noise: bool) -> str:
    sigma1, sigma2 = model1.noise_std, model2.noise_std
    return (f"noise levels equal (sigma = {sigma1:g})" if same_noise else
            f"noise levels differ: sigma1 = {sigma1:.6g}, sigma2 = {sigma2:.6g} "
            "(Definition 2.1.2 needs equal noise)")


def assert_equivalent(model1, model2, *, up_to: str = "affine",
                      atol: float = 1e-9) -> CheckResult:
    r"""Assert that two models are equivalent: :math:`P_2 = h_\# P_1`,
    :math:`f_2 = f_1 \circ h^{-1}` and equal noise, for some invertible affine h of the kind
    ``up_to`` or a more specific one (paper 003, Definition 2.1.2; Remark 3.7: then the
    laws of x are equal).

    Parameters
    ----------
    model1, model2 : LatentModel
        Models with the same latent dimension ``m`` in {1, 2}.
    up_to : {"identity", "permutation", "permutation_scaling", "affine"}
        The least specific kind of map accepted (see the module docstring).
    atol : float
        Tolerance ``>= 0`` of :func:`exactid.models_equivalent` (0: exact decisions) and of
        the kinds (:func:`exactid.identifiability.classify_affine`).

    Returns
    -------
    CheckResult
        ``report``: the :class:`~exactid.Equivalence`; ``kind`` and ``map``: the most specific
        map under which the decoders match.

    Raises
    ------
    AssertionError
        If no prior map of an accepted kind makes the decoders match, or the noise levels
        differ; the message lists every prior map found, its kind, and why it failed (a point
        where the decoders differ).
    ValueError
        On a bad argument or different latent dimensions.
    NotImplementedError
        If ``m > 2``.

    Examples
    --------
    >>> from exactid.counterexamples import remark_3_7
    >>> _, a, b = remark_3_7().pairs[0]           # b = a reparametrised by h(z) = -2 z + 0.5
    >>> assert_equivalent(a, b, up_to="permutation_scaling").kind
    'permutation_scaling_translation'
    """
    check_model(model1, "model1")
    check_model(model2, "model2")
    up_to = check_choice(up_to, "up_to", tuple(UP_TO))
    atol = check_atol(atol)
    m1, m2 = model1.latent_dim, model2.latent_dim
    if max(m1, m2) > 2:
        raise NotImplementedError(f"models_equivalent supports latent dimension m in {{1, 2}}, "
                                  f"found m = {m1} for model1 and m = {m2} for model2 (priors "
                                  "alone: assert_prior_equivalent, m <= 3)")
    if m2 != m1:
        raise ValueError(f"model2: expected latent dimension m = {m1} (that of model1), found "
                         f"m = {m2}")
    report = models_equivalent(model1, model2, atol=atol)
    sigma1, sigma2 = model1.noise_std, model2.noise_std
    # The noise test of models_equivalent, repeated so that the message can state it.
    same_noise = abs(sigma1 - sigma2) <= atol * (1.0 + max(sigma1, sigma2))
    tries = (_tries_1d if m1 == 1 else _tries_2d)(model1, model2, report, atol)
    good = [t for t in tries if t[2] and _accepts(t[1], up_to)]
    if good and same_noise:
        h, kind = min(good, key=lambda t: KINDS.index(t[1]))[:2]
        text = (f"equivalent up to {kind} (requested up_to={up_to!r}): {fmt_map(h)}, "
                f"decoders match; {_noise_line(model1, model2, True)}")
        return CheckResult("models_equivalent (Definition 2.1.2)", text, report, kind, h)
    lines = [_noise_line(model1, model2, same_noise)]
    if not report.maps:
        lines.append("no affine map pushes model1.prior onto model2.prior (the laws of x may "
                     "still be equal, e.g. Remark 3.6: see assert_same_law)")
    for h, kind, match, reason in tries:
        if match and not _accepts(kind, up_to):
            reason = f"decoders match, but the kind is more general than up_to={up_to!r}"
        lines.append(f"{fmt_map(h)} [{kind}]: {reason}")
    fail(f"assert_equivalent: model1 and model2 are not equivalent up to {up_to!r} "
         f"({len(report.maps)} prior map(s) found)", lines)


def _check_priors(prior1, prior2) -> None:
    check_instance(prior1, "prior1", GaussianMixture)
    check_instance(prior2, "prior2", GaussianMixture)
    for name, prior in (("prior1", prior1), ("prior2", prior2)):
        if prior.dim > MAX_DIM:
            raise NotImplementedError(f"{name}: affine maps between priors are implemented for "
                                      f"m <= {MAX_DIM}, found m = {prior.dim}")
    if prior2.dim != prior1.dim:
        raise ValueError(f"prior2: expected dimension m = {prior1.dim} (that of prior1), found "
                         f"m = {prior2.dim}")


def assert_prior_equivalent(prior1, prior2, *, up_to: str = "affine",
                            atol: float = 1e-9) -> CheckResult:
    r"""Assert that some invertible affine h of the kind ``up_to`` (or a more specific one)
    has :math:`h_\# P_1 = P_2` (:func:`exactid.prior_maps`, ``m <= 3``, continua included).

    Parameters
    ----------
    prior1, prior2 : GaussianMixture
        Mixtures of the same dimension ``m <= 3``.
    up_to : {"identity", "permutation", "permutation_scaling", "affine"}
        The least specific kind of map accepted (see the module docstring).
    atol : float
        Tolerance ``>= 0`` of :func:`exactid.prior_maps` (which also verifies each map in exact
        arithmetic).

    Returns
    -------
    CheckResult
        ``report``: the :class:`~exactid.identifiability.PriorMaps`; ``kind``: the most
        specific kind found (``closest_kind``); ``map``: a map of that kind.

    Raises
    ------
    AssertionError
        If no map of an accepted kind exists; the message lists the maps found and their kinds.
    ValueError
        On a bad argument or different dimensions.
    NotImplementedError
        If ``m > 3``.

    Examples
    --------
    >>> P = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    >>> assert_prior_equivalent(P, P, up_to="identity").kind
    'identity'
    """
    _check_priors(prior1, prior2)
    up_to = check_choice(up_to, "up_to", tuple(UP_TO))
    atol = check_atol(atol)
    report = prior_maps(prior1, prior2, atol)
    kind = report.closest_kind
    if kind is not None and _accepts(kind, up_to):
        h = next(h for h in report.maps if h.kind == kind)
        text = (f"prior2 = h#prior1 with h of kind {kind} (requested up_to={up_to!r}): "
                f"{fmt_map(h)}" + (" (verified exactly)" if h.exact else ""))
        return CheckResult(f"prior_maps: {report.method}", text, report, kind, h)
    lines = [f"method: {report.method}"]
    if kind is None:
        lines.append("no affine map pushes prior1 onto prior2")
    else:
        lines.append(f"the most specific map found is of kind {kind!r}, more general than "
                     f"up_to={up_to!r}")
    lines += [f"{fmt_map(h)} [{h.kind}]" + (f", a continuum of dimension {h.free_dim}"
                                            if h.free_dim else "") for h in report.maps]
    fail(f"assert_prior_equivalent: prior1 and prior2 are not equivalent up to {up_to!r} "
         f"({len(report.maps)} map(s) found)", lines)
