"""Loads a policy (policies/*.toml), applies the target's threshold overrides, validates both."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gate.checks import CHECKS
from gate.errors import UsageError
from gate.model import COMPARISONS, CheckPolicy, Policy, Severity, Threshold
from gate.resources import policies_dir

__all__ = ["CheckPolicy", "Policy", "Threshold", "load_policy", "policies_dir", "resolve_policy_path"]

OPERATORS = tuple(COMPARISONS)
CHECK_KEYS = {"enabled", "required", "fail_at", "warn_at", "fail_rules", "thresholds", "description"}


def resolve_policy_path(name_or_path: str, base: Path) -> Path:
    """A bundled policy name ('default') or a path, relative to `base` (the target)."""
    looks_like_path = "/" in name_or_path or name_or_path.endswith(".toml")
    if looks_like_path:
        path = Path(name_or_path)
        return path if path.is_absolute() else base / path
    return policies_dir() / f"{name_or_path}.toml"


def load_policy(
    name_or_path: str, base: Path, overrides: Mapping[str, Mapping[str, Any]], overrides_source: str
) -> Policy:
    """Load and validate a policy and the target's [thresholds] overrides; raise UsageError."""
    path = resolve_policy_path(name_or_path, base)
    if not path.is_file():
        bundled = ", ".join(sorted(p.stem for p in policies_dir().glob("*.toml")))
        raise UsageError([f"policy {name_or_path!r}: no such file {path} (bundled policies: {bundled})"])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise UsageError([f"{path}: cannot read policy: {exc}"]) from None
    problems: list[str] = []
    checks = _parse_checks(data, str(path), problems)
    checks = _apply_overrides(checks, overrides, overrides_source, problems)
    if problems:
        raise UsageError(problems)
    return Policy(name=str(data.get("name", path.stem)), source=str(path), checks=checks)


def _parse_checks(data: Mapping[str, Any], source: str, problems: list[str]) -> dict[str, CheckPolicy]:
    for key in sorted(set(data) - {"name", "description", "checks"}):
        problems.append(f"{source}: {key}: unknown key (expected name, description, checks)")
    raw_checks = data.get("checks")
    if not isinstance(raw_checks, dict):
        problems.append(f"{source}: checks: expected tables [checks.<check id>]")
        return {}
    checks = {}
    for check_id, raw in raw_checks.items():
        where = f"{source}: checks.{check_id}"
        if check_id not in CHECKS:
            problems.append(f"{where}: unknown check (expected one of: {', '.join(CHECKS)})")
            continue
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a table")
            continue
        checks[check_id] = _parse_check(raw, where, problems)
    return checks


def _parse_check(raw: Mapping[str, Any], where: str, problems: list[str]) -> CheckPolicy:
    for key in sorted(set(raw) - CHECK_KEYS):
        problems.append(f"{where}.{key}: unknown key (expected one of: {', '.join(sorted(CHECK_KEYS))})")
    flags = {}
    for key in ("enabled", "required"):
        value = raw.get(key, True)
        if not isinstance(value, bool):
            problems.append(f"{where}.{key}: expected true or false")
            value = True
        flags[key] = value
    severities = {key: _severity(raw.get(key), f"{where}.{key}", problems) for key in ("fail_at", "warn_at")}
    rules = raw.get("fail_rules", [])
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        problems.append(f"{where}.fail_rules: expected a list of rule id globs")
        rules = []
    thresholds: dict[str, Threshold] = {}
    raw_thresholds = raw.get("thresholds", {})
    if not isinstance(raw_thresholds, dict):
        problems.append(f'{where}.thresholds: expected a table of metric = {{ op = "<", value = 200 }}')
        raw_thresholds = {}
    for metric, spec in raw_thresholds.items():
        threshold = _threshold(spec, None, f"{where}.thresholds.{metric}", problems)
        if threshold is not None:
            thresholds[metric] = threshold
    if flags["enabled"] and not (severities["fail_at"] or rules or thresholds or raw_thresholds):
        # A check judged by nothing would pass whatever it found.
        problems.append(f"{where}: judges nothing; set fail_at, fail_rules or thresholds (or enabled = false)")
    return CheckPolicy(
        enabled=flags["enabled"],
        required=flags["required"],
        fail_at=severities["fail_at"],
        warn_at=severities["warn_at"],
        fail_rules=tuple(rules),
        thresholds=thresholds,
    )


def _severity(value: Any, where: str, problems: list[str]) -> Severity | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError("expected a severity name")
        return Severity.parse(value)
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
        return None


def _threshold(spec: Any, current: Threshold | None, where: str, problems: list[str]) -> Threshold | None:
    """A table {op, value}; a bare number keeps the current operator (only in overrides)."""
    if isinstance(spec, bool):
        spec = None  # booleans are ints in Python; never a valid threshold
    if isinstance(spec, int | float) and current is not None:
        return Threshold(current.op, float(spec))
    if isinstance(spec, dict) and set(spec) == {"op", "value"}:
        op, value = spec["op"], spec["value"]
        if op in OPERATORS and isinstance(value, int | float) and not isinstance(value, bool):
            return Threshold(op, float(value))
    expected = "a number or " if current is not None else ""
    problems.append(f"{where}: expected {expected}{{ op = one of {' '.join(OPERATORS)}, value = a number }}")
    return None


def _apply_overrides(
    checks: dict[str, CheckPolicy], overrides: Mapping[str, Mapping[str, Any]], source: str, problems: list[str]
) -> dict[str, CheckPolicy]:
    result = dict(checks)
    for check_id, metrics in overrides.items():
        where = f"{source}: thresholds.{check_id}"
        if check_id not in checks:
            problems.append(f"{where}: the policy has no check {check_id!r} (it has: {', '.join(checks)})")
            continue
        policy = result[check_id]
        thresholds = dict(policy.thresholds)
        for metric, spec in metrics.items():
            if metric not in thresholds and isinstance(spec, int | float) and not isinstance(spec, bool):
                problems.append(
                    f"{where}.{metric}: the policy has no threshold on {metric!r} to change; "
                    f"add one as {{ op = one of {' '.join(OPERATORS)}, value = a number }}"
                )
                continue
            threshold = _threshold(spec, thresholds.get(metric), f"{where}.{metric}", problems)
            if threshold is not None:
                thresholds[metric] = threshold
        result[check_id] = CheckPolicy(
            policy.enabled, policy.required, policy.fail_at, policy.warn_at, policy.fail_rules, thresholds
        )
    return result
