"""The side effects of running on GitHub Actions: the step summary and workflow annotations."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from gate.model import GateReport
from gate.reporters import github, markdown


def publish(
    report: GateReport, environ: Mapping[str, str], echo: Callable[[str], None], warn: Callable[[str], None]
) -> None:
    """Append the summary to $GITHUB_STEP_SUMMARY when set; print annotations when GITHUB_ACTIONS=true."""
    summary_file = environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        path = Path(summary_file)
        try:
            used = path.stat().st_size if path.exists() else 0
            text = github.bounded_summary(markdown.render(report), github.SUMMARY_LIMIT - github.SUMMARY_MARGIN - used)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            # The reports are written and the verdict stands; a CI summary we cannot write must not change it.
            warn(f"gate: warning: could not write the GitHub step summary {summary_file}: {exc}")
    if environ.get("GITHUB_ACTIONS") == "true":
        for line in github.annotations(report):
            echo(line)


@contextlib.contextmanager
def commands_paused(environ: Mapping[str, str], echo: Callable[[str], None]) -> Iterator[None]:
    """On GitHub, stop the runner from reading workflow commands while untrusted text is printed.

    The runner treats any output line starting with `::` (after leading spaces) as a command; a finding
    message or a log line wrapped onto a new line could otherwise fake annotations or stop ours.
    """
    if environ.get("GITHUB_ACTIONS") != "true":
        yield
        return
    token = secrets.token_hex(16)
    echo(f"::stop-commands::{token}")
    try:
        yield
    finally:
        echo(f"::{token}::")


def publish_from_environment(report: GateReport, echo: Callable[[str], None], warn: Callable[[str], None]) -> None:
    """`publish` with this process's environment (what the CLI calls after a run)."""
    publish(report, os.environ, echo, warn)
