"""Finds processes by a marker in their command line or environment, to prove none outlived a test;
waits (bounded) for a process a test started to answer."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gate.live import http as localhttp
from gate.poll import poll


def processes_with(marker: str) -> list[int]:
    """PIDs of live (non-zombie) processes whose command line or environment contains `marker`."""
    found = []
    needle = marker.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if (entry / "stat").read_text().split(") ", 1)[1].startswith("Z"):
                continue
            if needle in (entry / "cmdline").read_bytes() or needle in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue  # the process ended while we looked
    return found


def wait_until_gone(marker: str, timeout_s: float = 10.0) -> list[int]:
    """Wait (bounded) for every process with `marker` to end; return the ones still there."""
    poll(lambda _left: "still running" if processes_with(marker) else None, timeout_s, 0.1)
    return processes_with(marker)


def wait_answering(child: subprocess.Popen[bytes], port: int) -> bool:
    """Wait (bounded: 100 tries, 30 s) until a process a test started answers /health on `port`."""

    def attempt(left: float) -> str | None:
        if localhttp.get(f"http://127.0.0.1:{port}/health", {}, min(1.0, max(left, 0.1))).status is not None:
            return None
        if child.poll() is not None:
            raise ChildProcessError(f"exited with code {child.returncode}")
        return "no answer on /health"

    try:
        return poll(attempt, 30.0, 0.05, max_attempts=100) is None
    except ChildProcessError:
        return False
