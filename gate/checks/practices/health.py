"""Health: the configured health endpoint answers without credentials; a readiness endpoint is information."""

from __future__ import annotations

from gate.checks.practices.context import Probing
from gate.checks.practices.probe import Outcome
from gate.model import Severity

PROBE = "health"
READINESS = ("/ready", "/readyz", "/health/ready")


def run(p: Probing) -> Outcome:
    """GET the health path with no credentials at all, and look for a readiness endpoint."""
    out = Outcome(PROBE)
    base = p.prober.service.base_url
    path = p.prober.service.health
    ex = out.sent(p.prober.send(PROBE, "GET", path, {}, base=base))
    out.metrics["health_ms"] = round(ex.elapsed_ms, 3)
    if ex.status in (401, 403):
        out.found(
            "practices.health-needs-credentials",
            Severity.MEDIUM,
            f"the health endpoint {path} wants credentials (HTTP {ex.status})",
            ex,
            "orchestrators and load balancers probe health without credentials: they would take the service for dead",
        )
    elif not 200 <= ex.status < 300:
        out.found(
            "practices.health-unavailable",
            Severity.MEDIUM,
            f"the health endpoint {path} answers HTTP {ex.status}",
            ex,
            "a health endpoint that does not answer 2xx while the service works makes it look dead",
            body=True,
        )
    documented = [p_ for p_ in READINESS if p_ in (p.spec.get("paths") or {})]
    for candidate in documented[:1] or READINESS[:2]:
        ready = out.sent(p.prober.send(PROBE, "GET", candidate, {}, base=base))
        if 200 <= ready.status < 300:
            out.notes.append(f"readiness endpoint {candidate} answers HTTP {ready.status}")
            return out
    out.notes.append(f"no readiness endpoint answered ({', '.join(READINESS[:2])}): information only")
    return out
