"""Probe before measuring: each scenario operation is called once, in sequence, before the timed run.

An operation whose single request fails would fill the timed run with errors that say nothing about
the service's speed: a 404 because the spec's example names no existing resource, a 401/403 because
gate's credentials are not the ones it wants, a 5xx. Such operations are left out and reported as
"not load-tested" with the status and an excerpt of the body; a 5xx is also a finding (a single,
sequential request made the service fail). Before giving up on a 404, values for the path variable
are taken from the list operation's answer (`GET /books` for `GET /books/{title}`: the `title`,
else the `id`, of the first objects it returned). Probes go only where the load test goes (the
service on this machine), one at a time, each bounded by the request timeout and all by a budget.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

from gate.checks.load.scenario import Call
from gate.live import http as localhttp
from gate.model import Finding, Severity

BODY_EXCERPT = 200  # characters of a failed probe's answer kept in the report
CANDIDATES = 3  # values from a list operation's answer tried per operation
_LIST_KEYS = ("items", "data", "results", "records", "content", "entries", "values")


@dataclass(frozen=True)
class LeftOut:
    """A scenario operation the timed run does not call, because its probe failed."""

    operation: str
    reason: str
    status: int | None
    body: str


@dataclass(frozen=True)
class Probed:
    """The calls that answered, those left out, and the findings the probes made."""

    calls: list[Call]
    left_out: list[LeftOut]
    findings: list[Finding]


def url_of(base_url: str, call: Call, secret_query: Mapping[str, str] | None = None) -> str:
    """The full URL of a call, query encoded as the scenario sends it (arrays repeated; a query API key last)."""
    query = urlencode({**call.query, **(secret_query or {})}, doseq=True)
    return base_url + call.path + (f"?{query}" if query else "")


def probe(
    base_url: str,
    calls: Sequence[Call],
    headers_of: Callable[[Call], Mapping[str, str]],
    timeout_s: float,
    budget_s: float,
    query_of: Callable[[Call], Mapping[str, str]] = lambda _: {},
) -> Probed:
    """Call each operation once (lists first, so their answers can fill the others' paths).

    `headers_of` and `query_of` give a call's credentials, which never enter the Call (it is written
    to scenario.json) nor any reason or finding (those name the path only)."""
    deadline = time.monotonic() + budget_s
    ordered = sorted(calls, key=lambda c: "{" in c.name)
    answered: dict[str, Any] = {}  # template -> parsed JSON answer of a call that succeeded
    result = Probed([], [], [])
    for call in ordered:
        if time.monotonic() > deadline:
            result.left_out.append(
                LeftOut(call.label, f"not probed: the {budget_s:g} s probe budget ran out", None, "")
            )
            continue
        answer = localhttp.get(url_of(base_url, call, query_of(call)), headers_of(call), timeout_s)
        if answer.status == 404 and "{" in call.name:
            for candidate in _from_lists(call, answered):
                retry = localhttp.get(
                    url_of(base_url, candidate, query_of(candidate)), headers_of(candidate), timeout_s
                )
                if retry.ok:
                    call, answer = candidate, retry
                    break
        if answer.status is not None and answer.status < 400:
            result.calls.append(call)
            answered[call.name] = _json(answer)
            continue
        left = _left_out(call, answer)
        result.left_out.append(left)
        if answer.status is not None and answer.status >= 500:
            result.findings.append(_server_error(call, answer, left.body))
    return result


def _left_out(call: Call, answer: localhttp.Answer) -> LeftOut:
    body = _excerpt(answer.body)
    if answer.status is None:
        return LeftOut(call.label, f"the probe got no answer: {answer.problem}", None, "")
    why = {
        401: "the service refused gate's credentials",
        403: "the service forbade it with gate's credentials",
        404: "no such resource: the spec's example names nothing the service has",
    }.get(answer.status)
    if why is None:
        why = "the service failed on a single request" if answer.status >= 500 else "the service refused it"
    return LeftOut(call.label, f"probe {call.path}: HTTP {answer.status}, {why}", answer.status, body)


def _server_error(call: Call, answer: localhttp.Answer, body: str) -> Finding:
    return Finding(
        check="load",
        tool="gate",
        rule="load.probe-server-error",
        severity=Severity.HIGH,
        message=f"{call.label} answered HTTP {answer.status} to a single request before the load test "
        f"({call.path}): {body or 'empty body'}",
        extra={"status": str(answer.status)},
        operation=call.label,
    )


def _excerpt(body: bytes) -> str:
    text = " ".join(body[: BODY_EXCERPT * 4].decode("utf-8", "replace").split())
    return text[:BODY_EXCERPT] + ("…" if len(text) > BODY_EXCERPT else "")


def _json(answer: localhttp.Answer) -> Any:
    try:
        return json.loads(answer.body)
    except ValueError:
        return None


def _from_lists(call: Call, answered: Mapping[str, Any]) -> Iterator[Call]:
    """The call with its last path variable filled from the list operation's answer."""
    parent, _, last = call.name.rpartition("/")
    if not (last.startswith("{") and last.endswith("}")) or parent not in answered:
        return
    variable = last[1:-1]
    prefix = call.path.rsplit("/", 1)[0]
    for value in _values(answered[parent], variable)[:CANDIDATES]:
        yield replace(call, path=f"{prefix}/{quote(str(value), safe='')}")


def _values(body: Any, variable: str) -> list[str | int]:
    if isinstance(body, Mapping):
        body = next((body[k] for k in _LIST_KEYS if isinstance(body.get(k), list)), [])
    if not isinstance(body, list):
        return []
    keys = [variable, "id"] if variable.lower().endswith("id") else [variable]
    values: list[str | int] = []
    for key in keys:
        for item in body:
            value = item.get(key) if isinstance(item, Mapping) else None
            if isinstance(value, str | int) and not isinstance(value, bool) and value not in values:
                values.append(value)
    return values
