# locust's EventHook.add_listener has no annotations; the listeners themselves are fully typed.
# mypy: disable-error-code="no-untyped-call"
"""gate's locust plugin: records every request exactly, samples the generator's CPU, sends gate's
headers with every request (never to another origin a redirect names).

Loaded by locust before the scenario (-f gate_load_plugin.py,<locustfile>). Configured by environment:
  GATE_LOAD_LOG      path of the JSON-lines request log gate computes its figures from (master/local)
  GATE_LOAD_HEADERS  JSON object of headers (credentials): an environment variable, never argv

Distributed runs (--processes, or --master with external --worker processes): each worker buffers
its records and sends them to the master with its regular stats report (locust's report_to_master
event, every 3 s); the master writes them into the one log. When the run ends, the master asks
every worker to stop its users and send the rest ("gate_flush" -> "gate_rows" with the worker's
total) and waits for all of them: locust's own quit waits only 0.5 s for final reports, and on a
busy machine a worker's last seconds of requests were lost. The master logs each worker's total,
so gate can tell a complete log from a thinned one. Records are only ever written by the master or
a local runner, so no two processes share the log file.
"""

from __future__ import annotations

import inspect
import json
import os
import time
from typing import Any, TextIO

import gevent  # type: ignore[import-untyped]
import locust.runners
import psutil
from geventhttpclient.useragent import CompatRequest
from locust import events
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner
from requests import PreparedRequest, Response
from requests.sessions import SessionRedirectMixin

CPU_SAMPLE_S = 1.0  # how often each locust process records its own CPU use
_HEADERS: dict[str, str] = json.loads(os.environ.get("GATE_LOAD_HEADERS") or "{}")
_session_init = HttpSession.__init__
_rebuild_auth = HttpSession.rebuild_auth
_fast_redirect = CompatRequest.redirect
FLUSH_EXTRA_S = 30.0  # beyond locust's stop timeout: how long the master waits for workers' last records
_state: dict[str, Any] = {
    "log": None,
    "worker": False,
    "buffer": [],
    "env": None,
    "exceptions": [],
    "recorded": 0,
    "waiting": set(),
}


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


def _rebuild_auth_off_origin(self: SessionRedirectMixin, prepared_request: PreparedRequest, response: Response) -> None:
    # requests drops only Authorization when a redirect leaves the origin; gate's other headers
    # (X-Api-Key ...) would follow to whatever host the Location names.
    if self.should_strip_auth(response.request.url or "", prepared_request.url or ""):
        for name in _HEADERS:
            prepared_request.headers.pop(name, None)
    _rebuild_auth(self, prepared_request, response)


def _fast_redirect_off_origin(self: CompatRequest, code: int, location: str) -> None:
    # geventhttpclient, like requests, keeps every header but Authorization on another origin.
    before = (self.url_split.scheme, self.url_split.host, self.url_split.port)
    _fast_redirect(self, code, location)
    if (self.url_split.scheme, self.url_split.host, self.url_split.port) != before:
        for name in _HEADERS:
            self.headers.discard(name.lower())


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
        environment.events.test_stopping.add_listener(_flush_workers)
        environment.runner.register_message("gate_rows", _rows_from_worker)
    if isinstance(environment.runner, WorkerRunner):
        environment.events.report_to_master.add_listener(_to_master)
        environment.runner.register_message("gate_flush", _flush)
    for user_class in environment.user_classes:
        # gate's generated scenario sends each operation only the credentials it names.
        if issubclass(user_class, FastHttpUser) and not getattr(user_class, "gate_own_headers", False):
            user_class.default_headers = {**_HEADERS, **(user_class.default_headers or {})}


def _to_master(client_id: str, data: dict[str, Any]) -> None:
    data["gate_rows"], _state["buffer"] = _state["buffer"], []


def _from_worker(client_id: str, data: dict[str, Any]) -> None:
    for row in data.get("gate_rows", ()):
        _write({**row, "worker": client_id})


def _flush_workers(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    assert isinstance(runner, MasterRunner)
    _state["waiting"] = {client.id for client in runner.clients.all}
    for client_id in _state["waiting"]:
        runner.send_message("gate_flush", None, client_id)
    deadline = time.monotonic() + (environment.stop_timeout or 0) + FLUSH_EXTRA_S
    while _state["waiting"] and time.monotonic() < deadline:
        gevent.sleep(0.1)


def _flush(environment: Environment, msg: Any, **_: Any) -> None:
    # Stop this worker's users first (each finishes its request), so nothing is recorded after this.
    runner = environment.runner
    assert isinstance(runner, WorkerRunner)
    runner.stop()
    rows, _state["buffer"] = _state["buffer"], []
    runner.send_message("gate_rows", {"rows": rows, "total": _state["recorded"]})


def _rows_from_worker(environment: Environment, msg: Any, **_: Any) -> None:
    _from_worker(msg.node_id, {"gate_rows": msg.data["rows"]})
    _write({"event": "worker_done", "worker": msg.node_id, "requests": msg.data["total"]})
    _state["waiting"].discard(msg.node_id)


def _schedstat() -> tuple[float, float] | None:
    """Seconds this process's main thread (gevent's loop) ran and waited to run; None off Linux."""
    try:
        with open("/proc/self/schedstat", encoding="ascii") as stat:
            ran_ns, waited_ns = stat.read().split()[:2]
    except (OSError, ValueError):
        return None
    return int(ran_ns) / 1e9, int(waited_ns) / 1e9


def _sample_cpu() -> None:
    # psutil's cpu_percent(None) is the use since the previous call: the first call only starts the clock.
    # On a shared machine a generator can want a whole core and get a fifth of it: its CPU use looks
    # idle while its requests wait for it. What it *wanted* is the time it ran plus the time it was
    # ready but waited for a CPU (Linux schedstat): "demand", 100 % when it never had to wait for work.
    process = psutil.Process()
    process.cpu_percent(None)
    last, last_time = _schedstat(), time.monotonic()
    while True:
        gevent.sleep(CPU_SAMPLE_S)
        now, now_time = _schedstat(), time.monotonic()
        row: dict[str, Any] = {
            "event": "cpu",
            "time": time.time(),
            "pid": os.getpid(),
            "percent": process.cpu_percent(None),
        }
        if now is not None and last is not None and now_time > last_time:
            row["demand"] = 100 * (now[0] - last[0] + now[1] - last[1]) / (now_time - last_time)
        last, last_time = now, now_time
        _write(row)


def _record(
    request_type: str,
    name: str,
    response_time: float,
    response_length: int,
    response: Any = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    context: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    # locust measures response_time with perf_counter in milliseconds, unrounded: gate's percentiles
    # come from these values, not from locust's statistics (rounded to two significant digits).
    status = getattr(response, "status_code", None)
    started = start_time if start_time is not None else time.time() - response_time / 1000
    error = None if exception is None else f"{type(exception).__name__}: {exception}"
    row = {
        "event": "request",
        "start": started,
        "method": request_type,
        "name": name,
        "ms": response_time,
        "status": status if isinstance(status, int) else None,
        "ok": exception is None,
        "error": error,
    }
    intended = (context or {}).get("gate_intended")
    if isinstance(intended, float):
        # Open model: the latency counts from when the request was due, not from when a free user
        # sent it, so waits behind a slow answer are measured (coordinated omission).
        row.update(start=intended, ms=response_time + max(started - intended, 0.0) * 1000, sent=started)
    _state["recorded"] += 1
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
    _write(
        {
            "event": "quit",
            "time": time.time(),
            "locust_requests": environment.stats.total.num_requests,
            "cpu_warning": warned,
            "exceptions": [
                {"count": e["count"], "msg": e["msg"], "traceback": e["traceback"]} for e in _state["exceptions"]
            ],
        }
    )
    if _state["log"] is not None:
        _state["log"].close()


class _CheapInspect:
    """What locust.runners needs of `inspect`, without reading source files.

    Runner.stop() logs its caller with inspect.stack(), which reads the source of every frame on the
    stack: 100-300 ms with the event loop blocked, on a busy machine. Requests in flight at the end
    of the run then completed that much later, and a short run's p95 was its stop's stall."""

    @staticmethod
    def stack(context: int = 1) -> list[inspect.FrameInfo]:
        return inspect.stack(0)

    @staticmethod
    def getframeinfo(frame: Any, context: int = 1) -> inspect.Traceback:
        return inspect.getframeinfo(frame, 0)


setattr(locust.runners, "inspect", _CheapInspect)  # noqa: B010 - a module attribute mypy does not see
HttpSession.__init__ = _init_with_headers  # type: ignore[method-assign]
HttpSession.rebuild_auth = _rebuild_auth_off_origin  # type: ignore[method-assign]
CompatRequest.redirect = _fast_redirect_off_origin  # type: ignore[method-assign]
events.init.add_listener(_init)
events.request.add_listener(_record)
events.test_start.add_listener(_started)
events.test_stop.add_listener(_stopped)
events.quitting.add_listener(_quitting)
events.quit.add_listener(_quit)
