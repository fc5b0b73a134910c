"""SARIF 2.1.0: valid against the OASIS schema, and shaped the way code scanning needs it."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema
import pytest

from gate.model import Finding, Severity, Status
from gate.reporters import sarif
from tests.support import paths
from tests.support.canonical import canonical_report

# The official schema: the workspace keeps it in shared/ beside the clone; the repository carries a copy
# (tests/data/sarif) so the validation also runs in a clone that has no shared/ folder.
REPO = paths.REPO
SHARED_SCHEMA = paths.REPO / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json"
VENDORED_SCHEMA = paths.REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
SCHEMA_FILE = SHARED_SCHEMA if SHARED_SCHEMA.exists() else VENDORED_SCHEMA


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    assert SCHEMA_FILE.exists(), f"SARIF schema not found at {SCHEMA_FILE}"
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def log() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(sarif.render(canonical_report()))
    return parsed


def _run(log: dict[str, Any], category: str) -> dict[str, Any]:
    runs: list[dict[str, Any]] = [r for r in log["runs"] if r["automationDetails"]["id"] == category]
    (run,) = runs
    return run


def test_valid_against_the_sarif_schema(validator: jsonschema.Draft4Validator, log: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, errors[0]


def test_the_validator_catches_a_broken_log(validator: jsonschema.Draft4Validator, log: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(list(validator.iter_errors(broken))) >= 2


def test_one_run_per_check_and_tool_with_distinct_categories(log: dict[str, Any]) -> None:
    categories = [r["automationDetails"]["id"] for r in log["runs"]]
    # Skipped checks and checks without a file for their findings (load) have none.
    assert categories == [
        "gate/security/bandit/",
        "gate/security/semgrep/",
        "gate/migrations/sqlfluff/",
        "gate/fuzz/schemathesis/",
    ]
    assert len(set(categories)) == len(categories)
    assert [r["tool"]["driver"]["name"] for r in log["runs"]] == ["bandit", "semgrep", "sqlfluff", "schemathesis"]
    assert _run(log, "gate/security/bandit/")["tool"]["driver"]["version"] == "1.9.4"


def test_levels_follow_severity(log: dict[str, Any]) -> None:
    levels = {r["properties"]["severity"]: r["level"] for run in log["runs"] for r in run["results"]}
    assert levels == {
        "critical": "error",
        "high": "error",
        "medium": "warning",
        "low": "note",
        "info": "note",
    }


def test_locations_are_relative_with_valid_regions(log: dict[str, Any]) -> None:
    for run in log["runs"]:
        assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///srv/repo/"
        for result in run["results"]:
            physical = result["locations"][0]["physicalLocation"]
            assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            assert not physical["artifactLocation"]["uri"].startswith("/")
            region = physical.get("region", {"startLine": 1})
            assert region["startLine"] >= 1 and "startColumn" not in region
            assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for run in log["runs"] for r in run["results"]
    }
    # relative to the repository root (the target is its shop/ folder); unicode and spaces percent-encoded
    assert "shop/app/na%C3%AFve%20%E2%9C%93%20%E6%97%A5%E6%9C%AC.py" in uris
    assert "shop/migrations/0001%20init.sql" in uris
    b101 = next(r for r in _run(log, "gate/security/bandit/")["results"] if r["ruleId"] == "B101")
    assert "region" not in b101["locations"][0]["physicalLocation"]  # no line: no region rather than line 0


def test_rules_are_described(log: dict[str, Any]) -> None:
    rules = {rule["id"]: rule for run in log["runs"] for rule in run["tool"]["driver"]["rules"]}
    assert set(rules) == {
        "B101",
        "B105",
        "B311",
        "B608",
        "gate.sql-string-concat",
        "gate.debug-enabled",
        "AM04",
        "LT01",
        "not_a_server_error",
        "response_schema_conformance",
    }
    for rule in rules.values():
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
    assert rules["B608"]["properties"]["security-severity"] == "8.0"
    assert "security-severity" not in rules["AM04"]["properties"]


def test_waived_findings_are_suppressed_with_the_reason(log: dict[str, Any]) -> None:
    results = _run(log, "gate/security/bandit/")["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["B311"]
    assert suppressed[0]["suppressions"][0]["justification"].startswith("jitter only, not security")


def test_fingerprints_are_unique_and_ignore_line_moves(log: dict[str, Any]) -> None:
    prints = [r["partialFingerprints"]["gateFinding/v1"] for run in log["runs"] for r in run["results"]]
    assert len(prints) == len(set(prints))
    report = canonical_report()
    security = report.checks[0]
    moved = dataclasses.replace(
        security, findings=tuple(dataclasses.replace(f, line=(f.line or 0) + 10) for f in security.findings)
    )
    again = json.loads(sarif.render(dataclasses.replace(report, checks=(moved, *report.checks[1:]))))
    assert [r["partialFingerprints"] for r in again["runs"][0]["results"]] == [
        r["partialFingerprints"] for r in log["runs"][0]["results"]
    ]


def test_an_errored_scan_keeps_its_findings_but_has_no_empty_run(validator: jsonschema.Draft4Validator) -> None:
    """An empty run would tell code scanning that every open alert of that tool was fixed; the findings
    a tool did report before the check errored are still results, in a run marked as not successful."""
    report = canonical_report()
    errored = dataclasses.replace(report.checks[0], status=Status.ERROR, reasons=("bandit crashed",))
    out = json.loads(sarif.render(dataclasses.replace(report, checks=(errored, *report.checks[1:]))))
    assert [r["automationDetails"]["id"] for r in out["runs"]] == [
        "gate/security/bandit/",
        "gate/security/semgrep/",
        "gate/migrations/sqlfluff/",
        "gate/fuzz/schemathesis/",
    ]
    bandit = out["runs"][0]
    assert bandit["results"]
    assert bandit["invocations"] == [
        {
            "executionSuccessful": False,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": "bandit crashed"}}],
        }
    ]
    assert not list(validator.iter_errors(out))
    empty = dataclasses.replace(errored, findings=(), waived=())
    out = json.loads(sarif.render(dataclasses.replace(report, checks=(empty, *report.checks[1:]))))
    assert [r["automationDetails"]["id"] for r in out["runs"]] == [
        "gate/migrations/sqlfluff/",
        "gate/fuzz/schemathesis/",
    ]


def test_a_clean_scan_still_has_its_runs(validator: jsonschema.Draft4Validator) -> None:
    report = canonical_report()
    clean = dataclasses.replace(report.checks[0], status=Status.PASS, findings=(), waived=())
    out = json.loads(sarif.render(dataclasses.replace(report, checks=(clean,))))
    assert [(r["automationDetails"]["id"], r["results"]) for r in out["runs"]] == [
        ("gate/security/bandit/", []),
        ("gate/security/semgrep/", []),
    ]
    assert not list(validator.iter_errors(out))


def test_findings_with_a_path_from_any_check_are_included(validator: jsonschema.Draft4Validator) -> None:
    report = canonical_report()
    fuzz = report.checks[4]
    located = Finding(
        "fuzz",
        "schemathesis",
        "server_error",
        Severity.HIGH,
        "500 in handler",
        "/abs/app.py",
        0,
        log_excerpt="Traceback (most recent call last):\nZeroDivisionError: division by zero",
    )
    out = json.loads(
        sarif.render(
            dataclasses.replace(report, checks=(dataclasses.replace(fuzz, findings=(*fuzz.findings, located)),))
        )
    )
    (run,) = out["runs"]
    assert run["automationDetails"]["id"] == "gate/fuzz/schemathesis/"
    result = run["results"][-1]  # after the canonical fuzz findings, shown on the spec file
    location = result["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "file:///abs/app.py"}}  # absolute path, line 0: no region
    # The service's log for that request is the message's detail, and a property of its own.
    assert result["message"]["text"].endswith(
        "served:\nTraceback (most recent call last):\nZeroDivisionError: division by zero"
    )
    assert result["properties"]["serviceLog"].startswith("Traceback")
    assert not list(validator.iter_errors(out))


def test_fuzz_findings_are_shown_on_the_spec_file_with_their_operation(
    validator: jsonschema.Draft4Validator, log: dict[str, Any]
) -> None:
    run = _run(log, "gate/fuzz/schemathesis/")
    crash = next(r for r in run["results"] if r["ruleId"] == "not_a_server_error")
    (location,) = crash["locations"]
    assert location["physicalLocation"] == {"artifactLocation": {"uri": "shop/openapi.yaml", "uriBaseId": "%SRCROOT%"}}
    assert location["logicalLocations"] == [{"fullyQualifiedName": "POST /items", "kind": "resource"}]
    assert "Service log while this request was served:\nERROR in POST /items" in crash["message"]["text"]
    assert not list(validator.iter_errors(log))
    # A fuzz run without findings still has its run, so that code scanning closes the fixed alerts.
    report = canonical_report()
    fuzz = dataclasses.replace(report.checks[4], status=Status.PASS, findings=())
    out = json.loads(sarif.render(dataclasses.replace(report, checks=(fuzz,))))
    assert [(r["automationDetails"]["id"], r["results"]) for r in out["runs"]] == [("gate/fuzz/schemathesis/", [])]


def test_the_vendored_schema_is_the_official_one() -> None:
    if not SHARED_SCHEMA.exists():
        pytest.skip("no shared/schemas beside this clone to compare with")
    assert VENDORED_SCHEMA.read_bytes() == SHARED_SCHEMA.read_bytes()
