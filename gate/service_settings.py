"""The [service] section of gate.toml: how to start, prepare and reach the service under test."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, model_validator

from gate.checks.base import SectionModel
from gate.credentials import SchemeCredentials

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class AuthSettings(SectionModel):
    """A command whose standard output is a token, inserted into a header template."""

    command: str
    header: str = "Authorization: Bearer {token}"
    timeout_s: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _header_has_token(self) -> AuthSettings:
        if "{token}" not in self.header or ":" not in self.header:
            raise ValueError("header must look like 'Name: value with {token}'")
        return self


class ServiceSettings(SectionModel):
    """Either `command` (gate starts and stops the service) or `url` (it is already running)."""

    command: str | None = None
    url: str | None = None
    health: str = "/health"
    openapi: str = "/openapi.json"
    setup: list[str] = Field(default_factory=list)
    seed: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    auth: AuthSettings | None = None
    # Per security scheme of the spec (the name under components.securitySchemes).
    credentials: dict[str, SchemeCredentials] = Field(default_factory=dict)
    ready_timeout_s: float = Field(default=60.0, gt=0)
    setup_timeout_s: float = Field(default=300.0, gt=0)
    # After SIGTERM to the service's process group, how long to wait before SIGKILL.
    stop_grace_s: float = Field(default=5.0, ge=0)

    @model_validator(mode="after")
    def _command_or_url(self) -> ServiceSettings:
        if (self.command is None) == (self.url is None):
            raise ValueError("set exactly one of command (gate starts the service) or url (already running)")
        if self.command is not None and "{port}" not in self.command:
            raise ValueError("command must contain {port}; gate picks a free port for it")
        if self.url is not None:
            parsed = urlsplit(self.url)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ValueError("url must be an http:// or https:// URL")
            # The load test must never be pointed at somebody else's machine.
            if parsed.hostname not in LOOPBACK_HOSTS:
                raise ValueError(f"url must point at this machine ({', '.join(sorted(LOOPBACK_HOSTS))})")
        if not self.health.startswith("/"):
            raise ValueError("health must be a path on the service, starting with /")
        return self
