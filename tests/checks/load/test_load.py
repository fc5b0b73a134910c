"""The load check for real: locust against the stdlib fixture service, short runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from gate.checks import load
from gate.checks.base import CheckContext
from gate.errors import CheckError
from gate.live import LiveService
from gate.live import http as localhttp
from tests.support import paths
from tests.support.service import marker, start_fixture, stop

__all__ = ["marker"]  # the fixture, imported for pytest

pytestmark = pytest.mark.slow

LOCUSTFILES = paths.DATA / "locust"
# Few users: on a shared test machine, more would make the generator, not the service, the limit.
SHORT = load.Settings(users=4, duration_s=3, warmup_s=1, request_timeout_s=5, timeout_s=60)
TOKEN = "s3cret-load-token-0042"


@pytest.fixture
def fixture_service(marker: str) -> Iterator[Callable[..., LiveService]]:
    """Start the fixture service with the given FIXTURE_* environment; always stopped afterwards."""
    servers: list[subprocess.Popen[bytes]] = []

    def start(tmp: Path, **env: str) -> LiveService:
        server, port = start_fixture(marker, env)
        servers.append(server)
        base_url = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base_url + "/openapi.json", timeout=5) as answer:
            spec = json.load(answer)
        headers = {"Authorization": f"Bearer {env['FIXTURE_TOKEN']}"} if "FIXTURE_TOKEN" in env else {}
        return LiveService(base_url, headers, spec, tmp / "openapi.json", secrets=tuple(headers.values()))

    yield start
    for server in servers:
        stop(server)


def context(tmp_path: Path, service: LiveService) -> CheckContext:
    out = tmp_path / "out"
    return CheckContext("load", tmp_path / "target", out, out / "artifacts" / "load", {}, service)


def test_the_generated_scenario_calls_every_get_operation_with_gate_s_headers(
    tmp_path: Path, fixture_service: Callable[..., LiveService]
) -> None:
    # The service answers 401 without the token: zero failures prove every request carried it.
    service = fixture_service(tmp_path, FIXTURE_TOKEN=TOKEN)
    ctx = context(tmp_path, service)
    observation = load.run(ctx, SHORT)
    endpoints = {(e["method"], e["name"]): e for e in observation.details["endpoints"]}
    assert set(endpoints) == {("GET", "/items"), ("GET", "/items/{item_id}")}  # POST is not a load target
    assert all(e["requests"] > 0 and e["failures"] == 0 for e in endpoints.values())
    assert observation.metrics["failures"] == 0 and observation.metrics["error_rate"] == 0
    assert observation.metrics["requests"] == sum(e["requests"] for e in endpoints.values())
    assert 0 < observation.metrics["p50_ms"] <= observation.metrics["p95_ms"] <= observation.metrics["max_ms"]
    assert observation.details["skipped_operations"] == []
    assert observation.tools["locust"].startswith("2.")
    names = {"locustfile.py", "scenario.json", "requests.jsonl", "locust.log", "locust_stats.csv"}
    assert {f"artifacts/load/{name}" for name in names} <= set(observation.artifacts)
    for artifact in observation.artifacts:
        text = (ctx.out_dir / artifact).read_text()
        assert TOKEN not in text, f"the token leaked into {artifact}"


@pytest.mark.parametrize("locustfile", ["named_locustfile.py", "fast_locustfile.py"])
def test_a_target_locustfile_is_used_when_configured(
    tmp_path: Path, locustfile: str, fixture_service: Callable[..., LiveService]
) -> None:
    service = fixture_service(tmp_path, FIXTURE_TOKEN=TOKEN)
    ctx = context(tmp_path, service)
    (ctx.target / "load").mkdir(parents=True)
    shutil.copy(LOCUSTFILES / locustfile, ctx.target / "load" / "locustfile.py")
    observation = load.run(ctx, SHORT.model_copy(update={"locustfile": "load/locustfile.py"}))
    [endpoint] = observation.details["endpoints"]
    assert (endpoint["method"], endpoint["name"]) == ("GET", "list via target locustfile")
    assert endpoint["requests"] > 0 and endpoint["failures"] == 0  # gate's headers reach its requests too
    assert observation.details["scenario"] == "target locustfile load/locustfile.py"
    assert not (ctx.target / "load" / "__pycache__").exists()


def test_a_run_without_requests_is_an_error(tmp_path: Path, fixture_service: Callable[..., LiveService]) -> None:
    ctx = context(tmp_path, fixture_service(tmp_path))
    ctx.target.mkdir()
    shutil.copy(LOCUSTFILES / "idle_locustfile.py", ctx.target / "idle.py")
    with pytest.raises(CheckError, match="locust made no request at all"):
        load.run(ctx, SHORT.model_copy(update={"locustfile": "idle.py"}))


def test_a_locustfile_locust_cannot_run_is_an_error_with_its_log(
    tmp_path: Path, fixture_service: Callable[..., LiveService]
) -> None:
    ctx = context(tmp_path, fixture_service(tmp_path))
    ctx.target.mkdir()
    shutil.copy(LOCUSTFILES / "no_users_locustfile.py", ctx.target / "empty.py")
    with pytest.raises(CheckError, match="locust exited with code") as caught:
        load.run(ctx, SHORT.model_copy(update={"locustfile": "empty.py"}))
    assert "User" in caught.value.log_tail  # locust says why: no User class found
    assert "artifacts/load/locust.log" in caught.value.artifacts


def test_a_service_locust_cannot_reach_is_an_error(tmp_path: Path, fixture_service: Callable[..., LiveService]) -> None:
    live = fixture_service(tmp_path)
    gone = LiveService(f"http://127.0.0.1:{localhttp.free_port()}", {}, live.spec, live.spec_file)
    # The generated scenario's probes find out before locust starts, naming each operation.
    with pytest.raises(
        CheckError,
        match=r"no operation could be load-tested: GET /items: the probe got no "
        r"answer: .*Connection refused; GET /items/\{item_id\}",
    ):
        load.run(context(tmp_path, gone), SHORT)
    # A target's own locustfile is not probed: locust's requests tell.
    ctx = context(tmp_path, gone)
    ctx.target.mkdir()
    shutil.copy(LOCUSTFILES / "named_locustfile.py", ctx.target / "l.py")
    with pytest.raises(CheckError, match="requests reached the service"):
        load.run(ctx, SHORT.model_copy(update={"locustfile": "l.py"}))


@pytest.mark.parametrize("base_url", ["http://10.0.0.5:8000", "https://api.example.com", "http://0.0.0.0:80"])
def test_load_never_targets_another_machine(tmp_path: Path, base_url: str) -> None:
    service = LiveService(base_url, {}, {"openapi": "3.0.3", "paths": {}}, tmp_path / "openapi.json")
    with pytest.raises(CheckError, match="only runs against this machine"):
        load.run(context(tmp_path, service), SHORT)
    assert not (tmp_path / "out" / "artifacts" / "load" / "requests.jsonl").exists()


def test_a_spec_without_callable_get_operations_is_an_error(tmp_path: Path) -> None:
    spec: Mapping[str, Any] = {
        "openapi": "3.0.3",
        "paths": {
            "/a/{id}": {
                "get": {
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    service = LiveService("http://localhost:9", {}, spec, tmp_path / "openapi.json")
    with pytest.raises(CheckError, match=r"GET /a/\{id\}: no example, default or enum value"):
        load.run(context(tmp_path, service), SHORT)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"duration_s": 5, "warmup_s": 5}, "warmup_s must be shorter"),
        ({"duration_s": 100, "timeout_s": 60}, "timeout_s must be longer"),
        ({"locustfile": "a.py,b.py"}, "one .py file"),
        ({"duration_s": 2.5}, "integer"),
    ],
)
def test_inconsistent_settings_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load.Settings.model_validate(settings)
