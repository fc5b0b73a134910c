"""Every format shows new vs existing findings when the run had a baseline (`gate run --baseline`)."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gate.model import BaselineRef, BaselineState, ChangeMeasurement, ChangeRule, GateReport, Verdict
from gate.outdir import read_report, write_reports
from gate.redact import redact_report
from gate.report_json import report_from_dict, report_to_dict
from gate.reporters import console, html, junit, markdown, sarif
from tests.reporters.test_report_sarif import SCHEMA_FILE
from tests.support import paths
from tests.support.canonical import canonical_report

NEW_RULE = "gate.sql-string-concat"  # the canonical report's critical finding: the one new here


def with_baseline() -> GateReport:
    """The canonical report judged against a baseline: one new finding, the others existing, two gone,
    and a coverage drop beyond its change rule."""
    report = canonical_report()
    checks = []
    for check in report.checks:
        findings = tuple(
            dataclasses.replace(
                f,
                baseline=BaselineState.NEW if f.rule == NEW_RULE else BaselineState.EXISTING,
                blocking=f.blocking and f.rule == NEW_RULE,
            )
            for f in check.findings
        )
        changes: tuple[ChangeMeasurement, ...] = ()
        if check.id == "coverage":
            changes = (ChangeMeasurement("percent", 90.0, 86.3636, ChangeRule(max_drop=1), False, " %"),)
        checks.append(dataclasses.replace(check, findings=findings, changes=changes, absent=2 if findings else 0))
    ref = BaselineRef("main/gate-report.json", "2026-11-30T10:00:00+00:00", Verdict.FAIL)
    return dataclasses.replace(report, checks=tuple(checks), baseline=ref)


def test_console_leads_with_new_findings_and_counts_existing() -> None:
    text = console.render(with_baseline(), width=200)
    assert "Against the baseline main/gate-report.json" in text
    new_at, existing_at = text.index("New findings (1 of 1)"), text.index("Existing findings:")
    assert new_at < existing_at
    assert NEW_RULE in text[new_at:existing_at]
    assert "(1 new, " in text and "existing, 2 gone)" in text
    assert "✗ percent 90 % -> 86.36 % (-3.64 %; may drop by at most 1)" in text


def test_console_without_a_baseline_is_unchanged() -> None:
    text = console.render(canonical_report(), width=200)
    assert "Top findings" in text and "New findings" not in text and "existing" not in text


def test_markdown_leads_with_new_findings() -> None:
    text = markdown.render(with_baseline())
    new_at, existing_at = text.index("### New findings (1 of 1)"), text.index("### Existing findings")
    assert new_at < existing_at
    assert "gate.sql-string-concat" in text[new_at:existing_at].replace("\\", "")
    assert "Against the baseline main/gate-report.json" in text
    assert "of the baseline gone (fixed)" in text


def test_html_filters_findings_by_baseline_state() -> None:
    page = html.render(with_baseline())
    assert '<select id="baseline-filter">' in page
    assert 'data-baseline="new"' in page and 'data-baseline="existing"' in page
    assert "Against the baseline: 1 new" in page
    assert "may drop by at most 1" in page
    assert "<script src" not in page  # self-contained
    assert 'id="baseline-filter"' not in html.render(canonical_report())


def test_sarif_marks_results_new_or_unchanged_and_validates() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    log: dict[str, Any] = json.loads(sarif.render(with_baseline()))
    assert not list(jsonschema.Draft4Validator(schema).iter_errors(log))
    states = {
        r["ruleId"]: r["baselineState"]
        for run in log["runs"]
        for r in run["results"]
        if "suppressions" not in r  # waived findings carry no state in the canonical report
    }
    assert states[NEW_RULE] == "new"
    assert set(states.values()) == {"new", "unchanged"}
    assert all(run["properties"]["gateBaseline"]["path"] == "main/gate-report.json" for run in log["runs"])
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["baselineState"] = "existing"  # not a SARIF state
    assert list(jsonschema.Draft4Validator(schema).iter_errors(broken))
    plain: dict[str, Any] = json.loads(sarif.render(canonical_report()))
    assert not any("baselineState" in r for run in plain["runs"] for r in run["results"])


def test_junit_fails_only_new_findings() -> None:
    root = ET.fromstring(junit.render(with_baseline()))
    findings = [case for case in root.iter("testcase") if case.get("name", "").startswith(("semgrep ", "bandit "))]
    failed = [case.get("name", "") for case in findings if case.find("failure") is not None]
    assert len(failed) == 1 and NEW_RULE in failed[0]
    existing = [case.findtext("system-out") or "" for case in findings if case.find("failure") is None]
    assert existing and all(text.startswith("existing (in the baseline") for text in existing)
    change = next(case for case in root.iter("testcase") if case.get("name") == "change percent")
    assert change.find("failure") is not None


def test_json_1_2_round_trips_through_report_from(tmp_path: Path) -> None:
    report = with_baseline()
    data = report_to_dict(report)
    assert data["schema_version"] == "1.2"
    assert data["baseline"] == {
        "path": "main/gate-report.json",
        "started_at": "2026-11-30T10:00:00+00:00",
        "verdict": "fail",
    }
    schema = json.loads((paths.REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    write_reports(report, tmp_path)
    back = read_report(tmp_path / "gate-report.json")
    assert back == redact_report(report)
    assert report_from_dict(report_to_dict(back)) == back
    coverage = next(c for c in back.checks if c.changes)
    assert coverage.changes[0].ok is False and coverage.changes[0].rule == ChangeRule(max_drop=1)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_older_reports_read_without_baseline(version: str) -> None:
    data = json.loads((paths.DATA / "reports" / f"gate-report-{version}.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == version
    back = report_from_dict(data)
    assert back.baseline is None
    assert all(f.baseline is None for c in back.checks for f in (*c.findings, *c.waived))
    assert all(c.changes == () and c.absent == 0 for c in back.checks)
