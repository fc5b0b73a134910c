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


def test_a_clean_service_passes_every_static_check(
    copy_fixture: Callable[[str], Path], run_gate: Callable[..., Any]
) -> None:
    target = copy_fixture("project_clean")
    result, report = run_gate(target, "--only", STATIC)
    assert result.exit_code == 0, result.output
    assert report["verdict"] == "pass"
    for check_id in STATIC.split(","):
        assert check_of(report, check_id)["status"] == "pass", check_of(report, check_id)
    assert check_of(report, "coverage")["metrics"]["percent"] == 100.0
    assert check_of(report, "security")["findings"] == []
    assert not list(target.glob(".coverage*")), "coverage data was left in the target"


def test_a_planted_service_fails_exactly_the_checks_it_should(
    copy_fixture: Callable[[str], Path], run_gate: Callable[..., Any]
) -> None:
    target = copy_fixture("project_planted")
    result, report = run_gate(target, "--only", STATIC)
    assert result.exit_code == 1, result.output
    assert report["verdict"] == "fail"

    security = check_of(report, "security")
    assert security["status"] == "fail"
    flagged = {(f["rule"], f["path"], f["line"]): f for f in security["findings"]}
    # bandit and semgrep see the same problems; where a gate rule covers a bandit test on the same
    # line the report shows one finding that names both tools.
    assert ("gate.sql-built-from-strings", "app/users.py", 11) in flagged  # f-string SQL reaching execute()
    assert ("B608", "app/users.py", 10) in flagged  # bandit sees the f-string itself
    weak_hash = flagged[("gate.weak-password-hash", "app/users.py", 15)]
    assert weak_hash["extra"]["also_reported_by"] == "bandit B324"
    assert ("gate.hardcoded-secret", "app/users.py", 6) in flagged
    assert {f["severity"] for f in security["findings"]} >= {"critical", "high"}

    coverage = check_of(report, "coverage")
    assert coverage["status"] == "fail"
    assert coverage["metrics"]["percent"] == pytest.approx(65.625)
    assert "percent 65.62 % > 80 %: not met" in coverage["reasons"]

    migrations = check_of(report, "migrations")
    assert migrations["status"] == "fail"
    by_file = {(f["path"], f["rule"]) for f in migrations["findings"]}
    assert ("migrations/002_broken.sql", "PRS") in by_file
    assert ("migrations/001_create_users.sql", "CP01") in by_file
    unparsable = [f for f in migrations["findings"] if f["rule"] == "PRS"]
    assert unparsable[0]["severity"] == "high"
