"""Deliberate mistakes (unknown path, wrong method, invalid body, missing credential): their status
codes, and the shapes of their error bodies (content type + top-level keys); one shape passes."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from gate.checks.practices import spec as spec_helpers
from gate.checks.practices.context import Probing
from gate.checks.practices.probe import Exchange, Outcome
from gate.live import openapi
from gate.model import Severity

PROBE = "errors"
PROBLEM_JSON = "application/problem+json"  # RFC 9457, the standard error format
WRONG_METHODS = ("PATCH", "PUT", "DELETE")  # an undeclared one of these is sent to a declared path
BROKEN_JSON = b'{"gate-probe": '


def run(p: Probing) -> Outcome:
    """Make each mistake once, judge the status codes, then compare the error bodies' shapes."""
    out = Outcome(PROBE)
    mistakes: list[tuple[str, Exchange, openapi.Operation | None]] = []
    unknown = f"/gate-probe-no-such-path-{secrets.token_hex(4)}"
    ex = out.sent(p.prober.send(PROBE, "GET", unknown, dict(p.prober.service.headers)))
    mistakes.append(("unknown path", ex, None))
    if ex.status != 404:
        out.found(
            "practices.status-unknown-path",
            Severity.MEDIUM,
            f"an unknown path answers HTTP {ex.status}, not 404",
            ex,
            "clients and monitors cannot tell a missing resource from a real answer (200) or a crash (5xx)",
            body=True,
        )
    baseline = p.baseline
    if baseline is not None:
        declared = {op.method for op in p.operations if op.path == baseline.path}
        method = next((m for m in WRONG_METHODS if m not in declared), None)
        if method is not None:
            ex = out.sent(p.prober.send(PROBE, method, baseline.path, p.headers_for(baseline)))
            mistakes.append(("wrong method", ex, None))
            _expect(out, ex, (405,), f"{method} {baseline.path}", "a method the path does not have")
        else:
            out.notes.append(f"{baseline.path} declares {', '.join(WRONG_METHODS)}: wrong method not probed")
    else:
        out.notes.append("no GET operation without parameters: wrong method not probed")
    target = _body_target(p)
    if target is not None:
        headers = {**p.headers_for(target), "Content-Type": "application/json"}
        ex = out.sent(p.prober.send(PROBE, target.method, target.path, headers, BROKEN_JSON))
        mistakes.append(("invalid body", ex, target))
        _expect(out, ex, (400, 422), target.label, "a request body that is not JSON", target, p.spec)
    else:
        out.notes.append("no operation with a request body gate can call: invalid body not probed")
    guarded = next((op for op in spec_helpers.plain_gets(p.operations) if spec_helpers.protected(p.spec, op)), None)
    if guarded is not None:
        ex = out.sent(p.prober.send(PROBE, "GET", guarded.path, {}))
        mistakes.append(("missing credential", ex, guarded))
        _expect(out, ex, (401, 403), guarded.label, "a request without credentials", guarded, p.spec)
    else:
        out.notes.append("no protected GET operation without parameters: missing credential not probed")
    _shapes(out, [(what, ex) for what, ex, _ in mistakes if ex.status >= 400])
    return out


def _body_target(p: Probing) -> openapi.Operation | None:
    creating = spec_helpers.creating_operations(p.spec, p.operations, p.login)
    with_body = [op for op in p.operations if not spec_helpers.has_path_params(op) and op.spec.get("requestBody")]
    return next((op for op in [*creating, *with_body] if p.callable(op)), None)


def _expect(
    out: Outcome,
    ex: Exchange,
    wanted: tuple[int, ...],
    label: str,
    what: str,
    op: openapi.Operation | None = None,
    spec: Mapping[str, Any] | None = None,
) -> None:
    expected = " or ".join(str(code) for code in wanted)
    if ex.status >= 500:
        out.found(
            "practices.status-server-error",
            Severity.MEDIUM,
            f"{label} answers {what} with HTTP {ex.status}, not {expected}",
            ex,
            "a client's mistake must be a 4xx the client can act on; a 5xx says the server failed",
            body=True,
            operation=label,
        )
    elif ex.status not in wanted:
        out.found(
            "practices.status-unexpected",
            Severity.LOW,
            f"{label} answers {what} with HTTP {ex.status}, not {expected}",
            ex,
            "the status code is how a client tells what went wrong without parsing the body",
            body=True,
            operation=label,
        )
    if op is not None and spec is not None and not documented(spec, op, ex.status):
        out.found(
            "practices.status-undocumented",
            Severity.LOW,
            f"{label} answers HTTP {ex.status}, which its spec does not document",
            ex,
            "clients generated from the spec do not expect this status",
            operation=label,
        )


def documented(spec: Mapping[str, Any], op: openapi.Operation, status: int) -> bool:
    """Whether the operation's responses name this status (exactly, as 4XX, or as default)."""
    codes = {code.upper() for code in openapi.responses(spec, op)}
    return bool(codes & {str(status), f"{str(status)[0]}XX", "DEFAULT"})


def shape(ex: Exchange) -> str:
    """'application/json {detail}', 'text/html', 'no body': what a client's error handling sees."""
    if not ex.answer.body.strip():
        return "no body"
    media = ex.media_type() or "no content type"
    if media == PROBLEM_JSON:
        return media  # RFC 9457 allows extension members (e.g. a list of field errors): one format
    if not (media.endswith("json")):
        return media
    try:
        data = json.loads(ex.answer.body)
    except ValueError:
        return f"{media} (not valid JSON)"
    if isinstance(data, dict):
        return f"{media} {{{', '.join(sorted(str(k) for k in data))}}}"
    return f"{media} ({type(data).__name__})"


def _shapes(out: Outcome, errors: list[tuple[str, Exchange]]) -> None:
    if not errors:
        out.notes.append("no deliberate mistake was answered with an error: error format not judged")
        return
    shapes: dict[str, list[tuple[str, Exchange]]] = {}
    for what, ex in errors:
        shapes.setdefault(shape(ex), []).append((what, ex))
    out.metrics["error_shapes"] = float(len(shapes))
    for name, items in shapes.items():
        if name == "text/html":
            what, ex = items[0]
            out.found(
                "practices.error-html",
                Severity.MEDIUM,
                f"the {what} error is an HTML page, not a JSON error body",
                ex,
                "a JSON API's clients parse error bodies; an HTML page breaks them and often names the framework",
                body=True,
            )
    if len(shapes) > 1:
        listed = "; ".join(f"{name} ({', '.join(what for what, _ in items)})" for name, items in shapes.items())
        first = next(iter(shapes.values()))[0][1]
        out.found(
            "practices.error-shapes",
            Severity.LOW,
            f"error bodies come in {len(shapes)} shapes: {listed}",
            first,
            "one error format (RFC 9457 application/problem+json is the standard) lets clients handle every error "
            "in one place",
            body=True,
        )
    elif all(ex.media_type() == PROBLEM_JSON for _, ex in errors):
        out.notes.append("every error body is RFC 9457 application/problem+json")
