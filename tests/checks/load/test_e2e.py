"""load and docs end to end: `gate run --only load|docs` starts the fixture service and judges it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import check_of
from tests.support import paths
from tests.support.service import MARKER_VAR, live_target, marker, processes_with

__all__ = ["marker"]  # the fixture, imported for pytest

pytestmark = pytest.mark.slow

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
LOCUSTFILES = paths.DATA / "locust"
# Short runs with few users: the verdict depends on the service's latency, not on a busy test machine.
SHORT_LOAD = "\n[load]\nusers = 4\nduration_s = 5\nwarmup_s = 1\n\n[thresholds.load]\nrequests = 30\n"


def load_target(root: Path, marker: str, delay_ms: int, extra: str = SHORT_LOAD) -> Path:
    target = live_target(root, marker, env={"FIXTURE_DELAY_MS": str(delay_ms)})
    with (target / "gate.toml").open("a", encoding="utf-8") as toml:
        toml.write(extra)
    return target


def run_check(run_gate: RunGate, target: Path, check_id: str) -> tuple[int, dict[str, Any]]:
    result, report = run_gate(target, "--only", check_id)
    assert report is not None, result.output
    return result.exit_code, check_of(report, check_id)


def test_a_service_answering_in_120_ms_passes(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    code, load = run_check(run_gate, load_target(tmp_path / "t", marker, 120), "load")
    assert (code, load["status"]) == (0, "pass"), load
    assert 120 <= load["metrics"]["p95_ms"] < 200  # the fixture sleeps 120 ms in every API request
    assert load["metrics"]["error_rate"] == 0
    assert {e["name"] for e in load["details"]["endpoints"]} == {"/items", "/items/{item_id}"}
    assert load["details"]["warmup_s"] == 1 and load["details"]["users"] == 4
    for artifact in load["artifacts"]:
        assert (tmp_path / "out" / artifact).is_file()


def test_a_service_answering_in_300_ms_fails_on_p95(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    code, load = run_check(run_gate, load_target(tmp_path / "t", marker, 300), "load")
    assert (code, load["status"]) == (1, "fail"), load
    assert load["metrics"]["p95_ms"] >= 300
    [p95_reason] = [r for r in load["reasons"] if r.startswith("p95_ms ") and "(" not in r]
    assert p95_reason.endswith(" ms < 200 ms: not met")
    # Both operations are slow, and each is named.
    assert {r.split(")")[0] for r in load["reasons"] if r.startswith("p95_ms (")} == {
        "p95_ms (GET /items",
        "p95_ms (GET /items/{item_id}",
    }
    assert load["metrics"]["error_rate"] == 0


def test_a_run_that_measured_nothing_is_an_error_not_a_pass(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    idle = SHORT_LOAD.replace("[load]\n", '[load]\nlocustfile = "idle.py"\n')
    target = load_target(tmp_path / "t", marker, 0, idle)
    (target / "idle.py").write_text((LOCUSTFILES / "idle_locustfile.py").read_text())
    code, load = run_check(run_gate, target, "load")
    assert (code, load["status"]) == (3, "error"), load
    assert "no request at all" in load["reasons"][0]


@pytest.mark.parametrize("spec", ["openapi30", "openapi31", "swagger20"])
def test_the_fixture_service_s_documentation_is_complete(
    run_gate: RunGate, tmp_path: Path, marker: str, spec: str
) -> None:
    code, docs = run_check(run_gate, live_target(tmp_path / "t", marker, spec=spec), "docs")
    assert (code, docs["status"]) == (0, "pass"), docs
    assert docs["metrics"] == {
        "documented_percent": 100.0,
        "complete_percent": 100.0,
        "operations": 3.0,
        "undocumented": 0.0,
    }
    assert [row["operation"] for row in docs["details"]["operations"]] == [
        "GET /items",
        "POST /items",
        "GET /items/{item_id}",
    ]
    assert docs["reasons"] == ["documented_percent 100 % >= 100 %: met"]


def test_ctrl_c_during_the_load_test_leaves_no_process_behind(tmp_path: Path, marker: str) -> None:
    target = load_target(tmp_path / "t", marker, 50, SHORT_LOAD.replace("duration_s = 5", "duration_s = 60"))
    gate = subprocess.Popen(
        [sys.executable, "-m", "gate", "run", str(target), "--only", "load", "--out", str(tmp_path / "out")],
        env={**os.environ, MARKER_VAR: marker},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # Python raises KeyboardInterrupt only when SIGINT's disposition is the default one at start.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not _locust_running(marker):
        assert gate.poll() is None and time.monotonic() < deadline, "gate never started locust"
        time.sleep(0.1)
    time.sleep(1.0)  # users spawned and sending
    gate.send_signal(signal.SIGINT)
    output, _ = gate.communicate(timeout=60)
    assert gate.returncode == 130, output.decode()
    # The `marker` fixture asserts, after the test, that no locust or service process is left.


def _locust_running(marker: str) -> bool:
    for pid in processes_with(marker):
        try:
            if b"locust" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
        except OSError:
            continue  # it ended while we looked
    return False
