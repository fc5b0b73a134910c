"""The security check's precision on real-world shapes (tests/fixtures/security_precision).

Each line after `# expect: <rule>` in the fixture must get a blocking finding of that rule; the
shapes marked `# negative` (dict values that are not literals, JSON schemas, messages, DDL over
literal names, placeholders, enums, documented examples, development settings, a verified JWT after
a peek) must not block, and the Django-style tests are not scanned.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from tests.conftest import FIXTURES, check_of

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]

PRECISION = FIXTURES / "security_precision"
_EXPECT = re.compile(r"#\s*expect:\s*(\S+)")


def expected_blocking() -> set[tuple[str, str, int]]:
    """(rule, path, line) for every line the fixture marks with `# expect: <rule>` above it."""
    expected = set()
    for path in sorted(PRECISION.rglob("*.py")):
        lines = path.read_text().splitlines()
        for number, text in enumerate(lines, start=1):
            match = _EXPECT.search(text)
            if match:
                expected.add((match.group(1), path.relative_to(PRECISION).as_posix(), number + 1))
    return expected


def test_the_fixture_marks_positives_and_negatives() -> None:
    expected = expected_blocking()
    assert len(expected) >= 8
    assert {rule for rule, _, _ in expected} >= {
        "gate.hardcoded-secret",
        "gate.sql-built-from-strings",
        "gate.weak-password-hash",
        "gate.jwt-signature-not-verified",
        "gate.debug-enabled",
    }
    negatives = sum(p.read_text().count("# negative") for p in PRECISION.rglob("*.py"))
    assert negatives >= 15


def test_only_the_real_problems_block_each_once(run_gate: RunGate, tmp_path: Path) -> None:
    result, report = run_gate(PRECISION, "--only", "security")
    assert report is not None, result.output
    check = check_of(report, "security")
    assert result.exit_code == 1, result.output
    blocking = [(f["rule"], f["path"], f["line"]) for f in check["findings"] if f["blocking"]]
    assert sorted(blocking) == sorted(expected_blocking())
    # no duplicates: one finding per rule and line, and one per line for a merged bandit twin
    located = Counter((f["rule"], f["path"], f["line"]) for f in check["findings"])
    assert [key for key, count in located.items() if count > 1] == []
    merged = {(f["path"], f["line"]) for f in check["findings"] if "also_reported_by" in f["extra"]}
    assert not [f for f in check["findings"] if f["tool"] == "bandit" and (f["path"], f["line"]) in merged]
    # bandit's LOW guesses on the negatives stay LOW: listed, never raised to blocking
    assert {f["severity"] for f in check["findings"] if not f["blocking"]} <= {"low", "info"}
    md5 = next(f for f in check["findings"] if f["rule"] == "gate.weak-password-hash")
    assert md5["extra"]["bandit_severity"] == "B324 high" and md5["severity"] == "critical"
    # Django's test layout is test code: apps/*/tests.py, tests/ packages in apps, conftest.py
    assert check["details"]["excluded_files"] == [
        "apps/accounts/tests.py",
        "apps/catalog/conftest.py",
        "apps/catalog/tests/__init__.py",
        "apps/catalog/tests/test_views.py",
    ]
    assert not [f for f in check["findings"] if "tests" in f["path"] or "conftest" in f["path"]]
