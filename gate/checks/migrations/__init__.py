"""migrations: sqlfluff (parsing, style) and, for PostgreSQL, squawk (lock and breaking-change safety)
over the migration SQL files, or over the SQL a migration tool prints, reported on the migration files."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ModelWrapValidatorHandler, ValidationInfo, field_validator, model_validator

from gate.checks.base import CheckContext
from gate.checks.migrations import sqlfluff as migrations_sqlfluff
from gate.checks.migrations import squawk as migrations_squawk
from gate.checks.migrations.command import alembic_units, django_units, sql_from_command
from gate.checks.migrations.sources import SqlUnit, file_units, remap, runs_in_transaction
from gate.checks.migrations.sqlfluff import sqlfluff_dialects
from gate.model import Finding, Observation, Severity
from gate.sections import SectionModel, check_target_paths, exactly_one

ID = "migrations"
TITLE = "Migration lint"
SCANS_FILES = True
COUNTS_IN = (("files", "file"),)
TYPICAL_DURATION_S = 10.0
TOOL_URIS = {"sqlfluff": "https://docs.sqlfluff.com/"}

# squawk's rule names are kebab-case (prefer-robust-stmts); sqlfluff's are codes or dotted names.
_SQUAWK_RULE = re.compile(r"^[a-z]+(?:-[a-z]+)+$")


class Settings(SectionModel):
    paths: list[str] | None = Field(default=None, min_length=1)
    command: str | None = None
    # What the command prints: "sql" (one SQL script), "alembic" (`alembic upgrade head --sql`:
    # cut per revision at its `-- Running upgrade` markers), "django" (`command` is the sqlmigrate
    # prefix, e.g. "python manage.py sqlmigrate"; gate runs it once per migration file).
    command_kind: Literal["sql", "alembic", "django"] = "sql"
    revisions_dir: str | None = None  # alembic: where the revision files are (default: any versions/)
    # Whether the migration runner wraps each file in a transaction (most do: Flyway, golang-migrate's
    # multi-statement files, dbmate, Alembic, Django); squawk then knows that a table created earlier
    # in the file is new. A file with its own BEGIN;/COMMIT; is read as written.
    in_transaction: bool = True
    dialect: str = "postgres"
    # squawk: the server's version ("16", "15.4"); some rules depend on it.
    pg_version: str | None = Field(default=None, pattern=r"^\d+(\.\d+){0,2}$")
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

    @model_validator(mode="wrap")
    @classmethod
    def _paths_or_command(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        # Reported together with any field's problem: every problem at once.
        return exactly_one(
            data,
            handler,
            ("paths", "command"),
            "set exactly one of paths (SQL files) or command (prints the SQL on stdout)",
        )

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.command is None and self.command_kind != "sql":
            raise ValueError("command_kind needs command (it says what the command prints)")
        if self.revisions_dir is not None and self.command_kind != "alembic":
            raise ValueError('revisions_dir is only for command_kind = "alembic"')
        if self.command_kind == "django" and "sqlmigrate" not in (self.command or "").split():
            raise ValueError(
                'command_kind = "django" needs the sqlmigrate command, e.g. '
                '"python manage.py sqlmigrate" (gate adds each app and migration)'
            )
        squawk_rules = [r for r in self.exclude_rules if _SQUAWK_RULE.match(r)]
        if squawk_rules and self.dialect != "postgres":
            raise ValueError(f'exclude_rules {squawk_rules} are squawk rules; squawk runs only for dialect "postgres"')
        return self


def run(ctx: CheckContext, settings: Settings) -> Observation:
    """Lint the migration SQL; unparsable SQL is a high finding, never a pass."""
    artifacts: list[str] = []
    details: dict[str, Any] = {}
    if settings.command is None:
        assert settings.paths is not None  # the model requires exactly one of the two
        units = file_units(ctx.target, settings.paths, settings.in_transaction)
    else:
        units, logs, details = _command_units(ctx, settings)
        artifacts += logs
    sqlfluff_rules = [r for r in settings.exclude_rules if not _SQUAWK_RULE.match(r)]
    squawk_rules = [r for r in settings.exclude_rules if _SQUAWK_RULE.match(r)]
    result = migrations_sqlfluff.lint(
        ctx, {u.path: u.shown for u in units}, settings.dialect, sqlfluff_rules, settings.timeout_s
    )
    findings = [_generated_style(f, units) for f in result.findings]
    tools = {"sqlfluff": migrations_sqlfluff.sqlfluff_version()}
    artifacts += [ctx.relative(result.config), ctx.relative(result.report)]
    if settings.dialect == "postgres":
        inputs = [migrations_squawk.SquawkInput(u.path, u.shown, u.in_transaction) for u in units if u.judge_safety]
        found, squawk_files = migrations_squawk.lint(ctx, inputs, squawk_rules, settings.pg_version, settings.timeout_s)
        findings += _not_parse_twice(found, findings)
        tools["squawk"] = migrations_squawk.squawk_version()
        artifacts += [ctx.relative(f) for f in squawk_files]
    findings = remap(findings, units)
    # The migration files: generated SQL that no file claims (alembic's own preamble) is not one.
    files = list(dict.fromkeys(u.origin or u.shown for u in units if u.origin is None or u.origin != u.source))
    return Observation(
        metrics={"violations": len(findings), "parse_errors": result.parse_errors, "files": len(files)},
        findings=tuple(findings),
        tools=tools,
        artifacts=tuple(artifacts),
        details={
            "files": files,
            "dialect": settings.dialect,
            "excluded_rules": list(settings.exclude_rules),  # shown, so no rule is switched off unseen
            "syntax_only": list(dict.fromkeys(u.origin or u.shown for u in units if not u.judge_safety)),
            **details,
        },
    )


def _command_units(ctx: CheckContext, settings: Settings) -> tuple[list[SqlUnit], list[str], dict[str, Any]]:
    assert settings.command is not None
    if settings.command_kind == "django":
        units, log = django_units(ctx, settings.command, settings.timeout_s)
        return units, [ctx.relative(log), *(u.shown for u in units)], {}
    sql, log = sql_from_command(ctx, settings.command, settings.timeout_s)
    logs = [ctx.relative(sql), ctx.relative(log)]
    if settings.command_kind == "alembic":
        units, missing = alembic_units(ctx, sql, settings.revisions_dir)
        return units, logs, ({"revisions_without_file": missing} if missing else {})
    in_tx = runs_in_transaction(sql.read_text(encoding="utf-8").splitlines(), settings.in_transaction)
    return [SqlUnit(sql, ctx.relative(sql), in_tx)], logs, {}


def _generated_style(finding: Finding, units: list[SqlUnit]) -> Finding:
    """sqlfluff's layout and style rules on SQL a migration tool wrote are info: nobody can change it."""
    generated = any(u.shown == finding.path and u.origin is not None for u in units)
    if generated and finding.severity < Severity.HIGH:  # parse errors stay high: the database would reject it
        return dataclasses.replace(finding, severity=Severity.INFO)
    return finding


def _not_parse_twice(squawk: list[Finding], sqlfluff: list[Finding]) -> list[Finding]:
    """squawk's syntax errors where sqlfluff already reported a parse error on the line are the same finding."""
    parse_errors = {(f.path, f.line) for f in sqlfluff if f.severity >= Severity.HIGH}
    return [f for f in squawk if f.rule != migrations_squawk.SYNTAX_ERROR or (f.path, f.line) not in parse_errors]
