"""Parsing schemathesis's reports: recorded real outputs (tests/data/schemathesis) and broken ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gate.checks.fuzz.report import curl_command, read_events, read_summary
from gate.errors import CheckError
from tests.support import paths

DATA = paths.DATA / "schemathesis"


def test_summary_of_a_run_with_failures() -> None:
    summary = read_summary(DATA / "flawed.json")
    assert summary.version == "4.32.5"
    assert summary.seed == 20261124
    assert (summary.exit_code, summary.stop_reason, summary.complete) == (1, "completed", True)
    assert (summary.operations_selected, summary.operations_tested) == (3, 3)
    assert summary.test_cases > 0
    assert summary.failures == {("ST101", "GET /items/{item_id}"), ("ST103", "GET /items/{item_id}")}
    assert summary.errors == ()


def test_events_give_one_finding_per_distinct_failure_with_its_request() -> None:
    events = read_events(DATA / "flawed.ndjson")
    failures = events.failures
    assert events.errors == []
    found = {(f.check, f.code, f.status, f.curl.rsplit("/", 1)[1]) for f in failures}
    assert found == {
        ("not_a_server_error", "ST101", 500, "0"),
        ("status_code_conformance", "ST103", 500, "0"),
        ("status_code_conformance", "ST103", 404, "999999"),
    }
    assert all(f.operation == "GET /items/{item_id}" for f in failures)
    undocumented = next(f for f in failures if f.status == 404)
    assert undocumented.title == "Undocumented status code"
    assert undocumented.message == "Received: 404; Documented: 200, 422"
    assert {f.phase for f in failures} == {"coverage"}
    # When the request went out and its answer came in, for the service's log excerpt.
    assert all(f.started is not None and f.finished is not None and f.started <= f.finished for f in failures)
    assert len(events.exchanges) == read_summary(DATA / "flawed.json").test_cases
    assert [e.started for e in events.exchanges] == sorted(e.started for e in events.exchanges)


def test_a_crashed_run_reports_errors_not_failures() -> None:
    summary = read_summary(DATA / "crashed.json")
    assert summary.errors == ("Network Error (1)", "Server Unavailable (1)")
    assert summary.failures == frozenset()
    events = read_events(DATA / "crashed.ndjson")
    assert events.failures == []
    assert any("ConnectionError" in e for e in events.errors)


def test_curl_line_repeats_method_headers_body_and_url() -> None:
    request = {
        "method": "POST",
        "uri": "http://127.0.0.1:1/items?x=a b",
        "headers": {"Content-Type": ["application/json"], "Authorization": ["[Filtered]"]},
        "body": {"$base64": "eyJuYW1lIjogIml0J3MifQ=="},
    }
    assert curl_command(request) == (
        "curl -X POST -H 'Content-Type: application/json' -H 'Authorization: [Filtered]' "
        """--data-binary '{"name": "it'"'"'s"}' 'http://127.0.0.1:1/items?x=a b'"""
    )


def test_missing_reports_are_errors(tmp_path: Path) -> None:
    with pytest.raises(CheckError, match=r"schemathesis report none\.json: not written"):
        read_summary(tmp_path / "none.json")
    with pytest.raises(CheckError, match="no NDJSON report"):
        read_events(tmp_path / "none.ndjson")


def test_a_report_without_a_required_field_is_an_error(tmp_path: Path) -> None:
    data = json.loads((DATA / "flawed.json").read_text())
    del data["test_cases"]
    (tmp_path / "r.json").write_text(json.dumps(data))
    with pytest.raises(CheckError, match="lacks an expected field"):
        read_summary(tmp_path / "r.json")


@pytest.mark.parametrize("line", ["not json", '{"a": 1, "b": 2}', '{"ScenarioFinished": {"recorder": []}}'])
def test_a_broken_event_stream_is_an_error(tmp_path: Path, line: str) -> None:
    path = tmp_path / "e.ndjson"
    shutil.copy(DATA / "flawed.ndjson", path)
    with path.open("a") as stream:
        stream.write(line + "\n")
    with pytest.raises(CheckError, match="NDJSON report"):
        read_events(path)


def test_a_stateful_failure_names_its_real_operation_in_the_events() -> None:
    summary = read_summary(DATA / "stateful.json")
    assert summary.failures == {("ST101", "Stateful tests"), ("ST103", "Stateful tests")}
    failures = read_events(DATA / "stateful.ndjson").failures
    assert {(f.code, f.operation, f.phase, f.status) for f in failures} == {
        ("ST101", "GET /notes/{note_id}", "stateful", 500),
        ("ST103", "GET /notes/{note_id}", "stateful", 500),
    }


def test_an_undeclared_method_probe_is_named_by_the_method_it_sent() -> None:
    failures = read_events(DATA / "method_501.ndjson").failures
    me = {(f.code, f.operation, f.status) for f in failures if f.declared == "GET /me"}
    assert me == {(code, f"{method} /me", 501) for code in ("ST101", "ST204") for method in ("TRACE", "QUERY")}
    assert read_summary(DATA / "method_501.json").missing_auth == ("DELETE /users/{user_id}", "POST /tokens")
