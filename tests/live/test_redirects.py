"""gate's credentials never follow a redirect off the service's origin: gate's own spec fetch, schemathesis
and locust, against two real local servers on different ports (different origins)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from gate.live.lifecycle import open_service
from tests.live.test_lifecycle import settings
from tests.support import paths
from tests.support.service import live_target, marker

__all__ = ["marker"]  # the fixture, imported for pytest

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
API_KEY = "key-Redirect-3e5f7a"
TOKEN = "tok-Redirect-9b8c7d"
LOCUSTFILES = paths.DATA / "locust"


@pytest.fixture
def other_origin() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Another server on 127.0.0.1 (another port, so another origin), recording the headers it receives."""
    seen: list[dict[str, str]] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            body = json.dumps({"openapi": "3.0.3", "paths": {"/x": {}}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def credentials_in(seen: list[dict[str, str]]) -> list[str]:
    """Every header value the other origin received that carries gate's credentials."""
    return [
        f"{name}: {value}" for headers in seen for name, value in headers.items() if API_KEY in value or TOKEN in value
    ]


def test_a_spec_redirecting_to_another_origin_is_not_followed(
    tmp_path: Path, marker: str, other_origin: tuple[str, list[dict[str, str]]]
) -> None:
    url, seen = other_origin
    config = settings(
        marker,
        env={
            "FIXTURE_TOKEN": TOKEN,
            "FIXTURE_REDIRECT_PATH": "/openapi.json",
            "FIXTURE_REDIRECT_TO": f"{url}/openapi.json",
        },
        headers={"X-Api-Key": API_KEY},
        auth={"command": f"echo {TOKEN}"},
    )
    with open_service(config, tmp_path, tmp_path / "work", dict(os.environ)) as running:
        assert running.live is None
        assert f"HTTP 302, a redirect to {url}/openapi.json (another origin" in str(running.error)
    assert seen == []  # not even a request without credentials


def test_a_redirect_on_the_same_origin_is_followed(tmp_path: Path, marker: str) -> None:
    config = settings(
        marker,
        env={"FIXTURE_REDIRECT_PATH": "/old/openapi.json", "FIXTURE_REDIRECT_TO": "/openapi.json"},
        openapi="/old/openapi.json",
    )
    with open_service(config, tmp_path, tmp_path / "work", dict(os.environ)) as running:
        assert running.error is None, running.error
        assert running.live is not None and "/items" in running.live.spec["paths"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("checks", "load"),
    [
        ("fuzz,load", ""),  # schemathesis, and locust's HttpUser (requests) in gate's generated scenario
        ("load", 'locustfile = "fast_locustfile.py"'),  # locust's FastHttpUser (geventhttpclient)
    ],
)
def test_schemathesis_and_locust_send_no_credentials_to_another_origin(
    run_gate: RunGate,
    tmp_path: Path,
    marker: str,
    other_origin: tuple[str, list[dict[str, str]]],
    checks: str,
    load: str,
) -> None:
    url, seen = other_origin
    target = live_target(
        tmp_path / "t",
        marker,
        env={"FIXTURE_REDIRECT_PATH": "/items", "FIXTURE_REDIRECT_TO": f"{url}/items"},
        service=f'headers = {{ X-Api-Key = "{API_KEY}" }}\nauth = {{ command = "echo {TOKEN}" }}',
        fuzz=f"max_examples = 5\n\n[load]\nduration_s = 4\nwarmup_s = 1\nusers = 2\n{load}",
        files={"fast_locustfile.py": (LOCUSTFILES / "fast_locustfile.py").read_text()},
    )
    result, report = run_gate(target, "--only", checks)
    assert report is not None, result.output
    assert seen, "no redirect was followed: the test would prove nothing"  # locust follows, without credentials
    assert credentials_in(seen) == []
