"""The HTML report shows a check's details that are lists of flat records as tables, and multi-line
finding facts (a request, a response) as preformatted evidence, for any check, escaped."""

from __future__ import annotations

import dataclasses

from gate.model import CheckResult, Finding, Severity, Status
from gate.reporters import html
from gate.reporters.htmlview import check_view
from tests.support.canonical import SCRIPT, canonical_report

PROBES = [
    {"probe": "first", "result": "passed", "requests": "GET /a → 200"},
    {"probe": "second", "result": f"not applicable: {SCRIPT}", "requests": ""},
]
EVIDENCE = Finding(
    check="any",
    tool="tool",
    rule="any.rule",
    severity=Severity.LOW,
    message="something",
    extra={"request": f"GET /a\nX-Test: {SCRIPT}", "why": "one line"},
)


def _report_with(details: dict[str, object]) -> str:
    check = CheckResult(
        id="any", title="Any", status=Status.WARN, reasons=(), duration_s=0.1, details=details, findings=(EVIDENCE,)
    )
    report = canonical_report()
    return html.render(dataclasses.replace(report, checks=(*report.checks, check)))


def test_a_list_of_flat_records_is_a_table_with_a_column_per_key() -> None:
    view = check_view(
        CheckResult(id="any", title="Any", status=Status.PASS, reasons=(), duration_s=0, details={"probes": PROBES})
    )
    assert len(view.tables) == 1
    table = view.tables[0]
    assert (table.title, table.columns) == ("probes", ("probe", "result", "requests"))
    assert table.rows[0] == ("first", "passed", "GET /a → 200")
    page = _report_with({"probes": PROBES})
    assert "<h3>Probes</h3>" in page and "<td>GET /a → 200</td>" in page
    assert SCRIPT not in page  # escaped like everything from a target


def test_nested_or_mixed_lists_are_not_tables() -> None:
    details = {"nested": [{"a": {"b": 1}}], "mixed": [{"a": 1}, "text"], "empty": []}
    view = check_view(CheckResult(id="any", title="Any", status=Status.PASS, reasons=(), duration_s=0, details=details))
    assert view.tables == ()


def test_multi_line_finding_facts_are_preformatted() -> None:
    page = _report_with({})
    assert '<pre class="evidence">GET /a\nX-Test: ' in page
    assert "<dd>one line</dd>" in page
