"""The HTML report's structure: self-contained, inert against hostile text, defensive about details."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from html.parser import HTMLParser

import pytest

from gate.model import CheckResult, Measurement, Status
from gate.reporters import html
from gate.reporters.htmlview import check_view
from gate.reporters.svg import nice_max, percentile_chart, timeline_charts
from tests.support.canonical import IMG, SCRIPT, canonical_report


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside <script>/<style>/<title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in ("script", "style", "title") else None

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open and not (self._open == "title" and "svg" in [t for t, _ in self.tags]):
            self.text[self._open] = self.text.get(self._open, "") + data  # the page's title, not the charts\


def parse(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def page() -> str:
    return html.render(canonical_report())


def test_hostile_text_is_escaped_not_markup(page: str) -> None:
    elements = parse(page)
    names = [tag for tag, _ in elements.tags]
    assert names.count("script") == 1 and "img" not in names
    assert not [(tag, a) for tag, attrs in elements.tags for a in attrs if a.startswith("on")]
    assert SCRIPT not in page and IMG not in page
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in page
    assert "abc.def.ghi" not in page and "77aa" not in page


def test_self_contained_no_network(page: str) -> None:
    elements = parse(page)
    for tag, attrs in elements.tags:
        for name in ("src", "href", "action", "srcset"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (tag, name, value)
    assert not {tag for tag, _ in elements.tags} & {
        "link",
        "iframe",
        "object",
        "embed",
        "img",
        "base",
        "form",
    }
    assert "@import" not in elements.text["style"] and "url(" not in elements.text["style"]
    assert "@media print" in elements.text["style"]


def test_content_security_policy_allows_only_our_inline_assets(page: str) -> None:
    elements = parse(page)
    (csp,) = [
        a["content"] for t, a in elements.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp is not None and csp.startswith("default-src 'none';")
    for kind in ("style", "script"):
        digest = base64.b64encode(hashlib.sha256(elements.text[kind].encode()).digest()).decode()
        assert f"{kind}-src 'sha256-{digest}'" in csp


def test_top_shows_verdict_and_a_card_per_check(page: str) -> None:
    elements = parse(page)
    assert elements.text["title"] == "gate ERROR: /srv/repo/shop"
    cards = [a["data-check"] for t, a in elements.tags if t == "a" and "data-check" in a]
    assert cards == [c.id for c in canonical_report().checks]
    sections = [a["id"] for t, a in elements.tags if t == "section" and (a.get("id") or "").startswith("check-")]
    assert sections == [f"check-{c.id}" for c in canonical_report().checks]
    assert "✗ p95_ms 212 ms &lt; 200 ms" in page and "✓ error_rate 0.002 &lt;= 0.01" in page


def test_details_sections_appear(page: str) -> None:
    assert "Coverage per file, worst first (threshold &gt; 80 %, marked on each bar)" in page
    assert page.index('app/db.py</code></td><td class="num">79.99<') < page.index("app/main.py</code></td>")
    assert page.count('class="mark"') == 4 and page.count('<tr class="below">') == 2
    assert "<h3>Endpoints</h3>" in page and "240.5" in page
    assert page.count('<figure class="chart">') == 3
    assert "Operations missing documentation" in page and "summary, responses.404" in page
    assert "reproduce:" in page and "curl -X GET http://127.0.0.1:8000/items/0" in page
    assert "<h3>Waived findings</h3>" in page and "<td>stale</td>" in page and "<td>expired</td>" in page
    assert "RuntimeError" in page and "\x1b" not in page  # the error's log, colour codes removed
    assert "migrations/0002_items.sql:5" in page and "SELECT * FROM items;" in page


def test_svg_coordinates_are_numbers_only(page: str) -> None:
    for points in re.findall(r'points="([^"]*)"', page):
        assert re.fullmatch(r"[0-9., ]+", points)
    for value in re.findall(r'\b(?:cx|cy|x1|x2|y1|y2|width)="([^"]*)"', page):
        assert re.fullmatch(r"-?[0-9.]+", value), value


def test_malformed_details_hide_sections_never_crash() -> None:
    junk = {
        "files": "oops",
        "endpoints": [1, "x", {"name": 5, "p95_ms": "fast"}],
        "operations": None,
        "percentiles": [["a", 1], [50, float("nan")], [50], [99, -1]],
        "timeline": {"t": 1},
        "log_tail": 5,
    }
    check = CheckResult(
        id="load",
        title="Load test",
        status=Status.PASS,
        reasons=(),
        duration_s=1.0,
        details=junk,
        measurements=(Measurement("p95_ms", None, "<", 200, False, " ms"),),
    )
    view = check_view(check)
    assert view.coverage is None and view.charts == () and view.operations == () and view.log_tail == ""
    # non-dicts dropped; a numeric name shown as text, a text latency as is (escaped), missing cells empty
    assert view.endpoints == (
        {
            "method": "",
            "name": "5",
            "requests": "",
            "failures": "",
            "p50_ms": "",
            "p95_ms": "fast",
            "p99_ms": "",
            "rps": "",
        },
    )
    page = html.render(dataclasses.replace(canonical_report(), checks=(check,)))
    assert "not reported" in page


def test_coverage_rows_sorted_worst_first_whatever_the_input_order() -> None:
    files = [{"path": "b.py", "percent": 90}, {"path": "c.py"}, {"path": "a.py", "percent": 10.555}]
    check = CheckResult(
        id="coverage",
        title="Coverage",
        status=Status.FAIL,
        reasons=(),
        duration_s=1.0,
        details={"files": files},
        measurements=(Measurement("percent", 70, ">", 80, False, " %"),),
    )
    view = check_view(check)
    assert view.coverage is not None
    assert [(r.path, r.percent, r.below) for r in view.coverage.rows] == [
        ("a.py", "10.55", True),
        ("b.py", "90.00", False),
        ("c.py", "", False),
    ]
    assert view.coverage.threshold == "> 80 %" and view.coverage.marker == "80.0"


def test_chart_geometry() -> None:
    assert [nice_max(v) for v in (0, 7, 10, 11, 241.5, 535, 0.003)] == [
        1.0,
        8.0,
        10.0,
        12.0,
        300.0,
        600.0,
        0.003,
    ]
    chart = percentile_chart([[99, 300], [50, 45], [95, 212]], threshold=200)
    assert chart is not None
    assert [d.label for d in chart.dots] == ["p50: 45 ms", "p95: 212 ms", "p99: 300 ms"]
    assert chart.threshold is not None and chart.threshold.label == "threshold 200 ms"
    assert percentile_chart("nope", None) is None and percentile_chart([], None) is None
    charts = timeline_charts([{"t": 0, "rps": 1, "p95_ms": 5}, {"t": 1, "rps": 2}], p95_threshold=None)
    assert [c.title for c in charts] == ["Requests per second over time", "p95 latency over time"]
    assert len(charts[1].dots) == 1


def test_cards_count_the_findings_that_fail_the_policy() -> None:
    page = html.render(canonical_report())
    assert "<p>5 findings, 3 failing (medium+ fail), 1 waived</p>" in page


def test_a_server_errors_service_log_is_a_collapsed_escaped_section(page: str) -> None:
    (block,) = re.findall(r'<details class="service-log">.*?</details>', page, re.S)
    assert "<summary>service log while this request was served (5 lines)</summary>" in block
    assert "OverflowError: Python int too large" in block
    assert SCRIPT not in block and "&lt;script&gt;" in block
    assert "abc.def.ghi" not in page
