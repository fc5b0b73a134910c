"""The authenticated notes API fixture behaves as its docstring says (bugs on and off), over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.auth_api import (
    ADMIN,
    API_KEY,
    AUTH_API,
    basic,
    bearer,
    call,
    login,
    start_auth_api,
)
from tests.support.service import marker, stop

__all__ = ["marker"]  # the fixture, imported for pytest

Service = tuple[int, bool, subprocess.Popen[bytes], Path]


@pytest.fixture(params=["bugs", "clean"])
def service(
    request: pytest.FixtureRequest, marker: str, tmp_path: Path
) -> Iterator[tuple[int, bool, subprocess.Popen[bytes], Path]]:
    """The fixture on a free port, with its planted bugs on or off; a high login limit; its log file."""
    bugs = request.param == "bugs"
    log = tmp_path / "service.log"
    child, port = start_auth_api(marker, {"FIXTURE_BUGS": "1" if bugs else "0", "FIXTURE_LOGIN_LIMIT": "50"}, log)
    yield port, bugs, child, log
    stop(child)


def test_spec_declares_every_scheme_and_a_relative_server(service: Service) -> None:
    port, _, _, _ = service
    status, spec, _ = call(port, "GET", "/openapi.json")
    assert status == 200
    assert spec["servers"] == [{"url": "/api", "description": "this deployment"}]
    assert set(spec["components"]["securitySchemes"]) == {"basicAuth", "bearerAuth", "apiKeyHeader", "apiKeyQuery"}
    assert spec["paths"]["/tokens"]["post"]["security"] == [{"basicAuth": []}]
    assert spec["security"] == [{"bearerAuth": []}]
    links = spec["paths"]["/notes"]["post"]["responses"]["201"]["links"]
    assert links["GetNote"]["parameters"] == {"note_id": "$response.body#/id"}


def test_login_logout_and_admin_only(service: Service) -> None:
    port, _, child, log = service
    assert call(port, "POST", "/api/tokens", basic(("alice", "wrong")))[0] == 401
    token = login(port)
    assert call(port, "GET", "/api/me", bearer(token))[1]["username"] == "alice"
    assert call(port, "DELETE", "/api/users/3", bearer(token))[0] == 403  # alice is no admin
    assert call(port, "DELETE", "/api/users/3", bearer(login(port, ADMIN)))[0] == 204
    assert call(port, "DELETE", "/api/tokens", bearer(token))[0] == 204
    assert call(port, "GET", "/api/me", bearer(token))[0] == 401  # revoked at once
    assert call(port, "GET", "/api/me", bearer(token + "x"))[0] == 401
    stop(child)
    assert log.read_text().count("WARNING revoked token used") == 1  # the +"x" one is unknown, not revoked


def test_api_keys_in_header_and_query(service: Service) -> None:
    port, _, _, _ = service
    assert call(port, "GET", "/api/stats", {"X-API-Key": API_KEY})[0] == 200
    assert call(port, "GET", "/api/stats", {"X-API-Key": "nope"})[0] == 401
    assert call(port, "GET", f"/api/export?api_key={API_KEY}")[0] == 200
    assert call(port, "GET", "/api/export")[0] == 401


def test_planted_bugs_only_when_switched_on(service: Service) -> None:
    port, bugs, child, log_path = service
    token = login(port)
    assert call(port, "GET", "/api/users?per_page=0")[0] == 401  # the crash needs a valid token
    assert call(port, "GET", "/api/users?per_page=0", bearer(token))[0] == (500 if bugs else 200)
    assert call(port, "GET", "/api/me", bearer("SCHEMATHESIS-INVALID-VALUE"))[0] == (500 if bugs else 401)
    assert call(port, "TRACE", "/api/me", bearer(token))[0] == (501 if bugs else 405)
    status, note, _ = call(port, "POST", "/api/notes", bearer(token), {"title": "t"})
    assert status == 201
    assert call(port, "GET", "/api/notes/00000000-0000-4000-8000-000000000000", bearer(token))[0] == 404
    assert call(port, "GET", f"/api/notes/{note['id']}", bearer(token))[0] == (500 if bugs else 200)
    assert call(port, "PUT", f"/api/notes/{note['id']}", bearer(token), {"title": "u"})[0] == 200
    stop(child)
    log = log_path.read_text()
    for crash in ("ZeroDivisionError", "TypeError: Object of type datetime", "ValueError"):
        assert (crash in log) == bugs, log


def test_login_is_rate_limited(marker: str) -> None:
    child, port = start_auth_api(marker, {"FIXTURE_LOGIN_LIMIT": "3", "FIXTURE_LOGIN_WINDOW_S": "30"})
    try:
        statuses = [call(port, "POST", "/api/tokens", basic(ADMIN))[0] for _ in range(3)]
        status, _, headers = call(port, "POST", "/api/tokens", basic(ADMIN))
        assert statuses == [200, 200, 200]
        assert status == 429
        assert 1 <= int(headers["Retry-After"]) <= 30
    finally:
        stop(child)


def test_login_script_prints_a_token(marker: str) -> None:
    child, port = start_auth_api(marker)
    try:
        env = {"PATH": os.environ["PATH"], "GATE_BASE_URL": f"http://127.0.0.1:{port}"}
        done = subprocess.run(
            [sys.executable, str(AUTH_API / "login.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        token = done.stdout.strip()
        assert call(port, "GET", "/api/me", bearer(token))[0] == 200
    finally:
        stop(child)
