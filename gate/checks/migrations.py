"""migrations: sqlfluff over the migration SQL files, or over the SQL a migration tool prints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, model_validator

from gate.checks.base import CheckContext, SectionModel
from gate.errors import CheckError
from gate.model import Observation

ID = "migrations"
TITLE = "Migration lint"
LIVE = False


class Settings(SectionModel):
    paths: list[str] | None = None
    command: str | None = None
    dialect: str = "postgres"
    exclude_rules: list[str] = Field(default_factory=list)
    timeout_s: float = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _paths_or_command(self) -> Settings:
        if (self.paths is None) == (self.command is None):
            raise ValueError("set exactly one of paths (SQL files) or command (prints the SQL on stdout)")
        return self


def configured(raw_config: Mapping[str, Any]) -> bool:
    return ID in raw_config


def run(ctx: CheckContext, settings: Settings) -> Observation:
    raise CheckError("migrations check not implemented yet")
