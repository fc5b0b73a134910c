"""`gate compare` on the console: plain text, a pure function of the Comparison (in the console summary's style)."""

from __future__ import annotations

from collections.abc import Sequence

from gate.compare.model import CheckDelta, Comparison, EndpointDelta, MetricDelta, signed
from gate.model import ChangeMeasurement, Finding, Status
from gate.numbers import distinct, plural, short
from gate.reporters.common import one_line

ENDPOINT_KEY = "; ✗ beyond the check's p95_ms change rule, shown only: the rule judges the whole"
LISTED = 20  # new / fixed findings and endpoints listed before "... and N more"
ENDPOINT_FIGURES = (("p95_ms", "p95", " ms"), ("p50_ms", "p50", " ms"), ("p99_ms", "p99", " ms"))


def summary(comparison: Comparison) -> str:
    """One line: worse or not, the exit code, and what changed most."""
    c = comparison
    head = "B is worse than A (exit 1)" if c.worse else "B is not worse than A (exit 0)"
    broken = sum(len(check.broken_rules) for check in c.checks)
    blocking = sum(len(check.new_blocking) for check in c.checks)
    parts = [f"verdict {c.before.verdict.value.upper()} -> {c.after.verdict.value.upper()}"]
    parts.append(plural(len(c.new), "new finding") + (f" ({blocking} blocking)" if blocking else ""))
    parts.append(f"{len(c.fixed)} fixed")
    if broken:
        parts.append(plural(broken, "change rule") + " not met")
    return f"{head}: {', '.join(parts)}"


def status_of(status: Status | None) -> str:
    return "-" if status is None else status.value.upper()


def rule_text(judged: ChangeMeasurement) -> str:
    """ "✓ may drop by at most 1", "✗ ..." or "? ... (not judged)"."""
    mark = {True: "✓", False: "✗", None: "?"}[judged.ok]
    return f"{mark} {judged.rule.describe()}" + (" (not judged)" if judged.ok is None else "")


def finding_line(f: Finding) -> str:
    where = f" {f.place}" if f.place else ""
    flags = [word for word, on in (("blocking", f.blocking), ("waived", f.waiver is not None)) if on]
    flagged = f" [{', '.join(flags)}]" if flags else ""
    return f"{f.severity.label.upper():8} {f.check}/{f.rule}{where}{flagged}: {one_line(f.message, 160)}"


def endpoint_text(row: EndpointDelta) -> str:
    """ "p95 12 ms -> 30 ms (+18 ms); p50 ...; requests 300 -> 280", or the side it was measured on."""
    if not row.before or not row.after:
        side, figures = ("B only", row.after) if row.after else ("A only", row.before)
        shown = [f"{label} {short(figures[k])}{unit}" for k, label, unit in ENDPOINT_FIGURES if k in figures]
        return f"measured in {side}" + (f": {', '.join(shown)}" if shown else "")
    parts = []
    for key, label, unit in (*ENDPOINT_FIGURES, ("requests", "requests", ""), ("failures", "failures", "")):
        change = row.change(key)
        # The ranking figure always, the others only when they moved.
        if change is not None and (change != 0 or key == ENDPOINT_FIGURES[0][0]):
            old, new = distinct(row.before[key], row.after[key])
            parts.append(f"{label} {old}{unit} -> {new}{unit} ({signed(change)}{unit})")
    return ("✗ " if row.beyond_rule else "") + "; ".join(parts)


def render(comparison: Comparison) -> str:
    """The comparison as console text."""
    c = comparison
    lines = [f"gate compare: A {c.before.label} -> B {c.after.label}"]
    for name, run in (("A", c.before), ("B", c.after)):
        lines.append(f"  {name}: {run.verdict.value.upper()}, started {run.started_at}, target {run.target}")
    lines += [f"warning: {w}" for w in c.warnings]
    lines.append(f"Change rules: policy {c.policy}" + (f" ({c.policy_note})" if c.policy_note else ""))
    lines += ["", *_table(["Check", "A", "B", "Changes"], [_check_row(check) for check in c.checks])]
    lines += _metrics(c.checks)
    counts = [f"{s.severity.label} {s.before} -> {s.after}" for s in c.severities if s.before or s.after]
    lines += ["", "Findings by severity (A -> B): " + ("; ".join(counts) if counts else "none in either run")]
    lines += _findings("New findings", c.new)
    lines += _findings("Fixed findings", c.fixed)
    lines += _endpoints([row for check in c.checks for row in check.endpoints])
    lines += ["", f"Compare: {summary(c)}"]
    lines += [f"  - {p}" for p in c.problems]
    return "\n".join(lines) + "\n"


def _check_row(check: CheckDelta) -> list[str]:
    return [check.id, status_of(check.before), status_of(check.after), check_summary(check)]


def check_summary(check: CheckDelta) -> str:
    """The judged change rules, new and fixed findings and notes of one check, in one line."""
    said = [f"{'✓' if m.ok else '✗'} {m.describe()}" for m in check.changes if m.ok is not None]
    if check.new or check.fixed:
        blocking = len(check.new_blocking)
        new = f"{len(check.new)} new" + (f" ({blocking} blocking)" if blocking else "")
        said.append(f"{new}, {len(check.fixed)} fixed")
    return "; ".join([*said, *check.notes])


def _metrics(checks: Sequence[CheckDelta]) -> list[str]:
    """The metrics that moved or that a change rule judges, then the unchanged ones per check, briefly."""
    rows = [[check.id, *_metric_cells(m)] for check in checks for m in check.metrics if shows(m)]
    unjudged = [f"  {check.id}: {m.describe()}" for check in checks for m in check.changes if m.ok is None]
    same = [
        f"  {check.id} unchanged: {', '.join(f'{m.metric} {short(m.after)}{m.unit}' for m in kept)}"
        for check in checks
        if (kept := [m for m in check.metrics if not shows(m)])
    ]
    if not rows and not unjudged and not same:
        return []
    return ["", "Metrics (A -> B):", *_table([], rows, indent="  "), *unjudged, *same]


def _metric_cells(m: MetricDelta) -> list[str]:
    return [m.describe(), rule_text(m.judged) if m.judged is not None else ""]


def shows(m: MetricDelta) -> bool:
    """Whether a metric gets its own row: it moved, or a change rule judged it."""
    return m.delta != 0 or m.judged is not None


def _findings(title: str, findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return ["", f"{title}: none"]
    lines = ["", f"{title} ({len(findings)}):"]
    lines += [f"  {finding_line(f)}" for f in findings[:LISTED]]
    if len(findings) > LISTED:
        lines.append(f"  ... and {len(findings) - LISTED} more")
    return lines


def _endpoints(rows: Sequence[EndpointDelta]) -> list[str]:
    if not rows:
        return []
    lines = [
        "",
        f"Endpoint latency (largest p95 rise first{ENDPOINT_KEY if any(r.beyond_rule for r in rows) else ''}):",
    ]
    lines += _table([], [[r.check, r.endpoint, endpoint_text(r)] for r in rows[:LISTED]], indent="  ")
    if len(rows) > LISTED:
        lines.append(f"  ... and {len(rows) - LISTED} more")
    return lines


def _table(header: list[str], rows: list[list[str]], indent: str = "") -> list[str]:
    """Left-aligned columns (the last one unpadded), a header line if given."""
    every = [header, *rows] if header else rows
    if not every:
        return []
    widths = [max(len(row[i]) for row in every) for i in range(len(every[0]) - 1)]
    return [
        (indent + "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])).rstrip()
        for row in every
    ]
