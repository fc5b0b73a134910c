"""The migrations check in command mode on real migration tools: Alembic offline SQL and Django's
sqlmigrate, each finding reported on the migration file its SQL came from."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gate.checks.migrations.sources import transaction_segments
from tests.checks.migrations.test_migrations import MakeTarget, RunGate, by_rule, copy_fixture, run_migrations

USERS = "alembic/versions/1a2b3c4d5e6f_create_users.py"
STATUS = "alembic/versions/9f8e7d6c5b4a_users_status.py"
CONCURRENT = "alembic/versions/5c6d7e8f9a0b_concurrent.py"


def line_of(target: Path, path: str, pattern: str) -> int:
    lines = (target / path).read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if re.match(pattern, line))


def sql_line(out: Path, text: str) -> int:
    lines = (out / "artifacts" / "migrations" / "migrations.sql").read_text().splitlines()
    return lines.index(text) + 1


def sarif_locations(out: Path) -> set[tuple[str, str, int]]:
    sarif = json.loads((out / "gate-report.sarif").read_text())
    return {
        (
            r["ruleId"],
            loc["physicalLocation"]["artifactLocation"]["uri"],
            loc["physicalLocation"]["region"]["startLine"],
        )
        for run in sarif["runs"]
        for r in run["results"]
        for loc in r["locations"]
    }


def test_alembic_findings_land_on_their_revision_files(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_alembic", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1, result.output
    upgrade = line_of(target, STATUS, r"def upgrade\(")
    # The revision that adds a required column and an index to the existing table blocks, at its file.
    assert by_rule(check) == {
        "adding-required-field": [(STATUS, upgrade, "high")],
        "require-concurrent-index-creation": [(STATUS, upgrade, "high")],
    }
    out = tmp_path / "out"
    index = next(f for f in check["findings"] if f["rule"] == "require-concurrent-index-creation")
    statement = "CREATE INDEX ix_users_status ON users (status);"
    assert index["snippet"] == statement
    assert index["extra"]["sql"] == f"artifacts/migrations/migrations.sql:{sql_line(out, statement)}"
    # The first revision creates users and indexes it in the same transaction: no lock finding. The
    # third builds an index CONCURRENTLY inside autocommit_block (alembic prints COMMIT; ... BEGIN;
    # around it): read outside the transaction, so neither a lock nor a transaction finding.
    for path in (USERS, CONCURRENT):
        assert [f["rule"] for f in check["findings"] if f["path"] == path and f["severity"] != "info"] == []
    assert check["details"]["files"] == [USERS, STATUS, CONCURRENT]
    assert check["metrics"]["files"] == 3
    locations = sarif_locations(out)
    assert ("adding-required-field", STATUS, upgrade) in locations
    # Only alembic's own preamble (CREATE TABLE alembic_version, info findings) stays on the SQL.
    assert {uri for _, uri, _ in locations} == {USERS, STATUS, CONCURRENT, "artifacts/migrations/migrations.sql"}


def test_alembic_sql_style_is_info_since_alembic_wrote_it(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_alembic", tmp_path)
    _result, check = run_migrations(run_gate, target)
    sqlfluff = [f for f in check["findings"] if f["tool"] == "sqlfluff"]
    assert sqlfluff and {f["severity"] for f in sqlfluff} == {"info"}  # e.g. LT01 on alembic's "NOT NULL, "


def test_alembic_downgrade_sql_is_parsed_but_not_judged(run_gate: RunGate, tmp_path: Path) -> None:
    # Like a .down.sql file: DROP INDEX / DROP COLUMN are what a downgrade is for.
    target = copy_fixture("migrations_alembic", tmp_path)
    (target / "gate.toml").write_text(
        '[migrations]\ncommand = "alembic downgrade 5c6d7e8f9a0b:1a2b3c4d5e6f --sql"\ncommand_kind = "alembic"\n'
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    assert (
        "ALTER TABLE users DROP COLUMN status;"
        in (tmp_path / "out" / "artifacts" / "migrations" / "migrations.sql").read_text()
    )
    assert check["details"]["syntax_only"] == [CONCURRENT, STATUS]
    assert {f["tool"] for f in check["findings"]} == {"sqlfluff"}
    # Findings land on the revision being undone, at its downgrade() line.
    assert {(f["path"], f["line"]) for f in check["findings"]} == {
        (CONCURRENT, line_of(target, CONCURRENT, r"def downgrade\(")),
        (STATUS, line_of(target, STATUS, r"def downgrade\(")),
    }


def test_a_revision_without_its_file_keeps_the_sql_line(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_alembic", tmp_path)
    # revisions_dir points elsewhere than the revision files: the SQL line is all gate can name.
    (target / "other").mkdir()
    (target / "gate.toml").write_text(
        '[migrations]\ncommand = "alembic upgrade head --sql"\ncommand_kind = "alembic"\nrevisions_dir = "other"\n'
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    line = sql_line(tmp_path / "out", "ALTER TABLE users ADD COLUMN status TEXT NOT NULL;")
    assert by_rule(check)["adding-required-field"] == [("artifacts/migrations/migrations.sql", line, "high")]
    assert check["details"]["revisions_without_file"] == ["1a2b3c4d5e6f", "9f8e7d6c5b4a", "5c6d7e8f9a0b"]


def test_alembic_output_without_markers_is_an_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target(
        {"gate.toml": '[migrations]\ncommand = "echo \'CREATE TABLE t (id bigint);\'"\ncommand_kind = "alembic"\n'}
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 3
    assert "no `-- Running upgrade` markers" in check["reasons"][0]


def test_django_sqlmigrate_runs_per_migration(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_django", tmp_path)
    raw = target / "shop" / "migrations" / "0003_backfill_sku.py"
    raw.write_text(raw.read_text().replace("UPDATE shop_product", "UPDATE FROM shop_product"))
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1, result.output
    migration = "shop/migrations/0003_backfill_sku.py"
    assert by_rule(check) == {"PRS": [(migration, line_of(target, migration, r"class Migration\("), "high")]}
    assert check["details"]["files"] == [
        "shop/migrations/0001_initial.py",
        "shop/migrations/0002_product_sku.py",
        migration,
    ]
    [parse] = [f for f in check["findings"] if f["rule"] == "PRS"]
    assert parse["extra"]["sql"] == "artifacts/migrations/django-shop-0003_backfill_sku-0.sql:4"
    assert parse["snippet"] == "UPDATE FROM shop_product SET sku = name WHERE sku = '';"
    log = (tmp_path / "out" / "artifacts" / "migrations" / "migrations-command.log").read_text()
    for name in ("0001_initial", "0002_product_sku", "0003_backfill_sku"):
        assert f"$ python manage.py sqlmigrate shop {name}\n" in log


def test_clean_django_migrations_pass_on_their_files(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_django", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    paths = {f["path"] for f in check["findings"]}
    assert (
        paths
        <= {
            "shop/migrations/0001_initial.py",
            "shop/migrations/0002_product_sku.py",
            "shop/migrations/0003_backfill_sku.py",
        }
        and paths
    )


def test_django_kind_needs_the_sqlmigrate_command(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[migrations]\ncommand = "python manage.py migrate"\ncommand_kind = "django"\n'})
    result, report = run_gate(target, "--only", "migrations")
    assert result.exit_code == 2 and report is None
    assert "sqlmigrate" in result.output


def test_transaction_segments_leave_out_the_tools_begin_and_commit() -> None:
    lines = [
        "-- Running upgrade a -> b",
        "",
        "COMMIT;",
        "",
        "CREATE INDEX CONCURRENTLY i ON t (c);",
        "",
        "BEGIN;",
        "UPDATE t SET c = 1;",
        "",
        "COMMIT;",
    ]
    assert transaction_segments(lines, 1, len(lines), True) == [(4, 5, False), (7, 8, True)]
    assert transaction_segments(["BEGIN;", "SELECT 1;", "COMMIT;"], 0, 3, False) == [(1, 2, True)]
    assert transaction_segments(["SELECT 1;"], 0, 1, False) == [(0, 1, False)]
    assert transaction_segments(["", "COMMIT;", ""], 0, 3, True) == []
