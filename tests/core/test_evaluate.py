"""The pure policy decision: thresholds, severities, rules, and fail-closed on missing metrics."""

from __future__ import annotations

from pathlib import Path

from gate.evaluate import evaluate
from gate.model import Finding, Observation, Severity, Status
from gate.policy import CheckPolicy, Threshold, load_policy


def finding(severity: Severity, rule: str = "R1") -> Finding:
    return Finding(check="security", tool="t", rule=rule, severity=severity, message="m", path="a.py", line=3)


def judge(metrics: dict[str, float], policy: CheckPolicy, findings: tuple[Finding, ...] = ()) -> Status:
    return evaluate(Observation(metrics=metrics, findings=findings), findings, policy).status


def test_coverage_threshold_is_strict_at_80() -> None:
    policy = load_policy("default", Path("."), {}, "test").checks["coverage"]
    changed = {"changed_lines_percent": 100.0}
    assert judge({"percent": 80.0, **changed}, policy) is Status.FAIL
    assert judge({"percent": 79.99, **changed}, policy) is Status.FAIL
    assert judge({"percent": 80.0001, **changed}, policy) is Status.PASS


def test_changed_line_coverage_is_judged_at_80_inclusive() -> None:
    policy = load_policy("default", Path("."), {}, "test").checks["coverage"]
    assert judge({"percent": 90.0, "changed_lines_percent": 80.0}, policy) is Status.PASS
    assert judge({"percent": 90.0, "changed_lines_percent": 79.99}, policy) is Status.FAIL


def test_a_threshold_on_a_metric_the_check_did_not_measure_on_purpose_is_not_judged_and_says_why() -> None:
    policy = CheckPolicy(thresholds={"percent": Threshold(">", 80.0), "changed_percent": Threshold(">=", 80.0)})
    observation = Observation(metrics={"percent": 90.0}, not_measured={"changed_percent": "needs --diff-base REF"})
    judgement = evaluate(observation, (), policy)
    assert judgement.status is Status.PASS
    assert judgement.reasons == (
        "percent 90 % > 80 %: met",
        "changed_percent >= 80 %: not judged, needs --diff-base REF",
    )
    assert [m.metric for m in judgement.measurements] == ["percent"]  # nothing was met or missed
    assert judgement.threshold_reasons == ("percent 90 % > 80 %: met",)
    # The line comes with every status, and a failure elsewhere still fails.
    failed = evaluate(Observation(metrics={"percent": 50.0}, not_measured=observation.not_measured), (), policy)
    assert failed.status is Status.FAIL and failed.reasons[-1].endswith("not judged, needs --diff-base REF")


def test_a_metric_reported_and_declared_not_measured_is_judged() -> None:
    # The measurement wins: a check cannot hide a value it reported behind a "not measured".
    policy = CheckPolicy(thresholds={"changed_percent": Threshold(">=", 80.0)})
    observation = Observation(metrics={"changed_percent": 10.0}, not_measured={"changed_percent": "why"})
    assert evaluate(observation, (), policy).status is Status.FAIL


def test_an_unreported_metric_not_declared_is_still_an_error() -> None:
    policy = CheckPolicy(thresholds={"percent": Threshold(">", 80.0), "other": Threshold(">", 1.0)})
    observation = Observation(metrics={}, not_measured={"other": "not asked for"})
    judgement = evaluate(observation, (), policy)
    assert judgement.status is Status.ERROR
    assert judgement.reasons == ("percent not reported (threshold > 80 %)", "other > 1: not judged, not asked for")


def test_reasons_name_the_value_and_the_limit() -> None:
    policy = CheckPolicy(thresholds={"p95_ms": Threshold("<", 200.0)})
    judgement = evaluate(Observation(metrics={"p95_ms": 212.5}), (), policy)
    assert judgement.status is Status.FAIL
    assert judgement.reasons == ("p95_ms 212.5 ms < 200 ms: not met",)


def test_a_threshold_on_an_unreported_metric_is_an_error_not_a_pass() -> None:
    policy = CheckPolicy(thresholds={"percent": Threshold(">", 80.0)})
    judgement = evaluate(Observation(metrics={}), (), policy)
    assert judgement.status is Status.ERROR
    assert "percent not reported" in judgement.reasons[0]


def test_findings_at_or_above_fail_at_fail() -> None:
    policy = CheckPolicy(fail_at=Severity.MEDIUM, warn_at=Severity.LOW)
    assert judge({}, policy, (finding(Severity.MEDIUM),)) is Status.FAIL
    assert judge({}, policy, (finding(Severity.LOW),)) is Status.WARN
    assert judge({}, policy, (finding(Severity.INFO),)) is Status.PASS
    assert judge({}, policy, ()) is Status.PASS


def test_fail_rules_fail_whatever_the_severity() -> None:
    policy = CheckPolicy(fail_at=Severity.HIGH, fail_rules=("gate.sql-*",))
    assert judge({}, policy, (finding(Severity.LOW, "gate.sql-fstring"),)) is Status.FAIL
    assert judge({}, policy, (finding(Severity.LOW, "gate.other"),)) is Status.PASS


def test_a_failed_threshold_and_findings_are_both_reported() -> None:
    policy = CheckPolicy(fail_at=Severity.LOW, thresholds={"violations": Threshold("==", 0)})
    judgement = evaluate(Observation(metrics={"violations": 2}), (finding(Severity.HIGH),), policy)
    assert judgement.status is Status.FAIL
    assert len(judgement.reasons) == 2
    assert "1 finding (1 high)" in judgement.reasons[1]


def test_a_value_just_below_the_limit_never_reads_as_the_limit() -> None:
    policy = CheckPolicy(thresholds={"percent": Threshold(">", 80.0), "error_rate": Threshold("<", 0.01)})
    judgement = evaluate(Observation(metrics={"percent": 79.999, "error_rate": 0.002}), (), policy)
    assert judgement.reasons == ("percent 79.999 % > 80 %: not met",)
    assert judgement.measurements[1].describe() == "error_rate 0.002 < 0.01"


def test_each_finding_is_flagged_when_it_fails_the_policy() -> None:
    policy = CheckPolicy(fail_at=Severity.HIGH, warn_at=Severity.LOW, fail_rules=("B303",))
    findings = (finding(Severity.LOW, "B303"), finding(Severity.MEDIUM, "B101"), finding(Severity.CRITICAL))
    judgement = evaluate(Observation(metrics={}, findings=findings), findings, policy)
    assert [f.blocking for f in judgement.findings] == [True, False, True]
    assert [f.rule for f in judgement.findings] == [f.rule for f in findings]


def test_a_metric_that_is_not_a_finite_number_is_an_error() -> None:
    policy = CheckPolicy(thresholds={"percent": Threshold(">", 80.0)})
    judgement = evaluate(Observation(metrics={"percent": float("inf")}), (), policy)
    assert (judgement.status, judgement.reasons) == (Status.ERROR, ("percent is inf, not a number to judge",))
    assert evaluate(Observation(metrics={"percent": float("nan")}), (), policy).status is Status.ERROR
