"""The [service] section of gate.toml: how to start, prepare and reach the service under test."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ModelWrapValidatorHandler, ValidationInfo, field_validator, model_validator

from gate.live.credentials import SchemeCredentials
from gate.sections import SectionModel, check_target_paths, exactly_one

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

    # Field validators, not one model validator: pydantic reports every failing field at once, so a
    # section with three mistakes gets three lines, not the first one.
    @field_validator("command")
    @classmethod
    def _command_has_port(cls, value: str | None) -> str | None:
        if value is not None and "{port}" not in value:
            raise ValueError("must contain {port}; gate picks a free port for it")
        return value

    @field_validator("url")
    @classmethod
    def _url_is_local(cls, value: str | None) -> str | None:
        if value is not None:
            parsed = urlsplit(value)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ValueError("expected an http:// or https:// URL")
            # The load test must never be pointed at somebody else's machine.
            if parsed.hostname not in LOOPBACK_HOSTS:
                raise ValueError(f"must point at this machine ({', '.join(sorted(LOOPBACK_HOSTS))})")
        return value

    @field_validator("health")
    @classmethod
    def _health_is_a_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("expected a path on the service, starting with /")
        return value

    @field_validator("openapi")
    @classmethod
    def _spec_file_in_target(cls, value: str, info: ValidationInfo) -> str:
        if not value.startswith("/"):  # not a path on the service: a file in the repository
            check_target_paths([value], info)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _command_or_url(cls, data: Any, handler: ModelWrapValidatorHandler[ServiceSettings]) -> ServiceSettings:
        return exactly_one(
            data,
            handler,
            ("command", "url"),
            "set exactly one of command (gate starts the service) or url (already running)",
        )
