"""semgrep: run gate's rule pack offline on the selected files and read its JSON report."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gate import proc
from gate.checks.security.hits import Hit, ToolRun, require_scanned
from gate.checks.toolout import read_tool_json
from gate.errors import CheckError
from gate.model import Finding, Severity
from gate.resources import semgrep_rule_pack

SEMGREP = "semgrep"  # the console script in gate's environment; tests point it elsewhere
# 0: scanned (findings do not change the code without --error); 2 and up: semgrep's own errors,
# which it still describes in the JSON report's `errors`, so read the report before failing.
REPORTED_CODES = tuple(range(0, 128))
OFFLINE_FLAGS = ("--metrics=off", "--disable-version-check")

# Used only for a rule without metadata `gate-severity` (every rule in gate's pack has one).
_SEMGREP_LEVELS = {
    "CRITICAL": Severity.CRITICAL,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "INFO": Severity.INFO,
}
# semgrep prefixes a rule's id with the folders of a local config file ("policies.semgrep.gate.x")
# unless --no-rewrite-rule-ids; our ids are "gate." plus a name without dots.
_RULE_ID = re.compile(r"(?:^|\.)(gate\.[A-Za-z0-9_-]+)$")
# These report a file semgrep could not fully analyse: the result for it is incomplete.
_PARTIAL = "PartialParsing"


def offline_env(work_dir: Path) -> dict[str, str]:
    """gate's environment for semgrep: no SEMGREP_* settings of the caller, nothing sent anywhere."""
    # SEMGREP_BASELINE_COMMIT would hide findings older than a commit, SEMGREP_RULES and
    # SEMGREP_APP_TOKEN would add registry rules: none of that may change what the gate sees.
    env = {k: v for k, v in proc.python_env().items() if not k.startswith("SEMGREP_")}
    env.update(
        {
            "SEMGREP_ENABLE_VERSION_CHECK": "0",
            "SEMGREP_SEND_METRICS": "off",
            # Keep semgrep's settings and log out of $HOME (read-only in some CI runners).
            "SEMGREP_SETTINGS_FILE": str(work_dir / "semgrep-settings.yml"),
            "SEMGREP_LOG_FILE": str(work_dir / "semgrep.log"),
        }
    )
    return env


def run(target: Path, files: Sequence[str], out: Path, timeout: float, inline_ignores: bool) -> ToolRun:
    """Scan `files` (relative to `target`) with gate's rule pack; the JSON report goes to `out`."""
    pack = semgrep_rule_pack()
    if not any(pack.glob("*.yaml")):
        raise CheckError(f"gate's semgrep rule pack is missing: no *.yaml in {pack}")
    argv = [
        *proc.tool_argv(SEMGREP),
        "scan",
        "--config",
        str(pack),
        *OFFLINE_FLAGS,
        "--oss-only",
        "--no-rewrite-rule-ids",
        "--json",
        "--output",
        str(out),
        "--quiet",
    ]
    if not inline_ignores:
        argv.append("--disable-nosem")  # gate's waivers (reason + expiry, in the report) are the way
    done = proc.run(
        [*argv, "--", *files],
        cwd=target,
        timeout=timeout,
        env=offline_env(out.parent),
        ok_codes=REPORTED_CODES,
        label="semgrep",
    )
    if done.returncode != 0 and not out.is_file():
        raise CheckError(f"semgrep {proc.describe_exit(done.returncode)} without writing its report", done.tail())
    data = read_tool_json(out, "semgrep", dict, tail=done.tail())
    hits, details = parse(data, files, done.tail())  # names semgrep's own errors, if it reported any
    if done.returncode != 0:
        raise CheckError(f"semgrep {proc.describe_exit(done.returncode)}", done.tail())
    return ToolRun(tool="semgrep", version=_text(data, "version"), hits=hits, details=details)


def parse(data: Mapping[str, Any], files: Sequence[str], tail: str = "") -> tuple[list[Hit], dict[str, Any]]:
    """Findings from semgrep's JSON report; CheckError when a rule or a file could not be analysed."""
    try:
        errors = list(data["errors"])
        partial = [_partial_note(e) for e in errors if _kind(e) == _PARTIAL]
        fatal = [_describe(e) for e in errors if _kind(e) != _PARTIAL]
        if fatal:
            raise CheckError(
                f"semgrep reported {len(fatal)} error(s): "
                + "; ".join(fatal[:5])
                + " (a file it cannot analyse can be left out with [security] exclude)",
                tail,
            )
        require_scanned("semgrep", files, {os.path.normpath(p) for p in data["paths"]["scanned"]}, tail)
        hits = [_hit(result) for result in data["results"]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckError(
            f"semgrep's JSON report is not in the expected format ({type(exc).__name__}: {exc})", tail
        ) from None
    return hits, {"semgrep_partially_parsed": partial} if partial else {}


def _hit(result: Mapping[str, Any]) -> Hit:
    extra = result["extra"]
    metadata = extra.get("metadata") or {}  # optional in semgrep's format
    rule = rule_id(str(result["check_id"]))
    facts = {"tool_severity": str(extra["severity"])}
    if metadata.get("cwe"):
        facts["cwe"] = str(metadata["cwe"]).split(":")[0]
    first, last = int(result["start"]["line"]), int(result["end"]["line"])
    finding = Finding(
        check="security",
        tool="semgrep",
        rule=rule,
        severity=_severity(rule, extra["severity"], metadata),
        message=" ".join(str(extra["message"]).split()),
        path=os.path.normpath(str(result["path"])),
        line=first,
        extra=facts,
    )
    same = tuple(str(test) for test in metadata.get("bandit") or ())
    return Hit(finding=finding, first_line=first, last_line=last, same_as_bandit=same)


def rule_id(check_id: str) -> str:
    """The rule's own id ("gate.sql-built-from-strings") whatever prefix semgrep put on it."""
    match = _RULE_ID.search(check_id)
    if match is None:
        raise CheckError(f"semgrep reported rule {check_id!r}, which is not in gate's rule pack")
    return match.group(1)


def _severity(rule: str, semgrep_severity: Any, metadata: Mapping[str, Any]) -> Severity:
    declared = metadata.get("gate-severity")
    if declared is not None:
        try:
            return Severity.parse(str(declared))
        except ValueError as exc:
            raise CheckError(f"semgrep rule {rule}: metadata gate-severity: {exc}") from None
    level = _SEMGREP_LEVELS.get(str(semgrep_severity).upper())
    if level is None:
        raise CheckError(f"semgrep rule {rule}: unknown severity {semgrep_severity!r}")
    return level


def _kind(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    # Target errors are ["PartialParsing", [spans]]; others are plain strings.
    return str(kind[0] if isinstance(kind, list) else kind)


def _describe(error: Mapping[str, Any]) -> str:
    where = error.get("path") or error.get("rule_id") or ""
    first_line = str(error.get("message", "")).strip().splitlines()[:1]
    return f"{_kind(error)}{f' in {where}' if where else ''}: {first_line[0] if first_line else 'no message'}"


def _partial_note(error: Mapping[str, Any]) -> str:
    spans = error["type"][1] if isinstance(error["type"], list) and len(error["type"]) > 1 else []
    lines = ", ".join(f"{s['start']['line']}-{s['end']['line']}" for s in spans)
    path = error.get("path", "?")
    return f"{path}: semgrep skipped unparsable lines {lines or '?'}; bandit parsed the whole file"


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise CheckError(f"semgrep's JSON report has no {key!r}")
    return value
