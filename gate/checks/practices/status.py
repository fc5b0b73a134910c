"""Creating operations answer 201 Created (with Location as a plus), as their spec documents."""

from __future__ import annotations

import json

from gate.checks.practices import spec as spec_helpers
from gate.checks.practices.context import Probing
from gate.checks.practices.errors import documented
from gate.checks.practices.probe import Outcome
from gate.model import Severity

PROBE = "status"
MAX_CREATES = 3  # creating writes data into the service: a few operations show the practice


def run(p: Probing) -> Outcome:
    """Create one resource per creating operation with a body built from its schema."""
    out = Outcome(PROBE)
    creating = [op for op in spec_helpers.creating_operations(p.spec, p.operations, p.login) if p.callable(op)]
    if not creating:
        out.not_applicable = (
            "the spec has no creating operation (a POST with a JSON body on a collection) gate can call"
        )
        return out
    for op in creating[:MAX_CREATES]:
        media, schema = spec_helpers.request_body(p.spec, op) or ("application/json", {})
        body = json.dumps(spec_helpers.sample(p.spec, schema)).encode()
        ex = out.sent(p.prober.send(PROBE, "POST", op.path, {**p.headers_for(op), "Content-Type": media}, body))
        if ex.status == 201:
            if ex.header("Location") is None:
                out.notes.append(f"{op.label} answers 201 without a Location header (a plus, not required)")
        elif 200 <= ex.status < 300:
            out.found(
                "practices.status-create-not-201",
                Severity.LOW,
                f"{op.label} created a resource and answered HTTP {ex.status}, not 201 Created",
                ex,
                "201 (with Location) tells a client that something new exists and where, without reading the body",
                ("Content-Type", "Location"),
                body=True,
                operation=op.label,
            )
        elif ex.status >= 500:
            out.found(
                "practices.status-server-error",
                Severity.MEDIUM,
                f"{op.label} answers a body built from its own schema with HTTP {ex.status}",
                ex,
                "a request the spec describes as valid must not crash the service",
                body=True,
                operation=op.label,
            )
        else:
            out.notes.append(f"{op.label} refused gate's sample body (HTTP {ex.status}): its status code not judged")
            continue
        if not documented(p.spec, op, ex.status):
            out.found(
                "practices.status-undocumented",
                Severity.LOW,
                f"{op.label} answers HTTP {ex.status}, which its spec does not document",
                ex,
                "clients generated from the spec do not expect this status",
                operation=op.label,
            )
    return out
