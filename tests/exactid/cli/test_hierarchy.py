"""``exactid hierarchy``: bad input exits 2 before any work; a small run prints the table and
writes its JSON."""

import json

import pytest

from exactid.cli import main


@pytest.fixture
def no_work(monkeypatch):
    import exactid.search.hierarchy

    def must_not_run(*args, **kwargs):
        raise AssertionError("hierarchy_record called despite invalid input")

    monkeypatch.setattr(exactid.search.hierarchy, "hierarchy_record", must_not_run)


@pytest.mark.parametrize("argv, message", [
    (["--seed", "-1"], "--seed: expected an integer >= 0, found -1"),
    (["--models", "-2"], "--models: expected an integer >= 0, found -2"),
    (["--axes", "7"], "--axes: expected an integer in [0, 6], found 7"),
    (["--tol", "0"], "--tol: expected a number in (0, 1e-3] (nats), found 0.0"),
    (["--tol", "0.5"], "--tol: expected a number in (0, 1e-3]"),
    (["--models", "3000", "--axes", "6"], "grid points in all, more than"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, no_work, argv, message):
    out = tmp_path / "out.json"
    assert main(["hierarchy", *argv, "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("exactid hierarchy: error: ")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_json_destination_checked_before_running(tmp_path, capsys, no_work):
    assert main(["hierarchy", "--quick", "--json", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_one_random_truth_end_to_end(tmp_path, capsys, monkeypatch):
    import exactid.search.hierarchy as h

    # Only the random truth (the constructed cases have their own tests).
    monkeypatch.setattr(h, "constructed_cases", lambda quick=False: [])
    out = tmp_path / "h.json"
    code = main(["hierarchy", "--models", "1", "--axes", "0", "--quiet", "--json", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = captured.out.splitlines()
    assert lines[0].split()[:5] == ["truth", "F2", "F3", "F4", "P2"]
    assert lines[1].startswith("seed-0") and lines[1].endswith("consistent")
    record = json.loads(out.read_text())["records"][0]
    # The grid (two moves) holds four models with the truth's law: all are global minimizers.
    assert len(record["minimizers"]) == 4 and record["uncertified"] == 0
    assert captured.err == ""


def test_help_defaults_are_the_library_defaults():
    import exactid.cli.hierarchy as cli
    from exactid.search import hierarchy

    assert (cli.QUICK_MODELS, cli.DEFAULT_MODELS, cli.DEFAULT_TOL) == (
        hierarchy.QUICK_MODELS, hierarchy.DEFAULT_MODELS, hierarchy.DEFAULT_TOL)
