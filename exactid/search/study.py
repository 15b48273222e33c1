"""The J.3.1 study: random models, exhaustive search, and a check against the theory.

For each model (seeded): draw a ground truth uniformly from the grid of a :class:`Family` (as in
paper 003, Appendix J.3.1, steps 1-4, so zero weights, dead units and non-injective decoders
occur naturally), classify its decoder for (F2)/(F3)/(F4), search the whole grid for the global
minimizers of the population NLL, and compare the outcome with what Theorem 3.2 predicts:

* (F2) for the truth implies that every global minimizer that is itself in the theorem's model
  class (its decoder also (F2)) has a prior affinely equivalent to the truth's (3.2(a));
* (F4) for the truth implies that every minimizer whose decoder is also (F4) is fully equivalent:
  prior and decoder (3.2(c));
* without (F2) nothing is promised.

A record that contradicts a prediction is flagged (``contradiction``) and reported loudly.

A record (:func:`study_record`) has the keys ``seed``, ``J``, ``truth``,
``f_weakly_injective``, ``f_observably_injective``, ``f_injective``, ``n_grid_points``,
``n_evaluated``, ``min_objective``, ``truth_objective``, ``n_global_minimizers``,
``all_minimizer_priors_equivalent``, ``all_minimizers_equivalent``, ``n_within_tol``,
``n_near_ties``, ``near_ties``, ``gap_to_nonequivalent``, ``gap_is_lower_bound``,
``best_nonequivalent``, ``minimizers`` (the first :data:`MAX_LISTED`), ``counterexample``,
``truth_is_minimizer``, ``predictions``, ``contradiction``, ``certified``, ``tol``,
``max_error``, ``crosscheck``, ``n_nodes``, ``elapsed`` (the search), ``elapsed_total`` (the
whole record: search, classification, checks), ``throughput``, ``family``.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

from .. import limits
from ..divergence import cross_entropy, kl_divergence, sample_nll
from ..divergence.high_precision import mp_kl_divergence
from ..files import read_bytes
from ..identifiability import injectivity_1d, same_pushforward
from ..progress import progress_bar
from .exhaustive import DEFAULT_TOL, grid_search
from .grid import Family, FamilyPoint

__all__ = ["study_record", "run_study", "model_line", "summarize", "finite_sample_study",
           "study_families", "study_payload", "resume_records", "DEFAULT_MODELS", "FULL_MODELS"]

#: At most this many global minimizers and near-ties are listed per record (all are counted).
MAX_LISTED = 50
#: Models in the default (quick) study and in the paper-scale study (``--full``).
DEFAULT_MODELS = 8
FULL_MODELS = 50


def _injectivity(point: FamilyPoint) -> dict:
    return injectivity_1d(point.model().net).verdicts()


def study_record(seed: int, n_components: int, family: Family | None = None, *,
                 tol: float = DEFAULT_TOL, progress=None, truth: FamilyPoint | None = None,
                 resolve: int = 1, search: dict | None = None) -> dict:
    """Draw one model, search its grid, and return the JSON-ready record.

    Parameters
    ----------
    seed, n_components : int
        Seed of the truth's draw; J of the family (ignored when ``family`` is given).
    family : Family, optional
        Default ``Family(n_components=J)``.
    tol : float
        Objective tolerance defining the global minimizers.
    progress : bool or None
        Progress bars on stderr for the search and the classification of the grid points
        within ``tol`` (None: only on a terminal; see :mod:`exactid.progress`).
    truth : FamilyPoint, optional
        Use this truth instead of a random draw (e.g. a decoder chosen to violate (F2)).
    resolve : int
        This many near-ties (grid points within ``tol`` whose law differs from the truth's) get
        a 40-digit KL divergence from the truth
        (:func:`exactid.divergence.high_precision.mp_kl_divergence`, seconds each), an
        independent confirmation that they are distinct.
    search : dict, optional
        Further :func:`~exactid.search.grid_search` arguments (``client``, ``checkpoint``).

    Returns
    -------
    dict
        The record (its keys are listed in the module docstring).
    """
    start = time.perf_counter()
    family = Family(n_components=n_components) if family is None else family
    if truth is None:
        truth = family.random_point(seed)
    truth_model = truth.model()
    f_class = _injectivity(truth)
    result = grid_search(family, truth, tol=tol, progress=progress, **(search or {}))
    truth_objective = cross_entropy(truth_model, truth_model, tol=1e-12).value
    within_tol = _within_tol(result, truth_model, progress)
    minimizers = [m for m in within_tol if m["same_law"]]
    near_ties = [m for m in within_tol if not m["same_law"]]
    _resolve_near_ties(truth_model, near_ties[:resolve])
    predictions, contradiction, truth_found = _check_theorem(f_class, minimizers, within_tol)
    return {
        "seed": int(seed),
        "J": family.n_components,
        "truth": truth.to_dict(),
        "f_weakly_injective": f_class["F2"],
        "f_observably_injective": f_class["F3"],
        "f_injective": f_class["F4"],
        "n_grid_points": int(result.n_grid_points),
        "n_evaluated": int(result.n_evaluated),
        "min_objective": result.minimum,
        "truth_objective": truth_objective,
        "n_global_minimizers": len(minimizers),
        "n_global_minimizers_grid": int(sum(m["orbit_size"] for m in minimizers)),
        "all_minimizer_priors_equivalent": all(m["prior_equivalent"] for m in minimizers),
        "all_minimizers_equivalent": all(m["equivalent"] for m in minimizers),
        "n_within_tol": len(within_tol),
        "n_near_ties": len(near_ties),
        "near_ties": near_ties[:MAX_LISTED],
        "gap_to_nonequivalent": result.gap_to_nonequivalent,
        "gap_is_lower_bound": result.gap_is_lower_bound,
        "best_nonequivalent": _best_nonequivalent(truth_model, result.best_nonequivalent),
        "minimizers": minimizers[:MAX_LISTED],
        "counterexample": next((m for m in minimizers if not m["equivalent"]), None),
        "truth_is_minimizer": truth_found,
        "predictions": predictions,
        "contradiction": bool(contradiction),
        "certified": result.certified,
        "tol": tol,
        "max_error": result.max_error,
        "crosscheck": result.crosscheck,
        "n_nodes": result.n_nodes,
        "elapsed": result.elapsed,
        "elapsed_total": time.perf_counter() - start,
        "throughput": result.throughput,
        "family": family.to_dict(),
    }


def _within_tol(result, truth_model, progress=None) -> list[dict]:
    """Every grid point within ``tol`` of the minimum, classified.

    Which of them are true global minimizers (KL = 0, the same law of x as the truth) is
    decided exactly by :func:`~exactid.identifiability.same_pushforward`; the others are
    near-ties: distinct laws whose KL divergence from the truth lies below double-precision
    resolution (e.g. 1e-20 for models that differ only in a far tail).
    """

    within_tol = []
    with progress_bar(len(result.minimizers), "classifying the points within tol", progress,
                      unit="point") as bar:
        for cand, (prior_eq, full_eq) in zip(result.minimizers, result.equivalence):
            same = same_pushforward(truth_model, cand.point.model())
            within_tol.append({"point": cand.point.to_dict(), "objective": cand.objective,
                               "error": cand.error, "orbit_size": cand.orbit_size,
                               "prior_equivalent": prior_eq, "equivalent": full_eq,
                               "same_law": same.same, "injectivity": _injectivity(cand.point)})
            bar.update(1)
    return within_tol


def _resolve_near_ties(truth_model, near_ties) -> None:
    """An independent look at the separation of near-ties: their KL divergence from the
    truth in 40-digit arithmetic (seconds each), stored as ``kl_40_digits``."""

    for m in near_ties:
        value, error = mp_kl_divergence(truth_model, FamilyPoint.from_dict(m["point"]).model())
        m["kl_40_digits"] = {"value": value, "error": error}


def _check_theorem(f_class, minimizers, within_tol):
    """The predictions of Theorem 3.2 checked on the true global minimizers that are
    themselves in the theorem's model class; ``(predictions, contradiction, truth_found)``."""
    predictions = []
    contradiction = False
    for theorem, claim, applies, key, flag in (
            ("3.2(a)", "priors affinely equivalent", f_class["F2"], "F2", "prior_equivalent"),
            ("3.2(c)", "prior and decoder equivalent", f_class["F4"], "F4", "equivalent")):
        if not applies:
            continue
        bad = [m for m in minimizers if m["injectivity"][key] and not m[flag]]
        predictions.append({"theorem": theorem, "claim": claim, "holds": not bad,
                            "violations": len(bad)})
        contradiction |= bool(bad)
    # The truth must itself be a global minimizer (Gibbs' inequality), and equivalent models
    # must have the same law; anything else is a bug.
    truth_found = any(m["equivalent"] for m in minimizers)
    consistent = all(m["same_law"] for m in within_tol if m["equivalent"])
    contradiction |= not truth_found or not consistent
    return predictions, contradiction, truth_found


def _best_nonequivalent(truth_model, best_ne) -> dict | None:
    """The best non-equivalent grid point with an independent check of the separation:
    KL(truth || it) by the adaptive integrator, with its error bound."""
    if best_ne is None:
        return None

    kl = kl_divergence(truth_model, best_ne.point.model(), tol=1e-14)
    return {"point": best_ne.point.to_dict(), "objective": best_ne.objective,
            "kl_from_truth": {"value": kl.value, "error": kl.error}}


def study_families(components, family_kwargs: dict | None = None) -> dict:
    """``{J: Family(n_components=J, **family_kwargs)}``, each checked for size before any work
    (:meth:`exactid.search.Family.check_size`)."""
    families = {}
    for J in dict.fromkeys(components):
        family = Family(n_components=J, **(family_kwargs or {}))
        family.check_size()
        families[J] = family
    return families


def run_study(n_models: int = DEFAULT_MODELS, seed: int = 0, components=(2, 3), *,
              family_kwargs: dict | None = None, tol: float = DEFAULT_TOL, progress=None,
              truth_decoder: dict | None = None, log=None, start: int = 0,
              on_record=None, client=None, checkpoint=None) -> list[dict]:
    """Run :func:`study_record` for ``n_models`` models.

    Model ``i`` uses seed ``seed + i`` and ``J = components[i % len(components)]``.

    Ctrl-C stops the study (the :class:`KeyboardInterrupt` propagates); only models whose
    search and classification finished have records, and ``on_record`` has seen each of them,
    so a caller can keep them and resume with ``start``.

    Parameters
    ----------
    n_models : int
    seed : int
    components : sequence of int
    family_kwargs : dict, optional
        Extra :class:`Family` arguments (grids) shared by all models.
    tol : float
    progress : bool or None
        False: silent.  Otherwise one line per finished model on ``log``, and progress bars
        for each search and classification on stderr (True: always; None: only when stderr
        is a terminal; see :mod:`exactid.progress`).
    truth_decoder : dict, optional
        ``{"alpha": ..., "beta": ..., "pi": ...}``: every truth gets this decoder (its prior is
        still drawn at random), e.g. |z| to violate (F2) on purpose; dead units (alpha = 0)
        are added when the family has more hidden units.
    log : file-like, optional
        Default ``sys.stderr`` (looked up at call time).
    start : int
        Skip models ``0 .. start - 1`` (already done, e.g. in an interrupted run).
    on_record : callable, optional
        Called with each record as soon as it is complete.
    client : distributed.Client, optional
        Run each search's chunks on this Dask cluster (:mod:`exactid.search.distributed`).
    checkpoint : str, optional
        A directory: model ``i``'s finished chunks go to ``checkpoint/seed<seed+i>-J<J>``
        (:mod:`exactid.search.checkpoint`), so an interrupted study resumes inside a model.

    Returns
    -------
    list of dict
        The records of models ``start .. n_models - 1``.
    """
    log = sys.stderr if log is None else log
    records = []
    families = study_families(components, family_kwargs)
    if checkpoint is not None:
        os.makedirs(checkpoint, exist_ok=True)  # one subdirectory per model below it
    t_start = time.perf_counter()
    for i in range(start, n_models):
        J = components[i % len(components)]
        truth = None
        if truth_decoder is not None:
            drawn = families[J].random_point(seed + i)
            # Dead units (alpha = 0) fill a decoder given with fewer units than the family's.
            fill = families[J].n_hidden - len(truth_decoder["alpha"])
            truth = FamilyPoint(drawn.weights, drawn.means, drawn.variances,
                                tuple(truth_decoder["alpha"]) + (0.0,) * fill,
                                tuple(truth_decoder["beta"]) + (families[J].betas[0],) * fill,
                                tuple(truth_decoder["pi"]) + (families[J].biases[0],) * fill,
                                drawn.noise_std, drawn.negative_slope)
            families[J].canonical(truth)  # raises if the decoder is not on the grid
        search = {"client": client}
        if checkpoint is not None:
            search["checkpoint"] = os.path.join(checkpoint, f"seed{seed + i}-J{J}")
        record = study_record(seed + i, J, families[J], tol=tol, truth=truth,
                              progress=progress, search=search)
        records.append(record)
        if on_record is not None:
            on_record(record)
        if progress is not False:
            log.write(f"[{i + 1}/{n_models}] {model_line(record)}  "
                      f"{record['elapsed_total']:.1f} s (total "
                      f"{time.perf_counter() - t_start:.0f} s)\n")
            log.flush()
    return records


def model_line(record: dict) -> str:
    """One line on a record: the decoder's verdicts, the global minimizers, and either the
    near-ties (grid points of another law within the tolerance, which make the gap 0) or the
    gap to the best non-equivalent grid point."""
    yes_no = {True: "yes", False: "no"}
    n = record["n_global_minimizers"]
    line = (f"seed {record['seed']} J={record['J']}  F2={yes_no[record['f_weakly_injective']]:<3} "
            f"F4={yes_no[record['f_injective']]:<3}  {n} global minimizer{'s' * (n != 1)}, "
            + ("all equivalent to the truth" if record["all_minimizers_equivalent"]
               else "NOT all equivalent to the truth"))
    if record["n_near_ties"]:
        line += (f"; {record['n_near_ties']} near-tie{'s' * (record['n_near_ties'] != 1)} "
                 "(other laws within tol)")
    elif record["all_minimizers_equivalent"] and record["gap_to_nonequivalent"] is not None:
        # (Otherwise a non-equivalent global minimizer makes the gap 0.)
        line += f"; gap to the best non-equivalent point {_fmt_gap(record)} nats"
    if record["contradiction"]:
        line += "  <-- CONTRADICTS THE THEORY"
    return line


#: Keys of a study file's header that must match for ``--resume``.
HEADER_KEYS = ("study", "seed", "models", "components", "decoder", "tol", "family")
#: Header values of files written before a key existed.
_HEADER_DEFAULTS = {"family": "j31"}


def study_payload(header: dict, records: list[dict], n_models: int) -> dict:
    """The JSON document of a (possibly unfinished) study: the header, ``status``
    (``"complete"`` or ``"partial"``), ``completed`` (number of records) and the records.
    Only finished models have records: a partial file never holds a partial search."""
    status = "complete" if len(records) == n_models else "partial"
    return {**header, "status": status, "completed": len(records), "records": records}


def resume_records(path: str, header: dict) -> list[dict]:
    """The records of an unfinished study file written with the same ``header``.

    Raises
    ------
    ValueError
        If the file is not a study file, was written with other arguments (the message names
        the first difference), or its records are not the models ``0 .. k-1`` of this study.
    """


    raw = read_bytes(path, limits.MAX_JSON_BYTES, "study file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"--resume: {path}: not a study file ({exc})") from None
    if not isinstance(data, dict) or data.get("status") not in ("partial", "complete") \
            or not isinstance(data.get("records"), list):
        raise ValueError(f"--resume: {path}: not a study file written by exactid simulate")
    for key in HEADER_KEYS:
        found, wanted = (d.get(key, _HEADER_DEFAULTS.get(key)) for d in (data, header))
        if found != wanted:
            raise ValueError(f"--resume: {path} was written with {key} = {found!r}, "
                             f"not {wanted!r}; use the same arguments or another file")
    records = data["records"]
    for i, record in enumerate(records):
        if not isinstance(record, dict) or record.get("seed") != header["seed"] + i:
            raise ValueError(f"--resume: {path}: record {i} is not model {i} of this study")
    if len(records) > header["models"]:
        raise ValueError(f"--resume: {path} holds {len(records)} records, more than --models")
    return records


def _fmt_gap(record) -> str:
    gap = record["gap_to_nonequivalent"]
    if gap is None:
        return "none"
    return (">=" if record["gap_is_lower_bound"] else "") + f"{gap:.2e}"


def summarize(records: list[dict]) -> str:
    """The printed summary of a study."""
    n = len(records)
    unique = sum(1 for r in records if r["all_minimizers_equivalent"])
    priors = sum(1 for r in records if r["all_minimizer_priors_equivalent"])
    f2 = [r for r in records if r["f_weakly_injective"]]
    f4 = [r for r in records if r["f_injective"]]
    ties = [r for r in records if r["n_near_ties"]]
    lines = [
        f"truth is the unique global minimizer up to equivalence in {unique} of {n} models",
        f"all global minimizers have an affinely equivalent prior in {priors} of {n} models",
        f"  decoders (F2) weakly injective: {len(f2)} of {n}; of these, priors equivalent in "
        f"{sum(1 for r in f2 if r['all_minimizer_priors_equivalent'])} (Theorem 3.2(a))",
        f"  decoders (F4) injective: {len(f4)} of {n}; of these, fully equivalent in "
        f"{sum(1 for r in f4 if r['all_minimizers_equivalent'])} (Theorem 3.2(c))",
    ]
    no_f2 = [r for r in records if not r["f_weakly_injective"]]
    if no_f2:
        lines.append(f"  decoders without (F2): {len(no_f2)} (no prediction); unique up to "
                     f"equivalence in {sum(1 for r in no_f2 if r['all_minimizers_equivalent'])}")
    gaps = [r["gap_to_nonequivalent"] for r in records if r["gap_to_nonequivalent"] is not None
            and r["all_minimizers_equivalent"] and not r["n_near_ties"]]
    if gaps:
        lines.append(f"  gap to the best non-equivalent grid point: min {min(gaps):.2e}, "
                     f"median {float(np.median(gaps)):.2e}")
    if ties:
        kls = [t["near_ties"][0]["kl_40_digits"]["value"] for t in ties
               if t["near_ties"] and "kl_40_digits" in t["near_ties"][0]]
        lines.append(
            f"  near-ties: in {len(ties)} of {n} models some grid points have a different law "
            f"(decided exactly) but an objective within the tolerance"
            + (f"; KL from the truth in 40 digits {min(kls):.1e} .. {max(kls):.1e}" if kls
               else ""))
    uncertified = [r["seed"] for r in records if not r["certified"]]
    if uncertified:
        lines.append(f"  WARNING: minimizer sets not certified by the error estimates for seeds "
                     f"{uncertified}")
    bad = [r for r in records if r["contradiction"]]
    if bad:
        lines.append("!" * 78)
        for r in bad:
            lines.append(f"!! CONTRADICTION with the theory for seed {r['seed']} (J={r['J']}): "
                         f"predictions {r['predictions']}, truth is minimizer: "
                         f"{r['truth_is_minimizer']}")
        lines.append("!" * 78)
    else:
        lines.append("no record contradicts the predictions of Theorem 3.2")
    return "\n".join(lines)


def finite_sample_study(truth: FamilyPoint, family: Family, sizes=(10, 30, 100, 300, 1000, 3000),
                        replicates: int = 5, seed: int = 0, progress=None) -> list[dict]:
    """Where is the minimizer of the *sample* NLL, as the sample grows? (paper 003, Section 5)

    For each sample size n and replicate r, draw n observations from the truth (seeded by
    ``(seed, n, r)``), search the whole grid of ``family`` for the minimizers of the sample NLL,
    and record whether they are equivalent to the truth and how far their law is from it.

    Parameters
    ----------
    truth : FamilyPoint
        A point of ``family``.
    family : Family
    sizes : sequence of int
    replicates : int
    seed : int
    progress : bool or None
        A progress bar over the searches on stderr (None: only when stderr is a terminal).

    Returns
    -------
    list of dict
        One record per (n, replicate): ``n``, ``replicate``, ``n_minimizers``,
        ``minimizer`` (the best point), ``equivalent`` and ``prior_equivalent`` (every
        sample-NLL minimizer equivalent to the truth), ``kl_from_truth`` (population
        KL(truth || best minimizer), with its error), ``gap`` (sample NLL of the best point not
        equivalent to the truth minus the minimum; negative never, None if not found),
        ``sample_nll_of_truth`` and ``min_sample_nll``.
    """
    truth_model = truth.model()
    family.canonical(truth)  # raises if the truth is not on the grid
    records = []
    with progress_bar(len(sizes) * replicates, "finite samples: searching", progress,
                      unit="search") as bar:
        for n, r in ((n, r) for n in sizes for r in range(replicates)):
            x, _ = truth_model.sample(int(n), seed=np.random.default_rng([seed, int(n), r]))
            result = grid_search(family, truth, data=x[:, 0], crosscheck=0)
            best = result.minimizers[0]
            kl = kl_divergence(truth_model, best.point.model(), tol=1e-13)
            records.append({
                "n": int(n), "replicate": r, "n_minimizers": len(result.minimizers),
                "minimizer": best.point.to_dict(),
                "equivalent": bool(result.all_minimizers_equivalent),
                "prior_equivalent": bool(result.all_minimizer_priors_equivalent),
                "kl_from_truth": {"value": kl.value, "error": kl.error},
                "gap": result.gap_to_nonequivalent,
                "sample_nll_of_truth": sample_nll(truth_model, x[:, 0]),
                "min_sample_nll": result.minimum,
            })
            bar.set_postfix_str(f"n = {n}, replicate {r + 1}/{replicates}", refresh=False)
            bar.update(1)
    return records
