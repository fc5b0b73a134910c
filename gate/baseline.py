"""New-code gating: what an earlier report (`gate run --baseline`) holds per check, and which of this
run's findings it already had. Pure: the CLI reads the file, the runner passes this to the judgement."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gate.fingerprint import fingerprints
from gate.model import BaselineRef, BaselineState, Finding, GateReport, Status
from gate.redact import redact_text
from gate.text import clip


@dataclass(frozen=True)
class CheckBaseline:
    """One check as the baseline run saw it."""

    # The fingerprints of its findings, waived ones included ("<digest>:<n>", as SARIF emits them).
    fingerprints: tuple[str, ...] = ()
    # Its metrics; None when it has none to compare with (it errored, was skipped or did not exist then).
    metrics: Mapping[str, float] | None = None
    # Why metrics is None, for the note ("error in the baseline").
    why_not: str = ""


@dataclass(frozen=True)
class Baseline:
    """The earlier report a run is judged against."""

    ref: BaselineRef
    checks: Mapping[str, CheckBaseline] = field(default_factory=dict)

    def of(self, check_id: str) -> CheckBaseline:
        """The check's baseline; a check the baseline did not have has no findings and no metrics."""
        return self.checks.get(check_id, CheckBaseline(why_not="not in the baseline"))


def from_report(report: GateReport, path: str) -> Baseline:
    """The baseline held by a saved report (read with outdir.read_report)."""
    checks = {}
    for check in report.checks:
        comparable = check.status not in (Status.ERROR, Status.SKIPPED)
        checks[check.id] = CheckBaseline(
            fingerprints=tuple(fingerprints([*check.findings, *check.waived])),
            metrics=dict(check.metrics) if comparable else None,
            why_not="" if comparable else f"{check.status.value} in the baseline",
        )
    return Baseline(BaselineRef(path, report.started_at, report.verdict), checks)


def mark(
    findings: Sequence[Finding], waived: Sequence[Finding], prints: Sequence[str]
) -> tuple[tuple[Finding, ...], tuple[Finding, ...], int]:
    """Each finding (kept, then waived) with its baseline state, and how many baseline findings are gone.

    A multiset match, as `fingerprints` number repeats ("<digest>:<n>"): a baseline with a finding once
    makes one occurrence here existing and a second identical one new. The digest is taken over the text
    as a saved report holds it (masked and clipped), so a finding whose snippet holds a hard-coded
    password matches its saved self.
    """
    every = (*findings, *waived)
    current = fingerprints([as_saved(f) for f in every])
    known = set(prints)
    marked = tuple(
        dataclasses.replace(f, baseline=BaselineState.EXISTING if p in known else BaselineState.NEW)
        for f, p in zip(every, current, strict=True)
    )
    return marked[: len(findings)], marked[len(findings) :], len(known - set(current))


def as_saved(finding: Finding) -> Finding:
    """The fields a fingerprint reads as a saved report holds them: redacted, clipped, masked again by the
    JSON reporter (the service's own secret values, known only at the end of the run, are not masked)."""

    def saved(text: str) -> str:
        return redact_text(clip(redact_text(text)))

    return dataclasses.replace(
        finding,
        snippet=None if finding.snippet is None else saved(finding.snippet),
        message=saved(finding.message),
        path=None if finding.path is None else saved(finding.path),
        operation=None if finding.operation is None else saved(finding.operation),
        rule=saved(finding.rule),
    )
