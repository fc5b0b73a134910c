"""End to end on the authenticated notes API (real schemathesis, fixture on 127.0.0.1): every planted
500 is a finding with its operation, status, curl and the service's own log lines; refusals by design
and the stateful phase's finding never turn the check into an ERROR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.checks.fuzz.test_fuzz import RunGate, fuzz_of
from tests.support.auth_api import PER_SCHEME, auth_api_target
from tests.support.service import live_target, marker

__all__ = ["marker"]  # the fixture, imported for pytest


def server_errors(fuzz: dict[str, Any], rule: str) -> dict[str, dict[str, Any]]:
    return {f["operation"]: f for f in fuzz["findings"] if f["rule"] == rule and f["extra"]["status"] == "500"}


def test_each_planted_500_carries_its_request_and_log(
    run_gate: RunGate, tmp_path: Path, marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIXTURE_PASSWORD", "alice-pw")  # alice is no administrator
    target = auth_api_target(tmp_path / "t", marker, service=PER_SCHEME.replace('"admin"', '"alice"'))
    code, fuzz = fuzz_of(run_gate, target)
    assert (code, fuzz["status"]) == (1, "fail"), fuzz["reasons"]
    crashes = server_errors(fuzz, "not_a_server_error")
    # per_page=0 (needs a valid token) and a note that exists (only by reusing POST /notes's id).
    for operation, error in (
        ("GET /users", "ZeroDivisionError"),
        ("GET /notes/{note_id}", "TypeError: Object of type datetime is not JSON"),
    ):
        crash = crashes[operation]
        assert crash["extra"]["curl"].startswith("curl -X GET "), crash
        assert "Traceback (most recent call last)" in crash["log_excerpt"], crash
        assert error in crash["log_excerpt"], crash
    # A malformed Authorization header is a 500 instead of a 401.
    malformed = server_errors(fuzz, "ignored_auth")
    assert malformed and all(f["extra"]["curl"].startswith("curl -X ") for f in malformed.values()), malformed
    assert any("ValueError" in (f["log_excerpt"] or "") for f in malformed.values()), malformed
    # TRACE answered 501 instead of 405, named by the method that was sent (grouped with the other
    # undeclared methods on /me that got the same answer: one finding, fuzz_probes.py).
    trace = [
        f
        for f in fuzz["findings"]
        if f["operation"].endswith(" /me") and "TRACE" in f["operation"].partition(" ")[0].split("|")
    ]
    assert len(trace) == 1 and trace[0]["extra"]["status"] == "501", trace
    assert "unsupported_method" in trace[0]["extra"].get("checks", trace[0]["rule"])
    # The admin-only operation refuses alice by design: a note, not an ERROR.
    assert fuzz["metrics"]["operations_refused"] == 1
    assert any(n.startswith("DELETE /users/{user_id}: every request was refused") for n in fuzz["details"]["notes"])
    assert "alice-pw" not in str(fuzz)


def test_flawed_crash_carries_the_traceback(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    code, fuzz = fuzz_of(run_gate, live_target(tmp_path / "t", marker, mode="flawed"))
    assert (code, fuzz["status"]) == (1, "fail"), fuzz
    (crash,) = server_errors(fuzz, "not_a_server_error").values()
    assert "ZeroDivisionError: division by zero" in crash["log_excerpt"], crash
    # Only that request's lines: the requests before and after it asked for other items.
    access = [line for line in crash["log_excerpt"].splitlines() if line.startswith("GET ")]
    assert access == ['GET "GET /items/0 HTTP/1.1" 500 -'], crash["log_excerpt"]
    undocumented_404 = [f for f in fuzz["findings"] if f["extra"]["status"] == "404"]
    assert undocumented_404 and all(f["log_excerpt"] is None for f in undocumented_404)  # 5xx only


def test_a_rate_limited_service_is_throttled_not_failed(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    # 429 + Retry-After, undocumented: without pacing schemathesis records them as failures.
    target = live_target(
        tmp_path / "t", marker, env={"FIXTURE_RATE_LIMIT": "8"}, fuzz='max_examples = 3\nrate_limit = "off"'
    )
    code, fuzz = fuzz_of(run_gate, target)
    assert (code, fuzz["status"]) == (0, "pass"), fuzz
    assert fuzz["metrics"]["throttled"] > 0
    assert fuzz["metrics"]["operations_refused"] == 0
    assert any("throttled (429)" in n for n in fuzz["details"]["notes"])


def test_the_time_budget_cuts_the_run_without_an_error(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    target = live_target(
        tmp_path / "t", marker, env={"FIXTURE_DELAY_MS": "50"}, fuzz="max_examples = 500\nbudget_s = 15"
    )
    code, fuzz = fuzz_of(run_gate, target)
    assert (code, fuzz["status"]) == (0, "pass"), fuzz["reasons"]
    assert fuzz["metrics"]["test_cases"] > 0
    assert fuzz["metrics"]["budget_cut"] == 1
    assert any(n.startswith("the time budget") for n in fuzz["details"]["notes"])
    assert fuzz["details"]["stop_reason"] == "interrupted"


@pytest.mark.parametrize("line", ['rate_limit = "fast"', "budget_s = -1"])
def test_bad_budget_or_rate_limit_is_a_config_error(run_gate: RunGate, tmp_path: Path, marker: str, line: str) -> None:
    result, _ = run_gate(live_target(tmp_path / "t", marker, fuzz=line), "--only", "fuzz")
    assert result.exit_code == 2
    assert line.split(" =")[0] in result.output
