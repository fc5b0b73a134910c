"""Pagination: list operations declare a page-size, page or cursor parameter, and honour limit=1."""

from __future__ import annotations

import json
from typing import Any

from gate.checks.practices import spec as spec_helpers
from gate.checks.practices.context import Probing
from gate.checks.practices.probe import Exchange, Outcome
from gate.model import Severity

PROBE = "pagination"
MAX_LISTS = 10


def run(p: Probing) -> Outcome:
    """Check each list operation's parameters, and ask for a page of one."""
    out = Outcome(PROBE)
    lists = [(op, key) for op, key in spec_helpers.list_operations(p.spec, p.operations) if p.callable(op)]
    if not lists:
        out.not_applicable = "the spec has no list operation (a GET answering an array) gate can call"
        return out
    for op, key in lists[:MAX_LISTS]:
        paging, limit = spec_helpers.paging_params(op)
        headers = p.headers_for(op)
        if not paging:
            whole = out.sent(p.prober.send(PROBE, "GET", op.path, headers))
            count = _items(whole, key)
            out.found(
                "practices.pagination-missing",
                Severity.LOW,
                f"{op.label} returns a list ({'?' if count is None else count} items) but declares no limit, page or "
                "cursor parameter",
                whole,
                "an unbounded list grows with the data: slow answers, memory spikes, and an easy denial of service",
                operation=op.label,
            )
            continue
        if limit is None:
            out.notes.append(f"{op.label} pages with {', '.join(paging)}; the page size is not probed")
            continue
        ex = out.sent(p.prober.send(PROBE, "GET", f"{op.path}?{limit}=1", headers))
        count = _items(ex, key)
        if count is not None and count > 1:
            out.found(
                "practices.pagination-ignored",
                Severity.LOW,
                f"{op.label}?{limit}=1 returned {count} items",
                ex,
                "a page-size parameter the service ignores gives no bound at all",
                body=True,
                operation=op.label,
            )
        elif count is None:
            out.notes.append(f"{ex.line} answered HTTP {ex.status} without a readable list: limit not judged")
        else:
            total = _items(out.sent(p.prober.send(PROBE, "GET", op.path, headers)), key)
            if total is None or total < 2:
                out.notes.append(f"{op.label} holds fewer than 2 items: whether {limit}=1 is honoured is not decisive")
    return out


def _items(ex: Exchange, key: str) -> int | None:
    if not 200 <= ex.status < 300:
        return None
    try:
        data: Any = json.loads(ex.answer.body)
    except ValueError:
        return None
    if key and isinstance(data, dict):
        data = data.get(key)
    return len(data) if isinstance(data, list) else None
