"""End-to-end tests of the `exactid` command (through main(), and once as a subprocess)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf, save_model
from exactid.cli import main

from ..float_models import absval_net


@pytest.fixture
def model_file(tmp_path):
    model = LatentModel(GaussianMixture([0.5, 0.5], [-1.0, 2.0], [1.0, 0.5]), absval_net(), 0.3)
    path = tmp_path / "model.json"
    save_model(model, path)
    return model, path


def test_version_subprocess():
    out = subprocess.run([sys.executable, "-m", "exactid.cli", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith("exactid ")


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "logpdf" in capsys.readouterr().out


def test_logpdf_json_matches_library(model_file, capsys):
    model, path = model_file
    assert main(["logpdf", str(path), "0.5", "1.5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    np.testing.assert_array_equal(out["log_pdf"], log_pdf(model, [0.5, 1.5]))
    assert out["atoms"] == {"locations": [], "masses": []}


def test_logpdf_grid_table(model_file, capsys):
    _, path = model_file
    assert main(["logpdf", str(path), "--grid", "-1", "1", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4  # header + 3 points


def test_logpdf_reports_atoms(tmp_path, capsys):
    relu = ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]])
    path = tmp_path / "relu.json"
    save_model(LatentModel(GaussianMixture([1.0], [0.0], [1.0]), relu, 0.0), path)
    assert main(["logpdf", str(path), "1.0", "--json"]) == 0
    atoms = json.loads(capsys.readouterr().out)["atoms"]
    assert atoms["locations"] == [0.0] and atoms["masses"] == pytest.approx([0.5], rel=1e-15)


def test_pieces_exact(model_file, capsys):
    _, path = model_file
    assert main(["pieces", str(path), "--exact", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"breakpoints": ["0"], "slopes": [["-1"], ["1"]], "intercepts": [["0"], ["0"]]}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["logpdf", "missing.json", "0"], "missing.json"),
        (["logpdf", "{model}"], "give points as arguments"),
        (["logpdf", "{model}", "--grid", "0", "1", "2.5"], "--grid: expected an integer"),
        (["logpdf", "{bad}", "0"], "not valid JSON"),
    ],
)
def test_bad_input_exits_2_with_message(model_file, tmp_path, capsys, argv, message):
    _, path = model_file
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    argv = [a.format(model=path, bad=bad) for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


# -- surface ---------------------------------------------------------------------------------
def paper_model(sigma=0.3):
    """f(z) = ReLU(z + 0.3) + 2 ReLU(-0.5 z + 0.2), the J.3.1 form."""
    net = ReluNet([[[1.0], [-0.5]], [[1.0, 2.0]]], [[0.3, 0.2], [0.0]])
    return LatentModel(GaussianMixture([0.3, 0.7], [-1.0, 1.5], [0.5, 1.0]), net, sigma)


@pytest.fixture
def paper_file(tmp_path):
    path = tmp_path / "paper.json"
    save_model(paper_model(), path)
    return path


def test_surface_json_matches_library(paper_file, capsys):
    from exactid.search.surface import default_range, nll_slice

    assert main(["surface", str(paper_file), "--param", "beta1", "--points", "11", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = nll_slice(paper_model(), "beta1", default_range(paper_model(), "beta1", 11))
    assert out["param"] == "beta1" and out["kind"] == "population"
    assert out["values"] == expected.values.tolist()
    assert out["objective"] == expected.objective.tolist()
    assert out["error"] == expected.error.tolist()
    assert out["truth_value"] == 1.0 and out["argmin_value"] == 1.0


def test_surface_default_points_and_generic_name(paper_file, capsys):
    assert main(["surface", str(paper_file), "--param", "W1[1,0]", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["param"] == "beta2" and len(out["values"]) == 101
    assert out["truth_value"] == -0.5 and out["argmin_value"] == -0.5


def test_surface_table_marks_minimum_and_writes_plot(paper_file, tmp_path, capsys):
    png = tmp_path / "slice.png"
    argv = ["surface", str(paper_file), "--param", "mu2", "--range", "0.5", "2.5",
            "--points", "5", "--out", str(png)]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [line for line in lines if line.lstrip()[:1].isdigit()]
    assert len(rows) == 5
    marked = [line for line in rows if "<- minimum" in line]
    assert len(marked) == 1 and marked[0].split()[0] == "1.5" and "truth" in marked[0]
    assert lines[-1] == f"wrote {png}"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_surface_2d_json(paper_file, tmp_path, capsys):
    png = tmp_path / "surface.png"
    argv = ["surface", str(paper_file), "--param", "alpha1", "--param2", "pi1",
            "--range2", "-0.7", "1.3", "--points", "6", "--json", "--out", str(png)]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["param"], out["param2"]) == ("alpha1", "pi1")
    assert np.shape(out["objective"]) == (6, 6) == np.shape(out["error"])
    assert out["values2"] == np.linspace(-0.7, 1.3, 6).tolist()
    assert out["truth_value"] == 1.0 and out["truth_value2"] == 0.3
    assert out["argmin_value"] == 1.0  # on the default grid of alpha1
    assert png.exists()


def test_surface_2d_table(paper_file, capsys):
    argv = ["surface", str(paper_file), "--param", "lambda1", "--param2", "sigma",
            "--points", "3"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "3 x 3 grid of (lambda1, sigma)" in out
    assert "minimum: lambda1 = 0.3, sigma = 0.3" in out


@pytest.mark.parametrize("suffix", [".npy", ".txt"])
def test_surface_sample_nll_from_data(paper_file, tmp_path, capsys, suffix):
    from exactid import sample_nll
    from exactid.parameters import set_parameter

    x, _ = paper_model().sample(100, seed=5)
    data = tmp_path / f"x{suffix}"
    if suffix == ".npy":
        np.save(data, x[:, 0])
    else:
        np.savetxt(data, x[:, 0], fmt="%.17g")
    argv = ["surface", str(paper_file), "--param", "var1", "--range", "0.25", "1",
            "--points", "4", "--data", str(data), "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "sample" and out["error"] == [0.0] * 4
    expected = [sample_nll(set_parameter(paper_model(), "var1", v), x) for v in out["values"]]
    assert out["objective"] == expected


def test_surface_zero_noise_model_with_data(tmp_path, capsys):
    path = tmp_path / "zero.json"
    save_model(paper_model(sigma=0.0), path)
    data = tmp_path / "x.txt"
    data.write_text("0.5\n1.0\n1.5\n")
    argv = ["surface", str(path), "--param", "sigma", "--range", "0.1", "1", "--points", "3",
            "--data", str(data), "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["truth_value"] == 0.0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--param", "gamma1"], "--param: name: expected one of lambda1, lambda2, mu1, mu2, "
                                "var1, var2, alpha1, alpha2, beta1, beta2, pi1, pi2, b2[0], "
                                "sigma; found 'gamma1'"),
        (["--param", "mu1", "--param2", "beta9"], "--param2: name: 'beta9' is out of range"),
        (["--param", "beta1", "--param2", "W1[0,0]", "--points", "2"],
         "--param2: expected a parameter other than --param, found 'W1[0,0]', which is beta1 "
         "again"),
        (["--param", "mu1", "--range", "1", "0"], "--range: expected finite LO < HI, found "
                                                  "LO = 1.0, HI = 0.0"),
        (["--param", "mu1", "--range", "0", "inf"], "--range: expected finite LO < HI"),
        (["--param", "mu1", "--range2", "0", "1"], "--range2: only meaningful with --param2"),
        (["--param", "mu1", "--points", "1"], "--points: expected an integer >= 2, found 1"),
        (["--param", "var1", "--range", "-1", "1", "--points", "3"],
         "values[0] = -1.0: invalid parameter value (var1: expected a variance > 0"),
        (["--param", "sigma", "--range", "0", "1", "--points", "3"],
         "the population NLL needs noise_std > 0"),
        (["--param", "mu1", "--data", "{missing}"], "--data: "),
        (["--param", "mu1", "--data", "{garbage}"], "--data: "),
        (["--param", "mu1", "--data", "{empty}"], "data: expected at least one observation"),
    ],
)
def test_surface_bad_input_exits_2(paper_file, tmp_path, capsys, argv, message):
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("1.0\nnot a number\n")
    empty = tmp_path / "empty.npy"
    np.save(empty, np.zeros(0))
    argv = [a.format(missing=tmp_path / "nope.npy", garbage=garbage, empty=empty) for a in argv]
    assert main(["surface", str(paper_file), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("exactid surface: error: ")
    assert message in err


def test_surface_bad_model_files(tmp_path, capsys):
    assert main(["surface", str(tmp_path / "missing.json"), "--param", "mu1"]) == 2
    assert "missing.json: no such file" in capsys.readouterr().err
    zero = tmp_path / "zero.json"
    save_model(paper_model(sigma=0.0), zero)
    assert main(["surface", str(zero), "--param", "mu1"]) == 2
    err = capsys.readouterr().err
    assert "the population NLL needs noise_std > 0, found noise_std = 0" in err
    assert "--data" in err


def test_version_and_help_do_not_import_numba_or_matplotlib():
    code = (
        "import sys\n"
        "from exactid.cli import main\n"
        "for argv in (['--version'], ['--help'], ['surface', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('numba', 'matplotlib', 'torch')]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")
    assert "--param2" in out.stdout


# -- simulate --------------------------------------------------------------------------------
SIMULATE_REQUIRED = {"seed", "J", "truth", "f_weakly_injective", "f_injective", "n_grid_points",
                     "min_objective", "n_global_minimizers", "all_minimizer_priors_equivalent",
                     "all_minimizers_equivalent", "gap_to_nonequivalent"}


def _strict_json(text):
    """json.loads that rejects NaN / Infinity (not JSON)."""
    def reject(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=reject)


def test_simulate_end_to_end(tmp_path, capsys):
    """One model of the default J.3.1 family with J = 2 (a few seconds)."""
    from exactid.search import Family

    out = tmp_path / "study.json"
    assert main(["simulate", "--models", "1", "--J", "2", "--json", str(out)]) == 0
    captured = capsys.readouterr()
    payload = _strict_json(out.read_text())
    assert payload["study"] == "J.3.1" and payload["models"] == 1 and payload["seed"] == 0
    assert payload["components"] == [2] and payload["decoder"] == "random"
    (record,) = payload["records"]
    assert SIMULATE_REQUIRED <= set(record)
    assert record["seed"] == 0 and record["J"] == 2
    assert record["family"] == Family(n_components=2).to_dict()
    assert record["n_grid_points"] == Family(n_components=2).n_grid_points
    unique = int(all(m["equivalent"] for m in record["minimizers"]))
    lines = captured.out.strip().splitlines()
    assert lines[0] == ("truth is the unique global minimizer up to equivalence in "
                        f"{unique} of 1 models")
    assert lines[-1] == f"records written to {out}"
    assert ("CONTRADICTION" in captured.out) == record["contradiction"]
    assert "J.3.1 study: 1 models, seed 0, J in [2]" in captured.err
    assert "[1/1] seed 0 J=2" in captured.err


@pytest.mark.parametrize("argv, message", [
    (["--J", "0"], "--J: expected integers >= 1, found '0'"),
    (["--J", "a,b"], "--J: expected comma-separated integers such as 2,3, found 'a,b'"),
    (["--J", "2,,3"], "--J: expected comma-separated integers"),
    (["--models", "0"], "--models: expected an integer >= 1, found 0"),
    (["--models", "-3"], "--models: expected an integer >= 1, found -3"),
    (["--tol", "-1"], "--tol: expected a number > 0, found -1.0"),
    (["--tol", "0"], "--tol: expected a number > 0, found 0.0"),
    (["--workers", "0"], "--workers: expected an integer >= 1, found 0"),
    (["--checkpoint", "no/such/dir/ckpt"], "--checkpoint: the parent directory"),
])
def test_simulate_bad_input_exits_2(tmp_path, capsys, monkeypatch, argv, message):
    import exactid.search.study

    def must_not_run(*args, **kwargs):
        raise AssertionError("run_study called despite invalid input")

    monkeypatch.setattr(exactid.search.study, "run_study", must_not_run)
    out = tmp_path / "out.json"
    assert main(["simulate", *argv, "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("exactid simulate: error: ")
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_simulate_unreachable_scheduler_exits_2(tmp_path, capsys, monkeypatch):
    """No scheduler at the address: one line naming --scheduler, exit 2, nothing written."""
    pytest.importorskip("distributed")
    import exactid.search.distributed

    monkeypatch.setattr(exactid.search.distributed, "CONNECT_TIMEOUT", 1.0)
    out = tmp_path / "out.json"
    assert main(["simulate", "--models", "1", "--J", "2", "--scheduler", "tcp://127.0.0.1:9",
                 "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert "exactid simulate: error: --scheduler: no Dask scheduler answered at " in err
    assert list(tmp_path.iterdir()) == []


def test_simulate_with_workers_and_checkpoint_equals_in_process(tmp_path, capsys):
    """--workers 2 --checkpoint DIR gives the in-process records (timings aside), and a rerun
    loads every chunk from the checkpoint."""
    pytest.importorskip("distributed")
    timing = ("elapsed_search", "elapsed_total", "throughput", "elapsed")

    def records(*extra):
        out = tmp_path / f"s{len(list(tmp_path.iterdir()))}.json"
        assert main(["simulate", "--models", "1", "--J", "2", "--quiet", "--json", str(out),
                     *extra]) == 0
        (record,) = _strict_json(out.read_text())["records"]
        return {k: v for k, v in record.items() if k not in timing}

    plain = records()
    ckpt = tmp_path / "ckpt"
    assert records("--workers", "2", "--checkpoint", str(ckpt)) == plain
    assert records("--checkpoint", str(ckpt)) == plain
    assert len(list((ckpt / "seed0-J2").glob("*.npz"))) > 1


@pytest.mark.parametrize("where, message", [
    ("missing_directory", "--json: the directory"),
    ("is_a_directory", "is a directory; give a file name"),
])
def test_simulate_checks_json_destination_before_running(tmp_path, capsys, monkeypatch, where,
                                                         message):
    """A bad --json destination is reported before the (long) study runs, naming the option,
    and nothing is written."""
    import exactid.search.study

    calls = []
    monkeypatch.setattr(exactid.search.study, "run_study", lambda *a, **k: calls.append(1) or [])
    out = tmp_path / "no" / "such" / "out.json" if where == "missing_directory" else tmp_path
    assert main(["simulate", "--models", "1", "--json", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("exactid simulate: error: --json: ")
    assert message in captured.err
    assert calls == []
    assert list(tmp_path.iterdir()) == []
    assert "records written" not in captured.out


def test_simulate_interrupt_writes_nothing(tmp_path, capsys, monkeypatch):
    import exactid.search.study

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(exactid.search.study, "run_study", interrupted)
    out = tmp_path / "out.json"
    assert main(["simulate", "--models", "1", "--json", str(out)]) == 130
    captured = capsys.readouterr()
    assert "interrupted; nothing written" in captured.err
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, expected", [
    ([], dict(n_models=8, seed=0, components=(2, 3), tol=1e-12, truth_decoder=None,
              family_kwargs={})),
    (["--family", "h3"], dict(family_kwargs={"n_hidden": 3, "symmetry": "functions"})),
    (["--family", "leaky"], dict(family_kwargs={"negative_slope": 0.25,
                                                "symmetry": "functions"})),
    (["--full"], dict(n_models=50)),
    (["--full", "--models", "3"], dict(n_models=3)),
    (["--seed", "7", "--J", "3,2,2", "--tol", "1e-10"],
     dict(seed=7, components=(3, 2, 2), tol=1e-10)),
    (["--decoder", "absval"],
     dict(truth_decoder={"alpha": (1.0, 1.0), "beta": (-1.0, 1.0), "pi": (0.0, 0.0)})),
])
def test_simulate_passes_options_to_run_study(capsys, monkeypatch, argv, expected):
    import exactid.search.study

    seen = {}

    def fake(n_models, seed, components, *, tol, truth_decoder, family_kwargs, **kwargs):
        seen.update(n_models=n_models, seed=seed, components=components, tol=tol,
                    truth_decoder=truth_decoder, family_kwargs=family_kwargs)
        return []

    monkeypatch.setattr(exactid.search.study, "run_study", fake)
    assert main(["simulate", *argv]) == 0
    for key, value in expected.items():
        assert seen[key] == value, key
    captured = capsys.readouterr()
    assert "truth is the unique global minimizer up to equivalence in 0 of 0 models" in captured.out
    assert "records written" not in captured.out
    if "--decoder" in argv:
        assert "violates F2" in captured.err


def test_simulate_unknown_family_exits_2(tmp_path, capsys):
    out = tmp_path / "out.json"
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--family", "h9", "--json", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "exactid simulate: error: argument --family: invalid choice: 'h9'" in err
    assert "j31" in err and "h3" in err
    assert list(tmp_path.iterdir()) == []


def test_simulate_bigger_family_with_the_absval_decoder(tmp_path, capsys):
    """--family h4 (four hidden units): the |z| truth gets two dead units, and the search of
    the 5e8-point J = 2 grid finds what Remark 3.6 predicts (a few seconds)."""
    from exactid.search import Family
    from exactid.search.presets import FAMILIES

    out = tmp_path / "study.json"
    assert main(["simulate", "--family", "h4", "--decoder", "absval", "--models", "1", "--J",
                 "2", "--quiet", "--json", str(out)]) == 0
    payload = _strict_json(out.read_text())
    assert payload["family"] == "h4"
    (record,) = payload["records"]
    family = Family(n_components=2, **FAMILIES["h4"])
    assert record["family"] == family.to_dict() and record["family"]["n_hidden"] == 4
    assert record["n_grid_points"] == family.n_grid_points
    assert record["truth"]["alpha"] == [1.0, 1.0, 0.0, 0.0]
    assert record["truth"]["beta"][:2] == [-1.0, 1.0]
    assert record["truth_is_minimizer"] and not record["contradiction"]
    assert not record["f_weakly_injective"]


def test_simulate_resume_refuses_another_family(tmp_path, capsys, monkeypatch):
    """A study file written before --family existed counts as --family j31."""
    import exactid.search.study

    monkeypatch.setattr(exactid.search.study, "run_study", lambda *a, **k: [])
    out = tmp_path / "study.json"
    old = {"study": "J.3.1", "seed": 0, "models": 1, "components": [2], "decoder": "random",
           "tol": 1e-12, "status": "partial", "completed": 0, "records": []}
    out.write_text(json.dumps(old))
    argv = ["simulate", "--models", "1", "--J", "2", "--resume", "--json", str(out)]
    assert main([*argv, "--family", "h3"]) == 2
    err = capsys.readouterr().err
    assert "was written with family = 'j31', not 'h3'" in err
    assert json.loads(out.read_text()) == old
    assert main(argv) == 0


def test_simulate_read_only_checkpoint_exits_2(tmp_path, capsys, monkeypatch):
    """A checkpoint directory that cannot be written exits 2 before any work, nothing
    written.  Root may write to a directory without write permission, so the refusal that a
    read-only directory or mount produces is emulated through os.access, the call the check
    makes (tests/exactid/search/test_distributed.py has the real chmod for other users)."""
    import exactid.search.study

    def must_not_run(*args, **kwargs):
        raise AssertionError("run_study called despite an unwritable checkpoint")

    monkeypatch.setattr(exactid.search.study, "run_study", must_not_run)
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, *a, **k: (
        False if os.fspath(path) == str(ro) and mode & os.W_OK else real(path, mode, *a, **k)))
    out = tmp_path / "out.json"
    assert main(["simulate", "--models", "1", "--checkpoint", str(ro / "c"), "--json",
                 str(out)]) == 2
    err = capsys.readouterr().err
    assert f"exactid simulate: error: --checkpoint: the directory {str(ro)!r} is not " \
           "writable" in err
    assert list(ro.iterdir()) == [] and not out.exists()
