"""The load check on a service shaped like real ones: a destructive GET, an example naming nothing,
an operation with its own auth scheme, one slow endpoint (tests/fixtures/load_service)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from gate import report_json as reportdata
from gate.live import http as localhttp
from gate.reporters import github
from tests.conftest import FIXTURES, check_of
from tests.support import paths
from tests.support.service import MARKER_VAR, marker, toml_table

__all__ = ["marker"]  # the fixture, imported for pytest

pytestmark = pytest.mark.slow

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
SERVER = FIXTURES / "load_service" / "server.py"
LOCUSTFILES = paths.DATA / "locust"
SHORT = "users = 4\nduration_s = 5\nwarmup_s = 1\n"


def bookshop(root: Path, marker: str, slow_ms: int, load: str = SHORT, prefix: str = "") -> Path:
    root.mkdir(parents=True)
    shutil.copy(SERVER, root / "server.py")
    env = {"LOAD_FIXTURE_SLOW_MS": str(slow_ms), MARKER_VAR: marker, "LOAD_FIXTURE_PREFIX": prefix}
    (root / "gate.toml").write_text(
        '[service]\ncommand = "python server.py --port {port}"\n'
        f"env = {toml_table(env)}\n"
        'headers = { Authorization = "Bearer t0ken", "X-API-Key" = "k3y" }\n\n'
        f"[load]\n{load}\n[thresholds.load]\nrequests = 30\n",
        encoding="utf-8",
    )
    return root


def run_load(run_gate: RunGate, target: Path) -> tuple[int, dict[str, Any]]:
    result, report = run_gate(target, "--only", "load")
    assert report is not None, result.output
    return result.exit_code, check_of(report, "load")


def test_the_default_scenario_measures_normal_traffic_and_names_the_slow_endpoint(
    run_gate: RunGate, tmp_path: Path, marker: str
) -> None:
    code, load = run_load(run_gate, bookshop(tmp_path / "t", marker, slow_ms=300))
    details = load["details"]
    # The destructive GET is never called (it would have made every other request fail with 500).
    [excluded] = details["excluded_operations"]
    assert excluded["operation"] == "GET /admin/reset-db" and "'reset'" in excluded["reason"]
    # The example that names nothing: left out with the probe's status and the service's own words.
    [left_out] = details["not_load_tested"]
    assert left_out["operation"] == "GET /reviews/{review_id}" and left_out["status"] == 404
    assert "HTTP 404" in left_out["reason"] and left_out["body"] == '{"detail": "no review 999"}'
    # Both are also info findings, so every report says what the figures do not cover.
    assert {(f["rule"], f["operation"]) for f in load["findings"]} == {
        ("load.excluded-unsafe", "GET /admin/reset-db"),
        ("load.not-load-tested", "GET /reviews/{review_id}"),
    }
    # GET /books/{title}: the spec's example names no book; a title GET /books returned does.
    scenario = json.loads((tmp_path / "out" / "artifacts" / "load" / "scenario.json").read_text())
    paths = {c["name"]: c["path"] for c in scenario["calls"]}
    assert paths["/books/{title}"] == "/books/Dune"
    # GET /stats is sent its API key, the others the Bearer token: no request failed.
    sent = {c["name"]: c["service_headers"] for c in scenario["calls"]}
    assert sent["/stats"] == ["X-API-Key"] and sent["/books"] == ["Authorization"]
    assert "k3y" not in json.dumps(scenario) and "t0ken" not in json.dumps(scenario)
    assert load["metrics"]["error_rate"] == 0
    assert {e["name"] for e in details["endpoints"]} == {"/books", "/books/{title}", "/stats", "/reports/summary"}
    # FAIL on the slow endpoint only, named where a reader looks first.
    assert (code, load["status"]) == (1, "fail"), load
    failing = [m["metric"] for m in load["measurements"] if not m["ok"]]
    assert "p95_ms (GET /reports/summary)" in failing
    assert not [m for m in failing if "(" in m and "/reports/summary" not in m]
    assert any(r.startswith("p95_ms (GET /reports/summary) ") and r.endswith(": not met") for r in load["reasons"])
    assert "p95\\_ms (GET /reports/summary)" in (tmp_path / "out" / "gate-summary.md").read_text()
    saved = reportdata.report_from_dict(json.loads((tmp_path / "out" / "gate-report.json").read_text()))
    assert any("p95_ms (GET /reports/summary)" in line for line in github.annotations(saved))


def test_without_the_slow_endpoint_the_same_service_passes(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    code, load = run_load(run_gate, bookshop(tmp_path / "t", marker, slow_ms=0))
    assert (code, load["status"]) == (0, "pass"), load
    assert load["metrics"]["error_rate"] == 0 and load["details"]["not_load_tested"][0]["status"] == 404


def test_the_load_goes_under_the_specs_relative_server_prefix(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    # servers: [{url: "/api/v1"}]: the spec's /books is served at /api/v1/books, and only there.
    code, load = run_load(run_gate, bookshop(tmp_path / "t", marker, slow_ms=0, prefix="/api/v1"))
    assert (code, load["status"]) == (0, "pass"), load
    assert load["metrics"]["error_rate"] == 0
    assert set(load["details"]["load_tested"]) == {
        "GET /books",
        "GET /books/{title}",
        "GET /stats",
        "GET /reports/summary",
    }
    log = (tmp_path / "out" / "artifacts" / "service" / "service.log").read_text()
    assert "GET /api/v1/books/Dune " in log
    requests = [line for line in log.splitlines() if line.startswith("GET ")]
    assert requests and all("/api/v1/" in line or "/openapi.json" in line or "/health" in line for line in requests)


def test_nothing_left_to_measure_is_an_error_naming_why_each_operation_was_left_out(
    run_gate: RunGate, tmp_path: Path, marker: str
) -> None:
    load_settings = SHORT + 'include = ["GET /reviews/*", "GET /admin/*"]\nexclude = ["GET /admin/*"]\n'
    code, load = run_load(run_gate, bookshop(tmp_path / "t", marker, slow_ms=0, load=load_settings))
    assert (code, load["status"]) == (3, "error"), load
    reason = load["reasons"][0]
    assert reason.startswith("no operation could be load-tested: ")
    assert "GET /admin/reset-db: excluded by [load] exclude 'GET /admin/*'" in reason
    assert "GET /reviews/{review_id}: probe /reviews/999: HTTP 404" in reason
    assert "GET /books: not named by [load] include" in reason


def test_a_server_error_in_a_probe_is_a_finding_and_leaves_the_operation_out(
    run_gate: RunGate, tmp_path: Path, marker: str
) -> None:
    # Probed in spec order: the included reset breaks the data for a second, so the summary's probe
    # gets the 500 a real service gives while its tables are recreated.
    load_settings = SHORT + 'include = ["GET /admin/reset-db", "GET /reports/summary"]\n'
    _, load = run_load(run_gate, bookshop(tmp_path / "t", marker, slow_ms=0, load=load_settings))
    [left_out] = load["details"]["not_load_tested"]
    assert (left_out["operation"], left_out["status"]) == ("GET /reports/summary", 500)
    [finding] = [f for f in load["findings"] if f["severity"] != "info"]
    assert finding["rule"] == "load.probe-server-error" and finding["severity"] == "high"
    assert "relation" in finding["message"]  # the service's own error text, as evidence
    assert load["details"]["load_tested"] == ["GET /admin/reset-db"]


def test_a_generator_that_cannot_keep_up_is_an_error_not_a_fail(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    target = bookshop(tmp_path / "t", marker, slow_ms=0, load=SHORT + 'locustfile = "busy.py"\n')
    shutil.copy(LOCUSTFILES / "busy_locustfile.py", target / "busy.py")
    code, load = run_load(run_gate, target)
    assert (code, load["status"]) == (3, "error"), load
    assert load["reasons"][0].startswith("load generator saturated; measurement not valid: ")


def test_two_locust_worker_processes_record_every_request(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    code, load = run_load(run_gate, bookshop(tmp_path / "t", marker, slow_ms=0, load=SHORT + "processes = 2\n"))
    assert (code, load["status"]) == (0, "pass"), load
    rows = [
        json.loads(line)
        for line in (tmp_path / "out" / "artifacts" / "load" / "requests.jsonl").read_text().splitlines()
    ]
    requests = [r for r in rows if r["event"] == "request"]
    assert len({r["worker"] for r in requests}) == 2  # both workers' records reached the master
    assert load["details"]["locust_processes"] == 2
    # Each worker's own total arrived after its users stopped, and matches what the log holds.
    assert sum(r["requests"] for r in rows if r["event"] == "worker_done") == len(requests)


def test_the_open_model_counts_the_wait_behind_a_late_answer(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    # One user due to send every 0.1 s at an endpoint that takes 0.3 s: each request is sent later
    # than it was due, and that wait is part of its latency (coordinated omission accounted for).
    load_settings = 'users = 1\nduration_s = 4\nwarmup_s = 1\nrps = 10\ninclude = ["GET /reports/summary"]\n'
    _, load = run_load(run_gate, bookshop(tmp_path / "t", marker, slow_ms=300, load=load_settings))
    assert load["details"]["model"] == "open: 10 requests/s target" and load["details"]["target_rps"] == 10
    assert load["metrics"]["rps"] < 10  # the achieved rate is what the report says
    rows = [
        json.loads(line)
        for line in (tmp_path / "out" / "artifacts" / "load" / "requests.jsonl").read_text().splitlines()
    ]
    requests = [r for r in rows if r["event"] == "request"]
    assert all(r["sent"] >= r["start"] for r in requests)
    late = [r for r in requests if r["sent"] - r["start"] > 0.3]
    assert late and all(r["ms"] >= 300 + (r["sent"] - r["start"]) * 1000 - 1 for r in late)
    assert load["metrics"]["p95_ms"] > 600


def test_a_master_waits_for_an_external_worker_started_with_the_documented_command(tmp_path: Path, marker: str) -> None:
    port = localhttp.free_port()
    settings = SHORT + f'workers = "external"\nexpect_workers = 1\nmaster_port = {port}\nworkers_wait_s = 60\n'
    target = bookshop(tmp_path / "t", marker, slow_ms=0, load=settings)
    out = tmp_path / "out"
    gate = subprocess.Popen(
        [sys.executable, "-m", "gate", "run", str(target), "--only", "load", "--out", str(out)],
        env={**os.environ, MARKER_VAR: marker},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        command_file = out / "artifacts" / "load" / "worker-command.txt"
        deadline = time.monotonic() + 60
        while not command_file.exists():
            assert gate.poll() is None and time.monotonic() < deadline, "gate never wrote the worker command"
            time.sleep(0.2)
        words = shlex.split(command_file.read_text())
        assignments = [w for w in words if "=" in w.split("/")[0]]
        env = dict(w.split("=", 1) for w in assignments)
        env |= {
            "PATH": "/usr/bin:/bin",
            MARKER_VAR: marker,
            "GATE_LOAD_HEADERS": json.dumps({"Authorization": "Bearer t0ken", "X-API-Key": "k3y"}),
        }
        worker = subprocess.Popen(
            words[len(assignments) :],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert gate.wait(timeout=120) == 0
        assert worker.wait(timeout=30) == 0  # the master's quit ends the worker
    finally:
        for child in (gate, worker):
            if child is not None and child.poll() is None:
                child.kill()
                child.wait()
    load = check_of(json.loads((out / "gate-report.json").read_text()), "load")
    assert load["status"] == "pass", load
    rows = [json.loads(line) for line in (out / "artifacts" / "load" / "requests.jsonl").read_text().splitlines()]
    [done] = [r for r in rows if r["event"] == "worker_done"]
    assert done["requests"] == sum(1 for r in rows if r["event"] == "request") > 0


def test_credentials_per_security_scheme_reach_each_operation(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    # [service.credentials] (shared with the fuzz check) instead of headers: each operation gets its scheme's.
    target = bookshop(tmp_path / "t", marker, slow_ms=0)
    toml = (
        (target / "gate.toml")
        .read_text()
        .replace(
            'headers = { Authorization = "Bearer t0ken", "X-API-Key" = "k3y" }\n',
            '[service.credentials.bearer]\ntoken = "t0ken"\n[service.credentials.apiKey]\nkey = "k3y"\n',
        )
    )
    (target / "gate.toml").write_text(toml)
    code, load = run_load(run_gate, target)
    assert (code, load["status"]) == (0, "pass"), load
    assert load["metrics"]["error_rate"] == 0
    assert {e["name"] for e in load["details"]["endpoints"]} == {
        "/books",
        "/books/{title}",
        "/stats",
        "/reports/summary",
    }
    scenario = (tmp_path / "out" / "artifacts" / "load" / "scenario.json").read_text()
    assert "t0ken" not in scenario and "k3y" not in scenario
