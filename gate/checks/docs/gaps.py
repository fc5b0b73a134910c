"""What one operation's documentation lacks: each kind of gap with its rule id and severity.

The severities are the calibration (see [checks.docs] in policies/default.toml for the real specs it
was measured on): medium for what a reviewer calls missing documentation (no summary or
description, an undescribed parameter, no success response, a success body without a schema), low
for advice (no error response, an error response without a schema), info for a path parameter
whose name and path say what it is (`/customers/{customer}`, `/items/{id}`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gate.live import openapi
from gate.model import Severity

NO_BODY = frozenset({"204", "205"})  # success codes that carry no body, so need no schema
READS = frozenset({"GET", "QUERY"})  # a read's success answer is its body
# A path parameter named as the key of the resource the path names: `id`, `user_id`, `petId`, `uuid`.
# camelCase only with a capital: `android`, `paid` are not identifiers.
_ID = re.compile(r"^(?i:id|uuid)$|[_\-.](?i:id|uuid)$|[a-z0-9](?:Id|ID|Uuid|UUID)$")


@dataclass(frozen=True)
class Gap:
    rule: str
    severity: Severity
    items: tuple[str, ...] = ()  # what is missing, when the rule alone does not say (codes, parameters)


# rule -> (severity, what the finding says the operation lacks)
RULES: Mapping[str, tuple[Severity, str]] = {
    "docs.no-summary": (Severity.MEDIUM, "has no summary or description"),
    "docs.undocumented-parameter": (Severity.MEDIUM, "has parameters without a description"),
    "docs.no-success-response": (Severity.MEDIUM, "documents no success (2xx or default) response"),
    "docs.no-success-schema": (Severity.MEDIUM, "documents a success response body without a schema"),
    "docs.no-error-response": (Severity.LOW, "takes input but documents no error response (4xx, 5xx or default)"),
    "docs.no-error-response-no-input": (Severity.LOW, "documents no error response (4xx, 5xx or default)"),
    "docs.no-error-schema": (Severity.LOW, "documents error responses without a schema"),
    "docs.undescribed-path-id": (Severity.INFO, "has identifier path parameters without a description"),
}
FAILING = Severity.MEDIUM  # gaps at or above this count against documented_percent


def operation_gaps(spec: Mapping[str, Any], operation: openapi.Operation) -> list[Gap]:
    """Every gap of the operation, one per rule (empty: fully documented)."""
    gaps: list[Gap] = []
    op = operation.spec
    if not (_text(op.get("summary")) or _text(op.get("description"))):
        gaps.append(_gap("docs.no-summary"))
    gaps.extend(_parameter_gaps(operation))
    responses = openapi.responses(spec, operation)
    success = [code for code in responses if code.startswith("2")]
    errors = [code for code in responses if code[:1] in ("4", "5") or code == "default"]
    swagger = openapi.version(spec) == "2.0"
    if not success and "default" not in responses:
        gaps.append(_gap("docs.no-success-response"))
    bare = [code for code in success if _needs_schema(operation, code, responses[code], swagger)]
    if bare:
        gaps.append(_gap("docs.no-success-schema", bare))
    if not errors:
        gaps.append(_gap("docs.no-error-response" if _takes_input(operation) else "docs.no-error-response-no-input"))
    # An error answer carries a body in practice (a message at least); HEAD answers never do.
    bare_errors = [c for c in errors if operation.method != "HEAD" and not _schema(responses[c], swagger)]
    if bare_errors:
        gaps.append(_gap("docs.no-error-schema", bare_errors))
    return gaps


def _parameter_gaps(operation: openapi.Operation) -> list[Gap]:
    undescribed: list[str] = []
    ids: list[str] = []
    for p in operation.parameters:
        # A Swagger 2.0 body parameter is the request body (OpenAPI 3's requestBody), not a parameter.
        if p.get("in") == "body" or _text(p.get("description")):
            continue
        label = f"{p.get('name')} ({p.get('in')})"
        (ids if _self_describing(operation.path, p) else undescribed).append(label)
    gaps = [_gap("docs.undocumented-parameter", undescribed)] if undescribed else []
    return gaps + ([_gap("docs.undescribed-path-id", ids)] if ids else [])


def _self_describing(path: str, parameter: Mapping[str, Any]) -> bool:
    """A path parameter that is the key of the resource its path names needs no words: `/items/{id}`,
    `/users/{user_id}`, `/customers/{customer}`, `/users/{username}`. Its schema gives type and format;
    "the customer id" would add nothing. Query, header and cookie parameters always need a description:
    their meaning (a filter, a page size, a flag) is not in the path."""
    name = parameter.get("name")
    if parameter.get("in") != "path" or not isinstance(name, str) or not name:
        return False
    if _ID.search(name):
        return True
    segments = path.strip("/").split("/")
    placeholder = "{" + name + "}"
    if placeholder not in segments:
        return False
    index = segments.index(placeholder)
    before = segments[index - 1] if index > 0 else ""
    resource = before.lower().replace("-", "_")
    singular = resource[:-1] if resource.endswith("s") else resource
    return bool(singular) and not before.startswith("{") and name.lower().startswith(singular)


def _needs_schema(operation: openapi.Operation, code: str, response: Mapping[str, Any], swagger: bool) -> bool:
    """A success response whose body is undescribed: a media type without a (non-empty) schema, or a
    read (GET) that declares no body at all. A write that declares no body answers with none."""
    if operation.method == "HEAD" or code in NO_BODY:
        return False
    if swagger:
        return operation.method in READS and not _schema(response, swagger)
    content = response.get("content")
    if not isinstance(content, Mapping) or not content:
        return operation.method in READS
    return not _schema(response, swagger)


def _schema(response: Mapping[str, Any], swagger: bool) -> bool:
    """The response has a body schema. An empty schema (`{}`, FastAPI's for a route without a response
    model) says nothing about the body, so it does not count."""
    if swagger:
        return _nonempty(response.get("schema"))
    content = response.get("content")
    if not isinstance(content, Mapping) or not content:
        return False
    return any(_nonempty(m.get("schema")) for m in content.values() if isinstance(m, Mapping))


def _nonempty(schema: Any) -> bool:
    return isinstance(schema, Mapping) and bool(schema)


def _takes_input(operation: openapi.Operation) -> bool:
    """Parameters or a request body: input the service may reject, so its clients need the error."""
    return bool(operation.parameters) or operation.spec.get("requestBody") is not None


def _gap(rule: str, items: list[str] | None = None) -> Gap:
    return Gap(rule, RULES[rule][0], tuple(items or ()))


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
