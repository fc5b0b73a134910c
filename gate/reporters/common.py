"""Small helpers the file reporters share: redaction on entry, one-line text, status symbols."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

from gate.model import BaselineState, Finding, GateReport, Status, Verdict
from gate.redact import redact_report
from gate.text import map_text, printable

STATUS_ICON = {
    Status.PASS: "✅",
    Status.WARN: "⚠️",
    Status.FAIL: "❌",
    Status.ERROR: "💥",
    Status.SKIPPED: "⏭️",
}
VERDICT_ICON = {Verdict.PASS: "✅", Verdict.FAIL: "❌", Verdict.ERROR: "💥"}


def safe(report: GateReport) -> GateReport:
    """The report with credential-shaped text masked; every reporter (console included) starts from this.

    The runner already removed the service's known secret values; this catches credentials a tool echoed
    (an Authorization header in a curl line, a hard-coded password in a snippet) and reports loaded from disk.
    Only the literal value is masked: a snippet still shows whether a secret was a literal or code.
    Computed once per report object: every reporter of one run gets the same masked copy.
    """
    return _once(_SAFE, report, redact_report)


def shown(report: GateReport) -> GateReport:
    """safe(report) for a terminal, Markdown or annotations: control characters shown as visible escapes.

    An OSC sequence (`ESC]0;...`) in a file name otherwise hides everything printed after it, the
    verdict included; JSON, SARIF and HTML escape control characters themselves and keep the text exact.
    """
    return _once(_SHOWN, report, lambda r: map_text(safe(r), printable))


# The last reports masked, by identity: on 8k findings one redaction pass took ~4 s and every reporter
# made its own (issue 9). A report is immutable, and each entry holds its report, so an id is never
# reused while its entry is kept. Bounded: a long-lived process (the tests) renders many reports.
_KEPT = 4
_SAFE: dict[int, tuple[GateReport, GateReport]] = {}
_SHOWN: dict[int, tuple[GateReport, GateReport]] = {}
_LOCK = threading.Lock()


def _once(
    cache: dict[int, tuple[GateReport, GateReport]], report: GateReport, make: Callable[[GateReport], GateReport]
) -> GateReport:
    with _LOCK:
        kept = cache.get(id(report))
    if kept is not None and kept[0] is report:
        return kept[1]
    result = make(report)
    with _LOCK:
        cache[id(report)] = (report, result)
        while len(cache) > _KEPT:
            del cache[next(iter(cache))]
    return result


def split_baseline(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """The findings a baseline did not have (new; also every finding of a run without a baseline) and
    those it had (existing): text reports lead with the new ones."""
    new: list[Finding] = []
    existing: list[Finding] = []
    for finding in findings:
        (existing if finding.baseline is BaselineState.EXISTING else new).append(finding)
    return new, existing


def one_line(text: str, limit: int = 200) -> str:
    """Collapse whitespace to single spaces and cut to `limit` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def repo_relative(path: str, target_in_repo: str) -> str:
    """A target-relative file path as a path from the repository root (where GitHub looks for files);
    absolute paths stay as they are."""
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return posix
    relative = str(PurePosixPath(target_in_repo, posix.removeprefix("./"))) if target_in_repo else posix
    return relative.removeprefix("./")
