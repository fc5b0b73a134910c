"""CORS: a preflight and a simple request from a foreign origin. Any origin allowed together with
credentials (the wildcard, or the request's origin reflected) lets every web site act as the user."""

from __future__ import annotations

from gate.checks.practices.context import NO_BASELINE, Probing
from gate.checks.practices.probe import Exchange, Outcome
from gate.model import Severity

PROBE = "cors"
FOREIGN = "https://gate-probe.invalid"  # .invalid never resolves (RFC 6761): no real site's origin
RELEVANT = ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Vary")


def run(p: Probing) -> Outcome:
    """Ask as a foreign web site would, and judge what the service allows."""
    out = Outcome(PROBE)
    op = p.baseline
    if op is None:
        out.not_applicable = NO_BASELINE
        return out
    preflight = {
        "Origin": FOREIGN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    sent = [
        out.sent(p.prober.send(PROBE, "OPTIONS", op.path, preflight)),
        out.sent(p.prober.send(PROBE, "GET", op.path, {**p.headers_for(op), "Origin": FOREIGN})),
    ]
    seen: set[str] = set()
    for ex in sent:
        rule = _judge(ex, p.settings.allowed_origins)
        if rule is None or rule[0] in seen:
            continue
        seen.add(rule[0])
        out.found(
            rule[0], rule[1], f"{ex.line} from origin {FOREIGN}: {rule[2]}", ex, rule[3], RELEVANT, operation=op.label
        )
    for origin in p.settings.allowed_origins[:1]:
        ex = out.sent(p.prober.send(PROBE, "OPTIONS", op.path, {**preflight, "Origin": origin}))
        if ex.header("Access-Control-Allow-Origin") not in (origin, "*"):
            out.notes.append(f"[practices] allowed_origins names {origin}, but a preflight from it is not allowed")
    return out


def _judge(ex: Exchange, allowed: list[str]) -> tuple[str, Severity, str, str] | None:
    origin = (ex.header("Access-Control-Allow-Origin") or "").strip()
    credentials = (ex.header("Access-Control-Allow-Credentials") or "").strip().lower() == "true"
    if origin == "*" and credentials:
        return (
            "practices.cors-wildcard-credentials",
            Severity.HIGH,
            "Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true",
            "any web site may call the API with the visitor's credentials (browsers refuse the pair, but a "
            "server that sends it usually reflects origins elsewhere, and says its policy is 'everyone')",
        )
    if origin == FOREIGN and origin not in allowed and credentials:
        return (
            "practices.cors-reflected-origin-credentials",
            Severity.HIGH,
            "the foreign origin is reflected in Access-Control-Allow-Origin with credentials allowed",
            "any web site a logged-in user visits can read the API's answers as that user",
        )
    if origin == FOREIGN and origin not in allowed:
        return (
            "practices.cors-reflected-origin",
            Severity.LOW,
            "the foreign origin is reflected in Access-Control-Allow-Origin",
            "a reflected origin is an allow-everyone policy; with credentials allowed it becomes a vulnerability",
        )
    return None
