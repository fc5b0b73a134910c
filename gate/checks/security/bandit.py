"""bandit: run it on the selected files and read its JSON report into findings."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from gate import proc
from gate.checks.security.hits import Hit, ToolRun, require_scanned
from gate.checks.toolout import read_tool_json
from gate.errors import CheckError
from gate.model import Finding, Severity

BANDIT = "bandit"  # the console script in gate's environment; tests point it elsewhere
OK_CODES = (0, 1)  # bandit exits 1 when it found issues; anything else is a failure

_LEVELS = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}
_CONFIDENCES = ("LOW", "MEDIUM", "HIGH")


def severity(bandit_severity: str, confidence: str) -> Severity:
    """bandit's severity on gate's scale, one step lower when bandit's own confidence is LOW.

    bandit never reaches critical: it sees single statements, not whether data reaches them.
    """
    if bandit_severity not in _LEVELS or confidence not in _CONFIDENCES:
        raise CheckError(f"bandit reported an unknown severity/confidence {bandit_severity!r}/{confidence!r}")
    level = _LEVELS[bandit_severity]
    return Severity(level - 1) if confidence == "LOW" else level


def run(target: Path, files: Sequence[str], out: Path, timeout: float, inline_ignores: bool) -> ToolRun:
    """Scan `files` (relative to `target`) with bandit; its JSON report goes to `out`."""
    argv = [*proc.tool_argv(BANDIT), "--format", "json", "--output", str(out), "--recursive"]
    if not inline_ignores:
        argv.append("--ignore-nosec")  # gate's waivers (reason + expiry, in the report) are the way
    version = _version()
    done = proc.run(
        [*argv, "--", *files], cwd=target, timeout=timeout, env=proc.python_env(), ok_codes=OK_CODES, label="bandit"
    )
    data = read_tool_json(out, "bandit", dict, tail=done.tail())
    hits, details = parse(data, files, done.tail())
    return ToolRun(tool="bandit", version=version, hits=hits, details=details)


def _version() -> str:
    # Called once run() found bandit's console script in gate's environment (proc.tool_argv raises
    # when it is missing): its package metadata says the version without a `bandit --version`
    # process (0.4 s per run).
    try:
        return metadata.version("bandit")
    except metadata.PackageNotFoundError:
        raise CheckError("bandit runs from gate's environment but its package metadata is missing") from None


def parse(data: Mapping[str, Any], files: Sequence[str], tail: str = "") -> tuple[list[Hit], dict[str, Any]]:
    """Findings from bandit's JSON report; raise CheckError if bandit did not scan every file."""
    try:
        errors = data["errors"]
        results = data["results"]
        metrics = data["metrics"]
        if errors:
            listed = "; ".join(f"{_path(e['filename'])}: {e['reason']}" for e in errors)
            raise CheckError(
                f"bandit could not scan {len(errors)} file(s): {listed} (fix the file, or leave "
                "it out with [security] exclude if it is not Python)",
                tail,
            )
        require_scanned("bandit", files, {_path(name) for name in metrics if name != "_totals"}, tail)
        hits = [_hit(result) for result in results]
        nosec = int(metrics["_totals"]["nosec"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckError(
            f"bandit's JSON report is not in the expected format ({type(exc).__name__}: {exc})", tail
        ) from None
    return hits, {"bandit_nosec": nosec}


def _hit(result: Mapping[str, Any]) -> Hit:
    line = int(result["line_number"])
    lines = [int(n) for n in result["line_range"]] or [line]
    cwe = result.get("issue_cwe") or {}  # optional: bandit adds CWE ids only to some tests
    extra = {"tool_severity": str(result["issue_severity"]), "confidence": str(result["issue_confidence"])}
    if cwe.get("id"):
        extra["cwe"] = f"CWE-{cwe['id']}"
    if result.get("more_info"):
        extra["more_info"] = str(result["more_info"])
    finding = Finding(
        check="security",
        tool="bandit",
        rule=str(result["test_id"]),
        severity=severity(str(result["issue_severity"]), str(result["issue_confidence"])),
        message=str(result["issue_text"]),
        path=_path(str(result["filename"])),
        line=line,
        extra=extra,
    )
    return Hit(finding=finding, first_line=min(lines), last_line=max(lines))


def _path(name: str) -> str:
    # bandit writes the names it was given with "./" in front: "./app/db.py".
    return posixpath.normpath(name)
