"""What a check is: a module with an id, a settings model for its gate.toml section and `run()`.

A check module also declares what the runner and the reporters need to know about it, as module
attributes; `traits()` reads them with the defaults below, so a module declares only what differs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from gate.errors import CheckError
from gate.live import LiveService
from gate.model import CheckTraits, Observation
from gate.sections import SectionModel

# The attributes a check module may declare, and their defaults.
LIVE: bool = False  # needs the running service: configured when [service] is, and ctx.service is set
RUNS_ALONE: bool = False  # runs alone before the pool (after the service is ready), in CHECKS order
# Live: runs once every other live check is done, one at a time, while static checks may still run
# (its requests change the service's state for later clients, e.g. a burst that trips the rate limit).
RUNS_LAST: bool = False
TYPICAL_DURATION_S: float = 0.0  # rough; the pool gets the longest first, so it never waits at the end
SCANS_FILES: bool = False  # SARIF always gives its tools a run, so that alerts of fixed files close
SECURITY_FINDINGS: bool = False  # its findings are security alerts (SARIF: a rule security-severity)
COUNTS_IN: tuple[tuple[str, str], ...] = ()  # (metric, noun): what "0 findings" was looked for over
TOOL_URIS: Mapping[str, str] = MappingProxyType({})  # tool -> its home page (SARIF informationUri)


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may use: where the target is, where to write, how to run its commands."""

    check_id: str
    target: Path
    out_dir: Path
    work_dir: Path  # this check's artifact folder inside out_dir
    target_env: Mapping[str, str]  # environment for the target's own commands (its venv first on PATH)
    live_service: LiveService | None = None  # set by the runner for every LIVE check (read ctx.service)
    # `gate run --diff-base REF`: the git ref whose changes are measured as well (coverage: the
    # changed lines); None when the run was not asked to.
    diff_base: str | None = None

    @property
    def service(self) -> LiveService:
        """The running service; the runner gives one to every LIVE check (and runs none without it)."""
        if self.live_service is None:
            raise CheckError(f"{self.check_id} needs the running service, and gate has none")
        return self.live_service

    def artifact(self, name: str) -> Path:
        """A path for an artifact of this check, inside its work folder."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir / name

    def relative(self, path: Path) -> str:
        """An artifact path relative to the out folder, as reports show it."""
        return os.path.relpath(path, self.out_dir)


class Check(Protocol):
    """The protocol every module in gate/checks satisfies (see CHECKS in gate/checks/__init__.py).

    Optional: the attributes above (LIVE, RUNS_ALONE, ...) and `configured(raw_config) -> bool`
    (by default: [service] for a live check, the check's own section for a static one); read them
    through `traits()` and `configured()`.
    """

    # Read-only members (properties), so a module's constants and its Settings class satisfy them.
    @property
    def ID(self) -> str: ...

    @property
    def TITLE(self) -> str: ...

    @property
    def Settings(self) -> type[SectionModel]:
        """The pydantic model of the check's gate.toml section."""
        ...

    def run(self, ctx: CheckContext, settings: Any) -> Observation:
        """Measure and return an Observation; raise CheckError when no trustworthy result exists."""
        ...


@dataclass(frozen=True)
class Traits:
    """What a check module declares about itself, defaults filled in."""

    live: bool
    runs_alone: bool
    runs_last: bool
    typical_duration_s: float
    report: CheckTraits  # the part reporters need, carried on every CheckResult


def _declared(check: Check, name: str, default: object, kind: type | tuple[type, ...]) -> Any:
    """The module's attribute `name`, else the default; a wrong type is a bug in that module."""
    value = getattr(check, name, default)
    if not isinstance(value, kind) or isinstance(value, bool) is not isinstance(default, bool):
        raise TypeError(f"check {check.ID}: {name} = {value!r} is not of the type of its default {default!r}")
    return value


def traits(check: Check) -> Traits:
    """The module's declared traits, with the defaults of this module for what it leaves out."""
    return Traits(
        live=_declared(check, "LIVE", LIVE, bool),
        runs_alone=_declared(check, "RUNS_ALONE", RUNS_ALONE, bool),
        runs_last=_declared(check, "RUNS_LAST", RUNS_LAST, bool),
        typical_duration_s=float(_declared(check, "TYPICAL_DURATION_S", TYPICAL_DURATION_S, (int, float))),
        report=CheckTraits(
            scans_files=_declared(check, "SCANS_FILES", SCANS_FILES, bool),
            security_findings=_declared(check, "SECURITY_FINDINGS", SECURITY_FINDINGS, bool),
            counts_in=tuple((str(m), str(n)) for m, n in _declared(check, "COUNTS_IN", COUNTS_IN, tuple)),
            tool_uris={str(k): str(v) for k, v in _declared(check, "TOOL_URIS", TOOL_URIS, Mapping).items()},
        ),
    )


def configured(check: Check, raw_config: Mapping[str, Any]) -> bool:
    """Whether the target's gate.toml asks for this check: a live one never without [service] (the runner
    gives every live check a running service); then the module's own `configured`, else by LIVE."""
    live = traits(check).live
    if live and "service" not in raw_config:
        return False
    own = getattr(check, "configured", None)
    if callable(own):
        return bool(own(raw_config))
    return live or check.ID in raw_config
