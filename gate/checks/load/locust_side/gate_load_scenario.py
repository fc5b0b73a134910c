"""gate's generated load scenario: calls the operations in the scenario file in turn, by weight.

The operations (filled-in paths, query and header values, weights, which credential headers each
is sent) are in the JSON file GATE_LOAD_SCENARIO that gate wrote from the OpenAPI spec; this file
itself never changes. The credential values come from the environment, never from a file:
GATE_LOAD_HEADERS ([service] headers), GATE_LOAD_CALL_HEADERS and GATE_LOAD_CALL_QUERY (per operation,
from [service.credentials]; the query holds API keys `in: query`).

Closed model (default): each user pauses think time between requests. Open model (`rps`): each user
owns an equal share of the target arrival rate and sends on a fixed schedule; a request is due at
its scheduled time whether or not the previous answer was late, and that due time goes to gate's
plugin (context `gate_intended`) so latency counts from it. FastHttpUser (geventhttpclient) keeps
the client's own cost far below the service's.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import gevent  # type: ignore[import-untyped]
from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

_SCENARIO: dict[str, Any] = json.loads(Path(os.environ["GATE_LOAD_SCENARIO"]).read_text(encoding="utf-8"))
_HEADERS: dict[str, str] = json.loads(os.environ.get("GATE_LOAD_HEADERS") or "{}")
# 'METHOD /template' -> the credentials of the security schemes that operation names ([service.credentials]).
_CALL_HEADERS: dict[str, dict[str, str]] = json.loads(os.environ.get("GATE_LOAD_CALL_HEADERS") or "{}")
# 'METHOD /template' -> the query-located API keys of the schemes that operation names.
_CALL_QUERY: dict[str, dict[str, str]] = json.loads(os.environ.get("GATE_LOAD_CALL_QUERY") or "{}")
_RPS: float | None = _SCENARIO.get("rps")
_USERS: int = _SCENARIO["users"]


def _prepared(call: dict[str, Any]) -> dict[str, Any]:
    label = f"{call['method']} {call['name']}"
    query = urlencode({**call["query"], **_CALL_QUERY.get(label, {})}, doseq=True)
    headers = (
        {n: _HEADERS[n] for n in call["service_headers"] if n in _HEADERS}
        | _CALL_HEADERS.get(label, {})
        | call["headers"]
    )
    return {
        "method": call["method"],
        "name": call["name"],
        "headers": headers,
        "url": call["path"] + (f"?{query}" if query else ""),
    }


# Each operation `weight` times, spread through the cycle rather than in runs of one operation.
_CALLS = [_prepared(c) for c in _SCENARIO["calls"] for _ in range(c["weight"])]
random.Random(0).shuffle(_CALLS)  # noqa: S311 - an order, not a secret
_USER_NUMBERS = itertools.count()


class GateUser(FastHttpUser):
    """Each user walks the operations round-robin, starting at a different one."""

    gate_own_headers = True  # gate's plugin leaves this class's headers alone: each call names its own
    network_timeout = connection_timeout = float(_SCENARIO["request_timeout_s"])
    max_retries = 0  # a failed request is measured, never silently repeated
    wait_time = constant(0) if _RPS else between(_SCENARIO["wait_min_s"], _SCENARIO["wait_max_s"])

    def on_start(self) -> None:
        offset = next(_USER_NUMBERS) % len(_CALLS)
        self._calls = itertools.cycle(_CALLS[offset:] + _CALLS[:offset])
        if _RPS:
            # One user's share of the rate; a random phase so users do not send in lockstep.
            self._interval = _USERS / _RPS
            self._due = time.time() + random.uniform(0, self._interval)  # noqa: S311 - a phase

    @task
    def call_next_operation(self) -> None:
        call = next(self._calls)
        context: dict[str, Any] = {}
        if _RPS:
            gevent.sleep(max(self._due - time.time(), 0.0))
            context["gate_intended"] = self._due
            self._due += self._interval
        self.client.request(call["method"], call["url"], headers=call["headers"], name=call["name"], context=context)
