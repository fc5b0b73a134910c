"""Helpers for tests of the authenticated notes API fixture (tests/fixtures/auth_api): targets, requests.

`auth_api_target()` writes a target folder whose gate.toml starts the fixture and logs in with its
login script; `start_auth_api()` starts it outside gate; `call()` sends one request to it.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gate.live import http as localhttp
from tests.conftest import FIXTURES
from tests.support.processes import wait_answering
from tests.support.service import MARKER_VAR, toml_table

AUTH_API = FIXTURES / "auth_api"
# The accounts and key the fixture knows (see its docstring).
ALICE = ("alice", "alice-pw")
ADMIN = ("admin", "admin-pw")
API_KEY = "fixture-service-key"
# Basic and the API keys as literals and from the environment; the bearer token from a command.
PER_SCHEME = """
[service.credentials.basicAuth]
user = "admin"
password = { env = "FIXTURE_PASSWORD" }

[service.credentials.bearerAuth]
command = "python login.py"

[service.credentials.apiKeyHeader]
key = "fixture-service-key"

[service.credentials.apiKeyQuery]
key = "fixture-service-key"
"""


def auth_api_target(
    root: Path,
    marker: str,
    *,
    bugs: bool = True,
    service: str = "",
    fuzz: str = "max_examples = 3",
    env: Mapping[str, str] | None = None,
    load: str | None = None,
) -> Path:
    """A target folder with the fixture and a gate.toml starting it (bugs on or off); `service` and
    `fuzz` are extra lines for the [service] and [fuzz] tables (credentials, exclusions ...), `load`
    the lines of a [load] table (none without)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("server.py", "login.py"):
        shutil.copy(AUTH_API / name, root / name)
    service_env = {"FIXTURE_BUGS": "1" if bugs else "0", MARKER_VAR: marker, **(env or {})}
    lines = [
        "[service]",
        'command = "python server.py --port {port}"',
        f"env = {toml_table(service_env)}",
        "ready_timeout_s = 10",
        service,
        "",
        "[fuzz]",
        fuzz,
        *(["", "[load]", load] if load is not None else []),
    ]
    (root / "gate.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def start_auth_api(
    marker: str, env: Mapping[str, str] | None = None, log: Path | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """Start the fixture outside gate (its log into `log`); wait (bounded) until it answers /health."""
    port = localhttp.free_port()
    with open(log or os.devnull, "wb") as log_file:
        child = subprocess.Popen(
            [sys.executable, str(AUTH_API / "server.py"), "--port", str(port)],
            env={"PATH": "/usr/bin:/bin", MARKER_VAR: marker, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    if wait_answering(child, port):
        return child, port
    child.kill()
    child.wait()
    raise AssertionError("the auth API fixture did not start")


def basic(user_password: tuple[str, str]) -> dict[str, str]:
    """An HTTP Basic Authorization header."""
    return {"Authorization": "Basic " + base64.b64encode(":".join(user_password).encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    """A bearer Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def call(
    port: int, method: str, path: str, headers: Mapping[str, str] | None = None, body: Any = None
) -> tuple[int, Any, Mapping[str, str]]:
    """One request to the fixture on 127.0.0.1: (status, parsed JSON body or None, headers)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = None if body is None else json.dumps(body).encode()
        sent = {**(headers or {}), **({"Content-Type": "application/json"} if data is not None else {})}
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        parsed = json.loads(raw) if raw and "json" in (response.getheader("Content-Type") or "") else None
        return response.status, parsed, dict(response.getheaders())
    finally:
        connection.close()


def login(port: int, user_password: tuple[str, str] = ALICE) -> str:
    """A fresh bearer token."""
    status, body, _ = call(port, "POST", "/api/tokens", basic(user_password))
    assert status == 200, (status, body)
    return str(body["token"])
