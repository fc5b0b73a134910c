# locust's EventHook.add_listener has no annotations; the listeners themselves are fully typed.
# mypy: disable-error-code="no-untyped-call"
"""gate's locust plugin: records every request exactly, samples the generator's CPU, sends gate's headers.

Loaded by locust before the scenario (-f gate_load_plugin.py,<locustfile>). Configured by environment:
  GATE_LOAD_LOG      path of the JSON-lines request log gate computes its figures from (master/local)
  GATE_LOAD_HEADERS  JSON object of headers (credentials): an environment variable, never argv

Distributed runs (--processes, or --master with external --worker processes): each worker buffers
its records and sends them to the master with its regular stats report (locust's report_to_master
event, every 3 s and once more when it quits); the master writes them into the one log. Records are
only ever written by the master or a local runner, so no two processes share the log file.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, TextIO

import gevent  # type: ignore[import-untyped]
import psutil  # type: ignore[import-untyped]
from locust import events
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

CPU_SAMPLE_S = 1.0  # how often each locust process records its own CPU use
_HEADERS: dict[str, str] = json.loads(os.environ.get("GATE_LOAD_HEADERS") or "{}")
_session_init = HttpSession.__init__
_state: dict[str, Any] = {"log": None, "worker": False, "buffer": [], "env": None, "exceptions": []}


def _write(row: dict[str, Any]) -> None:
    if _state["worker"]:
        _state["buffer"].append(row)
        return
    log: TextIO | None = _state["log"]
    if log is not None:
        log.write(json.dumps(row) + "\n")


def _init_with_headers(self: HttpSession, *args: Any, **kwargs: Any) -> None:
    # gate's headers are the session's defaults; headers a locustfile sets itself still win.
    _session_init(self, *args, **kwargs)
    self.headers.update(_HEADERS)


def _init(environment: Environment, **_: Any) -> None:
    # gevent's loop caches its clock and has not run since `import locust`; locust sets its --run-time
    # timer and paces spawning from that clock right after this event, so on a busy machine whose
    # start-up took seconds the run ended seconds early (a 3 s run stopped after 1.1 s).
    gevent.get_hub().loop.update_now()
    _state["env"] = environment
    _state["worker"] = isinstance(environment.runner, WorkerRunner)
    if not _state["worker"]:
        # Opened here, not at import: with --processes locust imports the locustfiles and then forks.
        _state["log"] = open(os.environ["GATE_LOAD_LOG"], "w", encoding="utf-8")  # noqa: SIM115 - whole run
    if isinstance(environment.runner, MasterRunner):
        environment.events.worker_report.add_listener(_from_worker)
    if isinstance(environment.runner, WorkerRunner):
        environment.events.report_to_master.add_listener(_to_master)
    for user_class in environment.user_classes:
        # gate's generated scenario sends each operation only the credentials it names.
        if issubclass(user_class, FastHttpUser) and not getattr(user_class, "gate_own_headers", False):
            user_class.default_headers = {**_HEADERS, **(user_class.default_headers or {})}


def _to_master(client_id: str, data: dict[str, Any]) -> None:
    data["gate_rows"], _state["buffer"] = _state["buffer"], []


def _from_worker(client_id: str, data: dict[str, Any]) -> None:
    for row in data.get("gate_rows", ()):
        _write({**row, "worker": client_id})


def _sample_cpu() -> None:
    # psutil's cpu_percent(None) is the use since the previous call: the first call only starts the clock.
    process = psutil.Process()
    process.cpu_percent(None)
    while True:
        gevent.sleep(CPU_SAMPLE_S)
        _write({"event": "cpu", "time": time.time(), "pid": os.getpid(), "percent": process.cpu_percent(None)})


def _record(request_type: str, name: str, response_time: float, response_length: int, response: Any = None,
            exception: BaseException | None = None, start_time: float | None = None,
            context: dict[str, Any] | None = None, **_: Any) -> None:
    # locust measures response_time with perf_counter in milliseconds, unrounded: gate's percentiles
    # come from these values, not from locust's statistics (rounded to two significant digits).
    status = getattr(response, "status_code", None)
    started = start_time if start_time is not None else time.time() - response_time / 1000
    error = None if exception is None else f"{type(exception).__name__}: {exception}"
    row = {"event": "request", "start": started, "method": request_type, "name": name, "ms": response_time,
           "status": status if isinstance(status, int) else None, "ok": exception is None, "error": error}
    intended = (context or {}).get("gate_intended")
    if isinstance(intended, float):
        # Open model: the latency counts from when the request was due, not from when a free user
        # sent it, so waits behind a slow answer are measured (coordinated omission).
        row.update(start=intended, ms=response_time + max(started - intended, 0.0) * 1000, sent=started)
    _write(row)


def _started(environment: Environment, **_: Any) -> None:
    if not _state["worker"]:
        _write({"event": "start", "time": time.time()})
    if not isinstance(environment.runner, MasterRunner) and not _state.get("sampling"):
        _state["sampling"] = True
        gevent.spawn(_sample_cpu)


def _stopped(environment: Environment, **_: Any) -> None:
    if not _state["worker"]:
        _write({"event": "stop", "time": time.time()})


def _quitting(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    _state["exceptions"] = list(runner.exceptions.values()) if runner is not None else []


def _quit(exit_code: int, **_: Any) -> None:
    # After runner.quit(): a master has received its workers' final reports by now.
    environment: Environment | None = _state["env"]
    if _state["worker"] or environment is None:
        return
    runner = environment.runner
    warned = bool(getattr(runner, "cpu_warning_emitted", False) or getattr(runner, "worker_cpu_warning_emitted", False))
    _write({"event": "quit", "time": time.time(), "locust_requests": environment.stats.total.num_requests,
            "cpu_warning": warned, "exceptions": [
                {"count": e["count"], "msg": e["msg"], "traceback": e["traceback"]} for e in _state["exceptions"]]})
    if _state["log"] is not None:
        _state["log"].close()


HttpSession.__init__ = _init_with_headers  # type: ignore[method-assign]
events.init.add_listener(_init)
events.request.add_listener(_record)
events.test_start.add_listener(_started)
events.test_stop.add_listener(_stopped)
events.quitting.add_listener(_quitting)
events.quit.add_listener(_quit)
