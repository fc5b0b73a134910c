"""Reading sqlfluff's JSON, on recorded real output (tests/data/sqlfluff/), and its severity mapping."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gate.checks.migrations.sqlfluff import read_report, severity_of
from gate.errors import CheckError
from gate.model import Severity
from tests.conftest import FIXTURES
from tests.support import paths

DATA = paths.DATA / "sqlfluff"


def files_of(fixture: str, *names: str) -> tuple[Path, dict[Path, str]]:
    root = FIXTURES / fixture
    return root, {root / "migrations" / n: f"migrations/{n}" for n in names}


@pytest.mark.parametrize(
    "code, severity",
    [
        ("PRS", Severity.HIGH),
        ("LXR", Severity.HIGH),
        ("TMP", Severity.HIGH),
        ("SFL", Severity.HIGH),
        ("LT05", Severity.LOW),
        ("CP01", Severity.LOW),
        ("AM04", Severity.LOW),
    ],
)
def test_severity_mapping(code: str, severity: Severity) -> None:
    assert severity_of(code) is severity


def test_recorded_violations() -> None:
    cwd, files = files_of("migrations_violations", "001_create_users.sql", "002_orders_index.sql")
    findings = read_report((DATA / "violations.json").read_text(), cwd, files)
    # Recorded when gate still forced PG01/PG02 on; they are off now (squawk judges those hazards)
    # and would read as ordinary rules.
    assert [(f.rule, f.line, f.severity) for f in findings] == [
        ("PG01", 1, Severity.LOW),
        ("PG02", 3, Severity.LOW),
        ("CP01", 7, Severity.LOW),
        ("CP01", 7, Severity.LOW),
    ]
    assert findings[1].snippet == "ALTER TABLE orders"  # where the statement starts
    assert findings[1].extra == {"name": "postgres.not_valid_foreign_key"}
    assert {f.path for f in findings} == {"migrations/002_orders_index.sql"}
    assert {(f.check, f.tool) for f in findings} == {("migrations", "sqlfluff")}


def test_recorded_parse_error_has_no_rule_name_but_is_high() -> None:
    cwd, files = files_of("migrations_unparsable", "001_create_users.sql", "002_broken.sql")
    [finding] = read_report((DATA / "unparsable.json").read_text(), cwd, files)
    assert (finding.rule, finding.severity, finding.line, finding.extra) == ("PRS", Severity.HIGH, 3, {})
    assert finding.snippet == "ALTER TABEL users DROP COLUMN nickname;"


def test_a_file_missing_from_the_report_is_an_error() -> None:
    # sqlfluff leaves out files it skipped (too large, ignored): not linted is not clean.
    cwd, files = files_of(
        "migrations_violations", "001_create_users.sql", "002_orders_index.sql", "003_not_reported.sql"
    )
    with pytest.raises(CheckError, match=re.escape("did not report on migrations/003_not_reported.sql")):
        read_report((DATA / "violations.json").read_text(), cwd, files)


def test_a_file_gate_did_not_ask_for_is_an_error() -> None:
    cwd, files = files_of("migrations_violations", "001_create_users.sql")
    with pytest.raises(CheckError, match=re.escape("did not ask for: migrations/002_orders_index.sql")):
        read_report((DATA / "violations.json").read_text(), cwd, files)


def _without(key: str) -> str:
    data = json.loads((DATA / "unparsable.json").read_text())
    del data[1]["violations"][0][key]
    return json.dumps(data)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", r"sqlfluff report sqlfluff\.json: empty \(expected a JSON list of files\)"),
        ("Traceback (most recent call last):", r"sqlfluff report sqlfluff\.json: not JSON \(.*line 1, column 1\)"),
        ('{"filepath": "x"}', "expected a JSON list of files, found an object"),
        ('[{"filepath": "migrations/001_create_users.sql"}]', "without filepath and violations"),
        (_without("code"), "violation without code and description"),
        (_without("description"), "violation without code and description"),
    ],
)
def test_garbage_is_an_error(text: str, message: str) -> None:
    cwd, files = files_of("migrations_unparsable", "001_create_users.sql", "002_broken.sql")
    with pytest.raises(CheckError, match=message):
        read_report(text, cwd, files)
