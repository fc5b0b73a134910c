"""Security headers on ordinary responses: nosniff, no version disclosure, no-store on authenticated
answers, CSP or frame protection on HTML pages; HSTS judged only over https."""

from __future__ import annotations

import re

from gate.checks.practices import spec as spec_helpers
from gate.checks.practices.context import NO_BASELINE, Probing
from gate.checks.practices.probe import Exchange, Outcome
from gate.model import Severity

PROBE = "headers"
DOCS_PAGES = ("/docs",)  # where frameworks serve their HTML API docs (FastAPI, APIFairy, ...)
_VERSION = re.compile(r"\d+\.\d+|\d+/")  # "uvicorn 0.30", "nginx/1.25.3", "Werkzeug/3.0.1 Python/3.12.4"
_DISCLOSING = ("X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version")


def run(p: Probing) -> Outcome:
    """Look at the headers of an ordinary API answer and of the HTML docs page."""
    out = Outcome(PROBE)
    op = p.baseline
    if op is None:
        out.not_applicable = NO_BASELINE
        return out
    headers = p.headers_for(op)
    ex = out.sent(p.prober.send(PROBE, "GET", op.path, headers))
    authenticated = spec_helpers.protected(p.spec, op)
    _ordinary(out, ex, op.label, authenticated)
    if p.prober.api_url.startswith("https://"):
        if ex.header("Strict-Transport-Security") is None:
            out.found(
                "practices.header-hsts",
                Severity.LOW,
                f"{op.label} is served over https without Strict-Transport-Security",
                ex,
                "without HSTS a browser may be sent to the plain-HTTP address first, where the traffic can be altered",
                operation=op.label,
            )
    else:
        out.notes.append("HSTS not judged: the service is reached over plain HTTP (it matters only behind TLS)")
    for page in DOCS_PAGES:
        docs = out.sent(p.prober.send(PROBE, "GET", page, {}, base=p.prober.service.base_url))
        if docs.status == 200 and docs.media_type() == "text/html":
            _html(out, docs)
        else:
            out.notes.append(f"no HTML page at {page} (HTTP {docs.status}): CSP and frame protection not judged")
    return out


def _ordinary(out: Outcome, ex: Exchange, label: str, authenticated: bool) -> None:
    if (ex.header("X-Content-Type-Options") or "").strip().lower() != "nosniff":
        out.found(
            "practices.header-nosniff",
            Severity.LOW,
            f"{label} answers without X-Content-Type-Options: nosniff",
            ex,
            "without nosniff a browser may guess a JSON or text answer is HTML or script and run it",
            ("Content-Type", "X-Content-Type-Options"),
            operation=label,
        )
    disclosed = [f"Server: {ex.header('Server')}"] if _VERSION.search(ex.header("Server") or "") else []
    disclosed += [f"{name}: {ex.header(name)}" for name in _DISCLOSING if ex.header(name)]
    if disclosed:
        out.found(
            "practices.header-disclosure",
            Severity.LOW,
            f"{label} names its software and version: {'; '.join(disclosed)}",
            ex,
            "a version in the answer tells an attacker which known vulnerabilities to try",
            ("Server", *_DISCLOSING),
            operation=label,
        )
    cache = (ex.header("Cache-Control") or "").lower()
    if authenticated and 200 <= ex.status < 300 and "no-store" not in cache:
        out.found(
            "practices.header-cache-control",
            Severity.LOW,
            f"{label} answers an authenticated request without Cache-Control: no-store",
            ex,
            "a shared cache or the browser may keep one user's data and show it to the next",
            ("Cache-Control",),
            operation=label,
        )


def _html(out: Outcome, ex: Exchange) -> None:
    csp = ex.header("Content-Security-Policy") or ""
    if not csp and ex.header("X-Frame-Options") is None:
        out.found(
            "practices.header-html-protection",
            Severity.LOW,
            f"the HTML page {ex.path} has neither Content-Security-Policy nor X-Frame-Options",
            ex,
            "an HTML page without CSP or frame protection can be framed (clickjacking) and runs injected script",
            ("Content-Type", "Content-Security-Policy", "X-Frame-Options"),
        )
