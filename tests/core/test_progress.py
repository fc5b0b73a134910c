"""Progress while a run runs: start/end lines and a heartbeat in CI logs, elapsed times on a terminal."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from gate.cli import cli
from gate.model import CheckResult, Status
from gate.progress import PlainProgress, TerminalProgress

MakeTarget = Callable[[Mapping[str, str]], Path]


def result(check_id: str) -> CheckResult:
    return CheckResult(id=check_id, title=check_id, status=Status.PASS, reasons=(), duration_s=1.25)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ci_log_has_a_line_per_start_and_end_and_a_heartbeat_naming_what_runs() -> None:
    lines: list[str] = []
    beat = threading.Event()
    clock = Clock()

    def echo(line: str) -> None:
        lines.append(line)
        if line.startswith("gate: still running"):
            beat.set()

    progress = PlainProgress(echo, heartbeat_s=0.02, clock=clock)
    try:
        progress.started("fuzz")
        clock.now += 95
        progress.started("coverage")
        clock.now += 12
        beat.clear()
        assert beat.wait(timeout=10), lines
        progress.finished(result("coverage"))
        progress.finished(result("fuzz"))
    finally:
        progress.close()
    assert lines[:2] == ["gate: fuzz started", "gate: coverage started"]
    assert "gate: still running: fuzz 107 s, coverage 12 s" in lines
    assert lines[-2:] == ["gate: coverage pass (1.2 s)", "gate: fuzz pass (1.2 s)"]
    count = len(lines)
    time.sleep(0.1)
    assert len(lines) == count  # closed: no more heartbeats


def test_terminal_shows_elapsed_time_per_running_check_and_no_source_location() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100, log_path=False)
    clock = Clock()
    with console.status("starting checks") as status:
        progress = TerminalProgress(status, clock=clock)
        progress.started("fuzz")
        clock.now += 42
        progress.started("security")
        clock.now += 3
        assert progress.line() == "running: fuzz 45 s, security 3 s"
        progress.finished(result("security"))
        assert progress.line() == "running: fuzz 45 s"
    assert "security: pass (1.2 s)" in buffer.getvalue()
    assert ".py:" not in buffer.getvalue()  # rich's log() ended lines with its caller (cli.py:138)


def test_a_run_in_a_ci_log_says_when_each_check_starts(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": "[security]\npaths = ['.']\n", "app.py": "X = 1\n"})
    done = CliRunner().invoke(cli, ["run", str(target), "--out", str(target.parent / "out"), "--only", "security"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    start = lines.index("gate: security started")
    assert any(line.startswith("gate: security pass (") for line in lines[start + 1 :])
