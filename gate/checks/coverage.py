"""coverage: the service's own tests under coverage.py, or an existing coverage result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, model_validator

from gate.checks.base import CheckContext, SectionModel
from gate.errors import CheckError
from gate.model import Observation

ID = "coverage"
TITLE = "Test coverage"
LIVE = False


class Settings(SectionModel):
    command: str | None = None
    report: str | None = None
    timeout_s: float = Field(default=900.0, gt=0)

    @model_validator(mode="after")
    def _command_or_report(self) -> Settings:
        if (self.command is None) == (self.report is None):
            raise ValueError("set exactly one of command (run the tests) or report (an existing result)")
        return self


def configured(raw_config: Mapping[str, Any]) -> bool:
    return ID in raw_config


def run(ctx: CheckContext, settings: Settings) -> Observation:
    raise CheckError("coverage check not implemented yet")
