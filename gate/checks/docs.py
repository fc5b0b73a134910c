"""docs: judges the OpenAPI document itself: summaries, responses, schemas, parameter descriptions.

An operation is fully documented when it has a summary or description, at least one success (2xx)
and one error (4xx, 5xx or default) response, a schema for every such response that has a body,
and a description for every parameter. Each gap is a finding (one per operation and kind of gap);
the policy judges `documented_percent`, the share of operations without any gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gate.checks.base import CheckContext
from gate.errors import CheckError
from gate.live import openapi
from gate.model import Finding, Observation, Severity
from gate.sections import SectionModel

ID = "docs"
TITLE = "API documentation"
LIVE = True
TYPICAL_DURATION_S = 1.0

TOOL = "gate-docs"
NO_BODY = frozenset({"204", "205"})  # success codes that carry no body, so need no schema
SEVERITY = Severity.LOW  # the verdict comes from documented_percent; findings explain it


class Settings(SectionModel):
    pass


def run(ctx: CheckContext, settings: Settings) -> Observation:
    """Judge every operation of the service's spec and report the share fully documented."""
    spec = ctx.service.spec
    operations = openapi.operations(spec)
    if not operations:
        raise CheckError("the OpenAPI document describes no operation: there is nothing to judge")
    findings: list[Finding] = []
    rows = []
    for operation in operations:
        gaps = operation_gaps(spec, operation)
        rows.append({"operation": operation.label, "missing": [item for _, items in gaps for item in items]})
        findings.extend(_finding(operation, rule, items) for rule, items in gaps)
    undocumented = sum(1 for row in rows if row["missing"])
    total = len(operations)
    artifacts = (ctx.relative(ctx.service.spec_file),) if ctx.service.spec_file.is_file() else ()
    return Observation(
        metrics={
            "documented_percent": 100.0 * (total - undocumented) / total,
            "operations": float(total),
            "undocumented": float(undocumented),
        },
        findings=tuple(findings),
        artifacts=artifacts,
        details={"spec_version": openapi.version(spec), "operations": rows},
    )


def operation_gaps(spec: Mapping[str, Any], operation: openapi.Operation) -> list[tuple[str, list[str]]]:
    """What the operation lacks, grouped by rule: [(rule, [missing item, ...]), ...] (empty: none)."""
    gaps: list[tuple[str, list[str]]] = []
    op = operation.spec
    if not (_text(op.get("summary")) or _text(op.get("description"))):
        gaps.append(("docs.missing-summary", ["summary"]))
    responses = openapi.responses(spec, operation)
    success = [code for code in responses if code.startswith("2")]
    errors = [code for code in responses if code[:1] in ("4", "5") or code == "default"]
    if not success:
        gaps.append(("docs.missing-success-response", ["success response"]))
    if not errors:
        gaps.append(("docs.missing-error-response", ["error response"]))
    # HEAD answers never carry a body, so their responses need no schema.
    needs_schema = [] if operation.method == "HEAD" else [c for c in success + errors if c not in NO_BODY]
    swagger = openapi.version(spec) == "2.0"
    bare = [code for code in needs_schema if not _has_schema(responses[code], swagger)]
    if bare:
        gaps.append(("docs.missing-response-schema", [f"schema of response {code}" for code in bare]))
    undescribed = [
        f"description of parameter {p.get('name')} ({p.get('in')})"
        for p in operation.parameters
        # A Swagger 2.0 body parameter is the request body (OpenAPI 3's requestBody), not a parameter.
        if p.get("in") != "body" and not _text(p.get("description"))
    ]
    if undescribed:
        gaps.append(("docs.missing-parameter-description", undescribed))
    return gaps


def _has_schema(response: Mapping[str, Any], swagger: bool) -> bool:
    if swagger:
        return isinstance(response.get("schema"), Mapping)
    content = response.get("content")
    if not isinstance(content, Mapping):
        return False
    return any(isinstance(m, Mapping) and isinstance(m.get("schema"), Mapping) for m in content.values())


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


_WHAT = {
    "docs.missing-summary": "has no summary or description",
    "docs.missing-success-response": "documents no success (2xx) response",
    "docs.missing-error-response": "documents no error response (4xx, 5xx or default)",
    "docs.missing-response-schema": "documents responses without a schema",
    "docs.missing-parameter-description": "has parameters without a description",
}

_PREFIX = {
    "docs.missing-response-schema": "schema of response ",
    "docs.missing-parameter-description": "description of parameter ",
}


def _finding(operation: openapi.Operation, rule: str, items: list[str]) -> Finding:
    prefix = _PREFIX.get(rule)
    detail = ": " + ", ".join(item.removeprefix(prefix) for item in items) if prefix else ""
    return Finding(
        check=ID,
        tool=TOOL,
        rule=rule,
        severity=SEVERITY,
        message=f"{operation.label} {_WHAT[rule]}{detail}",
        operation=operation.label,
    )
