"""What a check is: a module with an id, a settings model for its gate.toml section and `run()`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from gate.live import LiveService
from gate.model import Observation
from gate.sections import SectionModel


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may use: where the target is, where to write, how to run its commands."""

    check_id: str
    target: Path
    out_dir: Path
    work_dir: Path  # this check's artifact folder inside out_dir
    target_env: Mapping[str, str]  # environment for the target's own commands (its venv first on PATH)
    service: LiveService | None = None

    def artifact(self, name: str) -> Path:
        """A path for an artifact of this check, inside its work folder."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir / name

    def relative(self, path: Path) -> str:
        """An artifact path relative to the out folder, as reports show it."""
        return os.path.relpath(path, self.out_dir)


class Check(Protocol):
    """The protocol every module in gate/checks satisfies (see CHECKS in gate/checks/__init__.py)."""

    # Read-only members (properties), so a module's constants and its Settings class satisfy them.
    @property
    def ID(self) -> str: ...

    @property
    def TITLE(self) -> str: ...

    @property
    def LIVE(self) -> bool:
        """Whether the check needs the running service (fuzz, load, docs)."""
        ...

    @property
    def Settings(self) -> type[SectionModel]:
        """The pydantic model of the check's gate.toml section."""
        ...

    def configured(self, raw_config: Mapping[str, Any]) -> bool:
        """Whether the target's gate.toml asks for this check."""
        ...

    def run(self, ctx: CheckContext, settings: Any) -> Observation:
        """Measure and return an Observation; raise CheckError when no trustworthy result exists."""
        ...
