"""One bounded poll: try something until it is ready, within a time and a count bound."""

from __future__ import annotations

import time
from collections.abc import Callable


def poll(
    attempt: Callable[[float], str | None], timeout_s: float, interval_s: float, max_attempts: int | None = None
) -> str | None:
    """Call `attempt(seconds_left)` until it returns None (ready); else return its last reason why not.

    Always one attempt, even with no time left. Bounded in time (`timeout_s`) and in count
    (`max_attempts`; by default just above what the time allows, so only a clock that stands still
    meets it). `attempt` may raise to end the poll early (the process it waits for has exited).
    """
    limit = max_attempts if max_attempts is not None else int(timeout_s / max(interval_s, 0.01)) + 2
    deadline = time.monotonic() + timeout_s
    reason = "no attempt yet"
    for count in range(1, max(limit, 1) + 1):
        found = attempt(max(deadline - time.monotonic(), 0.0))
        if found is None:
            return None
        reason = found
        if count == limit or time.monotonic() >= deadline:
            break
        time.sleep(interval_s)
    return reason
