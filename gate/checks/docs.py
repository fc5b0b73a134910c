"""docs: judges the OpenAPI document itself: summaries, responses, schemas, parameter descriptions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gate.checks.base import CheckContext, SectionModel
from gate.errors import CheckError
from gate.model import Observation

ID = "docs"
TITLE = "API documentation"
LIVE = True


class Settings(SectionModel):
    pass


def configured(raw_config: Mapping[str, Any]) -> bool:
    return "service" in raw_config


def run(ctx: CheckContext, settings: Settings) -> Observation:
    raise CheckError("docs check not implemented yet")
