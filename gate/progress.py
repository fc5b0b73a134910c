"""What a run shows while it runs: a line per check in CI logs with a heartbeat, a live spinner on a TTY."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from gate.model import CheckResult
from gate.runner import Progress

if TYPE_CHECKING:
    from rich.status import Status as RichStatus

# A CI log silent for minutes (a long fuzz run) looks hung: say what still runs this often.
HEARTBEAT_S = 30.0


class _Running:
    """The checks running now and when each started; safe to use from the pool's threads."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._started: dict[str, float] = {}
        self.lock = threading.Lock()

    def start(self, check_id: str) -> None:
        with self.lock:
            self._started[check_id] = self._clock()

    def stop(self, check_id: str) -> None:
        with self.lock:
            self._started.pop(check_id, None)

    def describe(self) -> str:
        """`fuzz 95 s, coverage 12 s`, longest running first; empty when nothing runs."""
        now = self._clock()
        with self.lock:
            items = sorted(self._started.items(), key=lambda item: item[1])
        return ", ".join(f"{check_id} {now - since:.0f} s" for check_id, since in items)


class PlainProgress(Progress):
    """For CI logs: a line when a check starts and when it ends, and a heartbeat naming what still runs."""

    def __init__(
        self, echo: Callable[[str], None], heartbeat_s: float = HEARTBEAT_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._echo = echo
        self._running = _Running(clock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(heartbeat_s,), name="gate-heartbeat", daemon=True)
        self._thread.start()

    def started(self, check_id: str) -> None:
        self._running.start(check_id)
        self._echo(f"gate: {check_id} started")

    def finished(self, result: CheckResult) -> None:
        self._running.stop(result.id)
        self._echo(f"gate: {result.id} {result.status.value} ({result.duration_s:.1f} s)")

    def close(self) -> None:
        """Stop the heartbeat."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self, interval: float) -> None:
        while not self._stop.wait(interval):
            running = self._running.describe()
            if running:
                self._echo(f"gate: still running: {running}")


class TerminalProgress(Progress):
    """On a TTY: a spinner naming each running check with its elapsed time, a line per finished check."""

    def __init__(self, status: RichStatus, clock: Callable[[], float] = time.monotonic) -> None:
        self._status = status
        self._running = _Running(clock)
        # The spinner re-renders this object on every refresh, so the elapsed times tick by themselves.
        status.update(_Elapsed(self._running))

    def line(self) -> str:
        """What the spinner shows now."""
        return _Elapsed(self._running).__rich__()

    def started(self, check_id: str) -> None:
        self._running.start(check_id)

    def finished(self, result: CheckResult) -> None:
        self._running.stop(result.id)
        self._status.console.print(f"{result.id}: {result.status.value} ({result.duration_s:.1f} s)", highlight=False)


class _Elapsed:
    def __init__(self, running: _Running) -> None:
        self._running = running

    def __rich__(self) -> str:
        return f"running: {self._running.describe() or '...'}"
