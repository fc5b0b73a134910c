"""Helpers for tests that run the fixture service (tests/fixtures/live_service): targets, markers, cleanup.

Every service a test starts carries a unique marker in its environment, so a test can prove that no
process of it outlived gate (tests/support/processes.py finds processes by that marker).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from gate.live import http as localhttp
from tests.conftest import FIXTURES, write_files
from tests.support.processes import processes_with, wait_answering, wait_until_gone

SERVER = FIXTURES / "live_service" / "server.py"
MARKER_VAR = "GATE_TEST_MARKER"


@pytest.fixture
def marker() -> Iterator[str]:
    """A unique marker; after the test, no process carrying it may be left running."""
    value = f"gate-live-{uuid.uuid4().hex}"
    yield value
    left = wait_until_gone(value, timeout_s=10.0)
    assert not left, f"processes outlived the test: {left}"


def toml_table(values: Mapping[str, str]) -> str:
    """An inline TOML table of strings."""
    return "{ " + ", ".join(f'{key} = "{value}"' for key, value in values.items()) + " }"


def live_target(
    root: Path,
    marker: str,
    *,
    mode: str = "clean",
    spec: str = "openapi30",
    service: str = "",
    fuzz: str = "max_examples = 3",
    env: Mapping[str, str] | None = None,
    ready_timeout_s: float = 10,
    files: Mapping[str, str] | None = None,
) -> Path:
    """A target folder holding the fixture service and a gate.toml that starts it."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(SERVER, root / "server.py")
    service_env = {"FIXTURE_MODE": mode, "FIXTURE_SPEC": spec, MARKER_VAR: marker, **(env or {})}
    lines = [
        "[service]",
        'command = "python server.py --port {port}"',
        f"env = {toml_table(service_env)}",
        f"ready_timeout_s = {ready_timeout_s}",
        service,
        "",
        "[fuzz]",
        fuzz,
    ]
    (root / "gate.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_files(root, files or {})
    return root


def start_fixture(marker: str, env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """Start the fixture service outside gate (for url mode); wait until it answers."""
    port = localhttp.free_port()
    child = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", str(port)],
        env={"PATH": "/usr/bin:/bin", MARKER_VAR: marker, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if wait_answering(child, port):
        return child, port
    child.kill()
    child.wait()
    raise AssertionError("the fixture service did not start")


def stop(child: subprocess.Popen[bytes]) -> None:
    """Stop a process a test started itself."""
    child.terminate()
    child.wait(timeout=10)


def files_containing(root: Path, text: str) -> list[str]:
    """Every file under root whose bytes contain text."""
    return [str(p) for p in root.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


__all__ = ["files_containing", "live_target", "marker", "processes_with", "start_fixture", "stop", "toml_table"]
