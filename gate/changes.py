"""Change rules: a pure comparison of a check's metrics with the same check's metrics in a baseline run.

Used by `gate run --baseline` (this run against an earlier report) and `gate compare A B`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from gate.model import ChangeMeasurement, ChangeRule
from gate.numbers import unit_of


def judge_changes(
    rules: Mapping[str, ChangeRule], before: Mapping[str, float], after: Mapping[str, float]
) -> tuple[ChangeMeasurement, ...]:
    """One measurement per rule, in the rules' order; a metric missing (or not finite) on either side is
    not judged (ok None): the level thresholds still judge this run, and a baseline whose check did not
    measure it has nothing to compare with."""
    measured = []
    for metric, rule in rules.items():
        old, new = _finite(before.get(metric)), _finite(after.get(metric))
        ok = None if old is None or new is None else rule.allows(old, new)
        measured.append(ChangeMeasurement(metric, old, new, rule, ok, unit_of(metric)))
    return tuple(measured)


def _finite(value: float | None) -> float | None:
    if value is None or isinstance(value, bool) or not math.isfinite(float(value)):
        return None
    return float(value)
