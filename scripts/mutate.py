"""Mutation testing of the decision and special-function modules (``make mutate``).

Runs cosmic-ray (``pip install -e ".[mutate]"``) on each module of :data:`TARGETS`: every
mutant (an operator, comparison, constant or boolean changed in one place) is written into the
module and the module's own tests run against it; a mutant that no test fails on *survives*.
The report lists, per module, how many mutants were killed, survived, crashed the test
worker (errors), were skipped (filtered) or are pending, and every survivor with its place
and operator.

What is mutated, and why these:

* the exact decisions (law equality, 1-D injectivity, equivalence), where a wrong answer is
  silent;
* the special functions of the density (:mod:`exactid.density.special`, numba kernels run
  with ``NUMBA_DISABLE_JIT=1`` so that a mutant costs no compilation; the tests are the same);
* the MCCs of vade_check.

Operators that only produce nonsense in this code (bitwise and shift operators, floor
division, modulo, power, identity and membership tests, removed decorators) are filtered out,
and so is every line marked ``# pragma: no mutate`` with a comment saying why each of its
mutants would be equivalent.  Where a line also has mutants that tests do kill, the equivalent
ones are left to survive and named in a comment at the line (``equivalent mutant: ...``), so
every survivor in the report is either a gap in the tests or explained next to its code.

Usage::

    python scripts/mutate.py                 # all modules, 90 minutes at most per call
    python scripts/mutate.py --module laws   # one module
    python scripts/mutate.py --max-minutes 30

About 1,300 mutants remain after the filters; each costs one start of pytest plus the
module's tests (2-15 s on 2 cores), so all modules take about two hours (one hour with two
copies of the tree, each running some of the modules, on 2 cores).  The time bound stops the
run cleanly (the module under mutation is always restored): the report then counts the
mutants not yet tried as pending, and the next run resumes the sessions.  Sessions and the
report go to ``build/mutation/`` (git-ignored).  The modules are mutated in place, so run it
in a checkout where nothing else runs meanwhile.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "mutation"


@dataclass(frozen=True)
class Target:
    """One mutated module and the tests that guard it."""

    name: str
    module: str
    tests: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


TARGETS = (
    Target("laws", "exactid/identifiability/laws.py",
           ("tests/exactid/identifiability/test_laws.py",)),
    Target("line", "exactid/identifiability/line.py",
           ("tests/exactid/identifiability/test_line.py",)),
    Target("equivalence", "exactid/identifiability/equivalence.py",
           ("tests/exactid/identifiability/test_equivalence.py",)),
    Target("special", "exactid/density/special.py",
           ("tests/exactid/density/test_special.py",), (("NUMBA_DISABLE_JIT", "1"),)),
    Target("metrics", "vade_check/metrics.py", ("tests/vade_check/test_metrics.py",)),
)

#: cosmic-ray operators that make no sense for this code (regular expressions).
EXCLUDED_OPERATORS = (
    # The decorators here are numba's (ignored by the uncompiled runs) and dataclass's
    # (removing one breaks every construction at once).
    r"core/RemoveDecorator",
    r"core/ReplaceBinaryOperator_.*_(FloorDiv|Mod|Pow|RShift|LShift|BitOr|BitAnd|BitXor)$",
    r"core/ReplaceBinaryOperator_(FloorDiv|Mod|Pow|RShift|LShift|BitOr|BitAnd|BitXor)_.*",
    r"core/ReplaceComparisonOperator_.*_(Is|IsNot|In|NotIn)$",
    r"core/ReplaceComparisonOperator_(Is|IsNot|In|NotIn)_.*",
)


def config_text(target: Target, timeout: float) -> str:
    """The cosmic-ray configuration (TOML) of one target."""
    tests = " ".join(target.tests)
    excluded = ", ".join(f'"{e}"' for e in EXCLUDED_OPERATORS)
    return (
        "[cosmic-ray]\n"
        f'module-path = "{target.module}"\n'
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f'test-command = "{sys.executable} -m pytest -x -q -p no:cacheprovider {tests}"\n'
        "\n[cosmic-ray.distributor]\nname = \"local\"\n"
        f"\n[cosmic-ray.filters.operators-filter]\nexclude-operators = [{excluded}]\n"
    )


def tool(name: str) -> str:
    """A cosmic-ray command next to this interpreter."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise SystemExit(f"mutate: {name} not found; install the extra: "
                         "pip install -e '.[mutate]'")
    return str(path)


def counts(session: Path) -> dict[str, int]:
    """Outcome counts of a session: killed, survived, errors (the worker crashed), skipped
    (filtered), incompetent and pending."""
    with sqlite3.connect(session) as db:
        total = db.execute("select count(*) from mutation_specs").fetchone()[0]
        rows = db.execute("select worker_outcome, test_outcome from work_results").fetchall()
    out = {"killed": 0, "survived": 0, "errors": 0, "skipped": 0, "incompetent": 0}
    for worker, test in rows:
        worker, test = str(worker).lower(), str(test).lower()
        if "skipped" in worker:
            out["skipped"] += 1
        elif "abnormal" in worker or "exception" in worker:
            out["errors"] += 1
        elif "survived" in test:
            out["survived"] += 1
        elif "killed" in test:
            out["killed"] += 1
        else:
            out["incompetent"] += 1
    out["pending"] = total - len(rows)
    return out


def survivors(session: Path) -> list[str]:
    """One line per surviving mutant: place and operator."""
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "select s.module_path, s.start_pos_row, s.operator_name, s.occurrence "
            "from mutation_specs s join work_results r on s.job_id = r.job_id "
            "where lower(r.test_outcome) like '%survived%' order by s.start_pos_row").fetchall()
    return [f"{Path(m).name}:{row} {op} #{occ}" for m, row, op, occ in rows]


def run_target(target: Target, deadline: float, timeout: float) -> dict[str, int]:
    """Initialise (once), filter and execute the session of one target until ``deadline``."""
    OUT.mkdir(parents=True, exist_ok=True)
    config = OUT / f"{target.name}.toml"
    session = OUT / f"{target.name}.sqlite"
    config.write_text(config_text(target, timeout))
    env = {**os.environ, **dict(target.env)}
    if not session.exists():
        subprocess.run([tool("cosmic-ray"), "init", str(config), str(session)], check=True,
                       cwd=ROOT)
        subprocess.run([tool("cr-filter-operators"), str(session), str(config)], check=True,
                       cwd=ROOT)
        subprocess.run([tool("cr-filter-pragma"), str(session)], check=True, cwd=ROOT)
    left = deadline - time.monotonic()
    if left > 0:
        module = ROOT / target.module
        original = module.read_bytes()
        proc = subprocess.Popen([tool("cosmic-ray"), "exec", str(config), str(session)],
                                cwd=ROOT, env=env)
        try:
            proc.wait(timeout=left)
        except subprocess.TimeoutExpired:
            # SIGINT lets cosmic-ray restore the module it is mutating; SIGKILL would not.
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
            print(f"mutate: time limit reached during {target.name}; the rest is pending",
                  file=sys.stderr)
        finally:
            if module.read_bytes() != original:  # never leave a mutant behind
                module.write_bytes(original)
    return counts(session)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=[t.name for t in TARGETS],
                        help="mutate only this module (repeatable; default: all)")
    parser.add_argument("--max-minutes", type=float, default=90.0,
                        help="stop after this many minutes (default: 90)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds before one mutant's tests count as hung (default: 300)")
    args = parser.parse_args(argv)
    if args.max_minutes <= 0 or args.timeout <= 0:
        parser.error("--max-minutes and --timeout must be positive")
    chosen = [t for t in TARGETS if not args.module or t.name in args.module]
    deadline = time.monotonic() + 60.0 * args.max_minutes
    lines = [f"{'module':<40} {'killed':>7} {'survived':>9} {'errors':>7} "
             f"{'skipped':>8} {'pending':>8}"]
    details = []
    for target in chosen:
        c = run_target(target, deadline, args.timeout)
        lines.append(f"{target.module:<40} {c['killed']:>7} {c['survived']:>9} "
                     f"{c['errors']:>7} {c['skipped']:>8} {c['pending']:>8}")
        details += [f"  survived: {s}" for s in survivors(OUT / f"{target.name}.sqlite")]
    report = "\n".join(lines + details) + "\n"
    (OUT / "report.txt").write_text(report)
    print(report, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
