"""The scenario gate generates from the OpenAPI spec: every GET operation it can call with valid values.

A parameter's value comes from, in order: the parameter's `example`, its first `examples` entry
(also Swagger 2.0 `x-example`), then its schema's `example`, first `examples` item, `default`,
first `enum` value or `const`. Required path, query and header parameters must get a value, or
the operation is skipped (and listed with the reason); optional ones are left out, so the service
uses its own defaults. Operations that need a request body or a cookie are skipped too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from gate.live import openapi

_MISSING = object()


@dataclass(frozen=True)
class Call:
    """One request of the scenario: everything the locustfile needs, all JSON-serialisable."""

    method: str
    name: str  # the path template, e.g. /items/{item_id}: locust groups statistics by it
    path: str  # filled in and percent-encoded
    query: dict[str, str | list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    weight: int = 1  # relative frequency in the scenario ([load] weights)
    # Which of the service's headers (credentials) this operation is sent: names only, values stay in
    # the environment (see load_credentials).
    service_headers: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.method} {self.name}"


@dataclass(frozen=True)
class Skipped:
    """A GET operation the scenario cannot call, and why."""

    operation: str
    reason: str


def build(spec: Mapping[str, Any]) -> tuple[list[Call], list[Skipped]]:
    """The calls for every GET operation that can be filled, and the skipped ones with reasons."""
    calls, skipped = [], []
    for operation in openapi.operations(spec):
        if operation.method != "GET":
            continue
        try:
            calls.append(call_for(spec, operation))
        except CannotFill as exc:
            skipped.append(Skipped(operation.label, str(exc)))
    return calls, skipped


class CannotFill(Exception):
    """Why an operation cannot be called with valid values."""


def call_for(spec: Mapping[str, Any], operation: openapi.Operation) -> Call:
    """The call for one operation with every required parameter filled; raise CannotFill."""
    body = operation.spec.get("requestBody")
    if isinstance(body, Mapping) and openapi.resolve(spec, body, operation.label).get("required"):
        raise CannotFill("it requires a request body")
    path, query, headers = operation.path, {}, {}
    for param in operation.parameters:
        name, where = str(param.get("name")), param.get("in")
        if where == "body":
            if param.get("required"):
                raise CannotFill("it requires a request body")
            continue
        if not (param.get("required") or where == "path"):
            continue  # optional: the service's own default applies
        value = _value(spec, param, operation.label)
        if value is _MISSING:
            raise CannotFill(f"no example, default or enum value for required {where} parameter {name!r}")
        if where == "path":
            path = path.replace("{" + name + "}", quote(_scalar_list(value, name, where, ","), safe=""))
        elif where == "query":
            query[name] = _query_value(value, name)
        elif where == "header":
            headers[name] = _scalar_list(value, name, where, ",")
        else:
            raise CannotFill(f"required {where} parameter {name!r} is not supported")
    if "{" in path:
        raise CannotFill(f"path template {path!r} has a variable no parameter describes")
    return Call("GET", operation.path, path, query, headers)


def _value(spec: Mapping[str, Any], param: Mapping[str, Any], where: str) -> Any:
    if "example" in param:
        return param["example"]
    if "x-example" in param:  # Swagger 2.0 has no parameter example; tools use this extension
        return param["x-example"]
    examples = param.get("examples")
    if isinstance(examples, Mapping):
        for example in examples.values():
            resolved = openapi.resolve(spec, example, f"{where} parameter example")
            if "value" in resolved:
                return resolved["value"]
    raw_schema = param.get("schema", param)  # Swagger 2.0 keeps the schema keywords on the parameter
    schema = openapi.resolve(spec, raw_schema, f"{where} parameter {param.get('name')!r}")
    return _from_schema(spec, schema, where)


def _from_schema(spec: Mapping[str, Any], schema: Mapping[str, Any], where: str) -> Any:
    if "example" in schema:
        return schema["example"]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if "default" in schema:
        return schema["default"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("type") == "array" and isinstance(schema.get("items"), Mapping):
        item = _from_schema(spec, openapi.resolve(spec, schema["items"], where), where)
        return _MISSING if item is _MISSING else [item]
    return _MISSING


def _text(value: Any, name: str, where: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, Mapping | list):
        raise CannotFill(f"the value for {where} parameter {name!r} is not a plain value: {value!r}")
    return str(value)


def _scalar_list(value: Any, name: str, where: Any, separator: str) -> str:
    # OpenAPI's default styles: path and header arrays are "simple" (comma-separated).
    if isinstance(value, list):
        return separator.join(_text(v, name, where) for v in value)
    return _text(value, name, where)


def _query_value(value: Any, name: str) -> str | list[str]:
    # The default query style is form with explode: an array is the parameter repeated.
    if isinstance(value, list):
        return [_text(v, name, "query") for v in value]
    return _text(value, name, "query")
