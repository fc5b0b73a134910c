"""The registry of file reporters, written out: format -> (file name, pure render function)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

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


def write_reports(report: GateReport, out_dir: Path) -> list[Path]:
    """Render every format first, then write each file atomically: no half-written report is left.

    Every reporter masks credential-shaped text itself (reporters.common.safe), so a report loaded from
    disk (`gate report --from`) is as safe as a fresh one."""
    rendered = {filename: render(report) for filename, render in REPORTERS.values()}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, text in rendered.items():
        written.append(write_atomic(out_dir / filename, text))
    return written


def remove_reports(out_dir: Path) -> None:
    """Delete the report files an earlier run left in out_dir (the folder itself stays)."""
    for filename, _ in REPORTERS.values():
        (out_dir / filename).unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> Path:
    """Write to a temporary file beside `path`, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
