"""The canonical GateReport every reporter is tested with: all statuses and severities, unicode, hostile text.

Statuses are set by hand (not by evaluate): this fixture exercises reporters, not the policy.
Fixed timestamps and durations keep the golden files stable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from gate.checks import CHECKS
from gate.checks.base import traits
from gate.model import (
    CheckResult,
    Finding,
    GateReport,
    Measurement,
    Severity,
    Status,
    Verdict,
    Waiver,
    WaiverState,
    WaiverUse,
)

SCRIPT = "<script>document.title='pwned'</script>"
IMG = '"><img src=x onerror="document.title=\'pwned\'">'
BEARER = "Authorization: Bearer abc.def.ghi"
UNICODE = "naïve ✓ 日本"
SECRET_VALUES = ("abc.def.ghi", "hunter2-very-secret", "sessionid=77aa")
JITTER = Waiver("security", "B311", "jitter only, not security", dt.date(2027, 1, 31), "app/*.py")


def _security() -> CheckResult:
    findings = (
        Finding(
            "security",
            "semgrep",
            "gate.sql-string-concat",
            Severity.CRITICAL,
            f"SQL built from strings: {SCRIPT}",
            "app/db.py",
            42,
            'cur.execute("SELECT * FROM items WHERE name = \'" + name + "\'")',
        ),
        Finding(
            "security",
            "bandit",
            "B608",
            Severity.HIGH,
            "Possible SQL injection vector through string-based query construction.",
            "app/db.py",
            42,
            f'query = "SELECT * FROM t WHERE x = %s" % x  # {IMG}',
        ),
        Finding(
            "security",
            "bandit",
            "B105",
            Severity.MEDIUM,
            "Possible hardcoded password: 'hunter2-very-secret'",
            f"app/{UNICODE}.py",
            7,
            'password = "hunter2-very-secret"',
        ),
        Finding(
            "security",
            "semgrep",
            "gate.debug-enabled",
            Severity.LOW,
            f"Debug mode enabled; request echoed {BEARER}",
            "app/main.py",
            3,
            "app.debug = True",
        ),
        Finding(
            "security",
            "bandit",
            "B101",
            Severity.INFO,
            "Use of assert detected. The enclosed code will be removed when compiling to optimised byte code.",
            "app/util.py",
            None,
            None,
        ),
    )
    waived = (
        Finding(
            "security",
            "bandit",
            "B311",
            Severity.LOW,
            "Standard pseudo-random generators are not suitable for security/cryptographic purposes.",
            "app/jitter.py",
            12,
            "delay = random.random()",
            waiver=JITTER,
        ),
    )
    return CheckResult(
        id="security",
        title="Security scan",
        status=Status.FAIL,
        reasons=("3 findings (1 critical, 1 high, 1 medium) fail the policy (medium or above)",),
        duration_s=4.25,
        metrics={"critical": 1, "high": 1, "medium": 1, "low": 1, "info": 1, "total": 5},
        findings=findings,
        waived=waived,
        tools={"bandit": "1.9.4", "semgrep": "1.140.0"},
        artifacts=("artifacts/security/bandit.json", "artifacts/security/semgrep.json"),
        fail_at=Severity.MEDIUM,
    )


def _coverage() -> CheckResult:
    files = [
        {
            "path": f"app/{UNICODE}.py",
            "percent": 50.0,
            "statements": 20,
            "missing": 10,
            "missing_lines": [3, 4, 5, 9, 10, 11, 12, 20, 21, 22],
        },
        {"path": "app/db.py", "percent": 79.99, "statements": 100, "missing": 20, "missing_lines": [61, 62]},
        {"path": "app/main.py", "percent": 96.5, "statements": 200, "missing": 7, "missing_lines": [88]},
        {"path": "app/util.py", "percent": 100.0, "statements": 30, "missing": 0, "missing_lines": []},
    ]
    return CheckResult(
        id="coverage",
        title="Test coverage",
        status=Status.PASS,
        reasons=("percent 86.36 % > 80 %: met",),
        threshold_reasons=("percent 86.36 % > 80 %: met",),
        duration_s=12.5,
        metrics={"percent": 86.3636, "statements": 350, "missing": 37},
        measurements=(Measurement("percent", 86.3636, ">", 80, True, " %"),),
        tools={"coverage": "7.6.1"},
        artifacts=("artifacts/coverage/coverage.json",),
        details={"files": files},
    )


def _migrations() -> CheckResult:
    findings = (
        Finding(
            "migrations",
            "sqlfluff",
            "AM04",
            Severity.LOW,
            "Query produces an unknown number of result columns.",
            "migrations/0002_items.sql",
            5,
            "SELECT * FROM items;",
        ),
        Finding(
            "migrations",
            "sqlfluff",
            "LT01",
            Severity.INFO,
            f"Expected single whitespace ({UNICODE}).",
            "migrations/0001 init.sql",
            1,
            "CREATE TABLE  users (id INT);",
        ),
    )
    return CheckResult(
        id="migrations",
        title="SQL migrations",
        status=Status.WARN,
        reasons=("1 finding (1 low) below the failing level",),
        duration_s=1.0,
        metrics={"violations": 2, "parse_errors": 0, "files": 2},
        findings=findings,
        tools={"sqlfluff": "3.2.5"},
        fail_at=Severity.MEDIUM,
    )


def _docs() -> CheckResult:
    operations = [
        {"operation": "GET /items", "missing": ["summary", "responses.404"]},
        {"operation": f"POST /items/{{id}} {SCRIPT}", "missing": ["description"]},
    ]
    return CheckResult(
        id="docs",
        title="API documentation",
        status=Status.PASS,
        reasons=("documented_percent 90 % >= 80 %: met",),
        threshold_reasons=("documented_percent 90 % >= 80 %: met",),
        duration_s=0.4,
        metrics={"documented_percent": 90.0, "operations": 20, "undocumented": 2},
        measurements=(Measurement("documented_percent", 90.0, ">=", 80, True, " %"),),
        details={"operations": operations},
        findings=(
            Finding(
                "docs",
                "gate-docs",
                "docs.missing-summary",
                Severity.LOW,
                "GET /items has no summary or description",
                operation="GET /items",
            ),
        ),
    )


def _fuzz() -> CheckResult:
    curl = (
        f"curl -X POST -H '{BEARER}' -H 'Cookie: sessionid=77aa' -d '{{\"name\": \"{SCRIPT}\"}}' "
        "http://127.0.0.1:8000/items"
    )
    findings = (
        # As the fuzz check writes them: no file, the API operation in its own field.
        Finding(
            "fuzz",
            "schemathesis",
            "not_a_server_error",
            Severity.HIGH,
            "Server error: 500 Internal Server Error",
            operation="POST /items",
            extra={
                "check": "not_a_server_error",
                "code": "server_error",
                "status": "500",
                "curl": curl,
                "case_id": "a1b2c3",
            },
            # What the service logged while serving it: untrusted text, with a secret in it too.
            log_excerpt=(
                "ERROR in POST /items\nTraceback (most recent call last):\n"
                f'  File "app.py", line 12, in create\n    {SCRIPT}\n'
                f"OverflowError: Python int too large to convert to SQLite INTEGER ({BEARER})"
            ),
        ),
        Finding(
            "fuzz",
            "schemathesis",
            "response_schema_conformance",
            Severity.MEDIUM,
            f"Response violates schema: {IMG}",
            operation="GET /items/{id}",
            extra={
                "check": "response_schema_conformance",
                "status": "200",
                "curl": "curl -X GET http://127.0.0.1:8000/items/0",
            },
        ),
    )
    return CheckResult(
        id="fuzz",
        title="API fuzzing",
        status=Status.FAIL,
        reasons=("2 findings (1 high, 1 medium) fail the policy (medium or above)",),
        duration_s=30.0,
        metrics={"operations": 4, "test_cases": 100, "failures": 2, "seed": 20261124, "operations_refused": 1},
        details={
            "notes": [
                "DELETE /users/{id}: every request was refused (401/403); the spec documents "
                "bearerAuth (http bearer) for it"
            ],
            "source_file": "openapi.yaml",
        },
        findings=findings,
        tools={"schemathesis": "4.3.1"},
        fail_at=Severity.MEDIUM,
    )


def _load() -> CheckResult:
    endpoints = [
        {
            "name": "/items",
            "method": "GET",
            "requests": 1200,
            "failures": 0,
            "p50_ms": 40,
            "p95_ms": 180,
            "p99_ms": 260,
            "rps": 80.0,
        },
        {
            "name": f"/items/{{id}} {UNICODE}",
            "method": "POST",
            "requests": 300,
            "failures": 3,
            "p50_ms": 90,
            "p95_ms": 240.5,
            "p99_ms": 410,
            "rps": 20.0,
        },
    ]
    percentiles = [[50, 45], [66, 70], [75, 95], [90, 160], [95, 212], [99, 300], [99.9, 420], [100, 510]]
    timeline = [
        {"t": t, "rps": rps, "p95_ms": p95}
        for t, rps, p95 in [
            (0, 0.0, 0.0),
            (1, 60, 150),
            (2, 95, 190),
            (3, 100, 215),
            (4, 102, 230),
            (5, 99, 205),
        ]
    ]
    return CheckResult(
        id="load",
        title="Load test",
        status=Status.FAIL,
        reasons=("p95_ms 212 ms < 200 ms: not met",),
        threshold_reasons=("p95_ms 212 ms < 200 ms: not met",),
        duration_s=18.0,
        metrics={
            "p50_ms": 45,
            "p95_ms": 212,
            "p99_ms": 300,
            "rps": 100,
            "requests": 1500,
            "error_rate": 0.002,
        },
        measurements=(
            Measurement("p95_ms", 212, "<", 200, False, " ms"),
            Measurement("error_rate", 0.002, "<=", 0.01, True),
        ),
        tools={"locust": "2.32.0"},
        details={"endpoints": endpoints, "percentiles": percentiles, "timeline": timeline},
    )


def _errored() -> CheckResult:
    log_tail = f"Traceback (most recent call last):\n  boom {SCRIPT}\n\x1b[31mRuntimeError: {UNICODE}\x1b[0m\n{BEARER}"
    return CheckResult(
        id="contracts",
        title="Contract tests",
        status=Status.ERROR,
        reasons=(f"contract tool exited with code 2 {IMG}",),
        duration_s=0.7,
        log_tail=log_tail,
    )


def _skipped() -> CheckResult:
    return CheckResult(
        id="mutation",
        title="Mutation tests",
        status=Status.SKIPPED,
        reasons=("not configured: add a [mutation] section",),
        duration_s=0.0,
    )


def _judged(check: CheckResult) -> CheckResult:
    """Flag the findings that fail the policy, as the runner does (here: severity reaches fail_at, and the
    hard-coded password rule B105, which the policy always fails)."""
    findings = tuple(
        dataclasses.replace(f, blocking=(check.fail_at is not None and f.severity >= check.fail_at) or f.rule == "B105")
        for f in check.findings
    )
    # What the check's module declares about itself, as the runner carries it (the two made-up checks
    # at the end declare nothing).
    described = traits(CHECKS[check.id]).report if check.id in CHECKS else check.traits
    return dataclasses.replace(check, findings=findings, traits=described)


def canonical_report() -> GateReport:
    """Build the canonical report (a fresh, equal value on every call)."""
    waivers = (
        WaiverUse(JITTER, WaiverState.APPLIED, 1),
        WaiverUse(
            Waiver("security", "B108", f"tmp dir in tests {SCRIPT}", dt.date(2026, 1, 1)), WaiverState.EXPIRED, 2
        ),
        WaiverUse(
            Waiver("migrations", "LT*", "legacy files", dt.date(2027, 6, 30), "migrations/0001*"), WaiverState.STALE, 0
        ),
    )
    return GateReport(
        verdict=Verdict.ERROR,
        target="/srv/repo/shop",
        target_in_repo="shop",
        policy="default (policies/default.toml)",
        started_at="2026-11-24T09:30:00+00:00",
        duration_s=67.25,
        checks=tuple(
            _judged(c)
            for c in (_security(), _coverage(), _migrations(), _docs(), _fuzz(), _load(), _errored(), _skipped())
        ),
        waivers=waivers,
        gate_version="0.1.0",
    )
