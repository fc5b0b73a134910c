"""A throwaway check (not registered in gate): each TODO line in the target's *.txt files is a finding.

Registered by tests (monkeypatching CHECKS) to prove that a check module, one registry line and one
policy table are all a new check needs to appear in every report format.
"""

from __future__ import annotations

from gate.checks.base import CheckContext
from gate.model import Finding, Observation, Severity
from gate.sections import SectionModel

ID = "tally"
TITLE = "TODO tally"
# Only what differs from gate/checks/base.py's defaults.
SCANS_FILES = True
COUNTS_IN = (("files", "file"),)
TOOL_URIS = {"tally": "https://example.invalid/tally"}


class Settings(SectionModel):
    """The [tally] section."""

    word: str = "TODO"


def run(ctx: CheckContext, settings: Settings) -> Observation:
    """Count the lines holding the word in the target's top-level *.txt files."""
    files = sorted(ctx.target.glob("*.txt"))
    findings = tuple(
        Finding(ID, "tally", "tally.todo", Severity.MEDIUM, f"{settings.word} left: {line.strip()}", path.name, number)
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if settings.word in line
    )
    metrics = {"files": len(files), "todos": len(findings)}
    return Observation(metrics=metrics, findings=findings, tools={"tally": "1.0"})
