"""fuzz on an authenticated API: real schemathesis against the notes API fixture, through `gate run`.

The fixture (tests/fixtures/auth_api) wants HTTP Basic on its token endpoint, a bearer token or API
key elsewhere, revokes the token on logout and logs each use of a revoked token, which is how these
tests see whether gate's token survived the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import check_of
from tests.support.auth_api import PER_SCHEME, auth_api_target
from tests.support.service import marker

__all__ = ["marker"]  # the fixture, imported for pytest

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
ADMIN_ENV = {"FIXTURE_USER": "admin", "FIXTURE_PASSWORD": "admin-pw"}  # read by login.py


def fuzz_run(run_gate: RunGate, target: Path, tmp_path: Path) -> tuple[int, dict[str, Any], str]:
    """Exit code, the fuzz check's entry and the service's log."""
    result, report = run_gate(target, "--only", "fuzz")
    assert report is not None, result.output
    log = (tmp_path / "out" / "artifacts" / "service" / "service.log").read_text(encoding="utf-8")
    return result.exit_code, check_of(report, "fuzz"), log


def planted_crashes(fuzz: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f["operation"]: f
        for f in fuzz["findings"]
        if f["rule"] == "not_a_server_error" and f["extra"]["status"] == "500"
    }


# The token tests run on the clean service (FIXTURE_BUGS=0), so PASS proves every request the fuzzer
# sent was accepted or refused as documented; the planted bugs are the last test's business.
def test_token_survives_by_exclusion(
    run_gate: RunGate, tmp_path: Path, marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIXTURE_PASSWORD", "admin-pw")
    target = auth_api_target(
        tmp_path / "t",
        marker,
        bugs=False,
        service=PER_SCHEME,
        env=ADMIN_ENV,
        fuzz='max_examples = 3\nexclude = ["DELETE /api/tokens"]\nexclude_logout = false',
    )
    code, fuzz, log = fuzz_run(run_gate, target, tmp_path)
    assert (code, fuzz["status"]) == (0, "pass"), fuzz
    assert fuzz["details"]["excluded"] == [
        {"operation": "DELETE /tokens", "reason": "matches [fuzz] exclude 'DELETE /api/tokens'"}
    ]
    assert (fuzz["metrics"]["operations"], fuzz["metrics"]["operations_excluded"]) == (10, 1)
    assert "DELETE /tokens was not fuzzed: matches [fuzz] exclude 'DELETE /api/tokens'" in fuzz["details"]["notes"]
    assert fuzz["metrics"]["token_renewals"] == 0
    assert '"DELETE /api/tokens' not in log  # in no phase, and not as an unsupported-method probe
    # No probe with other undeclared methods on the excluded operation's path either; elsewhere, yes.
    assert re.findall(r'"([A-Z]+) /api/tokens', log) and set(re.findall(r'"([A-Z]+) /api/tokens', log)) == {"POST"}
    assert "TRACE" in re.findall(r'"([A-Z]+) /api/me', log)
    assert "revoked token used" not in log
    # Each operation got its own scheme: Basic on the login, the key in the query on the export.
    assert fuzz["details"]["credentials"]["POST /tokens"] == ["basicAuth"]
    assert fuzz["details"]["credentials"]["GET /export"] == ["apiKeyQuery"]
    assert fuzz["details"]["credentials"]["GET /me"] == ["bearerAuth"]


def test_token_survives_by_renewal(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    # Logout is fuzzed; the bearer operations get [service].auth's header, whose command gate re-runs.
    service = (
        'auth = { command = "python login.py" }\n\n[service.credentials.basicAuth]\n'
        'user = "admin"\npassword = "admin-pw"\n\n[service.credentials.apiKeyHeader]\n'
        'key = "fixture-service-key"\n\n[service.credentials.apiKeyQuery]\nkey = "fixture-service-key"\n'
    )
    target = auth_api_target(
        tmp_path / "t",
        marker,
        bugs=False,
        service=service,
        env=ADMIN_ENV,
        fuzz="max_examples = 3\nexclude_logout = false\nmax_token_renewals = 200",
    )
    code, fuzz, log = fuzz_run(run_gate, target, tmp_path)
    assert (code, fuzz["status"]) == (0, "pass"), fuzz
    assert (fuzz["details"]["excluded"], fuzz["metrics"]["operations"]) == ([], 11)
    assert fuzz["details"]["credentials"]["DELETE /tokens"] == ["auth"]
    logouts = sum(1 for line in log.splitlines() if '"DELETE /api/tokens' in line and '" 204 ' in line)
    renewals = fuzz["metrics"]["token_renewals"]
    assert logouts >= 1 and renewals >= 1, fuzz["details"]["renewal"]
    times = "once" if renewals == 1 else f"{renewals} times"
    assert any(note.startswith(f"the token was renewed {times}") for note in fuzz["details"]["notes"])
    renewal = fuzz["details"]["renewal"]
    # Every request refused for a revoked token was replayed with a fresh one: the run never went on
    # without a token. And gate logged in again only when the token it held was the one refused.
    assert log.count("revoked token used") <= renewal["refusals"], renewal
    assert renewals <= logouts and renewal["renewal_failures"] == 0, renewal


def test_planted_bugs_fail_and_admin_only_refusal_is_no_error(
    run_gate: RunGate, tmp_path: Path, marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # alice is no administrator: DELETE /users/{user_id} refuses her by design (403).
    monkeypatch.setenv("FIXTURE_PASSWORD", "alice-pw")
    target = auth_api_target(tmp_path / "t", marker, service=PER_SCHEME.replace('"admin"', '"alice"'))
    code, fuzz, log = fuzz_run(run_gate, target, tmp_path)
    assert (code, fuzz["status"]) == (1, "fail"), fuzz
    crashes = planted_crashes(fuzz)
    assert {"GET /users", "GET /notes/{note_id}"} <= set(crashes), sorted(crashes)
    assert crashes["GET /users"]["extra"]["curl"].startswith("curl -X GET ")
    assert "Authorization: [" in crashes["GET /users"]["extra"]["curl"]  # sent, and masked
    assert "ZeroDivisionError" in log and "alice-pw" not in str(fuzz)
    assert "ZeroDivisionError" in (crashes["GET /users"]["log_excerpt"] or "")
    assert "revoked token used" not in log  # the logout is excluded by default
    # The refusal by design is a note naming the scheme the spec documents, not an ERROR.
    assert fuzz["details"]["refused"] == {"DELETE /users/{user_id}": "bearerAuth (HTTP bearer)"}


def test_service_refusing_every_credential_is_an_error(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    service = (
        '[service.credentials.basicAuth]\nuser = "admin"\npassword = "admin-pw"\n\n'
        '[service.credentials.bearerAuth]\ntoken = "some.token"\n\n'
        '[service.credentials.apiKeyHeader]\nkey = "k"\n\n[service.credentials.apiKeyQuery]\nkey = "k"\n'
    )
    target = auth_api_target(tmp_path / "t", marker, service=service, env={"FIXTURE_REFUSE_ALL": "1"})
    code, fuzz, _ = fuzz_run(run_gate, target, tmp_path)
    assert (code, fuzz["status"]) == (3, "error"), fuzz
    assert "refused" in fuzz["reasons"][0]


def test_credentials_for_a_scheme_the_spec_lacks(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    target = auth_api_target(tmp_path / "t", marker, service='[service.credentials.jwt]\ntoken = "t"\n')
    code, fuzz, _ = fuzz_run(run_gate, target, tmp_path)
    assert (code, fuzz["status"]) == (3, "error"), fuzz
    assert (
        "[service.credentials.jwt]: the spec declares no security scheme 'jwt' "
        "(it declares: apiKeyHeader, apiKeyQuery, basicAuth, bearerAuth)"
    ) in fuzz["reasons"][0]
