"""What the security check's two tools report, before the findings are merged."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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


def read_json(path: Path, tool: str, tail: str) -> Mapping[str, Any]:
    """The JSON object a tool wrote to `path`; CheckError if it is missing, empty or not JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckError(f"{tool} exited without writing its JSON report ({path.name})", tail) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckError(f"cannot read {tool}'s JSON report {path.name}: {exc}", tail) from None
    if not text.strip():
        raise CheckError(f"{tool} wrote an empty JSON report ({path.name})", tail)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckError(f"{tool}'s report {path.name} is not valid JSON: {exc}", tail) from None
    if not isinstance(data, dict):
        raise CheckError(f"{tool}'s report {path.name} is not a JSON object", tail)
    return data
