"""The service log with arrival times: real child output through proc.Background, cut by time."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from gate import proc
from gate.timedlog import TimedLog


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, "the child never got there"
        time.sleep(0.02)


def test_lines_are_stamped_as_they_arrive_and_cut_by_time(tmp_path: Path) -> None:
    # The child writes "one", then waits for the test's go before the rest: an order, not a speed.
    script = "echo one; while [ ! -f go ]; do sleep 0.02; done; echo two; printf 'par'; echo tial; echo three"
    child = proc.Background(
        ["/bin/sh", "-c", script], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, log_path=tmp_path / "service.log"
    )
    try:
        _wait_for(lambda: child.log.lines_between(0, time.time()) == ["one"])
        between = time.time()
        (tmp_path / "go").touch()
        _wait_for(lambda: child.exit_code() is not None)
    finally:
        child.stop(1)
    assert (tmp_path / "service.log").read_text() == "one\ntwo\npartial\nthree\n"  # the log as written
    assert child.log.lines_between(0, between) == ["one"]
    assert child.log.lines_between(between, time.time()) == ["two", "partial", "three"]


def test_excerpts_are_bounded_in_lines_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "log"
    with path.open("wb") as sink:
        log = TimedLog(path, sink)
        log.write(b"".join(b"line %d\n" % i for i in range(100)))
        now = time.time()
        assert log.lines_between(now - 5, now + 5, max_lines=3) == [
            "… (97 earlier lines not shown)",
            "line 97",
            "line 98",
            "line 99",
        ]
        log.write(b"x" * 10000 + b"\n")  # one huge line: only its end is kept
        now = time.time()
        assert log.lines_between(now - 5, now + 5, max_lines=3) == ["… (100 earlier lines not shown)", "…" + "x" * 4000]
        assert log.lines_between(now - 5, now + 5, max_bytes=30)[-1] == "…" + "x" * 30
        assert log.lines_between(now + 1, now + 5) == []
