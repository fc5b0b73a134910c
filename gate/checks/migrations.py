"""migrations: sqlfluff over the migration SQL files, or over the SQL a migration tool prints."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gate.checks.base import CheckContext, SectionModel, check_target_paths
from gate.checks.migrations_sqlfluff import lint, sqlfluff_dialects, sqlfluff_version
from gate.checks.target_command import run_target_command
from gate.errors import CheckError
from gate.model import Observation

ID = "migrations"
TITLE = "Migration lint"
LIVE = False

SQL_ARTIFACT = "migrations.sql"
_GLOB_CHARS = frozenset("*?[")


class Settings(SectionModel):
    paths: list[str] | None = Field(default=None, min_length=1)
    command: str | None = None
    dialect: str = "postgres"
    exclude_rules: list[str] = Field(default_factory=list)
    timeout_s: float = Field(default=300.0, gt=0)

    @field_validator("paths")
    @classmethod
    def _paths_in_target(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if any(Path(p).is_absolute() for p in value or ()):
            raise ValueError("must be relative to the target")
        check_target_paths(value or (), info)
        return value

    @field_validator("dialect")
    @classmethod
    def _known_dialect(cls, value: str) -> str:
        known = sqlfluff_dialects()
        if known is not None and value not in known:
            raise ValueError(f"unknown sqlfluff dialect {value!r} (expected one of: {', '.join(sorted(known))})")
        return value

    @model_validator(mode="after")
    def _paths_or_command(self) -> Settings:
        if (self.paths is None) == (self.command is None):
            raise ValueError("set exactly one of paths (SQL files) or command (prints the SQL on stdout)")
        return self


def configured(raw_config: Mapping[str, Any]) -> bool:
    return ID in raw_config


def run(ctx: CheckContext, settings: Settings) -> Observation:
    """Lint the migration SQL; unparsable SQL is a high finding, never a pass."""
    artifacts: tuple[str, ...] = ()
    if settings.command is not None:
        sql, log = _sql_from_command(ctx, settings.command, settings.timeout_s)
        artifacts = (ctx.relative(sql), ctx.relative(log))
        files = {sql: ctx.relative(sql)}
    else:
        assert settings.paths is not None  # the model requires exactly one of the two
        files = sql_files(ctx.target, settings.paths)
    result = lint(ctx, files, settings.dialect, settings.exclude_rules, settings.timeout_s)
    return Observation(
        metrics={"violations": len(result.findings), "parse_errors": result.parse_errors,
                 "files": len(files)},
        findings=result.findings,
        tools={"sqlfluff": sqlfluff_version()},
        artifacts=(*artifacts, ctx.relative(result.config), ctx.relative(result.report)),
        details={"files": list(files.values()), "dialect": settings.dialect,
                 "excluded_rules": list(settings.exclude_rules)},  # shown, so no rule is switched off unseen
    )


def sql_files(target: Path, paths: list[str]) -> dict[Path, str]:
    """The files `paths` name (directories: every *.sql below, sorted), as path -> path relative to target."""
    found: list[Path] = []
    for entry in paths:
        if _GLOB_CHARS & set(entry):
            matches = sorted(p for p in target.glob(entry) if p.is_file())
            if not matches:
                raise CheckError(f"migrations: no file matches {entry!r} in {target}")
            found.extend(matches)
            continue
        path = target / entry
        if path.is_dir():
            matches = sorted(p for p in path.rglob("*.sql") if p.is_file())
            if not matches:
                raise CheckError(f"migrations: no .sql files under {entry!r} in {target}; nothing to lint")
            found.extend(matches)
        elif path.is_file():
            found.append(path)
        else:
            raise CheckError(f"migrations: path {entry!r} not found in {target}")
    unique = dict.fromkeys(p.resolve() for p in found)  # the same file named twice is linted once
    if not unique:
        raise CheckError("migrations: paths is empty; nothing to lint")
    return {path: os.path.relpath(path, target.resolve()) for path in unique}


def _sql_from_command(ctx: CheckContext, command: str, timeout: float) -> tuple[Path, Path]:
    done, log = run_target_command(ctx, command, timeout=timeout, log_name="migrations-command.log")
    sql = ctx.artifact(SQL_ARTIFACT)
    sql.write_text(done.stdout, encoding="utf-8")
    if not done.stdout.strip():
        raise CheckError(f"migrations command printed no SQL on stdout: {command}", done.tail(),
                         (ctx.relative(log),))
    return sql, log
