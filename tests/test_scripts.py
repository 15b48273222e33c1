"""The pieces of the scripts that decide what is printed: the "ours vs paper" table, the
finite-sample table and the mutation-testing report."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import finite_sample  # noqa: E402
import mutate  # noqa: E402
import paper_comparison as pc  # noqa: E402


@pytest.mark.parametrize(("paper", "ours", "agrees"), [
    ((0.113, 0.065), (0.150, 0.030), True),    # within the paper's sd
    ((0.113, 0.065), (0.410, 0.083), False),   # 0.297 apart, sds 0.065 / 0.083
    ((1.0, None), (0.95, 0.06), True),         # no sd in the paper: ours decides
    ((1.0, None), (0.876, 0.084), False),
])
def test_metric_rows_agree_within_the_larger_sd(paper, ours, agrees):
    row = pc.metric_row("m", paper, ours, "README, 'x'")
    assert row["agrees"] is agrees
    assert row["explained"] == (None if agrees else "README, 'x'")


def test_comparison_flags_every_disagreement_with_its_explanation():
    rows = [pc.claim_row("a claim", "holds", "holds", True),
            pc.claim_row("H.2", "holds", "fails", False, pc.EXPLAINED["H.2"]),
            pc.metric_row("dist", (0.113, 0.065), (0.41, 0.08), pc.EXPLAINED["Table 2"]),
            pc.metric_row("mcc", (1.0, None), (0.8, 0.1), pc.EXPLAINED["Table 2"])]
    text = pc.format_comparison(rows, note="(note)")
    lines = text.splitlines()
    assert sum(line.rstrip().endswith("DIFFERS") for line in lines) == 3
    assert "1 of 4 agree" in text
    assert "DIFFERS: H.2\n    explained in " + pc.EXPLAINED["H.2"] in text
    assert "DIFFERS: dist; mcc\n    explained in " + pc.EXPLAINED["Table 2"] in text
    assert lines[-1] == "(note)"


def test_finite_sample_table_counts_and_medians():
    records = [{"n": n, "equivalent": eq, "kl_from_truth": {"value": kl}}
               for n, eq, kl in [(10, False, 0.3), (10, True, 0.0), (10, False, 0.1),
                                 (100, True, 0.0), (100, True, 0.0), (100, False, 2e-5)]]
    rows = finite_sample.table(records, (10, 100))
    assert rows == [
        {"n": 10, "replicates": 3, "equivalent": 1, "median_kl": 0.1, "max_kl": 0.3},
        {"n": 100, "replicates": 3, "equivalent": 2, "median_kl": 0.0, "max_kl": 2e-5}]
    text = finite_sample.format_table(rows).splitlines()
    assert text[1].split() == ["10", "1/3", "1.00e-01", "3.00e-01"]


def test_readme_mutation_table_lists_exactly_the_mutated_modules():
    """The table is a measurement of one long run (not repeated here), but it must cover the
    modules the script mutates, no more and no fewer, with consistent counts."""
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rows = re.findall(r"^\| `([\w/]+\.py)` \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", readme,
                      flags=re.M)
    assert sorted(r[0] for r in rows) == sorted(t.module for t in mutate.TARGETS)
    for _, total, skipped, killed, survived in rows:
        assert int(total) == int(skipped) + int(killed) + int(survived)


def test_mutation_targets_exist_and_their_configs_parse():
    import re

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    root = Path(__file__).resolve().parents[1]
    for target in mutate.TARGETS:
        assert (root / target.module).is_file()
        assert all((root / test).is_file() for test in target.tests)
        config = tomllib.loads(mutate.config_text(target, 60.0))["cosmic-ray"]
        assert config["module-path"] == target.module and config["timeout"] == 60.0
        assert config["test-command"].endswith(" ".join(target.tests))
        excluded = re.compile("|".join(config["filters"]["operators-filter"]
                                       ["exclude-operators"]))
        assert excluded.match("core/ReplaceBinaryOperator_Add_BitOr")
        assert excluded.match("core/ReplaceComparisonOperator_Eq_Is")
        assert not excluded.match("core/ReplaceBinaryOperator_Add_Sub")
        assert not excluded.match("core/ReplaceComparisonOperator_Lt_LtE")


def test_mutation_counts_from_a_session(tmp_path):
    import sqlite3

    session = tmp_path / "s.sqlite"
    with sqlite3.connect(session) as db:
        db.execute("create table mutation_specs (job_id text, module_path text, "
                   "start_pos_row int, operator_name text, occurrence int)")
        db.execute("create table work_results (job_id text, worker_outcome text, "
                   "test_outcome text)")
        outcomes = [("NORMAL", "KILLED"), ("NORMAL", "KILLED"), ("NORMAL", "SURVIVED"),
                    ("SKIPPED", None), ("ABNORMAL", None)]
        for i in range(7):
            db.execute("insert into mutation_specs values (?, 'm.py', ?, 'op', 0)", (i, i))
        for i, (worker, test) in enumerate(outcomes):
            db.execute("insert into work_results values (?, ?, ?)", (i, worker, test))
    assert mutate.counts(session) == {"killed": 2, "survived": 1, "errors": 1, "skipped": 1,
                                      "incompetent": 0, "pending": 2}
    assert mutate.survivors(session) == ["m.py:2 op #0"]
