"""The base of every gate.toml section model and the validators sections share (paths, exactly one of)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, ValidationError, ValidationInfo


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
