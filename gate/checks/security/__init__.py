"""security: bandit and semgrep (gate's rule pack) over the configured paths.

Severity on gate's scale (the policy decides what fails):
  bandit   its severity (low/medium/high), one step lower when bandit's confidence is LOW; never critical.
  semgrep  the rule's metadata `gate-severity` (every rule in policies/semgrep has one).
Both tools scan the same explicit file list (security_files); duplicates are merged (security_merge).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from gate.checks.base import CheckContext
from gate.checks.security import bandit as security_bandit
from gate.checks.security import incremental as security_incremental
from gate.checks.security import semgrep as security_semgrep
from gate.checks.security.files import ALWAYS_SKIPPED, TEST_GLOBS, select_files
from gate.checks.security.hits import ToolRun
from gate.checks.security.merge import merge, with_snippets
from gate.errors import CheckError
from gate.model import Finding, Observation, Severity
from gate.resources import semgrep_rule_pack
from gate.sections import SectionModel, check_target_paths

ID = "security"
TITLE = "Security scan"
SCANS_FILES = True
SECURITY_FINDINGS = True
TYPICAL_DURATION_S = 20.0
TOOL_URIS = {"bandit": "https://bandit.readthedocs.io/", "semgrep": "https://semgrep.dev/"}

DEFAULT_EXCLUDES = list(TEST_GLOBS)
LISTED_MAX = 100  # excluded files named in the details; the count is always exact

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Settings(SectionModel):
    # Folders or files to scan, relative to the target.
    paths: list[NonEmpty] = Field(default_factory=lambda: ["."], min_length=1)
    # Test code is left out by default (tests/, test/, tests.py, test_*.py, *_test.py, *_tests.py,
    # conftest.py, at any depth).
    include_tests: bool = False
    # More globs to leave out: "migrations" (any folder or file of that name), "app/generated/**".
    exclude: list[NonEmpty] = Field(default_factory=list)
    # Honour `# nosec` / `# nosemgrep` comments. Off: an accepted finding belongs in gate.toml's
    # [[waivers]], which carry a reason and an expiry date and show in every report.
    inline_ignores: bool = False
    # Keep each file's raw findings in the user's cache folder ($GATE_CACHE_DIR, else
    # $XDG_CACHE_HOME/gate or ~/.cache/gate) and scan only changed or new files next time.
    cache: bool = True
    timeout_s: float = Field(default=300.0, gt=0)

    @field_validator("paths")
    @classmethod
    def _paths_in_target(cls, value: list[str], info: ValidationInfo) -> list[str]:
        check_target_paths(value, info)
        return value


def configured(raw_config: Mapping[str, Any]) -> bool:
    # Every service has code to scan: the check runs with its defaults when [security] is absent.
    return True


def run(ctx: CheckContext, settings: Settings) -> Observation:
    excludes = [*(() if settings.include_tests else DEFAULT_EXCLUDES), *settings.exclude]
    selection = select_files(ctx.target, settings.paths, excludes, ctx.out_dir)
    if not selection.files:
        hint = "; set include_tests = true to scan test code" if selection.excluded else ""
        raise CheckError(
            f"nothing to scan: no Python files in security.paths {settings.paths} "
            f"({len(selection.excluded)} left out by the excludes{hint})"
        )
    reports = {"bandit": ctx.artifact("bandit.json"), "semgrep": ctx.artifact("semgrep.json")}
    for stale in reports.values():
        stale.unlink(missing_ok=True)  # a report left by an earlier run must never be read as this one's
    files = list(selection.files)

    def run_tools(todo: list[str]) -> dict[str, ToolRun]:
        # semgrep takes seconds to start; the two tools run side by side, each in its own process.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="security") as pool:
            scans = {"bandit": security_bandit.run, "semgrep": security_semgrep.run}
            jobs = {
                name: pool.submit(scan, ctx.target, todo, reports[name], settings.timeout_s, settings.inline_ignores)
                for name, scan in scans.items()
            }
            return {name: _result(job, ctx, tuple(reports.values())) for name, job in jobs.items()}

    done = security_incremental.scan(
        ctx.target, files, settings.inline_ignores, settings.cache, reports["bandit"], run_tools
    )
    runs = done.runs
    # Nothing to rescan: the tools did not run and wrote no report.
    artifacts = tuple(ctx.relative(p) for p in reports.values() if p.is_file())
    findings, merged = merge(runs["bandit"].hits, runs["semgrep"].hits)
    findings = with_snippets(findings, ctx.target)
    details: dict[str, Any] = {
        "paths": list(settings.paths),
        "files_scanned": len(files),
        "files_from_cache": done.from_cache,
        "files_rescanned": len(done.scanned),
        **done.details,
        "files_excluded": len(selection.excluded),
        "excluded_files": list(selection.excluded[:LISTED_MAX]),
        "exclude_globs": excludes,
        "always_skipped": list(ALWAYS_SKIPPED),
        "include_tests": settings.include_tests,
        "inline_ignores": settings.inline_ignores,
        "rule_pack": str(semgrep_rule_pack()),
        "findings_by_tool": {name: sum(1 for f in findings if f.tool == name) for name in runs},
        "merged_duplicates": merged,
    }
    for tool_run in runs.values():
        details.update(tool_run.details)
    return Observation(
        metrics=counts(findings),
        findings=tuple(findings),
        tools={name: tool_run.version for name, tool_run in runs.items()},
        artifacts=artifacts,
        details=details,
    )


def counts(findings: tuple[Finding, ...] | list[Finding]) -> dict[str, float]:
    """Findings per severity label, and the total."""
    metrics: dict[str, float] = {level.label: 0 for level in sorted(Severity, reverse=True)}
    for finding in findings:
        metrics[finding.severity.label] += 1
    metrics["total"] = len(findings)
    return metrics


def _result(job: Future[ToolRun], ctx: CheckContext, reports: tuple[Path, ...]) -> ToolRun:
    try:
        return job.result()
    except CheckError as exc:
        # The raw reports written so far stay listed: they show what the tools said.
        written = tuple(ctx.relative(p) for p in reports if p.is_file())
        raise CheckError(str(exc), exc.log_tail, written) from exc
