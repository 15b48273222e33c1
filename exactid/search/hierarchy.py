r"""The identifiability hierarchy of paper 003 (Table 1) checked in two latent dimensions.

For each truth (:mod:`~exactid.search.hierarchy_cases`), the study

1. classifies the truth: (F2), (F3), (F4) of its decoder
   (:func:`~exactid.identifiability.check_injectivity`, linear programs on the exact cells) and
   (P2) of its prior (:func:`~exactid.identifiability.check_p2`, exact);
2. searches its neighbourhood grid exhaustively: every grid point's population NLL
   :math:`-\int p^*(x) \log p_\theta(x)\,dx` is computed with the exact 2-D density on one
   cubature rule fitted to the truth (:func:`~exactid.divergence.xrule_2d`); the global
   minimizers are the points within ``tol`` of the smallest value;
3. certifies each minimizer's law (KL in both directions with an error bound,
   :func:`~exactid.identifiability.same_distribution`) and classifies it relative to the truth:
   the most specific affine relation between the priors
   (:func:`~exactid.identifiability.prior_maps`: identity, permutation,
   permutation-scaling-translation, affine, or none) and full model equivalence
   (:func:`~exactid.identifiability.models_equivalent`, decoders compared on their regions);
4. checks each level of Table 1 that applies, on the minimizers in the theorem's model class:

   * (a) truth (F2): every same-law minimizer whose decoder is (F2) has a prior that is an
     affine image of the truth's (Theorem 3.2(a));
   * (b) truth (F2) and (P2): every such minimizer whose prior is also (P2) is a
     permutation-scaling-translation image (Theorem 3.2(b), through Theorem E.1);
   * (c) truth (F4): every same-law minimizer whose decoder is (F4) is equivalent as a model,
     decoder included (Theorem 3.2(c)).

A record that contradicts a theorem sets ``contradiction`` and is printed as such, never hidden.
So is a constructed case whose known outcome is not found (``expectation_met`` False).
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from ..density import log_pdf
from ..divergence.cubature_2d import xrule_2d
from ..identifiability import (
    check_injectivity,
    check_p2,
    models_equivalent,
    prior_maps,
    same_distribution,
)
from ..models import LatentModel
from ..progress import progress_bar
from .family_2d import Grid2D, apply_point
from .hierarchy_cases import Case2D, constructed_cases, draw_case

__all__ = ["classify_model", "search_rule", "SearchRule", "search_case", "hierarchy_record",
           "format_table", "slice_values", "study_cases", "verdict", "grid_size",
           "table1_checks", "LEVELS", "DEFAULT_TOL", "RULE_TOL", "LAW_TOL", "QUICK_MODELS",
           "DEFAULT_MODELS"]

#: Objective tolerance (nats) defining the global minimizers: models with the truth's law tie
#: to about 1e-12 on the same nodes (the density's accuracy), and a grid step moves the NLL by
#: many orders of magnitude more (the records report this gap).
DEFAULT_TOL = 1e-8
#: Cubature tolerance of the rule fitted to the truth.
RULE_TOL = 1e-6
#: KL threshold (nats, each direction) certifying that a minimizer has the truth's law.
LAW_TOL = 1e-6
#: Prior levels from the most specific to none; ``None`` means no affine relation.
LEVELS = ("identity", "permutation", "permutation_scaling_translation", "affine", None)
_PST_OR_BETTER = LEVELS[:3]
#: Random truths in the quick study and in the default one.
QUICK_MODELS = 2
DEFAULT_MODELS = 8


def classify_model(model: LatentModel) -> dict:
    """(F2), (F3), (F4) of the decoder and (P2) of the prior of a 2-D model.

    Returns
    -------
    dict
        ``{"F2": bool, "F3": bool, "F4": bool, "P2": bool, "P2_reason": str}``.
    """
    report = check_injectivity(model.net, progress=False)
    p2 = check_p2(model.prior)
    return {**report.verdicts(), "P2": p2.holds, "P2_reason": p2.reason}


class SearchRule(NamedTuple):
    """The Gauss nodes of the truth's cubature rule, on which the grid is searched."""

    nodes: np.ndarray
    weights: np.ndarray
    density: np.ndarray


def search_rule(rule) -> SearchRule:
    """The embedded Gauss rule of an :class:`~exactid.divergence.cubature_2d.XRule2D`.

    The search needs the *ranking* of the grid points, not their objectives to the rule's
    tolerance: models with the truth's law get the same value on any fixed nodes (up to the
    density's accuracy, about 1e-12 here), and a grid step changes the NLL by far more than
    the Gauss rule's error (each record reports the gap).  The minimizers' laws are then
    certified separately.  The Gauss nodes are 49 of each square's 225, so a grid point costs
    about a fifth of an evaluation on the full rule.
    """
    keep = rule.low_weights != 0
    return SearchRule(rule.nodes[keep], rule.low_weights[keep], np.exp(rule.log_p[keep]))


def _objective(rule: SearchRule, model: LatentModel) -> float:
    """The population NLL -int p* log q on the search nodes."""
    log_q = log_pdf(model, rule.nodes)
    return float(-(rule.weights * rule.density) @ log_q)


def search_case(case: Case2D, rule: SearchRule, *, progress=None) -> list[dict]:
    """The population NLL at every point of the case's grid.

    Parameters
    ----------
    case : Case2D
    rule : SearchRule
        From :func:`search_rule` of the cubature rule fitted to ``case.truth``.
    progress : bool or None
        Progress bar on stderr (None: only on a terminal).

    Returns
    -------
    list of dict
        One entry per valid grid point, ``{"point", "objective"}``, sorted by objective;
        invalid points (a covariance no longer positive definite, a weight out of [0, 1])
        are left out.
    """
    grid = Grid2D(case.truth, case.axes)
    out = []
    with progress_bar(total=grid.size, desc=f"search {case.name}", unit="pt",
                      progress=progress) as bar:
        for point in grid.points():
            bar.update(1)
            try:
                model = apply_point(case.truth, point)
            except ValueError:
                continue  # outside the model class (documented: left out)
            out.append({"point": point, "objective": _objective(rule, model)})
    out.sort(key=lambda entry: entry["objective"])
    return out


def _relation(truth: LatentModel, model: LatentModel, classes: dict) -> dict:
    """How a minimizer relates to the truth: prior level, model equivalence, law, class.

    The law is the truth's when the models are equivalent (Remark 3.7: exact, from the
    parameters); otherwise it is decided by the KL divergences in both directions with their
    error bounds (:func:`~exactid.identifiability.same_distribution`).
    """
    maps = prior_maps(truth.prior, model.prior)
    equivalent = bool(models_equivalent(truth, model))
    if equivalent:
        law = {"same_law": True, "law_by": "model equivalence (Remark 3.7)"}
    else:
        check = same_distribution(truth, model, tol=LAW_TOL)
        law = {"same_law": check.same, "law_by": "KL both ways",
               "kl": [check.kl_ab, check.kl_ba], "kl_error": [check.error_ab, check.error_ba]}
    key = (model.net.weights[0].tobytes(), model.net.biases[0].tobytes(),
           model.net.weights[-1].tobytes(), model.prior.covs.tobytes())
    if key not in classes:
        classes[key] = classify_model(model)
    cls = classes[key]
    return {**law, "prior_level": maps.closest_kind, "prior_maps_exact": maps.exact,
            "model_equivalent": equivalent, "F2": cls["F2"], "F4": cls["F4"], "P2": cls["P2"]}


def table1_checks(truth_class: dict, minimizers: list[dict]) -> dict:
    """The Table 1 predictions that apply, each True (holds), False (contradicted) or None."""
    same = [m for m in minimizers if m["same_law"]]
    out = {"a": None, "b": None, "c": None}
    if truth_class["F2"]:
        in_class = [m for m in same if m["F2"]]
        out["a"] = all(m["prior_level"] is not None for m in in_class)
        if truth_class["P2"]:
            in_class_p2 = [m for m in in_class if m["P2"]]
            out["b"] = all(m["prior_level"] in _PST_OR_BETTER for m in in_class_p2)
    if truth_class["F4"]:
        out["c"] = all(m["model_equivalent"] for m in same if m["F4"])
    return out


def _expectation(case: Case2D, minimizers: list[dict]) -> bool | None:
    """Whether a constructed case's known outcome was found (None for random truths)."""
    if not case.expect:
        return None
    levels = {m["prior_level"] for m in minimizers if m["same_law"]}
    nonequivalent = any(m["same_law"] and not m["model_equivalent"] for m in minimizers)
    return (all(level in levels for level in case.expect["levels"])
            and nonequivalent == case.expect["nonequivalent_same_law"])


def hierarchy_record(case: Case2D, *, tol: float = DEFAULT_TOL, progress=None) -> dict:
    """Classify, search and check one truth (see the module docstring).

    Parameters
    ----------
    case : Case2D
    tol : float
        Objective tolerance (nats) defining the global minimizers, in ``(0, 1e-3]``.
    progress : bool or None
        Progress bars on stderr (None: only on a terminal).

    Returns
    -------
    dict
        ``name``, ``description``, ``truth_class`` (F2, F3, F4, P2), ``n_grid_points``,
        ``n_valid``, ``rule_nodes``, ``min_objective`` (on the search nodes), ``entropy`` and
        ``entropy_error`` (the truth's NLL on the full rule, with its bound), ``gap`` (best
        non-minimizer minus the minimum, or None), ``minimizers`` (each with its point, its
        objective and :func:`_relation`), ``levels`` (count of each prior level among the
        same-law minimizers), ``table1`` (predictions a, b, c), ``contradiction``,
        ``uncertified`` (minimizers whose law was not certified equal), ``expectation_met``,
        ``elapsed``.
    """
    if not 0 < tol <= 1e-3:
        raise ValueError(f"tol: expected a number in (0, 1e-3], found {tol!r}")
    start = time.perf_counter()
    truth_class = classify_model(case.truth)
    rule = xrule_2d(case.truth, tol=RULE_TOL)
    entries = search_case(case, search_rule(rule), progress=progress)
    if not entries:
        raise ValueError(f"axes: no point of the grid of {case.name!r} is a valid model "
                         "(every covariance or weight left its domain)")
    best = entries[0]["objective"]
    minimizers, classes = [], {}
    for entry in entries:
        if entry["objective"] > best + tol:
            break
        model = apply_point(case.truth, entry["point"])
        minimizers.append({**entry, **_relation(case.truth, model, classes)})
    rest = entries[len(minimizers):]
    table1 = table1_checks(truth_class, minimizers)
    levels: dict = {}
    for m in minimizers:
        if m["same_law"]:
            levels[m["prior_level"]] = levels.get(m["prior_level"], 0) + 1
    return {
        "name": case.name, "description": case.description, "truth_class": truth_class,
        "n_grid_points": Grid2D(case.truth, case.axes).size, "n_valid": len(entries),
        "rule_nodes": int(rule.nodes.shape[0]), "min_objective": best,
        "entropy": rule.entropy, "entropy_error": rule.entropy_error,
        "gap": rest[0]["objective"] - best if rest else None,
        "minimizers": minimizers, "levels": {str(k): v for k, v in levels.items()},
        "table1": table1, "contradiction": any(v is False for v in table1.values()),
        "uncertified": sum(not m["same_law"] for m in minimizers),
        "expectation_met": _expectation(case, minimizers),
        "elapsed": time.perf_counter() - start,
    }


def grid_size(case: Case2D) -> int:
    """Number of grid points of a case (checked against the bounds before any work)."""
    return Grid2D(case.truth, case.axes).size


def _prediction(cls: dict) -> str:
    if cls["F4"]:
        return "f and P up to PST" if cls["P2"] else "f and P up to affine"
    if cls["F2"]:
        return "P up to PST" if cls["P2"] else "P up to affine"
    return "nothing (not F2)"


def verdict(record: dict) -> str:
    """One word on a record: consistent, or what went wrong."""
    if record["contradiction"]:
        return "CONTRADICTION"
    if record["uncertified"]:
        return "minimizer law not certified"
    if record["expectation_met"] is False:
        return "EXPECTED OUTCOME NOT FOUND"
    return "consistent"


_LEVEL_SHORT = {"identity": "id", "permutation": "perm",
                "permutation_scaling_translation": "PST", "affine": "aff", "None": "none"}


def format_table(records: list[dict]) -> str:
    """The study table: truth, (F2)/(F3)/(F4), (P2), grid points, global minimizers, the gap
    (nats) from the minimum to the best other grid point, the prior levels of the minimizers
    relative to the truth, the Table 1 prediction, and the verdict."""
    def yn(v):
        return "?" if v is None else ("y" if v else "n")

    lines = [f"{'truth':<11} {'F2':>2} {'F3':>2} {'F4':>2} {'P2':>2} {'grid':>5} "
             f"{'min':>3} {'gap':>7}  {'levels of the minimizers':<26} "
             f"{'Table 1 prediction':<21} verdict"]
    for r in records:
        c = r["truth_class"]
        gap = "-" if r["gap"] is None else f"{r['gap']:.1e}"
        levels = ", ".join(f"{_LEVEL_SHORT[k]} {v}" for k, v in sorted(
            r["levels"].items(), key=lambda kv: LEVELS.index(None if kv[0] == "None"
                                                             else kv[0])))
        lines.append(
            f"{r['name']:<11} {yn(c['F2']):>2} {yn(c['F3']):>2} {yn(c['F4']):>2} "
            f"{yn(c['P2']):>2} {r['n_grid_points']:>5} {len(r['minimizers']):>3} "
            f"{gap:>7}  {levels:<26} {_prediction(c):<21} {verdict(r)}")
    return "\n".join(lines)


def slice_values(truth: LatentModel, rule: SearchRule, name: str, values) -> np.ndarray:
    """The population NLL along one parameter through the truth, shape (len(values),), on the
    search nodes of :func:`search_rule`.

    Values that leave the model class (e.g. a covariance that is no longer positive
    definite) give NaN.
    """
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        try:
            model = apply_point(truth, {name: float(v)})
        except ValueError:
            continue
        out[i] = _objective(rule, model)
    return out


def study_cases(*, quick: bool = False, models: int | None = None, seed: int = 0,
                k: int | None = None) -> list[Case2D]:
    """The cases of a study: the constructed ones, then ``models`` random truths.

    Parameters
    ----------
    quick : bool
        The quick study: :data:`QUICK_MODELS` random truths with ``k = 1`` and the constructed
        cases with fewer grid values (default: :data:`DEFAULT_MODELS` truths, ``k = 3``).
    models : int, optional
        Number of random truths, seeds ``seed, seed + 1, ...``.
    seed : int
        Seed of the first random truth.
    k : int, optional
        Scalar axes of each random truth's grid.

    Returns
    -------
    list of Case2D
    """
    n = (QUICK_MODELS if quick else DEFAULT_MODELS) if models is None else models
    k = (1 if quick else 3) if k is None else k
    if n < 0 or k < 0:
        raise ValueError(f"models and k: expected integers >= 0, found {n} and {k}")
    return constructed_cases(quick=quick) + [draw_case(seed + i, k=k) for i in range(n)]
