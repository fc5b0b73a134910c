"""Which checks a run runs: every known check is planned to run or be skipped (with why) before
anything starts, and what can only end in ERROR is a usage error here, so `gate validate` predicts it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gate.checks import CHECKS
from gate.checks.base import configured, traits
from gate.config import GateConfig
from gate.errors import UsageError
from gate.policy import Policy, fitting_policies


@dataclass(frozen=True)
class PlannedCheck:
    id: str
    skip_reason: str | None = None  # set: reported as SKIPPED


def plan(config: GateConfig, policy: Policy, only: Sequence[str], skip: Sequence[str]) -> list[PlannedCheck]:
    """Decide, for every known check, whether it runs, is skipped, or is an error before it starts."""
    problems = [
        f"--only/--skip: unknown check {c!r} (expected one of: {', '.join(CHECKS)})"
        for c in [*only, *skip]
        if c not in CHECKS
    ]
    for check_id in only:
        if check_id in CHECKS and not configured(CHECKS[check_id], config.raw):
            problems.append(f"--only {check_id}: not configured in {config.source} ({_how_to_configure(check_id)})")
    if problems:
        raise UsageError(problems)
    planned = []
    for check_id, check in CHECKS.items():
        check_policy = policy.checks.get(check_id)
        if check_id in skip:
            planned.append(PlannedCheck(check_id, skip_reason="skipped with --skip"))
        elif only and check_id not in only:
            planned.append(PlannedCheck(check_id, skip_reason="not selected with --only"))
        elif check_policy is None or not check_policy.enabled:
            planned.append(PlannedCheck(check_id, skip_reason=f"not enabled in policy {policy.name!r}"))
        elif not configured(check, config.raw):
            reason = f"not configured: {_how_to_configure(check_id)}"
            if check_policy.required:
                # Known before anything runs, and the run could only end ERROR: a usage error, so that
                # `gate validate` predicts it. --skip is the explicit way to run without it.
                problems.append(
                    f"{config.source}: {check_id}: policy {policy.name!r} requires it; {reason} "
                    f"(or leave it out with --skip {check_id}{_fitting_policy(config, policy)})"
                )
            planned.append(PlannedCheck(check_id, skip_reason=reason))
        else:
            planned.append(PlannedCheck(check_id))
    if problems:
        raise UsageError(problems)
    if all(p.skip_reason is not None for p in planned):
        # A verdict over nothing would read as a pass.
        raise UsageError(["every check is skipped (policy, --only, --skip or gate.toml): nothing to judge"])
    return planned


def _fitting_policy(config: GateConfig, policy: Policy) -> str:
    """ ", or use policy = ..." naming the bundled policy that fits what the target configures, if one does."""
    configured_ids = [check_id for check_id, check in CHECKS.items() if configured(check, config.raw)]
    for name, description in fitting_policies(configured_ids):
        if name != policy.name:
            # The description's part before its colon names the shape ("code without an HTTP service").
            return f'; for {description.split(":")[0] or "this repository"}: use policy = "{name}"'
    return ""


def _how_to_configure(check_id: str) -> str:
    return "add a [service] section" if traits(CHECKS[check_id]).live else f"add a [{check_id}] section"
