"""What the service answered, per operation: refusals (401/403) and throttling (429).

A refusal of some operations is a fact to report (an admin-only operation refuses a normal user by
design; a token endpoint wants HTTP Basic), not a reason to discard the rest of the run. A 429 is the
service protecting itself: it is counted, never taken for a refusal or a failure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from gate.checks.fuzz.report import Exchange, Failure

REFUSALS = (401, 403)
THROTTLED = 429


@dataclass(frozen=True)
class Traffic:
    """Per-operation answers of one run."""

    tested: tuple[str, ...]  # declared operations that got at least one answer other than 429
    refused: tuple[str, ...]  # ... every one of which was 401/403
    throttled: int  # 429 answers recorded, plus failures schemathesis saw on a 429 it waited out
    throttled_operations: tuple[str, ...]
    only_throttled: tuple[str, ...]  # operations that got nothing but 429


def traffic(exchanges: Iterable[Exchange], failures: Iterable[Failure], missing_auth: Iterable[str]) -> Traffic:
    """Count answers by operation; `missing_auth` is schemathesis's own list (401/403 dominate)."""
    answers: dict[str, Counter[int]] = {}
    throttled: Counter[str] = Counter()
    for exchange in exchanges:
        if exchange.method != exchange.declared.partition(" ")[0] or exchange.status is None:
            continue  # an undeclared-method probe says nothing about the operation's own answers
        if exchange.status == THROTTLED:
            throttled[exchange.declared] += 1
            continue
        answers.setdefault(exchange.declared, Counter())[exchange.status] += 1
    for failure in failures:
        # With rate_limit = "auto" schemathesis retries a 429 (Retry-After) and records the final
        # answer, but still reports the 429 it saw ("Received: 429"): count it, once per case.
        if is_throttled(failure) and failure.status != THROTTLED:
            throttled[failure.declared or failure.operation] += 1
    tested = {op for op, counts in answers.items() if counts}
    refused = {op for op in tested if set(answers[op]) <= set(REFUSALS)}
    # schemathesis also lists an operation whose answers are nearly all 401/403 (validation may come first).
    refused |= {op for op in missing_auth if op in tested}
    return Traffic(
        tested=tuple(sorted(tested)),
        refused=tuple(sorted(refused)),
        throttled=sum(throttled.values()),
        throttled_operations=tuple(sorted(throttled)),
        only_throttled=tuple(sorted(set(throttled) - tested)),
    )


def is_throttled(failure: Failure) -> bool:
    """A failure seen on a 429 answer (an undocumented 429 included): not the API's fault."""
    return failure.status == THROTTLED or (failure.code == "ST103" and failure.message.startswith("Received: 429"))
