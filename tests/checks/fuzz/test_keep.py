"""fuzz: a run that schemathesis could not complete is ERROR and still carries every failure it found."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from click.testing import Result

from gate.checks.fuzz import _finding
from gate.checks.fuzz.probes import group_probes
from gate.checks.fuzz.reconcile import declared_operations, reconcile
from gate.checks.fuzz.report import read_events, read_summary
from gate.live import http as localhttp
from tests.conftest import check_of
from tests.support import paths
from tests.support.service import live_target, marker, start_fixture, stop

__all__ = ["marker"]  # the fixture, imported for pytest

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]


def flawed_spec_with_a_broken_operation(marker: str) -> str:
    """The flawed fixture's own spec plus one operation whose schema cannot be generated (a dangling $ref)."""
    child, port = start_fixture(marker, {"FIXTURE_MODE": "flawed"})
    try:
        answer = localhttp.get(f"http://127.0.0.1:{port}/openapi.json", {}, 10.0)
    finally:
        stop(child)
    spec = json.loads(answer.body)
    spec["paths"]["/lookup"] = {
        "get": {
            "operationId": "lookup",
            "parameters": [
                {"name": "q", "in": "query", "required": True, "schema": {"$ref": "#/components/schemas/Missing"}}
            ],
            "responses": {"200": {"description": "Found."}},
        }
    }
    return json.dumps(spec, indent=2)


def test_schema_errors_end_in_error_that_keeps_the_server_error(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    target = live_target(
        tmp_path / "t",
        marker,
        mode="flawed",
        service='openapi = "openapi.json"',
        files={"openapi.json": flawed_spec_with_a_broken_operation(marker)},
    )
    result, report = run_gate(target, "--only", "fuzz")
    assert report is not None, result.output
    fuzz = check_of(report, "fuzz")
    assert (result.exit_code, report["verdict"], fuzz["status"]) == (3, "error", "error"), fuzz["reasons"]
    assert "could not test the API" in fuzz["reasons"][0]
    assert any("kept below" in reason for reason in fuzz["reasons"])
    crashes = [f for f in fuzz["findings"] if (f["rule"], f["extra"]["status"]) == ("not_a_server_error", "500")]
    assert len(crashes) == 1, fuzz["findings"]
    (crash,) = crashes
    assert crash["operation"] == "GET /items/{item_id}"
    assert crash["extra"]["curl"].endswith("/items/0")
    assert "Traceback" in (crash["log_excerpt"] or "")
    assert fuzz["metrics"]["failures"] == len(fuzz["findings"])
    assert fuzz["tools"]["schemathesis"].startswith("4.")
    out = tmp_path / "out"
    # Every report shows the finding of the errored check, not only the JSON.
    for name in ("gate-report.html", "gate-report.junit.xml", "gate-summary.md"):
        assert "/items/{item" in (out / name).read_text(encoding="utf-8"), name  # Markdown escapes the _
    assert "GET /items/{item_id}" in result.output
    # SARIF: the errored run keeps the server error, shown on the spec file with its operation and log.
    sarif = json.loads((out / "gate-report.sarif").read_text(encoding="utf-8"))
    (run,) = [r for r in sarif["runs"] if r["automationDetails"]["id"] == "gate/fuzz/schemathesis/"]
    assert run["invocations"][0]["executionSuccessful"] is False
    (result,) = [r for r in run["results"] if r["ruleId"] == "not_a_server_error"]
    (location,) = result["locations"]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "openapi.json", "uriBaseId": "%SRCROOT%"}
    assert location["logicalLocations"] == [{"fullyQualifiedName": "GET /items/{item_id}", "kind": "resource"}]
    assert "Service log while this request was served:" in result["message"]["text"]
    assert "Traceback" in result["message"]["text"]


def test_undeclared_method_findings_are_grouped_per_path_and_status(
    run_gate: RunGate, tmp_path: Path, marker: str
) -> None:
    target = live_target(tmp_path / "t", marker, env={"FIXTURE_UNDECLARED": "501"})
    result, report = run_gate(target, "--only", "fuzz")
    assert report is not None, result.output
    fuzz = check_of(report, "fuzz")
    assert fuzz["status"] == "fail", fuzz["reasons"]
    probes = [f for f in fuzz["findings"] if f["extra"]["status"] == "501"]
    keys = [(f["operation"].partition(" ")[2], f["extra"]["status"]) for f in probes]
    assert probes and len(keys) == len(set(keys)), keys  # one finding per (path, status)
    assert fuzz["metrics"]["failures"] > len(probes)  # what schemathesis reported, before grouping
    grouped = [f for f in probes if "grouped" in f["extra"]]
    assert grouped, probes
    for finding in grouped:
        methods = finding["extra"]["methods"].split(", ")
        assert "TRACE" in methods and len(methods) >= 2, finding["extra"]
        assert "unsupported_method" in finding["extra"]["checks"]
        assert finding["extra"]["curl"].startswith("curl -X ")
        assert finding["extra"]["curl"].split()[2] in methods
        assert finding["path"] is None and finding["operation"].partition(" ")[0] == "|".join(methods)


def test_recorded_501_probes_become_one_finding_per_path() -> None:
    """Recorded reports (tests/data/schemathesis/method_501.*): TRACE and QUERY on three paths, two checks each."""
    data = paths.DATA / "schemathesis"
    declared = declared_operations(json.loads((data / "auth_api_openapi.json").read_text()))
    failures = reconcile(
        read_summary(data / "method_501.json"), read_events(data / "method_501.ndjson").failures, declared
    ).failures
    findings = group_probes([_finding(f, "") for f in failures], declared)
    assert len(failures) == 12
    assert len(findings) == 3
    for finding in findings:
        assert finding.extra["methods"] == "QUERY, TRACE"
        assert finding.extra["grouped"] == "4"
        assert finding.extra["status"] == "501"
        assert finding.path is None and finding.operation is not None
        assert finding.operation.startswith("QUERY|TRACE /")
    # A declared operation's findings are never merged.
    declared_finding = _finding(replace(failures[0], operation="GET /me"), "")
    assert group_probes([declared_finding, declared_finding], declared) == [declared_finding, declared_finding]
