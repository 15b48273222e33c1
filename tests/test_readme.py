"""The README is executed: every command and snippet runs, and every output it shows is what
the code prints now (conventions in tests/readme_runner.py).

Commands that take minutes (the reproduction targets, the paper-scale studies, the test suite
itself) are listed in :data:`HEAVY`; by default their arguments are checked (the parser accepts
them, their input files exist, a script answers ``--help``), and with ``EXACTID_README=all``
they run too.  Outputs of ``make reproduce-full`` are compared with the results file that run
wrote (figures/reproduce_full.json).
"""

from __future__ import annotations

import json
import os
import pickle
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from . import readme_runner as rr

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = rr.blocks(README)
BIN = Path(sys.executable).parent
RUN_ALL = os.environ.get("EXACTID_README") == "all"

#: Command prefixes that run for minutes: checked, not run, unless EXACTID_README=all.
HEAVY = ("make", "HYPOTHESIS_PROFILE=", "exactid simulate --full", "python scripts/",
         "exactid hierarchy", "exactid simulate --models 2 --workers",
         "exactid simulate --full --scheduler", "exactid simulate --family",
         "vade-check stability --dataset pinwheel --json", "vade-check stability --dataset par",
         "vade-check stability --dataset tcl", "pip install", "source .venv/bin/activate",
         "python -m venv", "dask scheduler", "dask worker")
#: Commands that only make sense on a fresh machine (install steps): never run here.
SETUP = ("pip install", "source .venv/bin/activate", "python -m venv", "dask scheduler",
         "dask worker")


class _Evil:
    """The README's refused torch file: a pickle whose loading would run a command."""

    def __reduce__(self):
        return (os.system, ("true",))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A directory with a copy of examples/ (and the README's evil.pt), where every command
    runs, so that nothing is written into the repository."""
    d = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", d / "examples")
    with open(d / "evil.pt", "wb") as fh:
        pickle.dump(_Evil(), fh)
    return d


def _argv(command: str) -> list[str]:
    argv = shlex.split(command)
    if argv[0] == "python":
        argv[0] = sys.executable
    elif (BIN / argv[0]).exists():
        argv[0] = str(BIN / argv[0])
    return argv


def run(command: str, cwd: Path) -> tuple[int, str]:
    """Run a README command like a user in a shell (stdout and stderr interleaved)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "MPLBACKEND": "Agg", "COLUMNS": "100"}
    env.pop("EXACTID_DEBUG", None)
    argv = _argv(command)
    if argv[0] == "make":
        argv = ["make", "-C", str(ROOT), *argv[1:]]
    elif "=" in argv[0] and argv[1] == "make":  # VAR=value make target
        key, value = argv[0].split("=", 1)
        env[key] = value
        argv = ["make", "-C", str(ROOT), *argv[2:]]
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=3600)
    return done.returncode, done.stdout


def check_heavy(command: str, cwd: Path) -> None:
    """What can be checked of a long command without running it."""
    argv = shlex.split(command)
    while argv and "=" in argv[0]:
        argv = argv[1:]
    if argv[0] == "make":
        targets = [line.split(":")[0] for line in (ROOT / "Makefile").read_text().splitlines()
                   if ":" in line and not line.startswith(("\t", "#", "."))]
        assert all(t in targets for t in argv[1:]), f"{command}: no such make target"
    elif argv[0] == "python" and argv[1].startswith("scripts/"):
        code, out = run(f"python {ROOT / argv[1]} --help", cwd)
        assert code == 0, out
    elif argv[0] in ("exactid", "vade-check"):
        from exactid.cli import build_parser as exactid_parser
        from vade_check.cli import build_parser as vade_parser

        parser = (exactid_parser if argv[0] == "exactid" else vade_parser)()
        args = parser.parse_args(argv[1:])
        for name in ("model", "net", "file") if argv[0] == "exactid" else ():
            if isinstance(getattr(args, name, None), str):
                assert (cwd / getattr(args, name)).exists(), f"{command}: no such file"
    else:
        assert command.startswith(SETUP), f"{command}: do not know how to check it"


def _heavy(command: str) -> bool:
    return command.startswith(HEAVY)


# -- the tests --------------------------------------------------------------------------------
def _ids(kind):
    return [f"line{b.line}" for b in BLOCKS if kind(b)]


def _is_transcript(b):
    return b.lang == "text" and b.text.startswith("$ ")


def _is_full_output(b):
    return b.lang == "text" and (b.marker or "").startswith("reproduce-full:")


def test_every_block_is_of_a_known_kind():
    for b in BLOCKS:
        if b.lang == "text":
            assert _is_transcript(b) or _is_full_output(b), (
                f"README line {b.line}: a text block must be a '$ ' transcript or an output of "
                "make reproduce-full (<!-- reproduce-full: KEY -->)")
        else:
            assert b.lang in ("bash", "python", "json"), f"README line {b.line}: {b.lang!r}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "bash"],
                         ids=_ids(lambda b: b.lang == "bash"))
def test_bash_commands_run(block, workdir):
    for command in rr.commands(block):
        if command.startswith(SETUP) or (_heavy(command) and not RUN_ALL):
            check_heavy(command, workdir)
            continue
        code, out = run(command, workdir)
        assert code == 0, f"README line {block.line}: {command!r} exited with {code}:\n{out}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if _is_transcript(b)],
                         ids=_ids(_is_transcript))
def test_transcripts_print_what_the_readme_shows(block, workdir):
    for command, expected in rr.transcript(block):
        if _heavy(command) and not RUN_ALL:
            check_heavy(command, workdir)
            continue
        _, out = run(command, workdir)
        assert rr.matches(expected, out), (
            f"README line {block.line}: {command!r} printed\n{out}\ninstead of\n{expected}")


@pytest.mark.parametrize("block", [b for b in BLOCKS if _is_full_output(b)],
                         ids=_ids(_is_full_output))
def test_full_reproduction_outputs_match_its_results_file(block):
    key = block.marker.split(":", 1)[1].strip()
    results = json.loads((ROOT / "figures" / "reproduce_full.json").read_text())
    assert key in results["outputs"], f"README line {block.line}: no output {key!r}"
    assert rr.matches(block.text, results["outputs"][key]), (
        f"README line {block.line}: the README shows\n{block.text}\nbut make reproduce-full "
        f"printed\n{results['outputs'][key]}")


def test_python_snippets_run_and_print_what_the_readme_shows(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__readme__"}
    for block in (b for b in BLOCKS if b.lang == "python"):
        if ">>>" in block.text:
            failures = rr.run_doctest(block, namespace, f"README line {block.line}")
            assert not failures, "".join(failures)
        else:
            exec(compile(block.text, f"README.md:{block.line}", "exec"), namespace)


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "json"],
                         ids=_ids(lambda b: b.lang == "json"))
def test_json_blocks_are_valid_model_files(block, tmp_path):
    import exactid

    path = tmp_path / "model.json"
    path.write_text(block.text)
    exactid.load_model(path)


def test_readme_shows_the_shipped_example_model():
    """The model file shown in 'Model files' is examples/model.json."""
    shown = [json.loads(b.text) for b in BLOCKS if b.lang == "json"]
    assert json.loads((ROOT / "examples" / "model.json").read_text()) in shown


# -- the comparison itself --------------------------------------------------------------------
@pytest.mark.parametrize(("expected", "got", "ok"), [
    ("radius = 0.207107", "radius = 0.2071068", True),
    ("radius = 0.207107", "radius = 0.207108", False),
    ("gap 1.51e-03 nats", "gap 1.5149e-03 nats", True),
    ("gap 1.51e-03 nats", "gap 1.52e-03 nats", False),
    ("198 global minimizers", "198 global minimizers", True),
    ("198 global minimizers", "199 global minimizers", False),
    ("198 global minimizers", "198.0 global minimizers", False),
    ("x = (4, -1)", "x  =  (4,  -1)", True),
    ("x = (4, -1)", "x = (4, 1)", False),
    ("wrote ... (3 s)", "wrote /tmp/a/b.png (3 s)", True),
    ("a\n...\nz", "a\nb\nc\nz", True),
    ("a\n...\nz", "a\nz", True),
    ("a\nz", "a\nb\nz", False),
    ("F2 yes", "F2 NO", False),
])
def test_matches(expected, got, ok):
    assert rr.matches(expected, got) is ok


def test_blocks_and_transcripts_are_parsed():
    text = "intro\n<!-- reproduce-full: table -->\n```text\nA 1\n```\n\n```text\n$ exactid " \
           "--version\nexactid 0.1.0\n$ exactid --help\nusage\n```\n"
    first, second = rr.blocks(text)
    assert (first.lang, first.marker, first.text, first.line) == ("text", "reproduce-full: table",
                                                                  "A 1", 3)
    assert rr.transcript(second) == [("exactid --version", "exactid 0.1.0"),
                                     ("exactid --help", "usage")]
    assert rr.commands(rr.Block("bash", "make test   # runs\n# note\n\nexactid -h", 1, None)) \
        == ["make test", "exactid -h"]
