"""The stability study and the vade-check command on tiny settings."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from exactid import GaussianMixture
from vade_check import study as stability
from vade_check.alignment import dist_aff_l2
from vade_check.cli import main
from vade_check.coordinates import e1_mcc
from vade_check.data import make_dataset
from vade_check.metrics import strong_mcc, weak_mcc
from vade_check.study import PAPER, StabilityResult, format_table, run_stability
from vade_check.training import TrainConfig

TINY = dict(encoder_hidden=(8, 16, 8), decoder_hidden=(8, 16, 16), batch_size=50,
            pretrain_epochs=2, epochs=3, device="cpu")


@pytest.fixture(scope="module")
def data():
    return make_dataset("pinwheel", n_samples=240, seed=1)


@pytest.fixture(scope="module")
def study(data):
    return run_stability(data, runs=3, seed=4, config=TrainConfig(**TINY), check_decoder=True)


def test_pairs_are_the_ordered_pairs_and_recomputable(study):
    assert [(p["i"], p["j"]) for p in study.pairs] == [
        (i, j) for i in range(3) for j in range(3) if i != j]
    # Each pair's numbers are the public metrics on the stored latents and priors.
    for p in study.pairs:
        zi, zj = study.latents[p["i"]], study.latents[p["j"]]
        assert p["strong_mcc"] == strong_mcc(zi, zj)
        assert p["weak_mcc"] == weak_mcc(zi, zj)
        pi, pj = study.priors[p["i"]], study.priors[p["j"]]
        assert p["e1_mcc"] == e1_mcc(zi, pi, zj, pj).value
        # VaDE's priors are diagonal: the E.1 map only permutes and scales coordinates.
        assert p["e1_mcc"] == pytest.approx(p["strong_mcc"], abs=1e-12)
        d = dist_aff_l2(study.priors[p["i"]], study.priors[p["j"]])
        assert p["dist_aff_l2"] == d.paper and p["dist_aff_l2_refined"] == d.refined
        assert p["dist_aff_l2_refined"] <= p["dist_aff_l2"]


def test_summary_is_the_mean_and_std_of_the_pairs(study):
    for key in ("strong_mcc", "weak_mcc", "e1_mcc", "dist_aff_l2", "dist_aff_l2_refined"):
        values = [p[key] for p in study.pairs]
        s = study.summary["pairs"][key]
        assert s["n"] == 6
        assert s["mean"] == pytest.approx(sum(values) / 6, rel=1e-12)
        assert s["std"] == pytest.approx(np.std(values, ddof=1), rel=1e-12)
    for rec in study.runs:
        assert rec["seed"] == 4 + rec["run"]
        assert 0.0 <= rec["truth"]["strong_mcc"] <= 1.0
        assert rec["e1_note"] is None


def test_runs_with_the_same_seed_reproduce(data, study):
    again = run_stability(data, runs=2, seed=4, config=TrainConfig(**TINY))
    np.testing.assert_array_equal(again.latents[0], study.latents[0])
    np.testing.assert_array_equal(again.latents[1], study.latents[1])


def test_decoder_checks_are_reported(study):
    for rec in study.runs:
        chk = rec["decoder_check"]
        assert chk["hidden_units"] == 40
        # The tiny decoder (2 -> 8 -> 16 -> 16 -> 2) narrows at its end, so Corollary H.4
        # cannot apply, and 40 hidden units exceed the exact check's limit: the verdict can
        # only come from the orientation scan, which proves failures only.
        assert chk["appendix_h"]["conditions_hold"] is False
        assert "skipped" in chk["exact"]
        assert chk["F4"] is chk["scan"]["F4"] and chk["F4"] in (False, None)
        if chk["F4"] is False:
            assert chk["scan"]["witness"], chk["scan"]
    d = study.summary["decoder_F4"]
    assert d["holds"] + d["fails"] + d["undecided"] == 3


def test_json_is_serialisable_and_has_the_documented_keys(study):
    payload = json.loads(json.dumps(study.to_dict()))
    assert {"dataset", "runs", "pairs", "summary"} <= set(payload)
    assert payload["dataset"] == "pinwheel"
    assert {"strong_mcc", "weak_mcc", "e1_mcc", "dist_aff_l2"} <= set(payload["pairs"][0])


def test_table_shows_ours_and_the_papers(study):
    text = format_table(study)
    assert "pinwheel" in text and "paper (VaDE)" in text
    assert text.splitlines()[0].split()[-2:] == ["E.1", "MCC"]
    assert text.splitlines()[2].endswith(" " + stability._fmt(study.summary["pairs"]["e1_mcc"]))
    assert text.splitlines()[3].endswith(" -")  # the paper has no E.1 MCC
    mean = study.summary["pairs"]["dist_aff_l2"]["mean"]
    assert f"{mean:.3f}" in text
    assert f"{PAPER['pinwheel']['dist_aff_l2'][0]:g}" in text


def test_table_notes_name_the_data_set_and_model(study):
    """Regression: with several data sets the notes repeated "vade decoders (F4): ..." once per
    data set without saying which."""
    d = study.summary["decoder_F4"]
    note = [line for line in format_table([study, study]).splitlines()
            if line.startswith("  pinwheel         vade   distAff,L2")]
    assert len(note) == 2
    assert note[0].endswith(f"decoders (F4): {d['holds']} hold, {d['fails']} fail, "
                            f"{d['undecided']} undecided")


def test_a_prior_without_e1_coordinates_gives_nan_and_a_note():
    """Runs whose prior has no pair of distinct ratios: their pairs get NaN, the summary is
    over the other pairs, and the table says why (no training: latents and priors given)."""
    rng = np.random.default_rng(0)
    good = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [2.0, 1.0]],
                           [np.diag([1.0, 2.0]), np.diag([3.0, 1.0])])
    scalar = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [2.0, 1.0]], [np.eye(2), 3 * np.eye(2)])
    latents = [rng.normal(size=(40, 2)) for _ in range(3)]
    pairs, notes = stability._compare_pairs(latents, [good, scalar, good], False)
    assert notes[0] is None and notes[2] is None
    assert notes[1].startswith("prior: expected a pair of components whose generalised")
    for p in pairs:
        assert math.isnan(p["e1_mcc"]) == (1 in (p["i"], p["j"]))
    summary = stability._pair_summary(pairs, False)
    finite = [p["e1_mcc"] for p in pairs if (p["i"], p["j"]) in ((0, 2), (2, 0))]
    assert summary["e1_mcc"]["n"] == 2
    assert summary["e1_mcc"]["mean"] == pytest.approx(np.mean(finite), rel=1e-12)
    runs = [{"run": r, "e1_note": n} for r, n in enumerate(notes)]
    truth = {"strong_mcc": {"mean": 1.0, "std": 0.0, "n": 3},
             "weak_mcc": {"mean": 1.0, "std": 0.0, "n": 3}}
    res = StabilityResult("pinwheel", "vade", runs, pairs, {"pairs": summary, "truth": truth})
    assert "; E.1 MCC over 2 of 6 pairs (no E.1 coordinates for run 2: prior: expected a " \
           "pair" in format_table(res)
    none = stability._pair_summary([{**p, "e1_mcc": math.nan} for p in pairs], False)
    assert none["e1_mcc"]["n"] == 0 and math.isnan(none["e1_mcc"]["mean"])


def test_vae_baseline_compares_fitted_mixtures(data):
    res = run_stability(data, runs=2, seed=0, config=TrainConfig(model="vae", **TINY))
    assert res.dist_aff_source == "between GMMs fitted to the encoded data"
    assert all(g.n_components == data.n_clusters for g in res.priors)
    assert len(res.pairs) == 2


def test_study_validation(data):
    with pytest.raises(ValueError, match="runs: expected an integer >= 2"):
        run_stability(data, runs=1)
    with pytest.raises(ValueError, match="dataset: expected a vade_check.data.Dataset"):
        run_stability(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="seed: expected an integer >= 0"):
        run_stability(data, seed=-2)


def test_cli_writes_json_and_figure(tmp_path, capsys):
    out = tmp_path / "study.json"
    figs = tmp_path / "figs"
    code = main(["stability", "--dataset", "parallelograms2", "--runs", "2", "--samples", "200",
                 "--pretrain-epochs", "1", "--epochs", "1", "--json", str(out),
                 "--figure-dir", str(figs), "--quiet", "--baseline"])
    assert code == 0
    payload = json.loads(out.read_text())
    assert payload["dataset"] == "parallelograms2" and len(payload["pairs"]) == 2
    assert payload["baseline"]["model"] == "vae"
    assert sorted(p.name for p in figs.iterdir()) == [
        "stability_parallelograms2_vade.png", "stability_parallelograms2_vae.png"]
    text = capsys.readouterr().out
    assert "parallelograms2" in text and "0.1231 (0.076)" in text


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    missing = tmp_path / "nope" / "out.json"
    code = main(["stability", "--runs", "2", "--json", str(missing), "--figure-dir", ""])
    assert code == 2
    assert "--json: the directory" in capsys.readouterr().err
    assert not missing.parent.exists()
    with pytest.raises(SystemExit) as exc:
        main(["stability", "--runs", "1"])
    assert exc.value.code == 2
    assert "expected an integer >= 2, found 1" in capsys.readouterr().err
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["stability", "--figure-dir", str(afile)]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_version_does_not_import_torch():
    code = ("import sys; from vade_check.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split()[-1] == "False"
    assert out.stdout.startswith("vade-check ")


def test_many_components_skip_the_distance_but_not_the_mccs():
    """J = 10 > 8: the paper alignment (all J! permutations) is infeasible, as in J.3.3."""
    data = make_dataset("tcl", n_samples=200, seed=0)
    assert data.n_clusters == 10
    res = run_stability(data, runs=2, seed=0, config=TrainConfig(**{**TINY, "epochs": 1}))
    assert all(p["dist_aff_l2"] is None and 0 <= p["weak_mcc"] <= 1 for p in res.pairs)
    assert set(res.summary["pairs"]) == {"strong_mcc", "weak_mcc", "e1_mcc"}
    assert res.dist_aff_source.startswith("not computed: J = 10 > 8")
    row = format_table(res).splitlines()[2]
    assert row.split()[3:5] == ["-", "-"]


def test_cli_writes_no_figure_unless_asked(tmp_path, monkeypatch, capsys):
    """Regression: figures went to figures/ of the current directory by default, which from
    the repository root overwrote the tracked figures."""
    monkeypatch.chdir(tmp_path)
    code = main(["stability", "--dataset", "parallelograms2", "--runs", "2", "--samples", "200",
                 "--pretrain-epochs", "1", "--epochs", "1", "--quiet"])
    assert code == 0
    assert list(tmp_path.iterdir()) == []
    assert "figure written" not in capsys.readouterr().out
