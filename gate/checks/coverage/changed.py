"""Changed-line coverage: diff-cover maps `git diff REF...HEAD` onto this run's Cobertura XML."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from gate import proc
from gate.checks.base import CheckContext
from gate.checks.toolout import read_tool_json
from gate.errors import CheckError
from gate.model import Finding, Severity

DIFF_COVER = "diff-cover"
REPORT = "diff-cover.json"
LOG = "diff-cover.log"
RULE = "changed-lines-uncovered"
PERCENT, LINES, MISSING = "changed_lines_percent", "changed_lines", "changed_lines_missing"
METRICS = (PERCENT, LINES, MISSING)
NOT_ASKED = "measured only with --diff-base REF"
NO_LINES = "no changed line since {base} is a statement the coverage data measures"
# diff-cover exits 1 with a Python traceback; its last exception block is the message worth showing
# ("ValueError: Could not find the branch to compare to. Does 'nosuch' exist?").
_EXCEPTION = re.compile(r"^[\w.]*(Error|Exception): ?", re.MULTILINE)


@dataclass(frozen=True)
class ChangedFile:
    path: str  # relative to the target, as every finding's path
    lines: int  # changed lines that are statements coverage measures
    missing_lines: tuple[int, ...]


@dataclass(frozen=True)
class ChangedLines:
    base: str
    lines: int
    missing: int
    files: tuple[ChangedFile, ...]  # those with measured changed lines, by path

    def metrics(self) -> dict[str, float]:
        # From diff-cover's counts, unrounded: its total_percent_covered is truncated to a whole
        # number (or to 2 decimals), and a rounded figure must not be what the policy judges.
        counts: dict[str, float] = {LINES: self.lines, MISSING: self.missing}
        return {PERCENT: 100.0 * (self.lines - self.missing) / self.lines, **counts} if self.lines else counts

    def not_measured(self) -> dict[str, str]:
        # No measured line changed: 0 of 0 is neither 0 % nor diff-cover's 100 %; the threshold says so.
        return {} if self.lines else {PERCENT: NO_LINES.format(base=self.base)}

    def details(self) -> dict[str, Any]:
        files = [
            {"path": f.path, "changed_lines": f.lines, "missing": len(f.missing_lines), "missing_lines": spans(f)}
            for f in self.files
        ]
        notes = [] if self.lines else [NO_LINES.format(base=self.base) + ": changed-line coverage not judged"]
        return {"diff_base": self.base, "changed_files": files, **({"notes": notes} if notes else {})}

    def findings(self, check_id: str) -> tuple[Finding, ...]:
        return tuple(
            Finding(
                check=check_id,
                tool=DIFF_COVER,
                rule=RULE,
                severity=Severity.LOW,
                message=f"{len(f.missing_lines)} of {f.lines} changed lines since {self.base} "
                f"not run by the tests: {spans(f)}",
                path=f.path,
                line=f.missing_lines[0],
            )
            for f in self.files
            if f.missing_lines
        )


def measure(ctx: CheckContext, xml: Path, base: str, timeout: float) -> tuple[ChangedLines, tuple[str, ...]]:
    """Run diff-cover on `xml` against `base` in the target's repository; its JSON report is an artifact."""
    out = ctx.artifact(REPORT)
    out.unlink(missing_ok=True)  # diff-cover creates it before it fails: never read a stale or empty one
    log = ctx.artifact(LOG)
    # cwd is the target: diff-cover finds the repository from there (the target may be a subfolder) and
    # matches coverage's paths, relative to its <source>, against git's, relative to the repository root.
    argv = [*proc.tool_argv(DIFF_COVER), str(xml), "--compare-branch", base, "--format", f"json:{out}", "--quiet"]
    done = proc.run(argv, cwd=ctx.target, env=proc.python_env(), timeout=timeout, ok_codes=(0, 1), label=DIFF_COVER)
    log.write_text(f"$ {' '.join(argv)}\n(exit code {done.returncode})\n{done.stdout}{done.stderr}", encoding="utf-8")
    artifacts = (ctx.relative(log),)
    if done.returncode != 0:
        raise CheckError(f"diff-cover --compare-branch {base} failed: {_message(done.stderr)}", done.tail(), artifacts)
    data = read_tool_json(out, "diff-cover", dict, tail=done.tail())
    root = _repository_root(ctx, timeout)
    return parse(data, base, root, ctx.target), (*artifacts, ctx.relative(out))


def parse(data: Mapping[str, Any], base: str, root: Path, target: Path) -> ChangedLines:
    """diff-cover's JSON report; its paths (from the repository root) become paths from the target."""
    stats = _field(data, "src_stats", dict)
    files = []
    for path, entry in stats.items():
        covered = _field(entry, "covered_lines", list, path)
        missing = _field(entry, "violation_lines", list, path)
        if not all(isinstance(n, int) for n in [*covered, *missing]):
            raise CheckError(f"diff-cover report: src_stats[{path!r}]: line numbers that are not whole numbers")
        if covered or missing:  # a changed file coverage does not measure (docs, config) counts for nothing
            relative = posixpath.normpath(Path(os.path.relpath(root / path, target)).as_posix())
            files.append(ChangedFile(relative, len(covered) + len(missing), tuple(sorted(missing))))
    lines, missing_total = _field(data, "total_num_lines", int), _field(data, "total_num_violations", int)
    if (lines, missing_total) != (sum(f.lines for f in files), sum(len(f.missing_lines) for f in files)):
        raise CheckError(f"diff-cover report: totals ({lines} lines, {missing_total} missing) disagree with its files")
    return ChangedLines(base, lines, missing_total, tuple(sorted(files, key=lambda f: f.path)))


def version() -> str:
    try:
        return metadata.version("diff-cover")
    except metadata.PackageNotFoundError:
        raise CheckError("diff-cover runs from gate's environment but its package metadata is missing") from None


def spans(changed: ChangedFile) -> str:
    """Line numbers as ranges: "16, 18-20"."""
    runs: list[list[int]] = []
    for n in changed.missing_lines:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _repository_root(ctx: CheckContext, timeout: float) -> Path:
    # The same question diff-cover asks git to turn the diff's paths into files (it succeeded: so will this).
    done = proc.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=ctx.target, env=proc.python_env(), timeout=timeout, label="git"
    )
    return Path(done.stdout.strip())


def _message(stderr: str) -> str:
    blocks = list(_EXCEPTION.finditer(stderr))
    text = stderr[blocks[-1].end() :] if blocks else stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines) or "no output"


_KINDS = {int: "a whole number", dict: "an object", list: "a list"}


def _field(mapping: Any, key: str, kind: type, where: str = "") -> Any:
    place = f"src_stats[{where!r}]: " if where else ""
    if not isinstance(mapping, dict) or not isinstance(mapping.get(key), kind) or isinstance(mapping[key], bool):
        raise CheckError(f"diff-cover report: {place}field {key!r} missing or not {_KINDS[kind]}")
    return mapping[key]
