"""Walking an OpenAPI 3.0/3.1 or Swagger 2.0 document: its operations, with local $refs resolved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from gate.errors import CheckError

# The HTTP methods a path item may hold (OpenAPI 3.x; Swagger 2.0 has all but trace).
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
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
    """'2.0', '3.0' or '3.1'; raise CheckError for anything else."""
    openapi, swagger = spec.get("openapi"), spec.get("swagger")
    if isinstance(openapi, str) and openapi.startswith(("3.0", "3.1")):
        return openapi[:3]
    if openapi is None and str(swagger) == "2.0":
        return "2.0"
    raise CheckError(f"not an OpenAPI 3.0/3.1 or Swagger 2.0 document "
                     f"(openapi={openapi!r}, swagger={swagger!r})")


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
    version(spec)
    paths = spec.get("paths")
    if not isinstance(paths, Mapping):
        raise CheckError("the OpenAPI document has no 'paths' object")
    found = []
    for path, raw_item in paths.items():
        if str(path).startswith("x-"):
            continue  # a specification extension, not a path
        item = resolve(spec, raw_item, f"paths.{path}")
        shared = _parameters(spec, item.get("parameters", []), f"paths.{path}.parameters")
        for method in METHODS:
            if method not in item:
                continue
            where = f"{method.upper()} {path}"
            op = resolve(spec, item[method], where)
            own = _parameters(spec, op.get("parameters", []), f"{where} parameters")
            # An operation's parameter replaces a path-level one with the same name and location.
            keys = {(p.get("name"), p.get("in")) for p in own}
            merged = tuple([p for p in shared if (p.get("name"), p.get("in")) not in keys] + own)
            found.append(Operation(method.upper(), str(path), op, merged))
    return found


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
