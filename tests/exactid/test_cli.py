"""End-to-end tests of the `exactid` command (through main(), and once as a subprocess)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf, save_model
from exactid.cli import main

from .strategies import absval_net


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
