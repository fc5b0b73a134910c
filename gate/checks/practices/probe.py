"""Sending probes and keeping their evidence: the request as sent (credentials masked), the answer's
status, the headers that matter and a bounded excerpt of its body, and why it matters."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from gate.errors import CheckError
from gate.live import LiveService, http
from gate.live import credentials as creds
from gate.model import Finding, Severity

ID = "practices"
TOOL = "gate-practices"
BODY_EXCERPT = 400  # characters of a body a finding shows
MAX_BODY = 256 * 1024  # bytes of an answer gate reads: a probe needs the start of a body, not all of it
MASK = "***"
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
# What a stack trace or an exception's text looks like in the main server languages.
_TRACE = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|"
    r"\bat [\w$.]+\([\w$]+\.(?:java|kt|scala):\d+\)|Exception in thread \"|"
    r"\bat .+ \(/[^)]+\.[jt]s:\d+:\d+\)|goroutine \d+ \[running\]|"
    r"\b(?:System\.\w+Exception|java\.lang\.\w+(?:Exception|Error)|\w+Error: .+\n\s+at )"
)


class ProbeError(CheckError):
    """gate could not get an answer (the service is unreachable, or the probes ran out of time)."""


@dataclass(frozen=True)
class Exchange:
    """One request a probe sent and what came back."""

    probe: str
    method: str
    path: str  # as sent: the path and query on the service
    sent: tuple[tuple[str, str], ...]  # the headers as shown in reports (credentials masked)
    answer: http.Answer
    elapsed_ms: float

    @property
    def status(self) -> int:
        assert self.answer.status is not None  # Prober.send raises for answers without a status
        return self.answer.status

    @property
    def line(self) -> str:
        return f"{self.method} {self.path}"

    def header(self, name: str) -> str | None:
        """The first response header of this name (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.answer.headers if k.lower() == wanted), None)

    def text(self) -> str:
        return self.answer.body.decode("utf-8", errors="replace")

    def media_type(self) -> str:
        return self.answer.content_type.split(";", 1)[0].strip().lower()


@dataclass
class Outcome:
    """What one probe family found, for the report's table of probes."""

    probe: str
    findings: list[Finding] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    not_applicable: str = ""  # why the probe could not apply (a note, never a pass)
    notes: list[str] = field(default_factory=list)  # information: HSTS on plain HTTP, a readiness endpoint
    metrics: dict[str, float] = field(default_factory=dict)

    def found(
        self,
        rule: str,
        severity: Severity,
        message: str,
        exchange: Exchange | None,
        why: str,
        relevant: Iterable[str] = ("Content-Type",),
        body: bool = False,
        operation: str = "",
    ) -> None:
        """Add a finding of this probe with the exchange's evidence."""
        self.findings.append(finding(self.probe, rule, severity, message, exchange, why, relevant, body, operation))

    def sent(self, exchange: Exchange) -> Exchange:
        """Name an exchange among this probe's requests; returns it."""
        self.requests.append(f"{exchange.line} → {exchange.status}")
        return exchange

    def row(self) -> dict[str, str]:
        if self.not_applicable:
            result = f"not applicable: {self.not_applicable}"
        elif self.findings:
            result = ", ".join(sorted({f.rule for f in self.findings}))
        else:
            result = "passed"
        return {"probe": self.probe, "result": result, "requests": "; ".join(self.requests[:12])}


class Prober:
    """Sends bounded probes to the service under test and records every exchange."""

    def __init__(self, service: LiveService, api_url: str, timeout_s: float, budget_s: float) -> None:
        self.service = service
        self.api_url = api_url.rstrip("/")
        self.timeout_s = timeout_s
        self.deadline = time.monotonic() + budget_s
        self.budget_s = budget_s
        self.count = 0
        self._lock = threading.Lock()
        self.exchanges: list[Exchange] = []

    def credentials_for(self, method: str, path: str) -> dict[str, str] | None:
        """The headers (gate's own and the operation's credentials) for an operation of the spec;
        None when gate holds no credential the operation accepts."""
        try:
            placed = creds.placement(self.service.spec, method, path, self.service.credentials)
        except KeyError:
            placed = creds.Placement()
        if placed is None:
            # Without [service.credentials], gate's headers ([service] headers and auth) are its
            # credential for every operation, as the fuzz and load checks send them.
            return None if self.service.credentials else dict(self.service.headers)
        headers = {**self.service.headers, **placed.headers}
        if placed.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in placed.cookies.items())
        return headers

    def send(
        self,
        probe: str,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        shown: Mapping[str, str] | None = None,
        base: str | None = None,
        timeout_s: float | None = None,
        record: bool = True,
    ) -> Exchange:
        """Send one request to `path` under the API's base URL (or `base`); raise ProbeError without an answer.
        `shown` replaces how some headers appear in reports (a forged token is described, not shown)."""
        if time.monotonic() > self.deadline:
            raise ProbeError(f"the probes took longer than [practices] budget_s = {self.budget_s:g} s")
        url = (base if base is not None else self.api_url).rstrip("/") + path
        started = time.monotonic()
        answer = http.request(method, url, headers or {}, timeout_s or self.timeout_s, body, MAX_BODY)
        with self._lock:  # the burst sends from several threads
            self.count += 1
        if answer.status is None:
            raise ProbeError(f"{probe}: {method} {path}: {answer.problem}")
        parts = urlsplit(url)
        exchange = Exchange(
            probe,
            method,
            parts.path + (f"?{parts.query}" if parts.query else ""),
            self._masked(headers or {}, shown or {}),
            answer,
            (time.monotonic() - started) * 1000,
        )
        if record:
            with self._lock:
                self.exchanges.append(exchange)
        return exchange

    def _masked(self, headers: Mapping[str, str], shown: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        secrets = [s for s in self.service.secrets if len(s) >= 4]
        masked = []
        for name, value in headers.items():
            if name in shown:
                value = shown[name]
            elif name.lower() in _SECRET_HEADERS or any(s in value for s in secrets):
                scheme = value.split(" ", 1)[0] if " " in value else ""
                value = f"{scheme} {MASK}".strip()
            masked.append((name, value))
        return tuple(masked)


def finding(
    probe: str,
    rule: str,
    severity: Severity,
    message: str,
    exchange: Exchange | None,
    why: str,
    relevant: Iterable[str] = ("Content-Type",),
    body: bool = False,
    operation: str = "",
) -> Finding:
    """A finding with the evidence of the exchange that shows it."""
    extra = {"probe": probe}
    if exchange is not None:
        extra["request"] = "\n".join([exchange.line, *(f"{k}: {v}" for k, v in exchange.sent)])
        extra["response"] = "\n".join(
            [
                f"HTTP {exchange.status}",
                *(f"{name}: {exchange.header(name)}" for name in relevant if exchange.header(name)),
            ]
        )
        if body and exchange.answer.body:
            extra["body"] = excerpt(exchange.text())
    extra["why"] = why
    return Finding(
        check=ID, tool=TOOL, rule=rule, severity=severity, message=message, extra=extra, operation=operation or None
    )


def excerpt(text: str, limit: int = BODY_EXCERPT) -> str:
    """The start of a body, saying how much was left out."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


def stack_trace(exchange: Exchange) -> str | None:
    """The line of a body that looks like a stack trace or exception text, or None."""
    match = _TRACE.search(exchange.text())
    if match is None:
        return None
    return match.group(0).strip()
