"""practices through `gate run --only practices` on the fixture service: the service that follows
every practice passes; each variant breaking one practice fails or warns, as the default policy says,
with a finding that names the probe and carries the request and the response."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import check_of
from tests.support.practices_service import practices_target
from tests.support.service import marker

__all__ = ["marker"]  # the fixture, imported for pytest

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
NO_BURST = 'disabled = ["ratelimit"]'  # the variants that do not break the rate limit skip the burst


def practices_run(run_gate: RunGate, target: Path) -> tuple[int, dict[str, Any]]:
    result, report = run_gate(target, "--only", "practices")
    assert report is not None, result.output
    return result.exit_code, check_of(report, "practices")


def test_the_service_that_follows_every_practice_passes(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    code, check = practices_run(run_gate, practices_target(tmp_path / "t", marker))
    assert check["findings"] == [], check["findings"]
    assert (check["status"], code) == ("pass", 0), check["reasons"]
    rows = {row["probe"]: row for row in check["details"]["probes"]}
    assert list(rows) == ["headers", "cors", "errors", "status", "pagination", "jwt", "health", "ratelimit"]
    assert all(row["result"] == "passed" for row in rows.values()), rows
    assert "POST /api/login → 429" in rows["ratelimit"]["requests"]
    assert "PATCH /api/items → 405" in rows["errors"]["requests"]
    assert 0 < check["metrics"]["burst_429_after"] <= 12  # the fixture allows 10 logins per 2 s
    assert check["metrics"]["jwt_lifetime_s"] == 900
    assert check["metrics"]["error_shapes"] == 1
    notes = "\n".join(check["details"]["notes"])
    assert "HSTS not judged" in notes and "RFC 9457" in notes and "readiness endpoint /ready" in notes
    # Every exchange is kept as an artifact, credentials masked.
    log = (tmp_path / "out" / "artifacts" / "practices" / "exchanges.jsonl").read_text(encoding="utf-8")
    assert '"Authorization": "Bearer ***"' in log and "eyJ" not in log


# (FIXTURE_BREAK, the rule it must produce, the check's status under the default policy, the probe that finds it)
VARIANTS = [
    ("cors-wildcard", "practices.cors-wildcard-credentials", "fail", "cors"),
    ("cors-reflect", "practices.cors-reflected-origin-credentials", "fail", "cors"),
    ("no-nosniff", "practices.header-nosniff", "warn", "headers"),
    ("server-version", "practices.header-disclosure", "warn", "headers"),
    ("html-errors", "practices.error-html", "warn", "errors"),
    ("error-shapes", "practices.error-shapes", "warn", "errors"),
    ("stack-trace", "practices.stack-trace", "fail", "errors"),
    ("unknown-200", "practices.status-unknown-path", "warn", "errors"),
    ("create-200", "practices.status-create-not-201", "warn", "status"),
    ("no-pagination", "practices.pagination-missing", "warn", "pagination"),
    ("limit-ignored", "practices.pagination-ignored", "warn", "pagination"),
    ("jwt-no-exp", "practices.jwt-no-exp", "fail", "jwt"),
    ("jwt-long", "practices.jwt-long-lifetime", "warn", "jwt"),
    ("jwt-alg-none", "practices.jwt-alg-none-accepted", "fail", "jwt"),
    ("jwt-tampered", "practices.jwt-tampered-signature-accepted", "fail", "jwt"),
    ("jwt-weak-key", "practices.jwt-weak-key", "fail", "jwt"),
    ("no-rate-limit", "practices.no-rate-limit", "fail", "ratelimit"),
]


@pytest.mark.parametrize(("broken", "rule", "status", "probe"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_broken_practice_is_found_with_its_evidence(
    run_gate: RunGate, tmp_path: Path, marker: str, broken: str, rule: str, status: str, probe: str
) -> None:
    practices = "" if broken == "no-rate-limit" else NO_BURST
    code, check = practices_run(run_gate, practices_target(tmp_path / "t", marker, broken, practices))
    found = [f for f in check["findings"] if f["rule"] == rule]
    assert found, [f["rule"] for f in check["findings"]]
    assert check["status"] == status, check["reasons"]
    assert code == (1 if status == "fail" else 0)
    evidence = found[0]["extra"]
    assert evidence["probe"] == probe
    request, response = evidence["request"], evidence["response"]
    assert request.split()[0] in {"GET", "POST", "OPTIONS", "PATCH"} and "/" in request.splitlines()[0]
    assert response.startswith("HTTP ") and evidence["why"]
    assert "eyJ" not in request  # gate's token never shows in the evidence


def test_probe_names_in_the_evidence(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    _, check = practices_run(run_gate, practices_target(tmp_path / "t", marker, "cors-reflect", NO_BURST))
    finding = next(f for f in check["findings"] if f["rule"] == "practices.cors-reflected-origin-credentials")
    assert finding["extra"]["probe"] == "cors"
    assert finding["extra"]["request"].splitlines()[:2] == ["OPTIONS /api/items", "Origin: https://gate-probe.invalid"]
    assert "Access-Control-Allow-Origin: https://gate-probe.invalid" in finding["extra"]["response"]
    assert "Access-Control-Allow-Credentials: true" in finding["extra"]["response"]
    assert finding["operation"] == "GET /items"
    rows = {row["probe"]: row["result"] for row in check["details"]["probes"]}
    assert rows["ratelimit"] == "not applicable: turned off with [practices] disabled"
    assert rows["cors"] == "practices.cors-reflected-origin-credentials"


def test_a_rate_limit_operation_the_spec_lacks_is_an_error(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    target = practices_target(tmp_path / "t", marker, practices='rate_limit_operation = "POST /nope"')
    code, check = practices_run(run_gate, target)
    assert (check["status"], code) == ("error", 3)
    assert "rate_limit_operation = 'POST /nope': the spec has no such operation" in check["reasons"][0]
    # What the other probes measured before is kept.
    assert [row["probe"] for row in check["details"]["probes"]][:3] == ["headers", "cors", "errors"]
