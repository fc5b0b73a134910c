"""Reconciling schemathesis's summary and events, refusals and throttling: recorded real reports."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from gate import proc
from gate.checks.fuzz import _check_trustworthy
from gate.checks.fuzz.reconcile import declared_operations, reconcile
from gate.checks.fuzz.report import EventLog, read_events, read_summary
from gate.checks.fuzz.traffic import is_throttled, traffic
from gate.errors import CheckError
from gate.live import LiveService
from tests.support import paths

DATA = paths.DATA / "schemathesis"
AUTH_API_SPEC = json.loads((DATA / "auth_api_openapi.json").read_text())
DECLARED = declared_operations(AUTH_API_SPEC)


def test_stateful_failures_agree_with_the_summary() -> None:
    summary = read_summary(DATA / "stateful.json")
    result = reconcile(summary, read_events(DATA / "stateful.ndjson").failures, DECLARED)
    assert result.notes == []
    assert {(f.code, f.operation) for f in result.failures} == {
        ("ST101", "GET /notes/{note_id}"),
        ("ST103", "GET /notes/{note_id}"),
    }


def test_probes_answered_501_agree_with_the_summary() -> None:
    summary = read_summary(DATA / "method_501.json")
    failures = read_events(DATA / "method_501.ndjson").failures
    result = reconcile(summary, failures, DECLARED)
    assert result.notes == []
    assert len(result.failures) == len(failures) == 12  # TRACE and QUERY on three paths, two checks each


def test_probes_answered_404_agree_with_the_summary() -> None:
    summary = read_summary(DATA / "method_404.json")
    failures = read_events(DATA / "method_404.ndjson").failures
    declared = frozenset({"GET /items", "POST /items", "GET /items/{item_id}"})
    result = reconcile(summary, failures, declared)
    assert result.notes == []
    assert {f.operation for f in result.failures} == {
        f"{m} /items" for m in ("DELETE", "PATCH", "PUT", "QUERY", "TRACE")
    }


def test_a_failure_only_one_report_holds_is_kept_with_a_note() -> None:
    summary = read_summary(DATA / "stateful.json")
    failures = read_events(DATA / "stateful.ndjson").failures
    only_events = reconcile(replace(summary, failures=frozenset({("ST101", "Stateful tests")})), failures, DECLARED)
    assert len(only_events.failures) == 2
    assert only_events.notes == [
        "schemathesis's events hold ST103 (Undocumented status code) on "
        "GET /notes/{note_id}, its summary does not: kept as a finding"
    ]
    only_summary = reconcile(summary, [f for f in failures if f.code == "ST101"], DECLARED)
    kept = {(f.code, f.operation, f.check) for f in only_summary.failures}
    assert kept == {("ST101", "GET /notes/{note_id}", "not_a_server_error"), ("ST103", "Stateful tests", "ST103")}
    assert "summary lists ST103 (Undocumented status code) on Stateful tests" in only_summary.notes[0]


def test_refusals_are_counted_per_operation() -> None:
    summary = read_summary(DATA / "method_501.json")
    events = read_events(DATA / "method_501.ndjson")
    flow = traffic(events.exchanges, events.failures, summary.missing_auth)
    assert flow.tested == ("DELETE /users/{user_id}", "GET /me", "POST /tokens")
    assert flow.refused == ("DELETE /users/{user_id}", "POST /tokens")
    assert flow.throttled == 0


def test_429_answers_are_throttled_not_failures_or_refusals() -> None:
    for name in ("throttled", "throttled_auto"):
        summary = read_summary(DATA / f"{name}.json")
        events = read_events(DATA / f"{name}.ndjson")
        assert events.failures and all(is_throttled(f) for f in events.failures), name
        flow = traffic(events.exchanges, events.failures, summary.missing_auth)
        assert flow.throttled > 0, name
        assert flow.refused == (), name
        assert flow.tested == ("GET /items", "GET /items/{item_id}", "POST /items"), name


def _trust(summary_name: str, events: EventLog, returncode: int) -> list[str]:
    summary = read_summary(DATA / f"{summary_name}.json")
    live = LiveService(base_url="http://127.0.0.1:1", headers={}, spec=AUTH_API_SPEC, spec_file=DATA / "x")
    done = proc.Completed(argv=("st",), returncode=returncode, stdout="", stderr="", duration_s=1.0)
    flow = traffic(events.exchanges, events.failures, summary.missing_auth)
    return _check_trustworthy(summary, events, events.failures, flow, live, done, ())


def test_a_disagreement_is_a_note_unless_there_is_nothing_to_keep() -> None:
    events = read_events(DATA / "stateful.ndjson")
    assert _trust("stateful", events, 1) == []  # consistent
    assert _trust("stateful", events, 0) == [
        "schemathesis exited with 0 but its report says 1",
        "schemathesis exited with 0 (nothing found) but its reports hold failures: kept as findings",
    ]
    nothing = replace(events, failures=[])
    summary = read_summary(DATA / "stateful.json")
    assert summary.failures  # the summary still holds them: kept by reconcile(), so no error here
    assert _trust("stateful", nothing, 1) == []
    crashed = read_events(DATA / "crashed.ndjson")
    with pytest.raises(CheckError, match="could not test the API"):
        _trust("crashed", crashed, 1)


def test_only_refusals_everywhere_is_an_error() -> None:
    events = read_events(DATA / "method_501.ndjson")
    assert _trust("method_501", events, 1) == []  # two of three operations refused: notes, not ERROR
    refused_me = [replace(e, status=401) if e.declared == "GET /me" else e for e in events.exchanges]
    with pytest.raises(CheckError, match="refused as unauthenticated"):
        _trust("method_501", replace(events, exchanges=refused_me), 1)
