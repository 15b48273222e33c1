"""``exactid logpdf`` on models with a two-dimensional latent: points as X1,X2, --grid per
coordinate, the singular part of noiseless models, and bad input (exit 2, one line)."""

import json

import numpy as np
import pytest

from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf, save_model, singular_part
from exactid.cli import main

NET = ReluNet([[[1.0, 0.5], [-1.0, 1.0], [0.25, -1.0]], [[1.0, -0.5, 0.5], [0.0, 1.0, 1.0]]],
              [[0.0, 0.5, -0.25], [0.1, -0.2]])
PRIOR = GaussianMixture([0.4, 0.6], [[0.0, 0.5], [1.0, -1.0]],
                        [[[0.6, 0.25], [0.25, 0.4]], [[0.3, -0.1], [-0.1, 0.8]]])


@pytest.fixture(params=[0.3, 0.0], ids=["noise", "noiseless"])
def model_file(request, tmp_path):
    model = LatentModel(PRIOR, NET, request.param)
    path = tmp_path / "model2d.json"
    save_model(model, path)
    return model, path


def test_points_json_matches_library(model_file, capsys):
    model, path = model_file
    assert main(["logpdf", str(path), "0.5,0.25", "-1,2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["x"] == [[0.5, 0.25], [-1.0, 2.0]]
    np.testing.assert_array_equal(np.asarray(out["log_pdf"], dtype=float), log_pdf(model, out["x"]))
    if model.noise_std == 0:
        part = singular_part(model)
        assert out["singular_part"]["mass"] == part.mass > 0
        assert len(out["singular_part"]["pieces"]) == len(part.pieces)
    else:
        assert "singular_part" not in out


def test_grid_is_the_product_of_the_axes(model_file, capsys):
    model, path = model_file
    assert main(["logpdf", str(path), "--grid", "-1", "1", "3", "0", "2", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = [[a, b] for a in (-1.0, 0.0, 1.0) for b in (0.0, 2.0)]
    assert out["x"] == expected
    np.testing.assert_array_equal(np.asarray(out["log_pdf"], dtype=float), log_pdf(model, expected))


def test_table_has_one_column_per_coordinate(model_file, capsys):
    _, path = model_file
    assert main(["logpdf", str(path), "0,0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["x1", "x2", "log", "p(x)"]
    assert len(lines[1].split()) == 3


@pytest.mark.parametrize("argv, message", [
    (["0.5"], "x: point 1 ('0.5') has 1 coordinate(s); the model's observed dimension is n = 2"),
    (["1,2,3"], "has 3 coordinate(s)"),
    (["1,a"], "x: point 1 ('1,a'): expected 2 comma-separated numbers"),
    (["1,nan"], "x: expected finite numbers"),
    (["--grid", "0", "1", "3"], "--grid: expected 6 numbers"),
    (["--grid", "0", "1", "3", "1", "0", "3"], "--grid: expected finite LO <= HI for coordinate 2"),
    (["--grid", "0", "1", "3", "0", "1", "2.5"], "--grid: expected an integer number of points"),
    (["--grid", "0", "1", "1e5", "0", "1", "1e5"], "--grid: at most"),
    (["0,0", "--grid", "0", "1", "3", "0", "1", "3"], "not both"),
])
def test_bad_input_exits_2_with_one_line(model_file, capsys, argv, message):
    _, path = model_file
    assert main(["logpdf", str(path), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
