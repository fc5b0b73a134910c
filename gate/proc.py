"""The only module that starts processes.

Every child gets an argv list, no stdin, a timeout and its own process group (session), so that on
timeout, error or Ctrl-C the whole group is terminated and then killed: a plain
`subprocess.run(timeout=)` kills only the direct child and leaves grandchildren (uvicorn workers,
locust's gevent runners, a test suite's servers) running. Descendants that left the group (setsid) are
found by the marker every child carries in its environment (proctrack) and killed with it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gate import proctrack
from gate.errors import ToolError
from gate.text import TAIL_BYTES, clip_tail
from gate.timedlog import TimedLog

STOP_GRACE_S = 5.0
LOG_DRAIN_S = 2.0  # after the service stopped, how long its last output may take to reach the log
TAIL_LINES = 40
POLL_S = 0.2
# After the child exits, how long its output may stay open (a descendant finishing its last write)
# before whatever still holds it is killed: an escaped helper must not make gate wait for the timeout.
LINGER_S = 1.0

_numbers = itertools.count(1)

_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()
_stopping = threading.Event()  # set on Ctrl-C: no new process may start


@dataclass(frozen=True)
class Completed:
    """A finished process: its exit code and decoded output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    interrupted: bool = False  # run() sent it SIGINT when its `interrupt_after` budget was spent

    def tail(self, lines: int = TAIL_LINES) -> str:
        """The last lines of stderr and stdout, for error reports."""
        return tail_text(self.stderr + ("\n" if self.stderr and self.stdout else "") + self.stdout, lines)


def tail_text(text: str, lines: int = TAIL_LINES) -> str:
    """The last `lines` lines of `text`, at most TAIL_BYTES of them (one line may be megabytes)."""
    return clip_tail("\n".join(text.rstrip().splitlines()[-lines:]), TAIL_BYTES)


def log_tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last `lines` lines of a (log) file, at most TAIL_BYTES of it (a service's log may be
    gigabytes, one line megabytes), saying how many earlier bytes were left out of a longer file."""
    with path.open("rb") as handle:
        length = handle.seek(0, os.SEEK_END)
        handle.seek(max(length - TAIL_BYTES, 0))
        data = handle.read()
    kept = b"".join(data.splitlines(keepends=True)[-lines:])
    text = kept.decode("utf-8", errors="replace").rstrip()
    # Said only when the file was longer than what was read: a short log's first lines are not news.
    if length <= len(data):
        return text
    return f"[cut by gate: {length - len(kept)} earlier bytes of {length} ...] {text}"


def tool_argv(name: str) -> list[str]:
    """The argv prefix for one of gate's own tools, from gate's environment, never from PATH."""
    # The console script next to sys.executable belongs to the environment gate runs in; a target
    # virtualenv earlier on PATH cannot shadow it. Do not resolve symlinks: a venv's python is one.
    script = Path(sys.executable).parent / name
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    raise ToolError(
        f"{name} is not installed in gate's environment ({script} not found); reinstall gate with its dependencies"
    )


def shell_argv(command: str) -> list[str]:
    """argv for a command the user wrote in gate.toml, run the way a CI `run:` line is."""
    return ["/bin/sh", "-c", command]


def run(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
    ok_codes: Sequence[int] = (0,),
    label: str | None = None,
    interrupt_after: float | None = None,
) -> Completed:
    """Run a process to completion; raise ToolError if it is missing, times out or exits badly.

    With `interrupt_after`, the process is sent SIGINT once that many seconds have passed (a time
    budget: a tool that handles it finishes its reports and exits); `timeout` still ends it for good.
    """
    name = label or Path(argv[0]).name
    started = time.monotonic()
    if _stopping.is_set():
        raise ToolError(f"{name}: not started, gate is being interrupted")
    number, marked = _marked(env)
    try:
        child = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=marked,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise ToolError(f"{name}: executable not found ({argv[0]})") from exc
    except PermissionError as exc:
        raise ToolError(f"{name}: cannot execute {argv[0]}: {exc}") from exc
    _register(child, name)
    interrupted = False
    try:
        if interrupt_after is not None and interrupt_after < timeout:
            try:
                out, err = _communicate(child, interrupt_after, number)
            except subprocess.TimeoutExpired:
                # The time budget: SIGINT lets schemathesis finish its reports; `timeout` still ends it.
                interrupted = True
                child.send_signal(signal.SIGINT)
                out, err = _communicate(child, timeout - interrupt_after, number)
        else:
            out, err = _communicate(child, timeout, number)
    except subprocess.TimeoutExpired:
        out, err = _kill_group(child)
        done = _completed(argv, child, out, err, started)
        raise ToolError(f"{name} timed out after {timeout:g} s and was stopped", done.tail()) from None
    except BaseException:
        _kill_group(child)  # Ctrl-C or any error here: leave nothing running
        raise
    finally:
        # Whatever happened (even a second Ctrl-C during the grace period above), the group is killed
        # before gate forgets it; on the normal path this removes what the child left behind.
        _signal_group(child.pid, signal.SIGKILL)
        proctrack.kill(proctrack.tagged(child=number))
        _unregister(child)
    done = _completed(argv, child, out, err, started, interrupted)
    if done.returncode not in ok_codes:
        raise ToolError(f"{name} {describe_exit(done.returncode)}", done.tail())
    return done


def describe_exit(code: int) -> str:
    """How a process ended, for messages: "exited with code 2" or "was killed by SIGSEGV (signal 11)"."""
    if code >= 0:
        return f"exited with code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = "a signal"
    return f"was killed by {name} (signal {-code})"


class Background:
    """A long-running process (the service under test) whose output goes to a log file."""

    def __init__(self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], log_path: Path) -> None:
        self.log_path = log_path
        if _stopping.is_set():
            raise ToolError(f"{argv[0]}: not started, gate is being interrupted")
        self._number, marked = _marked(env)
        self._log: IO[bytes] = log_path.open("wb")
        # Output goes through a pipe so that each line is stamped when it arrives (timedlog.py).
        self.log = TimedLog(log_path, self._log)
        try:
            self._child = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=marked,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            self._log.close()
            raise ToolError(f"cannot start {argv[0]}: {exc}") from exc
        assert self._child.stdout is not None
        self._copier = threading.Thread(
            target=_copy_output, args=(self._child.stdout, self.log), name=f"log {argv[0]}", daemon=True
        )
        self._copier.start()
        try:
            _register(self._child, str(argv[0]))
        except ToolError:
            self._finish_log()
            raise

    @property
    def pid(self) -> int:
        return self._child.pid

    def exit_code(self) -> int | None:
        """The exit code if the process has ended, else None."""
        return self._child.poll()

    def stop(self, grace: float = STOP_GRACE_S) -> None:
        """Terminate the whole process group, then kill it after `grace` seconds."""
        try:
            _stop_group(self._child, grace)  # signals only: the copier thread is the pipe's one reader
        finally:
            _signal_group(self._child.pid, signal.SIGKILL)  # also when a second signal cut the grace short
            proctrack.kill(proctrack.tagged(child=self._number))  # what it started outside its group
            _unregister(self._child)
            self._finish_log()

    def _finish_log(self) -> None:
        # A grandchild that left the group may hold the pipe open: wait a little, never forever.
        self._copier.join(timeout=LOG_DRAIN_S)
        with self.log.lock:
            self._log.close()


def _copy_output(pipe: IO[bytes], log: TimedLog) -> None:
    """Copy a child's output into its log as it arrives, until the pipe closes."""
    fd = pipe.fileno()
    try:
        while chunk := os.read(fd, 65536):
            log.write(chunk)
    except (OSError, ValueError):
        pass  # the log was closed after a drain timeout: nothing left to record it into
    finally:
        pipe.close()


def stop_all() -> None:
    """Kill every process gate started that is still running (Ctrl-C, fatal error); start no more."""
    with _live_lock:
        _stopping.set()
        children = list(_live)
    for child in children:
        _stop_group(child, grace=1.0)
        _unregister(child)
    sweep()


def sweep() -> list[str]:
    """Kill every process of this run still alive (escaped descendants); describe what was killed."""
    left = proctrack.tagged()
    described = [proctrack.describe(p) for p in left]
    proctrack.kill(left)
    return described


def _marked(env: Mapping[str, str] | None) -> tuple[str, dict[str, str]]:
    """A number for a new child and its environment carrying this run's marker with that number."""
    number = str(next(_numbers))
    marked = dict(env) if env is not None else dict(os.environ)
    marked[proctrack.marker()] = number
    return number, marked


def _communicate(child: subprocess.Popen[bytes], timeout: float, number: str) -> tuple[bytes, bytes]:
    """The child's output once it exits; what it started and left holding the pipes is killed then."""
    deadline = time.monotonic() + timeout
    exited_at: float | None = None
    while True:
        try:
            return child.communicate(timeout=max(min(POLL_S, deadline - time.monotonic()), 0.01))
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline:
                raise
        if child.poll() is not None:
            exited_at = exited_at or time.monotonic()
            if time.monotonic() - exited_at >= LINGER_S:
                _signal_group(child.pid, signal.SIGKILL)
                proctrack.kill(proctrack.tagged(child=number))
                return _drain_after_kill(child, STOP_GRACE_S)


def _stop_group(child: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the child's group, wait up to `grace`, then SIGKILL it, reading none of its pipes."""
    # stop_all runs on the Ctrl-C thread while a worker thread may be inside child.communicate():
    # a second reader of the same pipes fails with EBADF (seen in tests/checks/test_fuzz.py's Ctrl-C
    # test). Signals only; the worker's communicate() returns once the group is gone.
    _signal_group(child.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=grace)  # still running after the grace period: killed just below
    _signal_group(child.pid, signal.SIGKILL)


def _register(child: subprocess.Popen[bytes], name: str) -> None:
    """Track a started child; one started while stop_all() runs is killed at once (no escape)."""
    with _live_lock:
        if not _stopping.is_set():
            _live.add(child)
            return
    _signal_group(child.pid, signal.SIGKILL)
    child.wait()
    raise ToolError(f"{name}: stopped, gate is being interrupted")


def _unregister(child: subprocess.Popen[bytes]) -> None:
    with _live_lock:
        _live.discard(child)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
        os.killpg(pgid, sig)


def _kill_group(child: subprocess.Popen[bytes], grace: float = STOP_GRACE_S) -> tuple[bytes, bytes]:
    """SIGTERM the child's group, wait up to `grace`, then SIGKILL it; return remaining output."""
    _signal_group(child.pid, signal.SIGTERM)
    try:
        if child.stdout is not None or child.stderr is not None:
            out, err = child.communicate(timeout=grace)
        else:
            child.wait(timeout=grace)
            out, err = b"", b""
    except subprocess.TimeoutExpired:
        _signal_group(child.pid, signal.SIGKILL)
        out, err = _drain_after_kill(child, grace)
    # Grandchildren that ignored SIGTERM while the leader exited still share the group id.
    _signal_group(child.pid, signal.SIGKILL)
    return out or b"", err or b""


def _drain_after_kill(child: subprocess.Popen[bytes], grace: float) -> tuple[bytes, bytes]:
    """Collect output after SIGKILL without waiting forever on a pipe an escaped process still holds."""
    try:
        if child.stdout is not None:
            return child.communicate(timeout=grace)
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
        child.wait(timeout=grace)
    return b"", b""


def _completed(
    argv: Sequence[str],
    child: subprocess.Popen[bytes],
    out: bytes | None,
    err: bytes | None,
    started: float,
    interrupted: bool = False,
) -> Completed:
    return Completed(
        argv=tuple(argv),
        returncode=child.returncode if child.returncode is not None else -1,
        stdout=(out or b"").decode("utf-8", errors="replace"),
        stderr=(err or b"").decode("utf-8", errors="replace"),
        duration_s=time.monotonic() - started,
        interrupted=interrupted,
    )


def python_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """gate's environment for its own tools, with `extra` added."""
    env = dict(os.environ)
    env.update(extra or {})
    return env
