"""The load test's figures, computed from every request's exact response time (not locust's rounded ones).

Percentile definition (nearest rank): the p-th percentile of n response times is the smallest
recorded time such that at least p % of the times are less than or equal to it, i.e. the value at
rank ceil(p/100 * n) in ascending order (rank 1 for p = 0). It is always a time that was really
measured, never an interpolation, and the rank is computed in exact arithmetic, so a p95 of
199.9 ms is reported as 199.9 ms. Locust's own percentiles are rounded to two significant digits.

Warm-up: only requests that *started* after the first `warmup_s` seconds of the test (locust's
test start) are counted. Requests completed during warm-up are never counted, and neither are
slow ones sent during it that complete later (a connection storm at spawn, a cold cache): they
belong to the warm-up. The measured window runs from its end to locust's test stop (users finish
the request they are in first, so none is cut off); rps = counted requests / window length.

Failures: a request is a failure when locust marked it failed: HTTP 4xx/5xx, connection errors and
timeouts, unless a locustfile decided otherwise with catch_response.
error_rate = failures / requests (a fraction: 0.01 is 1 %).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from gate.errors import CheckError
from gate.numbers import plural

CHART_PERCENTS = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 100)
MAX_ERRORS = 20  # distinct failure messages listed in details
GENERATOR_CPU_LIMIT = 90.0  # percent of one core: locust's own CPU_WARNING_THRESHOLD


@dataclass(frozen=True)
class Request:
    """One request as gate's locust plugin recorded it."""

    start: float  # epoch seconds
    method: str
    name: str
    ms: float  # exact response time in milliseconds
    status: int | None  # 0: no HTTP answer (connection error); None: not an HTTP user
    ok: bool
    error: str | None
    worker: str | None = None  # the locust worker that made it (distributed runs)

    @property
    def end(self) -> float:
        return self.start + self.ms / 1000.0

    @property
    def label(self) -> str:
        return f"{self.method} {self.name}"


@dataclass(frozen=True)
class CpuSample:
    """One locust process's CPU use over the second before `time` (100 is one core)."""

    time: float
    pid: int
    percent: float
    demand: float | None = None  # CPU it ran plus CPU it waited for (Linux), in percent of one core

    @property
    def busy(self) -> float:
        return max(self.percent, self.demand or 0.0)


@dataclass(frozen=True)
class RequestLog:
    """The plugin's log: when the test started and stopped, every request, and locustfile errors."""

    started: float
    stopped: float
    requests: tuple[Request, ...]
    exceptions: tuple[dict[str, Any], ...]
    cpu: tuple[CpuSample, ...] = ()
    cpu_warning: bool = False  # locust's own "CPU usage above 90%" warning fired
    locust_requests: int | None = None  # the requests locust's own statistics counted
    workers: tuple[str, ...] = ()  # distributed run: the locust workers whose records are complete


def percentile(sorted_ms: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile of ascending `sorted_ms` (see the module docstring)."""
    if not sorted_ms:
        raise ValueError("percentile of no values")
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be within 0..100, got {percent}")
    # Fraction(str(x)) is the decimal the user wrote (99.9 is 999/10), so ceil() is exact at the boundary.
    rank = math.ceil(Fraction(str(percent)) * len(sorted_ms) / 100)
    return sorted_ms[max(rank, 1) - 1]


def read_log(path: Path) -> RequestLog:
    """Parse the plugin's JSON-lines log strictly; raise CheckError when it is missing or incomplete."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckError(f"locust wrote no request log ({path.name}): {exc}") from None
    started = stopped = locust_requests = None
    requests, cpu = [], []
    exceptions: tuple[dict[str, Any], ...] = ()
    cpu_warning = False
    declared: dict[str, int] = {}  # worker -> how many requests it says it recorded
    for number, line in enumerate(lines, 1):
        try:
            row = json.loads(line)
            event = row["event"]
            if event == "request":
                requests.append(_request(row))
            elif event == "start":
                started = float(row["time"])
            elif event == "stop":
                stopped = float(row["time"])
            elif event == "worker_done":
                declared[str(row["worker"])] = int(row["requests"])
            elif event == "cpu":
                demand = None if row.get("demand") is None else float(row["demand"])
                cpu.append(CpuSample(float(row["time"]), int(row["pid"]), float(row["percent"]), demand))
            elif event == "quit":
                exceptions = tuple(dict(e) for e in row["exceptions"])
                cpu_warning = bool(row.get("cpu_warning", False))
                locust_requests = None if row.get("locust_requests") is None else int(row["locust_requests"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckError(f"{path.name} line {number} is not a request record: {exc}", line[:500]) from None
    if started is None or stopped is None:
        raise CheckError(f"{path.name} has no test start and stop: locust did not run the test to its end")
    _require_complete(path, requests, declared, locust_requests)
    return RequestLog(
        started, stopped, tuple(requests), exceptions, tuple(cpu), cpu_warning, locust_requests, tuple(sorted(declared))
    )


def _require_complete(
    path: Path, requests: list[Request], declared: dict[str, int], locust_requests: int | None
) -> None:
    # Records that never reached the log would silently thin out the figures.
    if declared:
        received: dict[str, int] = defaultdict(int)
        for r in requests:
            received[r.worker or ""] += 1
        problems = [f"worker {w}: {received[w]} of {n}" for w, n in sorted(declared.items()) if received[w] != n]
        problems += [f"worker {w}: {received[w]} records, no total" for w in sorted(set(received) - set(declared))]
        if problems:
            raise CheckError(
                f"{path.name} lacks records from locust workers ({'; '.join(problems)}): "
                "the figures would be incomplete"
            )
    elif locust_requests is not None and locust_requests != len(requests):
        raise CheckError(
            f"{path.name} holds {plural(len(requests), 'request')} but locust counted {locust_requests}: "
            "some records were lost"
        )


def _request(row: dict[str, Any]) -> Request:
    status = row["status"]
    return Request(
        start=float(row["start"]),
        method=str(row["method"]),
        name=str(row["name"]),
        ms=float(row["ms"]),
        status=None if status is None else int(status),
        ok=bool(row["ok"]),
        error=None if row["error"] is None else str(row["error"]),
        worker=None if row.get("worker") is None else str(row["worker"]),
    )


def require_usable(log: RequestLog) -> None:
    """Raise CheckError when the run says nothing about the service: no request, or none reached it."""
    if not log.requests:
        raise CheckError(
            "locust made no request at all: the locustfile has no task that calls the service", _exceptions_text(log)
        )
    if all(r.status == 0 for r in log.requests):
        raise CheckError(
            f"none of locust's {plural(len(log.requests), 'request')} reached the service: {log.requests[0].error}",
            _exceptions_text(log),
        )
    if log.exceptions:
        # locust exits 0 when tasks raise; a task that always raises leaves its endpoint untested.
        count = sum(int(e.get("count") or 1) for e in log.exceptions)
        raise CheckError(
            f"the locustfile raised {count} exception(s) during the run, so some of its requests "
            f"were never made: {log.exceptions[0].get('msg')}",
            _exceptions_text(log),
        )


def _exceptions_text(log: RequestLog) -> str:
    return "\n".join(str(e.get("traceback") or e.get("msg")) for e in log.exceptions)[-4000:]


def measured(log: RequestLog, warmup_s: float) -> tuple[list[Request], float]:
    """The requests sent after warm-up, and the length of the measured window in seconds."""
    begin = log.started + warmup_s
    counted = [r for r in log.requests if r.start >= begin]
    end = max([log.stopped, *(r.end for r in counted)])
    return counted, end - begin


def figures(group: Sequence[Request]) -> dict[str, float]:
    """The latency and error figures of some requests (all of them, or one operation's)."""
    times = sorted(r.ms for r in group)
    failures = sum(1 for r in group if not r.ok)
    return {
        "error_rate": failures / len(group),
        "p50_ms": percentile(times, 50),
        "p90_ms": percentile(times, 90),
        "p95_ms": percentile(times, 95),
        "p99_ms": percentile(times, 99),
        "max_ms": times[-1],
    }


def parts(log: RequestLog, warmup_s: float) -> dict[str, dict[str, float]]:
    """Per operation ("GET /items/{id}", with its failing status codes when it has any): its figures,
    for the policy to judge each by the same thresholds as the whole."""
    groups: dict[str, list[Request]] = defaultdict(list)
    for r in measured(log, warmup_s)[0]:
        groups[r.label].append(r)
    return {f"{label}{_codes(group)}": figures(group) for label, group in sorted(groups.items())}


def _codes(group: Sequence[Request]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for r in group:
        if not r.ok:
            counts[f"HTTP {r.status}" if r.status else "no answer"] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return f" [{', '.join(f'{code} × {count}' for code, count in ranked)}]" if ranked else ""


def saturation(log: RequestLog, warmup_s: float) -> str | None:
    """Why the load generator, not the service, limited the run; None when it did not.

    locust warns when a process is above 90 % of a core (its CPU_WARNING_THRESHOLD): its own
    scheduling then delays requests and timestamps, so what is measured is locust's queueing. gate
    takes that warning, and also each process's mean over the measured window (locust samples every
    10 s, too coarse for a short run) of its CPU use or, where higher, its demand: on a shared machine
    a starved generator uses little CPU while it waits for one."""
    begin = log.started + warmup_s
    by_pid: dict[int, list[float]] = defaultdict(list)
    for sample in log.cpu:
        if begin < sample.time <= log.stopped:
            by_pid[sample.pid].append(sample.busy)
    busy = {pid: sum(v) / len(v) for pid, v in by_pid.items() if sum(v) / len(v) >= GENERATOR_CPU_LIMIT}
    if busy:
        listed = ", ".join(f"process {pid} at {mean:.0f} %" for pid, mean in sorted(busy.items()))
        return f"locust needed a whole CPU core over the measured window ({listed})"
    if log.cpu_warning:
        return "locust warned that its CPU usage was above 90 %"
    return None


def summarize(log: RequestLog, warmup_s: float) -> tuple[dict[str, float], dict[str, Any]]:
    """Metrics for the policy and details for the reports, from the measured requests."""
    counted, window = measured(log, warmup_s)
    if not counted:
        raise CheckError(
            f"no request was sent after the {warmup_s:g} s warm-up "
            f"({len(log.requests)} during it): the run is too short to measure anything"
        )
    times = sorted(r.ms for r in counted)
    failures = sum(1 for r in counted if not r.ok)
    metrics = {
        "requests": float(len(counted)),
        "failures": float(failures),
        "rps": len(counted) / window,
        **figures(counted),
    }
    details = {
        "endpoints": _endpoints(counted, window),
        "percentiles": [[p, round(percentile(times, p), 3)] for p in CHART_PERCENTS],
        "timeline": timeline(log.requests, log.started),
        "errors": _errors(counted),
        "measured_s": round(window, 3),
        "warmup_requests": len(log.requests) - len(counted),
        "locustfile_exceptions": [{"count": e.get("count"), "msg": e.get("msg")} for e in log.exceptions],
    }
    return metrics, details


def _endpoints(counted: Iterable[Request], window: float) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[Request]] = defaultdict(list)
    for r in counted:
        groups[(r.name, r.method)].append(r)
    rows = []
    for (name, method), group in sorted(groups.items()):
        times = sorted(r.ms for r in group)
        rows.append(
            {
                "name": name,
                "method": method,
                "requests": len(group),
                "failures": sum(1 for r in group if not r.ok),
                "p50_ms": round(percentile(times, 50), 3),
                "p95_ms": round(percentile(times, 95), 3),
                "p99_ms": round(percentile(times, 99), 3),
                "rps": round(len(group) / window, 3),
            }
        )
    return rows


def timeline(requests: Iterable[Request], started: float) -> list[dict[str, Any]]:
    """Per second since the test start (warm-up included): completed requests and their p95."""
    seconds: dict[int, list[float]] = defaultdict(list)
    for r in requests:
        seconds[max(int(r.end - started), 0)].append(r.ms)
    rows = []
    for second in range(max(seconds, default=-1) + 1):
        times = sorted(seconds.get(second, []))
        p95 = round(percentile(times, 95), 3) if times else None
        rows.append({"t": second, "rps": len(times), "p95_ms": p95})
    return rows


def _errors(counted: Iterable[Request]) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in counted:
        if not r.ok:
            counts[(r.method, r.name, r.error or f"HTTP {r.status}")] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_ERRORS]
    return [{"method": m, "name": n, "error": e[:300], "count": c} for (m, n, e), c in ranked]
