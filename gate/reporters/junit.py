"""gate-report.junit.xml: a testsuite per check, for CI test-report views.

Each suite starts with a `status` test case that mirrors the check's status exactly (the authoritative
one), then one case per policy threshold (and, against a baseline, per change rule), then one per finding.
A finding is a failure when it fails the policy (its severity reaches fail_at, or its rule is in fail_rules,
and, against a baseline, it is new).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from gate.model import BaselineState, CheckResult, Finding, GateReport, Status
from gate.numbers import short
from gate.reporters.common import one_line, safe
from gate.text import strip_ansi

FILENAME = "gate-report.junit.xml"
# Characters XML 1.0 cannot carry at all (tool logs contain ANSI escapes and NULs).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", strip_ansi(text))


def render(report: GateReport) -> str:
    """The JUnit XML document."""
    report = safe(report)
    root = ET.Element("testsuites", name=_x(f"gate {report.target}"), time=_secs(report.duration_s))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for check in report.checks:
        suite = _suite(check, _timestamp(report.started_at))
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(check: CheckResult, timestamp: str) -> ET.Element:
    suite = ET.Element("testsuite", name=_x(check.id), timestamp=timestamp, time=_secs(check.duration_s))
    classname = _x(f"gate.{check.id}")
    status = ET.SubElement(suite, "testcase", classname=classname, name="status", time=_secs(check.duration_s))
    reasons = _x("\n".join(check.reasons))
    if check.status is Status.FAIL:
        _child(status, "failure", reasons, "fail")
    elif check.status is Status.ERROR:
        body = reasons + ("\n\n" + _x(check.log_tail) if check.log_tail else "")
        _child(status, "error", body, "error", message=reasons)
    elif check.status is Status.SKIPPED:
        ET.SubElement(status, "skipped", message=reasons)
    elif reasons:
        ET.SubElement(status, "system-out").text = f"{check.status.value.upper()}: {reasons}"
    for m in check.measurements:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=classname,
            name=_x(f"threshold {m.metric} {m.op} {short(m.limit)}"),
            time="0",
        )
        if not m.ok:
            _child(case, "failure", _x(m.describe()), "threshold")
    for change in check.changes:
        case = ET.SubElement(suite, "testcase", classname=classname, name=_x(f"change {change.metric}"), time="0")
        if change.ok is False:
            _child(case, "failure", _x(change.describe()), "change")
        else:
            ET.SubElement(case, "system-out").text = _x(change.describe())
    for finding in check.findings:
        suite.append(_finding_case(finding, classname))
    suite.set("tests", str(len(suite)))
    for key, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        suite.set(key, str(sum(1 for case in suite if case.find(tag) is not None)))
    return suite


def _finding_case(finding: Finding, classname: str) -> ET.Element:
    path = finding.path
    operation = finding.operation
    where = f" at {finding.location}" if path else f" on {operation}" if operation else ""
    case = ET.Element("testcase", classname=classname, name=_x(f"{finding.tool} {finding.rule}{where}"), time="0")
    if path:
        case.set("file", _x(path))
        if finding.line:
            case.set("line", str(finding.line))
    body = [finding.message]
    if finding.snippet:
        body.append(finding.snippet)
    if operation:
        body.append(f"operation: {operation}")
    body.extend(f"{key}: {value}" for key, value in finding.extra.items())
    if finding.log_excerpt:
        body += ["service log while this request was served:", finding.log_excerpt]
    text = _x("\n".join(body))
    if finding.blocking:
        _child(
            case,
            "failure",
            text,
            finding.severity.label,
            message=_x(f"{finding.severity.label}: {one_line(finding.message)}"),
        )
    else:
        # Existing findings (in the baseline) never fail: they pass, and say so.
        existing = "existing (in the baseline, not counted) " if finding.baseline is BaselineState.EXISTING else ""
        ET.SubElement(case, "system-out").text = f"{existing}{finding.severity.label}: {text}"
    return case


def _child(case: ET.Element, tag: str, text: str, kind: str, message: str | None = None) -> None:
    child = ET.SubElement(case, tag, message=one_line(message if message is not None else text, 500), type=kind)
    child.text = text


def _timestamp(started_at: str) -> str:
    """JUnit's schema wants a timestamp without a UTC offset: convert to UTC and drop it."""
    try:
        moment = dt.datetime.fromisoformat(started_at)
    except ValueError:
        return _x(started_at)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def _secs(value: float) -> str:
    return f"{value:.3f}"
