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

_GLOB_CHARS = frozenset("*?[")
# golang-migrate's rollback half (NNNNNN_name.down.sql): dropping what the up file made is its purpose.
_DOWN_FILE = re.compile(r"\.down\.sql$", re.IGNORECASE)
_TX_LINES = frozenset({"BEGIN;", "COMMIT;", "START TRANSACTION;", "BEGIN TRANSACTION;"})
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


def file_units(target: Path, paths: Sequence[str], in_transaction: bool) -> list[SqlUnit]:
    """The migration files under `paths`; a file that opens its own transaction is read as written."""
    units = []
    for path, shown in sql_files(target, paths).items():
        lines = _lines(path)
        # A file with CONCURRENTLY is one its runner must run outside a transaction (PostgreSQL refuses
        # it inside one; Flyway detects it, golang-migrate runs a lone statement so): read it so.
        runs_in_tx = in_transaction and not opens_transaction(lines) and not _concurrently(lines)
        units.append(SqlUnit(path, shown, runs_in_tx,
                             judge_safety=not _DOWN_FILE.search(path.name)))
    return units


def opens_transaction(lines: Iterable[str]) -> bool:
    """Whether the SQL has its own transaction control (a BEGIN;/COMMIT; line)."""
    return any(line.strip().upper() in _TX_LINES for line in lines)


def transaction_chunk(lines: Sequence[str], start: int, end: int, in_tx: bool) -> tuple[int, int, bool]:
    """Lines [start, end) less the migration tool's own BEGIN/COMMIT around them (and blank edges).

    `in_tx` says whether a transaction is open at `start`; returns the new bounds and whether one is
    open where the chunk's own SQL starts.
    """
    while start < end and (not lines[start].strip() or lines[start].strip().upper() in _TX_LINES):
        word = lines[start].strip().upper()
        if word:
            in_tx = word != "COMMIT;"
        start += 1
    while end > start and (not lines[end - 1].strip() or lines[end - 1].strip().upper() in _TX_LINES):
        end -= 1
    return start, end, in_tx


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
        moved.append(dataclasses.replace(f, path=unit.origin, line=unit.origin_line, extra=extra))
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
