"""The bundled policies for partial services (static: code without an HTTP service; migrations:
migrations only): they load, keep default.toml's standards, reach a decided verdict on such a
repository, and the usage error of the default policy names the one that fits."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.policy import load_policy, policies_dir
from tests.conftest import check_of

Make = Callable[[Mapping[str, str]], Path]
CODE_ONLY = {
    "textkit/__init__.py": "def words(text):\n    return text.split()\n",
    "tests/test_words.py": "from textkit import words\n\n\ndef test_words():\n    assert words('a b') == ['a', 'b']\n",
}
MIGRATIONS_ONLY = {
    "migrations/000001_create_users.up.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY);\n",
    "migrations/000001_create_users.down.sql": "DROP TABLE users;\n",
}
CODE_CONFIG = """
[coverage]
command = "python -m coverage run --source=textkit -m pytest -q"
"""
MIGRATIONS_CONFIG = """
[migrations]
paths = ["migrations"]
dialect = "postgres"
"""


def _tables(name: str) -> dict[str, Any]:
    checks: dict[str, Any] = tomllib.loads((policies_dir() / f"{name}.toml").read_text())["checks"]
    return checks


@pytest.mark.parametrize("name", ["static", "migrations"])
def test_the_partial_policies_load_and_copy_the_default_standards(name: str, tmp_path: Path) -> None:
    policy = load_policy(name, tmp_path, {}, "gate.toml")
    assert policy.name == name
    default = _tables("default")
    for check_id, table in _tables(name).items():
        if table.get("enabled", True):
            judged = {k: v for k, v in table.items() if k != "required"}
            assert judged == {k: v for k, v in default[check_id].items() if k != "required"}, check_id
    live = ["docs", "fuzz", "load", "practices"]
    assert all(not policy.checks[c].enabled for c in live)


def test_a_code_only_repository_with_policy_static_reaches_a_verdict(
    make_target: Make, run_gate: Callable[..., Any]
) -> None:
    target = make_target({**CODE_ONLY, "gate.toml": 'policy = "static"\n' + CODE_CONFIG})
    result, report = run_gate(target)
    assert result.exit_code == 0, result.output
    assert report is not None and report["verdict"] == "pass"
    assert check_of(report, "coverage")["metrics"]["percent"] == 100.0
    assert check_of(report, "security")["status"] == "pass"
    assert check_of(report, "fuzz")["status"] == "skipped"


def test_a_migrations_only_repository_with_policy_migrations_reaches_a_verdict(
    make_target: Make, run_gate: Callable[..., Any]
) -> None:
    target = make_target({**MIGRATIONS_ONLY, "gate.toml": 'policy = "migrations"\n' + MIGRATIONS_CONFIG})
    result, report = run_gate(target)
    assert result.exit_code == 0, result.output
    assert report is not None and report["verdict"] == "pass"
    assert check_of(report, "migrations")["status"] == "pass"
    assert {c["id"] for c in report["checks"] if c["status"] != "skipped"} == {"migrations"}


@pytest.mark.parametrize(
    ("files", "config", "fits"),
    [(CODE_ONLY, CODE_CONFIG, "static"), (MIGRATIONS_ONLY, MIGRATIONS_CONFIG, "migrations")],
)
def test_the_default_policy_names_the_policy_that_fits(
    make_target: Make, files: Mapping[str, str], config: str, fits: str
) -> None:
    target = make_target({**files, "gate.toml": config})
    done = CliRunner().invoke(cli, ["validate", str(target)], catch_exceptions=False)
    assert done.exit_code == 2
    required = [line for line in done.output.splitlines() if "requires it" in line]
    assert required and all(f'use policy = "{fits}"' in line for line in required), done.output


def test_no_policy_is_suggested_when_none_fits(make_target: Make) -> None:
    # Only security is configured (it always is): the migrations policy requires [migrations], and
    # static requires coverage, so neither would run.
    target = make_target({"textkit/__init__.py": "", "gate.toml": "[security]\npaths = ['textkit']\n"})
    done = CliRunner().invoke(cli, ["validate", str(target)], catch_exceptions=False)
    assert done.exit_code == 2
    assert "requires it" in done.output and "use policy" not in done.output
