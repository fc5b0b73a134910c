"""Reads the target's gate.toml (or [tool.gate] in pyproject.toml) into validated settings."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, PlainValidator, TypeAdapter, ValidationError

from gate.checks import CHECKS
from gate.checks.base import configured
from gate.errors import UsageError
from gate.live.settings import ServiceSettings
from gate.model import Waiver
from gate.sections import SectionModel, describe_validation_error

CONFIG_FILE = "gate.toml"
GATE_KEYS = {"policy", "venv", "service", "thresholds", "waivers"}  # and one section per check in CHECKS


@dataclass(frozen=True)
class GateConfig:
    """The target's configuration, validated."""

    target: Path
    source: str  # the file (and table) it came from, for messages
    policy: str
    venv: str | None
    raw: Mapping[str, Any]
    sections: Mapping[str, BaseModel]  # check id -> its validated settings
    service: ServiceSettings | None
    thresholds: Mapping[str, Mapping[str, Any]]
    waivers: tuple[Waiver, ...]


def load_config(target: Path) -> GateConfig:
    """Find and validate the target's configuration; raise UsageError listing every problem."""
    if not target.is_dir():
        raise UsageError([f"{target}: target is not a directory"])
    raw, source, prefix = _read_raw(target)
    problems: list[str] = []

    def where(key: str) -> str:
        return f"{source}: {prefix}{key}"

    top_level_keys = GATE_KEYS | set(CHECKS)
    for key in sorted(set(raw) - top_level_keys):
        problems.append(f"{where(key)}: unknown key (expected one of: {', '.join(sorted(top_level_keys))})")

    policy = raw.get("policy", "default")
    if not isinstance(policy, str) or not policy:
        problems.append(f"{where('policy')}: expected a policy name or a path to a policy file")
        policy = "default"
    venv = raw.get("venv")
    if venv is not None and not isinstance(venv, str):
        problems.append(f"{where('venv')}: expected a path to the target's virtualenv")
        venv = None
    elif venv is not None and not (target / venv / "bin" / "python").exists():
        # Silently falling back to PATH would run the target's commands with some other interpreter.
        problems.append(f"{where('venv')}: {target / venv} has no bin/python; expected the target's virtualenv")

    sections: dict[str, BaseModel] = {}
    for check_id, check in CHECKS.items():
        if check_id not in raw and not configured(check, raw):
            continue  # not asked for; the plan skips it (a usage error if the policy requires it)
        model = _validate(check.Settings, raw.get(check_id, {}), where(check_id), problems, target)
        if model is not None:
            sections[check_id] = model

    service = None
    if "service" in raw:
        service = _validate(ServiceSettings, raw["service"], where("service"), problems, target)

    thresholds = raw.get("thresholds", {})
    if not isinstance(thresholds, dict) or not all(isinstance(v, dict) for v in thresholds.values()):
        problems.append(f"{where('thresholds')}: expected tables [thresholds.<check>] of metric = value")
        thresholds = {}
    waivers = _waivers(raw.get("waivers", []), where("waivers"), problems)

    if problems:
        raise UsageError(problems)
    return GateConfig(
        target=target.resolve(),
        source=source,
        policy=policy,
        venv=venv,
        raw=raw,
        sections=sections,
        service=service,
        thresholds=thresholds,
        waivers=waivers,
    )


def _read_raw(target: Path) -> tuple[dict[str, Any], str, str]:
    gate_toml = target / CONFIG_FILE
    if _present(gate_toml):
        return _parse_toml(gate_toml), str(gate_toml), ""
    pyproject = target / "pyproject.toml"
    if _present(pyproject):
        data = _parse_toml(pyproject)
        tool = data.get("tool", {})
        if isinstance(tool, dict) and isinstance(tool.get("gate"), dict):
            return tool["gate"], str(pyproject), "tool.gate."
    raise UsageError([f"{target}: no {CONFIG_FILE} and no [tool.gate] table in pyproject.toml"])


def _present(path: Path) -> bool:
    """Whether `path` is meant to be read: a file, or something in its place that cannot be (a directory,
    a symlink loop or a dangling link), which must be named rather than silently passed over."""
    if path.is_file():
        return True
    if not (path.is_symlink() or path.exists()):
        return False
    try:
        path.stat()
    except OSError as exc:
        raise UsageError([f"{path}: cannot read: {exc.strerror} (expected a TOML file)"]) from None
    raise UsageError([f"{path}: is a directory or other non-file; expected a TOML file"])


def _parse_toml(path: Path) -> dict[str, Any]:
    try:
        # utf-8-sig: editors on Windows save a byte-order mark, which tomllib would call an invalid statement.
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError([f"{path}: not valid TOML: {exc}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError([f"{path}: cannot read: {exc}"]) from None


def _validate(model: type[BaseModel], data: Any, where: str, problems: list[str], target: Path) -> Any:
    if not isinstance(data, dict):
        problems.append(f"{where}: expected a table")
        return None
    try:
        # The context lets path settings check, before anything runs, that they exist inside the target.
        return model.model_validate(data, context={"target": target})
    except ValidationError as exc:
        problems.extend(describe_validation_error(exc, where, model))
        return None


def _waivers(data: Any, where: str, problems: list[str]) -> tuple[Waiver, ...]:
    if not isinstance(data, list):
        problems.append(f"{where}: expected an array of tables [[waivers]]")
        return ()
    try:
        tables = _WAIVERS.validate_python(data)
    except ValidationError as exc:
        problems.extend(describe_validation_error(exc, where, list[WaiverTable]))
        return ()
    return tuple(Waiver(t.check, t.rule, t.reason, t.expires, t.path) for t in tables)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("required, expected a non-empty string")
    return value


def _check_id(value: Any) -> str:
    if _text(value) not in CHECKS:
        raise ValueError(f"unknown check {value!r} (expected one of: {', '.join(CHECKS)})")
    return str(value)


def _glob(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a glob string")
    return value


def _date(value: Any) -> dt.date:
    # TOML has a date type (expires = 2026-12-31); a quoted ISO string is accepted too.
    if value is None:
        raise ValueError("required, expected a date such as 2026-12-31")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date such as 2026-12-31, found {value!r}")


def _required() -> Any:
    """A field a validator sees even when the key is missing, so it can say what was expected."""
    return Field(default=None, validate_default=True)


class WaiverTable(SectionModel):
    """One [[waivers]] entry of gate.toml."""

    check: Annotated[str, PlainValidator(_check_id)] = _required()
    rule: Annotated[str, PlainValidator(_text)] = _required()
    reason: Annotated[str, PlainValidator(_text)] = _required()
    path: Annotated[str, PlainValidator(_glob)] | None = None  # a glob on the finding's path or operation
    expires: Annotated[dt.date, PlainValidator(_date)] = _required()


_WAIVERS = TypeAdapter(list[WaiverTable])
