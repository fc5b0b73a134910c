"""The process launcher: timeouts kill the whole group, exit codes are checked, tools come from gate's env."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from gate import proc
from gate.errors import ToolError
from tests.support.processes import processes_with, wait_until_gone


def test_a_timeout_kills_grandchildren_too(tmp_path: Path) -> None:
    marker = f"gate-test-{uuid.uuid4().hex}"
    # The shell starts a background grandchild; a plain subprocess timeout would leave it running.
    script = f"sleep 300 & sleep 301; echo {marker}"
    with pytest.raises(ToolError, match="timed out after 0.5 s"):
        proc.run(proc.shell_argv(script), cwd=tmp_path, timeout=0.5, env={"PATH": "/usr/bin:/bin", "M": marker})
    assert wait_until_gone(marker) == []


def test_an_unexpected_exit_code_is_an_error_with_the_output_tail(tmp_path: Path) -> None:
    with pytest.raises(ToolError) as info:
        proc.run(proc.shell_argv("echo doing work; echo broken >&2; exit 4"), cwd=tmp_path, timeout=10, label="tool")
    assert str(info.value) == "tool exited with code 4"
    assert "broken" in info.value.log_tail and "doing work" in info.value.log_tail


def test_accepted_exit_codes_are_returned(tmp_path: Path) -> None:
    done = proc.run(proc.shell_argv("echo found; exit 1"), cwd=tmp_path, timeout=10, ok_codes=(0, 1))
    assert (done.returncode, done.stdout) == (1, "found\n")


def test_a_missing_executable_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="executable not found"):
        proc.run([str(tmp_path / "no-such-tool")], cwd=tmp_path, timeout=10)


def test_tools_come_from_gates_environment_not_path() -> None:
    argv = proc.tool_argv("bandit")
    assert argv == [str(Path(sys.executable).parent / "bandit")]
    with pytest.raises(ToolError, match="not installed in gate's environment"):
        proc.tool_argv("no-such-tool-anywhere")


def test_background_process_group_is_stopped(tmp_path: Path) -> None:
    marker = f"gate-test-{uuid.uuid4().hex}"
    child = proc.Background(
        proc.shell_argv("sleep 300 & sleep 300"),
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "M": marker},
        log_path=tmp_path / "log",
    )
    assert processes_with(marker)
    child.stop(grace=1.0)
    assert wait_until_gone(marker) == []
    assert child.exit_code() is not None
