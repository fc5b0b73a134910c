"""scripts/token.py, gate's credential command, against the service served by uvicorn on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import uvicorn

from app.main import create_app
from tests.conftest import KEY, PASSWORD

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "token.py"


@pytest.fixture
def base_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("BOOKSHELF_LIBRARIAN_PASSWORD", PASSWORD)
    monkeypatch.setenv("BOOKSHELF_JWT_KEY", KEY)
    monkeypatch.setenv("BOOKSHELF_LOGIN_RATE_LIMIT", "1 per 2 seconds")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _run(base_url: str, password: str | None) -> subprocess.CompletedProcess[str]:
    env = {"GATE_BASE_URL": base_url, "PATH": "/usr/bin:/bin"}
    if password is not None:
        env["BOOKSHELF_LIBRARIAN_PASSWORD"] = password
    return subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60,
                          check=False)


def test_prints_a_token_and_waits_out_the_rate_limit(base_url: str) -> None:
    tokens = [_run(base_url, PASSWORD) for _ in range(2)]  # the second is throttled at first, then retried
    for done in tokens:
        assert done.returncode == 0, done.stderr
        assert jwt.decode(done.stdout.strip(), KEY, algorithms=["HS256"])["sub"] == "librarian"


def test_fails_clearly(base_url: str) -> None:
    done = _run(base_url, "wrong")
    assert done.returncode == 1
    assert done.stderr.strip() == f"token.py: POST {base_url}/token answered 401"
    done = _run("ftp://127.0.0.1", PASSWORD)
    assert (done.returncode, done.stderr.strip()) == (1, "token.py: GATE_BASE_URL must be an http(s) URL, not 'ftp://127.0.0.1'")
    done = _run(base_url, None)
    assert (done.returncode, done.stderr.strip()) == (1, "token.py: BOOKSHELF_LIBRARIAN_PASSWORD is not set")
