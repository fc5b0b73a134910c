"""`gate init`: read a repository's files and write a commented gate.toml for it (detect.py decides,
render.py writes the text). Reads files only: it never imports the target's code or starts a process."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from gate.errors import UsageError
from gate.init.detect import Detected, detect
from gate.init.render import render, summary

CONFIG_FILE = "gate.toml"


@dataclass(frozen=True)
class Proposal:
    found: Detected
    text: str  # the gate.toml
    summary: list[str]  # what was found, for the terminal


def propose(target: Path) -> Proposal:
    """What `gate init` would write for `target`; UsageError when there is nothing to set up."""
    if not target.is_dir():
        raise UsageError([f"{target}: target is not a directory"])
    found = detect(target)
    text = render(found)
    try:
        tomllib.loads(text)  # never leave a file the loader cannot read
    except tomllib.TOMLDecodeError as exc:
        # A path that is not valid UTF-8 comes out as a lone surrogate escape, which TOML refuses.
        raise UsageError([f"{target}: cannot write a valid gate.toml for what was found ({exc})"]) from None
    return Proposal(found, text, summary(found))


def write(target: Path, text: str, force: bool) -> Path:
    """Write gate.toml into `target` whole (a temp file renamed), never over an existing one unless `force`."""
    path = target / CONFIG_FILE
    if (path.exists() or path.is_symlink()) and not force:
        raise UsageError([f"{path}: already exists; gate init does not overwrite it (use --force, or --print)"])
    # Through a temp file renamed into place: never half a gate.toml. Not tempfile.mkstemp: its files
    # are 0600 whatever the umask, and gate.toml is committed and shared. (outdir.write_atomic does the
    # same, but importing outdir would bring the reporters and the process tracker into init.)
    temp = target / f".{CONFIG_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise UsageError([f"{path}: cannot write: {exc.strerror or exc}"]) from None
    return path
