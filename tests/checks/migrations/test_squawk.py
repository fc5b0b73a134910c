"""Reading squawk's JSON, on recorded real output (tests/data/squawk/), and its severity grading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.checks.migrations.squawk import read_report, severity_of
from gate.errors import CheckError
from gate.model import Severity
from tests.conftest import FIXTURES
from tests.support import paths

DATA = paths.DATA / "squawk"


def files_of(fixture: str, *names: str) -> tuple[Path, dict[Path, tuple[str, Path]]]:
    root = FIXTURES / fixture
    return root, {(root / "migrations" / n).resolve(): (f"migrations/{n}", root / "migrations" / n) for n in names}


@pytest.mark.parametrize(
    "rule, severity",
    [
        ("adding-required-field", Severity.HIGH),
        ("adding-not-nullable-field", Severity.HIGH),
        ("changing-column-type", Severity.HIGH),
        ("adding-foreign-key-constraint", Severity.HIGH),
        ("disallowed-unique-constraint", Severity.HIGH),
        ("renaming-column", Severity.HIGH),
        ("ban-drop-column", Severity.HIGH),
        ("require-concurrent-index-creation", Severity.HIGH),
        ("ban-concurrent-index-creation-in-transaction", Severity.HIGH),
        ("syntax-error", Severity.HIGH),
        ("ban-drop-not-null", Severity.MEDIUM),
        ("a-rule-of-a-newer-squawk", Severity.MEDIUM),
        ("prefer-bigint-over-int", Severity.INFO),
        ("prefer-text-field", Severity.INFO),
        ("prefer-identity", Severity.INFO),
        ("prefer-timestamp-tz", Severity.INFO),
        ("prefer-robust-stmts", Severity.INFO),
        ("require-lock-timeout", Severity.INFO),
    ],
)
def test_severity_grading(rule: str, severity: Severity) -> None:
    assert severity_of(rule) is severity


def test_recorded_hazards() -> None:
    cwd, files = files_of("migrations_hazards", "000001_create_orders.up.sql", "000002_orders_hazards.up.sql")
    findings = read_report((DATA / "hazards.json").read_text(), cwd, files)
    up = "migrations/000002_orders_hazards.up.sql"
    high = [(f.rule, f.path, f.line) for f in findings if f.severity is Severity.HIGH]
    assert high == [
        ("adding-required-field", up, 1),
        ("changing-column-type", up, 3),
        ("adding-foreign-key-constraint", up, 6),
        ("disallowed-unique-constraint", up, 9),
        ("renaming-column", up, 11),
        ("ban-drop-column", up, 13),
        ("adding-not-nullable-field", up, 15),
        ("require-concurrent-index-creation", up, 17),
    ]
    # squawk also says constraint-missing-not-valid on lines 6 and 9: the same hazard, reported once.
    assert "constraint-missing-not-valid" in (DATA / "hazards.json").read_text()
    assert not [f for f in findings if f.rule == "constraint-missing-not-valid"]
    first = next(f for f in findings if f.rule == "adding-required-field")
    assert first.snippet == "ALTER TABLE orders ADD COLUMN status text NOT NULL;"  # squawk's line 0 is line 1
    assert first.message.endswith("makes it required. Make the field nullable or add a non-VOLATILE DEFAULT")
    assert {(f.check, f.tool) for f in findings} == {("migrations", "squawk")}


def test_recorded_syntax_errors_are_one_finding_per_line() -> None:
    cwd, files = files_of("migrations_unparsable", "001_create_users.sql", "002_broken.sql")
    findings = read_report((DATA / "unparsable.json").read_text(), cwd, files)
    assert [(f.rule, f.path, f.line, f.severity) for f in findings] == [
        ("prefer-identity", "migrations/001_create_users.sql", 2, Severity.INFO),
        ("syntax-error", "migrations/002_broken.sql", 3, Severity.HIGH),
    ]


def test_a_file_gate_did_not_ask_for_is_an_error() -> None:
    cwd, files = files_of("migrations_hazards", "000001_create_orders.up.sql")
    with pytest.raises(CheckError, match="did not ask for: migrations/000002_orders_hazards.up.sql"):
        read_report((DATA / "hazards.json").read_text(), cwd, files)


def _without(key: str) -> str:
    data = json.loads((DATA / "unparsable.json").read_text())
    del data[0][key]
    return json.dumps(data)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", r"squawk output: empty \(expected a JSON list of findings\)"),
        ("Failed to find files for provided patterns", r"squawk output: not JSON \("),
        ('{"file": "x"}', "squawk output: expected a JSON list of findings, found an object"),
        (_without("rule_name"), "without file, rule_name and message"),
        (_without("file"), "without file, rule_name and message"),
    ],
)
def test_garbage_is_an_error(text: str, message: str) -> None:
    cwd, files = files_of("migrations_unparsable", "001_create_users.sql", "002_broken.sql")
    with pytest.raises(CheckError, match=message):
        read_report(text, cwd, files)
