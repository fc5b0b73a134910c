"""Reconciles schemathesis's two reports by what they mean: every failure either one holds is kept.

The JSON summary and the NDJSON events name the same failure differently (schemathesis 4.32, see
tests/data/schemathesis/):
- a failure of the stateful phase is listed under "Stateful tests" in the summary and under the
  operation whose request failed in the events;
- an undeclared-method probe (the unsupported_method check sends TRACE, QUERY, PUT ... to a GET path)
  is listed under one probe method ("TRACE /me") in the summary, while the events file it under the
  operation being tested ("GET /me") and record the method the probe actually sent.
A failure found in only one report is still a finding; the disagreement becomes a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gate.checks.fuzz.report import STATEFUL_LABEL, Failure, RunSummary
from gate.live.credentials import operations


@dataclass(frozen=True)
class Reconciled:
    """The failures of a run (from both reports) and notes on where the reports disagreed."""

    failures: list[Failure]
    notes: list[str]


def declared_operations(spec: Mapping[str, Any]) -> frozenset[str]:
    """Every "METHOD /path" the spec declares (paths as schemathesis labels them)."""
    return frozenset(f"{method} {path}" for method, path, _ in operations(spec))


def reconcile(summary: RunSummary, failures: Iterable[Failure], declared: frozenset[str]) -> Reconciled:
    """Match the summary's (code, operation) pairs with the events' failures; keep what matches nothing."""
    found = list(failures)
    names = {f.code: f.check for f in found}
    notes: list[str] = []
    unmatched_events = {id(f) for f in found}
    kept = list(found)
    for code, operation in sorted(summary.failures):
        matches = [f for f in found if f.code == code and _same_operation(operation, f, declared)]
        for match in matches:
            unmatched_events.discard(id(match))
        if matches:
            continue
        title = summary.titles.get(code, code)
        kept.append(
            Failure(
                operation=operation,
                check=names.get(code, code),
                code=code,
                title=title,
                message="listed in schemathesis's summary; its event stream holds no detail",
                status=None,
                curl="",
                case_id="",
                declared=operation,
            )
        )
        notes.append(
            f"schemathesis's summary lists {code} ({title}) on {operation}, its events do not: "
            "kept as a finding without a reproducing request"
        )
    for failure in found:
        if id(failure) in unmatched_events:
            notes.append(
                f"schemathesis's events hold {failure.code} ({failure.title}) on {failure.operation}, "
                "its summary does not: kept as a finding"
            )
    return Reconciled(kept, notes)


def _same_operation(listed: str, failure: Failure, declared: frozenset[str]) -> bool:
    """Whether the summary's operation name means the operation of this event failure."""
    if listed == STATEFUL_LABEL:
        return failure.phase == "stateful"
    if listed in (failure.operation, failure.declared):
        return True
    # The summary names an undeclared-method probe by one of the probe methods: any undeclared method
    # on the same path is the same failure.
    method, _, path = listed.partition(" ")
    probe_method, _, probe_path = failure.operation.partition(" ")
    return (
        path == probe_path
        and listed not in declared
        and failure.operation not in declared
        and method != ""
        and probe_method != ""
    )
