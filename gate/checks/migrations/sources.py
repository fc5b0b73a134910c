"""Which SQL the migrations check lints, and which migration file each piece of SQL belongs to."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.errors import CheckError
from gate.model import Finding
from gate.sections import GLOB_CHARS

# golang-migrate's rollback half (NNNNNN_name.down.sql): dropping what the up file made is its purpose.
_DOWN_FILE = re.compile(r"\.down\.sql$", re.IGNORECASE)
_BEGIN_LINES = frozenset({"BEGIN;", "START TRANSACTION;", "BEGIN TRANSACTION;"})
_TX_LINES = _BEGIN_LINES | {"COMMIT;", "ROLLBACK;", "END;"}
_CONCURRENTLY = re.compile(r"\bCONCURRENTLY\b", re.IGNORECASE)
_SKIP_DIRS = frozenset({"node_modules", "site-packages", "__pycache__"})


@dataclass(frozen=True)
class SqlUnit:
    """One SQL file the tools read, and where its findings belong.

    `shown` is how the tools' findings name the file (a path in the target, or an artifact). When
    the SQL was generated from a migration (`origin`), findings move to that file at `origin_line`
    and keep the SQL line as `sql` (`shown`:line, counted in `source` from `first_line`).
    """

    path: Path
    shown: str
    in_transaction: bool
    judge_safety: bool = True  # False: syntax and style only (down files)
    origin: str | None = None
    origin_line: int | None = None
    source: str | None = None  # the artifact the chunk was cut from (the command's whole output)
    first_line: int = 1  # line in `source` of this file's line 1


def sql_files(target: Path, paths: Sequence[str]) -> dict[Path, str]:
    """The files `paths` name (directories: every *.sql below, sorted), as path -> path relative to target."""
    found: list[Path] = []
    for entry in paths:
        if GLOB_CHARS & set(entry):
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


def file_units(target: Path, paths: Sequence[str], in_transaction: bool) -> list[SqlUnit]:
    """The migration files under `paths`; a file that opens its own transaction is read as written."""
    units = []
    for path, shown in sql_files(target, paths).items():
        units.append(
            SqlUnit(
                path,
                shown,
                runs_in_transaction(_lines(path), in_transaction),
                judge_safety=not _DOWN_FILE.search(path.name),
            )
        )
    return units


def runs_in_transaction(lines: Sequence[str], in_transaction: bool) -> bool:
    """Whether a script runs inside the transaction its runner opens (`in_transaction`), as squawk should read it.

    Not when it has its own transaction control (a BEGIN;/COMMIT; line: read as written), nor when it
    has CONCURRENTLY, which PostgreSQL refuses inside a transaction: its runner must run it outside
    one (Flyway detects it; golang-migrate sends a lone statement so).
    """
    own_tx = any(line.strip().upper() in _TX_LINES for line in lines)
    return in_transaction and not own_tx and not _concurrently(lines)


def transaction_segments(lines: Sequence[str], start: int, end: int, in_tx: bool) -> list[tuple[int, int, bool]]:
    """Lines [start, end) cut at the migration tool's own BEGIN;/COMMIT; lines (which are left out).

    `in_tx` says whether a transaction is open at `start`. Each segment is (first, last + 1, whether a
    transaction wraps it): Alembic's autocommit_block prints COMMIT; ... BEGIN; around a statement
    that must run outside one, and squawk must read that statement so.
    """
    segments: list[tuple[int, int, bool]] = []
    first = start
    for n in range(start, end + 1):
        word = lines[n].strip().upper() if n < end else ""
        if n < end and word not in _TX_LINES:
            continue
        segments.append((first, n, in_tx))
        if n < end:
            in_tx = word in _BEGIN_LINES
        first = n + 1
    trimmed = []
    for first, last, tx in segments:
        while first < last and not lines[first].strip():
            first += 1
        while last > first and not lines[last - 1].strip():
            last -= 1
        if first < last:
            trimmed.append((first, last, tx))
    return trimmed


def transactions_open(lines: Sequence[str]) -> list[bool]:
    """For each line (and one past the end), whether a transaction the SQL opened is open there."""
    state, result = False, []
    for line in lines:
        result.append(state)
        word = line.strip().upper()
        if word in _TX_LINES:
            state = word in _BEGIN_LINES
    return [*result, state]


def remap(findings: Iterable[Finding], units: Sequence[SqlUnit]) -> list[Finding]:
    """Move findings on generated SQL to the migration it came from, keeping the SQL line as `sql`."""
    by_shown = {u.shown: u for u in units}
    moved = []
    for f in findings:
        unit = by_shown.get(f.path or "")
        if unit is None or unit.origin is None:
            moved.append(f)
            continue
        sql_line = unit.first_line + (f.line or 1) - 1
        extra = {**f.extra, "sql": f"{unit.source or unit.shown}:{sql_line}"}
        line = unit.origin_line if unit.origin_line is not None else sql_line
        moved.append(dataclasses.replace(f, path=unit.origin, line=line, extra=extra))
    return moved


def python_files(target: Path, pattern: str) -> Iterator[Path]:
    """Files matching `pattern` below target, outside virtualenvs, hidden and vendored folders."""
    for path in sorted(target.rglob(pattern)):
        rel = path.relative_to(target).parts[:-1]
        if any(p.startswith(".") or p in _SKIP_DIRS for p in rel):
            continue
        if any((target.joinpath(*rel[:n]) / "pyvenv.cfg").is_file() for n in range(1, len(rel) + 1)):
            continue
        if path.is_file():
            yield path


def line_of(path: Path, pattern: re.Pattern[str]) -> int:
    """The first line of `path` that matches `pattern` (1 when none does: the file itself)."""
    for number, line in enumerate(_lines(path), start=1):
        if pattern.search(line):
            return number
    return 1


def _concurrently(lines: Iterable[str]) -> bool:
    return any(_CONCURRENTLY.search(line.split("--", 1)[0]) for line in lines)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").splitlines()
