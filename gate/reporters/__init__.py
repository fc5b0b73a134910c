"""The registry of file reporters, written out: format -> (file name, pure render function)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from gate.model import GateReport
from gate.reporters import html, json_report, junit, markdown, sarif

Render = Callable[[GateReport], str]

REPORTERS: Mapping[str, tuple[str, Render]] = {
    "json": (json_report.FILENAME, json_report.render),
    "html": (html.FILENAME, html.render),
    "sarif": (sarif.FILENAME, sarif.render),
    "junit": (junit.FILENAME, junit.render),
    "markdown": (markdown.FILENAME, markdown.render),
}
