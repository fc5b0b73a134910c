"""Run sqlfluff over SQL files and turn its JSON into findings on gate's severity scale."""

from __future__ import annotations

import ast
import functools
import importlib.util
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
TOOL = "sqlfluff"
SNIPPET_CHARS = 300
_RULE_CODE = re.compile(r"^[A-Z]{2}\d{2}$")  # LT05, PG01, ...; anything else is a parse-level error

# Written into the work folder and passed with --config (and --ignore-local-config, so the target's
# .sqlfluff cannot switch rules off behind the gate's back; exclude_rules in gate.toml is the one,
# visible, way to do that).
#  - large_file_skip_byte_limit: sqlfluff silently skips files over 20 kB by default and still
#    exits 0; an initial-schema migration is often bigger. 0 lints every file; skip_fail makes any
#    remaining skip an error exit instead of a pass.
#  - PG01 (postgres.excessive_locks) and PG02 (postgres.not_valid_foreign_key), off unless
#    force_enable is set, stay off: for the postgres dialect squawk judges the same hazards knowing
#    which tables the migration itself created (PG01/PG02 flagged those too: an index or foreign key
#    on a brand-new table locks nothing anyone waits for, and CONCURRENTLY would even fail inside the
#    migration's transaction). One finding per hazard, from the tool that gets it right.
SQLFLUFF_CONFIG = """\
[sqlfluff]
large_file_skip_byte_limit = 0
large_file_skip_fail = True
"""


@functools.cache
def sqlfluff_dialects() -> frozenset[str] | None:
    """The dialect names the installed sqlfluff knows, or None when they cannot be read.

    Read from the source of sqlfluff's dialect table, not by importing sqlfluff: the import takes
    seconds, and validating a gate.toml must stay instant.
    """
    spec = importlib.util.find_spec("sqlfluff")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations)), "core", "dialects", "__init__.py")
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    for node in ast.walk(tree):
        value: ast.expr | None
        if isinstance(node, ast.Assign):
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "_dialect_lookup" and isinstance(value, ast.Dict):
            names = {key.value for key in value.keys if isinstance(key, ast.Constant)}
            return frozenset(str(name) for name in names) or None
    return None


@dataclass(frozen=True)
class LintResult:
    """What sqlfluff found, as gate findings."""

    findings: tuple[Finding, ...]
    parse_errors: int
    report: Path  # sqlfluff's JSON, in the work folder
    config: Path  # the config file gate gave sqlfluff


def severity_of(code: str) -> Severity:
    """PRS/LXR/TMP (SQL sqlfluff could not read) high; rules (layout, style, conventions) low."""
    if not _RULE_CODE.match(code):
        # Unparsable SQL would fail in the database or, worse, do something else: never a style nit.
        return Severity.HIGH
    return Severity.LOW  # layout, capitalisation, conventions, ...


def sqlfluff_version() -> str:
    """The installed sqlfluff's version (the one proc.tool_argv runs: same environment)."""
    return metadata.version("sqlfluff")


def lint(
    ctx: CheckContext, files: Mapping[Path, str], dialect: str, exclude_rules: Sequence[str], timeout: float
) -> LintResult:
    """Lint `files` (absolute path -> path as shown); raise CheckError unless every file was read."""
    config = ctx.artifact("sqlfluff.cfg")
    config.write_text(SQLFLUFF_CONFIG, encoding="utf-8")
    report = ctx.artifact("sqlfluff.json")
    report.unlink(missing_ok=True)
    argv = [
        *proc.tool_argv("sqlfluff"),
        "lint",
        "--dialect",
        dialect,
        "--format",
        "json",
        "--write-output",
        str(report),
        "--ignore-local-config",
        "--config",
        str(config),
        # Raw SQL is what the database runs: no Jinja interpretation of `{{` in a string literal.
        "--templater",
        "raw",
        # Suppressions belong in gate.toml (waivers with an expiry), not in `-- noqa` comments,
        # which could even hide a parse error (`-- noqa: PRS`).
        "--disable-noqa",
        "--disregard-sqlfluffignores",
        "--nocolor",
        "--disable-progress-bar",
        "--processes",
        "1",
    ]
    if exclude_rules:
        argv += ["--exclude-rules", ",".join(exclude_rules)]
    # Exit codes: 0 clean, 1 violations found, 2 usage or internal error (unknown dialect, ...).
    done = proc.run(
        [*argv, "--", *map(str, files)],
        cwd=ctx.target,
        env=proc.python_env(),
        timeout=timeout,
        ok_codes=(0, 1),
        label=TOOL,
    )
    artifacts = (ctx.relative(config), ctx.relative(report))
    text = report.read_text(encoding="utf-8") if report.is_file() else ""
    try:
        findings = read_report(text, ctx.target, files)
    except CheckError as exc:
        raise CheckError(str(exc), done.tail(), artifacts) from None
    if done.returncode == 1 and not findings:
        raise CheckError("sqlfluff exited 1 (violations) but its report lists none", done.tail(), artifacts)
    parse_errors = sum(1 for f in findings if not _RULE_CODE.match(f.rule))
    return LintResult(tuple(findings), parse_errors, report, config)


def read_report(text: str, cwd: Path, files: Mapping[Path, str]) -> list[Finding]:
    """Findings from sqlfluff's JSON; raise CheckError unless it is well formed and covers every file."""
    data = parse_tool_json(text, "sqlfluff report sqlfluff.json", list, "of files")
    by_path = {path.resolve(): shown for path, shown in files.items()}
    seen: set[Path] = set()
    findings: list[Finding] = []
    for entry in data:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("filepath"), str)
            or not isinstance(entry.get("violations"), list)
        ):
            raise CheckError("sqlfluff's JSON report has an entry without filepath and violations")
        path = (cwd / entry["filepath"]).resolve()  # absolute as gate passes them; relative to cwd else
        if path not in by_path:
            raise CheckError(f"sqlfluff reported on a file gate did not ask for: {entry['filepath']}")
        seen.add(path)
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        findings.extend(_finding(v, by_path[path], lines) for v in entry["violations"])
    missing = [shown for path, shown in by_path.items() if path not in seen]
    if missing:
        # A file sqlfluff skipped was not linted: that is not a clean file.
        raise CheckError(f"sqlfluff did not report on {', '.join(missing)}")
    return findings


def _finding(violation: Any, shown: str, lines: list[str]) -> Finding:
    if (
        not isinstance(violation, dict)
        or not isinstance(violation.get("code"), str)
        or not isinstance(violation.get("description"), str)
    ):
        raise CheckError(f"sqlfluff's JSON report has a violation without code and description in {shown}")
    line = violation.get("start_line_no")
    line = line if isinstance(line, int) and line > 0 else None
    snippet = lines[line - 1].rstrip()[:SNIPPET_CHARS] if line is not None and line <= len(lines) else None
    name = violation.get("name")
    code = violation["code"]
    return Finding(
        check=CHECK_ID,
        tool=TOOL,
        rule=code,
        severity=severity_of(code),
        message=violation["description"],
        path=shown,
        line=line,
        snippet=snippet or None,
        extra={"name": name} if isinstance(name, str) and name else {},
    )
