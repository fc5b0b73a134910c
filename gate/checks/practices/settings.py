"""The [practices] section of gate.toml: which probes run, the rate-limit burst, JWT and CORS expectations."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from gate.sections import SectionModel

Probe = Literal["headers", "cors", "errors", "status", "pagination", "jwt", "ratelimit", "health"]
PROBES: tuple[Probe, ...] = ("headers", "cors", "errors", "status", "pagination", "jwt", "ratelimit", "health")
_OPERATION = re.compile(r"^[A-Z]+ /\S*$")
_ORIGIN = re.compile(r"^https?://[^/\s]+$")


class Settings(SectionModel):
    """Validated [practices] settings; README's practices section says what each key means."""

    disabled: list[Probe] = Field(default_factory=list)  # probes that do not run (each is a note)
    # "METHOD /path" of the spec that the burst targets; default: the spec's login/token operation.
    rate_limit_operation: str | None = None
    burst_requests: int = Field(default=120, ge=1, le=2000)
    burst_duration_s: float = Field(default=3.0, gt=0, le=60)
    # A JWT gate logs in with may live this long; longer is a finding (the policy decides its weight).
    jwt_max_lifetime_s: int = Field(default=86400, ge=1)
    # Origins the service may allow with credentials (its own front ends); any other allowed is a finding.
    allowed_origins: list[str] = Field(default_factory=list)
    request_timeout_s: float = Field(default=5.0, gt=0, le=60)
    # Every probe but the burst, together: past this the check is ERROR (a hanging service, not a result).
    budget_s: float = Field(default=60.0, gt=0, le=600)

    @field_validator("rate_limit_operation")
    @classmethod
    def _operation(cls, value: str | None) -> str | None:
        if value is not None and not _OPERATION.match(value):
            raise ValueError(f"expected 'METHOD /path' as the spec names it (e.g. 'POST /login'), got {value!r}")
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not _ORIGIN.match(origin):
                raise ValueError(f"expected an origin such as 'https://app.example.com' (no path), got {origin!r}")
        return value

    def runs(self, probe: Probe) -> bool:
        """Whether a probe is switched on."""
        return probe not in self.disabled
