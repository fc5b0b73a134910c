"""Reads the target's gate.toml (or [tool.gate] in pyproject.toml) into validated settings."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from gate.checks import CHECKS
from gate.errors import UsageError
from gate.live.settings import ServiceSettings
from gate.model import Waiver

CONFIG_FILE = "gate.toml"
TOP_LEVEL_KEYS = {"policy", "venv", "service", "thresholds", "waivers"} | set(CHECKS)
WAIVER_KEYS = {"check", "rule", "path", "reason", "expires"}


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

    for key in sorted(set(raw) - TOP_LEVEL_KEYS):
        problems.append(f"{where(key)}: unknown key (expected one of: {', '.join(sorted(TOP_LEVEL_KEYS))})")

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
        if check_id not in raw and not check.configured(raw):
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
        problems.extend(describe_validation_error(exc, where))
        return None


def describe_validation_error(exc: ValidationError, where: str) -> list[str]:
    """One line per pydantic error: file: key: what was expected."""
    lines: list[str] = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        message = message.removeprefix("Value error, ")
        # A validator that found several problems says so one per line: one output line each.
        lines.extend(f"{where}{'.' + key if key else ''}: {part}" for part in message.splitlines())
    return lines


def _waivers(data: Any, where: str, problems: list[str]) -> tuple[Waiver, ...]:
    if not isinstance(data, list):
        problems.append(f"{where}: expected an array of tables [[waivers]]")
        return ()
    waivers = []
    for index, entry in enumerate(data):
        here = f"{where}[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{here}: expected a table with check, rule, reason and expires")
            continue
        for key in sorted(set(entry) - WAIVER_KEYS):
            problems.append(f"{here}.{key}: unknown key (expected one of: {', '.join(sorted(WAIVER_KEYS))})")
        for key in ("check", "rule", "reason"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                problems.append(f"{here}.{key}: required, expected a non-empty string")
        if entry.get("check") not in (None, *CHECKS) and isinstance(entry.get("check"), str):
            problems.append(f"{here}.check: unknown check {entry['check']!r} (expected one of: {', '.join(CHECKS)})")
        path = entry.get("path")
        if path is not None and not isinstance(path, str):
            problems.append(f"{here}.path: expected a glob string")
        expires = _parse_date(entry.get("expires"))
        if "expires" not in entry:
            problems.append(f"{here}.expires: required, expected a date such as 2026-12-31")
        elif expires is None:
            problems.append(f"{here}.expires: expected a date such as 2026-12-31, found {entry['expires']!r}")
        if all(isinstance(entry.get(k), str) for k in ("check", "rule", "reason")) and expires:
            waivers.append(Waiver(entry["check"], entry["rule"], entry["reason"], expires, path))
    return tuple(waivers)


def _parse_date(value: Any) -> dt.date | None:
    # TOML has a date type (expires = 2026-12-31); a quoted ISO string is accepted too.
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None
