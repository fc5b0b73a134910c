"""The policy decision: a pure function of an observation and a check's policy."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from gate.model import COMPARISONS, CheckPolicy, Finding, Measurement, Observation, Severity, Status
from gate.numbers import plural, short


@dataclass(frozen=True)
class Judgement:
    status: Status
    reasons: tuple[str, ...]
    measurements: tuple[Measurement, ...]
    findings: tuple[Finding, ...] = ()  # the judged findings, each with its `blocking` flag set
    threshold_reasons: tuple[str, ...] = ()  # the reasons that are threshold lines (a subset of reasons)


def unit_of(metric: str) -> str:
    """Display unit from the metric's name: *_ms are milliseconds, percent/*_percent are percentages."""
    if metric.endswith("_ms"):
        return " ms"
    if metric == "percent" or metric.endswith("_percent"):
        return " %"
    return ""


def measure(observation: Observation, policy: CheckPolicy) -> tuple[Measurement, ...]:
    """Compare every threshold the policy sets with the metric the check reported."""
    measurements = []
    for metric, threshold in policy.thresholds.items():
        if _not_measured(observation, metric):
            continue  # said so in the reasons (not_judged), neither met nor missed
        value = observation.metrics.get(metric)
        ok = value is not None and _judgeable(value) and COMPARISONS[threshold.op](float(value), threshold.value)
        measurements.append(Measurement(metric, value, threshold.op, threshold.value, ok, unit_of(metric)))
    whole_failed = {m.metric for m in measurements if not m.ok}
    return tuple(measurements) + _failing_parts(observation, policy, whole_failed)


def _failing_parts(observation: Observation, policy: CheckPolicy, whole_failed: set[str]) -> tuple[Measurement, ...]:
    """For each threshold the whole missed, one measurement per part that misses it too
    ("p95_ms (GET /slow) 301 ms < 200 ms"), so a report names exactly what is over the target.
    The whole decides: a part's figure from a few dozen requests is too noisy to fail a check alone."""
    failing = []
    for metric, threshold in policy.thresholds.items():
        if metric not in whole_failed:
            continue
        for part, metrics in observation.parts.items():
            value = metrics.get(metric)
            if value is None:
                continue  # the check reports this metric for the whole only (e.g. the request count)
            if not (_judgeable(value) and COMPARISONS[threshold.op](float(value), threshold.value)):
                failing.append(
                    Measurement(f"{metric} ({part})", value, threshold.op, threshold.value, False, unit_of(metric))
                )
    return tuple(failing)


def _not_measured(observation: Observation, metric: str) -> bool:
    """The check did not report `metric` and said why (it measures it only when asked, or there was
    nothing to measure): the one case where a threshold on an unreported metric is not an ERROR."""
    return metric not in observation.metrics and metric in observation.not_measured


def not_judged(observation: Observation, policy: CheckPolicy) -> tuple[str, ...]:
    """One reason line per threshold on a metric the check deliberately did not measure."""
    return tuple(
        f"{metric} {threshold.op} {short(threshold.value)}{unit_of(metric)}: not judged, "
        f"{observation.not_measured[metric]}"
        for metric, threshold in policy.thresholds.items()
        if _not_measured(observation, metric)
    )


def _judgeable(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def is_blocking(finding: Finding, policy: CheckPolicy) -> bool:
    """A finding fails the check when its severity reaches fail_at or its rule is listed in fail_rules."""
    if policy.fail_at is not None and finding.severity >= policy.fail_at:
        return True
    return any(fnmatchcase(finding.rule, pattern) for pattern in policy.fail_rules)


def evaluate(observation: Observation, findings: Sequence[Finding], policy: CheckPolicy) -> Judgement:
    """Judge one check: `findings` are the observation's findings left after waivers."""
    measurements = measure(observation, policy)
    judged = tuple(dataclasses.replace(f, blocking=is_blocking(f, policy)) for f in findings)
    unjudged = not_judged(observation, policy)
    missing = [m for m in measurements if not _judgeable(m.value)]
    if missing:
        # A threshold on a metric the tool did not report (or reported as NaN/infinity) cannot be
        # judged: fail closed.
        errors = tuple(
            m.describe() if m.value is None else f"{m.metric} is {m.value}, not a number to judge" for m in missing
        )
        return Judgement(Status.ERROR, (*errors, *unjudged), measurements, judged)

    failed = [f"{m.describe()}: not met" for m in measurements if not m.ok]
    blocking = [f for f in judged if f.blocking]
    if failed or blocking:
        counted = [f"{_count(blocking)} fail the policy{_at(policy.fail_at)}"] if blocking else []
        return Judgement(Status.FAIL, (*failed, *counted, *unjudged), measurements, judged, tuple(failed))

    warning = [f for f in judged if policy.warn_at is not None and f.severity >= policy.warn_at]
    passed = tuple(f"{m.describe()}: met" for m in measurements)
    if warning:
        reasons = (f"{_count(warning)} below the failing level", *passed, *unjudged)
        return Judgement(Status.WARN, reasons, measurements, judged, passed)
    if judged:
        return Judgement(
            Status.PASS,
            (*passed, f"{_count(judged)} reported, none at a level the policy counts", *unjudged),
            measurements,
            judged,
            passed,
        )
    return Judgement(Status.PASS, (*passed, *unjudged) or ("nothing to report",), measurements, judged, passed)


def _count(findings: Sequence[Finding]) -> str:
    by_severity = Counter(f.severity for f in findings)
    parts = ", ".join(f"{by_severity[s]} {s.label}" for s in sorted(by_severity, reverse=True))
    return f"{plural(len(findings), 'finding')} ({parts})"


def _at(level: Severity | None) -> str:
    return f" (severity {level.label} or above, or a rule the policy always fails)" if level else ""
