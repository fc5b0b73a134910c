"""gate-summary.md: the verdict, a table of checks and the top findings, for pull requests and CI."""

from __future__ import annotations

import html
import re

from gate.model import EXIT_CODES, BaselineState, Finding, GateReport, Status, WaiverState
from gate.numbers import plural, seconds
from gate.reporters.common import STATUS_ICON, VERDICT_ICON, one_line, shown, split_baseline
from gate.reporters.console import measured, top_findings

FILENAME = "gate-summary.md"
TOP_FINDINGS = 15
# Markdown syntax that could turn untrusted text into links, images, emphasis or table cells.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: str, limit: int = 200) -> str:
    """Untrusted text as one inert Markdown line: HTML escaped, Markdown syntax backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(one_line(text, limit), quote=False))


def render(report: GateReport) -> str:
    """The summary as GitHub-flavoured Markdown."""
    report = shown(report)
    verdict = report.verdict
    lines = [
        f"## gate: {VERDICT_ICON[verdict]} {verdict.value.upper()}",
        "",
        f"**Verdict: {verdict.value.upper()}** (exit {EXIT_CODES[verdict]}) · policy {md(report.policy)} · "
        f"target {md(report.target)} · started {md(report.started_at)} · {seconds(report.duration_s)}",
        "",
        *_baseline_line(report),
        "| Check | Status | Measured vs threshold | Time |",
        "|---|---|---|---:|",
    ]
    for check in report.checks:
        took = seconds(check.duration_s) if check.status is not Status.SKIPPED else ""
        lines.append(
            f"| {md(check.id)} | {STATUS_ICON[check.status]} {check.status.value.upper()} | "
            f"{md(measured(check), 300)} | {took} |"
        )
    problems = [
        (c, r) for c in report.checks if c.status in (Status.FAIL, Status.ERROR, Status.WARN) for r in c.reasons
    ]
    if problems:
        lines += ["", "### Why", ""]
        lines += [f"- **{md(c.id)}** ({c.status.value}): {md(r, 300)}" for c, r in problems]
    lines += _findings(report)
    lines += _waivers(report)
    lines += [
        "",
        "Full evidence: `gate-report.html` (also `.json`, `.sarif`, `.junit.xml`) in the reports folder.",
        "",
    ]
    return "\n".join(lines)


def _baseline_line(report: GateReport) -> list[str]:
    if report.baseline is None:
        return []
    b = report.baseline
    return [
        f"Against the baseline {md(b.path)} (started {md(b.started_at)}, {b.verdict.value}): only new findings "
        "and the policy's change rules can fail; existing findings are listed, not counted.",
        "",
    ]


def _findings(report: GateReport) -> list[str]:
    new, existing = split_baseline(f for c in report.checks for f in c.findings)
    if report.baseline is None:
        if not new:
            return []
        top = top_findings(report, TOP_FINDINGS)
        return ["", f"### Top findings ({len(top)} of {len(new)})", "", *_table(top)]
    lines = ["", f"### New findings ({min(len(new), TOP_FINDINGS)} of {len(new)})", ""]
    lines += _table(top_findings(report, TOP_FINDINGS, BaselineState.NEW)) if new else ["None."]
    gone = sum(c.absent for c in report.checks)
    if existing:
        top = top_findings(report, TOP_FINDINGS, BaselineState.EXISTING)
        lines += ["", f"### Existing findings ({len(top)} of {len(existing)}; in the baseline, not counted)", ""]
        lines += _table(top)
    if gone:
        lines += ["", f"{plural(gone, 'finding')} of the baseline gone (fixed)."]
    return lines


def _table(findings: list[Finding]) -> list[str]:
    lines = ["| Severity | Check | Rule | Where | Message |", "|---|---|---|---|---|"]
    for f in findings:
        lines.append(
            f"| {f.severity.label} | {md(f.check)} | {md(f.rule, 80)} | {md(f.place, 120)} | {md(f.message)} |"
        )
    return lines


def _waivers(report: GateReport) -> list[str]:
    notes = []
    for use in report.waivers:
        w = use.waiver
        name = md(f"{w.check}/{w.rule}" + (f" ({w.path})" if w.path else ""))
        if use.state is WaiverState.EXPIRED:
            notes.append(
                f"- ⚠️ waiver **expired** {name} on {w.expires}: no longer applies "
                f"({plural(use.matched, 'finding')} it would match)"
            )
        elif use.state is WaiverState.STALE:
            notes.append(f"- ⚠️ waiver **stale** {name}: matched nothing, remove it")
        elif use.state is WaiverState.APPLIED:
            notes.append(
                f"- waiver applied {name} to {plural(use.matched, 'finding')} until {w.expires}: {md(w.reason)}"
            )
        else:
            notes.append(f"- waiver {use.state.value} {name}: its check did not run")
    return ["", "### Waivers", "", *notes] if notes else []
