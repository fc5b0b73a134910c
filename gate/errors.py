"""Exceptions that carry a user-facing message. Foreign exceptions are translated where they enter."""

from __future__ import annotations

from gate.model import Observation


class GateError(Exception):
    """Base of gate's own errors; the message is written for the user."""


class UsageError(GateError):
    """Bad command-line usage, configuration or policy: nothing ran (exit 2)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class CheckError(GateError):
    """A check could not produce a trustworthy observation: its result is ERROR.

    `measured`: what the check had measured before it found the run untrustworthy (findings a tool
    reported, metrics). The result stays ERROR, but the findings are kept on it: never thrown away.
    """

    def __init__(
        self, message: str, log_tail: str = "", artifacts: tuple[str, ...] = (), measured: Observation | None = None
    ) -> None:
        super().__init__(message)
        self.log_tail = log_tail
        self.artifacts = artifacts
        self.measured = measured


class ToolError(CheckError):
    """A tool was missing, timed out, crashed or wrote output gate cannot read."""
