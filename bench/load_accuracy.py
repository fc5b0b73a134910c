"""Benchmark: gate's load figures against an independent client (wrk), and gate's rate against wrk's.

    .venv/bin/python bench/load_accuracy.py [--duration 10] [--delays 50,120,190,198,205,300]

Installs wrk from Debian when it is missing (`apt-get install -y wrk`, needs root). Starts a
fixed-delay service (stdlib, threaded; GET /delay/<ms> sleeps that long, GET /instant does not), then:
  1. per delay: gate's load check on that one endpoint (10 users, think time 0.1 s) and wrk with the
     same 10 connections (closed loop, no think time) on it; p50/p95/p99 of both and
     |gate p95 - wrk p95| / wrk p95.
  2. on /instant: gate at think time 0 with 10 users, with 1 and 2 locust worker processes, and wrk
     -c 10: requests per second and the ratio gate / wrk.
wrk's percentiles come from its own latency histogram through a Lua `done` hook (its --latency table
has no p95). Nothing here is asserted: the numbers go to bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from gate.checks import load
from gate.checks.base import CheckContext
from gate.checks.load import stats as load_stats
from gate.errors import CheckError
from gate.live import LiveService
from gate.live import http as localhttp

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("GATE-BENCH %d %f %f %f %f\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # wrk drops its connections when its time is up: not news


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/delay/"):
            time.sleep(int(self.path.removeprefix("/delay/")) / 1000)
        elif self.path == "/openapi.json":
            self._send(json.dumps(SPEC).encode())
            return
        self._send(b'{"ok": true}')

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


SPEC: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "bench", "version": "1"}, "paths": {}}


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdin=subprocess.DEVNULL, timeout=600)
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed and apt-get could not install it")
    return found


def wrk(binary: str, url: str, duration: int, script: Path) -> dict[str, float]:
    out = subprocess.run(
        [binary, "-t", "1", "-c", "10", "-d", f"{duration}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    ).stdout
    fields = next(line for line in out.splitlines() if line.startswith("GATE-BENCH")).split()[1:]
    requests, seconds, p50, p95, p99 = (float(f) for f in fields)
    return {"rps": requests / seconds, "p50_ms": p50, "p95_ms": p95, "p99_ms": p99}


def gate(base_url: str, path: str, settings: load.Settings) -> tuple[dict[str, float], str]:
    """gate's figures, and why gate would not vouch for them ("" when it would)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        live = LiveService(base_url, {}, SPEC, out / "openapi.json")
        ctx = CheckContext("load", out, out, out / "load", {}, live)
        try:
            observation = load.run(ctx, settings.model_copy(update={"include": [f"GET {path}"]}))
        except CheckError as exc:
            # A saturated generator is an ERROR for the gate; the benchmark still reads its rate.
            log = load_stats.read_log(ctx.work_dir / "requests.jsonl")
            return load_stats.summarize(log, settings.warmup_s)[0], str(exc).split(":")[0]
    return dict(observation.metrics), ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--delays", default="50,120,190,198,205,300")
    args = parser.parse_args()
    delays = [int(d) for d in args.delays.split(",")]
    for path in [f"/delay/{d}" for d in delays] + ["/instant"]:
        SPEC["paths"][path] = {
            "get": {"operationId": path.strip("/").replace("/", "_"), "responses": {"200": {"description": "ok"}}}
        }
    binary = ensure_wrk()
    port = localhttp.free_port()
    server = Server(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{port}"
    settings = load.Settings(duration_s=args.duration, warmup_s=2)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "done.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        print("| endpoint | gate p50 / p95 / p99 ms | wrk p50 / p95 / p99 ms | abs(gate p95 - wrk p95) / wrk p95 |")
        print("|---|---|---|---|")
        for delay in delays:
            path = f"/delay/{delay}"
            (ours, _), theirs = gate(base_url, path, settings), wrk(binary, base_url + path, args.duration, script)
            error = abs(ours["p95_ms"] - theirs["p95_ms"]) / theirs["p95_ms"]
            print(
                f"| {delay} ms | {ours['p50_ms']:.1f} / {ours['p95_ms']:.1f} / {ours['p99_ms']:.1f} | "
                f"{theirs['p50_ms']:.1f} / {theirs['p95_ms']:.1f} / {theirs['p99_ms']:.1f} | {error:.2%} |"
            )
        reference = wrk(binary, base_url + "/instant", args.duration, script)
        print(f"\nwrk -c 10 on /instant: {reference['rps']:.0f} req/s, p95 {reference['p95_ms']:.2f} ms")
        for processes in (None, 2):
            fast = settings.model_copy(update={"think_time_s": 0.0, "processes": processes})
            ours, problem = gate(base_url, "/instant", fast)
            print(
                f"gate, think time 0, processes {processes or 1}: {ours['rps']:.0f} req/s "
                f"(ratio {ours['rps'] / reference['rps']:.3f}), p95 {ours['p95_ms']:.2f} ms"
                + (f" [gate: {problem}]" if problem else "")
            )
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
