"""load: locust, headless, against the running service; percentiles from exact response times."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from gate.checks.base import CheckContext, SectionModel
from gate.errors import CheckError
from gate.model import Observation

ID = "load"
TITLE = "Load test"
LIVE = True


class Settings(SectionModel):
    locustfile: str | None = None
    users: int = Field(default=10, ge=1, le=1000)
    spawn_rate: float = Field(default=10.0, gt=0)
    duration_s: float = Field(default=15.0, gt=0, le=3600)
    warmup_s: float = Field(default=3.0, ge=0)
    timeout_s: float = Field(default=300.0, gt=0)


def configured(raw_config: Mapping[str, Any]) -> bool:
    return "service" in raw_config


def run(ctx: CheckContext, settings: Settings) -> Observation:
    raise CheckError("load check not implemented yet")
