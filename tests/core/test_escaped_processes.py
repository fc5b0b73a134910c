"""Descendants that leave their process group (setsid, start_new_session=True) are stopped with gate's children.

Every test proves by a marker scan (tests/support/processes.py) that no process outlived gate.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gate import proc
from tests.support.processes import processes_with, wait_until_gone
from tests.support.service import MARKER_VAR, live_target, marker

__all__ = ["marker"]  # the fixture (no process carrying it may outlive a test), imported for pytest

# A Python "test suite" that starts a helper in a session of its own and leaves it running, as a test's
# server fixture that forgot to stop would; the helper keeps the suite's stdout open.
ESCAPING_TEST = "import subprocess, sys; subprocess.Popen(['sleep', '900'], start_new_session=True); print('tests ran')"


def _env(marker: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], MARKER_VAR: marker}


def test_a_helper_in_its_own_session_is_stopped_when_its_command_ends(tmp_path: Path, marker: str) -> None:
    # Before: communicate() waited for the helper's end of the pipe until the timeout (600 s for tests).
    done = proc.run([sys.executable, "-c", ESCAPING_TEST], cwd=tmp_path, timeout=60, env=_env(marker))
    assert done.stdout == "tests ran\n"
    assert wait_until_gone(marker) == []


def test_a_setsid_child_of_the_service_is_stopped_with_it(tmp_path: Path, marker: str) -> None:
    service = proc.Background(
        proc.shell_argv("setsid sleep 900 & exec sleep 300"), cwd=tmp_path, env=_env(marker), log_path=tmp_path / "log"
    )
    deadline = time.monotonic() + 10
    while len(processes_with(marker)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(processes_with(marker)) == 2
    service.stop(grace=1.0)
    assert wait_until_gone(marker) == []


def _gate(*args: str, marker: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gate", "run", *args],
        cwd=cwd,
        text=True,
        env={**os.environ, MARKER_VAR: marker},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _escaping_target(root: Path, marker: str, mode: str = "clean") -> Path:
    """The fixture service started behind `setsid sleep 900`, and a coverage test command that leaves a helper.

    In mode never_ready the service never answers health: gate is still waiting when the test signals it."""
    target = live_target(
        root,
        marker,
        mode=mode,
        ready_timeout_s=60,
        service="stop_grace_s = 2",
        files={"escape.py": ESCAPING_TEST + "\n"},
    )
    text = (target / "gate.toml").read_text()
    text = text.replace(
        'command = "python server.py --port {port}"',
        'command = "setsid sleep 900 & exec python server.py --port {port}"',
    )
    text += '\n[coverage]\ncommand = "python -m coverage run escape.py"\n'
    (target / "gate.toml").write_text(text)
    return target


def test_gate_run_leaves_no_escaped_process(tmp_path: Path, marker: str) -> None:
    target = _escaping_target(tmp_path / "t", marker)
    gate = _gate(str(target), "--only", "docs,coverage", "--out", str(tmp_path / "out"), marker=marker, cwd=tmp_path)
    out, err = gate.communicate(timeout=240)
    assert gate.returncode in (0, 1, 3), err
    assert "Verdict:" in out
    # The `marker` fixture asserts that neither `sleep 900` (service's nor test's) is left.


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_leaves_no_escaped_process(tmp_path: Path, marker: str, sig: signal.Signals) -> None:
    target = _escaping_target(tmp_path / "t", marker, "never_ready")
    gate = _gate(str(target), "--only", "docs", "--out", str(tmp_path / "out"), marker=marker, cwd=tmp_path)
    _wait_for(marker, b"sleep\x00900", gate)
    gate.send_signal(sig)
    _, err = gate.communicate(timeout=60)
    assert gate.returncode == 130, err


def test_the_next_run_stops_what_a_killed_run_left(tmp_path: Path, marker: str) -> None:
    target = _escaping_target(tmp_path / "t", marker, "never_ready")
    out = tmp_path / "out"
    first = _gate(str(target), "--only", "docs", "--out", str(out), marker=marker, cwd=tmp_path)
    _wait_for(marker, b"server.py", first)
    first.kill()  # SIGKILL: gate can stop nothing; the service and its setsid child are orphaned
    first.communicate(timeout=30)
    # The service's output goes through a pipe gate read: with gate gone its next log line may kill it
    # (SIGPIPE). The `setsid` child writes nothing and is the orphan that certainly remains.
    assert len(wait_until_gone(marker, timeout_s=1.0)) >= 1, "the orphans this test is about"
    config = target / "gate.toml"
    config.write_text(config.read_text().replace("never_ready", "exit_early"))  # the next run ends at once
    second = _gate(str(target), "--only", "docs", "--out", str(out), marker=marker, cwd=tmp_path)
    _, err = second.communicate(timeout=240)
    assert second.returncode == 3, err
    assert f"an earlier gate run on {out} (pid {first.pid}) ended without stopping what it started" in err
    assert "sleep 900" in err
    assert json.loads((out / ".gate.lock").read_text())["pid"] == second.pid


def _wait_for(marker: str, word: bytes, gate: subprocess.Popen[str]) -> None:
    """Wait (bounded) until a process carrying `marker` has `word` in its command line."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert gate.poll() is None, gate.communicate()
        for pid in processes_with(marker):
            try:
                if word in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return
            except OSError:
                continue
        time.sleep(0.1)
    raise AssertionError(f"no process with {word!r} started")
