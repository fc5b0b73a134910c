"""The registry of file reporters, written out: format -> (file name, pure render function)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gate.errors import UsageError
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


@dataclass(frozen=True)
class Written:
    """The report files written, and one line for each format that could not be (named, with why)."""

    paths: tuple[Path, ...]
    failures: tuple[str, ...]


def write_reports(report: GateReport, out_dir: Path) -> Written:
    """Render every format, then write each file atomically; a format that fails costs only itself.

    No half-written report is left, and no file from an earlier rendering stays in place of one that
    failed. Every reporter masks credential-shaped text itself (reporters.common.safe), so a report
    loaded from disk (`gate report --from`) is as safe as a fresh one."""
    rendered: dict[str, str] = {}
    failures = []
    for filename, render in REPORTERS.values():
        try:
            rendered[filename] = render(report)
        except Exception as exc:  # a bug in one reporter must not stop the others being written
            failures.append(f"{out_dir / filename}: not written, its reporter failed: {type(exc).__name__}: {exc}")
            (out_dir / filename).unlink(missing_ok=True)
    written = []
    for filename, text in rendered.items():
        try:
            written.append(write_atomic(out_dir / filename, text))
        except OSError as exc:
            failures.append(f"{out_dir / filename}: could not be written: {exc.strerror or exc}")
            with contextlib.suppress(OSError):
                (out_dir / filename).unlink(missing_ok=True)
    return Written(tuple(written), tuple(failures))


def remove_reports(out_dir: Path) -> None:
    """Delete the report files an earlier run left in out_dir (the folder itself stays)."""
    for filename, _ in REPORTERS.values():
        # Temporary files too: a run killed while writing (SIGKILL) could not remove its own.
        for path in [out_dir / filename, *out_dir.glob(f".{filename}.*.tmp")]:
            _remove(path)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise UsageError([f"{path}: cannot remove the earlier report ({exc.strerror or exc})"]) from None


def write_atomic(path: Path, text: str) -> Path:
    """Write to a temporary file beside `path`, then rename it into place; mode from the user's umask."""
    # Not tempfile.mkstemp: its files are 0600 whatever the umask, and reports are meant to be shared.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
