"""diff-cover's JSON report and error output, read as the coverage check reads them (recorded real output)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gate.checks.coverage import changed
from gate.errors import CheckError
from tests.support import paths

DATA = paths.DATA / "coverage"
ROOT = Path("/repo")


def report(src_stats: dict[str, Any], lines: int, missing: int) -> dict[str, Any]:
    # The shape diff-cover 11 writes (report_generator.report_dict), trimmed to what gate reads.
    return {"src_stats": src_stats, "total_num_lines": lines, "total_num_violations": missing}


def stats(covered: list[Any], missing: list[Any]) -> dict[str, Any]:
    return {"percent_covered": 0.0, "covered_lines": covered, "violation_lines": missing, "violations": []}


def test_paths_from_the_repository_root_become_paths_from_the_target() -> None:
    data = report(
        {"svc/app/a.py": stats([3, 4], [7, 8, 9, 12]), "svc/docs/x.md": stats([], []), "lib/b.py": stats([1], [])},
        7,
        4,
    )
    lines = changed.parse(data, "origin/main", ROOT, ROOT / "svc")
    assert [(f.path, f.lines, f.missing_lines) for f in lines.files] == [
        ("../lib/b.py", 1, ()),
        ("app/a.py", 6, (7, 8, 9, 12)),
    ]  # the unmeasured Markdown file is left out
    assert lines.metrics() == {
        "changed_lines_percent": pytest.approx(100.0 * 3 / 7),
        "changed_lines": 7,
        "changed_lines_missing": 4,
    }
    (finding,) = lines.findings("coverage")
    assert (finding.path, finding.line) == ("app/a.py", 7)
    assert finding.message == "4 of 6 changed lines since origin/main not run by the tests: 7-9, 12"


def test_no_measured_changed_line_declares_the_percentage_not_measured() -> None:
    lines = changed.parse(report({}, 0, 0), "main", ROOT, ROOT)
    assert lines.metrics() == {"changed_lines": 0, "changed_lines_missing": 0}
    assert lines.not_measured() == {
        "changed_lines_percent": "no changed line since main is a statement the coverage data measures"
    }
    assert lines.details()["notes"] and lines.findings("coverage") == ()


@pytest.mark.parametrize(
    "data, message",
    [
        (report({"a.py": stats([1], [2])}, 3, 1), "totals (3 lines, 1 missing) disagree with its files"),
        (report({"a.py": stats([1], ["2"])}, 2, 1), "line numbers that are not whole numbers"),
        (report({"a.py": {"covered_lines": [1]}}, 1, 0), "src_stats['a.py']: field 'violation_lines' missing"),
        ({"src_stats": {}}, "field 'total_num_lines' missing or not a whole number"),
        ({"total_num_lines": 0}, "field 'src_stats' missing"),
    ],
)
def test_a_report_gate_cannot_read_is_an_error(data: dict[str, Any], message: str) -> None:
    with pytest.raises(CheckError, match="^diff-cover report: ") as caught:
        changed.parse(data, "main", ROOT, ROOT)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "name, message",
    [
        (
            "diff-cover-bad-ref.stderr",
            "Could not find the branch to compare to. Does 'nosuch' exist? "
            "the `--compare-branch` argument allows you to set a different branch.",
        ),
        ("diff-cover-no-repo.stderr", "fatal: not a git repository (or any of the parent directories): .git"),
    ],
)
def test_the_error_quoted_is_diff_covers_own_last_exception(name: str, message: str) -> None:
    assert changed._message((DATA / name).read_text(encoding="utf-8")) == message
