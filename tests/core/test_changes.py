"""Change rules against a baseline, and the fingerprints a baseline matches findings on."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from gate.changes import judge_changes
from gate.errors import UsageError
from gate.fingerprint import digest, fingerprints
from gate.model import ChangeRule, Finding, Severity
from gate.policy import load_policy


def test_coverage_may_drop_by_the_allowed_amount_and_no_more() -> None:
    rules = load_policy("default", Path("."), {}, "test").checks["coverage"].changes
    within, beyond = (
        judge_changes(rules, {"percent": 85.0}, {"percent": 84.0}),
        judge_changes(rules, {"percent": 85.0}, {"percent": 83.9}),
    )
    assert [m.ok for m in within] == [True]
    assert [m.ok for m in beyond] == [False]
    assert beyond[0].describe() == "percent 85 % -> 83.9 % (-1.1 %; may drop by at most 1)"


def test_a_rise_within_either_allowance_passes_and_beyond_both_fails() -> None:
    rule = ChangeRule(max_rise=10, max_ratio=1.25)
    assert rule.allows(10, 18)  # +80 % but only +8 ms: noise on a fast endpoint
    assert rule.allows(100, 124)  # +24 ms but within 1.25x
    assert not rule.allows(100, 126)
    assert ChangeRule(max_ratio=1.25).allows(10, 12.5) and not ChangeRule(max_ratio=1.25).allows(10, 13)
    assert ChangeRule(max_drop=0).allows(90, 95) and not ChangeRule(max_drop=0).allows(90, 89.9)


def test_a_metric_missing_from_either_run_is_not_judged() -> None:
    rules = {"p95_ms": ChangeRule(max_rise=10), "percent": ChangeRule(max_drop=1)}
    measured = judge_changes(rules, {"p95_ms": 50.0}, {"percent": 80.0, "p95_ms": float("nan")})
    assert [(m.metric, m.ok) for m in measured] == [("p95_ms", None), ("percent", None)]
    assert measured[1].describe() == "percent: not in the baseline, change not judged"


def test_a_change_rule_that_allows_nothing_is_a_usage_error(tmp_path: Path) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text('[checks.coverage]\nthresholds.percent = { op = ">", value = 1 }\nchanges.percent = {}\n')
    with pytest.raises(UsageError) as raised:
        load_policy(str(policy), tmp_path, {}, "test")
    assert "changes.percent" in str(raised.value) and "max_drop" in str(raised.value)
    assert tomllib.loads(policy.read_text())  # the file itself is valid TOML: the policy model rejected it


def _finding(line: int, snippet: str = "cur.execute(f'SELECT {x}')") -> Finding:
    return Finding("security", "semgrep", "gate.sql-injection", Severity.HIGH, "m", "app/db.py", line, snippet)


def test_a_fingerprint_survives_moving_code_but_not_changing_it() -> None:
    assert digest(_finding(10)) == digest(_finding(30))
    assert digest(_finding(10, "cur.execute(f'SELECT  {x}')")) == digest(_finding(10))  # whitespace only
    assert digest(_finding(10, "cur.execute(f'DELETE {x}')")) != digest(_finding(10))
    assert digest(dataclasses.replace(_finding(10), path="app/other.py")) != digest(_finding(10))


def test_identical_findings_are_told_apart_by_their_occurrence() -> None:
    first, second = fingerprints([_finding(10), _finding(40)])
    assert first.split(":")[0] == second.split(":")[0]
    assert (first[-2:], second[-2:]) == (":1", ":2")
