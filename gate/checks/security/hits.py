"""What the security check's two tools report, before the findings are merged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gate.errors import CheckError
from gate.model import Finding


@dataclass(frozen=True)
class Hit:
    """One tool's finding with the line span it covers and the bandit tests it duplicates."""

    finding: Finding
    first_line: int
    last_line: int
    same_as_bandit: tuple[str, ...] = ()  # semgrep rules only: metadata `bandit: [B608, ...]`


@dataclass(frozen=True)
class ToolRun:
    """One tool's result: its version, findings and facts for the report's details."""

    tool: str
    version: str
    hits: list[Hit]
    details: Mapping[str, Any] = field(default_factory=dict)


def require_scanned(tool: str, files: Sequence[str], scanned: set[str], tail: str) -> None:
    """CheckError unless the tool reports every selected file as scanned: a skipped file is unvetted."""
    missing = sorted(set(files) - scanned)
    if missing:
        listed = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise CheckError(f"{tool} did not scan {len(missing)} of the selected files: {listed}", tail)
