# locust's EventHook.add_listener has no annotations; the listeners themselves are fully typed.
# mypy: disable-error-code="no-untyped-call"
"""gate's locust plugin: records every request exactly and sends gate's headers with every request
(never to another origin a redirect names).

Loaded by locust before the scenario (-f gate_load_plugin.py,<locustfile>). Configured by environment:
  GATE_LOAD_LOG      path of the JSON-lines request log gate computes its figures from
  GATE_LOAD_HEADERS  JSON object of headers (credentials): an environment variable, never argv
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from geventhttpclient.useragent import CompatRequest
from locust import events
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from requests import PreparedRequest, Response
from requests.sessions import SessionRedirectMixin

_LOG = open(os.environ["GATE_LOAD_LOG"], "w", encoding="utf-8")  # noqa: SIM115 - open for the whole run
_HEADERS: dict[str, str] = json.loads(os.environ.get("GATE_LOAD_HEADERS") or "{}")
_session_init = HttpSession.__init__
_rebuild_auth = HttpSession.rebuild_auth
_fast_redirect = CompatRequest.redirect


def _write(row: dict[str, Any]) -> None:
    _LOG.write(json.dumps(row) + "\n")


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


def _headers_for_fast_users(environment: Environment, **_: Any) -> None:
    for user_class in environment.user_classes:
        if issubclass(user_class, FastHttpUser):
            user_class.default_headers = {**_HEADERS, **(user_class.default_headers or {})}


def _record(request_type: str, name: str, response_time: float, response_length: int, response: Any = None,
            exception: BaseException | None = None, start_time: float | None = None, **_: Any) -> None:
    # locust measures response_time with perf_counter in milliseconds, unrounded: gate's percentiles
    # come from these values, not from locust's statistics (rounded to two significant digits).
    status = getattr(response, "status_code", None)
    started = start_time if start_time is not None else time.time() - response_time / 1000
    error = None if exception is None else f"{type(exception).__name__}: {exception}"
    _write({"event": "request", "start": started, "method": request_type, "name": name, "ms": response_time,
            "status": status if isinstance(status, int) else None, "ok": exception is None, "error": error})


def _started(environment: Environment, **_: Any) -> None:
    _write({"event": "start", "time": time.time()})


def _stopped(environment: Environment, **_: Any) -> None:
    _write({"event": "stop", "time": time.time()})


def _quitting(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    exceptions = list(runner.exceptions.values()) if runner is not None else []
    _write({"event": "quit", "time": time.time(), "exceptions": [
        {"count": e["count"], "msg": e["msg"], "traceback": e["traceback"]} for e in exceptions]})
    _LOG.flush()


HttpSession.__init__ = _init_with_headers  # type: ignore[method-assign]
HttpSession.rebuild_auth = _rebuild_auth_off_origin  # type: ignore[method-assign]
CompatRequest.redirect = _fast_redirect_off_origin  # type: ignore[method-assign]
events.init.add_listener(_headers_for_fast_users)
events.request.add_listener(_record)
events.test_start.add_listener(_started)
events.test_stop.add_listener(_stopped)
events.quitting.add_listener(_quitting)
