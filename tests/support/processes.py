"""Finds processes by a marker in their command line or environment, to prove none outlived a test."""

from __future__ import annotations

import os
import time
from pathlib import Path


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
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = processes_with(marker)
        if not left:
            return []
        time.sleep(0.1)
    return processes_with(marker)
