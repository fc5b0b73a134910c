"""The load check on the authenticated notes API (tests/fixtures/auth_api): under its relative server
prefix (/api), each operation sent the [service.credentials] its `security` names, a query API key too."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import check_of
from tests.support.auth_api import API_KEY, auth_api_target
from tests.support.service import marker

__all__ = ["marker"]  # the fixture, imported for pytest

pytestmark = pytest.mark.slow

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
KEY_VAR = "GATE_TEST_SERVICE_KEY"
CREDENTIALS = f"""
[service.credentials.bearerAuth]
command = "python login.py"

[service.credentials.apiKeyHeader]
key = {{ env = "{KEY_VAR}" }}

[service.credentials.apiKeyQuery]
key = {{ env = "{KEY_VAR}" }}
"""


def test_a_query_api_key_is_sent_and_masked_in_every_artifact(
    run_gate: RunGate, tmp_path: Path, marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_VAR, API_KEY)
    load = "users = 2\nduration_s = 4\nwarmup_s = 1\n\n[thresholds.load]\nrequests = 20\n"
    target = auth_api_target(tmp_path / "t", marker, bugs=False, service=CREDENTIALS, load=load)
    result, report = run_gate(target, "--only", "load")
    assert report is not None, result.output
    check = check_of(report, "load")
    assert (result.exit_code, check["status"]) == (0, "pass"), check
    # GET /export wants the key in the query (apiKeyQuery): load-tested, not left out by its probe.
    assert {"GET /export", "GET /stats", "GET /me", "GET /users"} <= set(check["details"]["load_tested"])
    assert "/export" in {e["name"] for e in check["details"]["endpoints"]}
    assert check["metrics"]["error_rate"] == 0  # every timed /export request carried the key
    out = tmp_path / "out"
    scenario = json.loads((out / "artifacts" / "load" / "scenario.json").read_text())
    [export] = [c for c in scenario["calls"] if c["name"] == "/export"]
    assert export["query"] == {} and export["path"] == "/export"  # the key is not in the file
    log = (out / "artifacts" / "service" / "service.log").read_text()
    assert log.count("GET /api/export?api_key=") > 1  # the probe and the timed run, under the prefix
    leaked = [str(p) for p in out.rglob("*") if p.is_file() and API_KEY in p.read_text(errors="replace")]
    assert leaked == []
