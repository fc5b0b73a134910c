"""The repository's database migrations, found by their files: Alembic (alembic.ini), Django
(<app>/migrations/NNNN_*.py beside manage.py), or a folder of SQL files (golang-migrate's
NNN_name.up.sql/.down.sql, Flyway's V1__name.sql, plain NNN_name.sql); and the SQL dialect."""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path

from gate.init.repo import Repo, aside, files_named

# Dependencies that say which database the SQL is written for.
DRIVER_DIALECTS = {
    "psycopg": "postgres",
    "psycopg2": "postgres",
    "psycopg2-binary": "postgres",
    "psycopg-binary": "postgres",
    "asyncpg": "postgres",
    "pg8000": "postgres",
    "mysqlclient": "mysql",
    "pymysql": "mysql",
    "mysql-connector-python": "mysql",
    "aiomysql": "mysql",
    "asyncmy": "mysql",
}
URL_DIALECTS = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite"}
SQL_FOLDER_NAMES = ("migrations", "migration", "migrate", "sql", "schema", "db")


@dataclass(frozen=True)
class Migrations:
    kind: str  # "sql" (paths), "alembic", "django"
    where: str  # the folder (sql), alembic.ini or manage.py, relative to the target
    dialect: str | None  # None: nothing in the repository says; the config gets a TODO
    dialect_from: str  # what said it, for the summary


def find_migrations(repo: Repo, django_folder: str | None, django_has_migrations: bool) -> Migrations | None:
    """The migrations init can configure, the most specific kind first (Alembic, Django, SQL files)."""
    stack_dialect = next((DRIVER_DIALECTS[d] for d in sorted(repo.stack) if d in DRIVER_DIALECTS), None)
    stack_from = next((f"{d} in the dependencies" for d in sorted(repo.stack) if d in DRIVER_DIALECTS), "")
    declared = _sqlfluff_dialect(repo.root)  # the team's own statement of its SQL's dialect comes first
    if declared is not None:
        stack_dialect, stack_from = declared, ".sqlfluff"
    ini = _shallowest(repo.root, "alembic.ini")
    if ini is not None:
        url_dialect = _alembic_url_dialect(repo.root / ini)
        if url_dialect:
            return Migrations("alembic", ini, url_dialect, f"sqlalchemy.url in {ini}")
        return Migrations("alembic", ini, stack_dialect, stack_from)
    if django_folder is not None and django_has_migrations:
        return Migrations("django", f"{django_folder}/manage.py".lstrip("/"), stack_dialect, stack_from)
    folder = _sql_folder(repo.root)
    if folder is not None:
        return Migrations("sql", folder, stack_dialect, stack_from)
    return None


def _shallowest(root: Path, name: str) -> str | None:
    found = [f for f in files_named(root, name) if f.rsplit("/", 1)[-1] == name and not aside(f)]
    found.sort(key=lambda f: (f.count("/"), f))
    return found[0] if found else None


def _sqlfluff_dialect(root: Path) -> str | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string((root / ".sqlfluff").read_text(encoding="utf-8", errors="replace"))
    except (OSError, configparser.Error):
        return None
    dialect = parser.get("sqlfluff", "dialect", fallback="").strip()
    return dialect or None


def _alembic_url_dialect(ini: Path) -> str | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(ini.read_text(encoding="utf-8", errors="replace"))
    except (OSError, configparser.Error):
        return None
    url = parser.get("alembic", "sqlalchemy.url", fallback="")
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    return URL_DIALECTS.get(scheme)


def _sql_folder(root: Path) -> str | None:
    """The folder of SQL migration files: a usual name first, else any folder of *.up.sql files."""
    folders: dict[str, int] = {}
    for rel in files_named(root, ".sql"):
        if "/" in rel and not aside(rel):  # a folder of migrations, not a schema.sql at the root
            folder = rel.rsplit("/", 1)[0]
            folders[folder] = folders.get(folder, 0) + 1
    named = [f for f in folders if f.rsplit("/", 1)[-1] in SQL_FOLDER_NAMES]
    named.sort(key=lambda f: (f.count("/"), SQL_FOLDER_NAMES.index(f.rsplit("/", 1)[-1]), f))
    if named:
        return named[0]
    up = sorted(f for f in folders if any((root / f).glob("*.up.sql")))
    return up[0] if up else None
