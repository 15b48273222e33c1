"""The errata of paper 003 (exactid.counterexamples.errata) and their place in
`exactid counterexamples`.

Both errata must be confirmed on their counterexamples, and every verifier must refuse a
network that is not a counterexample (negative controls), so each check can fail.  The numbers
are compared with independent references: the preimages of the crossing with a hand
computation and a layer-by-layer rational evaluation written here, the masses with closed
forms (the density of the prior) and with the density engine's atoms.
"""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import norm

from exactid import GaussianMixture, LatentModel, ReluNet, atoms
from exactid import counterexamples as ce
from exactid.cli import main

F = Fraction


def exact_eval(net: ReluNet, z) -> tuple:
    """f(z) in rational arithmetic, layer by layer."""
    h = [F(z)]
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        h = [sum((F(float(w[r, c])) * h[c] for c in range(w.shape[1])), F(0))
             + F(float(b[r])) for r in range(w.shape[0])]
        if i < net.n_layers - 1:
            h = [max(t, F(float(net.negative_slope)) * t) for t in h]
    return tuple(h)


def polyline_net(vertices, d_in, d_out) -> ReluNet:
    """f(k) = vertices[k], affine in between; rays d_in (z <= 0) and d_out (z >= K)."""
    v = [np.array(p, dtype=float) for p in vertices]
    K = len(v) - 1
    s = [np.array(d_in, float)] + [v[k + 1] - v[k] for k in range(K)] + [np.array(d_out, float)]
    cols = [s[0], -s[0]] + [s[k + 1] - s[k] for k in range(K + 1)]
    W1 = np.array([[1.0], [-1.0]] + [[1.0]] * (K + 1))
    b1 = np.array([0.0, 0.0] + [-float(k) for k in range(K + 1)])
    return ReluNet([W1, np.column_stack(cols)], [b1, v[0]])


#: A second crossing net: along the x-axis to (2, 0), up to (1, 1), straight down through
#: (1, 0) (at z = 5/2; the x-axis passes there at z = 1/2) and on down.
CROSS = polyline_net([(0, 0), (2, 0), (1, 1), (1, -1)], (1, 0), (0, -1))
#: Observably injective, hypotheses of Corollary H.2 hold: (ReLU(z), ReLU(-z)).
SPLIT = ReluNet([[[1.0], [-1.0]], [[1.0, 0.0], [0.0, 1.0]]], [[0.0, 0.0], [0.0, 0.0]])
#: Injective: (z, ReLU(z)).
GRAPH = ReluNet([[[1.0], [-1.0]], [[1.0, -1.0], [1.0, 0.0]]], [[0.0, 0.0], [0.0, 0.0]])
ABS = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
RELU = ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]])


@pytest.fixture(scope="module")
def errata():
    return {e.name: e for e in ce.verify_errata()}


def by_check(erratum, start: str):
    (found,) = [c for c in erratum.checks if c.check.startswith(start)]
    return found


# -- both errata confirmed -----------------------------------------------------------------------
def test_both_errata_confirmed(errata):
    assert list(errata) == ["corollary_h2", "remark_d1"]
    for e in errata.values():
        assert e.confirmed and all(c.ok for c in e.checks) and len(e.checks) >= 4
    assert errata["corollary_h2"].reference == "Corollary H.2"
    assert "Corollary H.2" in errata["corollary_h2"].claim
    assert "Remark D.1" in errata["remark_d1"].claim and "Remark 3.5" in errata["remark_d1"].claim


def test_corollary_h2_overlap_is_the_diagonal_ray(errata):
    e = errata["corollary_h2"]
    (o,) = by_check(e, "(F3) fails exactly").values["overlaps"]
    assert (o["start"], o["end"], o["direction"]) == (["0", "0"], None, ["1", "1"])
    # Every point (t, t), t > 0, has the preimages -t and t: checked at the points shown.
    for pre in by_check(e, "points inside the overlap").values["preimages"]:
        t = F(pre["x"][0])
        assert pre["x"] == [str(t), str(t)] and t > 0
        assert pre["points"] == [str(-t), str(t)]
        assert exact_eval(ce.corollary_h2_fold(), t) == exact_eval(ce.corollary_h2_fold(), -t)


def test_remark_d1_crossing_and_its_mass(errata):
    e = errata["remark_d1"]
    net = ce.remark_d1_crossing()
    # By hand: f(-2) = (-2 + 2, 2 - 1) on the first piece, f(1) = (0, 1) on the last.
    assert exact_eval(net, F(-2)) == exact_eval(net, F(1)) == (0, 1)
    (crossing,) = by_check(e, "a point x of the image").values["crossings"]
    assert crossing == {"x": ["0", "1"], "points": ["-2", "1"], "intervals": [],
                        "count": 2}
    (mass,) = by_check(e, "no crossing is an atom").values["masses"]
    assert mass["mass"] == 0.0
    # The box |f(Z) - x|_inf <= r pulls back to [-2 - r, -2 + r] and [1 - r, 1 + r]
    # (the first piece has both coordinates of slope +-1, the last one of slope 1 and the
    # other constant there).
    # The default prior: unit-variance components on the two preimages, equal weights.
    prior = GaussianMixture([0.5, 0.5], [-2.0, 1.0], [1.0, 1.0])
    comps = list(zip(prior.weights, prior.means[:, 0], np.sqrt(prior.variances)))
    for r, got in zip(mass["box_radii"], mass["box_masses"]):
        r = float(F(r))
        want = sum(w * (norm.cdf(c + r, mu, sd) - norm.cdf(c - r, mu, sd))
                   for c in (-2.0, 1.0) for w, mu, sd in comps)
        # cdf differences over a width 2r lose ~1e-16 / (2r) relative: 1e-9 is ample.
        assert got == pytest.approx(want, rel=1e-9)


def test_errata_as_dict_is_json():
    e = ce.verify_corollary_h2()
    data = json.loads(json.dumps(e.as_dict()))
    assert set(data) == {f.name for f in dataclasses.fields(ce.Erratum)}
    assert all(set(c) == {"check", "ok", "measured", "values"} for c in data["checks"])
    assert data["confirmed"] is True


# -- another net can be plugged in ---------------------------------------------------------------
def test_remark_d1_on_another_crossing_net():
    prior = GaussianMixture([0.25, 0.75], [0.0, 3.0], [0.25, 4.0])
    e = ce.verify_remark_d1(CROSS, prior=prior, label="a cross")
    assert e.confirmed and e.counterexample == "a cross"
    (crossing,) = by_check(e, "a point x of the image").values["crossings"]
    assert crossing["x"] == ["1", "0"] and crossing["points"] == ["1/2", "5/2"]
    assert exact_eval(CROSS, F(1, 2)) == exact_eval(CROSS, F(5, 2)) == (1, 0)
    assert "0.25 N(0, 0.25) + 0.75 N(3, 4)" in by_check(e, "no crossing is an atom").check


def test_flat_values_are_atoms_in_the_note():
    # ReLU is (F3), not (F4), with no crossing: not a counterexample, but its flat value 0
    # carries the mass the density engine reports as its atom.
    prior = GaussianMixture([0.5, 0.5], [-1.0, 2.0], [1.0, 0.25])
    e = ce.verify_remark_d1(RELU, prior=prior)
    assert not e.confirmed
    _, masses = atoms(LatentModel(prior, RELU, 0.0))
    assert f"x = (0): P(Z in f^-1({{x}})) = {masses[0]:.4g}" in e.notes[0]


# -- negative controls: the checks can fail ------------------------------------------------------
@pytest.mark.parametrize("net, failing", [
    (SPLIT, {"(F3) fails: check_injectivity", "(F3) fails exactly", "points inside"}),
    (ABS, {"the printed hypotheses hold"}),  # widths 1, 2, 1 decrease
    (ReluNet(SPLIT.weights, SPLIT.biases, negative_slope=0.5),
     {"the printed hypotheses hold", "(F3) fails: check_injectivity", "(F3) fails exactly",
      "points inside"}),
])
def test_corollary_h2_refuses_non_counterexamples(net, failing):
    e = ce.verify_corollary_h2(net)
    assert not e.confirmed
    assert {c.check for c in e.checks if not c.ok} == {
        c.check for c in e.checks if any(c.check.startswith(f) for f in failing)}


@pytest.mark.parametrize("net, failing", [
    (GRAPH, {"(F4) fails", "a point x", "f(z) = x", "no crossing"}),
    (ce.corollary_h2_fold(), {"(F3) holds", "a point x", "f(z) = x", "no crossing"}),
    (RELU, {"a point x", "f(z) = x", "no crossing"}),
])
def test_remark_d1_refuses_non_counterexamples(net, failing):
    e = ce.verify_remark_d1(net)
    assert not e.confirmed
    assert {c.check for c in e.checks if not c.ok} == {
        c.check for c in e.checks if any(c.check.startswith(f) for f in failing)}


def test_verifiers_reject_bad_input():
    with pytest.raises(ValueError, match="net: expected a ReluNet, found str"):
        ce.verify_remark_d1("net")
    two = ReluNet([[[1.0, 0.0], [0.0, 1.0]]], [[0.0, 0.0]])
    with pytest.raises(NotImplementedError, match="net: the errata are checked for networks "
                       "R -> R\\^n, found input dimension 2"):
        ce.verify_corollary_h2(two)
    plane = GaussianMixture([1.0], [[0.0, 0.0]], [np.eye(2)])
    with pytest.raises(ValueError, match="prior: expected a prior on R \\(dimension 1\\), "
                       "found dimension 2"):
        ce.verify_remark_d1(prior=plane)


# -- the table and the command -------------------------------------------------------------------
def test_format_errata(errata):
    text = ce.format_errata(list(errata.values()))
    lines = text.splitlines()
    assert lines[0].split() == ["erratum", "claim", "checks", "result"]
    assert "2/2 errata confirmed" in text
    short = ce.format_errata(list(errata.values()), details=False)
    assert text.startswith(short) and "counterexample:" not in short
    failed = ce.format_errata([ce.verify_remark_d1(GRAPH)])
    assert "NOT CONFIRMED" in failed and "[FAIL]" in failed and "0/1 errata confirmed" in failed


def quick_row(passed=True):
    """A construction row built directly, so that the command runs without the slow table."""
    return ce.Row(name="stub", claim="a claim", numeric_max_density_diff=0.0, numeric_tv=0.0,
                  exact_same_law=True, symbolic_ok=None, injectivity={}, passed=passed,
                  detail="[ok] stub")


@pytest.fixture
def quick_table(monkeypatch):
    rows = [quick_row()]
    monkeypatch.setattr(ce, "verify_all", lambda symbolic=True, progress=None: rows)
    return rows


def test_cli_prints_errata_after_the_constructions(quick_table, capsys):
    assert main(["counterexamples", "--no-symbolic"]) == 0
    out = capsys.readouterr().out
    table = ce.format_table(quick_table)
    assert out.startswith(table + "\n\n")  # the constructions' output is unchanged
    rest = out[len(table):]
    assert rest.strip().splitlines()[0].split() == ["erratum", "claim", "checks", "result"]
    assert "corollary_h2  Corollary H.2" in rest and "2/2 errata confirmed" in rest
    assert "remark_d1: Remark D.1" in rest and "FAIL" not in rest


def test_cli_json_shape(quick_table, capsys):
    assert main(["counterexamples", "--json", "--no-symbolic"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"constructions", "errata"}
    assert [d["name"] for d in data["constructions"]] == ["stub"]
    assert [d["name"] for d in data["errata"]] == ["corollary_h2", "remark_d1"]
    assert all(d["confirmed"] is True for d in data["errata"])


@pytest.mark.parametrize("row_passes, erratum_confirmed, code", [
    (True, True, 0), (True, False, 1), (False, True, 1)])
def test_cli_exit_code(monkeypatch, capsys, row_passes, erratum_confirmed, code):
    monkeypatch.setattr(ce, "verify_all",
                        lambda symbolic=True, progress=None: [quick_row(row_passes)])
    erratum = ce.verify_corollary_h2() if erratum_confirmed else ce.verify_corollary_h2(SPLIT)
    monkeypatch.setattr(ce, "verify_errata", lambda progress=None: [erratum])
    assert main(["counterexamples", "--no-symbolic"]) == code
    assert ("NOT CONFIRMED" in capsys.readouterr().out) is (not erratum_confirmed)


def test_default_prior_is_centred_on_the_preimages():
    e = ce.verify_remark_d1()
    assert "P = 0.5 N(-2, 1) + 0.5 N(1, 1)" in by_check(e, "no crossing is an atom").check
