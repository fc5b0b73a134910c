"""Which Python files the security check scans: the configured paths minus the excludes.

gate chooses the files itself and hands both tools the same explicit list, so bandit and semgrep
scan exactly the same code whatever their own defaults are (semgrep skips tests/ and everything in
.gitignore or .semgrepignore when given a folder; bandit skips nothing and would scan a virtualenv).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gate.errors import CheckError
from gate.sections import inside

# Left out unless include_tests = true: bandit's B101 (assert) alone would bury real findings.
# Any file or folder so named, at any depth: Django's apps/*/tests.py and apps/*/tests/ included.
TEST_GLOBS = ("tests", "test", "tests.py", "test_*.py", "*_test.py", "*_tests.py", "conftest.py")
# Never scanned below a configured path: not the service's own code.
ALWAYS_SKIPPED = (
    ".* (hidden folders)",
    "__pycache__",
    "node_modules",
    "site-packages",
    "virtualenvs (folders with pyvenv.cfg)",
    "gate's out folder (--out)",
)


@dataclass(frozen=True)
class Selection:
    """The files to scan (posix paths relative to the target, sorted) and what was left out."""

    files: tuple[str, ...]
    excluded: tuple[str, ...]  # Python files the exclude globs removed


def select_files(target: Path, paths: Sequence[str], excludes: Sequence[str], out_dir: Path | None = None) -> Selection:
    """The Python files under `paths` (relative to `target`) that no exclude glob matches, never in `out_dir`."""
    matchers = [_compile(glob) for glob in excludes]
    root = target.resolve()
    # gate's own out folder (`cd target && gate run` writes reports/ inside it) holds gate's files,
    # e.g. the generated locustfile under artifacts/load/: never the service's code.
    out = out_dir.resolve() if out_dir is not None else None
    found: set[str] = set()
    for configured in paths:
        start = _inside(root, configured)
        candidates = [start] if start.is_file() else _walk(start, out)
        found.update(
            p.relative_to(root).as_posix()
            for p in candidates
            if p.suffix == ".py" and not (out is not None and inside(out, p))
        )
    excluded = sorted(f for f in found if _excluded(f, matchers))
    kept = sorted(found.difference(excluded))
    return Selection(files=tuple(kept), excluded=tuple(excluded))


def _inside(root: Path, configured: str) -> Path:
    path = (root / configured).resolve()
    if path != root and root not in path.parents:
        raise CheckError(f"security.paths: {configured!r} is outside the target {root}")
    if not path.exists():
        raise CheckError(f"security.paths: {configured!r} does not exist in {root}")
    return path


def _walk(start: Path, out: Path | None) -> list[Path]:
    files: list[Path] = []
    for folder, dirnames, filenames in os.walk(start):
        here = Path(folder)
        dirnames[:] = sorted(d for d in dirnames if not _always_skipped(here / d) and (here / d) != out)
        files.extend(here / name for name in filenames)
    return files


def _always_skipped(folder: Path) -> bool:
    name = folder.name
    return (
        name.startswith(".")
        or name in ("__pycache__", "node_modules", "site-packages")
        or (folder / "pyvenv.cfg").is_file()
    )


def _excluded(relative: str, matchers: Sequence[tuple[bool, re.Pattern[str]]]) -> bool:
    """gitignore-like: a glob without '/' matches any one path component (file or folder name);
    a glob with '/' matches the path (or a leading part of it) from the target's root."""
    parts = PurePosixPath(relative).parts
    for index, name in enumerate(parts):
        prefix = "/".join(parts[: index + 1])
        for anchored, regex in matchers:
            if regex.fullmatch(prefix if anchored else name):
                return True
    return False


def _compile(glob: str) -> tuple[bool, re.Pattern[str]]:
    text = glob.strip()
    text = text.removeprefix("./").strip("/")
    anchored = "/" in text
    out = []
    index = 0
    while index < len(text):
        if text.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif text.startswith("**", index):
            out.append(".*")
            index += 2
        elif text[index] == "*":
            out.append("[^/]*")
            index += 1
        elif text[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(text[index]))
            index += 1
    return anchored, re.compile("".join(out))
