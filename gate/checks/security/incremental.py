"""Incremental security scans: files unchanged since a cached scan are not given to the tools again.

The tools run once over only the changed or new files; their hits, split per file, join the cached
hits of the others in the order of the file list, so merging and judging see what a full scan gives.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from gate.checks.security.cache import Entry, Store, cache_root, file_digest, scan_key
from gate.checks.security.hits import Hit, ToolRun
from gate.checks.toolout import read_tool_json

RunTools = Callable[[list[str]], Mapping[str, ToolRun]]  # files -> {"bandit": ..., "semgrep": ...}


@dataclass(frozen=True)
class Scan:
    """The two tools' results over every file, and how many files came from the cache."""

    runs: Mapping[str, ToolRun]
    scanned: tuple[str, ...]  # the files the tools were given in this run
    from_cache: int
    details: Mapping[str, Any] = field(default_factory=dict)


def scan(
    target: Path, files: Sequence[str], inline_ignores: bool, enabled: bool, bandit_report: Path, run_tools: RunTools
) -> Scan:
    """bandit and semgrep over `files`: from the cache where the file is unchanged, else scanned now."""
    root = cache_root() if enabled else None
    key = scan_key(inline_ignores) if root is not None else None
    if root is None or key is None:
        why = "off ([security] cache = false)" if not enabled else "unavailable (no cache folder or tool version)"
        return Scan(runs=run_tools(list(files)), scanned=tuple(files), from_cache=0, details={"cache": why})
    store = Store(root, key)
    digests = {name: file_digest(target / name) for name in files}
    cached: dict[str, Entry] = {}
    for name, digest in digests.items():
        found = store.load(name, digest) if digest is not None else None
        if found is not None:
            cached[name] = found
    todo = [name for name in files if name not in cached]
    fresh = run_tools(todo) if todo else {}
    details: dict[str, Any] = {"cache": str(store.root)}
    if todo:
        try:
            _save(store, target, todo, digests, fresh, bandit_report)
            store.prune()
        except OSError as exc:  # a read-only cache costs speed only: the results are complete
            details["cache_error"] = f"cannot write the cache: {exc}"
    return Scan(runs=_combined(files, cached, fresh), scanned=tuple(todo), from_cache=len(cached), details=details)


def _by_file(hits: Sequence[Hit]) -> dict[str, list[Hit]]:
    grouped: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        grouped[str(hit.finding.path)].append(hit)
    return grouped


def _save(
    store: Store,
    target: Path,
    todo: Sequence[str],
    digests: Mapping[str, str | None],
    fresh: Mapping[str, ToolRun],
    bandit_report: Path,
) -> None:
    metrics = read_tool_json(bandit_report, "bandit", dict)["metrics"]
    nosec = {posixpath.normpath(name): int(m["nosec"]) for name, m in metrics.items() if name != "_totals"}
    partial = [str(note) for note in fresh["semgrep"].details.get("semgrep_partially_parsed", ())]
    incomplete = {name for name in todo if any(note.startswith(f"{name}:") for note in partial)}
    if len(incomplete) < len(partial):
        return  # a note that names no file: which result is incomplete is unknown, so keep none
    bandit, semgrep = _by_file(fresh["bandit"].hits), _by_file(fresh["semgrep"].hits)
    for name in todo:
        digest = digests[name]
        # A file changed while the tools read it may not match their hits: it is scanned next time.
        if name in incomplete or digest is None or file_digest(target / name) != digest:
            continue
        store.save(name, digest, bandit.get(name, []), semgrep.get(name, []), nosec[name])


def _combined(files: Sequence[str], cached: Mapping[str, Entry], fresh: Mapping[str, ToolRun]) -> dict[str, ToolRun]:
    """Each tool's hits in file-list order, cached and fresh alike, with its version and details."""
    runs: dict[str, ToolRun] = {}
    for tool in ("bandit", "semgrep"):
        now = fresh.get(tool)
        grouped = _by_file(now.hits) if now is not None else {}
        hits: list[Hit] = []
        for name in files:
            if name in cached:
                hits.extend(cached[name].bandit if tool == "bandit" else cached[name].semgrep)
            else:
                hits.extend(grouped.get(name, []))
        details = dict(now.details) if now is not None else {}
        if tool == "bandit":
            details["bandit_nosec"] = int(details.get("bandit_nosec", 0)) + sum(c.nosec for c in cached.values())
        # With nothing scanned now, the installed version is the one the cache key was made with.
        runs[tool] = ToolRun(
            tool=tool, version=now.version if now is not None else version(tool), hits=hits, details=details
        )
    return runs
