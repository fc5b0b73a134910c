"""JUnit XML: parsed back with an XML parser; counts and messages match the report."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from gate.model import Status
from gate.reporters import junit
from tests.support.canonical import SCRIPT, UNICODE, canonical_report


def _parse() -> ET.Element:
    return ET.fromstring(junit.render(canonical_report()).encode("utf-8"))


def _suite(root: ET.Element, name: str) -> ET.Element:
    (suite,) = root.findall(f"testsuite[@name='{name}']")
    return suite


def test_a_suite_per_check_with_consistent_counts() -> None:
    root = _parse()
    report = canonical_report()
    assert [s.get("name") for s in root] == [c.id for c in report.checks]
    for suite in root:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        for key, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
            assert int(suite.get(key, "-1")) == sum(1 for c in cases if c.find(tag) is not None)
    for key in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(key, "-1")) == sum(int(s.get(key, "0")) for s in root)
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "22",
        "9",
        "1",
        "1",
    )


def test_status_case_mirrors_each_check() -> None:
    root = _parse()
    for check in canonical_report().checks:
        status = _suite(root, check.id).find("testcase[@name='status']")
        assert status is not None
        outcome = {child.tag for child in status} & {"failure", "error", "skipped"}
        expected = {Status.FAIL: {"failure"}, Status.ERROR: {"error"}, Status.SKIPPED: {"skipped"}}
        assert outcome == expected.get(check.status, set()), check.id


def test_messages_carry_reasons_findings_and_logs() -> None:
    root = _parse()
    load = _suite(root, "load")
    failure = load.find("testcase[@name='threshold p95_ms < 200']/failure")
    assert failure is not None and failure.get("message") == "p95_ms 212 ms < 200 ms"
    assert load.find("testcase[@name='threshold error_rate <= 0.01']/failure") is None
    critical = _suite(root, "security").find("testcase[@file='app/db.py'][@line='42']/failure[@type='critical']")
    assert critical is not None and SCRIPT in (critical.text or "")  # escaped by XML, intact once parsed
    error = _suite(root, "contracts").find("testcase/error")
    assert error is not None
    assert f"RuntimeError: {UNICODE}" in (error.text or "")  # ANSI colour codes removed
    assert "\x1b" not in junit.render(canonical_report())
    skipped = _suite(root, "mutation").find("testcase/skipped")
    assert skipped is not None and skipped.get("message") == "not configured: add a [mutation] section"
    curl = _suite(root, "fuzz").find("testcase[@name='schemathesis not_a_server_error on POST /items']/failure")
    assert curl is not None and "curl: curl -X POST" in (curl.text or "")
    # an API operation is not a file: no file attribute for CI to link
    assert [c.get("file") for c in _suite(root, "fuzz").findall("testcase")] == [None, None, None]


def test_findings_below_fail_at_pass_with_their_text() -> None:
    migrations = _suite(_parse(), "migrations")
    cases = migrations.findall("testcase")
    assert [c.find("failure") for c in cases] == [None, None, None]
    out = cases[1].find("system-out")
    assert out is not None and (out.text or "").startswith("low: Query produces")


def test_control_characters_never_make_invalid_xml() -> None:
    report = canonical_report()
    nasty = dataclasses.replace(report.checks[6], reasons=("nul \x00 bell \x07 esc \x1b[2J done",))
    text = junit.render(dataclasses.replace(report, checks=(nasty,)))
    root = ET.fromstring(text.encode("utf-8"))
    error = root.find("testsuite/testcase/error")
    assert error is not None and error.get("message") == "nul \ufffd bell \ufffd esc done"


def test_each_finding_fails_by_its_own_blocking_flag() -> None:
    # Two equal findings (same rule, file, line) where the policy blocks only the first: the
    # reporter follows each finding's own flag, not an equality search of check.failing.
    report = canonical_report()
    check = next(c for c in report.checks if c.findings)
    twin = check.findings[0]
    twins = (dataclasses.replace(twin, blocking=True), dataclasses.replace(twin, blocking=False))
    check = dataclasses.replace(check, findings=twins)
    root = ET.fromstring(junit.render(dataclasses.replace(report, checks=(check,))).encode("utf-8"))
    cases = root.findall("testsuite/testcase")[1 + len(check.measurements) :]
    assert [case.find("failure") is not None for case in cases] == [True, False]
