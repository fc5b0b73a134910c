"""The console summary: a table of checks, the top findings, waiver notes, and the verdict last."""

from __future__ import annotations

import io
import math

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gate.model import EXIT_CODES, BaselineState, CheckResult, Finding, GateReport, Status, Verdict, WaiverState
from gate.numbers import plural, seconds
from gate.reporters.common import one_line, shown, split_baseline
from gate.text import strip_ansi

TOP_FINDINGS = 10
LOG_EXCERPT_LINES = 4
STATUS_STYLE = {
    Status.PASS: "bold green",
    Status.WARN: "bold yellow",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.SKIPPED: "dim",
}
VERDICT_STYLE = {Verdict.PASS: "bold green", Verdict.FAIL: "bold red", Verdict.ERROR: "bold magenta"}


def render(report: GateReport, color: bool = False, width: int = 110) -> str:
    """The summary as text; with `color`, including terminal colour codes."""
    report = shown(report)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False)
    console.print(_table(report))
    _print_problems(console, report)
    _print_findings(console, report)
    _print_waivers(console, report)
    verdict = report.verdict
    console.print(
        f"[{VERDICT_STYLE[verdict]}]Verdict: {verdict.value.upper()}[/] (exit {EXIT_CODES[verdict]}) "
        f"- policy {escape(report.policy)}, {seconds(report.duration_s)}"
    )
    return buffer.getvalue()


def _table(report: GateReport) -> Table:
    table = Table(title=f"gate {escape(report.target)}", title_justify="left", expand=False)
    table.add_column("Check")
    table.add_column("Status")
    table.add_column("Measured vs threshold")
    table.add_column("Time", justify="right")
    for check in report.checks:
        style = STATUS_STYLE[check.status]
        table.add_row(
            check.id,
            f"[{style}]{check.status.value.upper()}[/]",
            escape(measured(check)),
            seconds(check.duration_s) if check.status is not Status.SKIPPED else "",
        )
    return table


def measured(check: CheckResult) -> str:
    """One line: each threshold with its value, and the findings count; shared by the text reporters."""
    if check.status in (Status.SKIPPED, Status.ERROR):
        return check.reasons[0] if check.reasons else ""
    parts = [f"{'✓' if m.ok else '✗'} {m.describe()}" for m in check.measurements]
    parts += [f"{'✓' if c.ok else '✗'} {c.describe()}" for c in check.changes if c.ok is not None]
    if check.fail_at is not None or check.findings:
        failing = len(check.failing)
        parts.append(
            plural(len(check.findings), "finding")
            + _against_baseline(check)
            + (f", {failing} failing" if failing else "")
        )
    if check.waived:
        parts.append(f"{len(check.waived)} waived")
    scope = _scope(check)
    if scope:
        parts.append(scope)
    return "; ".join(parts) or (check.reasons[0] if check.reasons else "")


def _against_baseline(check: CheckResult) -> str:
    """ " (1 new, 3 existing, 2 gone)" when the run has a baseline."""
    if not any(f.baseline is not None for f in check.findings) and not check.absent:
        return ""
    new, existing = split_baseline(check.findings)
    gone = f", {check.absent} gone" if check.absent else ""
    return f" ({len(new)} new, {len(existing)} existing{gone})"


def _scope(check: CheckResult) -> str:
    # What a findings-only check covered (its COUNTS_IN), so "0 findings" is read against how much was looked at.
    counted = [
        (check.metrics[key], noun)
        for key, noun in check.traits.counts_in
        if isinstance(check.metrics.get(key), int | float) and math.isfinite(check.metrics[key])
    ]
    scope = " on ".join(plural(int(value), noun) for value, noun in counted)
    # What fuzzing left out and how often it logged in again: part of what "0 findings" means.
    excluded = _count(check.metrics.get("operations_excluded"))
    renewals = _count(check.metrics.get("token_renewals"))
    extra = [
        f"{excluded} excluded" if excluded else "",
        f"token renewed {plural(renewals, 'time')}" if renewals else "",
    ]
    return ", ".join(p for p in (scope, *extra) if p)


def _count(value: object) -> int:
    """A metric shown as a count; 0 for a missing or non-finite one (a reporter never crashes on inf)."""
    return int(value) if isinstance(value, int | float) and math.isfinite(value) else 0


def _print_problems(console: Console, report: GateReport) -> None:
    for check in report.checks:
        if check.status in (Status.FAIL, Status.ERROR, Status.WARN):
            style = STATUS_STYLE[check.status]
            for reason in check.reasons:
                console.print(f"[{style}]{check.id}[/]: {escape(reason)}")
            if check.status is Status.ERROR and check.log_tail:
                for line in strip_ansi(check.log_tail).splitlines()[-8:]:
                    console.print(f"    [dim]{escape(line)}[/]")
        # What a check noticed without it changing the result (e.g. fuzz: operations refused by design).
        notes = check.details.get("notes")
        for note in notes if isinstance(notes, list) and check.status is not Status.SKIPPED else []:
            console.print(f"{check.id} note: {escape(str(note))}")


def top_findings(report: GateReport, limit: int = TOP_FINDINGS, state: BaselineState | None = None) -> list[Finding]:
    """The most severe findings across checks, most severe first (with `state`: only those new or existing;
    NEW includes the findings of a run without a baseline)."""
    findings = [f for check in report.checks for f in check.findings]
    if state is not None:
        new, existing = split_baseline(findings)
        findings = existing if state is BaselineState.EXISTING else new
    return sorted(findings, key=lambda f: (-f.severity, f.check, f.path or f.operation or "", f.line or 0))[:limit]


def _print_findings(console: Console, report: GateReport) -> None:
    new, existing = split_baseline(f for check in report.checks for f in check.findings)
    if report.baseline is None:
        if new:
            console.print(f"\n[bold]Top findings[/] ({min(len(new), TOP_FINDINGS)} of {len(new)}):")
            _print_list(console, top_findings(report))
            console.print()
        return
    # Against a baseline the new findings come first: they are what this change brought and what fails.
    console.print(f"\nAgainst the baseline {escape(report.baseline.path)} ({report.baseline.started_at}):")
    if new:
        console.print(f"[bold]New findings[/] ({min(len(new), TOP_FINDINGS)} of {len(new)}):")
        _print_list(console, top_findings(report, state=BaselineState.NEW))
    else:
        console.print("[bold]No new findings.[/]")
    gone = sum(c.absent for c in report.checks)
    if existing:
        shown_existing = top_findings(report, TOP_FINDINGS // 2, BaselineState.EXISTING)
        console.print(
            f"Existing findings: {len(existing)} (in the baseline, not counted; {len(shown_existing)} shown)"
            + (f"; {gone} of the baseline's gone" if gone else "")
            + ":"
        )
        _print_list(console, shown_existing)
    elif gone:
        console.print(f"{plural(gone, 'baseline finding')} gone.")
    console.print()


def _print_list(console: Console, findings: list[Finding]) -> None:
    for finding in findings:
        where = f" {finding.place}" if finding.place else ""
        console.print(
            f"  {finding.severity.label.upper():8} {finding.check}/{escape(finding.rule)}{escape(where)}: "
            f"{escape(one_line(finding.message, 160))}"
        )
        if finding.log_excerpt:  # the first lines the service logged for that request (all: in the HTML)
            lines = strip_ansi(finding.log_excerpt).splitlines()
            if len(lines) > LOG_EXCERPT_LINES:  # and the last: where a traceback says what went wrong
                lines = [*lines[: LOG_EXCERPT_LINES - 2], "…", lines[-1]]
            for line in lines:
                console.print(f"    [dim]| {escape(line)}[/]")


def _print_waivers(console: Console, report: GateReport) -> None:
    for use in report.waivers:
        w = use.waiver
        name = f"{w.check}/{w.rule}" + (f" ({w.path})" if w.path else "")
        if use.state is WaiverState.EXPIRED:
            console.print(
                f"[yellow]waiver expired[/] {escape(name)} on {w.expires}: no longer applies "
                f"({plural(use.matched, 'finding')} it would match)"
            )
        elif use.state is WaiverState.STALE:
            console.print(f"[yellow]waiver stale[/] {escape(name)}: matched nothing, remove it")
        elif use.state is WaiverState.UNCHECKED:
            console.print(f"waiver not checked {escape(name)}: its check did not run")
        elif use.state is WaiverState.APPLIED:
            console.print(
                f"waiver applied {escape(name)} to {plural(use.matched, 'finding')}, until {w.expires}: "
                f"{escape(w.reason)}"
            )
