"""Writing a file whole: a temporary file beside it, renamed into place. Standard library only, so
every layer may use it (the reports in the out folder, the gate.toml `gate init` writes)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomic(path: Path, text: str) -> Path:
    """Write to a temporary file beside `path`, then rename it into place; mode from the user's umask.
    Never half a file, and nothing left behind when the write fails (the OSError is raised)."""
    # Not tempfile.mkstemp: its files are 0600 whatever the umask, and reports and gate.toml are shared.
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
