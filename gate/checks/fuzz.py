"""fuzz: schemathesis against the running service and its OpenAPI spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from gate.checks.base import CheckContext, SectionModel
from gate.errors import CheckError
from gate.model import Observation

ID = "fuzz"
TITLE = "API fuzzing"
LIVE = True


class Settings(SectionModel):
    seed: int = 20261124
    max_examples: int = Field(default=25, ge=1)
    max_time_s: float = Field(default=60.0, gt=0)
    timeout_s: float = Field(default=300.0, gt=0)


def configured(raw_config: Mapping[str, Any]) -> bool:
    return "service" in raw_config


def run(ctx: CheckContext, settings: Settings) -> Observation:
    raise CheckError("fuzz check not implemented yet")
