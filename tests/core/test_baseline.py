"""The pure judgement against a baseline: existing findings never fail, new ones do, metrics by change rules."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gate.baseline import Baseline, CheckBaseline, from_report
from gate.errors import UsageError
from gate.evaluate import evaluate
from gate.fingerprint import fingerprints
from gate.model import (
    BaselineRef,
    BaselineState,
    ChangeRule,
    CheckPolicy,
    CheckResult,
    Finding,
    GateReport,
    Observation,
    Severity,
    Status,
    Threshold,
    Verdict,
)
from gate.policy import load_policy
from gate.redact import redact_report

POLICY = CheckPolicy(fail_at=Severity.MEDIUM)


def finding(rule: str = "B608", snippet: str = "q = 'x' + y", line: int = 3) -> Finding:
    return Finding("security", "bandit", rule, Severity.HIGH, "SQL", "app.py", line, snippet)


def test_findings_the_baseline_had_are_existing_and_never_fail() -> None:
    old = finding(line=3)
    baseline = CheckBaseline(fingerprints=tuple(fingerprints([old])), metrics={})
    moved = finding(line=23)  # the same code 20 lines lower
    judgement = evaluate(Observation({}), (moved,), POLICY, baseline)
    assert judgement.status is Status.PASS
    assert [(f.baseline, f.blocking) for f in judgement.findings] == [(BaselineState.EXISTING, False)]
    assert any("1 existing finding (1 high) already in the baseline" in r for r in judgement.reasons)


def test_only_new_findings_fail_and_the_count_says_new() -> None:
    baseline = CheckBaseline(fingerprints=tuple(fingerprints([finding()])), metrics={})
    new = finding(snippet="cur.execute('DELETE ' + x)")
    judgement = evaluate(Observation({}), (finding(), new), POLICY, baseline)
    assert judgement.status is Status.FAIL
    assert [f.baseline for f in judgement.findings] == [BaselineState.EXISTING, BaselineState.NEW]
    assert [f.blocking for f in judgement.findings] == [False, True]
    assert judgement.reasons[0].startswith("1 new finding (1 high) fails the policy")


def test_matching_is_a_multiset_and_gone_findings_are_counted() -> None:
    gone = finding(rule="B105", snippet="password = 'x'")
    baseline = CheckBaseline(fingerprints=tuple(fingerprints([finding(), gone])), metrics={})
    judgement = evaluate(Observation({}), (finding(), finding()), POLICY, baseline)
    assert [f.baseline for f in judgement.findings] == [BaselineState.EXISTING, BaselineState.NEW]
    assert judgement.absent == 1


def test_a_masked_snippet_in_the_saved_report_matches_the_raw_finding() -> None:
    raw = finding(rule="B105", snippet='password = "hunter2-very-secret"')
    saved = GateReport(
        Verdict.FAIL,
        "t",
        "p",
        "2026-01-01T00:00:00+00:00",
        1.0,
        (CheckResult("security", "S", Status.FAIL, (), 1.0, findings=(raw,)),),
    )
    baseline = from_report(redact_report(saved), "old.json")
    assert "hunter2" not in baseline.checks["security"].fingerprints[0]
    judgement = evaluate(Observation({}), (raw,), POLICY, baseline.of("security"))
    assert judgement.findings[0].baseline is BaselineState.EXISTING


def test_waived_findings_are_marked_too() -> None:
    baseline = CheckBaseline(fingerprints=tuple(fingerprints([finding()])), metrics={})
    judgement = evaluate(Observation({}), (), POLICY, baseline, waived=(finding(),))
    assert [f.baseline for f in judgement.waived] == [BaselineState.EXISTING]
    assert judgement.absent == 0


def coverage(percent: float) -> Observation:
    """A coverage observation as the check makes it without --diff-base (changed lines not measured)."""
    return Observation({"percent": percent}, not_measured={"changed_lines_percent": "measured only with --diff-base"})


def test_a_coverage_drop_beyond_the_change_rule_fails() -> None:
    policy = load_policy("default", Path("."), {}, "test").checks["coverage"]
    baseline = CheckBaseline(metrics={"percent": 85.0})
    # Without --diff-base the coverage check says why it did not measure changed lines.
    observation = Observation(
        {"percent": 83.9}, not_measured={"changed_lines_percent": "measured only with --diff-base"}
    )
    judgement = evaluate(observation, (), policy, baseline)
    assert judgement.status is Status.FAIL
    assert "percent 85 % -> 83.9 % (-1.1 %; may drop by at most 1): not met" in judgement.reasons
    assert [m.ok for m in judgement.changes] == [False]
    within = evaluate(coverage(84.5), (), policy, baseline)
    assert within.status is Status.PASS
    assert "percent 85 % -> 84.5 % (-0.5 %; may drop by at most 1): met" in within.reasons


def test_a_change_that_cannot_be_judged_is_a_note_not_a_failure() -> None:
    policy = CheckPolicy(thresholds={"percent": Threshold(">", 10)}, changes={"percent": ChangeRule(max_drop=1)})
    missing = evaluate(coverage(50.0), (), policy, CheckBaseline(metrics={}))
    assert missing.status is Status.PASS
    assert "percent: not in the baseline, change not judged" in missing.reasons
    errored = evaluate(coverage(50.0), (), policy, CheckBaseline(why_not="error in the baseline"))
    assert errored.status is Status.PASS and errored.changes == ()
    assert "change of percent not judged: the check was error in the baseline" in errored.reasons


def test_without_a_baseline_nothing_changes() -> None:
    judgement = evaluate(Observation({}), (finding(),), POLICY)
    assert judgement.findings[0].baseline is None and judgement.findings[0].blocking
    assert judgement.reasons == (
        "1 finding (1 high) fails the policy (severity medium or above, or a rule the policy always fails)",
    )


def test_a_check_the_baseline_did_not_run_has_no_metrics_and_every_finding_is_new() -> None:
    ref = BaselineRef("old.json", "2026-01-01T00:00:00+00:00", Verdict.PASS)
    skipped = CheckResult("coverage", "C", Status.SKIPPED, ("skipped with --skip",), 0.0, metrics={"percent": 1.0})
    baseline = from_report(GateReport(Verdict.PASS, "t", "p", ref.started_at, 1.0, (skipped,)), "old.json")
    assert baseline.ref == ref
    assert baseline.of("coverage").metrics is None and baseline.of("coverage").why_not == "skipped in the baseline"
    assert baseline.of("security") == CheckBaseline(why_not="not in the baseline")
    assert isinstance(baseline, Baseline)
    judgement = evaluate(Observation({}), (dataclasses.replace(finding()),), POLICY, baseline.of("security"))
    assert judgement.findings[0].baseline is BaselineState.NEW


def test_the_target_may_override_a_change_rule_under_its_thresholds(tmp_path: Path) -> None:
    overrides = {"coverage": {"percent": 85, "changes": {"percent": {"max_drop": 0.5}}}}
    coverage = load_policy("default", tmp_path, overrides, "gate.toml").checks["coverage"]
    assert coverage.changes == {"percent": ChangeRule(max_drop=0.5)}
    assert coverage.thresholds["percent"] == Threshold(">", 85.0)
    docs = load_policy("default", tmp_path, {}, "gate.toml").checks["docs"]
    assert docs.changes == {"documented_percent": ChangeRule(max_drop=0)}  # the others stay


def test_a_bad_change_override_names_the_key_and_what_was_expected(tmp_path: Path) -> None:
    bad = {"coverage": {"changes": {"percent": {"max_dorp": 1}, "branches": {"max_ratio": 0.5}}}}
    with pytest.raises(UsageError) as caught:
        load_policy("default", tmp_path, bad, "gate.toml")
    text = "\n".join(caught.value.problems)
    assert "gate.toml: thresholds.coverage.changes.percent.max_dorp" in text
    assert "gate.toml: thresholds.coverage.changes.branches.max_ratio" in text
    with pytest.raises(UsageError, match="expected changes.<metric> ="):
        load_policy("default", tmp_path, {"coverage": {"changes": 1}}, "gate.toml")
