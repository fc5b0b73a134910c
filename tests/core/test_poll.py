"""The one bounded poll: stops when ready, and within its count bound when never ready."""

from __future__ import annotations

import pytest

from gate.poll import poll


def test_returns_none_once_ready_and_stops_asking() -> None:
    answers = iter(["starting", "starting", None, "never asked"])
    calls: list[float] = []

    def attempt(left: float) -> str | None:
        calls.append(left)
        return next(answers)

    assert poll(attempt, timeout_s=60.0, interval_s=0.0) is None
    assert len(calls) == 3 and all(left >= 0 for left in calls)


def test_never_ready_ends_at_the_count_bound_with_the_last_reason() -> None:
    calls: list[int] = []

    def attempt(_left: float) -> str | None:
        calls.append(1)
        return f"no answer ({len(calls)})"

    assert poll(attempt, timeout_s=60.0, interval_s=0.0, max_attempts=4) == "no answer (4)"
    assert len(calls) == 4


def test_no_time_left_still_makes_one_attempt() -> None:
    calls: list[float] = []

    def attempt(left: float) -> str | None:
        calls.append(left)
        return "refused"

    assert poll(attempt, timeout_s=0.0, interval_s=0.0) == "refused"
    assert calls == [0.0]


def test_an_attempt_that_raises_ends_the_poll() -> None:
    def attempt(_left: float) -> str | None:
        raise RuntimeError("the service exited")

    with pytest.raises(RuntimeError, match="exited"):
        poll(attempt, timeout_s=60.0, interval_s=0.0)
