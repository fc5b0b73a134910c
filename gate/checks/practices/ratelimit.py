"""Rate limiting: a bounded burst against the login/token operation (or a configured one) must be
answered 429 before it ends. Loopback only; it runs last, so its throttling cannot touch the other probes."""

from __future__ import annotations

import base64
import ipaddress
import json
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

from gate.checks.practices import spec as spec_helpers
from gate.checks.practices.context import Probing
from gate.checks.practices.probe import Exchange, Outcome, ProbeError
from gate.live import credentials as creds
from gate.live import openapi
from gate.model import Severity

PROBE = "ratelimit"
WRONG = "gate-probe-wrong-password"  # the burst logs in with wrong credentials: nothing is created
IN_FLIGHT = 8  # requests of the burst in flight at once, at most
RELEVANT = ("Content-Type", "Retry-After", "RateLimit", "RateLimit-Policy", "X-RateLimit-Remaining")


def loopback(url: str) -> bool:
    """Whether the URL's host is this machine."""
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(p: Probing) -> Outcome:
    """Send the burst, stop at the first 429."""
    out = Outcome(PROBE)
    if not loopback(p.prober.api_url):
        # A burst is a small denial of service: gate only ever aims it at this machine.
        raise ProbeError(
            f"the rate-limit burst only targets this machine (127.0.0.1, ::1, localhost), not {p.prober.api_url}"
        )
    configured = p.settings.rate_limit_operation
    op = spec_helpers.find(p.operations, configured) if configured else p.login
    if op is not None and spec_helpers.has_path_params(op):
        raise ProbeError(
            f"[practices] rate_limit_operation = {op.label!r}: choose an operation without path parameters"
        )
    if op is None:
        out.not_applicable = (
            'the spec has no login/token operation; name one with [practices] rate_limit_operation = "METHOD /path"'
        )
        return out
    headers, body = _request(p, op, is_login=op is p.login)
    count, duration = p.settings.burst_requests, p.settings.burst_duration_s
    p.prober.deadline = time.monotonic() + duration + p.prober.timeout_s + 5.0  # the burst's own bound
    started = time.monotonic()
    answers = _burst(p, op, headers, body, count, duration)
    throttled = next((ex for ex in answers if ex.status == 429), None)
    first, last = answers[0], throttled or answers[-1]
    out.sent(first)
    if last is not first:
        p.prober.exchanges.append(last)  # the burst's other answers are counted, not kept
        out.sent(last)
    out.metrics["burst_requests"] = float(len(answers))
    out.metrics["burst_s"] = round(time.monotonic() - started, 3)
    if throttled is None:
        out.found(
            "practices.no-rate-limit",
            Severity.HIGH,
            f"{len(answers)} requests to {op.label} in {duration:g} s got no 429 (the last: HTTP {last.status})",
            last,
            "without a rate limit a login can be brute-forced and a costly operation used to exhaust the service",
            RELEVANT,
            body=True,
            operation=op.label,
        )
        return out
    out.metrics["burst_429_after"] = float(answers.index(throttled) + 1)
    if throttled is first:
        # Fuzzing runs before this check and may have used up the limit (a [fuzz] rate_limit = "off").
        out.notes.append(
            f"{op.label} answered the burst's first request with 429: the limit was already reached by "
            "earlier requests (fuzzing runs before this check), so it is there but its size was not measured"
        )
    # No waiting out Retry-After: the check runs after every other live check (RUNS_LAST).
    if last.header("Retry-After") is None:
        out.notes.append(f"{op.label} answered 429 after {len(answers)} requests, without Retry-After (a plus)")
    return out


def _burst(
    p: Probing, op: openapi.Operation, headers: dict[str, str], body: bytes | None, count: int, duration: float
) -> list[Exchange]:
    """Send up to `count` requests paced evenly over `duration` (never faster), a few in flight at once
    (a login that hashes passwords takes a while each), until one is answered 429; in the order sent."""
    stop = threading.Event()
    started = time.monotonic()

    def one(index: int) -> Exchange:
        ex = p.prober.send(PROBE, op.method, op.path, headers, body, record=index == 0)
        if ex.status == 429:
            stop.set()
        return ex

    futures: list[Future[Exchange]] = []
    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        for index in range(count):
            pause = started + index * duration / count - time.monotonic()
            if stop.wait(pause) if pause > 0 else stop.is_set():
                break
            futures.append(pool.submit(one, index))
    return [future.result() for future in futures]  # re-raises a ProbeError (no answer)


def _request(p: Probing, op: openapi.Operation, is_login: bool) -> tuple[dict[str, str], bytes | None]:
    """A login with wrong credentials (Basic, JSON or form, as the spec says), else gate's own request."""
    if not is_login:
        own = p.headers_for(op)
        media_schema = spec_helpers.request_body(p.spec, op)
        if media_schema is None:
            return own, None
        media, schema = media_schema
        return {**own, "Content-Type": media}, json.dumps(spec_helpers.sample(p.spec, schema)).encode()
    headers: dict[str, str] = {}
    known = creds.schemes(p.spec)
    names = [name for requirement in creds.requirements(p.spec, op.method, op.path) for name in requirement]
    if any(known[n].type == "http-basic" for n in names if n in known):
        headers["Authorization"] = "Basic " + base64.b64encode(f"gate-probe:{WRONG}".encode()).decode()
    found = spec_helpers.request_body(p.spec, op)
    if found is None:
        return headers, None
    media, schema = found
    fields = spec_helpers.sample(p.spec, schema)
    if isinstance(fields, dict):
        fields = {k: (WRONG if "pass" in k.lower() else v) for k, v in fields.items()}
    headers["Content-Type"] = media
    if media.startswith("application/x-www-form-urlencoded"):
        return headers, urlencode(fields if isinstance(fields, dict) else {}).encode()
    return headers, json.dumps(fields).encode()
