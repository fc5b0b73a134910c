"""What the probes need from the OpenAPI document: which operations to aim at, and a body to send."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gate.errors import CheckError
from gate.live import openapi

_LOGIN = re.compile(r"(?i)(log-?in|sign-?in|token|session|auth)")
_LIMIT_NAMES = ("limit", "per_page", "page_size", "pagesize", "size", "max_results", "count", "first", "top")
PAGE_NAMES = (*_LIMIT_NAMES, "offset", "page", "cursor", "after", "before", "skip", "start", "page_token")
MAX_DEPTH = 6


def has_path_params(operation: openapi.Operation) -> bool:
    return "{" in operation.path


def required_params(operation: openapi.Operation) -> list[Mapping[str, Any]]:
    """Required parameters other than headers and cookies gate's credentials fill."""
    return [p for p in operation.parameters if p.get("required") and p.get("in") in ("path", "query")]


def plain_gets(operations: list[openapi.Operation]) -> list[openapi.Operation]:
    """GET operations gate can call as they are: no path or required query parameters."""
    return [op for op in operations if op.method == "GET" and not required_params(op) and not has_path_params(op)]


def protected(spec: Mapping[str, Any], operation: openapi.Operation) -> bool:
    """Whether the spec says the operation needs a credential."""
    security = operation.spec["security"] if "security" in operation.spec else spec.get("security", [])
    return bool(security) and {} not in security


def find(operations: list[openapi.Operation], label: str) -> openapi.Operation:
    """The operation 'METHOD /path'; CheckError naming the setting when the spec has none."""
    for op in operations:
        if op.label == label:
            return op
    raise CheckError(f"[practices] rate_limit_operation = {label!r}: the spec has no such operation")


def login_operation(operations: list[openapi.Operation]) -> openapi.Operation | None:
    """The spec's login/token operation: a POST whose path, operationId or summary says so."""
    for op in operations:
        words = " ".join(str(op.spec.get(k, "")) for k in ("operationId", "summary")) + " " + op.path
        if op.method == "POST" and not has_path_params(op) and _LOGIN.search(words):
            return op
    return None


def media(spec: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """(media type, schema) of a request body or response: JSON first, else a form; None without one."""
    content = node.get("content")
    if not isinstance(content, Mapping):
        return None
    for wanted in ("application/json", "application/x-www-form-urlencoded"):
        for name, value in content.items():
            if str(name).split(";")[0].strip().lower() == wanted or (
                wanted == "application/json" and str(name).endswith("+json")
            ):
                schema = value.get("schema") if isinstance(value, Mapping) else None
                return str(name), openapi.resolve(spec, schema or {}, f"schema of {name}")
    return None


def request_body(spec: Mapping[str, Any], operation: openapi.Operation) -> tuple[str, Mapping[str, Any]] | None:
    raw = operation.spec.get("requestBody")
    if raw is None:
        return None
    return media(spec, openapi.resolve(spec, raw, f"{operation.label} requestBody"))


def success_schema(spec: Mapping[str, Any], operation: openapi.Operation) -> Mapping[str, Any] | None:
    for code, response in openapi.responses(spec, operation).items():
        if code.startswith("2"):
            found = media(spec, response)
            if found is not None:
                return found[1]
    return None


def list_items_key(spec: Mapping[str, Any], schema: Mapping[str, Any] | None) -> str | None:
    """'' when the schema is an array, the property name when it is an object wrapping one, else None."""
    if schema is None:
        return None
    if schema.get("type") == "array":
        return ""
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, prop in properties.items():
            if openapi.resolve(spec, prop, f"property {name}").get("type") == "array":
                return str(name)
    return None


def list_operations(
    spec: Mapping[str, Any], operations: list[openapi.Operation]
) -> list[tuple[openapi.Operation, str]]:
    """GET operations whose success body is a list (or wraps one), with where the items are."""
    found = []
    for op in plain_gets(operations):
        key = list_items_key(spec, success_schema(spec, op))
        if key is not None:
            found.append((op, key))
    return found


def paging_params(operation: openapi.Operation) -> tuple[list[str], str | None]:
    """(the paging parameters it declares, the one that bounds the page size or None)."""
    names = [str(p.get("name")) for p in operation.parameters if p.get("in") == "query"]
    paging = [n for n in names if n.lower() in PAGE_NAMES]
    limit = next((n for n in paging if n.lower() in _LIMIT_NAMES), None)
    return paging, limit


def creating_operations(
    spec: Mapping[str, Any], operations: list[openapi.Operation], login: openapi.Operation | None
) -> list[openapi.Operation]:
    """POSTs on a collection (no path parameter) with a JSON body, other than the login."""
    return [
        op
        for op in operations
        if op.method == "POST"
        and op is not login
        and not has_path_params(op)
        and (request_body(spec, op) or ("", {}))[0].endswith("json")
    ]


def sample(spec: Mapping[str, Any], schema: Mapping[str, Any], depth: int = 0) -> Any:
    """A small value the schema accepts: its example or default, else built from its type."""
    schema = openapi.resolve(spec, schema, "schema")
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for combined in ("allOf", "oneOf", "anyOf"):
        if isinstance(schema.get(combined), list) and schema[combined]:
            if combined != "allOf":
                return sample(spec, schema[combined][0], depth + 1)
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                value = sample(spec, part, depth + 1)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        if depth >= MAX_DEPTH:
            return {}
        raw_props = schema.get("properties")
        props: Mapping[str, Any] = raw_props if isinstance(raw_props, Mapping) else {}
        raw_required = schema.get("required")
        required: list[Any] = raw_required if isinstance(raw_required, list) else list(props)
        return {str(n): sample(spec, props[n], depth + 1) for n in required if n in props}
    if kind == "array":
        return [] if depth >= MAX_DEPTH else [sample(spec, schema.get("items") or {}, depth + 1)]
    return _scalar(kind, schema)


def _scalar(kind: Any, schema: Mapping[str, Any]) -> Any:
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        special = {"email": "gate-probe@example.com", "uuid": "00000000-0000-4000-8000-000000000000"}
        special |= {"date-time": "2026-01-01T00:00:00Z", "date": "2026-01-01", "uri": "https://example.com/"}
        text = special.get(str(fmt), "gate-probe")
        return text + "x" * max(0, int(schema.get("minLength", 0)) - len(text))
    return None
