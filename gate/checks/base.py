"""What a check is: a module with an id, a settings model for its gate.toml section and `run()`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, ValidationError, ValidationInfo

from gate.model import Observation

if TYPE_CHECKING:
    from gate.credentials import Credential


class SectionModel(BaseModel):
    """Base for every gate.toml section: unknown keys are errors, so a typo cannot go unnoticed.

    Strict types: `spawn_rate = true` or `timeout_s = "60"` is a mistake to report, not a 1 or a 60.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


GLOB_CHARS = frozenset("*?[")  # a path entry holding one of these is a glob
_Model = TypeVar("_Model", bound=BaseModel)


def exactly_one(data: Any, handler: ModelWrapValidatorHandler[_Model], keys: tuple[str, str], message: str) -> _Model:
    """Validate with `handler` and require exactly one of `keys`; for a `mode="wrap"` model validator.

    An "after" validator runs only when every field is valid, so its problem would be reported only
    once the others are fixed; this one adds it to theirs: every problem at once.
    """
    wrong = isinstance(data, Mapping) and (keys[0] in data) == (keys[1] in data)
    try:
        model = handler(data)
    except ValidationError as exc:
        if not wrong:
            raise
        problem = {"type": "value_error", "loc": (), "input": data, "ctx": {"error": ValueError(message)}}
        raise ValidationError.from_exception_data(exc.title, [*exc.errors(), problem]) from None  # type: ignore[list-item]
    if wrong:
        raise ValueError(message)
    return model


def check_target_paths(entries: Sequence[str], info: ValidationInfo) -> None:
    """Raise ValueError (one line per entry) unless each entry names something inside the target.

    Needs the target in the validation context (config.load_config gives it); without one (a check's
    unit test) there is nothing to check against and the check's run() still checks at run time.
    A glob must match at least one file.
    """
    target = (info.context or {}).get("target")
    if not isinstance(target, Path):
        return
    root = target.resolve()
    problems = []
    for entry in entries:
        if PurePath(entry).is_absolute() or ".." in PurePath(entry).parts:
            problems.append(f"{entry!r} lies outside the target; expected a path relative to {root}")
        elif GLOB_CHARS & set(entry):
            if not any(p.is_file() for p in root.glob(entry)):
                problems.append(f"{entry!r} matches no file in {root}")
        elif not inside(root, (root / entry).resolve()):
            problems.append(f"{entry!r} lies outside the target {root} (through a symlink)")
        elif not (root / entry).exists():
            problems.append(f"{entry!r} does not exist in {root}")
    if problems:
        raise ValueError("\n".join(problems))


def inside(root: Path, path: Path) -> bool:
    """Whether `path` is `root` or lies below it (both resolved or both as given)."""
    return path == root or root in path.parents


@dataclass(frozen=True)
class LiveService:
    """The running service under test, as the live checks see it."""

    base_url: str
    headers: Mapping[str, str]
    spec: Mapping[str, Any]
    spec_file: Path  # the fetched spec, saved as an artifact; tools read it from here
    spec_source: str = ""  # the spec's file in the target ([service] openapi) when not fetched from the service
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
