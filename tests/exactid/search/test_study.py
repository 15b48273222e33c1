"""The J.3.1 study (exactid.search.study) on small grids.

References independent of the code under test: the size of the grid from its definition; a
brute-force search over every point of the full (unreduced) grid with the adaptive integrator
of :func:`exactid.cross_entropy` instead of the search's fixed rule and symmetry reduction; the
law of x of each global minimizer checked by KL divergence (:func:`exactid.same_distribution`);
the Remark 3.6 tie of paper 003 (|z| cannot tell a component from its mirror image) built by
hand; and ``summarize``'s counts recomputed from the records.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import math

import numpy as np
import pytest

from exactid import cross_entropy, kl_divergence
from exactid.identifiability import injectivity_1d, same_distribution
from exactid.search import Family, FamilyPoint
from exactid.search.study import model_line, run_study, study_record, summarize

FAMILY_KW = dict(n_components=2, weight_steps=2, means=(-1.0, 1.0), alphas=(-1.0, 0.0, 1.0),
                 betas=(-1.0, 1.0), biases=(0.0, 1.0))
FAMILY = Family(**FAMILY_KW)

#: Keys every record must have (the study's issue), and the keys that measure time.
REQUIRED = {"seed", "J", "truth", "f_weakly_injective", "f_injective", "n_grid_points",
            "min_objective", "n_global_minimizers", "all_minimizer_priors_equivalent",
            "all_minimizers_equivalent", "gap_to_nonequivalent"}
TIMING = {"elapsed", "elapsed_total", "throughput"}

#: |z| = ReLU(-z) + ReLU(z): not weakly injective (paper 003, Example 1).
ABSVAL = {"alpha": (1.0, 1.0), "beta": (-1.0, 1.0), "pi": (0.0, 0.0)}
#: Both components at -1: |z| maps N(-1, .25) and N(1, .25) to the same law, so mirroring one
#: component gives an exact tie whose prior (two distinct components) is not affinely
#: equivalent to the truth's (one).
ABS_TRUTH = FamilyPoint((0.5, 0.5), (-1.0, -1.0), (0.25, 0.25), ABSVAL["alpha"],
                        ABSVAL["beta"], ABSVAL["pi"], 0.25)

#: Seeds of the small family: 0 is (F2) but not (F4), 1 is (F4), 11 is not (F2).
SEEDS = (0, 1, 11)


@pytest.fixture(scope="module")
def records():
    return {seed: study_record(seed, 2, family=FAMILY) for seed in SEEDS}


@pytest.fixture(scope="module")
def abs_record():
    return study_record(7, 2, family=FAMILY, truth=ABS_TRUTH)


def all_records(records, abs_record):
    return [*records.values(), abs_record]


def test_required_keys(records, abs_record):
    for r in all_records(records, abs_record):
        assert REQUIRED <= set(r), REQUIRED - set(r)
        assert r["J"] == 2
        assert isinstance(r["seed"], int)


def test_seeds_cover_the_cases(records):
    """The fixture seeds really are the cases the other tests rely on."""
    assert (records[0]["f_weakly_injective"], records[0]["f_injective"]) == (True, False)
    assert records[1]["f_injective"] is True
    assert records[11]["f_weakly_injective"] is False


def test_truth_is_the_drawn_point(records):
    for seed, r in records.items():
        assert r["seed"] == seed
        assert FamilyPoint.from_dict(r["truth"]) == FAMILY.random_point(seed)


def test_grid_size_from_definition(records):
    # C(steps + J - 1, J - 1) weight vectors, (means x variances)^J, (alphas x betas x
    # biases)^H decoders, noise levels.
    expected = (math.comb(2 + 1, 1) * (2 * 1) ** 2 * (3 * 2 * 2) ** 2 * 1)
    for r in records.values():
        assert r["n_grid_points"] == expected == 1728


def test_truth_is_a_global_minimizer(records, abs_record):
    for r in all_records(records, abs_record):
        truth = FAMILY.canonical(FamilyPoint.from_dict(r["truth"]))
        found = [FAMILY.canonical(FamilyPoint.from_dict(m["point"])) for m in r["minimizers"]]
        assert truth in found
        # Gibbs: the minimum of H(p, q) over q is H(p), attained at q = p.
        assert r["min_objective"] == pytest.approx(r["truth_objective"], abs=1e-10)
        assert r["truth_is_minimizer"] is True


def test_minimizers_have_the_truth_law(records, abs_record):
    for r in all_records(records, abs_record):
        assert r["n_global_minimizers"] == len(r["minimizers"]) >= 1
        truth = FamilyPoint.from_dict(r["truth"]).model()
        for m in r["minimizers"]:
            assert m["same_law"] is True
            assert m["objective"] <= r["min_objective"] + r["tol"]
            # Independent: the KL divergences in both directions vanish.
            assert same_distribution(truth, FamilyPoint.from_dict(m["point"]).model()).same


def test_aggregate_flags_match_minimizers(records, abs_record):
    for r in all_records(records, abs_record):
        ms = r["minimizers"]
        assert r["all_minimizers_equivalent"] == all(m["equivalent"] for m in ms)
        assert r["all_minimizer_priors_equivalent"] == all(m["prior_equivalent"] for m in ms)
        assert r["n_global_minimizers_grid"] == sum(m["orbit_size"] for m in ms)


def test_injectivity_flags(records, abs_record):
    for r in all_records(records, abs_record):
        verdict = injectivity_1d(FamilyPoint.from_dict(r["truth"]).model().net)
        assert r["f_weakly_injective"] == verdict.weakly_injective
        assert r["f_observably_injective"] == verdict.observably_injective
        assert r["f_injective"] == verdict.injective
        for m in r["minimizers"]:
            v = injectivity_1d(FamilyPoint.from_dict(m["point"]).model().net)
            assert m["injectivity"] == {"F2": v.weakly_injective, "F3": v.observably_injective,
                                        "F4": v.injective}


def test_gap_is_the_kl_to_the_best_nonequivalent_point(records):
    for r in records.values():
        best = r["best_nonequivalent"]
        if best is None:
            assert r["gap_to_nonequivalent"] is None
            continue
        truth = FamilyPoint.from_dict(r["truth"]).model()
        kl = kl_divergence(truth, FamilyPoint.from_dict(best["point"]).model(), tol=1e-14)
        assert r["gap_to_nonequivalent"] >= 0
        # objective(best) - objective(truth) = KL(truth || best), up to quadrature errors.
        assert r["gap_to_nonequivalent"] == pytest.approx(kl.value, abs=1e-12)


def test_brute_force_over_the_full_grid(records):
    """Every one of the 1728 grid points (no symmetry reduction) by the adaptive integrator:
    the number of points whose law matches the truth's and the gap to the others."""
    r = records[0]
    truth = FamilyPoint.from_dict(r["truth"]).model()
    entropy = cross_entropy(truth, truth, tol=1e-13).value
    excess = []
    for w in FAMILY.weight_grid():
        for mu in itertools.product(FAMILY.means, repeat=2):
            for units in itertools.product(
                    itertools.product(FAMILY.alphas, FAMILY.betas, FAMILY.biases), repeat=2):
                alpha, beta, pi = zip(*units)
                point = FamilyPoint(tuple(w), mu, (0.25, 0.25), alpha, beta, pi, 0.25)
                excess.append(cross_entropy(truth, point.model(), tol=1e-13).value - entropy)
    excess = np.array(excess)
    assert excess.size == r["n_grid_points"]
    assert excess.min() >= -1e-12
    ties = excess <= 1e-10
    assert r["n_near_ties"] == 0
    assert int(ties.sum()) == r["n_global_minimizers_grid"]
    assert r["all_minimizers_equivalent"]
    assert excess[~ties].min() == pytest.approx(r["gap_to_nonequivalent"], abs=1e-12)


def test_record_is_strict_json(records, abs_record):
    for r in all_records(records, abs_record):
        text = json.dumps(r, allow_nan=False)
        assert json.loads(text)["seed"] == r["seed"]


def test_record_is_deterministic(records):
    again = study_record(0, 2, family=FAMILY)
    first = {k: v for k, v in records[0].items() if k not in TIMING}
    second = {k: v for k, v in again.items() if k not in TIMING}
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_different_seeds_draw_different_truths(records):
    truths = {json.dumps(r["truth"], sort_keys=True) for r in records.values()}
    assert len(truths) == len(records)


# -- the |z| truth: no (F2), a non-equivalent exact tie, no prediction --------------------------


def merged_weights(point: FamilyPoint):
    """Sorted weights of the distinct positive-weight components: an affine map permutes the
    components of a mixture, so equivalent priors have equal lists."""
    comps = {}
    for w, m, v in zip(point.weights, point.means, point.variances):
        if w > 0:
            comps[(m, v)] = comps.get((m, v), 0.0) + w
    return sorted(comps.values())


def test_absval_truth(abs_record):
    r = abs_record
    assert r["f_weakly_injective"] is False and r["f_injective"] is False
    assert r["n_global_minimizers"] > 1
    assert r["all_minimizer_priors_equivalent"] is False
    assert r["all_minimizers_equivalent"] is False
    assert r["predictions"] == []  # Theorem 3.2 promises nothing without (F2)
    assert r["contradiction"] is False
    # The mirrored tie is there: prior 0.5 N(-1) + 0.5 N(1) with the same decoder.
    mirrored = FAMILY.canonical(FamilyPoint((0.5, 0.5), (-1.0, 1.0), (0.25, 0.25),
                                            ABSVAL["alpha"], ABSVAL["beta"], ABSVAL["pi"], 0.25))
    found = {FAMILY.canonical(FamilyPoint.from_dict(m["point"])): m for m in r["minimizers"]}
    assert mirrored in found
    assert found[mirrored]["prior_equivalent"] is False
    # ... and it is independently a non-equivalent prior with the same law.
    assert merged_weights(mirrored) != merged_weights(ABS_TRUTH)
    assert same_distribution(ABS_TRUTH.model(), mirrored.model()).same
    cex = FamilyPoint.from_dict(r["counterexample"]["point"])
    assert not r["counterexample"]["equivalent"]
    assert same_distribution(ABS_TRUTH.model(), cex.model()).same


def test_run_study_with_absval_decoder():
    log = io.StringIO()
    recs = run_study(3, seed=5, components=(2, 1), family_kwargs={
        k: v for k, v in FAMILY_KW.items() if k != "n_components"}, truth_decoder=ABSVAL,
        log=log)
    assert [r["seed"] for r in recs] == [5, 6, 7]
    assert [r["J"] for r in recs] == [2, 1, 2]
    lines = log.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["[1/3]", "[2/3]", "[3/3]"]
    for r in recs:
        truth = FamilyPoint.from_dict(r["truth"])
        assert (truth.alpha, truth.beta, truth.pi) == (ABSVAL["alpha"], ABSVAL["beta"],
                                                       ABSVAL["pi"])
        # The prior is still the seed's draw.
        drawn = Family(n_components=r["J"], **{k: v for k, v in FAMILY_KW.items()
                                               if k != "n_components"}).random_point(r["seed"])
        assert (truth.weights, truth.means) == (drawn.weights, drawn.means)
        assert r["f_weakly_injective"] is False and r["contradiction"] is False
        assert r["predictions"] == []


def test_run_study_quiet_and_decoder_off_grid():
    log = io.StringIO()
    kw = {k: v for k, v in FAMILY_KW.items() if k != "n_components"}
    recs = run_study(1, seed=0, components=(2,), family_kwargs=kw, progress=False, log=log)
    assert log.getvalue() == "" and len(recs) == 1
    with pytest.raises(ValueError, match="not on the family's grid"):
        run_study(1, components=(2,), family_kwargs=kw, progress=False,
                  truth_decoder={"alpha": (1.0, 1.0), "beta": (-1.0, 0.5), "pi": (0.0, 0.0)})


def test_run_study_progress_follows_sys_stderr():
    """The default log is the sys.stderr of call time (a redirection is honoured)."""
    import contextlib

    buf = io.StringIO()
    kw = {k: v for k, v in FAMILY_KW.items() if k != "n_components"}
    with contextlib.redirect_stderr(buf):
        run_study(1, seed=0, components=(2,), family_kwargs=kw)
    assert "[1/1] seed 0" in buf.getvalue()


# -- summarize -------------------------------------------------------------------------------------


def test_summarize_counts(records, abs_record):
    recs = all_records(records, abs_record)
    unique = sum(1 for r in recs if all(m["equivalent"] for m in r["minimizers"]))
    priors = sum(1 for r in recs if all(m["prior_equivalent"] for m in r["minimizers"]))
    text = summarize(recs)
    lines = text.splitlines()
    n = len(recs)
    assert unique == 2  # seeds 0 and 1; seed 11 (constant decoder) and |z| have ties
    assert lines[0] == (f"truth is the unique global minimizer up to equivalence in {unique} "
                        f"of {n} models")
    assert f"all global minimizers have an affinely equivalent prior in {priors} of {n}" in text
    no_f2 = sum(1 for r in recs if not r["f_weakly_injective"])
    assert f"decoders without (F2): {no_f2} (no prediction)" in text
    assert lines[-1] == "no record contradicts the predictions of Theorem 3.2"
    assert "CONTRADICTION" not in text


def test_summarize_flags_a_contradiction(records):
    bad = copy.deepcopy(records[1])
    bad["contradiction"] = True
    bad["predictions"] = [{"theorem": "3.2(c)", "claim": "prior and decoder equivalent",
                           "holds": False, "violations": 2}]
    text = summarize([records[0], bad])
    assert "CONTRADICTION with the theory for seed 1 (J=2)" in text
    assert "'violations': 2" in text
    assert "!" * 78 in text
    assert "no record contradicts" not in text
    assert text.splitlines()[0].endswith("in 2 of 2 models")


# -- regressions that would reach the study -------------------------------------------------------


def test_far_flat_ray_does_not_fake_a_contradiction():
    family = Family(n_components=2, weight_steps=2, means=(-2.0, 2.0), alphas=(-1.0, 0.0, 1.0),
                    betas=(-0.5, 0.5), biases=(0.0, 1.0))
    # f(z) = ReLU(-z/2 + 1): flat for z >= 2, 8 sd above the component N(-2, 0.25).
    truth = FamilyPoint((1.0, 0.0), (-2.0, -2.0), (0.25, 0.25), (1.0, 0.0), (-0.5, -0.5),
                        (1.0, 0.0), 0.25)
    mirror = FamilyPoint((1.0, 0.0), (2.0, 2.0), (0.25, 0.25), (1.0, 0.0), (0.5, 0.5),
                         (1.0, 0.0), 0.25)
    assert same_distribution(truth.model(), mirror.model()).same  # reference: equal laws
    r = study_record(0, 2, family=family, truth=truth, resolve=0)
    found = [family.canonical(FamilyPoint.from_dict(m["point"])) for m in r["minimizers"]]
    assert r["contradiction"] is False
    assert family.canonical(mirror) in found


def test_scaled_equivalent_does_not_fake_a_contradiction():
    family = Family(n_components=1, weight_steps=1, n_hidden=1, means=(0.0, 1.0),
                    variances=(0.25, 1.0), alphas=(0.0, 1.0), betas=(0.5, 1.0),
                    biases=(0.0, 0.5))
    truth = FamilyPoint((1.0,), (0.0,), (0.25,), (1.0,), (1.0,), (0.0,), 0.25)
    scaled = FamilyPoint((1.0,), (0.0,), (1.0,), (1.0,), (0.5,), (0.0,), 0.25)
    assert same_distribution(truth.model(), scaled.model()).same  # reference: equal laws
    r = study_record(0, 1, family=family, truth=truth, resolve=0)
    found = [family.canonical(FamilyPoint.from_dict(m["point"])) for m in r["minimizers"]]
    assert r["contradiction"] is False
    assert family.canonical(scaled) in found


def test_model_line_names_near_ties_instead_of_a_zero_gap(records, abs_record):
    """Regression: the per-model line printed "gap=0.00e+00" next to "all equivalent=True"
    when the zero gap came from near-ties (other laws within the tolerance)."""
    for r in all_records(records, abs_record):
        line = model_line(r)
        assert line.startswith(f"seed {r['seed']} J={r['J']}")
        assert f"{r['n_global_minimizers']} global minimizer" in line
        if r["n_near_ties"]:
            assert f"{r['n_near_ties']} near-tie" in line and "gap" not in line
        elif r["gap_to_nonequivalent"] is not None and r["all_minimizers_equivalent"]:
            assert f"{r['gap_to_nonequivalent']:.2e} nats" in line
        else:  # a non-equivalent global minimizer: the gap is 0 and not printed
            assert "gap" not in line
        assert ("NOT all equivalent" in line) == (not r["all_minimizers_equivalent"])
        # The small family has no near-ties; the same record with some must name them.
        tied = model_line({**r, "n_near_ties": 3, "gap_to_nonequivalent": 0.0})
        assert "3 near-ties (other laws within tol)" in tied and "gap" not in tied


def test_per_model_time_covers_the_whole_record():
    log = io.StringIO()
    kw = {k: v for k, v in FAMILY_KW.items() if k != "n_components"}
    (rec,) = run_study(1, seed=0, components=(2,), family_kwargs=kw, log=log)
    assert rec["elapsed_total"] >= rec["elapsed"]
    assert f"{rec['elapsed_total']:.1f} s (total" in log.getvalue()


def test_finite_sample_study_records():
    """One record per (size, replicate); a minimizer equivalent to the truth has its law
    (KL 0 within the quadrature error), and the truth's sample NLL is never below the minimum
    over the grid (the truth is a grid point)."""
    from exactid.search.study import finite_sample_study

    truth = FAMILY.random_point(1)
    recs = finite_sample_study(truth, FAMILY, sizes=(20, 400), replicates=2, seed=3,
                               progress=False)
    assert [(r["n"], r["replicate"]) for r in recs] == [(20, 0), (20, 1), (400, 0), (400, 1)]
    for r in recs:
        assert r["min_sample_nll"] <= r["sample_nll_of_truth"] + 1e-12
        kl = r["kl_from_truth"]
        assert kl["value"] >= -kl["error"]
        if r["equivalent"]:
            assert abs(kl["value"]) <= kl["error"] + 1e-15
    again = finite_sample_study(truth, FAMILY, sizes=(20,), replicates=1, seed=3, progress=False)
    assert again[0]["minimizer"] == recs[0]["minimizer"]
