"""docs: judges the OpenAPI document itself: summaries, parameters, responses and their schemas.

Each gap of an operation is a finding with its own rule and severity (gate.checks.docs.gaps): medium
for missing documentation, low for advice, info for a self-describing path parameter. The check
measures two shares: `documented_percent`, the operations without a medium gap (what the policy's
bar judges), and `complete_percent`, the operations without any gap (the full bar, for the report).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gate.checks.base import CheckContext
from gate.checks.docs.gaps import FAILING, RULES, Gap, operation_gaps
from gate.errors import CheckError
from gate.live import openapi
from gate.model import Finding, Observation
from gate.sections import SectionModel

ID = "docs"
TITLE = "API documentation"
LIVE = True
TYPICAL_DURATION_S = 1.0

TOOL = "gate-docs"


class Settings(SectionModel):
    pass


@dataclass(frozen=True)
class Measurement:
    """The spec judged: metrics, one finding per operation and gap, a row per operation."""

    metrics: dict[str, float]
    findings: tuple[Finding, ...]
    rows: list[dict[str, Any]]


def run(ctx: CheckContext, settings: Settings) -> Observation:
    """Judge every operation of the service's spec and report the shares documented."""
    spec = ctx.service.spec
    measured = measure(spec)
    artifacts = (ctx.relative(ctx.service.spec_file),) if ctx.service.spec_file.is_file() else ()
    return Observation(
        metrics=measured.metrics,
        findings=measured.findings,
        artifacts=artifacts,
        details={"spec_version": openapi.version(spec), "operations": measured.rows},
    )


def measure(spec: Mapping[str, Any]) -> Measurement:
    """The docs check's measurement of a parsed spec (also what bench/docs_calibration.py runs)."""
    operations = openapi.operations(spec)
    if not operations:
        raise CheckError("the OpenAPI document describes no operation: there is nothing to judge")
    findings: list[Finding] = []
    rows = []
    undocumented = incomplete = 0
    for operation in operations:
        gaps = operation_gaps(spec, operation)
        rows.append({"operation": operation.label, "missing": [_missing(gap) for gap in gaps]})
        findings.extend(_finding(operation, gap) for gap in gaps)
        undocumented += any(gap.severity >= FAILING for gap in gaps)
        incomplete += bool(gaps)
    total = len(operations)
    metrics = {
        "documented_percent": 100.0 * (total - undocumented) / total,
        "complete_percent": 100.0 * (total - incomplete) / total,
        "operations": float(total),
        "undocumented": float(undocumented),
    }
    return Measurement(metrics, tuple(findings), rows)


def _missing(gap: Gap) -> str:
    """The row's short name of a gap: the rule without its prefix, with what it names."""
    name = gap.rule.removeprefix("docs.")
    return f"{name}: {', '.join(gap.items)}" if gap.items else name


def _finding(operation: openapi.Operation, gap: Gap) -> Finding:
    detail = ": " + ", ".join(gap.items) if gap.items else ""
    return Finding(
        check=ID,
        tool=TOOL,
        rule=gap.rule,
        severity=gap.severity,
        message=f"{operation.label} {RULES[gap.rule][1]}{detail}",
        operation=operation.label,
    )
