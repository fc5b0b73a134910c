"""`gate compare` on saved reports edited from the canonical one: metric deltas, change rules, exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.compare.conftest import check_in, run_compare

Save = Callable[[str, dict[str, Any]], Path]


def test_the_same_report_twice_is_not_worse(save: Save, canonical_json: dict[str, Any]) -> None:
    a = save("main", canonical_json)
    result = run_compare(a, a)
    assert result.exit_code == 0, result.output
    assert "B is not worse than A (exit 0): verdict ERROR -> ERROR, 0 new findings, 0 fixed" in result.stdout
    assert "New findings: none" in result.stdout
    assert "Fixed findings: none" in result.stdout
    assert "policy default (" in result.stdout and "the policy B's report names" in result.stdout


def test_a_coverage_drop_beyond_the_rule_exits_1(save: Save, canonical_json: dict[str, Any]) -> None:
    a = save("main", canonical_json)
    check_in(canonical_json, "coverage")["metrics"]["percent"] = 84.0  # -2.36 points; the rule allows 1
    b = save("pr", canonical_json)
    result = run_compare(a, b)
    assert result.exit_code == 1, result.output
    assert "coverage: percent 86.36 % -> 84 % (-2.36 %; may drop by at most 1): change rule not met" in result.stdout
    assert "B is worse than A (exit 1)" in result.stdout
    assert "1 change rule not met" in result.stdout


def test_a_coverage_drop_within_the_rule_and_an_improvement_exit_0(save: Save, canonical_json: dict[str, Any]) -> None:
    a = save("main", canonical_json)
    coverage = check_in(canonical_json, "coverage")
    coverage["metrics"]["percent"] = 85.5  # -0.86 points: allowed
    assert run_compare(a, save("pr1", canonical_json)).exit_code == 0
    coverage["metrics"]["percent"] = 91.0
    check_in(canonical_json, "docs")["metrics"]["documented_percent"] = 100.0
    result = run_compare(a, save("pr2", canonical_json))
    assert result.exit_code == 0, result.output
    assert "✓ percent 86.36 % -> 91 % (+4.64 %; may drop by at most 1)" in result.stdout
    assert "✓ documented_percent 90 % -> 100 % (+10 %; may drop by at most 0)" in result.stdout


def test_a_p95_rise_within_noise_passes_and_beyond_it_fails(save: Save, canonical_json: dict[str, Any]) -> None:
    a = save("main", canonical_json)
    load = check_in(canonical_json, "load")
    load["metrics"]["p95_ms"] = 220  # +8 ms: within max_rise 10
    quiet = run_compare(a, save("pr1", canonical_json))
    assert quiet.exit_code == 0, quiet.output
    assert "p95_ms 212 ms -> 220 ms (+8 ms)" in quiet.stdout
    load["metrics"]["p95_ms"] = 300  # +88 ms and 1.42x: beyond both
    slow = run_compare(a, save("pr2", canonical_json))
    assert slow.exit_code == 1, slow.output
    assert "load: p95_ms 212 ms -> 300 ms (+88 ms; may rise by at most 10 or to at most 1.25x the baseline)" in (
        slow.stdout
    )


def test_every_common_metric_is_shown_with_its_delta(save: Save, canonical_json: dict[str, Any]) -> None:
    a = save("main", canonical_json)
    load = check_in(canonical_json, "load")
    load["metrics"].update(p50_ms=50, p99_ms=280, requests=1400, error_rate=0.004)
    result = run_compare(a, save("pr", canonical_json))
    for line in (
        "p50_ms 45 ms -> 50 ms (+5 ms)",
        "p99_ms 300 ms -> 280 ms (-20 ms)",
        "requests 1500 -> 1400 (-100)",
        "error_rate 0.002 -> 0.004 (+0.002)",
        "coverage unchanged: statements 350, missing 37",
    ):
        assert line in result.stdout, result.stdout


def test_endpoints_are_listed_largest_p95_rise_first(save: Save, canonical_json: dict[str, Any]) -> None:
    a = save("main", canonical_json)
    endpoints = check_in(canonical_json, "load")["details"]["endpoints"]
    endpoints[0]["p95_ms"] = 400  # GET /items: 180 -> 400
    endpoints[1]["p95_ms"] = 230  # POST /items/{id}: 240.5 -> 230
    endpoints.append({"name": "/health", "method": "GET", "requests": 50, "p95_ms": 3})
    result = run_compare(a, save("pr", canonical_json))
    # One endpoint slower is news, not a failure: the check's whole p95 decides (as the policy judges it).
    assert result.exit_code == 0, result.output
    section = result.stdout.split("Endpoint latency (largest p95 rise first")[1].splitlines()
    assert "✗ beyond the check's p95_ms change rule, shown only: the rule judges the whole" in section[0]
    assert "GET /items" in section[1] and "✗ p95 180 ms -> 400 ms (+220 ms)" in section[1]
    assert "POST /items/{id}" in section[2] and "  p95 240.5 ms -> 230 ms (-10.5 ms)" in section[2]
    assert "GET /health" in section[3] and "measured in B only: p95 3 ms" in section[3]


def test_a_worse_check_status_or_verdict_exits_1(save: Save, canonical_json: dict[str, Any]) -> None:
    a = save("main", canonical_json)
    check_in(canonical_json, "docs")["status"] = "fail"
    result = run_compare(a, save("pr", canonical_json))
    assert result.exit_code == 1
    assert "  - docs: pass -> fail" in result.stdout
    canonical_json["verdict"] = "pass"
    b = save("pr2", canonical_json)
    worse = run_compare(b, a)
    assert worse.exit_code == 1
    assert "  - verdict PASS -> ERROR" in worse.stdout


def test_reports_of_different_targets_are_compared_with_a_warning(save: Save, canonical_json: dict[str, Any]) -> None:
    a = save("main", canonical_json)
    canonical_json["target"] = "/srv/repo/other"
    b = save("pr", canonical_json)
    comment = run_compare(a, b, "--format", "markdown").stdout.splitlines()
    assert comment[2].startswith("> ⚠️ A and B are runs of different targets") and comment[3] == ""
    result = run_compare(a, b)
    assert result.exit_code == 0, result.output
    assert (
        "warning: A and B are runs of different targets (/srv/repo/shop and /srv/repo/other); compared anyway"
        in result.stdout
    )


def test_a_check_run_in_one_report_only_is_named_not_compared(save: Save, canonical_json: dict[str, Any]) -> None:
    a = save("main", canonical_json)
    canonical_json["checks"] = [c for c in canonical_json["checks"] if c["id"] != "coverage"]
    result = run_compare(a, save("pr", canonical_json))
    assert result.exit_code == 0, result.output
    assert "not in B: nothing to compare" in result.stdout
