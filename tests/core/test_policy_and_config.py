"""Config and policy loading: valid files load, invalid ones name the file, the key and what was expected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from gate.config import load_config
from gate.errors import UsageError
from gate.policy import load_policy, policies_dir

MakeTarget = Callable[[Mapping[str, str]], Path]


def problems_of(target: Path) -> list[str]:
    with pytest.raises(UsageError) as info:
        config = load_config(target)
        load_policy(config.policy, config.target, config.thresholds, config.source)
    return info.value.problems


def test_the_documented_contract_loads(make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": """
        policy = "default"

        [security]
        paths = ["app"]

        [coverage]
        command = "python -m coverage run --source=app -m pytest -q"

        [migrations]
        paths = ["migrations"]
        dialect = "postgres"

        [thresholds.coverage]
        percent = 85

        [[waivers]]
        check = "security"
        rule = "B608"
        path = "app/legacy/*"
        reason = "query built from constants only"
        expires = 2027-01-31
    """,
            "app/main.py": "X = 1\n",
            "migrations/0001.sql": "SELECT 1;\n",
        }
    )
    config = load_config(target)
    policy = load_policy(config.policy, config.target, config.thresholds, config.source)
    assert config.sections["security"].paths == ["app"]  # type: ignore[attr-defined]
    assert policy.checks["coverage"].thresholds["percent"].value == 85
    assert policy.checks["coverage"].thresholds["percent"].op == ">"
    assert config.waivers[0].expires == dt.date(2027, 1, 31)


def test_pyproject_tool_gate_is_read(make_target: MakeTarget) -> None:
    target = make_target(
        {
            "pyproject.toml": '[tool.gate]\npolicy = "default"\n[tool.gate.security]\npaths = ["src"]\n',
            "src/app.py": "X = 1\n",
        }
    )
    config = load_config(target)
    assert config.sections["security"].paths == ["src"]  # type: ignore[attr-defined]
    assert config.source.endswith("pyproject.toml")


def test_every_problem_is_named_with_file_and_key(make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": """
        polcy = "default"
        [security]
        paths = "app"
        [coverage]
        command = "pytest"
        report = "coverage.xml"
        [[waivers]]
        check = "security"
        rule = "B101"
        reason = "tests"
        expires = "next week"
    """,
            "coverage.xml": "<coverage/>\n",
        }
    )
    problems = problems_of(target)
    gate_toml = str(target / "gate.toml")
    assert all(p.startswith(gate_toml + ": ") for p in problems)
    keys = [p.removeprefix(gate_toml + ": ").split(":")[0] for p in problems]
    assert keys == ["polcy", "security.paths", "coverage", "waivers[0].expires"]
    assert problems[-1].endswith("waivers[0].expires: expected a date such as 2026-12-31, found 'next week'")


def test_a_waiver_without_reason_is_invalid(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[[waivers]]\ncheck = "security"\nrule = "B1"\nexpires = 2027-01-01\n'})
    assert problems_of(target) == [f"{target / 'gate.toml'}: waivers[0].reason: required, expected a non-empty string"]


def test_invalid_toml_names_the_file(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": "[security\n"})
    problems = problems_of(target)
    assert problems[0].startswith(f"{target / 'gate.toml'}: not valid TOML")


def test_unknown_policy_lists_the_bundled_ones(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": 'policy = "strictest"\n'})
    problems = problems_of(target)
    assert "policy 'strictest': no such file" in problems[0]
    assert "default" in problems[0]


def test_an_invalid_policy_file_names_its_keys(make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": 'policy = "my-policy.toml"\n',
            "my-policy.toml": """
            [checks.coverage]
            thresholds.percent = { op = "greater", value = 80 }
            fail_at = "severe"
            [checks.speling]
            enabled = true
        """,
        }
    )
    problems = problems_of(target)
    policy_file = str(target / "my-policy.toml")
    assert problems == [
        f"{policy_file}: checks.coverage.fail_at: unknown severity 'severe', expected one of: "
        "info, low, medium, high, critical",
        f"{policy_file}: checks.coverage.thresholds.percent: expected {{ op = one of < <= > >= ==, value = a number }}",
        f"{policy_file}: checks.speling: unknown check (expected one of: security, coverage, migrations, docs, fuzz, load, practices)",
    ]


def test_override_of_an_unknown_threshold_needs_the_table_form(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": "[thresholds.coverage]\nbranches = 50\n"})
    problems = problems_of(target)
    assert problems == [
        f"{target / 'gate.toml'}: thresholds.coverage.branches: the policy has no threshold on "
        "'branches' to change; add one as { op = one of < <= > >= ==, value = a number }"
    ]


def test_the_bundled_policies_all_load() -> None:
    names = sorted(p.stem for p in policies_dir().glob("*.toml"))
    assert "default" in names
    for name in names:
        assert load_policy(name, Path("."), {}, "test").checks


def test_a_check_the_policy_judges_by_nothing_is_invalid(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": 'policy = "p.toml"\n', "p.toml": "[checks.security]\nrequired = true\n"})
    assert problems_of(target) == [
        f"{target / 'p.toml'}: checks.security: judges nothing; set fail_at, fail_rules "
        "or thresholds (or enabled = false)"
    ]


def test_a_configured_venv_must_exist(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": 'venv = ".venv-missing"\n'})
    assert problems_of(target) == [
        f"{target / 'gate.toml'}: venv: {target / '.venv-missing'} has no bin/python; expected the target's virtualenv"
    ]


def test_migration_paths_must_be_relative(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[migrations]\npaths = ["/etc/*.sql"]\n'})
    assert problems_of(target) == [f"{target / 'gate.toml'}: migrations.paths: must be relative to the target"]


def test_a_missing_waiver_date_is_required(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[[waivers]]\ncheck = "security"\nrule = "B1"\nreason = "r"\n'})
    assert problems_of(target) == [
        f"{target / 'gate.toml'}: waivers[0].expires: required, expected a date such as 2026-12-31"
    ]


def test_every_service_problem_is_reported_at_once(make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": """
        [service]
        command = "python -m app"
        url = "http://example.com"
        health = "health"
        ready_timeout_s = -1
    """
        }
    )
    where = f"{target / 'gate.toml'}: service"
    assert problems_of(target) == [
        f"{where}.command: must contain {{port}}; gate picks a free port for it",
        f"{where}.url: must point at this machine (127.0.0.1, ::1, localhost)",
        f"{where}.health: expected a path on the service, starting with /",
        f"{where}.ready_timeout_s: Input should be greater than 0",
        f"{where}: set exactly one of command (gate starts the service) or url (already running)",
    ]


def test_every_migrations_problem_is_reported_at_once(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[migrations]\ndialect = "klingon"\n'})
    where = f"{target / 'gate.toml'}: migrations"
    found = problems_of(target)
    assert len(found) == 2, found
    assert found[0].startswith(f"{where}.dialect: unknown sqlfluff dialect 'klingon'")
    assert found[1] == f"{where}: set exactly one of paths (SQL files) or command (prints the SQL on stdout)"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[load]\nspawn_rate = true\n", "load.spawn_rate: Input should be a valid number"),
        ("[load]\nusers = 2.5\n", "load.users: Input should be a valid integer"),
        ("[security]\ninclude_tests = 1\n", "security.include_tests: Input should be a valid boolean"),
        ("[fuzz]\nseed = true\n", "fuzz.seed: Input should be a valid integer"),
    ],
)
def test_types_are_strict(make_target: MakeTarget, toml: str, expected: str) -> None:
    target = make_target({"gate.toml": "[service]\nurl = 'http://127.0.0.1:8000'\n" + toml})
    assert problems_of(target) == [f"{target / 'gate.toml'}: {expected}"]


def test_an_integer_is_a_number(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": "[security]\ntimeout_s = 60\n"})
    assert load_config(target).sections["security"].timeout_s == 60.0  # type: ignore[attr-defined]


def test_an_unknown_sqlfluff_dialect_is_invalid(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[migrations]\npaths = ["m"]\ndialect = "klingon"\n', "m/1.sql": "SELECT 1;\n"})
    (problem,) = problems_of(target)
    assert problem.startswith(
        f"{target / 'gate.toml'}: migrations.dialect: unknown sqlfluff dialect 'klingon' "
        "(expected one of: ansi, athena, "
    )
    assert "postgres" in problem and "sqlite" in problem


def test_paths_must_exist_inside_the_target(make_target: MakeTarget, tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.sql").write_text("SELECT 1;\n")
    target = make_target(
        {
            "gate.toml": """
        [security]
        paths = ["app", "missing", "../outside", "link"]
        [migrations]
        paths = ["db/*.sql", "../outside/x.sql"]
        [coverage]
        report = "coverage.xml"
        [service]
        url = "http://127.0.0.1:8000"
        [load]
        locustfile = "load/locustfile.py"
    """,
            "app/main.py": "X = 1\n",
        }
    )
    (target / "link").symlink_to(tmp_path / "outside")
    where = f"{target / 'gate.toml'}"
    root = target.resolve()
    assert problems_of(target) == [
        f"{where}: security.paths: 'missing' does not exist in {root}",
        f"{where}: security.paths: '../outside' lies outside the target; expected a path relative to {root}",
        f"{where}: security.paths: 'link' lies outside the target {root} (through a symlink)",
        f"{where}: coverage.report: 'coverage.xml' does not exist in {root}",
        f"{where}: migrations.paths: 'db/*.sql' matches no file in {root}",
        f"{where}: migrations.paths: '../outside/x.sql' lies outside the target; expected a path relative to {root}",
        f"{where}: load.locustfile: 'load/locustfile.py' does not exist in {root}",
    ]


def test_a_byte_order_mark_is_accepted(make_target: MakeTarget) -> None:
    target = make_target({"README.md": "a service\n"})
    (target / "gate.toml").write_bytes("\ufeff[security]\ninclude_tests = true\n".encode())
    assert load_config(target).sections["security"].include_tests is True  # type: ignore[attr-defined]


def test_a_gate_toml_that_is_a_directory_or_a_symlink_loop_is_named(make_target: MakeTarget) -> None:
    target = make_target({"pyproject.toml": "[project]\nname = 'x'\n"})
    (target / "gate.toml").mkdir()
    assert problems_of(target) == [f"{target / 'gate.toml'}: is a directory or other non-file; expected a TOML file"]
    (target / "gate.toml").rmdir()
    (target / "gate.toml").symlink_to(target / "loop.toml")
    (target / "loop.toml").symlink_to(target / "gate.toml")
    assert problems_of(target) == [
        f"{target / 'gate.toml'}: cannot read: Too many levels of symbolic links (expected a TOML file)"
    ]
