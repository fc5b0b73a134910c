"""The one dictionary form of a GateReport: JSON is written from it and `gate report --from` reads it back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from gate.model import (
    EXIT_CODES,
    BaselineRef,
    BaselineState,
    ChangeMeasurement,
    ChangeRule,
    CheckResult,
    CheckTraits,
    Finding,
    GateReport,
    Measurement,
    Severity,
    Status,
    Verdict,
    Waiver,
    WaiverState,
    WaiverUse,
)
from gate.waivers import matches

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
            "baseline": None if report.baseline is None else _baseline_to_dict(report.baseline),
        }
    )


def _baseline_to_dict(ref: BaselineRef) -> dict[str, Any]:
    return {"path": ref.path, "started_at": ref.started_at, "verdict": ref.verdict.value}


def _change_to_dict(m: ChangeMeasurement) -> dict[str, Any]:
    rule = {"max_drop": m.rule.max_drop, "max_rise": m.rule.max_rise, "max_ratio": m.rule.max_ratio}
    return {"metric": m.metric, "before": m.before, "after": m.after, "rule": rule, "ok": m.ok, "unit": m.unit.strip()}


def _change_from_dict(data: Mapping[str, Any]) -> ChangeMeasurement:
    rule = data["rule"]
    return ChangeMeasurement(
        metric=str(data["metric"]),
        before=_optional(data["before"]),
        after=_optional(data["after"]),
        rule=ChangeRule(_optional(rule["max_drop"]), _optional(rule["max_rise"]), _optional(rule["max_ratio"])),
        ok=None if data["ok"] is None else bool(data["ok"]),
        unit=f" {data['unit']}" if data["unit"] else "",
    )


def _optional(value: Any) -> float | None:
    return None if value is None else _number(value)


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
        "threshold_reasons": list(check.threshold_reasons),
        "metrics": dict(check.metrics),
        "measurements": [
            {"metric": m.metric, "value": m.value, "op": m.op, "limit": m.limit, "ok": m.ok, "unit": m.unit.strip()}
            for m in check.measurements
        ],
        "findings": [finding_to_dict(f) for f in check.findings],
        "waived": [finding_to_dict(f) for f in check.waived],
        "fail_at": check.fail_at.label if check.fail_at is not None else None,
        "duration_s": round(check.duration_s, 3),
        "tools": dict(check.tools),
        "artifacts": list(check.artifacts),
        "details": dict(check.details),
        "log_tail": check.log_tail,
        "traits": _traits_to_dict(check.traits),
        "changes": [_change_to_dict(m) for m in check.changes],
        "absent": check.absent,
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


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "check": finding.check,
        "tool": finding.tool,
        "rule": finding.rule,
        "severity": finding.severity.label,
        "path": finding.path,
        "operation": finding.operation,
        "line": finding.line,
        "message": finding.message,
        "snippet": finding.snippet,
        "extra": dict(finding.extra),
        "log_excerpt": finding.log_excerpt,
        "blocking": finding.blocking,
        "waiver": None if finding.waiver is None else _waiver_to_dict(finding.waiver),
        "baseline": None if finding.baseline is None else finding.baseline.value,
    }


def _waiver_to_dict(w: Waiver) -> dict[str, Any]:
    return {"check": w.check, "rule": w.rule, "path": w.path, "reason": w.reason, "expires": w.expires.isoformat()}


def _waiver_use_to_dict(use: WaiverUse) -> dict[str, Any]:
    return {**_waiver_to_dict(use.waiver), "state": use.state.value, "matched": use.matched}


def report_from_dict(data: Mapping[str, Any]) -> GateReport:
    """Rebuild a GateReport from its JSON form; raises KeyError/ValueError/TypeError on a malformed one."""
    report = GateReport(
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
        # Absent before schema 1.2 (no --baseline then).
        baseline=_baseline_from_dict(data["baseline"]) if data.get("baseline") is not None else None,
    )
    return dataclasses.replace(report, checks=tuple(_with_waivers(c, report.waivers) for c in report.checks))


def _check_from_dict(data: Mapping[str, Any]) -> CheckResult:
    details = dict(data["details"])
    # Schema 1.0 kept the log tail in details and had no threshold_reasons.
    log_tail = data["log_tail"] if "log_tail" in data else details.pop("log_tail", "")
    measurements = tuple(
        Measurement(
            m["metric"],
            None if m["value"] is None else _number(m["value"]),
            m["op"],
            _number(m["limit"]),
            bool(m["ok"]),
            f" {m['unit']}" if m["unit"] else "",
        )
        for m in data["measurements"]
    )
    reasons = tuple(str(r) for r in data["reasons"])
    if "threshold_reasons" in data:
        threshold_reasons = tuple(str(r) for r in data["threshold_reasons"])
    else:
        described = tuple(f"{m.describe()}:" for m in measurements)
        threshold_reasons = tuple(r for r in reasons if r.startswith(described))
    return CheckResult(
        id=str(data["id"]),
        title=str(data["title"]),
        status=Status(data["status"]),
        reasons=reasons,
        duration_s=float(data["duration_s"]),
        metrics={str(k): _number(v) for k, v in data["metrics"].items()},
        measurements=measurements,
        findings=tuple(finding_from_dict(f) for f in data["findings"]),
        waived=tuple(finding_from_dict(f) for f in data["waived"]),
        tools={str(k): str(v) for k, v in data["tools"].items()},
        artifacts=tuple(str(a) for a in data["artifacts"]),
        details=details,
        fail_at=Severity.parse(data["fail_at"]) if data["fail_at"] else None,
        log_tail=str(log_tail),
        threshold_reasons=threshold_reasons,
        # Absent in reports written before checks described themselves: rendered without the traits.
        traits=_traits_from_dict(data["traits"]) if "traits" in data else CheckTraits(),
        changes=tuple(_change_from_dict(m) for m in data.get("changes", ())),  # since 1.2
        absent=int(data.get("absent", 0)),
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
    extra = {str(k): str(v) for k, v in data["extra"].items()}
    path = data["path"]
    if "operation" in data:
        operation = data["operation"]
    else:  # schema 1.0: the operation was in extra (and, for fuzz, also in path)
        operation = extra.pop("operation", None)
        path = None if path is not None and path == operation else path
    waiver = data.get("waiver")
    return Finding(
        check=str(data["check"]),
        tool=str(data["tool"]),
        rule=str(data["rule"]),
        severity=Severity.parse(data["severity"]),
        message=str(data["message"]),
        path=path,
        line=data["line"],
        snippet=data["snippet"],
        extra=extra,
        log_excerpt=data.get("log_excerpt"),  # absent in reports written before gate recorded it
        operation=operation,
        blocking=bool(data["blocking"]),
        waiver=None if waiver is None else _waiver_from_dict(waiver),
        baseline=BaselineState(data["baseline"]) if data.get("baseline") is not None else None,  # since 1.2
    )


def _with_waivers(check: CheckResult, uses: tuple[WaiverUse, ...]) -> CheckResult:
    """Schema 1.0 did not record a waived finding's waiver: it is the first applied waiver matching it."""
    if all(f.waiver is not None for f in check.waived):
        return check
    waived = tuple(f if f.waiver is not None else _waiver_of_1_0(f, uses) for f in check.waived)
    return dataclasses.replace(check, waived=waived)


def _waiver_of_1_0(finding: Finding, uses: tuple[WaiverUse, ...]) -> Finding:
    applied = (u.waiver for u in uses if u.state is WaiverState.APPLIED and matches(u.waiver, finding))
    return dataclasses.replace(finding, waiver=next(applied, None))


def _baseline_from_dict(data: Mapping[str, Any]) -> BaselineRef:
    return BaselineRef(str(data["path"]), str(data["started_at"]), Verdict(data["verdict"]))


def _waiver_from_dict(data: Mapping[str, Any]) -> Waiver:
    return Waiver(
        check=str(data["check"]),
        rule=str(data["rule"]),
        reason=str(data["reason"]),
        expires=dt.date.fromisoformat(str(data["expires"])),
        path=data["path"],
    )


def _waiver_use_from_dict(data: Mapping[str, Any]) -> WaiverUse:
    return WaiverUse(waiver=_waiver_from_dict(data), state=WaiverState(data["state"]), matched=int(data["matched"]))
