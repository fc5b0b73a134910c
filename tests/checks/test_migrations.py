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


def by_rule(check: dict[str, Any]) -> dict[str, list[tuple[str, int, str]]]:
    found: dict[str, list[tuple[str, int, str]]] = {}
    for f in check["findings"]:
        found.setdefault(f["rule"], []).append((f["path"], f["line"], f["severity"]))
    return found


def test_clean_migrations_pass(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_clean", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["status"] == "pass"
    assert check["metrics"] == {"violations": 0, "parse_errors": 0, "files": 2}
    assert check["details"]["files"] == ["migrations/001_create_users.sql",
                                         "migrations/002_create_orders.sql"]
    assert check["tools"]["sqlfluff"].startswith("4.")
    assert sorted(check["artifacts"]) == ["artifacts/migrations/sqlfluff.cfg",
                                          "artifacts/migrations/sqlfluff.json"]


def test_lint_violations_fail_naming_rule_and_line(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_violations", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert check["status"] == "fail"
    path = "migrations/002_orders_index.sql"
    assert by_rule(check) == {"PG01": [(path, 1, "medium")], "PG02": [(path, 3, "medium")],
                              "CP01": [(path, 7, "low"), (path, 7, "low")]}
    assert check["metrics"] == {"violations": 4, "parse_errors": 0, "files": 2}
    pg01 = next(f for f in check["findings"] if f["rule"] == "PG01")
    assert pg01["snippet"] == "CREATE INDEX idx_orders_user_id ON orders (user_id);"
    assert "CONCURRENTLY" in pg01["message"]
    assert pg01["tool"] == "sqlfluff"
    assert "PG01" in result.output and f"{path}:1" in result.output


def test_unparsable_sql_fails_with_a_high_parse_finding(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_unparsable", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    [finding] = check["findings"]
    assert (finding["rule"], finding["severity"], finding["line"]) == ("PRS", "high", 3)
    assert finding["snippet"] == "ALTER TABEL users DROP COLUMN nickname;"
    assert "unparsable" in finding["message"]
    assert check["metrics"]["parse_errors"] == 1


def test_command_output_is_linted(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_command", tmp_path)
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert by_rule(check) == {"PG01": [("artifacts/migrations/migrations.sql", 6, "medium")]}
    assert check["details"]["files"] == ["artifacts/migrations/migrations.sql"]
    sql = (tmp_path / "out" / "artifacts" / "migrations" / "migrations.sql").read_text()
    assert "CREATE INDEX idx_users_email" in sql and "Generating SQL" not in sql  # stdout only
    assert "artifacts/migrations/migrations-command.log" in check["artifacts"]


def test_shell_command_over_files_works(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_clean", tmp_path)
    (target / "gate.toml").write_text('[migrations]\ncommand = "cat migrations/*.sql"\n')
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["metrics"] == {"violations": 0, "parse_errors": 0, "files": 1}


def test_failing_command_is_an_error_with_its_output(run_gate: RunGate, make_target: MakeTarget) -> None:
    command = "echo 'alembic: cannot connect' >&2; exit 4"
    target = make_target({"gate.toml": f'[migrations]\ncommand = "{command}"\n'})
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 3
    assert check["status"] == "error"
    assert check["reasons"] == [f"migrations command exited with code 4: {command}"]
    assert "alembic: cannot connect" in check["details"]["log_tail"]


def test_command_printing_nothing_is_an_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[migrations]\ncommand = "echo only logs >&2"\n'})
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 3
    assert "printed no SQL" in check["reasons"][0]


def test_no_sql_files_is_an_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[migrations]\npaths = ["migrations"]\n',
                          "migrations/env.py": "# alembic, not SQL\n"})
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 3
    assert "no .sql files under 'migrations'" in check["reasons"][0]


def test_empty_paths_is_a_configuration_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[migrations]\npaths = []\n'})
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
        '[migrations]\npaths = ["migrations/001_create_users.sql", "migrations/00*_create_*.sql"]\n')
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["details"]["files"] == ["migrations/001_create_users.sql"]  # named twice, linted once


def test_exclude_rules_are_passed_to_sqlfluff(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_violations", tmp_path)
    (target / "gate.toml").write_text(
        '[migrations]\npaths = ["migrations"]\nexclude_rules = ["PG01", "CP01"]\n')
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert list(by_rule(check)) == ["PG02"]


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
    target = make_target({"gate.toml": '[migrations]\npaths = ["migrations"]\n',
                          "migrations/001_seed.sql": notes + "DELETE FORM users;\n"})
    assert (target / "migrations" / "001_seed.sql").stat().st_size > 20_000
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 1
    assert by_rule(check) == {"PRS": [("migrations/001_seed.sql", 301, "high")]}


def test_other_dialects_have_no_postgres_rules(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[migrations]\npaths = ["m.sql"]\ndialect = "mysql"\n',
                          "m.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n\n"
                                   "CREATE INDEX idx_users_email ON users (email);\n"})
    result, check = run_migrations(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["findings"] == []


def test_unknown_dialect_is_a_config_error(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("migrations_clean", tmp_path)
    (target / "gate.toml").write_text('[migrations]\npaths = ["migrations"]\ndialect = "postgress"\n')
    result, report = run_gate(target, "--only", "migrations")
    assert (result.exit_code, report) == (2, None)
    assert "migrations.dialect: unknown sqlfluff dialect 'postgress' (expected one of: ansi," in result.output
