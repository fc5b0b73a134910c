"""gate's credentials after the checks before this one: fuzzing may have called a logout that revoked
the token gate got when the service started (the fuzz check renews its own copy inside schemathesis).
Probes sent with a revoked token would judge the service's 401 page, not its answers, so a refused
credential is renewed once, by re-running its command, before any probe runs."""

from __future__ import annotations

from pathlib import Path

from gate.checks.practices import spec as spec_helpers
from gate.checks.practices.context import Probing
from gate.errors import CheckError
from gate.live import credentials as creds
from gate.live import openapi, prepare

PROBE = "credentials"
MAX_CHECKED = 5  # protected GETs tried with gate's credentials, at most


def ensure_accepted(probing: Probing, target: Path) -> list[str]:
    """Up to MAX_CHECKED protected GETs gate can call with a renewable credential, until one answers 401; then
    renew them (the prober sends the new ones from here on) and ask that one again. Returns the notes
    saying what happened: none when every credential was accepted."""
    protected = [
        op
        for op in spec_helpers.plain_gets(probing.operations)
        if spec_helpers.protected(probing.spec, op) and probing.callable(op) and _renewable(probing, op)
    ]
    op = next((op for op in protected[:MAX_CHECKED] if _status(probing, op) == 401), None)
    if op is None:
        return []
    refused = f"gate's credentials were refused (HTTP 401 on {op.label}; a logout fuzzing called may have revoked them)"
    try:
        service, names = prepare.renewed(probing.prober.service, target)
    except CheckError as exc:
        return [f"{refused} and could not be renewed: {exc}; the probes that send them see 401"]
    probing.prober.service = service
    again = _status(probing, op)  # names is never empty: only operations with a renewable credential were asked
    renewed = f"{refused}: renewed ({', '.join(names)}) by re-running the commands"
    if again == 401:
        return [f"{renewed}, and the new ones were refused too (HTTP 401); the probes that send them see 401"]
    return [f"{renewed}; {op.label} then answered HTTP {again}"]


def _status(probing: Probing, op: openapi.Operation) -> int | None:
    """The status of one GET with gate's current credentials (not kept among the probes' exchanges)."""
    return probing.prober.send(PROBE, op.method, op.path, probing.headers_for(op), record=False).status


def _renewable(probing: Probing, op: openapi.Operation) -> bool:
    """Whether the operation gets a credential gate can renew (one with a command), all of it in what the
    probes send (headers and cookies): a 401 anywhere else says nothing of a revoked token."""
    service = probing.prober.service
    if not service.credentials:  # gate's headers, [service].auth among them, go to every operation
        return service.auth is not None and service.auth.command is not None
    placed = creds.placement(service.spec, op.method, op.path, service.credentials)
    if placed is None or placed.query:
        return False
    return any(service.credentials[name].command is not None for name in placed.schemes)
