"""Run squawk (PostgreSQL migration safety) over SQL files and grade its JSON on gate's severity scale."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from gate import proc
from gate.checks.base import CheckContext
from gate.checks.toolout import parse_tool_json
from gate.errors import CheckError
from gate.model import Finding, Severity

CHECK_ID = "migrations"
TOOL = "squawk"
SNIPPET_CHARS = 300
SYNTAX_ERROR = "syntax-error"  # squawk's own parser gave up: its safety rules did not see the statement

# Hazards: the statement takes a lock that blocks reads or writes of an existing table for as long as
# it scans or rewrites it, breaks clients still running the old code, or fails or loses data.
_HIGH = frozenset(
    {
        "adding-required-field",
        "adding-not-nullable-field",
        "changing-column-type",
        "adding-foreign-key-constraint",
        "constraint-missing-not-valid",
        "disallowed-unique-constraint",
        "require-concurrent-index-creation",
        "require-concurrent-index-deletion",
        "adding-serial-primary-key-field",
        "adding-field-with-default",
        "renaming-column",
        "renaming-table",
        "ban-drop-column",
        "ban-drop-table",
        "ban-drop-database",
        "ban-truncate-cascade",
        "ban-concurrent-index-creation-in-transaction",
        "transaction-nesting",
        "ban-uncommitted-transaction",
        "ban-alter-domain-with-add-constraint",
        "ban-create-domain-with-constraint",
        SYNTAX_ERROR,
    }
)
# Schema-design advice and runner settings: reported, never blocking under the bundled policy.
#  - prefer-*, ban-char-field: type choices at creation time, no lock or data hazard.
#  - prefer-robust-stmts: IF [NOT] EXISTS for re-running a half-applied file; moot in a transaction.
#  - require-*-timeout: lock_timeout/statement_timeout are usually set once for the migration
#    runner's connection or role, not in every file.
#  - unused-ignore: about squawk's own comments, which gate neutralises anyway.
_INFO = frozenset(
    {
        "prefer-bigint-over-int",
        "prefer-bigint-over-smallint",
        "prefer-identity",
        "prefer-text-field",
        "prefer-timestamp-tz",
        "ban-char-field",
        "prefer-robust-stmts",
        "require-timeout-settings",
        "require-lock-timeout",
        "require-statement-timeout",
        "unused-ignore",
    }
)
# A generic rule that a more specific one repeats for the same statement: one finding per hazard.
_REPEATED_BY = {
    "constraint-missing-not-valid": frozenset({"adding-foreign-key-constraint", "disallowed-unique-constraint"})
}
# squawk honours `-- squawk-ignore rule` comments; suppressions belong in gate.toml (waivers with an
# expiry), so gate lints a copy in which the word no longer matches (same length: columns stay).
_IGNORE_COMMENT = re.compile(r"squawk-ignore", re.IGNORECASE)
# An empty config given with -c, so a .squawk.toml in the target cannot switch rules off unseen.
SQUAWK_CONFIG = "# gate's squawk config: rules are excluded only through gate.toml exclude_rules\n"


@dataclass(frozen=True)
class SquawkInput:
    """One file for squawk: where it is, the path findings show, whether a transaction wraps it."""

    path: Path
    shown: str
    in_transaction: bool


def severity_of(rule: str) -> Severity:
    """Hazards high; style and runner advice info; a rule gate has not graded yet medium (still blocks)."""
    if rule in _HIGH:
        return Severity.HIGH
    if rule in _INFO:
        return Severity.INFO
    return Severity.MEDIUM  # e.g. ban-drop-not-null (breaks old clients), rules of a newer squawk


def squawk_version() -> str:
    """The installed squawk-cli's version (its binary is the one proc.tool_argv runs)."""
    return metadata.version("squawk-cli")


def lint(
    ctx: CheckContext,
    inputs: Sequence[SquawkInput],
    exclude_rules: Sequence[str],
    pg_version: str | None,
    timeout: float,
) -> tuple[list[Finding], list[Path]]:
    """squawk's findings over `inputs` (one run per transaction mode) and the JSON files it printed."""
    config = ctx.artifact("squawk.toml")
    config.write_text(SQUAWK_CONFIG, encoding="utf-8")
    findings: list[Finding] = []
    reports: list[Path] = []
    read = [(_neutralised(ctx, i.path, n), i) for n, i in enumerate(inputs)]  # the path squawk reads
    for in_tx in (True, False):
        files = {path: i for path, i in read if i.in_transaction is in_tx}
        if not files:
            continue
        name = "squawk-in-transaction.json" if in_tx else "squawk.json"
        argv = [*proc.tool_argv("squawk"), "--reporter", "json", "--config", str(config)]
        argv += ["--assume-in-transaction"] if in_tx else ["--no-assume-in-transaction"]
        if exclude_rules:
            argv.append("--exclude=" + ",".join(exclude_rules))
        if pg_version is not None:
            argv.append(f"--pg-version={pg_version}")
        # Exit codes: 0 clean, 1 findings (or files it could not read: then stdout is no JSON), 2 usage.
        done = proc.run(
            [*argv, *map(str, files)],
            cwd=ctx.work_dir,
            env=proc.python_env(),
            timeout=timeout,
            ok_codes=(0, 1),
            label=TOOL,
        )
        report = ctx.artifact(name)
        report.write_text(done.stdout, encoding="utf-8")
        reports.append(report)
        try:
            found = read_report(done.stdout, ctx.work_dir, {p: (i.shown, i.path) for p, i in files.items()})
        except CheckError as exc:
            raise CheckError(str(exc), done.tail(), (ctx.relative(report),)) from None
        if done.returncode == 1 and not found:
            raise CheckError("squawk exited 1 but reported no finding", done.tail(), (ctx.relative(report),))
        findings.extend(found)
    return findings, [config, *reports]


def _neutralised(ctx: CheckContext, path: Path, n: int) -> Path:
    text = path.read_text(encoding="utf-8", errors="replace")
    if not _IGNORE_COMMENT.search(text):
        return path.resolve()
    copy = ctx.artifact(f"squawk-input-{n}.sql")
    copy.write_text(_IGNORE_COMMENT.sub("squawk_ignore", text), encoding="utf-8")
    return copy.resolve()


def read_report(text: str, cwd: Path, files: Mapping[Path, tuple[str, Path]]) -> list[Finding]:
    """Findings from squawk's JSON list; `files` maps the path squawk read to (path shown, original)."""
    data = parse_tool_json(text, "squawk output", list, "of findings")
    lines: dict[Path, list[str]] = {}
    findings: list[Finding] = []
    for entry in data:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("file", "rule_name", "message")
        ):
            raise CheckError("squawk's JSON has a finding without file, rule_name and message")
        path = (cwd / entry["file"]).resolve()
        if path not in files:
            raise CheckError(f"squawk reported on a file gate did not ask for: {entry['file']}")
        shown, original = files[path]
        if path not in lines:
            lines[path] = original.read_text(encoding="utf-8", errors="replace").splitlines()
        findings.append(_finding(entry, shown, lines[path]))
    return _one_per_hazard(findings)


def _finding(entry: Mapping[str, Any], shown: str, lines: list[str]) -> Finding:
    raw_line = entry.get("line")
    line = raw_line + 1 if isinstance(raw_line, int) and raw_line >= 0 else None  # squawk counts from 0
    snippet = lines[line - 1].rstrip()[:SNIPPET_CHARS] if line is not None and line <= len(lines) else None
    rule = entry["rule_name"]
    message = entry["message"]
    help_text = entry.get("help")
    if isinstance(help_text, str) and help_text:
        message = f"{message.rstrip('.')}. {help_text}"
    if rule == SYNTAX_ERROR:  # squawk then runs none of its rules on the file
        message = f"squawk could not parse this, so none of its safety rules judged this file: {message}"
    return Finding(
        check=CHECK_ID,
        tool=TOOL,
        rule=rule,
        severity=severity_of(rule),
        message=message,
        path=shown,
        line=line,
        snippet=snippet or None,
    )


def _one_per_hazard(findings: list[Finding]) -> list[Finding]:
    at = {(f.path, f.line, f.rule) for f in findings}
    kept: list[Finding] = []
    syntax_lines: set[tuple[str | None, int | None]] = set()
    for f in findings:
        if any((f.path, f.line, other) in at for other in _REPEATED_BY.get(f.rule, ())):
            continue
        if f.rule == SYNTAX_ERROR:  # squawk reports each token it could not read: one per line is enough
            if (f.path, f.line) in syntax_lines:
                continue
            syntax_lines.add((f.path, f.line))
        kept.append(f)
    return kept
