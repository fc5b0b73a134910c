"""practices: the backend practices engineers' checklists name, probed on the running service.

Security headers, CORS, error format and status codes, creating operations' 201, pagination, JWT
hygiene, health, and rate limiting (a bounded burst, last). Each probe family is a module beside
this one; each returns an Outcome (findings with the exchange as evidence, notes, metrics). A probe
that cannot apply says why (a note, never a pass); gate not getting an answer is ERROR. The check
measures and names rules (`practices.<rule>`); the policy's fail_rules and warn_at judge them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from gate.checks.base import CheckContext
from gate.checks.practices import cors, errors, fresh, headers, health, jwt, pagination, ratelimit, status
from gate.checks.practices import spec as spec_helpers
from gate.checks.practices.context import Probing
from gate.checks.practices.probe import ID, Outcome, Prober, excerpt, finding, stack_trace
from gate.checks.practices.settings import Probe, Settings
from gate.errors import CheckError
from gate.live import openapi
from gate.model import Finding, Observation, Severity

__all__ = ["ID", "LIVE", "RUNS_LAST", "TITLE", "TYPICAL_DURATION_S", "Settings", "run"]

TITLE = "Backend practices"
LIVE = True
# The burst leaves the login rate-limited, which would answer fuzzing's requests with 429: the runner
# runs this check after every other live check (static checks may still run beside it; they never
# touch the service, and the burst's pacing only slows down, never speeds up, on a busy machine).
RUNS_LAST = True
TYPICAL_DURATION_S = 4.0  # a few dozen requests and the burst (3 s at most)
MAX_TRACE_FINDINGS = 5

# In this order; the burst last, so a rate limiter it trips cannot answer the other probes with 429.
FAMILIES: tuple[tuple[Probe, Callable[[Probing], Outcome]], ...] = (
    ("headers", headers.run),
    ("cors", cors.run),
    ("errors", errors.run),
    ("status", status.run),
    ("pagination", pagination.run),
    ("jwt", jwt.run),
    ("health", health.run),
    ("ratelimit", ratelimit.run),
)


def run(ctx: CheckContext, settings: Settings) -> Observation:
    """Run every probe family that is switched on and report what each found."""
    service = ctx.service
    operations = openapi.operations(service.spec)
    api_url = service.api_url
    prober = Prober(service, api_url, settings.request_timeout_s, settings.budget_s)
    probing = Probing(prober, service.spec, operations, settings, spec_helpers.login_operation(operations))
    outcomes: list[Outcome] = []
    notes: list[str] = []
    try:
        notes += fresh.ensure_accepted(probing, ctx.target)
        for name, probe in FAMILIES:
            if settings.runs(name):
                outcomes.append(probe(probing))
            else:
                outcomes.append(Outcome(name, not_applicable="turned off with [practices] disabled"))
    except CheckError as exc:  # ProbeError (no answer, out of time) or a spec the probes cannot use
        measured = _observation(ctx, prober, outcomes, api_url, notes)
        raise CheckError(str(exc), artifacts=measured.artifacts, measured=measured) from None
    return _observation(ctx, prober, outcomes, api_url, notes)


def _observation(
    ctx: CheckContext, prober: Prober, outcomes: list[Outcome], api_url: str, early_notes: list[str]
) -> Observation:
    by_probe = {outcome.probe: outcome for outcome in outcomes}
    for trace in _stack_traces(prober):
        by_probe[trace.extra["probe"]].findings.append(trace)  # shown with the probe that provoked it
    findings = [f for outcome in outcomes for f in outcome.findings]
    metrics = {
        "probes_run": float(sum(1 for o in outcomes if not o.not_applicable)),
        "probes_not_applicable": float(sum(1 for o in outcomes if o.not_applicable)),
        "requests": float(prober.count),
    }
    for outcome in outcomes:
        metrics.update(outcome.metrics)
    notes = [f"{fresh.PROBE}: {note}" for note in early_notes]
    notes += [f"{o.probe}: not applicable: {o.not_applicable}" for o in outcomes if o.not_applicable]
    notes += [f"{o.probe}: {note}" for o in outcomes for note in o.notes]
    log = ctx.artifact("exchanges.jsonl")
    log.write_text("".join(json.dumps(_record(ex)) + "\n" for ex in prober.exchanges), encoding="utf-8")
    return Observation(
        metrics=metrics,
        findings=tuple(findings),
        artifacts=(ctx.relative(log),),
        details={
            "api_url": api_url,
            "probes": [o.row() for o in outcomes],
            "notes": notes,
            # The file code scanning shows these findings on (they name the service's behaviour, no file).
            "source_file": "gate.toml" if (ctx.target / "gate.toml").is_file() else "pyproject.toml",
        },
    )


def _stack_traces(prober: Prober) -> list[Finding]:
    """A finding per request whose answer shows a stack trace or exception text, from any probe."""
    found: list[Finding] = []
    for ex in prober.exchanges:
        trace = stack_trace(ex)
        if trace is not None and len(found) < MAX_TRACE_FINDINGS:
            found.append(
                finding(
                    ex.probe,
                    "practices.stack-trace",
                    Severity.HIGH,
                    f"{ex.line} (HTTP {ex.status}) returns exception details: {excerpt(trace, 120)}",
                    ex,
                    "exception details returned to clients show code paths, versions and data an attacker can use",
                    body=True,
                )
            )
    return found


def _record(ex: Any) -> dict[str, Any]:
    return {
        "probe": ex.probe,
        "request": ex.line,
        "headers": dict(ex.sent),
        "status": ex.status,
        "response_headers": dict(ex.answer.headers),
        "body": excerpt(ex.text(), 2000),
        "elapsed_ms": round(ex.elapsed_ms, 3),
    }
