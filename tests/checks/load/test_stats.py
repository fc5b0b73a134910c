"""The load figures without a clock: nearest-rank percentiles, the 200 ms boundary, warm-up, the log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.checks.load import stats as load_stats
from gate.checks.load.stats import Request, RequestLog, percentile
from gate.errors import CheckError
from gate.evaluate import evaluate
from gate.model import Observation, Status
from gate.policy import load_policy

T0 = 1_700_000_000.0


def ok(at: float, ms: float, name: str = "/items", status: int = 200) -> Request:
    """A request that started `at` seconds after the test start and took `ms`."""
    return Request(
        T0 + at,
        "GET",
        name,
        ms,
        status,
        status < 400 and status != 0,
        None if 0 < status < 400 else f"HTTPError: {status}",
    )


def run_of(requests: list[Request], seconds: float = 10.0) -> RequestLog:
    return RequestLog(T0, T0 + seconds, tuple(requests), ())


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert percentile(values, 0) == 1.0
    assert percentile(values, 10) == 1.0  # rank ceil(1.0) = 1
    assert percentile(values, 11) == 2.0  # rank ceil(1.1) = 2
    assert percentile(values, 50) == 5.0  # no interpolation between 5 and 6
    assert percentile(values, 95) == 10.0  # rank ceil(9.5) = 10
    assert percentile(values, 100) == 10.0
    thousand = [float(v) for v in range(1, 1001)]
    assert percentile(thousand, 99.9) == 999.0  # exact: 99.9 * 1000 / 100 is 999, not 999.0000001
    assert percentile(thousand, 95) == 950.0
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile(values, 100.5)


@pytest.mark.parametrize(("p95", "expected"), [(199.9, Status.PASS), (200.0, Status.FAIL)])
def test_the_200_ms_boundary_is_exact_under_the_default_policy(p95: float, expected: Status) -> None:
    # 400 requests: 380 fast, then the 380th..400th slowest. The 95th percentile is rank 380.
    times = [10.0] * 379 + [p95] + [500.0] * 20
    log = run_of([ok(1.0 + i * 0.02, ms) for i, ms in enumerate(times)])
    metrics, _ = load_stats.summarize(log, warmup_s=0)
    assert metrics["p95_ms"] == p95
    assert metrics["requests"] == 400
    policy = load_policy("default", Path("."), {}, "test").checks["load"]
    judgement = evaluate(Observation(metrics=metrics), [], policy)
    assert judgement.status is expected
    p95_measurement = next(m for m in judgement.measurements if m.metric == "p95_ms")
    assert p95_measurement.ok is (expected is Status.PASS)


def test_the_default_policy_fails_errors_and_too_few_requests() -> None:
    policy = load_policy("default", Path("."), {}, "test").checks["load"]
    failing = run_of([ok(1 + i * 0.01, 5.0, status=500 if i < 3 else 200) for i in range(250)])
    metrics, details = load_stats.summarize(failing, warmup_s=0)
    assert metrics["failures"] == 3 and metrics["error_rate"] == pytest.approx(0.012)
    assert details["errors"] == [{"method": "GET", "name": "/items", "error": "HTTPError: 500", "count": 3}]
    assert evaluate(Observation(metrics=metrics), [], policy).status is Status.FAIL
    few = run_of([ok(1 + i * 0.01, 5.0) for i in range(199)])
    judgement = evaluate(Observation(metrics=load_stats.summarize(few, warmup_s=0)[0]), [], policy)
    assert judgement.status is Status.FAIL
    assert judgement.reasons == ("requests 199 >= 200: not met",)


def test_requests_sent_during_warm_up_are_not_counted() -> None:
    log = run_of(
        [
            ok(0.1, 50.0),  # completes at 0.15 s: warm-up
            ok(1.9, 1100.0),  # sent in warm-up (a retried connection, say), completes at 3.0 s: warm-up
            ok(2.0, 100.0),  # sent as warm-up ends: counted
            ok(5.0, 7.0, name="/other"),
        ],
        seconds=12.0,
    )
    counted, window = load_stats.measured(log, warmup_s=2.0)
    assert [r.ms for r in counted] == [100.0, 7.0]
    assert window == pytest.approx(10.0)
    metrics, details = load_stats.summarize(log, warmup_s=2.0)
    assert metrics["requests"] == 2 and metrics["rps"] == pytest.approx(0.2)
    assert metrics["max_ms"] == 100.0
    assert details["warmup_requests"] == 2
    assert [(e["name"], e["requests"], e["p95_ms"]) for e in details["endpoints"]] == [
        ("/items", 1, 100.0),
        ("/other", 1, 7.0),
    ]
    # The timeline shows completions per second from the start, warm-up included, for the chart.
    assert details["timeline"][:4] == [
        {"t": 0, "rps": 1, "p95_ms": 50.0},
        {"t": 1, "rps": 0, "p95_ms": None},
        {"t": 2, "rps": 1, "p95_ms": 100.0},
        {"t": 3, "rps": 1, "p95_ms": 1100.0},
    ]


def test_the_window_ends_when_the_last_request_does() -> None:
    # A request still running at the test stop is waited for (locust --stop-timeout) and counted.
    log = run_of([ok(1.0, 5.0), ok(9.9, 2100.0)], seconds=10.0)
    counted, window = load_stats.measured(log, warmup_s=0)
    assert len(counted) == 2 and window == pytest.approx(12.0)


def test_runs_that_measured_nothing_are_errors() -> None:
    with pytest.raises(CheckError, match="no request at all"):
        load_stats.require_usable(run_of([]))
    with pytest.raises(CheckError, match="none of locust's 2 requests reached the service"):
        load_stats.require_usable(run_of([ok(1, 1.0, status=0), ok(2, 1.0, status=0)]))
    with pytest.raises(CheckError, match="no request was sent after the 2 s warm-up"):
        load_stats.summarize(run_of([ok(0.5, 3.0)], seconds=1.5), warmup_s=2.0)


def write_log(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_the_request_log_is_read_strictly(tmp_path: Path) -> None:
    start, stop = {"event": "start", "time": T0}, {"event": "stop", "time": T0 + 5}
    request = {
        "event": "request",
        "start": T0 + 1,
        "method": "GET",
        "name": "/a",
        "ms": 12.5,
        "status": 200,
        "ok": True,
        "error": None,
    }
    quit_ = {"event": "quit", "time": T0 + 5, "exceptions": [{"count": 2, "msg": "boom", "traceback": "tb"}]}
    log = load_stats.read_log(write_log(tmp_path / "good.jsonl", [start, request, stop, quit_]))
    assert log.requests == (Request(T0 + 1, "GET", "/a", 12.5, 200, True, None),)
    assert log.exceptions == ({"count": 2, "msg": "boom", "traceback": "tb"},)
    with pytest.raises(CheckError, match="wrote no request log"):
        load_stats.read_log(tmp_path / "missing.jsonl")
    with pytest.raises(CheckError, match="no test start and stop"):
        load_stats.read_log(write_log(tmp_path / "unfinished.jsonl", [start, request]))
    with pytest.raises(CheckError, match="line 2 is not a request record"):
        without_ms = {k: v for k, v in request.items() if k != "ms"}
        load_stats.read_log(write_log(tmp_path / "bad.jsonl", [start, without_ms]))
    truncated = tmp_path / "truncated.jsonl"
    truncated.write_text(json.dumps(start) + "\n" + json.dumps(request)[:20])
    with pytest.raises(CheckError, match="line 2"):
        load_stats.read_log(truncated)


def test_a_locustfile_that_raised_is_an_error_not_a_pass(tmp_path: Path) -> None:
    start, stop = {"event": "start", "time": T0}, {"event": "stop", "time": T0 + 5}
    request = {
        "event": "request",
        "start": T0 + 1,
        "method": "GET",
        "name": "/a",
        "ms": 12.5,
        "status": 200,
        "ok": True,
        "error": None,
    }
    quit_ = {
        "event": "quit",
        "time": T0 + 5,
        "exceptions": [{"count": 7, "msg": "KeyError('id')", "traceback": "Traceback: KeyError"}],
    }
    log = load_stats.read_log(write_log(tmp_path / "raised.jsonl", [start, request, stop, quit_]))
    with pytest.raises(CheckError, match=r"raised 7 exception\(s\) during the run") as info:
        load_stats.require_usable(log)
    assert "Traceback: KeyError" in info.value.log_tail


def test_a_latency_failure_names_the_operations_over_the_target_and_only_those() -> None:
    # 300 fast requests and 100 slow ones: the whole p95 is slow, and so is GET /slow's alone.
    requests = [ok(1 + i * 0.01, 10.0, name="/fast") for i in range(300)]
    requests += [ok(1 + i * 0.01, 300.0, name="/slow") for i in range(100)]
    log = run_of(requests)
    metrics, _ = load_stats.summarize(log, warmup_s=0)
    parts = load_stats.parts(log, warmup_s=0)
    assert set(parts) == {"GET /fast", "GET /slow"}
    policy = load_policy("default", Path("."), {}, "test").checks["load"]
    judgement = evaluate(Observation(metrics=metrics, parts=parts), [], policy)
    assert judgement.status is Status.FAIL
    assert judgement.reasons == ("p95_ms 300 ms < 200 ms: not met", "p95_ms (GET /slow) 300 ms < 200 ms: not met")
    assert [m.metric for m in judgement.measurements if not m.ok] == ["p95_ms", "p95_ms (GET /slow)"]


def test_the_whole_decides_a_few_slow_requests_of_one_operation_do_not_fail_the_check() -> None:
    requests = [ok(1 + i * 0.01, 10.0, name="/fast") for i in range(390)]
    requests += [ok(1 + i * 0.1, 300.0, name="/slow") for i in range(10)]
    log = run_of(requests)
    metrics, _ = load_stats.summarize(log, warmup_s=0)
    policy = load_policy("default", Path("."), {}, "test").checks["load"]
    judgement = evaluate(Observation(metrics=metrics, parts=load_stats.parts(log, 0)), [], policy)
    assert judgement.status is Status.PASS
    assert all("(" not in m.metric for m in judgement.measurements)


def test_an_error_rate_failure_names_the_operations_and_their_status_codes() -> None:
    requests = [ok(1 + i * 0.01, 5.0, name="/books") for i in range(300)]
    requests += [ok(1 + i * 0.01, 5.0, name="/books/{title}", status=404 if i % 3 else 500) for i in range(30)]
    log = run_of(requests)
    metrics, _ = load_stats.summarize(log, warmup_s=0)
    policy = load_policy("default", Path("."), {}, "test").checks["load"]
    judgement = evaluate(Observation(metrics=metrics, parts=load_stats.parts(log, 0)), [], policy)
    assert judgement.status is Status.FAIL
    assert "error_rate (GET /books/{title} [HTTP 404 × 20, HTTP 500 × 10]) 1 < 0.01: not met" in judgement.reasons
    assert not any("GET /books " in reason or "(GET /books)" in reason for reason in judgement.reasons)


def test_a_generator_that_used_a_whole_core_is_reported_as_the_limit() -> None:
    samples = tuple(load_stats.CpuSample(T0 + t, 41, 97.0) for t in range(1, 10))
    idle = tuple(load_stats.CpuSample(T0 + t, 42, 12.0) for t in range(1, 10))
    busy_log = RequestLog(T0, T0 + 10, (ok(3, 5.0),), (), samples + idle)
    assert (
        load_stats.saturation(busy_log, warmup_s=2)
        == "locust needed a whole CPU core over the measured window (process 41 at 97 %)"
    )
    assert load_stats.saturation(RequestLog(T0, T0 + 10, (), (), idle), warmup_s=2) is None
    # Starved on a shared machine: little CPU used, but it was waiting for a CPU the rest of the time.
    starved = tuple(load_stats.CpuSample(T0 + t, 44, 20.0, demand=99.0) for t in range(1, 10))
    assert "process 44 at 99 %" in str(load_stats.saturation(RequestLog(T0, T0 + 10, (), (), starved), 2))
    warned = RequestLog(T0, T0 + 10, (), (), idle, cpu_warning=True)
    assert load_stats.saturation(warned, warmup_s=2) == "locust warned that its CPU usage was above 90 %"
    # A busy warm-up (spawning users) is not the measured window.
    spawn = tuple(load_stats.CpuSample(T0 + t, 43, 100.0 if t <= 2 else 20.0) for t in range(1, 10))
    assert load_stats.saturation(RequestLog(T0, T0 + 10, (), (), spawn), warmup_s=2) is None


def test_records_lost_between_a_worker_and_the_master_are_an_error(tmp_path: Path) -> None:
    start, stop = {"event": "start", "time": T0}, {"event": "stop", "time": T0 + 5}
    request = {
        "event": "request",
        "start": T0 + 1,
        "method": "GET",
        "name": "/a",
        "ms": 12.5,
        "status": 200,
        "ok": True,
        "error": None,
        "worker": "w1",
    }
    done = {"event": "worker_done", "worker": "w1", "requests": 2}
    quit_ = {"event": "quit", "time": T0 + 5, "exceptions": [], "cpu_warning": False, "locust_requests": 1}
    with pytest.raises(CheckError, match=r"lacks records from locust workers \(worker w1: 1 of 2\)"):
        load_stats.read_log(write_log(tmp_path / "lost.jsonl", [start, request, stop, done, quit_]))
    log = load_stats.read_log(write_log(tmp_path / "whole.jsonl", [start, request, request, stop, done, quit_]))
    assert len(log.requests) == 2 and log.workers == ("w1",)
    local = {k: v for k, v in request.items() if k != "worker"}
    with pytest.raises(CheckError, match="holds 2 requests but locust counted 1"):
        load_stats.read_log(write_log(tmp_path / "local.jsonl", [start, local, local, stop, quit_]))
