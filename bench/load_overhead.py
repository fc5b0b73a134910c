"""Benchmark: what the load check costs beyond the test itself, and gate's p95 next to locust's.

    .venv/bin/python bench/load_overhead.py [--runs 3] [--duration 12] [--delay-ms 0]

Runs gate's load check (default settings unless told) against the stdlib fixture service and prints,
per run: wall time, overhead (wall time minus --duration: locust's start, drain and shutdown, plus
gate's parsing), requests measured, the time gate took to compute its figures from the request log,
and gate's exact p95 next to locust's own (rounded to two significant digits) from locust_stats.csv.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from gate.checks import load
from gate.checks.base import CheckContext
from gate.checks.load import stats as load_stats
from gate.live import LiveService
from gate.live import http as localhttp

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "tests" / "fixtures" / "live_service" / "server.py"


def start_service(delay_ms: int) -> tuple[subprocess.Popen[bytes], str]:
    port = localhttp.free_port()
    child = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", str(port)],
        env={"PATH": "/usr/bin:/bin", "FIXTURE_DELAY_MS": str(delay_ms)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        if localhttp.get(base_url + "/health", {}, 1.0).ok:
            return child, base_url
        time.sleep(0.05)
    child.kill()
    raise SystemExit("the fixture service did not start")


def locust_p95(work_dir: Path) -> str:
    with (work_dir / "locust_stats.csv").open(newline="") as stats:
        rows = [row for row in csv.DictReader(stats) if row["Name"] == "Aggregated"]
    return rows[0]["95%"] if rows else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=load.Settings().duration_s)
    parser.add_argument("--delay-ms", type=int, default=0, help="latency the fixture adds to every request")
    args = parser.parse_args()
    settings = load.Settings(duration_s=args.duration)
    service, base_url = start_service(args.delay_ms)
    overheads = []
    try:
        with urllib.request.urlopen(base_url + "/openapi.json", timeout=5) as answer:
            spec = json.load(answer)
        for run in range(1, args.runs + 1):
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp)
                live = LiveService(base_url, {}, spec, out / "openapi.json")
                ctx = CheckContext("load", out, out, out / "load", {}, live)
                started = time.perf_counter()
                observation = load.run(ctx, settings)
                wall = time.perf_counter() - started
                parse_started = time.perf_counter()
                load_stats.summarize(load_stats.read_log(ctx.work_dir / "requests.jsonl"), settings.warmup_s)
                parse_s = time.perf_counter() - parse_started
                overheads.append(wall - args.duration)
                metrics = observation.metrics
                print(
                    f"run {run}: wall {wall:.2f} s, overhead {wall - args.duration:+.2f} s, "
                    f"{metrics['requests']:.0f} requests ({metrics['rps']:.1f}/s), "
                    f"figures in {parse_s * 1000:.0f} ms, "
                    f"p95 gate {metrics['p95_ms']:.2f} ms / locust {locust_p95(ctx.work_dir)} ms"
                )
    finally:
        service.terminate()
        service.wait(timeout=10)
    print(
        f"median overhead: {statistics.median(overheads):+.2f} s over {len(overheads)} runs "
        f"(duration {args.duration} s, users {settings.users}, delay {args.delay_ms} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
