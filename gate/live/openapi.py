"""The service's OpenAPI document: fetched or read, checked and saved; then walked (operations, $refs).

One module for the spec, so that what "a usable spec" means (its versions) is decided in one place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from gate.errors import CheckError
from gate.live import http as localhttp

FETCH_TIMEOUT_S = 30.0


def load_spec(location: str, base_url: str, target: Path, headers: Mapping[str, str], save_to: Path) -> dict[str, Any]:
    """The spec at `location` (a path on the service if it starts with '/', else a file in the target),
    validated and saved as JSON to `save_to`; raises CheckError when it is missing or not a spec."""
    if location.startswith("/"):
        url = base_url + location
        answer = localhttp.get(url, headers, FETCH_TIMEOUT_S)
        if not answer.ok:
            raise CheckError(
                f"cannot fetch the OpenAPI spec from {url}: {answer.describe()}",
                answer.body.decode("utf-8", errors="replace")[-2000:],
            )
        where, text = url, answer.body.decode("utf-8", errors="replace")
    else:
        path = target / location
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CheckError(f"cannot read the OpenAPI spec file {path}: {exc}") from None
        where = str(path)
    spec = parse_spec(text, where)
    # Saved as JSON whatever it came as: one format for the tools, and the evidence of what was tested.
    save_to.parent.mkdir(parents=True, exist_ok=True)
    save_to.write_text(json.dumps(spec, indent=2, default=str), encoding="utf-8")
    return spec


def parse_spec(text: str, where: str) -> dict[str, Any]:
    """Parse JSON or YAML text into a spec and check it is OpenAPI 3.x or Swagger 2.0 with paths."""
    try:
        data: Any = json.loads(text)
    except ValueError:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CheckError(f"the OpenAPI spec from {where} is neither JSON nor YAML: {exc}") from None
    problem = spec_problem(data)
    if problem is not None:
        raise CheckError(f"the OpenAPI spec from {where} is not usable: {problem}")
    assert isinstance(data, dict)
    return data


# The versions gate works with, decided here only: spec loading refuses any other document, so docs,
# load and fuzz all read what they are given. 3.2 is a superset of 3.1 (adds the QUERY method,
# additionalOperations, `querystring` parameters); gate's walkers below read its operations, and
# schemathesis (the fuzz check) reads 3.0.x-3.2.x, written in full as the standard requires ("3.1.0").
OPENAPI_VERSIONS = ("3.0", "3.1", "3.2")
SWAGGER_VERSION = "2.0"
SUPPORTED = "OpenAPI 3.0.x, 3.1.x, 3.2.x or Swagger 2.0"
_OPENAPI_VERSION = re.compile(r"^([0-9]+\.[0-9]+)(\.[0-9]+(-.+)?)?$")


def version_problem(data: Mapping[str, Any]) -> str | None:
    """Why the document's version field is not one gate works with, or None."""
    openapi, swagger = data.get("openapi"), data.get("swagger")
    if openapi is None and swagger is None:
        return "no 'openapi' or 'swagger' version field"
    if openapi is not None:
        # A YAML `openapi: 3.0` is a number: unquoted, it is not the version string the standard asks for.
        match = _OPENAPI_VERSION.match(openapi) if isinstance(openapi, str) else None
        if match is None or match.group(1) not in OPENAPI_VERSIONS:
            return f"unsupported openapi version {openapi!r}: gate reads {SUPPORTED}"
        if match.group(2) is None:
            # The standard's form, and the only one schemathesis reads: refused here, not by fuzz alone.
            return f"openapi version {openapi!r} lacks its patch number: write it in full, e.g. '{openapi}.0'"
        return None
    if str(swagger) != SWAGGER_VERSION:
        return f"unsupported swagger version {swagger!r}: gate reads {SUPPORTED}"
    return None


def spec_problem(data: Any) -> str | None:
    """Why `data` is not a document gate works with (see OPENAPI_VERSIONS), or None when it is one."""
    if not isinstance(data, dict):
        return f"expected a mapping at the top, got {type(data).__name__}"
    problem = version_problem(data)
    if problem is not None:
        return problem
    paths = data.get("paths")
    if not isinstance(paths, dict):
        return "'paths' is missing or not a mapping"
    if not paths:
        return "'paths' is empty: there is no operation to test"
    return None


def api_base_url(base_url: str, spec: Mapping[str, Any]) -> str:
    """Where the spec's paths live on the service gate reaches at `base_url`.

    Swagger 2.0 `basePath` and a relative OpenAPI 3 server URL ("/api/v1") are part of the API's
    structure and are appended. An absolute server URL ("https://api.example.com/v1") describes some
    other deployment and is ignored entirely: gate tests the process it started, never that host.
    """
    if "swagger" in spec:
        prefix = spec.get("basePath") or ""
    else:
        servers = spec.get("servers")
        first = servers[0] if isinstance(servers, list) and servers and isinstance(servers[0], dict) else {}
        url = first.get("url")
        relative = isinstance(url, str) and url.startswith("/")
        prefix = _fill_variables(str(url), first.get("variables")) if relative else ""
    prefix = str(prefix).rstrip("/")
    return base_url.rstrip("/") + (prefix if prefix.startswith("/") else "")


def _fill_variables(url: str, variables: Any) -> str:
    """Replace {name} in a server URL by the variable's default, as OpenAPI 3 prescribes."""
    if isinstance(variables, dict):
        for name, spec in variables.items():
            if isinstance(spec, dict) and "default" in spec:
                url = url.replace("{" + str(name) + "}", str(spec["default"]))
    return url


# The HTTP methods a path item may hold (OpenAPI 3.x; Swagger 2.0 has all but trace; 3.2 adds query
# and, under additionalOperations, any other method).
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
METHODS_3_2 = (*METHODS, "query")
MAX_REF_DEPTH = 32  # a chain of $refs longer than this is a cycle


@dataclass(frozen=True)
class Operation:
    """One operation: its method, path template, the operation object and its merged parameters."""

    method: str  # upper case
    path: str
    spec: Mapping[str, Any]  # the operation object
    parameters: tuple[Mapping[str, Any], ...]  # path-level and operation-level, $refs resolved

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def version(spec: Mapping[str, Any]) -> str:
    """'2.0', '3.0', '3.1' or '3.2'; raise CheckError for a version spec loading would refuse."""
    problem = version_problem(spec)
    if problem is not None:
        raise CheckError(f"the OpenAPI document is not usable: {problem}")
    openapi = spec.get("openapi")
    return str(openapi)[:3] if openapi is not None else SWAGGER_VERSION


def resolve(spec: Mapping[str, Any], node: Any, where: str) -> Mapping[str, Any]:
    """Follow local $refs ('#/components/...') until a mapping without $ref; raise CheckError."""
    for _ in range(MAX_REF_DEPTH):
        if not isinstance(node, Mapping):
            raise CheckError(f"{where}: expected an object, got {type(node).__name__}")
        ref = node.get("$ref")
        if ref is None:
            return node
        if not isinstance(ref, str) or not ref.startswith("#/"):
            # Remote and file refs would need network or file access gate does not do on a spec.
            raise CheckError(f"{where}: cannot resolve $ref {ref!r}: only local refs ('#/...') are supported")
        node = _pointer(spec, ref, where)
    raise CheckError(f"{where}: $ref chain longer than {MAX_REF_DEPTH} (a cycle?)")


def _pointer(spec: Mapping[str, Any], ref: str, where: str) -> Any:
    node: Any = spec
    for raw in ref[2:].split("/"):
        # JSON pointer escapes (RFC 6901), after URI percent-decoding of the fragment.
        key = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise CheckError(f"{where}: $ref {ref!r} points at nothing in the document")
    return node


def operations(spec: Mapping[str, Any]) -> list[Operation]:
    """Every operation in the document, in document order."""
    v3_2 = version(spec) == "3.2"
    paths = spec.get("paths")
    if not isinstance(paths, Mapping):
        raise CheckError("the OpenAPI document has no 'paths' object")
    found = []
    for path, raw_item in paths.items():
        if str(path).startswith("x-"):
            continue  # a specification extension, not a path
        item = resolve(spec, raw_item, f"paths.{path}")
        shared = _parameters(spec, item.get("parameters", []), f"paths.{path}.parameters")
        for method, raw_op in _methods(item, v3_2):
            where = f"{method.upper()} {path}"
            op = resolve(spec, raw_op, where)
            own = _parameters(spec, op.get("parameters", []), f"{where} parameters")
            # An operation's parameter replaces a path-level one with the same name and location.
            keys = {(p.get("name"), p.get("in")) for p in own}
            merged = tuple([p for p in shared if (p.get("name"), p.get("in")) not in keys] + own)
            found.append(Operation(method.upper(), str(path), op, merged))
    return found


def _methods(item: Mapping[str, Any], v3_2: bool) -> list[tuple[str, Any]]:
    """(method, operation) of a path item; in 3.2 also query and the additionalOperations."""
    found = [(m, item[m]) for m in (METHODS_3_2 if v3_2 else METHODS) if m in item]
    extra = item.get("additionalOperations") if v3_2 else None
    if isinstance(extra, Mapping):
        found += [(str(m), op) for m, op in extra.items() if str(m).lower() not in METHODS_3_2]
    return found


def additional_operations(spec: Mapping[str, Any]) -> list[str]:
    """'METHOD /path' of each OpenAPI 3.2 additionalOperations entry (a method outside the fixed ones)."""
    paths = spec.get("paths")
    if version_problem(spec) is not None or str(spec.get("openapi"))[:3] != "3.2" or not isinstance(paths, Mapping):
        return []
    return [
        f"{method.upper()} {path}"
        for path, item in paths.items()
        if isinstance(item, Mapping)
        for method, _ in _methods(item, v3_2=True)
        if method.lower() not in METHODS_3_2
    ]


def _parameters(spec: Mapping[str, Any], raw: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(raw, list):
        raise CheckError(f"{where}: expected a list of parameters")
    return [resolve(spec, p, f"{where}[{i}]") for i, p in enumerate(raw)]


def responses(spec: Mapping[str, Any], operation: Operation) -> dict[str, Mapping[str, Any]]:
    """The operation's responses by status code as text ('200', '4XX', 'default'), $refs resolved."""
    raw = operation.spec.get("responses", {})
    if not isinstance(raw, Mapping):
        raise CheckError(f"{operation.label}: 'responses' is not an object")
    return {str(code): resolve(spec, r, f"{operation.label} response {code}") for code, r in raw.items()}
