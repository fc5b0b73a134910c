"""The service lifecycle (gate/live/lifecycle.py) with the real fixture service: start, ready, prepare, stop."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from gate.live import http as localhttp
from gate.live.lifecycle import open_service
from gate.live.settings import ServiceSettings
from tests.support.service import MARKER_VAR, SERVER, marker, processes_with, start_fixture, stop

__all__ = ["marker"]  # the fixture, imported for pytest


def settings(marker: str, mode: str = "clean", **extra: Any) -> ServiceSettings:
    env = {"FIXTURE_MODE": mode, MARKER_VAR: marker, **extra.pop("env", {})}
    return ServiceSettings.model_validate(
        {"command": f"python {SERVER} --port {{port}}", "env": env, "ready_timeout_s": 10, **extra}
    )


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def foreign_port() -> Iterator[int]:
    """A port held by a server gate did not start, answering 200 to everything."""
    server = HTTPServer(("127.0.0.1", 0), _Healthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_clean_service_is_ready_prepared_and_stopped(tmp_path: Path, marker: str) -> None:
    with open_service(settings(marker), tmp_path, tmp_path / "work", dict(os.environ)) as running:
        assert running.error is None, running.log_tail()
        assert running.live is not None
        assert running.live.base_url.startswith("http://127.0.0.1:")
        assert set(running.live.spec["paths"]) == {"/items", "/items/{item_id}"}
        assert json.loads(running.live.spec_file.read_text()) == running.live.spec
        assert running.death() is None
        assert processes_with(marker)
    assert running.death() is not None  # stopped when the block ended
    assert "listening on 127.0.0.1" in (tmp_path / "work" / "service.log").read_text()


@pytest.mark.parametrize(
    ("mode", "expected", "in_log"),
    [
        ("exit_early", "exited with code 3 before it was ready", "cannot connect to the database"),
        ("never_ready", "not ready within 1 s", "/health"),
    ],
)
def test_service_that_never_gets_ready_is_an_error_with_its_log(
    tmp_path: Path, marker: str, mode: str, expected: str, in_log: str
) -> None:
    config = settings(marker, mode, ready_timeout_s=1)
    with open_service(config, tmp_path, tmp_path / "work", dict(os.environ)) as running:
        assert running.live is None
        assert expected in str(running.error)
        assert in_log in running.log_tail()


def test_port_already_answering_is_an_error(
    tmp_path: Path, marker: str, foreign_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(localhttp, "free_port", lambda: foreign_port)
    with open_service(settings(marker), tmp_path, tmp_path / "work", dict(os.environ)) as running:
        assert running.live is None
        assert f"port {foreign_port} is already in use" in str(running.error)


def test_foreign_server_grabbing_the_port_is_never_tested(
    tmp_path: Path, marker: str, foreign_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race: the port looked free, then somebody else bound it before our service did. The foreign
    # server answers health at once; ours fails with "address in use". That must be an error.
    monkeypatch.setattr(localhttp, "free_port", lambda: foreign_port)
    monkeypatch.setattr(localhttp, "port_answers", lambda port: False)
    with open_service(settings(marker), tmp_path, tmp_path / "work", dict(os.environ)) as running:
        assert running.live is None
        assert "exited with code 1 before it was ready" in str(running.error)
        assert "Address already in use" in running.log_tail()


def test_port_ownership_is_read_from_proc(tmp_path: Path, marker: str, foreign_port: int) -> None:
    with open_service(settings(marker), tmp_path, tmp_path / "work", dict(os.environ)) as running:
        assert running.live is not None and running._process is not None
        port = int(running.live.base_url.rsplit(":", 1)[1])
        assert localhttp.port_owned_by_session(port, running._process.pid) is True
        assert localhttp.port_owned_by_session(foreign_port, running._process.pid) is False


def test_setup_seed_and_auth_run_in_order_with_the_base_url(tmp_path: Path, marker: str) -> None:
    config = settings(
        marker,
        env={"FIXTURE_TOKEN": "tok-0123456789", "DB_PASSWORD": "hunter22"},
        setup=["echo set up > setup.txt"],
        seed=['test -f setup.txt && echo "$GATE_BASE_URL" > seeded.txt'],
        auth={"command": "echo tok-0123456789"},
    )
    with open_service(config, tmp_path, tmp_path / "work", dict(os.environ)) as running:
        assert running.error is None, running.error
        assert running.live is not None
        assert (tmp_path / "seeded.txt").read_text().strip() == running.live.base_url
        assert running.live.headers == {"Authorization": "Bearer tok-0123456789"}
        assert {"tok-0123456789", "hunter22"} <= set(running.live.secrets)
        # The spec was fetched with the token: the fixture documents 401 only when it requires one.
        assert "401" in running.live.spec["paths"]["/items"]["get"]["responses"]
    assert "tok-0123456789" not in (tmp_path / "work" / "prepare.log").read_text()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"setup": ["echo broken >&2; exit 4"]}, "setup command `echo broken >&2; exit 4` failed"),
        ({"seed": ["exit 5"]}, "seed command `exit 5` failed"),
        ({"auth": {"command": "true"}}, "auth command printed no token"),
        ({"openapi": "/missing.json"}, "cannot fetch the OpenAPI spec"),
        ({"openapi": "docs/none.yaml"}, "cannot read the OpenAPI spec file"),
    ],
)
def test_preparation_failures_are_errors(tmp_path: Path, marker: str, extra: dict[str, Any], expected: str) -> None:
    with open_service(settings(marker, **extra), tmp_path, tmp_path / "work", dict(os.environ)) as running:
        assert running.live is None
        assert expected in str(running.error)
    if "setup" in extra:
        assert "broken" in running.log_tail()


def test_spec_from_a_yaml_file_in_the_repository(tmp_path: Path, marker: str) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "api.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /items:\n    get:\n"
        "      responses: {'200': {description: ok}}\n"
    )
    config = settings(marker, openapi="docs/api.yaml")
    with open_service(config, tmp_path, tmp_path / "w", dict(os.environ)) as running:
        assert running.live is not None, running.error
        assert list(running.live.spec["paths"]) == ["/items"]
        assert json.loads(running.live.spec_file.read_text())["openapi"] == "3.0.3"


def test_url_mode_reaches_a_running_service_and_leaves_it_running(tmp_path: Path, marker: str) -> None:
    child, port = start_fixture(marker)
    try:
        config = ServiceSettings(url=f"http://127.0.0.1:{port}", seed=['echo "$GATE_BASE_URL" > seeded.txt'])
        with open_service(config, tmp_path, tmp_path / "work", dict(os.environ)) as running:
            assert running.live is not None, running.error
            assert running.live.base_url == f"http://127.0.0.1:{port}"
            assert running.death() is None
        assert child.poll() is None  # gate did not start it, so gate does not stop it
        assert (tmp_path / "seeded.txt").read_text().strip() == f"http://127.0.0.1:{port}"
        stop(child)
        assert "no longer answers" in str(running.death())
    finally:
        if child.poll() is None:
            stop(child)
