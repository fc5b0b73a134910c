"""The service's own log lines for a server error: what it wrote while that request was served.

schemathesis stamps each recorded answer when it has it (and how long it took); gate stamps each
line of the service's log when it arrives (gate/timedlog.py). Requests go out one after another
(workers = 1): the next one is sent only after this answer was recorded. So the lines of one request
are those that arrived after the previous answer was recorded and until this one was: a service
writes a traceback before it answers 500. gate may read a line a little late (a busy machine), so
the window stays open a moment after the answer, but at most half-way to the next request, whose
lines must not be blamed on this one. A service that logs after
answering (some access logs) has that line counted with the next request; on a loaded machine gate
may read a line late; with `workers` > 1 requests overlap and an excerpt may hold another request's lines.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from gate.checks.fuzz.report import Exchange, Failure

SERVER_ERROR = 500
BEFORE_S = 0.01  # without an earlier answer, the window opens a moment before the request was sent
MAX_WINDOW_S = 30.0  # a window never opens longer before the request than this
GRACE_S = 0.05  # how late gate may read a line that belongs to this answer


def log_excerpt(
    failure: Failure, exchanges: Sequence[Exchange], log_lines: Callable[[float, float], list[str]] | None
) -> str:
    """The log lines written while a server error's request was served ("" when there are none)."""
    if (
        log_lines is None
        or failure.status is None
        or failure.status < SERVER_ERROR
        or failure.started is None
        or failure.finished is None
    ):
        return ""
    ends = sorted(e.finished for e in exchanges)
    before = bisect.bisect_left(ends, failure.finished)  # answers recorded before this one
    opened = ends[before - 1] if before else failure.started - BEFORE_S
    start = max(opened, failure.started - MAX_WINDOW_S)
    starts = sorted(e.started for e in exchanges)
    following = bisect.bisect_right(starts, failure.finished)
    gap = starts[following] - failure.finished if following < len(starts) else GRACE_S * 2
    return "\n".join(log_lines(start, failure.finished + min(GRACE_S, gap / 2)))
