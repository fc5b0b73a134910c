"""The security check's per-file cache: each file's raw bandit and semgrep hits, kept between runs.

An entry is keyed by the file's path and content hash and by everything else that changes what the
tools report for it (`scan_key`): bandit's and semgrep's versions, the rule pack's files, the options
gate passes, the tools' argv and gate's own parsers. The hits are stored before merging and judging,
so a run from the cache is judged exactly as a full scan. The cache lives outside the target (the
user's cache folder), is written atomically and pruned by age and size. Anything unreadable,
corrupt or for another key is a miss: the file is scanned again, never taken as clean.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NamedTuple

from gate import proc
from gate.checks.security import bandit as security_bandit
from gate.checks.security import hits as security_hits
from gate.checks.security import semgrep as security_semgrep
from gate.checks.security.hits import Hit
from gate.model import Finding, Severity
from gate.resources import semgrep_rule_pack

ENV_DIR = "GATE_CACHE_DIR"
FORMAT = 1  # bump when an entry's layout changes
MAX_AGE_S = 30 * 24 * 3600  # entries not used for 30 days are removed
MAX_BYTES = 256 * 1024 * 1024  # beyond this the least recently used entries go
PRUNE_EVERY_S = 24 * 3600  # walking a large cache costs; prune at most once a day


def cache_root() -> Path | None:
    """$GATE_CACHE_DIR, else $XDG_CACHE_HOME/gate, else ~/.cache/gate; None without a home."""
    explicit = os.environ.get(ENV_DIR, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and os.path.isabs(xdg):  # the XDG spec says a relative value is to be ignored
        return Path(xdg) / "gate"
    try:
        return Path.home() / ".cache" / "gate"
    except RuntimeError:  # no HOME and no passwd entry: nowhere outside the target to keep it
        return None


def scan_key(inline_ignores: bool) -> str | None:
    """A hash of everything besides the file that changes the tools' hits; None if unknowable."""
    try:
        versions = {tool: version(tool) for tool in ("bandit", "semgrep")}
    except PackageNotFoundError:
        return None  # no version, no key: scan, and let the scan report the missing tool
    pack = semgrep_rule_pack()
    rules = sorted(p for p in pack.rglob("*") if p.is_file()) if pack.is_dir() else []
    if not any(p.suffix == ".yaml" for p in rules):
        return None  # the scan raises the missing-rule-pack error
    digest = hashlib.sha256()
    digest.update(
        json.dumps(
            {
                "format": FORMAT,
                "python": sys.version,
                "versions": versions,
                "inline_ignores": inline_ignores,
                # gate passes no bandit config and semgrep no config but the pack; the argv says which tools run
                "bandit": proc.tool_argv(security_bandit.BANDIT),
                "semgrep": proc.tool_argv(security_semgrep.SEMGREP),
            },
            sort_keys=True,
        ).encode()
    )
    # gate's parsers decide what a hit holds; a changed parser must not read old entries.
    for module in (security_bandit, security_semgrep, security_hits):
        digest.update(Path(str(module.__file__)).read_bytes())
    for path in rules:
        digest.update(path.relative_to(pack).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def file_digest(path: Path) -> str | None:
    """The sha256 of a file's bytes; None if it cannot be read (it is then scanned, not cached)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class Entry(NamedTuple):
    """One file's cached scan: bandit's and semgrep's hits and bandit's `# nosec` count."""

    bandit: list[Hit]
    semgrep: list[Hit]
    nosec: int


class Store:
    """Entries under `root`/security/, one JSON file per (scan key, path, content hash)."""

    def __init__(self, root: Path, key: str) -> None:
        self.root = root / "security"
        self.key = key

    def _entry(self, path: str, digest: str) -> tuple[str, Path]:
        name = hashlib.sha256(f"{self.key}\0{path}\0{digest}".encode()).hexdigest()
        return name, self.root / name[:2] / f"{name}.json"

    def load(self, path: str, digest: str) -> Entry | None:
        """The cached scan of this file, or None: a miss."""
        name, entry = self._entry(path, digest)
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
            if data["entry"] != name or data["path"] != path:
                return None
            found = Entry([_hit(h) for h in data["bandit"]], [_hit(h) for h in data["semgrep"]], int(data["nosec"]))
            if any(h.finding.path != path for h in (*found.bandit, *found.semgrep)):
                return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # unreadable, corrupt or from elsewhere: a miss, the file is scanned
        # Recently used: pruning goes by last use. A read-only cache is still valid; only its pruning suffers.
        with contextlib.suppress(OSError):
            os.utime(entry)
        return found

    def save(self, path: str, digest: str, bandit: Sequence[Hit], semgrep: Sequence[Hit], nosec: int) -> None:
        """Write one entry atomically (temp file + rename); OSError if the folder is not writable."""
        name, entry = self._entry(path, digest)
        text = json.dumps(
            {
                "entry": name,
                "path": path,
                "nosec": nosec,
                "bandit": [_plain(h) for h in bandit],
                "semgrep": [_plain(h) for h in semgrep],
            }
        )
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, entry)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def prune(self, now: float | None = None) -> int:
        """Remove entries unused for MAX_AGE_S and the oldest beyond MAX_BYTES; how many went."""
        now = time.time() if now is None else now
        stamp = self.root / ".pruned"
        if stamp.is_file() and now - stamp.stat().st_mtime < PRUNE_EVERY_S:
            return 0
        entries = []
        for entry in self.root.glob("*/*.json"):
            try:
                info = entry.stat()
            except OSError:
                continue  # removed by a concurrent run
            entries.append((info.st_mtime, info.st_size, entry))
        entries.sort(reverse=True)  # newest first
        removed, total = 0, 0
        for mtime, size, entry in entries:
            total += size
            if now - mtime > MAX_AGE_S or total > MAX_BYTES:
                entry.unlink(missing_ok=True)
                removed += 1
        for temp in self.root.glob("*/.tmp-*"):  # left by a run that was killed mid-write
            if now - temp.stat().st_mtime > 3600:
                temp.unlink(missing_ok=True)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
        os.utime(stamp, (now, now))
        return removed


def _plain(hit: Hit) -> dict[str, Any]:
    f = hit.finding
    return {
        "tool": f.tool,
        "rule": f.rule,
        "severity": int(f.severity),
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "extra": dict(f.extra),
        "first_line": hit.first_line,
        "last_line": hit.last_line,
        "same_as_bandit": list(hit.same_as_bandit),
    }


def _hit(data: Mapping[str, Any]) -> Hit:
    extra = data["extra"]
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise TypeError("extra is not a dict of strings")
    finding = Finding(
        check="security",
        tool=str(data["tool"]),
        rule=str(data["rule"]),
        severity=Severity(int(data["severity"])),
        message=str(data["message"]),
        path=str(data["path"]),
        line=int(data["line"]),
        extra=extra,
    )
    return Hit(
        finding=finding,
        first_line=int(data["first_line"]),
        last_line=int(data["last_line"]),
        same_as_bandit=tuple(str(t) for t in data["same_as_bandit"]),
    )
