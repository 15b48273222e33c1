r"""The assertion that a truth is the unique global minimizer of the population NLL up to
equivalence (paper 003, Theorem 3.2, J.3.1): :func:`assert_unique_global_minimizer`.

It wraps the exhaustive :func:`exactid.grid_search` with ``reference=truth`` over a grid of
1-D models (a :class:`~exactid.Family`: GMM prior, one hidden layer, no output bias).  The
J.3.1 grid has 29 million points; a property test needs a grid that takes milliseconds, so by
default the search runs over :func:`default_family`, a small grid built around the truth.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..models import LatentModel
from ..search import DEFAULT_TOL, Family, FamilyPoint, grid_search
from ..validation import check_instance
from .common import CheckResult, fail

__all__ = ["assert_unique_global_minimizer", "default_family", "SEARCH_OPTIONS",
           "MAX_WEIGHT_STEPS", "NEIGHBOUR_STEPS"]

#: Keyword arguments passed on to :func:`exactid.grid_search`.
SEARCH_OPTIONS = ("canonical", "progress", "crosscheck", "keep", "equivalence_atol",
                  "max_minimizers")
#: Largest denominator of the truth's weights for :func:`default_family` (its simplex step).
MAX_WEIGHT_STEPS = 12
#: Neighbours of :func:`default_family`: the grid spacings of the J.3.1 family (means 1,
#: alpha, beta, pi 0.5) and a factor 2 on the variances.
NEIGHBOUR_STEPS = {"means": 1.0, "alphas": 0.5, "betas": 0.5, "biases": 0.5}
#: Non-equivalent minimizers listed in a failure message.
_SHOWN = 5


def _point_of(truth) -> FamilyPoint:
    """``truth`` as a :class:`FamilyPoint` (a LatentModel of the family's form converted)."""
    check_instance(truth, "truth", (FamilyPoint, LatentModel), "a FamilyPoint or LatentModel")
    if isinstance(truth, FamilyPoint):
        return truth
    if truth.latent_dim != 1 or truth.observed_dim != 1:
        raise NotImplementedError(f"truth: the grid search covers m = n = 1 models, found "
                                  f"(m, n) = ({truth.latent_dim}, {truth.observed_dim})")
    net = truth.net
    if net.n_layers != 2 or np.any(net.biases[1] != 0):
        raise ValueError(f"truth: expected a decoder with one hidden layer and no output bias "
                         f"(the J.3.1 family), found {net.n_layers} layers and output bias "
                         f"{net.biases[-1].tolist()}")
    prior = truth.prior
    return FamilyPoint(tuple(map(float, prior.weights)), tuple(map(float, prior.means[:, 0])),
                       tuple(map(float, prior.variances)), tuple(map(float, net.weights[1][0])),
                       tuple(map(float, net.weights[0][:, 0])), tuple(map(float, net.biases[0])),
                       float(truth.noise_std), float(net.negative_slope))


def _weight_steps(weights) -> int:
    """The smallest ``d <= MAX_WEIGHT_STEPS`` with every weight a multiple of ``1 / d``."""
    for d in range(1, MAX_WEIGHT_STEPS + 1):
        if all(abs(w * d - round(w * d)) <= 1e-9 for w in weights):
            return d
    fractions = [str(Fraction(w).limit_denominator(10**6)) for w in weights]
    raise ValueError(f"truth: expected weights that are multiples of 1/d for some d <= "
                     f"{MAX_WEIGHT_STEPS} (a simplex grid), found {fractions}; pass a family")


def _around(values, step: float) -> tuple:
    return tuple(sorted({float(v + d) for v in values for d in (-step, 0.0, step)}))


def default_family(truth) -> Family:
    r"""The small grid searched by :func:`assert_unique_global_minimizer` when no family is
    given: the truth's own values and their neighbours on every axis.

    * ``n_components``, ``n_hidden``: the truth's J and H;
    * weights: the simplex grid of step ``1 / d``, d the smallest denominator
      (``<= MAX_WEIGHT_STEPS``) of the truth's weights;
    * means: each truth mean and the mean ``+- 1``; variances: each truth variance ``v``,
      ``v / 2`` and ``2 v``;
    * alphas, betas, biases: each truth value and the value ``+- 0.5`` (the J.3.1 spacings,
      :data:`NEIGHBOUR_STEPS`);
    * noise: the truth's sigma only, and the truth's negative slope (fixed, as in J.3.1).

    For J = 2, H = 1 that is at most 6 means x 6 variances and 27 decoders, a few thousand
    grid points after symmetry reduction (milliseconds once the kernels are compiled); the
    cost grows like ``(27^H / H!) (36^J / J!)``, so keep J, H <= 2.

    Parameters
    ----------
    truth : FamilyPoint or LatentModel
        A 1-D model with a one-hidden-layer decoder without output bias.

    Returns
    -------
    Family
        A grid that contains the truth.
    """
    p = _point_of(truth)
    variances = sorted({float(v * f) for v in p.variances for f in (0.5, 1.0, 2.0)})
    return Family(n_components=len(p.weights), n_hidden=len(p.alpha),
                  weight_steps=_weight_steps(p.weights),
                  means=_around(p.means, NEIGHBOUR_STEPS["means"]), variances=variances,
                  alphas=_around(p.alpha, NEIGHBOUR_STEPS["alphas"]),
                  betas=_around(p.beta, NEIGHBOUR_STEPS["betas"]),
                  biases=_around(p.pi, NEIGHBOUR_STEPS["biases"]), noise_stds=(p.noise_std,),
                  negative_slope=p.negative_slope)


def _gap_line(result) -> str:
    if result.gap_to_nonequivalent is None:
        return "no non-equivalent grid point was located"
    rel = ">=" if result.gap_is_lower_bound else "="
    best = result.best_nonequivalent
    return (f"gap to the best non-equivalent point {rel} {result.gap_to_nonequivalent:.6g}"
            + (f" ({best.point})" if best is not None else ""))


def _checked(truth, family, search_kwargs) -> tuple[FamilyPoint, Family]:
    point = _point_of(truth)
    unknown = sorted(set(search_kwargs) - set(SEARCH_OPTIONS))
    if unknown:
        raise ValueError(f"search_kwargs: expected options of grid_search "
                         f"({', '.join(SEARCH_OPTIONS)}), found {unknown}")
    if family is None:
        return point, default_family(point)
    check_instance(family, "family", Family)
    try:
        family.canonical(point)
    except ValueError as err:
        raise ValueError(f"truth: expected a point of the family's grid, found one that is "
                         f"not ({err})") from None
    return point, family


def assert_unique_global_minimizer(truth, *, family: Family | None = None,
                                   tol: float = DEFAULT_TOL, **search_kwargs) -> CheckResult:
    r"""Assert that every global minimizer of the population NLL :math:`H(p_{truth}, q)` over
    a grid of 1-D models is equivalent to the truth (paper 003, Theorem 3.2; J.3.1).

    The truth lies on the grid, so it attains the minimum :math:`H(p_{truth})`; the assertion
    is that nothing else does, up to equivalence (:func:`exactid.models_equivalent`).  A grid
    point within ``tol`` of the minimum counts as a global minimizer.

    Parameters
    ----------
    truth : FamilyPoint or LatentModel
        The ground truth, on the grid of ``family``; a LatentModel must be 1-D with a
        one-hidden-layer decoder without output bias.
    family : Family, optional
        The grid searched.  Default: :func:`default_family` of the truth (its own parameter
        values and their neighbours on every axis; see there exactly what is searched).
    tol : float
        Objective tolerance defining the global minimizers (:func:`exactid.grid_search`).
    **search_kwargs
        Further options of :func:`exactid.grid_search`: ``canonical``, ``progress``,
        ``crosscheck``, ``keep``, ``equivalence_atol``, ``max_minimizers``.

    Returns
    -------
    CheckResult
        ``report``: the :class:`~exactid.SearchResult` (minimizers, gap to the best
        non-equivalent point).

    Raises
    ------
    AssertionError
        If some global minimizer is not equivalent to the truth (each is listed with its
        objective and its distance to the minimum, at most five), or the error estimates of
        the search leave the minimizer set undecided (``certified`` False).
    ValueError
        On a bad argument, a truth not on the family's grid, or an unknown option.
    NotImplementedError
        If the truth is not a 1-D model.

    Examples
    --------
    >>> truth = FamilyPoint((0.5, 0.5), (-1.0, 1.0), (0.25, 0.25), (1.0,), (1.0,), (0.0,),
    ...                     0.25)
    >>> len(assert_unique_global_minimizer(truth).report.minimizers)
    1
    """
    point, family = _checked(truth, family, search_kwargs)
    result = grid_search(family, point, tol=tol, **search_kwargs)
    n = len(result.minimizers)
    head = (f"{n} global minimizer(s) within tol = {tol:g} of the minimum "
            f"{result.minimum:.12g}, over {result.n_grid_points:,} grid points "
            f"({result.n_evaluated:,} evaluated)")
    if not result.certified:
        fail("assert_unique_global_minimizer: undecided, the error estimates of the search "
             "straddle the minimum + tol boundary (not certified)", [head, result.summary()])
    bad = [(c, prior) for c, (prior, full) in zip(result.minimizers, result.equivalence)
           if not full]
    if bad:
        lines = [head, f"truth: {point}"]
        for cand, prior in bad[:_SHOWN]:
            lines.append(f"non-equivalent minimizer (objective {cand.objective:.12g}, "
                         f"{cand.objective - result.minimum:+.3g} from the minimum, priors "
                         f"{'equivalent' if prior else 'not equivalent'}): {cand.point}")
        if len(bad) > _SHOWN:
            lines.append(f"... and {len(bad) - _SHOWN} more")
        lines.append(_gap_line(result))
        fail(f"assert_unique_global_minimizer: {len(bad)} of {n} global minimizers are not "
             "equivalent to the truth", lines)
    text = f"{head}; all equivalent to the truth; {_gap_line(result)}"
    return CheckResult("grid_search (exhaustive, population NLL)", text, result)
