"""Which of the service's headers each operation is sent: the credentials its `security` names.

[service] headers and [service] auth give gate one set of headers. An operation's OpenAPI
`security` (else the document's) lists alternatives, each naming security schemes; a scheme is
carried in a header: `Authorization` for http (bearer, basic, ...), oauth2 and openIdConnect, the
named header for an apiKey `in: header`. An operation is sent the headers of the first alternative
all of whose headers gate has (an empty alternative `{}` means no credentials), never the headers of
schemes it does not name, and every header that belongs to no scheme (X-Tenant, ...) as before.
When gate has no alternative's headers, the operation gets them all and its probe says whether the
service accepts it. A query or cookie apiKey cannot be carried by headers and is left to the probe.

Credentials configured per scheme ([service.credentials], gate.live.credentials) take precedence, query
and cookie API keys included: see load_generated._with_scheme_credentials. This module covers the
[service] headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gate.errors import CheckError
from gate.live import openapi


def scheme_headers(spec: Mapping[str, Any]) -> dict[str, str]:
    """Security scheme name -> the header (lower case) that carries its credential."""
    components = spec.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
    if schemes is None:
        schemes = spec.get("securityDefinitions")  # Swagger 2.0
    if not isinstance(schemes, Mapping):
        return {}
    headers = {}
    for name, raw in schemes.items():
        try:
            scheme = openapi.resolve(spec, raw, f"security scheme {name!r}")
        except CheckError:
            continue  # a broken scheme carries no credential; the docs and fuzz checks judge the spec
        kind = scheme.get("type")
        if kind in ("http", "oauth2", "openIdConnect", "basic"):
            headers[str(name)] = "authorization"
        elif kind == "apiKey" and scheme.get("in") == "header" and isinstance(scheme.get("name"), str):
            headers[str(name)] = scheme["name"].lower()
    return headers


def header_names(spec: Mapping[str, Any], operation: openapi.Operation, available: Sequence[str]) -> list[str]:
    """The names (as in `available`) of the service headers to send with this operation."""
    by_scheme = scheme_headers(spec)
    credential_headers = set(by_scheme.values())
    plain = [h for h in available if h.lower() not in credential_headers]
    requirements = operation.spec.get("security", spec.get("security"))
    if not isinstance(requirements, list) or not requirements:
        return list(available)  # the spec says nothing about this operation's credentials
    have = {h.lower(): h for h in available}
    for alternative in requirements:
        if not isinstance(alternative, Mapping):
            continue
        needed = [by_scheme.get(str(scheme)) for scheme in alternative]
        if all(n is not None and n in have for n in needed):
            return plain + sorted({have[n] for n in needed if n is not None})
    return list(available)
