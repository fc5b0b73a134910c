"""Credentials per security scheme: the `[service.credentials.<scheme>]` model, and which credentials
each operation of the spec gets (its `security`, else the spec's global `security`).

Used by the fuzz check (through schemathesis's auth hooks) and meant for the load check's
per-operation credentials, so it knows nothing of schemathesis. Pure: values are resolved elsewhere
(gate/live/prepare.py runs commands and reads the environment).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from gate.errors import CheckError
from gate.live import openapi
from gate.live.openapi import METHODS_3_2


class SectionModel(BaseModel):
    """As gate.sections.SectionModel (unknown keys are errors); not imported from there because
    gate.checks imports this module."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EnvRef(SectionModel):
    """A value read from gate's environment when the run starts: `{ env = "NAME" }`."""

    env: str = Field(min_length=1)


def _secret(value: Any) -> Any:
    # One clear message instead of pydantic's one per union member ("...str: ...", "...EnvRef: ...").
    if isinstance(value, str | EnvRef):
        return value
    if isinstance(value, dict):
        if set(value) != {"env"} or not isinstance(value["env"], str) or not value["env"]:
            raise ValueError('expected { env = "NAME" } naming an environment variable')
        return EnvRef(env=value["env"])
    raise ValueError('expected a string or { env = "NAME" }')


Secret = Annotated[str | EnvRef, BeforeValidator(_secret)]


class SchemeCredentials(SectionModel):
    """What gate sends for one security scheme of the spec: Basic user/password, a token or key, or a
    command that prints one (re-run when the service starts refusing it)."""

    user: Secret | None = None
    password: Secret | None = None
    token: Secret | None = None
    key: Secret | None = None
    command: str | None = None
    timeout_s: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _one_kind(self) -> SchemeCredentials:
        if (self.user is None) != (self.password is None):
            raise ValueError("HTTP Basic needs both user and password")
        given = [k for k in ("user", "token", "key", "command") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of: user + password (HTTP Basic), token (bearer), key (API key), "
                "command (prints a token or key)"
            )
        return self

    @property
    def kind(self) -> str:
        """basic, token, key or command."""
        return (
            "basic"
            if self.user is not None
            else "token"
            if self.token is not None
            else ("key" if self.key is not None else "command")
        )


@dataclass(frozen=True)
class Scheme:
    """A security scheme as the spec declares it, reduced to where its credential goes."""

    name: str
    type: str  # http-basic, http-bearer, http-<other>, apiKey, oauth2, openIdConnect, mutualTLS
    location: str  # header, query or cookie ("" when gate cannot send it: oauth2 flows, mTLS)
    param: str  # the header, query parameter or cookie name
    prefix: str  # before the token in the value: "Bearer ", "Basic ", ""

    def describe(self) -> str:
        """'bearerAuth (HTTP bearer)', 'apiKeyHeader (API key in header X-API-Key)'."""
        if self.type.startswith("http-"):
            return f"{self.name} (HTTP {self.type[5:]})"
        if self.type == "apiKey":
            return f"{self.name} (API key in {self.location} {self.param})"
        return f"{self.name} ({self.type})"


@dataclass(frozen=True)
class Credential:
    """A resolved credential for one scheme: where it goes and its current secret."""

    scheme: str
    location: str
    param: str
    template: str  # the value with "{token}" where the secret goes
    secret: str = field(repr=False)
    command: str | None = None  # re-run to renew the secret
    timeout_s: float = 60.0

    @property
    def value(self) -> str:
        return self.template.replace("{token}", self.secret)


@dataclass(frozen=True)
class Placement:
    """The credentials one request carries, by location; `schemes` names what they satisfy."""

    schemes: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)


def schemes(spec: Mapping[str, Any]) -> dict[str, Scheme]:
    """The spec's security schemes (OpenAPI 3 components.securitySchemes, Swagger 2 securityDefinitions)."""
    raw = (
        spec.get("securityDefinitions") if "swagger" in spec else (spec.get("components") or {}).get("securitySchemes")
    )
    found = {}
    for name, definition in (raw or {}).items():
        try:
            resolved = openapi.resolve(spec, definition, f"security scheme {name!r}")
        except CheckError:
            continue  # a broken scheme carries no credential; the docs and fuzz checks judge the spec
        found[str(name)] = _scheme(str(name), resolved)
    return found


def _scheme(name: str, d: Mapping[str, Any]) -> Scheme:
    kind = str(d.get("type", ""))
    if kind == "basic":  # Swagger 2.0
        return Scheme(name, "http-basic", "header", "Authorization", "Basic ")
    if kind == "http":
        http = str(d.get("scheme", "")).lower()
        prefix = {"basic": "Basic ", "bearer": "Bearer "}.get(http, f"{d.get('scheme', '')} ")
        return Scheme(name, f"http-{http}", "header", "Authorization", prefix)
    if kind == "apiKey":
        return Scheme(name, "apiKey", str(d.get("in", "")), str(d.get("name", "")), "")
    if kind in ("oauth2", "openIdConnect"):
        # A token from an OAuth2 or OpenID Connect flow travels as a bearer token; gate takes it from a
        # token or command.
        return Scheme(name, kind, "header", "Authorization", "Bearer ")
    return Scheme(name, kind, "", "", "")


def operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(METHOD, path, operation) for every operation of the spec, in document order."""
    for path, item in (spec.get("paths") or {}).items():
        if isinstance(item, dict):
            for method, operation in item.items():
                if method in METHODS_3_2 and isinstance(operation, dict):
                    yield method.upper(), str(path), operation


def requirements(spec: Mapping[str, Any], method: str, path: str) -> list[dict[str, Any]]:
    """The operation's security requirements (alternatives; each names schemes that all apply).
    Its own `security` wins over the spec's global one; `[]` or `[{}]` means no credential is needed."""
    operation = ((spec.get("paths") or {}).get(path) or {}).get(method.lower())
    if not isinstance(operation, dict):
        raise KeyError(f"{method.upper()} {path}")
    security = operation["security"] if "security" in operation else spec.get("security", [])
    return [r for r in security or [] if isinstance(r, dict)]


def describe_security(spec: Mapping[str, Any], label: str) -> str | None:
    """What the spec documents for the operation 'METHOD /path' (as schemathesis labels it):
    'basicAuth (HTTP basic)', 'bearerAuth (HTTP bearer) or apiKeyHeader (API key in header X-API-Key)',
    'no credentials' for a public operation; None when the spec has no such operation."""
    method, _, path = label.partition(" ")
    try:
        alternatives = requirements(spec, method, path)
    except KeyError:
        return None
    if not alternatives:
        return "no credentials"
    known = schemes(spec)
    return " or ".join(
        " and ".join(known[n].describe() if n in known else f"{n} (undeclared scheme)" for n in r)
        if r
        else "no credentials"
        for r in alternatives
    )


def placement(
    spec: Mapping[str, Any], method: str, path: str, credentials: Mapping[str, Credential]
) -> Placement | None:
    """The credentials for one operation: the first of its security alternatives that gate holds a
    credential for every scheme of; an empty Placement for a public operation; None when gate holds
    nothing the operation accepts."""
    alternatives = requirements(spec, method, path)
    if not alternatives:
        return Placement()
    for requirement in alternatives:
        if requirement and all(name in credentials for name in requirement):
            return place([credentials[name] for name in requirement])
    return Placement() if {} in alternatives else None


def place(credentials: list[Credential]) -> Placement:
    """Put credentials where their schemes say."""
    where: dict[str, dict[str, str]] = {"header": {}, "query": {}, "cookie": {}}
    for credential in credentials:
        where[credential.location][credential.param] = credential.value
    return Placement(tuple(c.scheme for c in credentials), where["header"], where["query"], where["cookie"])


def binding_problems(configured: Mapping[str, SchemeCredentials], spec: Mapping[str, Any]) -> list[str]:
    """Why configured credentials do not fit the spec's schemes (unknown name, wrong kind); [] if they do."""
    known = schemes(spec)
    problems = []
    for name, given in configured.items():
        scheme = known.get(name)
        where = f"[service.credentials.{name}]"
        if scheme is None:
            declared = ", ".join(sorted(known)) or "none"
            problems.append(f"{where}: the spec declares no security scheme {name!r} (it declares: {declared})")
        elif not scheme.location:
            problems.append(f"{where}: gate cannot send credentials for {scheme.describe()}")
        elif scheme.type == "http-basic" and given.kind != "basic":
            problems.append(f"{where}: {scheme.describe()} needs user and password")
        elif scheme.type != "http-basic" and given.kind == "basic":
            problems.append(f"{where}: {scheme.describe()} takes a token, key or command, not user/password")
    return problems


def basic_secret(user: str, password: str) -> str:
    """The base64 part of an HTTP Basic Authorization header."""
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
