"""The stability study of paper 003 (J.3.2, Table 2, Figure 2): train R models on one data set
with different seeds and measure how much their latent spaces agree.

For every ordered pair of runs (i, j), i != j (20 pairs for 5 runs, the paper's count; the
exact distAff,L2 is symmetric but the paper's mean-matching procedure is not), it
computes the strong MCC, the weak MCC (CCA alignment, out of sample), the E.1 MCC (the strong
MCC after mapping each run to the coordinates Theorem E.1 recovers from its prior,
:mod:`vade_check.coordinates`; NaN, with a note in the run's record, when a prior has none) and
distAff,L2 between the two learned priors (both the paper's mean-matching map and the refined
map), and for every run the MCCs against the ground-truth latents.  The plain VAE has a fixed
N(0, I) prior, whose distAff,L2 is 0 for every pair and says nothing; for it the distance (and
the E.1 alignment) is taken between GMMs fitted to the encoded data (same J, same EM as VaDE's
initialisation) and the table says so.

Runs use seeds ``seed, seed + 1, ..., seed + R - 1``; the data set is fixed by its own seed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from exactid import GaussianMixture
from exactid.progress import progress_bar
from exactid.validation import check_instance, check_integer

from .alignment import MAX_PAPER_COMPONENTS, dist_aff_l2
from .coordinates import e1_coordinates
from .data import Dataset
from .decoder_check import check_decoder as check_decoder_of
from .metrics import strong_mcc, weak_mcc

__all__ = ["StabilityResult", "run_stability", "format_table", "PAPER"]

#: Published values (paper 003): mean (std) over pairs of runs; None where not reported.
#: Pinwheel: Section 4 (20 pairs, std of the MCCs not given); parallelograms: Table 2.
PAPER = {
    "pinwheel": {"dist_aff_l2": (0.113, 0.065), "strong_mcc": (1.0, None),
                 "weak_mcc": (0.87, None)},
    "parallelograms1": {"dist_aff_l2": (0.1542, 0.150), "strong_mcc": (0.86, 0.09),
                        "weak_mcc": (0.99, 0.003)},
    "parallelograms2": {"dist_aff_l2": (0.1231, 0.076), "strong_mcc": (0.83, 0.12),
                        "weak_mcc": (0.99, 0.003)},
    "parallelograms3": {"dist_aff_l2": (0.578, 0.301), "strong_mcc": (0.91, 0.08),
                        "weak_mcc": (0.99, 0.001)},
}

_PAIR_METRICS = ("strong_mcc", "weak_mcc", "e1_mcc", "dist_aff_l2", "dist_aff_l2_refined")
_TRUTH_METRICS = ("strong_mcc", "weak_mcc")


@dataclass
class StabilityResult:
    """Result of :func:`run_stability`.

    Attributes
    ----------
    dataset : str
    model : str
    runs : list of dict
        Per run: seed, seconds, final loss, MCCs against the truth, prior, decoder check, and
        ``e1_note`` (why the run's prior has no E.1 coordinates, or None).
    pairs : list of dict
        Per ordered pair: ``i``, ``j``, ``strong_mcc``, ``weak_mcc``, ``e1_mcc`` (NaN when
        either prior has no E.1 coordinates), ``dist_aff_l2`` (the paper's procedure) and
        ``dist_aff_l2_refined``.
    summary : dict
        ``{"pairs": {metric: {"mean", "std", "n"}}, "truth": {...}, "seconds": float}``;
        without the distances when J > ``alignment.MAX_PAPER_COMPONENTS`` (they are None in
        ``pairs`` then).  The ``e1_mcc`` statistics are over the pairs where it is finite
        (``n`` counts them; mean and std are NaN when there is none).
    latents : list of ndarray, shape (N, m)
        Learned latents per run (not in the JSON).
    priors : list of exactid.GaussianMixture
        The mixtures compared by distAff,L2 (not in the JSON).
    """

    dataset: str
    model: str
    runs: list
    pairs: list
    summary: dict
    config: dict = field(default_factory=dict)
    dist_aff_source: str = "between learned priors"
    latents: list = field(default_factory=list, repr=False)
    priors: list = field(default_factory=list, repr=False)
    truth: object = field(default=None, repr=False)
    labels: object = field(default=None, repr=False)

    def to_dict(self) -> dict:
        """JSON-ready: ``dataset``, ``model``, ``runs``, ``pairs``, ``summary``, ``config``."""
        return {"dataset": self.dataset, "model": self.model, "runs": self.runs,
                "pairs": self.pairs, "summary": self.summary, "config": self.config,
                "dist_aff_l2_between": self.dist_aff_source}


def _gmm_dict(g) -> dict:
    return {"weights": g.weights.tolist(), "means": g.means.tolist(), "covs": g.covs.tolist()}


def _stats(values) -> dict:
    v = np.asarray(values, dtype=float)
    if v.size == 0:  # e.g. no pair with an E.1 MCC: no statistics, but no warning either
        return {"mean": float("nan"), "std": float("nan"), "n": 0}
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "n": int(v.size)}


def _pair_summary(pairs: list, with_distance: bool) -> dict:
    """Statistics of every pair metric; the E.1 MCC over its finite values only."""
    out = {}
    for key in _PAIR_METRICS:
        if with_distance or not key.startswith("dist"):
            values = [p[key] for p in pairs]
            out[key] = _stats([v for v in values if np.isfinite(v)] if key == "e1_mcc"
                              else values)
    return out


def run_stability(dataset, *, runs: int = 5, seed: int = 0, config=None,
                  check_decoder: bool = False, progress=None) -> StabilityResult:
    """Train ``runs`` models on ``dataset`` and compare every pair (see the module docstring).

    Parameters
    ----------
    dataset : vade_check.data.Dataset
    runs : int
        At least 2.
    seed : int
        Run r uses seed ``seed + r``.
    config : vade_check.training.TrainConfig, optional
    check_decoder : bool
        Add :func:`vade_check.decoder_check.check_decoder` of every trained decoder.
    progress : bool or None
        One progress bar on stderr across all runs' epochs (run, epoch, loss, time left), then
        one over the pairs (None: only when stderr is a terminal; see :mod:`exactid.progress`).

    Returns
    -------
    StabilityResult
    """
    # torch (via the trainer) is imported only when a study runs: `import vade_check` stays cheap.
    from .training import TrainConfig

    check_instance(dataset, "dataset", Dataset, "a vade_check.data.Dataset")
    check_integer(runs, "runs", 2, "an integer >= 2 (pairs of runs are compared)")
    check_integer(seed, "seed", 0)
    config = config or TrainConfig()
    start = time.perf_counter()
    n_comp = config.n_components or dataset.n_clusters
    run_records, latents, priors = _train_runs(dataset, runs, seed, config, n_comp,
                                               check_decoder, progress)
    # The paper's alignment tries all J! permutations; like the paper (J.3.3) the distance is
    # left out beyond MAX_PAPER_COMPONENTS components.
    with_distance = n_comp <= MAX_PAPER_COMPONENTS
    pairs, notes = _compare_pairs(latents, priors, with_distance, progress)
    for record, note in zip(run_records, notes):
        record["e1_note"] = note
    summary = {"pairs": _pair_summary(pairs, with_distance),
               "truth": {k: _stats([rec["truth"][k] for rec in run_records])
                         for k in _TRUTH_METRICS},
               "seconds": time.perf_counter() - start}
    if check_decoder:
        verdicts = [rec["decoder_check"]["F4"] for rec in run_records]
        summary["decoder_F4"] = {"holds": verdicts.count(True), "fails": verdicts.count(False),
                                 "undecided": verdicts.count(None)}
    return StabilityResult(
        dataset=dataset.name, model=config.model, runs=run_records, pairs=pairs,
        summary=summary, config={**config.to_dict(), "runs": runs, "seed": seed,
                                 "n_samples": int(len(dataset.x))},
        dist_aff_source=(("between learned priors" if config.model == "vade"
                          else "between GMMs fitted to the encoded data") if with_distance else
                         f"not computed: J = {n_comp} > {MAX_PAPER_COMPONENTS} components"),
        latents=latents, priors=priors, truth=dataset.z, labels=dataset.labels)


def _train_runs(dataset, runs, seed, config, n_comp, check_decoder, progress):
    """Train every run; return the runs' records, latents and priors (the learned prior, or for
    the VAE a GMM fitted to the codes)."""
    run_records, latents, priors = [], [], []
    epochs = runs * (config.pretrain_epochs + config.epochs)
    with progress_bar(epochs, f"{config.model} on {dataset.name}", progress, unit="epoch") as bar:
        for r in range(runs):
            record, z, prior = _train_one(dataset, config, r, runs, int(seed) + r, n_comp,
                                          check_decoder, bar)
            run_records.append(record)
            latents.append(z)
            priors.append(prior)
    return run_records, latents, priors


def _train_one(dataset, config, r, runs, s, n_comp, check_decoder, bar):
    """Run ``r`` of ``runs`` with seed ``s``: ``(record, latents, prior)``."""
    from .training import fit_gmm, train  # torch

    res = train(dataset.x, config, seed=s, n_clusters=dataset.n_clusters,
                label=f"run {r + 1}/{runs}", bar=bar)
    if config.model == "vade":
        prior = res.prior
    else:
        w, mu, var = fit_gmm(res.latents, n_comp, seed=s)
        prior = GaussianMixture(w, mu, np.stack([np.diag(v) for v in var]))
    record = {
        "run": r, "seed": s, "seconds": res.seconds, "device": res.device,
        "final_loss": res.history["loss"][-1],
        "truth": {"strong_mcc": strong_mcc(res.latents, dataset.z),
                  "weak_mcc": weak_mcc(res.latents, dataset.z)},
        "prior": _gmm_dict(prior),
    }
    if check_decoder:
        bar.set_postfix_str(f"run {r + 1}/{runs}: checking the decoder", refresh=True)
        record["decoder_check"] = check_decoder_of(res.model.decoder_net(), res.latents)
    return record, res.latents, prior


def _e1_all(latents, priors) -> tuple[list, list]:
    """Each run's latents in its E.1 coordinates (None when its prior has none), and the
    notes saying why (None when it has)."""
    aligned, notes = [], []
    for z, prior in zip(latents, priors):
        try:
            aligned.append(e1_coordinates(z, prior))
            notes.append(None)
        except ValueError as exc:  # the prior has no E.1 coordinates: NaN, not a crash
            aligned.append(None)
            notes.append(str(exc))
    return aligned, notes


def _compare_pairs(latents, priors, with_distance, progress=None) -> tuple[list, list]:
    """Every ordered pair of runs: strong, weak and E.1 MCC, and dist_Aff,L2 if asked; and
    per run the note on its E.1 coordinates (None if it has them)."""
    pairs = []
    n = len(latents)
    aligned, notes = _e1_all(latents, priors)
    with progress_bar(n * (n - 1), "comparing pairs of runs", progress, unit="pair") as bar:
        for i, j in ((i, j) for i in range(n) for j in range(n) if i != j):
            e1 = (float("nan") if aligned[i] is None or aligned[j] is None
                  else strong_mcc(aligned[i], aligned[j]))
            pair = {"i": i, "j": j, "strong_mcc": strong_mcc(latents[i], latents[j]),
                    "weak_mcc": weak_mcc(latents[i], latents[j]), "e1_mcc": e1,
                    "dist_aff_l2": None, "dist_aff_l2_refined": None}
            if with_distance:
                d = dist_aff_l2(priors[i], priors[j])
                pair.update(dist_aff_l2=float(d.paper), dist_aff_l2_refined=float(d.refined))
            pairs.append(pair)
            bar.update(1)
    return pairs, notes


def _fmt(stat, digits=3) -> str:
    return f"{stat['mean']:.{digits}f} ({stat['std']:.{digits}f})"


def _fmt_paper(value) -> str:
    if value is None:
        return "-"
    mean, std = value
    return f"{mean}" + (f" ({std})" if std is not None else "")


def _e1_note(res) -> str:
    """``"; E.1 MCC over k of n pairs (run r: why)"`` when some pairs have none, else ``""``."""
    failed = [(rec["run"], rec["e1_note"]) for rec in res.runs if rec.get("e1_note")]
    if not failed:
        return ""
    run, why = failed[0]
    more = f"; {len(failed) - 1} more runs" if len(failed) > 1 else ""
    return (f"; E.1 MCC over {res.summary['pairs']['e1_mcc']['n']} of {len(res.pairs)} pairs "
            f"(no E.1 coordinates for run {run + 1}: {why}{more})")


def format_table(results) -> str:
    """Table 2-style text: one row per result (and the paper's row when it has one).

    Parameters
    ----------
    results : StabilityResult or list of StabilityResult
    """
    if isinstance(results, StabilityResult):
        results = [results]
    head = (f"{'data set':<16} {'model':<14} {'pairs':>5} {'dist_Aff,L2':>15} "
            f"{'refined':>15} {'strong MCC':>15} {'weak MCC':>15} {'E.1 MCC':>15}")
    lines = [head, "-" * len(head)]
    shown_paper = set()
    for res in results:
        s = res.summary["pairs"]
        dist = [_fmt(s[k]) if k in s else "-" for k in ("dist_aff_l2", "dist_aff_l2_refined")]
        lines.append(f"{res.dataset:<16} {res.model:<14} {s['strong_mcc']['n']:>5} "
                     f"{dist[0]:>15} {dist[1]:>15} "
                     f"{_fmt(s['strong_mcc']):>15} {_fmt(s['weak_mcc']):>15} "
                     f"{_fmt(s['e1_mcc']) if 'e1_mcc' in s else '-':>15}")
        paper = PAPER.get(res.dataset)
        if paper and res.dataset not in shown_paper:
            shown_paper.add(res.dataset)
            lines.append(f"{res.dataset:<16} {'paper (VaDE)':<14} {'':>5} "
                         f"{_fmt_paper(paper['dist_aff_l2']):>15} {'-':>15} "
                         f"{_fmt_paper(paper['strong_mcc']):>15} "
                         f"{_fmt_paper(paper['weak_mcc']):>15} {'-':>15}")
    lines.append("")
    lines.append("against the ground-truth latents (mean (std) over runs):")
    for res in results:
        t = res.summary["truth"]
        lines.append(f"  {res.dataset:<16} {res.model:<6} strong MCC {_fmt(t['strong_mcc'])}"
                     f"  weak MCC {_fmt(t['weak_mcc'])}")
    lines.append("")
    lines.append("mean (std, ddof=1) over ordered pairs of runs; MCCs out of sample; "
                 "dist_Aff,L2 as in the paper (mean matching), refined = optimised over A;")
    lines.append("E.1 MCC = strong MCC after mapping each run to the coordinates Theorem E.1 "
                 "recovers from its prior (= strong MCC for diagonal priors);")
    lines.append("per data set and model: what dist_Aff,L2 compares, and the (F4) verdicts of "
                 "the trained decoders (--check-decoder):")
    for res in results:
        line = f"  {res.dataset:<16} {res.model:<6} distAff,L2 {res.dist_aff_source}"
        line += _e1_note(res)
        if "decoder_F4" in res.summary:
            d = res.summary["decoder_F4"]
            line += (f"; decoders (F4): {d['holds']} hold, {d['fails']} fail, "
                     f"{d['undecided']} undecided")
        lines.append(line)
    return "\n".join(lines)
