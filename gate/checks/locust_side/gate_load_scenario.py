"""gate's generated load scenario: calls every operation in the scenario file in turn, evenly.

The operations (filled-in paths, query and header values) are in the JSON file GATE_LOAD_SCENARIO
that gate wrote from the OpenAPI spec; this file itself never changes.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

_SCENARIO: dict[str, Any] = json.loads(Path(os.environ["GATE_LOAD_SCENARIO"]).read_text(encoding="utf-8"))
_CALLS: list[dict[str, Any]] = _SCENARIO["calls"]
_USER_NUMBERS = itertools.count()


class GateUser(HttpUser):
    """Each user walks the operations round-robin, starting at a different one, with a short pause."""

    wait_time = between(_SCENARIO["wait_min_s"], _SCENARIO["wait_max_s"])

    def on_start(self) -> None:
        offset = next(_USER_NUMBERS) % len(_CALLS)
        self._calls = itertools.cycle(_CALLS[offset:] + _CALLS[:offset])

    @task
    def call_next_operation(self) -> None:
        call = next(self._calls)
        self.client.request(call["method"], call["path"], params=call["query"], headers=call["headers"],
                            name=call["name"], timeout=_SCENARIO["request_timeout_s"])
