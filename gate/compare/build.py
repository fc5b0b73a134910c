"""Build a Comparison from two saved reports and the policy's change rules: pure, reads and runs nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from gate.changes import judge_changes
from gate.compare.model import CheckDelta, Comparison, EndpointDelta, MetricDelta, Run, SeverityCount
from gate.fingerprint import fingerprints
from gate.model import ChangeRule, CheckResult, Finding, GateReport, Policy, Severity, Status, Verdict
from gate.numbers import number, unit_of
from gate.reporters.common import shown

# How bad a verdict or a status is, for "B is worse than A". SKIPPED is not ranked: nothing was measured.
VERDICT_RANK = {Verdict.PASS: 0, Verdict.FAIL: 1, Verdict.ERROR: 2}
STATUS_RANK = {Status.PASS: 0, Status.WARN: 0, Status.FAIL: 1, Status.ERROR: 2}
# The per-endpoint figures a check may report in details.endpoints (the load check does).
ENDPOINT_FIGURES = ("requests", "failures", "p50_ms", "p95_ms", "p99_ms", "rps")
RANKED_BY = "p95_ms"  # endpoints are listed by its rise, largest first


def compare(
    before: GateReport,
    after: GateReport,
    policy: Policy,
    policy_note: str = "",
    labels: tuple[str, str] = ("A", "B"),
) -> Comparison:
    """What changed from `before` (A, the earlier run) to `after` (B), judged by `policy`'s change rules."""
    # Texts as the console and Markdown show them: credentials masked, control characters escaped.
    # Both sides get the same treatment, so fingerprints computed on them still match.
    a, b = shown(before), shown(after)
    a_checks = {c.id: c for c in a.checks}
    b_checks = {c.id: c for c in b.checks}
    ids = [*b_checks, *(i for i in a_checks if i not in b_checks)]
    checks = tuple(_check(i, a_checks.get(i), b_checks.get(i), _rules(policy, i)) for i in ids)
    warnings = []
    if a.target != b.target:
        warnings.append(f"A and B are runs of different targets ({a.target} and {b.target}); compared anyway")
    if a.started_at > b.started_at:  # ISO 8601 in UTC: text order is time order
        warnings.append(f"B started before A ({b.started_at} < {a.started_at}): A is meant to be the earlier run")
    return Comparison(
        before=_run(a, labels[0]),
        after=_run(b, labels[1]),
        policy=f"{policy.name} ({policy.source})",
        policy_note=policy_note,
        checks=checks,
        severities=_severities(a, b),
        warnings=tuple(warnings),
        problems=_problems(a.verdict, b.verdict, checks),
    )


def _rules(policy: Policy, check_id: str) -> Mapping[str, ChangeRule]:
    table = policy.checks.get(check_id)
    return {} if table is None else table.changes


def _run(report: GateReport, label: str) -> Run:
    return Run(label, report.verdict, report.target, report.policy, report.started_at, report.gate_version)


def _check(check_id: str, a: CheckResult | None, b: CheckResult | None, rules: Mapping[str, ChangeRule]) -> CheckDelta:
    title = next((c.title for c in (b, a) if c is not None), check_id)
    before, after = (None if c is None else c.status for c in (a, b))
    if a is None or b is None or Status.SKIPPED in (a.status, b.status):
        return CheckDelta(check_id, title, before, after, notes=(f"{_unmeasured(a, b)}: nothing to compare",))
    changes = judge_changes(rules, a.metrics, b.metrics)
    judged = {c.metric: c for c in changes}
    metrics = tuple(
        MetricDelta(name, was, now, unit_of(name), judged.get(name))
        for name in b.metrics
        if (was := number(a.metrics.get(name))) is not None and (now := number(b.metrics[name])) is not None
    )
    new, fixed = _new_and_fixed((*a.findings, *a.waived), (*b.findings, *b.waived))
    errored = [name for name, c in (("A", a), ("B", b)) if c.status is Status.ERROR]
    notes = (f"errored in {' and '.join(errored)}: findings and metrics may be incomplete",) if errored else ()
    return CheckDelta(
        check_id,
        title,
        before,
        after,
        metrics,
        changes,
        new,
        fixed,
        _endpoints(check_id, a.details, b.details, rules),
        notes,
    )


def _unmeasured(a: CheckResult | None, b: CheckResult | None) -> str:
    """Why a check is not compared: "skipped in A and B", "not in A", "not in A, skipped in B"."""
    how = {name: "not in" if c is None else "skipped in" for name, c in (("A", a), ("B", b)) if _unrun(c)}
    if len(set(how.values())) == 1:
        return f"{next(iter(how.values()))} {' and '.join(how)}"
    return ", ".join(f"{said} {name}" for name, said in how.items())


def _unrun(check: CheckResult | None) -> bool:
    return check is None or check.status is Status.SKIPPED


def _new_and_fixed(a: tuple[Finding, ...], b: tuple[Finding, ...]) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """A multiset difference by fingerprint (no line number in it): the third copy of a finding A had twice
    is new; a finding whose code moved is neither new nor fixed."""
    a_prints, b_prints = fingerprints(a), fingerprints(b)
    in_a, in_b = set(a_prints), set(b_prints)  # once: a report may hold thousands of findings
    new = [f for f, p in zip(b, b_prints, strict=True) if p not in in_a]
    fixed = [f for f, p in zip(a, a_prints, strict=True) if p not in in_b]
    return _ordered(new), _ordered(fixed)


def _ordered(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (-f.severity, f.path or f.operation or "", f.line or 0, f.rule)))


def _endpoints(
    check_id: str, a: Mapping[str, Any], b: Mapping[str, Any], rules: Mapping[str, ChangeRule]
) -> tuple[EndpointDelta, ...]:
    before, after = _endpoint_rows(a), _endpoint_rows(b)
    rule = {RANKED_BY: rules[RANKED_BY]} if RANKED_BY in rules else {}
    rows = [
        EndpointDelta(
            check_id,
            name,
            before.get(name, {}),
            after.get(name, {}),
            any(m.ok is False for m in judge_changes(rule, before.get(name, {}), after.get(name, {}))),
        )
        for name in {**after, **before}
    ]

    def rank(row: EndpointDelta) -> tuple[int, float, str]:
        rise = row.change(RANKED_BY)
        group = 0 if rise is not None else 1 if row.after else 2  # in both, new in B, gone in B
        return group, -(rise or 0.0), row.endpoint

    return tuple(sorted(rows, key=rank))


def _endpoint_rows(details: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """details.endpoints as {"GET /items": {figure: value}}; rows of another shape are left out."""
    rows = details.get("endpoints")
    result: dict[str, dict[str, float]] = {}
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, Mapping) or not isinstance(row.get("name"), str):
            continue
        method = row.get("method")
        name = f"{method} {row['name']}" if isinstance(method, str) and method else str(row["name"])
        result[name] = {k: v for k in ENDPOINT_FIGURES if (v := number(row.get(k))) is not None}
    return result


def _severities(a: GateReport, b: GateReport) -> tuple[SeverityCount, ...]:
    def count(report: GateReport) -> Counter[Severity]:
        return Counter(f.severity for c in report.checks for f in c.findings)

    before, after = count(a), count(b)
    return tuple(SeverityCount(s, before[s], after[s]) for s in sorted(Severity, reverse=True))


def _problems(a: Verdict, b: Verdict, checks: tuple[CheckDelta, ...]) -> tuple[str, ...]:
    """Why B is worse than A: its verdict or a check's status is worse, a change rule is not met, or B has
    new findings its own policy judgement marks blocking."""
    problems = []
    if VERDICT_RANK[b] > VERDICT_RANK[a]:
        problems.append(f"verdict {a.value.upper()} -> {b.value.upper()}")
    for check in checks:
        old, new = check.before, check.after
        if old in STATUS_RANK and new in STATUS_RANK and STATUS_RANK[new] > STATUS_RANK[old]:
            problems.append(f"{check.id}: {old} -> {new}")
        problems += [f"{check.id}: {c.describe()}: change rule not met" for c in check.broken_rules]
        blocking = len(check.new_blocking)
        if blocking:
            problems.append(f"{check.id}: {blocking} new blocking finding{'' if blocking == 1 else 's'}")
    return tuple(problems)
