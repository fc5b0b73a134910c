"""The gate's result types: what checks observe and what the gate decides. Standard library only
(and gate.numbers, which is too)."""

from __future__ import annotations

import datetime as dt
import enum
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gate.numbers import distinct, short

SCHEMA_VERSION = "1.2"


class Severity(enum.IntEnum):
    """One severity scale shared by every tool; tools' own scales are mapped onto it."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a severity name such as 'high' (case-insensitive); raises ValueError."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r}, expected one of: {names}") from None


class Status(enum.StrEnum):
    """Outcome of one check. ERROR (could not decide) is distinct from FAIL (decided: not good enough)."""

    PASS = "pass"  # noqa: S105 - a status name, not a password
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"


class BaselineState(enum.StrEnum):
    """A finding against a baseline run (`gate run --baseline`): new, or present there already."""

    NEW = "new"
    EXISTING = "existing"  # in the baseline's same check: reported, never fails the check


class Verdict(enum.StrEnum):
    """Outcome of the whole gate."""

    PASS = "pass"  # noqa: S105 - a status name, not a password
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One problem a tool reported, on gate's common severity scale."""

    check: str
    tool: str
    rule: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    snippet: str | None = None
    # Check-specific facts reporters show, e.g. fuzz: status, curl.
    extra: Mapping[str, str] = field(default_factory=dict)
    # What the service under test logged while the failing request was served (e.g. a traceback).
    log_excerpt: str | None = None
    # The API operation an API finding is about ("GET /items/{id}"); `path` stays a file (or None).
    operation: str | None = None
    # Set by the policy's judgement (evaluate): whether this finding fails the check.
    blocking: bool = False
    # Set on a waived finding: the waiver that accepted it.
    waiver: Waiver | None = None
    # Set by the judgement when the run has a baseline (None: no baseline to compare with).
    baseline: BaselineState | None = None

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def place(self) -> str:
        """Where the finding is: its file location, else its API operation, else ""."""
        return self.location or self.operation or ""


@dataclass(frozen=True)
class Observation:
    """What a check measured. It carries no judgement: the policy decides."""

    metrics: Mapping[str, float]
    findings: tuple[Finding, ...] = ()
    tools: Mapping[str, str] = field(default_factory=dict)
    artifacts: tuple[str, ...] = ()
    # JSON-serialisable detail for reporters (coverage per file, load per endpoint, ...).
    details: Mapping[str, Any] = field(default_factory=dict)
    # Metrics per part of what was measured (load: per operation). When the whole misses a threshold,
    # the parts that miss it too are named with their figure (the whole decides the status).
    parts: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # Metrics the check deliberately did not measure, each with why ("measured only with --diff-base
    # REF"). A threshold on one is not judged and says why; a threshold on a metric that is neither
    # reported nor listed here is an ERROR (fail closed).
    not_measured: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Measurement:
    """One metric compared with its policy threshold."""

    metric: str
    value: float | None
    op: str
    limit: float
    ok: bool
    unit: str = ""

    def describe(self) -> str:
        if self.value is None:
            return f"{self.metric} not reported (threshold {self.op} {short(self.limit)}{self.unit})"
        value, limit = distinct(self.value, self.limit)
        return f"{self.metric} {value}{self.unit} {self.op} {limit}{self.unit}"


@dataclass(frozen=True)
class Waiver:
    """An accepted finding: check, rule, optional path glob, a reason and an expiry date."""

    check: str
    rule: str
    reason: str
    expires: dt.date  # applies up to and including this day
    path: str | None = None


class WaiverState(enum.StrEnum):
    """How one waiver fared in a run."""

    APPLIED = "applied"
    EXPIRED = "expired"  # past its date: no longer applies
    STALE = "stale"  # its check ran and it matched nothing
    UNCHECKED = "unchecked"  # its check did not run, so nothing can be said about it


@dataclass(frozen=True)
class WaiverUse:
    """How one waiver fared in this run and how many findings it matched."""

    waiver: Waiver
    state: WaiverState
    matched: int


@dataclass(frozen=True)
class CheckTraits:
    """What a check declares about itself that reporters need (its module's attributes, checks.base)."""

    scans_files: bool = False  # SARIF gives its tools a run even without findings, so fixed alerts close
    security_findings: bool = False  # its findings are security alerts (SARIF rule security-severity)
    counts_in: tuple[tuple[str, str], ...] = ()  # (metric, noun): how much "0 findings" was looked at
    tool_uris: Mapping[str, str] = field(default_factory=dict)  # tool -> its home page


@dataclass(frozen=True)
class CheckResult:
    """A check's observation together with the policy's judgement of it."""

    id: str
    title: str
    status: Status
    reasons: tuple[str, ...]
    duration_s: float
    metrics: Mapping[str, float] = field(default_factory=dict)
    measurements: tuple[Measurement, ...] = ()
    # Each finding's `blocking` flag says whether it fails the policy.
    findings: tuple[Finding, ...] = ()
    # Findings a waiver accepted, each carrying its `waiver`.
    waived: tuple[Finding, ...] = ()
    tools: Mapping[str, str] = field(default_factory=dict)
    artifacts: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    # Findings at or above this severity count against the check (None: findings do not count).
    fail_at: Severity | None = None
    # The observation's per-part metrics, kept until the policy judged them (see Observation.parts).
    parts: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # The observation's deliberately unmeasured metrics, kept until the policy judged them (see
    # Observation.not_measured); reports carry the judgement's "not judged" reason lines instead.
    not_measured: Mapping[str, str] = field(default_factory=dict)
    # The last lines a failing tool (or the service) logged: the evidence for an ERROR.
    log_tail: str = ""
    # The reasons that are threshold lines ("p95_ms 212 ms < 200 ms: not met"), a subset of `reasons`
    # in the same order: reports that show the thresholds on their own leave these out of the rest.
    threshold_reasons: tuple[str, ...] = ()
    traits: CheckTraits = field(default_factory=CheckTraits)
    # Against a baseline: each change rule's metric compared with the baseline's value.
    changes: tuple[ChangeMeasurement, ...] = ()
    # Against a baseline: how many of the baseline's findings of this check are gone (fixed).
    absent: int = 0

    @property
    def failing(self) -> tuple[Finding, ...]:
        """The findings that fail the policy."""
        return tuple(f for f in self.findings if f.blocking)

    @property
    def other_reasons(self) -> tuple[str, ...]:
        """The reasons that are not threshold lines."""
        thresholds = set(self.threshold_reasons)
        return tuple(r for r in self.reasons if r not in thresholds)


@dataclass(frozen=True)
class GateReport:
    """Everything one `gate run` decided; every reporter is a pure function of this."""

    verdict: Verdict
    target: str
    policy: str
    started_at: str
    duration_s: float
    checks: tuple[CheckResult, ...]
    waivers: tuple[WaiverUse, ...] = ()
    gate_version: str = ""
    schema_version: str = SCHEMA_VERSION
    # The target's folder relative to its repository's root ("" at the root or outside a repository):
    # code scanning resolves SARIF locations from the repository root, not from the target.
    target_in_repo: str = ""
    # The earlier report this run was compared with (`gate run --baseline`), None without one.
    baseline: BaselineRef | None = None


@dataclass(frozen=True)
class BaselineRef:
    """Which earlier report a run was judged against: its file, when it ran and what it decided."""

    path: str
    started_at: str
    verdict: Verdict


@dataclass(frozen=True)
class Threshold:
    """`metric op limit` must hold, e.g. percent > 80."""

    op: str
    value: float


@dataclass(frozen=True)
class CheckPolicy:
    """How one check's observation is judged."""

    enabled: bool = True
    required: bool = True  # an enabled check the target does not configure is an ERROR, not a skip
    fail_at: Severity | None = None  # findings at or above this severity fail the check
    warn_at: Severity | None = None  # findings at or above this (and below fail_at) warn
    fail_rules: tuple[str, ...] = ()  # rule id globs that fail whatever their severity
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
    # How far each metric may move from a baseline run's value (judged only against a baseline).
    changes: Mapping[str, ChangeRule] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeRule:
    """How far a metric may move from the baseline's value.

    max_drop: it may fall by at most this much (in the metric's unit: percentage points for percent).
    max_rise and max_ratio: it may rise by at most max_rise, or to at most max_ratio x the baseline;
    with both set, staying within either is enough (a 10 ms endpoint at 14 ms is +40 % but only
    +4 ms, which is noise, while 150 -> 400 ms breaks both).
    """

    max_drop: float | None = None
    max_rise: float | None = None
    max_ratio: float | None = None

    def allows(self, before: float, after: float) -> bool:
        if self.max_drop is not None and before - after > self.max_drop:
            return False
        rise_ok = self.max_rise is None or after - before <= self.max_rise
        ratio_ok = self.max_ratio is None or after <= before * self.max_ratio
        if self.max_rise is not None and self.max_ratio is not None:
            return rise_ok or ratio_ok
        return rise_ok and ratio_ok

    def describe(self) -> str:
        """The allowance in words: "may drop by at most 1", "may rise by at most 10 or to 1.2x"."""
        parts = []
        if self.max_drop is not None:
            parts.append(f"may drop by at most {short(self.max_drop)}")
        rises = []
        if self.max_rise is not None:
            rises.append(f"by at most {short(self.max_rise)}")
        if self.max_ratio is not None:
            rises.append(f"to at most {short(self.max_ratio)}x the baseline")
        if rises:
            parts.append("may rise " + " or ".join(rises))
        return "; ".join(parts)


@dataclass(frozen=True)
class ChangeMeasurement:
    """One metric compared with its value in the baseline run, under its change rule.

    ok is None when the change could not be judged: the metric is missing from one of the two runs.
    """

    metric: str
    before: float | None
    after: float | None
    rule: ChangeRule
    ok: bool | None
    unit: str = ""

    def describe(self) -> str:
        if self.before is None:
            return f"{self.metric}: not in the baseline, change not judged"
        if self.after is None:
            return f"{self.metric}: not reported by this run, change not judged"
        delta = self.after - self.before
        sign = "+" if delta >= 0 else "-"
        before, after = distinct(self.before, self.after)
        return (
            f"{self.metric} {before}{self.unit} -> {after}{self.unit} "
            f"({sign}{short(abs(delta))}{self.unit}; {self.rule.describe()})"
        )


@dataclass(frozen=True)
class Policy:
    """A loaded policy: how every check is judged."""

    name: str
    source: str
    checks: Mapping[str, CheckPolicy]


# The comparisons a policy threshold may use: `metric op limit` must hold.
COMPARISONS: Mapping[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


def decide_verdict(statuses: list[Status]) -> Verdict:
    """ERROR outranks FAIL; WARN and SKIPPED do not stop a pass."""
    if Status.ERROR in statuses:
        return Verdict.ERROR
    if Status.FAIL in statuses:
        return Verdict.FAIL
    return Verdict.PASS


EXIT_CODES: Mapping[Verdict, int] = {Verdict.PASS: 0, Verdict.FAIL: 1, Verdict.ERROR: 3}
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
