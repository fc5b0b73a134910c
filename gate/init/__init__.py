"""`gate init`: read a repository's files and write a commented gate.toml for it (detect.py decides,
render.py writes the text). Reads files only: it never imports the target's code or starts a process."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from gate.atomic import write_atomic
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
    try:
        write_atomic(path, text)  # never half a gate.toml
    except OSError as exc:
        raise UsageError([f"{path}: cannot write: {exc.strerror or exc}"]) from None
    return path
