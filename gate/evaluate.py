"""The policy decision: a pure function of an observation, a check's policy and (with `--baseline`) that
check in the baseline run, which the runner passes in: nothing here reads a file."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from gate.baseline import CheckBaseline, mark
from gate.changes import judge_changes
from gate.model import (
    COMPARISONS,
    BaselineState,
    ChangeMeasurement,
    CheckPolicy,
    Finding,
    Measurement,
    Observation,
    Severity,
    Status,
)
from gate.numbers import plural, short, unit_of


@dataclass(frozen=True)
class Judgement:
    status: Status
    reasons: tuple[str, ...]
    measurements: tuple[Measurement, ...]
    findings: tuple[Finding, ...] = ()  # the judged findings, each with its `blocking` flag set
    threshold_reasons: tuple[str, ...] = ()  # the reasons that are threshold lines (a subset of reasons)
    # Against a baseline: the waived findings with their baseline state, the change rules' measurements
    # and how many baseline findings are gone.
    waived: tuple[Finding, ...] = ()
    changes: tuple[ChangeMeasurement, ...] = ()
    absent: int = 0


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


def evaluate(
    observation: Observation,
    findings: Sequence[Finding],
    policy: CheckPolicy,
    baseline: CheckBaseline | None = None,
    waived: Sequence[Finding] = (),
) -> Judgement:
    """Judge one check: `findings` are the observation's findings left after waivers (`waived` the others).

    With a baseline (the same check in an earlier report), a finding it already had is existing and never
    fails the check, and the policy's change rules compare the metrics with the baseline's.
    """
    absent = 0
    changes: tuple[ChangeMeasurement, ...] = ()
    change_reasons: tuple[tuple[bool, str], ...] = ()
    if baseline is not None:
        findings, waived, absent = mark(findings, waived, baseline.fingerprints)
        changes, change_reasons = _changes(observation, policy, baseline)
    judgement = _evaluate(observation, findings, policy, change_reasons)
    return dataclasses.replace(judgement, waived=tuple(waived), changes=changes, absent=absent)


def _changes(
    observation: Observation, policy: CheckPolicy, baseline: CheckBaseline
) -> tuple[tuple[ChangeMeasurement, ...], tuple[tuple[bool, str], ...]]:
    """The change rules' measurements and their reason lines, each with whether it fails the check."""
    if not policy.changes:
        return (), ()
    if baseline.metrics is None:
        names = ", ".join(policy.changes)
        return (), ((False, f"change of {names} not judged: the check was {baseline.why_not}"),)
    changes = judge_changes(policy.changes, baseline.metrics, observation.metrics)
    reasons = []
    for m in changes:
        if m.ok is None:
            reasons.append((False, m.describe()))
        else:
            reasons.append((not m.ok, f"{m.describe()}: {'met' if m.ok else 'not met'}"))
    return changes, tuple(reasons)


def _evaluate(
    observation: Observation,
    findings: Sequence[Finding],
    policy: CheckPolicy,
    change_reasons: tuple[tuple[bool, str], ...],
) -> Judgement:
    measurements = measure(observation, policy)
    judged = tuple(
        dataclasses.replace(f, blocking=f.baseline is not BaselineState.EXISTING and is_blocking(f, policy))
        for f in findings
    )
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
    changed = [reason for fails, reason in change_reasons if fails]
    notes = [reason for fails, reason in change_reasons if not fails]
    blocking = [f for f in judged if f.blocking]
    existing = _existing(judged, policy)
    if failed or blocking or changed:
        verb = "fails" if len(blocking) == 1 else "fail"
        counted = [f"{_count(blocking, _new(judged))} {verb} the policy{_at(policy.fail_at)}"] if blocking else []
        reasons = (*failed, *changed, *counted, *existing, *notes, *unjudged)
        return Judgement(Status.FAIL, reasons, measurements, judged, tuple(failed))

    fresh = [f for f in judged if f.baseline is not BaselineState.EXISTING]
    warning = [f for f in fresh if policy.warn_at is not None and f.severity >= policy.warn_at]
    passed = tuple(f"{m.describe()}: met" for m in measurements)
    if warning:
        reasons = (f"{_count(warning, _new(judged))} below the failing level", *passed, *existing, *notes, *unjudged)
        return Judgement(Status.WARN, reasons, measurements, judged, passed)
    if fresh:
        reasons = (*passed, f"{_count(fresh, _new(judged))} reported, none at a level the policy counts")
        return Judgement(Status.PASS, (*reasons, *existing, *notes, *unjudged), measurements, judged, passed)
    rest = (*passed, *existing, *notes, *unjudged)
    return Judgement(Status.PASS, rest or ("nothing to report",), measurements, judged, passed)


def _new(judged: Sequence[Finding]) -> str:
    """ "new " when the run has a baseline: the counted findings are the new ones."""
    return "new " if any(f.baseline is not None for f in judged) else ""


def _existing(judged: Sequence[Finding], policy: CheckPolicy) -> list[str]:
    """The line saying how many findings the baseline already had and would otherwise fail the check."""
    existing = [f for f in judged if f.baseline is BaselineState.EXISTING]
    if not existing:
        return []
    would = sum(1 for f in existing if is_blocking(f, policy))
    held = f", {would} of them at a failing level" if would else ""
    return [f"{_count(existing, 'existing ')} already in the baseline (not counted{held})"]


def _count(findings: Sequence[Finding], kind: str = "") -> str:
    by_severity = Counter(f.severity for f in findings)
    parts = ", ".join(f"{by_severity[s]} {s.label}" for s in sorted(by_severity, reverse=True))
    return f"{plural(len(findings), kind + 'finding')} ({parts})"


def _at(level: Severity | None) -> str:
    return f" (severity {level.label} or above, or a rule the policy always fails)" if level else ""
