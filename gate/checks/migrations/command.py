"""SQL printed by a migration tool (Alembic offline mode, Django sqlmigrate), cut per migration file."""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

from gate.checks.base import CheckContext
from gate.checks.migrations.sources import SqlUnit, line_of, python_files, transaction_segments, transactions_open
from gate.checks.target_command import run_target_command
from gate.errors import CheckError

SQL_ARTIFACT = "migrations.sql"
LOG_ARTIFACT = "migrations-command.log"
# alembic writes `-- Running upgrade <from> -> <to>` before each revision's SQL (`<from>` is empty for
# the first one, a comma list at a merge point); `downgrade --sql` writes `-- Running downgrade`.
_MARKER = re.compile(r"^-- Running (upgrade|downgrade) (.*?)\s*->\s*(.*?)\s*$")
_REVISION = re.compile(r"""^revision\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]""", re.MULTILINE)
_FUNCTION = {"upgrade": re.compile(r"^def upgrade\("), "downgrade": re.compile(r"^def downgrade\(")}
_DJANGO_MIGRATION = re.compile(r"^\d{4}_\w+\.py$")
_DJANGO_CLASS = re.compile(r"^class Migration\(")


def sql_from_command(ctx: CheckContext, command: str, timeout: float) -> tuple[Path, Path]:
    """Run the command; its stdout (the SQL) goes to migrations.sql, everything to the log."""
    done, log = run_target_command(ctx, command, timeout=timeout, log_name=LOG_ARTIFACT)
    sql = ctx.artifact(SQL_ARTIFACT)
    sql.write_text(done.stdout, encoding="utf-8")
    if not done.stdout.strip():
        raise CheckError(f"migrations command printed no SQL on stdout: {command}", done.tail(), (ctx.relative(log),))
    return sql, log


def alembic_units(ctx: CheckContext, sql: Path, revisions_dir: str | None) -> tuple[list[SqlUnit], list[str]]:
    """One unit per `-- Running upgrade` marker, mapped to its revision file; and revisions not found."""
    lines = sql.read_text(encoding="utf-8").splitlines()
    markers = [(n, m.group(1), _revision_of(m)) for n, line in enumerate(lines) if (m := _MARKER.match(line))]
    if not markers:
        raise CheckError(
            "migrations: command_kind is alembic but the SQL has no `-- Running upgrade` "
            "markers (is the command `alembic upgrade head --sql`?)",
            "",
            (ctx.relative(sql),),
        )
    files = revision_files(ctx.target, revisions_dir)
    shown = ctx.relative(sql)
    # Each revision is judged as if it runs alone on a database where the earlier ones are applied
    # (as in production): a table created by an older revision is an existing table.
    bounds: list[tuple[int, int, str, str | None]] = [(0, markers[0][0], "upgrade", None)]
    bounds += [
        (n + 1, markers[i + 1][0] if i + 1 < len(markers) else len(lines), step, rev)
        for i, (n, step, rev) in enumerate(markers)
    ]
    units: list[SqlUnit] = []
    missing: list[str] = []
    open_tx = transactions_open(lines)
    for index, (start, end, step, rev) in enumerate(bounds):
        origin, origin_line = shown, None  # no revision file: findings stay on the SQL line
        if rev is not None and rev in files:
            origin = os_relative(files[rev], ctx.target)
            origin_line = line_of(files[rev], _FUNCTION[step])
        elif rev is not None:
            missing.append(rev)
        for part, (first, last, in_tx) in enumerate(transaction_segments(lines, start, end, open_tx[start])):
            chunk = ctx.artifact(f"alembic-{index:03d}-{rev or 'preamble'}-{part}.sql")
            chunk.write_text("".join(f"{line}\n" for line in lines[first:last]), encoding="utf-8")
            # A downgrade, like a .down.sql file, is parsed but not judged: dropping is its purpose.
            units.append(
                SqlUnit(
                    chunk,
                    ctx.relative(chunk),
                    in_tx,
                    judge_safety=step == "upgrade",
                    origin=origin,
                    origin_line=origin_line,
                    source=shown,
                    first_line=first + 1,
                )
            )
    return units, missing


def _revision_of(marker: re.Match[str]) -> str:
    """The revision whose function runs: the upgrade's target, the downgrade's source."""
    step, before, after = marker.groups()
    return (after if step == "upgrade" else before).split(",")[0].strip()


def revision_files(target: Path, revisions_dir: str | None) -> dict[str, Path]:
    """Alembic revision id -> its file, from `revision = "..."` in versions/*.py (or revisions_dir)."""
    if revisions_dir is not None:
        folder = target / revisions_dir
        if not folder.is_dir():
            raise CheckError(f"migrations: revisions_dir {revisions_dir!r} is not a folder in {target}")
        candidates = sorted(p for p in folder.rglob("*.py") if p.is_file())
    else:
        candidates = list(python_files(target, "versions/*.py"))
    found: dict[str, Path] = {}
    for path in candidates:
        match = _REVISION.search(path.read_text(encoding="utf-8", errors="replace"))
        if match:
            found.setdefault(match.group(1), path)
    return found


def django_units(ctx: CheckContext, command: str, timeout: float) -> tuple[list[SqlUnit], Path]:
    """Run `<command> <app> <migration>` (sqlmigrate) for each migration file; one unit per migration."""
    migrations = [p for p in python_files(ctx.target, "migrations/*.py") if _DJANGO_MIGRATION.match(p.name)]
    if not migrations:
        raise CheckError(f"migrations: command_kind is django but no <app>/migrations/NNNN_*.py found in {ctx.target}")
    combined = ctx.artifact(LOG_ARTIFACT)
    combined.write_text("", encoding="utf-8")
    units: list[SqlUnit] = []
    deadline = time.monotonic() + timeout  # timeout_s bounds all the runs together, as for one command
    for path in migrations:
        # The app label is the app's folder name (Django's default; an AppConfig.label differs).
        app, name = path.parent.parent.name, path.stem
        left = deadline - time.monotonic()
        if left <= 0:
            raise CheckError(
                f"migrations: sqlmigrate for {len(migrations)} migrations took over {timeout:g} s "
                f"(timeout_s); stopped before {app} {name}",
                "",
                (ctx.relative(combined),),
            )
        done, log = run_target_command(
            ctx, f"{command} {shlex.quote(app)} {shlex.quote(name)}", timeout=left, log_name="sqlmigrate.log"
        )
        with combined.open("a", encoding="utf-8") as handle:
            handle.write(log.read_text(encoding="utf-8") + "\n")
        lines = done.stdout.splitlines()
        origin = os_relative(path, ctx.target)
        origin_line = line_of(path, _DJANGO_CLASS)  # the file is its own SQL
        # sqlmigrate prints BEGIN;/COMMIT; around an atomic migration (Django's default).
        for part, (first, last, in_tx) in enumerate(transaction_segments(lines, 0, len(lines), False)):
            sql = ctx.artifact(f"django-{app}-{name}-{part}.sql")
            sql.write_text("".join(f"{line}\n" for line in lines[first:last]), encoding="utf-8")
            units.append(SqlUnit(sql, ctx.relative(sql), in_tx, origin=origin, origin_line=origin_line))
    log_copy = ctx.artifact("sqlmigrate.log")
    log_copy.unlink(missing_ok=True)
    return units, combined


def os_relative(path: Path, target: Path) -> str:
    """`path` relative to the target, as a finding names a file of the repository."""
    return path.resolve().relative_to(target.resolve()).as_posix()
