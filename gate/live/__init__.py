"""The service under test: settings, lifecycle, preparation (setup/seed/auth), HTTP, the OpenAPI spec.

`LiveService` is what every live check sees of the running service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gate.live.credentials import Credential


@dataclass(frozen=True)
class LiveService:
    """The running service under test, as the live checks see it."""

    base_url: str
    headers: Mapping[str, str]
    spec: Mapping[str, Any]
    spec_file: Path  # the fetched spec, saved as an artifact; tools read it from here
    spec_source: str = ""  # the spec's file in the target ([service] openapi) when not fetched from the service
    health: str = "/health"  # [service] health: the path gate polled until the service was ready
    secrets: tuple[str, ...] = ()  # values to redact from every report
    # The service's log lines that arrived between two times (epoch seconds); None when gate did not
    # start the service (url mode) and so has no log.
    log_lines: Callable[[float, float], list[str]] | None = None
    # Per security scheme ([service.credentials]) and the renewable [service].auth header, with the
    # environment their commands ran in (to re-run them when the service starts refusing a token).
    credentials: Mapping[str, Credential] = field(default_factory=dict, repr=False)
    auth: Credential | None = field(default=None, repr=False)
    command_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Tells gate of secrets a check learnt during its run (a token the fuzz hooks renewed), for the
    # masking of every artifact and of the report; None outside a gate run.
    learn_secrets: Callable[[Sequence[str]], None] | None = field(default=None, repr=False)
    # Where the spec's paths live: base_url plus the spec's relative server prefix or Swagger basePath
    # (gate.live.openapi.api_base_url, computed once in lifecycle). Every request a live check makes
    # to an operation of the spec goes to api_url + the spec's path; empty means base_url.
    api_url: str = ""

    def __post_init__(self) -> None:
        if not self.api_url:
            object.__setattr__(self, "api_url", self.base_url)
