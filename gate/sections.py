"""The base of every gate.toml section model and the validators sections share (paths, exactly one of)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

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


# pydantic's words for a wrong kind of value, in TOML's: "table", not "dictionary or instance of Model".
_TOML_WORDS = {
    "model_type": "expected a table",
    "dict_type": "expected a table",
    "list_type": "expected an array",
    "missing": "required",
}


def describe_validation_error(exc: ValidationError, where: str, schema: Any = None) -> list[str]:
    """One line per pydantic error: file: key: what was expected (list items as key[0]).

    `where` is "file: table" for a table of a file, or "file: " for a whole file. With the `schema`
    validated against (a model class or a type such as list[Model]), an unknown key's line lists
    the keys its table may have.
    """
    lines: list[str] = []
    for error in exc.errors():
        key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
        if where.endswith(" "):  # a whole file ("path: "), so its keys start the line
            key = key.removeprefix(".")
        message = _TOML_WORDS.get(error["type"], error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            known = _keys_at(schema, error["loc"][:-1])
            message = f"unknown key (expected one of: {', '.join(known)})" if known else "unknown key"
        # A validator that found several problems says so one per line: one output line each.
        lines.extend(f"{where}{key}: {part}" for part in message.splitlines())
    return lines


def _keys_at(schema: Any, loc: tuple[int | str, ...]) -> list[str]:
    """The keys the table at `loc` in `schema` may have; [] where the walk cannot tell."""
    kind = _model_in(schema)
    for part in loc:
        if isinstance(kind, type) and issubclass(kind, BaseModel) and isinstance(part, str):
            field = kind.model_fields.get(part)
            kind = _model_in(field.annotation) if field is not None else None
        elif get_origin(kind) is list and isinstance(part, int):
            kind = _model_in(get_args(kind)[0])
        elif get_origin(kind) is dict and isinstance(part, str):
            kind = _model_in(get_args(kind)[1])
        else:
            return []
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return sorted(kind.model_fields)
    return []


def _model_in(kind: Any) -> Any:
    """`kind` without Annotated[...] and without None in a union (`Model | None` -> Model)."""
    while get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    if get_origin(kind) in (Union, UnionType):
        members = [member for member in get_args(kind) if member is not type(None)]
        kind = _model_in(members[0]) if len(members) == 1 else None
    return kind
