"""gate-report.sarif: SARIF 2.1.0 for code scanning, one run per (check, tool) with findings in files."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from gate.fingerprint import fingerprints
from gate.model import BaselineState, CheckResult, Finding, GateReport, Severity, Status
from gate.reporters.common import one_line, repo_relative, safe

FILENAME = "gate-report.sarif"
SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# SARIF's result.baselineState: code scanning shows new alerts as new. Findings the baseline had but
# this run has not are counted in the JSON report (CheckResult.absent); without their locations no
# "absent" result is emitted (code scanning closes such alerts from the run itself).
BASELINE_STATE = {BaselineState.NEW: "new", BaselineState.EXISTING: "unchanged"}
# GitHub code scanning ranks security alerts by this rule property (>= 9 critical, >= 7 high, >= 4 medium).
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}


def render(report: GateReport) -> str:
    """The SARIF log as JSON text."""
    report = safe(report)
    runs = [_run(report, check, tool) for check, tool in _run_keys(report)]
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _run_keys(report: GateReport) -> list[tuple[CheckResult, str]]:
    keys: list[tuple[CheckResult, str]] = []
    for check in report.checks:
        if check.status is Status.SKIPPED:
            continue
        tools = {f.tool for f in (*check.findings, *check.waived) if _located(f, check)}
        # An errored scan is incomplete: an empty run would tell code scanning that every alert of that
        # tool was fixed. Its findings were still reported by the tool and are kept (never dropped).
        # Checks that scan files (traits.scans_files) get a run for each tool even with no results, so
        # that code scanning closes alerts that were fixed. So do checks that name a file for their
        # findings without one (details["source_file"]: fuzz's spec file or gate.toml). Others only get a
        # run when a finding names a file.
        anchored = check.traits.scans_files or bool(check.details.get("source_file"))
        if anchored and check.status is not Status.ERROR:
            tools |= set(check.tools)
        keys.extend((check, tool) for tool in sorted(tools))
    return keys


def _run(report: GateReport, check: CheckResult, tool: str) -> dict[str, Any]:
    kept = [f for f in check.findings if f.tool == tool and _located(f, check)]
    waived = [f for f in check.waived if f.tool == tool and _located(f, check)]
    rules = sorted({f.rule for f in (*kept, *waived)})
    index = {rule: i for i, rule in enumerate(rules)}
    prefix = report.target_in_repo
    prints = iter(fingerprints([*kept, *waived]))
    results = [_result(f, check, index, next(prints), None, prefix) for f in kept]
    results += [_result(f, check, index, next(prints), _justification(f), prefix) for f in waived]
    driver: dict[str, Any] = {"name": tool}
    if tool in check.tools:
        driver["version"] = check.tools[tool]
    if tool in check.traits.tool_uris:
        driver["informationUri"] = check.traits.tool_uris[tool]
    driver["rules"] = [_rule(check, tool, rule, [f for f in (*kept, *waived) if f.rule == rule]) for rule in rules]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        # The category code scanning keeps alerts under: distinct per check and tool.
        "automationDetails": {"id": f"gate/{check.id}/{tool}/"},
    }
    root = _source_root(report)
    if root.startswith("/"):
        run["originalUriBaseIds"] = {SRCROOT: {"uri": "file://" + quote(root.rstrip("/") + "/")}}
    if check.status is Status.ERROR:
        # The results are what the tool found before the check could not decide: say the run failed.
        reason = one_line(" ".join(check.reasons), 1000) or "the check could not decide"
        run["invocations"] = [
            {
                "executionSuccessful": False,
                "toolExecutionNotifications": [{"level": "error", "message": {"text": reason}}],
            }
        ]
    run["results"] = results
    run["properties"] = {"gateCheck": check.id, "gateStatus": check.status.value}
    if report.baseline is not None:
        # Results carry baselineState (new / unchanged); the run names the report they were compared with.
        run["properties"]["gateBaseline"] = {"path": report.baseline.path, "startedAt": report.baseline.started_at}
    return run


def _rule(check: CheckResult, tool: str, rule: str, findings: list[Finding]) -> dict[str, Any]:
    worst = max(f.severity for f in findings)
    text = one_line(findings[0].message, 1000) or rule
    short = one_line(text.split(". ")[0], 120)
    waiver = f'[[waivers]] check = "{check.id}", rule = "{rule}", reason = "...", expires = "YYYY-MM-DD"'
    help_text = (
        f"{tool} rule {rule} ({check.title}). Fix the code, or accept the finding in gate.toml "
        f"with a reason and an expiry date: {waiver}"
    )
    properties: dict[str, Any] = {"tags": [check.id, tool]}
    if check.traits.security_findings and worst in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[worst]
    return {
        "id": rule,
        "shortDescription": {"text": short},
        "fullDescription": {"text": text},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVEL[worst]},
        "properties": properties,
    }


def _located(finding: Finding, check: CheckResult) -> str | None:
    """The file a result is shown on: the finding's own, else the one its check names for findings
    without a file (fuzz: the spec file in the repository, or the target's gate.toml)."""
    anchor = check.details.get("source_file")
    return finding.path or (anchor if isinstance(anchor, str) and anchor else None)


def _result(
    finding: Finding,
    check: CheckResult,
    index: dict[str, int],
    fingerprint: str,
    justification: str | None,
    target_in_repo: str,
) -> dict[str, Any]:
    region: dict[str, Any] = {}
    if finding.line is not None and finding.line >= 1:
        region["startLine"] = finding.line
        if finding.snippet:
            region["snippet"] = {"text": finding.snippet}
    physical: dict[str, Any] = {"artifactLocation": _artifact(_located(finding, check) or "", target_in_repo)}
    if region:
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.operation and not finding.path:
        # The file only anchors the alert; what failed is this API operation.
        location["logicalLocations"] = [{"fullyQualifiedName": finding.operation, "kind": "resource"}]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": LEVEL[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [location],
        "partialFingerprints": {"gateFinding/v1": fingerprint},
        "properties": {"severity": finding.severity.label},
    }
    if finding.baseline is not None:
        result["baselineState"] = BASELINE_STATE[finding.baseline]
    if finding.log_excerpt:
        result["properties"]["serviceLog"] = finding.log_excerpt
    if justification is not None:
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": justification}]
    return result


def _message(finding: Finding) -> str:
    """The message, with the service's log lines for that request as its detail (code scanning shows it)."""
    text = finding.message.strip() or finding.rule
    if finding.log_excerpt:
        text += "\n\nService log while this request was served:\n" + finding.log_excerpt
    return text


def _source_root(report: GateReport) -> str:
    """The repository root: the target minus its path inside the repository."""
    if not report.target_in_repo:
        return report.target
    return report.target.rstrip("/").removesuffix("/" + report.target_in_repo.strip("/")) or "/"


def _artifact(path: str, target_in_repo: str) -> dict[str, Any]:
    located = repo_relative(path, target_in_repo)
    if PurePosixPath(located).is_absolute():
        return {"uri": "file://" + quote(located)}
    # Relative to the repository root, where code scanning looks for the file.
    return {"uri": quote(located), "uriBaseId": SRCROOT}


def _justification(finding: Finding) -> str:
    waiver = finding.waiver
    return "waived in gate.toml" if waiver is None else f"{waiver.reason} (waiver until {waiver.expires})"
