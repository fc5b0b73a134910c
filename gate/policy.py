"""Loads a policy (policies/*.toml), applies the target's threshold overrides, validates both."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ModelWrapValidatorHandler, ValidationError, model_validator

from gate.checks import CHECKS
from gate.errors import UsageError
from gate.model import COMPARISONS, ChangeRule, CheckPolicy, Policy, Severity, Threshold
from gate.resources import policies_dir
from gate.sections import SectionModel, describe_validation_error

__all__ = [
    "CheckPolicy",
    "Policy",
    "Threshold",
    "fitting_policies",
    "load_policy",
    "policies_dir",
    "resolve_policy_path",
]

OPERATORS = tuple(COMPARISONS)
THRESHOLD_FORM = f"{{ op = one of {' '.join(OPERATORS)}, value = a number }}"


def resolve_policy_path(name_or_path: str, base: Path) -> Path:
    """A bundled policy name ('default') or a path, relative to `base` (the target)."""
    looks_like_path = "/" in name_or_path or name_or_path.endswith(".toml")
    if looks_like_path:
        path = Path(name_or_path)
        return path if path.is_absolute() else base / path
    return policies_dir() / f"{name_or_path}.toml"


def _threshold(spec: Any) -> Threshold:
    """A table {op, value}; raises ValueError saying the form expected."""
    if isinstance(spec, dict) and set(spec) == {"op", "value"}:
        op, value = spec["op"], spec["value"]
        # bool is an int in Python; never a valid threshold value.
        if op in OPERATORS and isinstance(value, int | float) and not isinstance(value, bool):
            return Threshold(op, float(value))
    raise ValueError(f"expected {THRESHOLD_FORM}")


def _severity(value: Any) -> Severity:
    if not isinstance(value, str):
        raise ValueError("expected a severity name")
    return Severity.parse(value)


class ChangeTable(SectionModel):
    """One `changes.<metric> = { ... }` entry: how far the metric may move from a baseline run."""

    max_drop: float | None = Field(default=None, ge=0)
    max_rise: float | None = Field(default=None, ge=0)
    max_ratio: float | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _allows_something(self) -> ChangeTable:
        if self.max_drop is None and self.max_rise is None and self.max_ratio is None:
            raise ValueError("set max_drop, max_rise or max_ratio")
        return self

    def to_rule(self) -> ChangeRule:
        return ChangeRule(self.max_drop, self.max_rise, self.max_ratio)


class CheckTable(SectionModel):
    """One [checks.<id>] table of a policy file."""

    enabled: bool = True
    required: bool = True
    fail_at: Annotated[Severity, BeforeValidator(_severity)] | None = None
    warn_at: Annotated[Severity, BeforeValidator(_severity)] | None = None
    fail_rules: list[str] = Field(default_factory=list)  # rule id globs
    thresholds: dict[str, Annotated[Threshold, BeforeValidator(_threshold)]] = Field(default_factory=dict)
    changes: dict[str, ChangeTable] = Field(default_factory=dict)  # judged only against a baseline
    description: str | None = None

    @model_validator(mode="after")
    def _judges_something(self) -> CheckTable:
        # A check judged by nothing would pass whatever it found.
        if self.enabled and not (self.fail_at or self.fail_rules or self.thresholds):
            raise ValueError("judges nothing; set fail_at, fail_rules or thresholds (or enabled = false)")
        return self

    def to_policy(self) -> CheckPolicy:
        """The check policy this table describes."""
        return CheckPolicy(
            self.enabled,
            self.required,
            self.fail_at,
            self.warn_at,
            tuple(self.fail_rules),
            self.thresholds,
            {metric: table.to_rule() for metric, table in self.changes.items()},
        )


class PolicyFile(SectionModel):
    """A whole policy file: a name, a description and [checks.<id>] tables of known checks."""

    name: str | None = None
    description: str | None = None
    checks: dict[str, CheckTable]

    @model_validator(mode="wrap")
    @classmethod
    def _known_checks(cls, data: Any, handler: ModelWrapValidatorHandler[PolicyFile]) -> PolicyFile:
        """Report a table of an unknown check together with every other problem (not instead of them)."""
        raw = data.get("checks") if isinstance(data, dict) else None
        if not isinstance(raw, dict):
            return handler(data)
        unknown = [key for key in raw if key not in CHECKS]
        message = f"unknown check (expected one of: {', '.join(CHECKS)})"
        problems = [
            {"type": "value_error", "loc": ("checks", key), "input": raw[key], "ctx": {"error": ValueError(message)}}
            for key in unknown
        ]
        known = {**data, "checks": {key: value for key, value in raw.items() if key in CHECKS}}
        try:
            model = handler(known)
        except ValidationError as exc:
            raise ValidationError.from_exception_data(exc.title, [*exc.errors(), *problems]) from None  # type: ignore[list-item]
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)  # type: ignore[arg-type]
        return model


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
    try:
        parsed = PolicyFile.model_validate(data)
    except ValidationError as exc:
        raise UsageError(describe_validation_error(exc, f"{path}: ", PolicyFile)) from None
    checks = {check_id: table.to_policy() for check_id, table in parsed.checks.items()}
    problems: list[str] = []
    checks = _apply_overrides(checks, overrides, overrides_source, problems)
    if problems:
        raise UsageError(problems)
    return Policy(name=parsed.name or path.stem, source=str(path), checks=checks)


def fitting_policies(configured: Collection[str]) -> list[tuple[str, str]]:
    """The bundled policies whose required checks are all in `configured`, those judging most of it first.

    What a usage error suggests when the target cannot meet its policy (a migrations-only repository
    under the default policy): read from the policy files, so no check or shape is named in code.
    """
    fitting: list[tuple[int, str, str]] = []
    for path in sorted(policies_dir().glob("*.toml")):
        try:
            parsed = PolicyFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError, ValidationError):
            continue  # a broken bundled policy is reported when it is used, not while suggesting one
        needed = {c for c, t in parsed.checks.items() if t.enabled and t.required}
        judged = {c for c, t in parsed.checks.items() if t.enabled}
        if needed <= set(configured) and judged & set(configured):
            fitting.append((-len(judged & set(configured)), parsed.name or path.stem, parsed.description or ""))
    return [(name, description) for _, name, description in sorted(fitting)]


def _apply_overrides(
    checks: dict[str, CheckPolicy], overrides: Mapping[str, Mapping[str, Any]], source: str, problems: list[str]
) -> dict[str, CheckPolicy]:
    """The target's [thresholds]: a bare number keeps the policy's operator, a table sets both; a `changes`
    table replaces the policy's change rules metric by metric."""
    result = dict(checks)
    for check_id, metrics in overrides.items():
        where = f"{source}: thresholds.{check_id}"
        if check_id not in checks:
            problems.append(f"{where}: the policy has no check {check_id!r} (it has: {', '.join(checks)})")
            continue
        policy = result[check_id]
        thresholds = dict(policy.thresholds)
        changes = dict(policy.changes)
        for metric, spec in metrics.items():
            if metric == "changes":  # `changes.<metric> = { max_drop, ... }`, as in a policy file
                _override_changes(changes, spec, f"{where}.changes", problems)
                continue
            number = isinstance(spec, int | float) and not isinstance(spec, bool)
            current = thresholds.get(metric)
            if number and current is None:
                problems.append(
                    f"{where}.{metric}: the policy has no threshold on {metric!r} to change; "
                    f"add one as {THRESHOLD_FORM}"
                )
            elif number and current is not None:
                thresholds[metric] = Threshold(current.op, float(spec))
            else:
                try:
                    thresholds[metric] = _threshold(spec)
                except ValueError:
                    expected = "a number or " if current is not None else ""
                    problems.append(f"{where}.{metric}: expected {expected}{THRESHOLD_FORM}")
        result[check_id] = dataclasses.replace(policy, thresholds=thresholds, changes=changes)
    return result


def _override_changes(changes: dict[str, ChangeRule], spec: Any, where: str, problems: list[str]) -> None:
    """The target's `changes.<metric>` under [thresholds.<check>]: each replaces the policy's rule for it."""
    if not isinstance(spec, dict) or not all(isinstance(v, dict) for v in spec.values()):
        problems.append(f"{where}: expected changes.<metric> = {{ max_drop, max_rise and/or max_ratio }}")
        return
    for metric, table in spec.items():
        try:
            changes[metric] = ChangeTable.model_validate(table).to_rule()
        except ValidationError as exc:
            problems.extend(describe_validation_error(exc, f"{where}.{metric}", ChangeTable))
