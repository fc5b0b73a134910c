"""Plans and runs the checks, turns every failure to measure into ERROR, and builds the GateReport."""

from __future__ import annotations

import datetime as dt
import time
import traceback
from dataclasses import replace
from pathlib import Path

from gate import __version__, outdir, schedule
from gate.baseline import Baseline, mark
from gate.checks import CHECKS
from gate.checks.base import CheckContext, traits
from gate.config import GateConfig
from gate.errors import CheckError
from gate.evaluate import evaluate
from gate.live import LiveService
from gate.live.lifecycle import RunningService, open_service
from gate.model import CheckResult, GateReport, Observation, Status, decide_verdict
from gate.numbers import plural
from gate.plan import PlannedCheck
from gate.policy import Policy
from gate.redact import redact_report
from gate.targetenv import target_environment
from gate.text import bound
from gate.waivers import apply_waivers, waiver_uses


class Progress:
    """Callbacks the CLI uses to show progress; the default shows nothing."""

    def started(self, check_id: str) -> None:
        """A check began."""

    def finished(self, result: CheckResult) -> None:
        """A check ended."""


def run_gate(
    config: GateConfig,
    policy: Policy,
    planned: list[PlannedCheck],
    out_dir: Path,
    progress: Progress | None = None,
    today: dt.date | None = None,
    baseline: Baseline | None = None,
    diff_base: str | None = None,
) -> GateReport:
    """Run the planned checks and judge them; never raises for a check that fails to run.

    With `baseline` (an earlier report, read by the CLI before anything ran), findings it had are
    existing and only new ones fail, and the policy's change rules compare metrics with it.
    `diff_base` (`--diff-base REF`) reaches every check through its context: what it measures, never
    how it is judged."""
    progress = progress or Progress()
    today = today or dt.date.today()
    started_at = dt.datetime.now(dt.UTC)
    started = time.monotonic()
    observed: dict[str, CheckResult] = {}
    to_run = [p.id for p in planned if p.skip_reason is None]
    live = [c for c in to_run if traits(CHECKS[c]).live]
    static = [c for c in to_run if not traits(CHECKS[c]).live]
    env = target_environment(config)
    secrets: tuple[str, ...] = ()
    outdir.start_artifacts(out_dir)

    waiver_counts: dict[str, list[int]] = {}

    service: LiveService | None = None

    def run_one(check_id: str) -> None:
        progress.started(check_id)
        given = service if traits(CHECKS[check_id]).live else None
        measured = _run_check(check_id, config, out_dir, env, given, diff_base)
        observed[check_id], waiver_counts[check_id] = _judge(measured, config, policy, today, baseline)
        progress.finished(observed[check_id])

    if live:
        assert config.service is not None  # configured() of every live check requires [service]
        # open_service masks the known secrets in every artifact on its way out (also on Ctrl-C).
        with open_service(
            config.service, config.target, out_dir / "artifacts" / "service", env, mask_under=out_dir / "artifacts"
        ) as running:
            if running.error is not None:
                for check_id in live:
                    observed[check_id] = _error_result(check_id, running.error, running.log_tail(), 0.0)
                    progress.finished(observed[check_id])
            else:
                service = running.live
                schedule.run_scheduled(to_run, run_one, lambda check_id: _confirm_alive(observed, check_id, running))
                static = []
        secrets = running.secrets
    if static:
        schedule.run_scheduled(static, run_one, lambda check_id: None)

    results = []
    for item in planned:
        if item.skip_reason is not None:
            results.append(_plain_result(item.id, Status.SKIPPED, item.skip_reason))
        else:
            results.append(observed[item.id])
    totals = [sum(counts[i] for counts in waiver_counts.values()) for i in range(len(config.waivers))]
    evaluated = {r.id for r in results if r.status not in (Status.SKIPPED, Status.ERROR)}
    report = GateReport(
        verdict=decide_verdict([r.status for r in results]),
        target=str(config.target),
        target_in_repo=_target_in_repo(config.target),
        policy=f"{policy.name} ({policy.source})",
        started_at=started_at.isoformat(timespec="seconds"),
        duration_s=round(time.monotonic() - started, 3),
        checks=tuple(results),
        waivers=waiver_uses(config.waivers, totals, evaluated, today),
        gate_version=__version__,
        baseline=baseline.ref if baseline is not None else None,
    )
    # Redacted first: a secret cut in half by the byte bound would no longer match its value.
    return bound(redact_report(report, secrets))


def _target_in_repo(target: Path) -> str:
    """The target's path inside the repository that holds it (the nearest parent with .git)."""
    for folder in (target, *target.parents):
        if (folder / ".git").exists():
            return target.relative_to(folder).as_posix().removeprefix(".")
    return ""


def _run_check(
    check_id: str,
    config: GateConfig,
    out_dir: Path,
    env: dict[str, str],
    service: LiveService | None,
    diff_base: str | None = None,
) -> CheckResult:
    check = CHECKS[check_id]
    work_dir = out_dir / "artifacts" / check_id
    work_dir.mkdir(parents=True, exist_ok=True)
    ctx = CheckContext(
        check_id=check_id,
        target=config.target,
        out_dir=out_dir,
        work_dir=work_dir,
        target_env=env,
        live_service=service,
        diff_base=diff_base,
    )
    started = time.monotonic()
    try:
        observation = check.run(ctx, config.sections[check_id])
        if not isinstance(observation, Observation):
            raise CheckError(f"{check_id} returned {type(observation).__name__}, not an Observation")
    except CheckError as exc:
        errored = _error_result(check_id, str(exc), exc.log_tail, time.monotonic() - started, exc.artifacts)
        return _keep_measured(errored, exc.measured)
    except Exception as exc:  # a bug in gate itself must still give ERROR, never a pass
        detail = "".join(traceback.format_exception(exc)[-6:])
        return _error_result(
            check_id, f"internal error in gate: {type(exc).__name__}: {exc}", detail, time.monotonic() - started
        )
    return CheckResult(
        id=check_id,
        title=check.TITLE,
        status=Status.PASS,
        reasons=(),
        duration_s=time.monotonic() - started,
        metrics=dict(observation.metrics),
        findings=observation.findings,
        tools=dict(observation.tools),
        artifacts=observation.artifacts,
        details=dict(observation.details),
        parts=dict(observation.parts),
        not_measured=dict(observation.not_measured),
        traits=traits(check).report,
    )


def _judge(
    result: CheckResult, config: GateConfig, policy: Policy, today: dt.date, baseline: Baseline | None
) -> tuple[CheckResult, list[int]]:
    """Apply waivers and the policy to a measured result; ERROR results pass through unjudged (with a
    baseline, their findings still say whether they are new)."""
    check_baseline = baseline.of(result.id) if baseline is not None else None
    if result.status is Status.ERROR:
        if check_baseline is not None:
            findings, _, absent = mark(result.findings, (), check_baseline.fingerprints)
            result = replace(result, findings=findings, absent=absent)
        return result, [0] * len(config.waivers)
    check_policy = policy.checks[result.id]
    kept, waived, counts = apply_waivers(result.findings, config.waivers, today)
    observation = Observation(
        metrics=result.metrics, findings=kept, parts=result.parts, not_measured=result.not_measured
    )
    judgement = evaluate(observation, kept, check_policy, check_baseline, waived)
    judged = replace(
        result,
        status=judgement.status,
        reasons=judgement.reasons,
        measurements=judgement.measurements,
        findings=judgement.findings,
        waived=judgement.waived,
        changes=judgement.changes,
        absent=judgement.absent,
        fail_at=check_policy.fail_at,
        threshold_reasons=judgement.threshold_reasons,
    )
    return judged, counts


def _confirm_alive(observed: dict[str, CheckResult], check_id: str, running: RunningService) -> None:
    """A service that died during a live check makes that check's result untrustworthy: ERROR."""
    death = running.death()
    if death is not None:
        # Also when the check already errored: its tool then saw only the symptom (connection
        # refused); the cause is the service's death, and its log tail is the evidence.
        previous = observed[check_id]
        earlier = previous.reasons if previous.status is Status.ERROR else ()
        errored = _error_result(
            check_id,
            f"the service stopped during the check: {death}",
            running.log_tail(),
            previous.duration_s,
            previous.artifacts,
        )
        # What the check measured before the death stays on the result (findings are never dropped).
        observed[check_id] = replace(
            errored,
            reasons=(f"the service stopped during the check: {death}", *earlier),
            metrics=previous.metrics,
            findings=previous.findings,
            waived=previous.waived,
            tools=previous.tools,
            details=previous.details,
            parts=previous.parts,
            log_tail=errored.log_tail or previous.log_tail,
        )


def _error_result(
    check_id: str, message: str, log_tail: str, duration_s: float, artifacts: tuple[str, ...] = ()
) -> CheckResult:
    return CheckResult(
        id=check_id,
        title=CHECKS[check_id].TITLE,
        status=Status.ERROR,
        reasons=(message,),
        duration_s=duration_s,
        artifacts=artifacts,
        log_tail=log_tail,
        traits=traits(CHECKS[check_id]).report,
    )


def _keep_measured(errored: CheckResult, measured: Observation | None) -> CheckResult:
    """The ERROR result with what the check measured before it errored: its findings are never dropped."""
    if measured is None:
        return errored
    reasons = errored.reasons
    if measured.findings:
        reasons += (
            f"{plural(len(measured.findings), 'finding')} the tools reported before the error "
            "are kept below (not judged: the check could not decide)",
        )
    artifacts = tuple(dict.fromkeys((*measured.artifacts, *errored.artifacts)))
    return replace(
        errored,
        reasons=reasons,
        metrics=dict(measured.metrics),
        findings=measured.findings,
        tools=dict(measured.tools),
        artifacts=artifacts,
        details=dict(measured.details),
        parts=dict(measured.parts),
    )


def _plain_result(check_id: str, status: Status, reason: str) -> CheckResult:
    check = CHECKS[check_id]
    return CheckResult(
        id=check_id, title=check.TITLE, status=status, reasons=(reason,), duration_s=0.0, traits=traits(check).report
    )
