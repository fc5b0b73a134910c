"""The service's OpenAPI document: fetched from the service or read from the repository, checked, saved."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from gate import localhttp
from gate.errors import CheckError

FETCH_TIMEOUT_S = 30.0


def load_spec(location: str, base_url: str, target: Path, headers: Mapping[str, str],
              save_to: Path) -> dict[str, Any]:
    """The spec at `location` (a path on the service if it starts with '/', else a file in the target),
    validated and saved as JSON to `save_to`; raises CheckError when it is missing or not a spec."""
    if location.startswith("/"):
        url = base_url + location
        answer = localhttp.get(url, headers, FETCH_TIMEOUT_S)
        if not answer.ok:
            raise CheckError(f"cannot fetch the OpenAPI spec from {url}: {answer.describe()}",
                             answer.body.decode("utf-8", errors="replace")[-2000:])
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


def spec_problem(data: Any) -> str | None:
    """Why `data` is not an OpenAPI 3.x / Swagger 2.0 document, or None when it is one."""
    if not isinstance(data, dict):
        return f"expected a mapping at the top, got {type(data).__name__}"
    openapi, swagger = data.get("openapi"), data.get("swagger")
    if openapi is None and swagger is None:
        return "no 'openapi' or 'swagger' version field"
    if openapi is not None and not str(openapi).startswith("3."):
        return f"unsupported openapi version {openapi!r} (expected 3.x)"
    if openapi is None and str(swagger) != "2.0":
        return f"unsupported swagger version {swagger!r} (expected 2.0)"
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
