"""The registry of file reporters, written out: format -> (file name, pure render function)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from gate.model import GateReport
from gate.reporters import json_report

Render = Callable[[GateReport], str]

REPORTERS: Mapping[str, tuple[str, Render]] = {
    "json": (json_report.FILENAME, json_report.render),
}


def write_reports(report: GateReport, out_dir: Path) -> list[Path]:
    """Render every format first, then write each file atomically: no half-written report is left."""
    rendered = {filename: render(report) for filename, render in REPORTERS.values()}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, text in rendered.items():
        written.append(write_atomic(out_dir / filename, text))
    return written


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
