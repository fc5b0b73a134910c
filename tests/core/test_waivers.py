"""Waivers: matching, expiry, stale detection."""

from __future__ import annotations

import dataclasses
import datetime as dt

from gate.model import Finding, Severity, Waiver, WaiverState
from gate.waivers import apply_waivers, waiver_uses

TODAY = dt.date(2026, 11, 24)


def finding(rule: str, path: str) -> Finding:
    return Finding(check="security", tool="bandit", rule=rule, severity=Severity.HIGH, message="m", path=path, line=1)


def test_a_waiver_applies_by_check_rule_and_path_glob() -> None:
    waiver = Waiver("security", "B608", "reviewed", dt.date(2026, 12, 31), path="app/legacy/*")
    findings = [finding("B608", "app/legacy/q.py"), finding("B608", "app/new.py"), finding("B105", "app/legacy/q.py")]
    kept, waived, counts = apply_waivers(findings, [waiver], TODAY)
    assert [f.path for f in waived] == ["app/legacy/q.py"]
    assert [(f.rule, f.path) for f in kept] == [("B608", "app/new.py"), ("B105", "app/legacy/q.py")]
    assert counts == [1]


def test_an_expired_waiver_no_longer_applies_and_is_reported_as_expired() -> None:
    waiver = Waiver("security", "B608", "reviewed", dt.date(2026, 11, 23))
    kept, waived, counts = apply_waivers([finding("B608", "a.py")], [waiver], TODAY)
    assert len(kept) == 1 and not waived
    assert waiver_uses([waiver], counts, {"security"}, TODAY)[0].state is WaiverState.EXPIRED


def test_a_waiver_is_valid_on_its_expiry_day() -> None:
    waiver = Waiver("security", "B608", "reviewed", dt.date(2026, 11, 24))
    kept, waived, _ = apply_waivers([finding("B608", "a.py")], [waiver], TODAY)
    assert len(waived) == 1 and not kept


def test_stale_and_unchecked_waivers() -> None:
    stale = Waiver("security", "B999", "old", dt.date(2027, 1, 1))
    other = Waiver("coverage", "x", "why", dt.date(2027, 1, 1))
    uses = waiver_uses([stale, other], [0, 0], {"security"}, TODAY)
    assert [u.state for u in uses] == [WaiverState.STALE, WaiverState.UNCHECKED]


def test_an_api_finding_is_waived_by_its_operation() -> None:
    docs = Finding(
        check="docs",
        tool="gate",
        rule="docs.missing-summary",
        severity=Severity.LOW,
        message="m",
        operation="GET /items/{item_id}",
    )
    waiver = Waiver("docs", "docs.missing-*", "legacy endpoint", dt.date(2027, 1, 1), path="GET /items/*")
    _, waived, _ = apply_waivers([docs], [waiver], TODAY)
    assert waived == (dataclasses.replace(docs, waiver=waiver),)
    other = Waiver("docs", "docs.missing-*", "legacy endpoint", dt.date(2027, 1, 1), path="POST /items")
    assert apply_waivers([docs], [other], TODAY)[1] == ()


def test_a_waived_finding_carries_the_first_waiver_that_applied() -> None:
    expired = Waiver("security", "B608", "old reason", dt.date(2026, 1, 1))
    first = Waiver("security", "B6*", "reviewed", dt.date(2027, 1, 1))
    second = Waiver("security", "B608", "also reviewed", dt.date(2027, 6, 1))
    _, waived, counts = apply_waivers([finding("B608", "a.py")], [expired, first, second], TODAY)
    assert [f.waiver for f in waived] == [first]
    assert counts == [1, 1, 1]
