"""`gate run --baseline` end to end with the real tools: existing findings pass, new ones fail, moved code
stays existing, a coverage drop beyond the policy's change rule fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
from click.testing import CliRunner

from gate.cli import cli
from tests.conftest import FIXTURES, check_of
from tests.reporters.test_report_sarif import SCHEMA_FILE

NEW_SQL = """

def find_by_email(conn: sqlite3.Connection, email: str) -> list[tuple[str, str]]:
    return conn.execute("SELECT name FROM users WHERE email = '" + email + "'").fetchall()
"""


def gate(target: Path, out: Path, *args: str) -> tuple[int, str, dict[str, Any] | None]:
    result = CliRunner().invoke(cli, ["run", str(target), "--out", str(out), *args], catch_exceptions=False)
    report_path = out / "gate-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return result.exit_code, result.output, report


def planted_with_baseline(tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    """A copy of the planted fixture and its own first report, saved outside the out folder."""
    target = Path(shutil.copytree(FIXTURES / "security_planted", tmp_path / "planted"))
    code, output, report = gate(target, tmp_path / "first", "--only", "security")
    assert code == 1 and report is not None, output
    baseline = tmp_path / "main-gate-report.json"
    shutil.copy(tmp_path / "first" / "gate-report.json", baseline)
    return target, baseline, report


def test_planted_defects_against_their_own_report_new_sql_and_moved_code(tmp_path: Path) -> None:
    target, baseline, first = planted_with_baseline(tmp_path)
    planted = check_of(first, "security")["findings"]
    assert len(planted) >= 3 and all(f["baseline"] is None for f in planted)

    # Against its own report: every finding is existing and nothing fails.
    code, output, again = gate(target, tmp_path / "again", "--only", "security", "--baseline", str(baseline))
    assert code == 0, output
    assert again is not None and again["verdict"] == "pass"
    assert again["baseline"]["path"] == str(baseline) and again["baseline"]["verdict"] == "fail"
    security = check_of(again, "security")
    assert len(security["findings"]) == len(planted)
    assert {f["baseline"] for f in security["findings"]} == {"existing"}
    assert not any(f["blocking"] for f in security["findings"])
    assert "No new findings." in output

    # One new SQL injection: exit 1, and the new finding(s) are exactly those on the added lines.
    users = target / "app" / "users.py"
    before = users.read_text()
    users.write_text(before + NEW_SQL)
    added_line = len(before.splitlines()) + 4  # the line of the execute() in NEW_SQL
    code, output, changed = gate(target, tmp_path / "new", "--only", "security", "--baseline", str(baseline))
    assert code == 1, output
    assert changed is not None
    findings = check_of(changed, "security")["findings"]
    new = [f for f in findings if f["baseline"] == "new"]
    assert new and all(f["path"] == "app/users.py" and f["line"] == added_line for f in new), new
    assert any("sql" in f["rule"].lower() or f["rule"] == "B608" for f in new)
    assert [f for f in findings if f["blocking"]] == new
    assert sum(1 for f in findings if f["baseline"] == "existing") == len(planted)
    assert f"app/users.py:{added_line}" in output.split("Existing findings")[0]

    # SARIF says which alerts are new and validates against the schema.
    log = json.loads((tmp_path / "new" / "gate-report.sarif").read_text())
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft4Validator(schema).iter_errors(log))
    states = [
        (r["locations"][0]["physicalLocation"]["region"]["startLine"], r["baselineState"])
        for run in log["runs"]
        for r in run["results"]
    ]
    assert {line for line, state in states if state == "new"} == {added_line}
    assert sum(1 for _, state in states if state == "unchanged") == len(planted)

    # The 1.2 report re-renders through `gate report --from` to the same JSON.
    saved = (tmp_path / "new" / "gate-report.json").read_text()
    result = CliRunner().invoke(
        cli, ["report", "--from", str(tmp_path / "new" / "gate-report.json"), "--out", str(tmp_path / "re")]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(saved)["schema_version"] == "1.2"
    assert (tmp_path / "re" / "gate-report.json").read_text() == saved

    # The code moved down by 20 lines (the new function gone again): no new finding.
    lines = before.splitlines(keepends=True)
    users.write_text("".join([lines[0], *("# moved\n" for _ in range(20)), *lines[1:]]))
    code, output, moved = gate(target, tmp_path / "moved", "--only", "security", "--baseline", str(baseline))
    assert code == 0, output
    assert moved is not None
    moved_findings = check_of(moved, "security")["findings"]
    assert {f["baseline"] for f in moved_findings} == {"existing"}
    shifted = sorted((f["path"], f["line"] + 20 if f["path"] == "app/users.py" else f["line"]) for f in planted)
    assert sorted((f["path"], f["line"]) for f in moved_findings) == shifted


def test_a_coverage_drop_beyond_the_change_rule_fails(tmp_path: Path) -> None:
    target = Path(shutil.copytree(FIXTURES / "coverage_80", tmp_path / "cov"))
    # The level threshold lowered so that only the change rule (default: may drop by at most 1) decides.
    with (target / "gate.toml").open("a") as toml:
        toml.write('\n[thresholds.coverage]\npercent = { op = ">", value = 50 }\n')
    code, output, first = gate(target, tmp_path / "first", "--only", "coverage")
    assert code == 0 and first is not None, output
    assert check_of(first, "coverage")["metrics"]["percent"] == 80.0

    # The baseline: the same real report with a higher coverage, as main had before this change.
    for percent, expected in ((90.0, 1), (80.5, 0)):
        check_of(first, "coverage")["metrics"]["percent"] = percent
        baseline = tmp_path / f"baseline-{percent}.json"
        baseline.write_text(json.dumps(first))
        out = tmp_path / f"out-{percent}"
        code, output, report = gate(target, out, "--only", "coverage", "--baseline", str(baseline))
        assert code == expected, output
        assert report is not None
        coverage = check_of(report, "coverage")
        (change,) = coverage["changes"]
        assert (change["before"], change["after"], change["ok"]) == (percent, 80.0, expected == 0)
        if expected:
            assert "percent 90 % -> 80 % (-10 %; may drop by at most 1): not met" in coverage["reasons"]
            assert coverage["status"] == "fail"
        else:
            assert "percent 80.5 % -> 80 % (-0.5 %; may drop by at most 1): met" in coverage["reasons"]


def test_a_baseline_that_is_missing_or_not_a_report_is_a_usage_error(tmp_path: Path) -> None:
    target = Path(shutil.copytree(FIXTURES / "security_planted", tmp_path / "planted"))
    missing = tmp_path / "nope.json"
    code, output, report = gate(target, tmp_path / "out", "--only", "security", "--baseline", str(missing))
    assert code == 2 and report is None
    assert f"--baseline {missing}: no such file (expected a gate-report.json" in output
    sarif = tmp_path / "gate-report.sarif"
    sarif.write_text(json.dumps({"version": "2.1.0", "runs": []}))
    code, output, report = gate(target, tmp_path / "out", "--only", "security", "--baseline", str(sarif))
    assert code == 2 and report is None
    assert f"--baseline {sarif}: not a gate report (a JSON object without schema_version" in output
    assert not (tmp_path / "out").exists()  # nothing ran, nothing written
