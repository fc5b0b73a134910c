"""The service's own log lines for a server error: what it wrote while that request was served.

schemathesis stamps each recorded answer (when it arrived, and how long it took); gate stamps each
line of the service's log when it arrives (gate/timedlog.py). The excerpt is the lines from the
request being sent until its answer arrived, plus a short grace for lines written just after
answering (an access log line), cut at the next request so that its lines are not blamed on this one.
With `workers` > 1 requests overlap and an excerpt may hold another request's lines.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from gate.checks.fuzz_report import Exchange, Failure

SERVER_ERROR = 500
BEFORE_S = 0.01  # the request's start is taken a moment before it was sent
GRACE_S = 0.5  # lines that arrive this long after the answer still belong to it, unless a request came


def log_excerpt(failure: Failure, exchanges: Sequence[Exchange],
                log_lines: Callable[[float, float], list[str]] | None) -> str:
    """The log lines written while a server error's request was served ("" when there are none)."""
    if (log_lines is None or failure.status is None or failure.status < SERVER_ERROR
            or failure.started is None or failure.finished is None):
        return ""
    starts = [e.started for e in exchanges]
    following = bisect.bisect_right(starts, failure.finished)
    end = failure.finished + GRACE_S
    if following < len(starts):
        end = min(end, starts[following])
    return "\n".join(log_lines(failure.started - BEFORE_S, end))
