"""End to end with the real tools: the static gate passes a clean service and fails a planted one."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, check_of

STATIC = "security,coverage,migrations"


@pytest.fixture
def copy_fixture(tmp_path: Path) -> Callable[[str], Path]:
    def copy(name: str) -> Path:
        return Path(shutil.copytree(FIXTURES / name, tmp_path / name))
    return copy


def test_a_clean_service_passes_every_static_check(copy_fixture: Callable[[str], Path],
                                                   run_gate: Callable[..., Any]) -> None:
    target = copy_fixture("project_clean")
    result, report = run_gate(target, "--only", STATIC)
    assert result.exit_code == 0, result.output
    assert report["verdict"] == "pass"
    for check_id in STATIC.split(","):
        assert check_of(report, check_id)["status"] == "pass", check_of(report, check_id)
    assert check_of(report, "coverage")["metrics"]["percent"] == 100.0
    assert check_of(report, "security")["findings"] == []
    assert not list(target.glob(".coverage*")), "coverage data was left in the target"


def test_a_planted_service_fails_exactly_the_checks_it_should(copy_fixture: Callable[[str], Path],
                                                             run_gate: Callable[..., Any]) -> None:
    target = copy_fixture("project_planted")
    result, report = run_gate(target, "--only", STATIC)
    assert result.exit_code == 1, result.output
    assert report["verdict"] == "fail"

    security = check_of(report, "security")
    assert security["status"] == "fail"
    flagged = {(f["rule"], f["path"], f["line"]) for f in security["findings"]}
    assert ("B608", "app/users.py", 10) in flagged  # SQL built from an f-string
    assert ("B324", "app/users.py", 15) in flagged  # md5 for passwords
    assert ("B105", "app/users.py", 6) in flagged  # hard-coded secret
    rules = {f["rule"] for f in security["findings"]}
    assert any(r.startswith("gate.sql-") for r in rules), rules
    assert any(r.startswith("gate.weak-password-hash") for r in rules), rules
    assert any(r.startswith("gate.hardcoded-") for r in rules), rules

    coverage = check_of(report, "coverage")
    assert coverage["status"] == "fail"
    assert coverage["metrics"]["percent"] == pytest.approx(65.625)
    assert "percent 65.63 % > 80 %: not met" in coverage["reasons"]

    migrations = check_of(report, "migrations")
    assert migrations["status"] == "fail"
    by_file = {(f["path"], f["rule"]) for f in migrations["findings"]}
    assert ("migrations/002_broken.sql", "PRS") in by_file
    assert ("migrations/001_create_users.sql", "CP01") in by_file
    unparsable = [f for f in migrations["findings"] if f["rule"] == "PRS"]
    assert unparsable[0]["severity"] == "high"
