"""Groups the findings of schemathesis's undeclared-method probe: one per (path, status), not per method.

A service answering every undeclared method with 501 yields a finding per probe method (TRACE, QUERY,
...), per check that flagged it (unsupported_method, status_code_conformance) and per path: dozens of
findings that say one thing. The group keeps every method and check it stands for, its worst severity
and one reproducing curl.
"""

from __future__ import annotations

from collections.abc import Iterable, Set

from gate.model import Finding


def group_probes(findings: Iterable[Finding], declared: Set[str]) -> list[Finding]:
    """The findings with those of undeclared methods (not in `declared`) merged per (path, status)."""
    kept: list[Finding] = []
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        operation = finding.operation or ""
        _, _, path = operation.partition(" ")
        if not path or operation in declared:
            kept.append(finding)
        else:
            groups.setdefault((path, finding.extra.get("status", "")), []).append(finding)
    for (path, status), members in groups.items():
        kept.append(members[0] if len(members) == 1 else _merged(path, status, members))
    return kept


def _merged(path: str, status: str, members: list[Finding]) -> Finding:
    methods = sorted({(f.operation or "").partition(" ")[0] for f in members})
    checks = sorted({f.rule for f in members})
    # The worst member names the group: its rule and severity are what the policy judges.
    worst = max(members, key=lambda f: (f.severity, f.rule))
    operation = f"{'|'.join(methods)} {path}"
    answer = f"answered {status}" if status else "answered"
    message = (
        f"Undeclared methods {', '.join(methods)} on {path} {answer} ({len(members)} findings: "
        f"{', '.join(checks)}); first: {worst.message}"
    )
    extra = {
        **worst.extra,
        "methods": ", ".join(methods),
        "checks": ", ".join(checks),
        "grouped": str(len(members)),
    }
    return Finding(
        check=worst.check,
        tool=worst.tool,
        rule=worst.rule,
        severity=worst.severity,
        message=message,
        operation=operation,
        extra=extra,
        log_excerpt=worst.log_excerpt,
    )
