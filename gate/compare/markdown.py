"""`gate compare --format markdown`: a PR comment, a pure function of the Comparison.

A one-line summary first (what a reviewer reads in the notification), then GitHub-flavoured tables.
Every text from a report goes through `md` (HTML escaped, Markdown syntax backslash-escaped).
"""

from __future__ import annotations

from collections.abc import Sequence

from gate.compare.model import Comparison, EndpointDelta, signed
from gate.compare.text import ENDPOINT_KEY, check_summary, endpoint_text, rule_text, shows, status_of, summary
from gate.model import Finding
from gate.numbers import distinct
from gate.reporters.markdown import md

LISTED = 30  # rows of new / fixed findings and endpoints before "... and N more"


def render(comparison: Comparison) -> str:
    """The comparison as GitHub-flavoured Markdown."""
    c = comparison
    icon = "❌" if c.worse else "✅"
    lines = [f"**gate compare: {icon} {md(summary(c), 400)}**", ""]
    # Each warning its own quote, a blank line after: a table right after a quote would be swallowed by it.
    lines += [line for w in c.warnings for line in (f"> ⚠️ {md(w, 400)}", "")]
    lines += [
        "| | A (earlier) | B (later) |",
        "|---|---|---|",
        f"| report | {md(c.before.label)} | {md(c.after.label)} |",
        f"| verdict | {c.before.verdict.value.upper()} | {c.after.verdict.value.upper()} |",
        f"| started | {md(c.before.started_at)} | {md(c.after.started_at)} |",
        f"| target | {md(c.before.target)} | {md(c.after.target)} |",
        "",
        f"Change rules from policy {md(c.policy, 300)}" + (f" ({md(c.policy_note, 300)})" if c.policy_note else ""),
    ]
    if c.problems:
        lines += ["", "### Why B is worse", "", *(f"- {md(p, 300)}" for p in c.problems)]
    lines += ["", "### Checks", "", "| Check | A | B | Changes |", "|---|---|---|---|"]
    for check in c.checks:
        statuses = f"{status_of(check.before)} | {status_of(check.after)}"
        lines.append(f"| {md(check.id)} | {statuses} | {md(check_summary(check), 400)} |")
    lines += _metrics(c)
    lines += ["", "### Findings by severity", "", "| Severity | A | B | Change |", "|---|---:|---:|---:|"]
    lines += [f"| {s.severity.label} | {s.before} | {s.after} | {signed(s.after - s.before)} |" for s in c.severities]
    lines += _findings("New findings", "Fails B", c.new)
    lines += _findings("Fixed findings", "Failed A", c.fixed)
    lines += _endpoints([row for check in c.checks for row in check.endpoints])
    return "\n".join(lines) + "\n"


def _metrics(c: Comparison) -> list[str]:
    """A table of the metrics that moved or that a change rule judges; the unchanged ones folded away."""
    rows: list[str] = []
    same: list[str] = []
    for check in c.checks:
        for m in check.metrics:
            old, new = distinct(m.before, m.after)
            rule = md(rule_text(m.judged)) if m.judged is not None else ""
            cells = f"| {md(check.id)} | {md(m.metric)} | {old}{m.unit} | {new}{m.unit} | {signed(m.delta)}{m.unit} |"
            (rows if shows(m) else same).append(f"{cells} {rule} |")
        rows += [
            f"| {md(check.id)} | {md(m.metric)} | | | | {md(m.describe())} |" for m in check.changes if m.ok is None
        ]
    header = ["| Check | Metric | A | B | Change | Change rule |", "|---|---|---:|---:|---:|---|"]
    lines = ["", "### Metrics", "", *header, *rows] if rows else []
    if same:
        # A blank line after <summary>: GitHub renders Markdown inside <details> only then.
        lines += [
            "",
            f"<details><summary>{len(same)} unchanged metrics</summary>",
            "",
            *header,
            *same,
            "",
            "</details>",
        ]
    return lines


def _findings(title: str, failing: str, findings: Sequence[Finding]) -> list[str]:
    """A table of findings; `failing` heads the column saying whether the finding failed its run's policy."""
    if not findings:
        return ["", f"### {title}: none"]
    lines = [
        "",
        f"### {title} ({len(findings)})",
        "",
        f"| Severity | Check | Rule | Where | {failing} | Message |",
        "|---|---|---|---|---|---|",
    ]
    for f in findings[:LISTED]:
        blocking = "yes" if f.blocking else "waived" if f.waiver is not None else "no"
        lines.append(
            f"| {f.severity.label} | {md(f.check)} | {md(f.rule, 80)} | {md(f.place, 120)} | {blocking} "
            f"| {md(f.message)} |"
        )
    if len(findings) > LISTED:
        lines.append(f"\n… and {len(findings) - LISTED} more")
    return lines


def _endpoints(rows: Sequence[EndpointDelta]) -> list[str]:
    if not rows:
        return []
    key = ENDPOINT_KEY if any(r.beyond_rule for r in rows) else ""
    lines = [
        "",
        f"### Endpoint latency (largest p95 rise first{key})",
        "",
        "| Check | Endpoint | Change |",
        "|---|---|---|",
    ]
    lines += [f"| {md(r.check)} | {md(r.endpoint)} | {md(endpoint_text(r), 300)} |" for r in rows[:LISTED]]
    if len(rows) > LISTED:
        lines.append(f"\n… and {len(rows) - LISTED} more")
    return lines
