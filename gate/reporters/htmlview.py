"""What the HTML template shows for each check, read defensively from `details`.

Checks' details are free-form JSON: a missing or malformed key hides that section, it never breaks the report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gate.model import COMPARISONS, CheckResult, Finding, Measurement
from gate.numbers import number, short
from gate.reporters.svg import Chart, percentile_chart, timeline_charts
from gate.text import strip_ansi

LOG_LINES = 200
ENDPOINT_COLUMNS = (
    ("method", "Method"),
    ("name", "Endpoint"),
    ("requests", "Requests"),
    ("failures", "Failures"),
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
    ("p99_ms", "p99 ms"),
    ("rps", "req/s"),
)


@dataclass(frozen=True)
class CoverageRow:
    path: str
    percent: str
    bar: str  # bar width on a 0..100 scale, formatted
    statements: str
    missing: str
    missing_lines: str
    below: bool


@dataclass(frozen=True)
class CoverageView:
    rows: tuple[CoverageRow, ...]
    threshold: str  # e.g. "> 80 %", or "" without a policy threshold
    marker: str | None  # the threshold's position on the 0..100 bar


@dataclass(frozen=True)
class Table:
    """A list of flat records from a check's details, shown as a table: one column per key."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class CheckView:
    check: CheckResult
    findings: tuple[Finding, ...]
    coverage: CoverageView | None = None
    endpoints: tuple[dict[str, str], ...] = ()
    charts: tuple[Chart, ...] = ()
    operations: tuple[tuple[str, str], ...] = ()
    log_tail: str = ""
    metrics: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    facts: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # other plain details, e.g. fuzz phases
    tables: tuple[Table, ...] = ()  # other details that are lists of flat records, e.g. probes and their results


def check_view(check: CheckResult) -> CheckView:
    """Everything the template needs for one check."""
    details = check.details if isinstance(check.details, Mapping) else {}
    findings = tuple(sorted(check.findings, key=lambda f: (-f.severity, f.path or f.operation or "", f.line or 0)))
    p95 = _measurement(check, "p95_ms")
    threshold = p95.limit if p95 else None
    coverage = _coverage(details.get("files"), _measurement(check, "percent"))
    endpoints = _endpoints(details.get("endpoints"))
    percentiles = percentile_chart(details.get("percentiles"), threshold)
    timelines = timeline_charts(details.get("timeline"), threshold)
    operations = _operations(details.get("operations"))
    # A key whose section shows nothing (e.g. migrations' "files", a list of names) is listed as a plain fact.
    shown = {
        key
        for key, used in (
            ("files", coverage and coverage.rows),
            ("endpoints", endpoints),
            ("percentiles", percentiles),
            ("timeline", timelines),
            ("operations", "operations" in details and isinstance(details["operations"], list)),
        )
        if used
    }
    return CheckView(
        check=check,
        findings=findings,
        coverage=coverage if coverage and coverage.rows else None,
        endpoints=endpoints,
        charts=tuple(c for c in (percentiles, *timelines) if c),
        operations=operations,
        log_tail=_log_tail(check.log_tail),
        metrics=tuple((name, short(value)) for name, value in check.metrics.items() if number(value) is not None),
        facts=_facts(details, shown),
        tables=_tables(details, shown),
    )


def _measurement(check: CheckResult, metric: str) -> Measurement | None:
    return next((m for m in check.measurements if m.metric == metric), None)


def _coverage(files: Any, threshold: Measurement | None) -> CoverageView | None:
    if not isinstance(files, list):
        return None
    rows = [row for row in (_coverage_row(item, threshold) for item in files) if row is not None]
    # Worst first, whatever order the check gave; files without a percentage last.
    rows.sort(key=lambda pair: (pair[0] is None, pair[0] or 0.0, pair[1].path))
    marker = None
    text = ""
    if threshold is not None:
        text = f"{threshold.op} {short(threshold.limit)} %"
        if 0 <= threshold.limit <= 100:
            marker = f"{threshold.limit:.1f}"
    return CoverageView(tuple(row for _, row in rows), text, marker)


def _coverage_row(item: Any, threshold: Measurement | None) -> tuple[float | None, CoverageRow] | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("path"), str):
        return None
    percent = number(item.get("percent"))
    below = False
    if percent is not None and threshold is not None and threshold.op in COMPARISONS:
        below = not COMPARISONS[threshold.op](percent, threshold.limit)
    # Rounded down as coverage.py does, so 79.999 % never reads as a passing 80.00
    # (the 1e-9: 79.99 * 100 is 7998.999... in binary floating point).
    shown = "" if percent is None else f"{math.floor(percent * 100 + 1e-9) / 100:.2f}"
    row = CoverageRow(
        path=item["path"],
        percent=shown,
        bar=f"{min(max(percent or 0.0, 0.0), 100.0):.1f}",
        statements=_cell(item.get("statements")),
        missing=_cell(item.get("missing")),
        missing_lines=_ranges(item.get("missing_lines")),
        below=below,
    )
    return percent, row


def _endpoints(rows: Any) -> tuple[dict[str, str], ...]:
    if not isinstance(rows, list):
        return ()
    return tuple({key: _cell(row.get(key)) for key, _ in ENDPOINT_COLUMNS} for row in rows if isinstance(row, Mapping))


def _operations(rows: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(rows, list):
        return ()
    result = []
    for row in rows:
        if isinstance(row, Mapping) and isinstance(row.get("operation"), str):
            missing = row.get("missing")
            items = [str(m) for m in missing] if isinstance(missing, list) else []
            if items:  # fully documented operations are not news
                result.append((row["operation"], ", ".join(items)))
    return tuple(result)


def _log_tail(tail: str) -> str:
    return "\n".join(strip_ansi(tail).splitlines()[-LOG_LINES:])


def _facts(details: Mapping[str, Any], shown: set[str]) -> tuple[tuple[str, str], ...]:
    """Plain values (and flat lists or maps of them) from details no section above shows."""
    facts = []
    for key, value in details.items():
        if key in shown:
            continue
        if isinstance(value, Mapping):
            parts = [None if _plain(v) is None else f"{k}: {_plain(v)}" for k, v in value.items()]
        elif isinstance(value, list):
            parts = [_plain(v) for v in value]
        else:
            parts = [_plain(value)]
        if parts and None not in parts:
            facts.append((str(key), _shorten(", ".join(p for p in parts if p is not None))))
    return tuple(facts)


def _tables(details: Mapping[str, Any], shown: set[str]) -> tuple[Table, ...]:
    """Details no section above shows that are lists of records of plain values, as tables."""
    tables = []
    for key, value in details.items():
        if key in shown or not isinstance(value, list) or not value:
            continue
        if not all(isinstance(row, Mapping) and all(_plain(v) is not None for v in row.values()) for row in value):
            continue
        columns = tuple(dict.fromkeys(str(k) for row in value for k in row))
        rows = tuple(tuple(_shorten(_plain(row.get(c)) or "", 2000) for c in columns) for row in value)
        tables.append(Table(str(key), columns, rows))
    return tuple(tables)


def _plain(value: Any) -> str | None:
    """A scalar as text; None for anything nested."""
    if isinstance(value, bool):
        return str(value).lower()
    as_number = number(value)
    if as_number is not None:
        return short(as_number)
    return value if isinstance(value, str) else None


def _shorten(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(value: Any) -> str:
    """A table cell: numbers formatted, text as is, anything else (missing, nested) empty."""
    as_number = number(value)
    if as_number is not None:
        return short(as_number)
    return value if isinstance(value, str) else ""


def _ranges(lines: Any) -> str:
    """[3, 4, 5, 9] -> "3-5, 9"."""
    if not isinstance(lines, list):
        return ""
    numbers = sorted({int(n) for n in lines if isinstance(n, int) and not isinstance(n, bool)})
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
