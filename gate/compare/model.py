"""What changed between two saved runs: frozen results of `gate compare A B` (A earlier, B later).

Standard library only (and gate's model); built by `compare.build`, shown by `compare.text` and
`compare.markdown`, each a pure function of a `Comparison`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gate.model import ChangeMeasurement, Finding, Severity, Status, Verdict
from gate.numbers import distinct, short


@dataclass(frozen=True)
class MetricDelta:
    """One metric both runs of a check reported, and its change; `judged` where a change rule exists."""

    metric: str
    before: float
    after: float
    unit: str = ""
    judged: ChangeMeasurement | None = None

    @property
    def delta(self) -> float:
        return self.after - self.before

    def describe(self) -> str:
        """ "p95_ms 120 ms -> 125 ms (+5 ms)"."""
        before, after = distinct(self.before, self.after)
        return f"{self.metric} {before}{self.unit} -> {after}{self.unit} ({signed(self.delta)}{self.unit})"


@dataclass(frozen=True)
class EndpointDelta:
    """One endpoint's figures in each run (empty where it was not measured), from `details.endpoints`."""

    check: str
    endpoint: str  # "GET /items/{id}"
    before: Mapping[str, float]
    after: Mapping[str, float]
    # The check's change rule on the ranking figure (p95_ms) applied to this endpoint: shown to the
    # reviewer, never deciding (the policy judges the whole, as its thresholds do).
    beyond_rule: bool = False

    def change(self, metric: str) -> float | None:
        if metric in self.before and metric in self.after:
            return self.after[metric] - self.before[metric]
        return None


@dataclass(frozen=True)
class CheckDelta:
    """One check in both runs; a status is None where that run has no result for the check."""

    id: str
    title: str
    before: Status | None
    after: Status | None
    metrics: tuple[MetricDelta, ...] = ()
    # Every change rule of the policy on this check, judged or not (ok None: a run lacks the metric).
    changes: tuple[ChangeMeasurement, ...] = ()
    new: tuple[Finding, ...] = ()  # in B, not in A (by fingerprint: moved code is not new)
    fixed: tuple[Finding, ...] = ()  # in A, not in B
    endpoints: tuple[EndpointDelta, ...] = ()  # largest p95 rise first
    notes: tuple[str, ...] = ()  # why something was not compared

    @property
    def broken_rules(self) -> tuple[ChangeMeasurement, ...]:
        return tuple(c for c in self.changes if c.ok is False)

    @property
    def new_blocking(self) -> tuple[Finding, ...]:
        """New findings B's own judgement marks as failing its policy."""
        return tuple(f for f in self.new if f.blocking)


@dataclass(frozen=True)
class Run:
    """One side of the comparison: where its report came from and what it decided."""

    label: str  # the report file as the user named it
    verdict: Verdict
    target: str
    policy: str
    started_at: str
    gate_version: str


@dataclass(frozen=True)
class SeverityCount:
    severity: Severity
    before: int
    after: int


@dataclass(frozen=True)
class Comparison:
    """Everything `gate compare` found; `problems` says why B is worse than A (empty: it is not)."""

    before: Run
    after: Run
    policy: str  # the policy whose change rules judged, "name (source)"
    policy_note: str  # why that policy was chosen
    checks: tuple[CheckDelta, ...]
    severities: tuple[SeverityCount, ...]  # every severity, most severe first; kept findings only
    warnings: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def worse(self) -> bool:
        return bool(self.problems)

    @property
    def new(self) -> tuple[Finding, ...]:
        return tuple(f for c in self.checks for f in c.new)

    @property
    def fixed(self) -> tuple[Finding, ...]:
        return tuple(f for c in self.checks for f in c.fixed)


def signed(value: float) -> str:
    """A change with its sign: "+5", "-1.5", "0"."""
    if value == 0:
        return "0"
    return f"{'+' if value > 0 else '-'}{short(abs(value))}"
