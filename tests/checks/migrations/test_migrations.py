"""The migrations check end to end: real sqlfluff over fixture migrations, judged by the default policy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from tests.conftest import FIXTURES, check_of

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
MakeTarget = Callable[..., Path]


def copy_fixture(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / name, tmp_path / "target"))


def run_migrations(run_gate: RunGate, target: Path) -> tuple[Result, dict[str, Any]]:
    result, report = run_gate(target, "--only", "migrations")
    assert report is not None, result.output
    return result, check_of(report, "migrations")


def by_rule(check: dict[str, Any], *, with_info: bool = False) -> dict[str, list[tuple[str, int, str]]]:
    """Findings by rule as (path, line, severity); info (advice squawk gives on every DDL) left out."""
    found: dict[str, list[tuple[str, int, str]]] = {}
    for f in check["findings"]:
        if with_info or f["severity"] != "info":
            found.setdefault(f["rule"], []).append((f["path"], f["line"], f["severity"]))
    return found


LOCK_RULES = {
    "require-concurrent-index-creation",
    "adding-foreign-key-constraint",
    "constraint-missing-not-valid",
    "PG01",
    "PG02",
}


def test_clean_migrations_pass(run_gate: RunGate, tmp_path: Path) -> None:
    # 002 creates a table, indexes it and adds its foreign key: nothing anyone waits for is locked.
    target = copy_fixture("migrations_clean", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["status"] == "pass"
    assert by_rule(check) == {}
    assert not LOCK_RULES & {f["rule"] for f in check["findings"]}
    assert check["metrics"]["parse_errors"] == 0 and check["metrics"]["files"] == 2
    assert check["details"]["files"] == ["migrations/001_create_users.sql", "migrations/002_create_orders.sql"]
    assert check["tools"]["sqlfluff"].startswith("4.")
    assert check["tools"]["squawk"].startswith("2.")
    assert sorted(check["artifacts"]) == [
        "artifacts/migrations/sqlfluff.cfg",
        "artifacts/migrations/sqlfluff.json",
        "artifacts/migrations/squawk-in-transaction.json",
        "artifacts/migrations/squawk.toml",
    ]


def test_the_same_file_outside_a_transaction_is_a_lock_finding(run_gate: RunGate, tmp_path: Path) -> None:
    # Run statement by statement (psql without -1), the index build is visible to others at once.
    target = copy_fixture("migrations_clean", tmp_path)
    (target / "gate.toml").write_text('[migrations]\npaths = ["migrations"]\nin_transaction = false\n')
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert by_rule(check)["require-concurrent-index-creation"] == [("migrations/002_create_orders.sql", 9, "high")]


def test_a_concurrent_index_file_is_read_outside_a_transaction(run_gate: RunGate, make_target: MakeTarget) -> None:
    # PostgreSQL refuses CONCURRENTLY inside a transaction, so its runner must run this file outside one.
    target = make_target(
        {
            "gate.toml": '[migrations]\npaths = ["m.sql"]\n',
            "m.sql": "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id\nON orders (user_id);\n",
        }
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    assert by_rule(check) == {}


def test_a_concurrent_index_inside_the_files_own_transaction_blocks(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": '[migrations]\npaths = ["m.sql"]\n',
            "m.sql": "BEGIN;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id\n"
            "ON orders (user_id);\nCOMMIT;\n",
        }
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert by_rule(check) == {"ban-concurrent-index-creation-in-transaction": [("m.sql", 2, "high")]}


def test_pg_version_reaches_squawk(run_gate: RunGate, make_target: MakeTarget) -> None:
    # Before PostgreSQL 11 a column with a constant default rewrote the whole table.
    sql = "ALTER TABLE orders ADD COLUMN flag boolean DEFAULT false;\n"
    target = make_target({"gate.toml": '[migrations]\npaths = ["m.sql"]\npg_version = "10"\n', "m.sql": sql})
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert by_rule(check) == {"adding-field-with-default": [("m.sql", 1, "high")]}
    (target / "gate.toml").write_text('[migrations]\npaths = ["m.sql"]\npg_version = "16"\n')
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output


def test_pg_version_must_be_a_version(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target(
        {"gate.toml": '[migrations]\npaths = ["m.sql"]\npg_version = "latest"\n', "m.sql": "SELECT 1;\n"}
    )
    result, report = run_gate(target, "--only", "migrations")
    assert result.exit_code == 2 and report is None
    assert "migrations.pg_version" in result.output


def test_lint_violations_fail_naming_rule_and_line(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_violations", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert check["status"] == "fail"
    path = "migrations/002_orders_index.sql"
    # One finding per hazard: squawk's generic constraint-missing-not-valid is folded into the
    # foreign-key finding, and sqlfluff's PG01/PG02 are off (squawk judges those hazards).
    assert by_rule(check) == {
        "require-concurrent-index-creation": [(path, 1, "high")],
        "adding-foreign-key-constraint": [(path, 4, "high")],  # the ADD CONSTRAINT line
        "CP01": [(path, 7, "low"), (path, 7, "low")],
    }
    index = next(f for f in check["findings"] if f["rule"] == "require-concurrent-index-creation")
    assert index["snippet"] == "CREATE INDEX idx_orders_user_id ON orders (user_id);"
    assert "concurrently" in index["message"].lower()
    assert index["tool"] == "squawk"
    assert "require-concurrent-index-creation" in result.output and f"{path}:1" in result.output


def test_hazards_on_existing_tables_block_at_their_file_and_line(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_hazards", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    up = "migrations/000002_orders_hazards.up.sql"
    assert by_rule(check) == {
        "adding-required-field": [(up, 1, "high")],  # ADD COLUMN ... NOT NULL, no default
        "changing-column-type": [(up, 3, "high")],  # rewrites the table
        "adding-foreign-key-constraint": [(up, 6, "high")],  # without NOT VALID
        "disallowed-unique-constraint": [(up, 9, "high")],  # not USING a concurrent index
        "renaming-column": [(up, 11, "high")],
        "ban-drop-column": [(up, 13, "high")],
        "adding-not-nullable-field": [(up, 15, "high")],  # SET NOT NULL scans under lock
        "require-concurrent-index-creation": [(up, 17, "high")],
    }
    assert all(f["blocking"] for f in check["findings"] if f["severity"] == "high")
    # 000001 creates the same table and indexes it: no lock finding there.
    assert not [f for f in check["findings"] if "000001" in f["path"] and f["severity"] != "info"]
    # Down files are read by sqlfluff (syntax, style) but not judged for hazards: dropping is their job.
    assert check["details"]["syntax_only"] == [
        "migrations/000001_create_orders.down.sql",
        "migrations/000002_orders_hazards.down.sql",
    ]
    assert not [f for f in check["findings"] if f["path"].endswith(".down.sql")]


def test_a_broken_down_file_is_still_a_parse_error(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_hazards", tmp_path)
    (target / "migrations" / "000001_create_orders.down.sql").write_text("DROP TABEL orders;\n")
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert by_rule(check)["PRS"] == [("migrations/000001_create_orders.down.sql", 1, "high")]


def test_style_advice_is_info_and_does_not_block(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": '[migrations]\npaths = ["m.sql"]\n',
            "m.sql": "CREATE TABLE events (\n    id serial PRIMARY KEY,\n    kind varchar(20),\n"
            "    happened_at timestamp\n);\n",
        }
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    info = by_rule(check, with_info=True)
    assert {"prefer-bigint-over-int", "prefer-identity", "prefer-text-field", "prefer-timestamp-tz"} <= set(info)
    assert {f["severity"] for f in check["findings"]} == {"info"}


def test_squawk_ignore_comments_do_not_hide_a_hazard(run_gate: RunGate, make_target: MakeTarget) -> None:
    # Suppressions belong in gate.toml (exclude_rules, waivers with an expiry), not in SQL comments.
    target = make_target(
        {
            "gate.toml": '[migrations]\npaths = ["m.sql"]\n',
            "m.sql": "-- squawk-ignore ban-drop-column\nALTER TABLE users DROP COLUMN nickname;\n",
        }
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert by_rule(check) == {"ban-drop-column": [("m.sql", 2, "high")]}


def test_unparsable_sql_fails_with_a_high_parse_finding(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_unparsable", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    # squawk's own syntax error on the same line is the same finding: reported once, by sqlfluff.
    [finding] = [f for f in check["findings"] if f["severity"] != "info"]
    assert (finding["rule"], finding["severity"], finding["line"]) == ("PRS", "high", 3)
    assert finding["snippet"] == "ALTER TABEL users DROP COLUMN nickname;"
    assert "unparsable" in finding["message"]
    assert check["metrics"]["parse_errors"] == 1


def test_command_output_is_linted(run_gate: RunGate, tmp_path: Path) -> None:
    # command_kind "sql" (the default): one script, no migration files to map back to.
    target = copy_fixture("migrations_command", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert by_rule(check) == {"require-concurrent-index-creation": [("artifacts/migrations/migrations.sql", 8, "high")]}
    assert check["details"]["files"] == ["artifacts/migrations/migrations.sql"]
    sql = (tmp_path / "out" / "artifacts" / "migrations" / "migrations.sql").read_text()
    assert "CREATE INDEX idx_users_email" in sql and "Generating SQL" not in sql  # stdout only
    assert "artifacts/migrations/migrations-command.log" in check["artifacts"]


def test_shell_command_over_files_works(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_clean", tmp_path)
    (target / "gate.toml").write_text('[migrations]\ncommand = "cat migrations/*.sql"\n')
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    assert by_rule(check) == {} and check["metrics"]["files"] == 1


def test_failing_command_is_an_error_with_its_output(run_gate: RunGate, make_target: MakeTarget) -> None:
    command = "echo 'alembic: cannot connect' >&2; exit 4"
    target = make_target({"gate.toml": f'[migrations]\ncommand = "{command}"\n'})
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 3
    assert check["status"] == "error"
    assert check["reasons"] == [f"migrations command exited with code 4: {command}"]
    assert "alembic: cannot connect" in check["log_tail"]


def test_command_printing_nothing_is_an_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[migrations]\ncommand = "echo only logs >&2"\n'})
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 3
    assert "printed no SQL" in check["reasons"][0]


def test_no_sql_files_is_an_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target(
        {"gate.toml": '[migrations]\npaths = ["migrations"]\n', "migrations/env.py": "# alembic, not SQL\n"}
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 3
    assert "no .sql files under 'migrations'" in check["reasons"][0]


def test_empty_paths_is_a_configuration_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": "[migrations]\npaths = []\n"})
    result, report = run_gate(target, "--only", "migrations")
    assert result.exit_code == 2
    assert "migrations.paths" in result.output and report is None


def test_missing_path_is_a_config_error_naming_it(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[migrations]\npaths = ["db/migrate"]\n'})
    result, report = run_gate(target, "--only", "migrations")
    assert (result.exit_code, report) == (2, None)
    assert f"migrations.paths: 'db/migrate' does not exist in {target.resolve()}" in result.output


def test_files_and_globs_are_accepted(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_violations", tmp_path)
    (target / "gate.toml").write_text(
        '[migrations]\npaths = ["migrations/001_create_users.sql", "migrations/00*_create_*.sql"]\n'
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["details"]["files"] == ["migrations/001_create_users.sql"]  # named twice, linted once


def test_exclude_rules_are_passed_to_sqlfluff(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_violations", tmp_path)
    (target / "gate.toml").write_text(
        '[migrations]\npaths = ["migrations"]\nexclude_rules = ["require-concurrent-index-creation", "CP01"]\n'
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert list(by_rule(check)) == ["adding-foreign-key-constraint"]
    assert check["details"]["excluded_rules"] == ["require-concurrent-index-creation", "CP01"]


def test_squawk_rules_need_the_postgres_dialect(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": '[migrations]\npaths = ["m.sql"]\ndialect = "mysql"\nexclude_rules = ["ban-drop-column"]\n',
            "m.sql": "SELECT 1;\n",
        }
    )
    result, report = run_gate(target, "--only", "migrations")
    assert result.exit_code == 2 and report is None
    assert "squawk runs only for dialect" in result.output


def test_suppressions_outside_gate_toml_are_ignored(run_gate: RunGate, tmp_path: Path) -> None:
    # A .sqlfluff config, a .sqlfluffignore and `-- noqa` comments would all hide findings from the
    # gate; suppressions belong in gate.toml (exclude_rules, waivers with an expiry).
    target = copy_fixture("migrations_unparsable", tmp_path)
    (target / ".sqlfluff").write_text("[sqlfluff]\nrules = LT01\nexclude_rules = PG01\n")
    (target / ".sqlfluffignore").write_text("migrations/\n")
    broken = target / "migrations" / "002_broken.sql"
    broken.write_text(broken.read_text().replace("nickname;\n", "nickname;  -- noqa\n"))
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert list(by_rule(check)) == ["PRS"]


def test_large_files_are_linted_not_skipped(run_gate: RunGate, make_target: MakeTarget) -> None:
    # sqlfluff skips files over 20 kB by default and still exits 0; here the only error is at the end.
    # (Comment lines make the file big while keeping sqlfluff's parse quick.)
    notes = "".join(f"-- note {n:04d}: {'.' * 60}\n" for n in range(300))
    target = make_target(
        {
            "gate.toml": '[migrations]\npaths = ["migrations"]\n',
            "migrations/001_seed.sql": notes + "DELETE FORM users;\n",
        }
    )
    assert (target / "migrations" / "001_seed.sql").stat().st_size > 20_000
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert by_rule(check) == {"PRS": [("migrations/001_seed.sql", 301, "high")]}


def test_other_dialects_have_no_postgres_rules(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": '[migrations]\npaths = ["m.sql"]\ndialect = "mysql"\n',
            "m.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n\n"
            "CREATE INDEX idx_users_email ON users (email);\n",
        }
    )
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["findings"] == []


def test_unknown_dialect_is_a_config_error(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_clean", tmp_path)
    (target / "gate.toml").write_text('[migrations]\npaths = ["migrations"]\ndialect = "postgress"\n')
    result, report = run_gate(target, "--only", "migrations")
    assert (result.exit_code, report) == (2, None)
    assert "migrations.dialect: unknown sqlfluff dialect 'postgress' (expected one of: ansi," in result.output
