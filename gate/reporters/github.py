"""GitHub Actions formats, pure: workflow annotations and a step summary bounded to GitHub's limit.

Writing them (to $GITHUB_STEP_SUMMARY and stdout) is gate/github_actions.py's job."""

from gate.model import BaselineState, GateReport, Severity, Status
from gate.reporters.common import one_line, repo_relative, shown
from gate.reporters.console import top_findings

# GitHub shows at most 10 annotations of each type per step; more are dropped without notice.
PER_TYPE = 10
# A step summary larger than 1 MiB is rejected (and the step's summary is lost).
SUMMARY_LIMIT = 1024 * 1024
SUMMARY_MARGIN = 4096
KIND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}
TRUNCATED = "\n\n> gate: summary truncated to stay under GitHub's 1 MiB step-summary limit; see gate-report.html.\n"


def escape_data(text: str) -> str:
    """Escape a workflow-command message (GitHub's escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value (GitHub's escapeProperty)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: str | int | None) -> str:
    """One workflow command line, e.g. `::error file=app.py,line=3,title=...::message`."""
    props = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None and value != ""
    )
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def annotations(report: GateReport) -> list[str]:
    """Annotations for failed/errored checks, then the most severe findings: at most 10 of each type."""
    report = shown(report)
    counts = {"error": 0, "warning": 0, "notice": 0}
    lines = []

    def add(kind: str, line: str) -> None:
        if counts[kind] < PER_TYPE:
            counts[kind] += 1
            lines.append(line)

    for check in report.checks:
        if check.status in (Status.FAIL, Status.ERROR):
            kind = "error"
        elif check.status is Status.WARN:
            kind = "warning"
        else:
            continue
        title = f"gate: {check.id} {check.status.value.upper()}"
        add(kind, command(kind, "\n".join(check.reasons) or check.status.value, title=title))
    # Against a baseline only new findings are annotated: existing ones are not this change's.
    everything = sum(len(c.findings) for c in report.checks)
    for f in top_findings(report, limit=everything, state=BaselineState.NEW):
        kind = KIND[f.severity]
        path = f.path
        where = f.operation or ""
        message = f.message.strip() + (f" ({where})" if where and not path else "")
        title = f"gate {f.check}: {f.rule} ({f.severity.label})"
        line = f.line if path else None
        # GitHub resolves `file` from the repository root, as code scanning does SARIF's paths.
        located = repo_relative(path, report.target_in_repo) if path else None
        add(kind, command(kind, one_line(message, 1000), file=located, line=line, title=title))
    return lines


def bounded_summary(text: str, budget: int) -> str:
    """`text` cut at a line boundary so that, with the truncation note, it fits in `budget` UTF-8 bytes."""
    data = text.encode("utf-8")
    if len(data) <= budget:
        return text
    if budget < 2 * len(TRUNCATED):
        return ""  # the step's summary is already full: adding even the note would overflow it
    keep = max(0, budget - len(TRUNCATED.encode("utf-8")))
    cut = data[:keep].decode("utf-8", errors="ignore")
    return cut[: cut.rfind("\n") + 1] + TRUNCATED
