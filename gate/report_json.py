"""The one dictionary form of a GateReport: JSON is written from it and `gate report --from` reads it back."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gate.model import (
    EXIT_CODES,
    CheckResult,
    CheckTraits,
    Finding,
    GateReport,
    Measurement,
    Severity,
    Status,
    Verdict,
    Waiver,
    WaiverUse,
)

# Strict JSON has no Infinity or NaN (Python writes them, most parsers reject them): a number that is
# not finite is written as one of these strings, which the schema allows wherever it allows a number.
NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def report_to_dict(report: GateReport) -> dict[str, Any]:
    """The documented JSON shape (docs/report-schema.json), strict: no non-finite numbers."""
    return _strict(  # type: ignore[no-any-return]
        {
            "schema_version": report.schema_version,
            "gate_version": report.gate_version,
            "verdict": report.verdict.value,
            "exit_code": EXIT_CODES[report.verdict],
            "target": report.target,
            "target_in_repo": report.target_in_repo,
            "policy": report.policy,
            "started_at": report.started_at,
            "duration_s": round(report.duration_s, 3),
            "checks": [_check_to_dict(c) for c in report.checks],
            "waivers": [_waiver_use_to_dict(w) for w in report.waivers],
        }
    )


def _strict(value: Any) -> Any:
    """`value` with every non-finite float (in metrics, measurements, details ...) as its string."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else NON_FINITE[value]
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    return value


def _check_to_dict(check: CheckResult) -> dict[str, Any]:
    return {
        "id": check.id,
        "title": check.title,
        "status": check.status.value,
        "reasons": list(check.reasons),
        "metrics": dict(check.metrics),
        "measurements": [
            {"metric": m.metric, "value": m.value, "op": m.op, "limit": m.limit, "ok": m.ok, "unit": m.unit.strip()}
            for m in check.measurements
        ],
        "findings": [finding_to_dict(f, blocking) for f, blocking in zip(check.findings, _flags(check), strict=True)],
        "waived": [finding_to_dict(f, False) for f in check.waived],
        "fail_at": check.fail_at.label if check.fail_at is not None else None,
        "duration_s": round(check.duration_s, 3),
        "tools": dict(check.tools),
        "artifacts": list(check.artifacts),
        "details": dict(check.details),
        "traits": _traits_to_dict(check.traits),
    }


def _traits_to_dict(traits: CheckTraits) -> dict[str, Any]:
    return {
        "scans_files": traits.scans_files,
        "security_findings": traits.security_findings,
        "counts_in": [{"metric": metric, "noun": noun} for metric, noun in traits.counts_in],
        "tool_uris": dict(traits.tool_uris),
    }


def _traits_from_dict(data: Mapping[str, Any]) -> CheckTraits:
    return CheckTraits(
        scans_files=bool(data["scans_files"]),
        security_findings=bool(data["security_findings"]),
        counts_in=tuple((str(c["metric"]), str(c["noun"])) for c in data["counts_in"]),
        tool_uris={str(k): str(v) for k, v in data["tool_uris"].items()},
    )


def _flags(check: CheckResult) -> tuple[bool, ...]:
    """Per finding, whether it fails the policy (a result that was never judged has no flags)."""
    return check.blocking if len(check.blocking) == len(check.findings) else (False,) * len(check.findings)


def finding_to_dict(finding: Finding, blocking: bool) -> dict[str, Any]:
    return {
        "check": finding.check,
        "tool": finding.tool,
        "rule": finding.rule,
        "severity": finding.severity.label,
        "path": finding.path,
        "line": finding.line,
        "message": finding.message,
        "snippet": finding.snippet,
        "extra": dict(finding.extra),
        "log_excerpt": finding.log_excerpt,
        "blocking": blocking,
    }


def _waiver_use_to_dict(use: WaiverUse) -> dict[str, Any]:
    w = use.waiver
    return {
        "check": w.check,
        "rule": w.rule,
        "path": w.path,
        "reason": w.reason,
        "expires": w.expires,
        "state": use.state,
        "matched": use.matched,
    }


def report_from_dict(data: Mapping[str, Any]) -> GateReport:
    """Rebuild a GateReport from its JSON form; raises KeyError/ValueError/TypeError on a malformed one."""
    return GateReport(
        verdict=Verdict(data["verdict"]),
        target=str(data["target"]),
        target_in_repo=str(data["target_in_repo"]),
        policy=str(data["policy"]),
        started_at=str(data["started_at"]),
        duration_s=float(data["duration_s"]),
        checks=tuple(_check_from_dict(c) for c in data["checks"]),
        waivers=tuple(_waiver_use_from_dict(w) for w in data["waivers"]),
        gate_version=str(data["gate_version"]),
        schema_version=str(data["schema_version"]),
    )


def _check_from_dict(data: Mapping[str, Any]) -> CheckResult:
    return CheckResult(
        id=str(data["id"]),
        title=str(data["title"]),
        status=Status(data["status"]),
        reasons=tuple(str(r) for r in data["reasons"]),
        duration_s=float(data["duration_s"]),
        metrics={str(k): _number(v) for k, v in data["metrics"].items()},
        measurements=tuple(
            Measurement(
                m["metric"],
                None if m["value"] is None else _number(m["value"]),
                m["op"],
                _number(m["limit"]),
                bool(m["ok"]),
                f" {m['unit']}" if m["unit"] else "",
            )
            for m in data["measurements"]
        ),
        findings=tuple(finding_from_dict(f) for f in data["findings"]),
        blocking=tuple(bool(f["blocking"]) for f in data["findings"]),
        waived=tuple(finding_from_dict(f) for f in data["waived"]),
        tools={str(k): str(v) for k, v in data["tools"].items()},
        artifacts=tuple(str(a) for a in data["artifacts"]),
        details=dict(data["details"]),
        fail_at=Severity.parse(data["fail_at"]) if data["fail_at"] else None,
        # Absent in reports written before checks described themselves: rendered without the traits.
        traits=_traits_from_dict(data["traits"]) if "traits" in data else CheckTraits(),
    )


def _number(value: Any) -> float:
    """A JSON number, or the string a non-finite one is written as; integers stay integers so that a
    re-rendered report is byte-for-byte the same."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in ("Infinity", "-Infinity", "NaN"):
            return float(value)
        raise ValueError(f"expected a number (or Infinity, -Infinity, NaN), found {value!r}")
    return float(value)


def finding_from_dict(data: Mapping[str, Any]) -> Finding:
    return Finding(
        check=str(data["check"]),
        tool=str(data["tool"]),
        rule=str(data["rule"]),
        severity=Severity.parse(data["severity"]),
        message=str(data["message"]),
        path=data["path"],
        line=data["line"],
        snippet=data["snippet"],
        extra={str(k): str(v) for k, v in data["extra"].items()},
        log_excerpt=data.get("log_excerpt"),  # absent in reports written before gate recorded it
    )


def _waiver_use_from_dict(data: Mapping[str, Any]) -> WaiverUse:
    waiver = Waiver(
        check=data["check"], rule=data["rule"], reason=data["reason"], expires=data["expires"], path=data["path"]
    )
    return WaiverUse(waiver=waiver, state=data["state"], matched=int(data["matched"]))
