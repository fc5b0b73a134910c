"""The pure comparison on small hand-made reports: findings as a multiset, waived and non-blocking ones."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from gate.compare import compare
from gate.model import CheckResult, Finding, GateReport, Severity, Status, Verdict, Waiver
from gate.policy import load_policy

POLICY = load_policy("default", Path.cwd(), {}, "")


def _finding(line: int, blocking: bool = True, snippet: str = "run(cmd + x)") -> Finding:
    return Finding(
        "security", "semgrep", "gate.shell", Severity.HIGH, "shell built", "app/a.py", line, snippet, blocking=blocking
    )


def _report(*findings: Finding, status: Status = Status.FAIL, waived: tuple[Finding, ...] = ()) -> GateReport:
    check = CheckResult("security", "Security", status, (), 1.0, findings=findings, waived=waived)
    verdict = Verdict.FAIL if status is Status.FAIL else Verdict.PASS
    return GateReport(verdict, "/srv/t", "default (x)", "2026-01-01T00:00:00+00:00", 1.0, (check,))


def test_a_second_copy_of_a_finding_is_new_and_a_moved_one_is_not() -> None:
    result = compare(_report(_finding(3)), _report(_finding(13), _finding(14)), POLICY)
    assert [f.line for f in result.new] == [14]  # the copy; line 13 is line 3 moved
    assert result.fixed == ()
    assert result.problems == ("security: 1 new blocking finding",)
    back = compare(_report(_finding(13), _finding(14)), _report(_finding(3)), POLICY)
    assert [f.line for f in back.fixed] == [14] and not back.worse


def test_changed_code_on_the_same_line_is_new_and_fixed() -> None:
    result = compare(_report(_finding(3)), _report(_finding(3, snippet="run(other + x)")), POLICY)
    assert [f.snippet for f in result.new] == ["run(other + x)"]
    assert [f.snippet for f in result.fixed] == ["run(cmd + x)"]


def test_new_findings_that_do_not_block_do_not_make_b_worse() -> None:
    waiver = Waiver("security", "gate.shell", "accepted", dt.date(2099, 1, 1))
    waived = dataclasses.replace(_finding(9, blocking=False), waiver=waiver)
    result = compare(
        _report(status=Status.PASS), _report(_finding(5, blocking=False), status=Status.WARN, waived=(waived,)), POLICY
    )
    assert len(result.new) == 2 and not result.worse, result.problems


def test_a_check_skipped_or_missing_is_not_compared() -> None:
    skipped = dataclasses.replace(_report(), checks=(dataclasses.replace(_report().checks[0], status=Status.SKIPPED),))
    empty = dataclasses.replace(_report(), checks=())
    assert compare(skipped, skipped, POLICY).checks[0].notes == ("skipped in A and B: nothing to compare",)
    assert compare(empty, _report(), POLICY).checks[0].notes == ("not in A: nothing to compare",)
    assert compare(empty, skipped, POLICY).checks[0].notes == ("not in A, skipped in B: nothing to compare",)
    assert compare(empty, _report(_finding(1)), POLICY).new == ()  # nothing to say what is new
