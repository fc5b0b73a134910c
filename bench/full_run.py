"""Benchmark: the full default `gate run` on the bundled example against its tools run by hand, one after the other.

    .venv/bin/python bench/full_run.py [--runs 3] [--target examples/service]

Needs a clone set up with `bash scripts/setup.sh --dev && bash scripts/setup-example.sh`. Each round
runs `gate run TARGET` (default policy, every check) and then the same tools by hand, sequentially,
with the options gate gives them: bandit and semgrep (gate's rule pack) on the files gate scans, the
target's coverage command and `coverage json`, sqlfluff and squawk on the migrations, then the
service started once (until its health answers) for schemathesis (same checks, phases, seed and
examples) and locust (same users, spawn rate, run time and think time, a plain locustfile calling
the spec's GET operations that need no parameter), and stopped. Rounds alternate gate and by hand so
that a change in the machine's load hits both. gate gets an empty security cache every round: by
hand there is no cache either. Uses only the `gate` CLI and the tools as processes (no gate import):
gate's phases come from the arrival times of its progress lines ("gate: load started", ...), its
durations per check from the JSON report it writes. Prints the load average before each run, the
medians per tool, phase and check, the CPU seconds of both (steadier than wall time on a busy
machine), and gate / by hand. Target (issue 9): gate / by hand <= 0.6.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # gate's environment: its tools, as gate runs them
PACK = REPO / "policies" / "semgrep"
TEST_NAMES = ("tests", "test", "conftest.py")  # gate leaves test code out of the security scan
# gate's defaults (the [fuzz] and [load] sections of the example are not set).
FUZZ_CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
    "response_schema_conformance,negative_data_rejection,positive_data_acceptance,"
    "missing_required_header,unsupported_method,ignored_auth,use_after_free,ensure_resource_availability"
)
FUZZ_OPTIONS = (
    "--checks",
    FUZZ_CHECKS,
    "--phases",
    "examples,coverage,fuzzing,stateful",
    "--seed",
    "20261124",
    "--max-examples",
    "50",
    "--workers",
    "1",
    "--request-timeout",
    "10",
    "--continue-on-failure",
    "--generation-database",
    "none",
)
PROGRESS_START = re.compile(r"^gate: [a-z_]+ started$")
PROGRESS_END = re.compile(r"^gate: [a-z_]+ [a-z]+ \([0-9.]+ s\)$")
PROGRESS_BEAT = re.compile(r"^gate: still running")
LOAD_USERS, LOAD_SPAWN_RATE, LOAD_RUN_S, THINK_S, REQUEST_TIMEOUT_S = 10, 10, 12, 0.1, 10
LOCUSTFILE = """
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

PATHS = {paths!r}


class ByHand(FastHttpUser):
    network_timeout = connection_timeout = {timeout}
    max_retries = 0
    wait_time = between({low}, {high})

    @task
    def walk(self):
        for path in PATHS:
            self.client.get(path)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds (gate, then by hand); medians are printed")
    parser.add_argument("--target", type=Path, default=REPO / "examples" / "service")
    args = parser.parse_args()
    target = args.target.resolve()
    config = tomllib.loads((target / "gate.toml").read_text(encoding="utf-8"))
    gate_runs: list[dict[str, float]] = []
    hand_runs: list[dict[str, float]] = []
    loads: list[str] = []
    for round_no in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="full-run-") as scratch:
            loads.append(_load())
            cpu = _children_cpu()
            gate_runs.append(run_gate(target, Path(scratch)))
            gate_runs[-1]["cpu (gate and every child)"] = _children_cpu() - cpu
            print(f"round {round_no}: gate {gate_runs[-1]['total']:.2f} s (load before: {loads[-1]})", flush=True)
            loads.append(_load())
            cpu = _children_cpu()
            hand_runs.append(by_hand(target, config, Path(scratch)))
            hand_runs[-1]["cpu (every tool and the service)"] = _children_cpu() - cpu
            print(f"round {round_no}: by hand {hand_runs[-1]['total']:.2f} s (load before: {loads[-1]})", flush=True)
    print_table(gate_runs, hand_runs)
    print(f"load average (1, 5, 15 min) before each run: {'; '.join(loads)}")
    return 0


def run_gate(target: Path, scratch: Path) -> dict[str, float]:
    """One full `gate run`: wall time, its phases (from the arrival of its progress lines), each check's duration."""
    out = scratch / "gate-out"
    env = {**os.environ, "GATE_CACHE_DIR": str(scratch / "gate-cache")}  # a full scan, as by hand
    started = time.perf_counter()
    events: list[tuple[float, str]] = []  # (seconds since launch, progress line)
    with subprocess.Popen(
        [str(BIN / "gate"), "run", str(target), "--out", str(out)],
        env=env,
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            events.append((time.perf_counter() - started, line.rstrip()))
        code = child.wait(timeout=1800)
    wall = time.perf_counter() - started
    if code not in (0, 1):
        raise SystemExit(f"gate run exited {code}:\n" + "\n".join(line for _, line in events[-60:]))
    report = json.loads((out / "gate-report.json").read_text(encoding="utf-8"))
    times = {"total": wall, **_phases(events, wall), "gate's own duration_s": float(report["duration_s"])}
    for check in report["checks"]:
        if check["status"].lower() != "skipped":
            times[f"check {check['id']}"] = float(check["duration_s"])
    return times


def _phases(events: list[tuple[float, str]], wall: float) -> dict[str, float]:
    """Where the wall time went, read from gate's progress lines ("gate: load started", "gate: load pass (..)")."""
    started = [t for t, line in events if PROGRESS_START.match(line)]
    ended = [t for t, line in events if PROGRESS_END.match(line)]
    load = [t for t, line in events if line.startswith("gate: load ") and not PROGRESS_BEAT.match(line)]
    if not started or not ended:
        return {}
    phases = {"phase: launch to first check": started[0]}
    if len(load) == 2:  # the load test runs alone, first
        phases["phase: load (alone)"] = load[1] - load[0]
        phases["phase: other checks (pool)"] = max(ended) - load[1]
    else:
        phases["phase: checks"] = max(ended) - started[0]
    phases["phase: last check to exit"] = wall - max(ended)
    return phases


def _rate_limit(config: Mapping[str, Any]) -> list[str]:
    """schemathesis's --rate-limit as the fuzz check passes it: the target's [fuzz] rate_limit, "auto" by
    default, none for "off" (a target whose login is rate-limited on purpose sets "off"; waiting out each
    429 by hand would time schemathesis's sleeps, not its work)."""
    setting = str(config.get("fuzz", {}).get("rate_limit", "auto"))
    return [] if setting == "off" else ["--rate-limit", setting]


def by_hand(target: Path, config: Mapping[str, Any], scratch: Path) -> dict[str, float]:
    """The same tools one after the other, as a developer would run them; each step's wall time."""
    work = scratch / "by-hand"
    work.mkdir()
    env = _target_env(target)
    times: dict[str, float] = {}
    files = _python_files(target, config.get("security", {}).get("paths", ["."]))
    times["bandit"] = _timed(
        [
            str(BIN / "bandit"),
            "--format",
            "json",
            "--output",
            str(work / "bandit.json"),
            "--recursive",
            "--ignore-nosec",
            "--",
            *files,
        ],
        target,
        os.environ,
        (0, 1),
    )
    semgrep_env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
    times["semgrep"] = _timed(
        [
            str(BIN / "semgrep"),
            "scan",
            "--config",
            str(PACK),
            "--metrics=off",
            "--disable-version-check",
            "--oss-only",
            "--no-rewrite-rule-ids",
            "--json",
            "--output",
            str(work / "semgrep.json"),
            "--quiet",
            "--disable-nosem",
            "--",
            *files,
        ],
        target,
        semgrep_env,
        (0,),
    )
    if "coverage" in config:
        cov_env = {**env, "COVERAGE_FILE": str(work / ".coverage")}
        times["coverage (tests)"] = _timed(["/bin/sh", "-c", config["coverage"]["command"]], target, cov_env, (0,))
        times["coverage json"] = _timed(
            ["python", "-m", "coverage", "json", "-o", str(work / "coverage.json"), "--fail-under=0"],
            target,
            cov_env,
            (0,),
            path=env["PATH"],
        )
    if "migrations" in config:
        sql = sorted(str(p) for entry in config["migrations"]["paths"] for p in (target / entry).rglob("*.sql"))
        dialect = config["migrations"].get("dialect", "postgres")
        times["sqlfluff"] = _timed(
            [
                str(BIN / "sqlfluff"),
                "lint",
                "--dialect",
                dialect,
                "--format",
                "json",
                "--write-output",
                str(work / "sqlfluff.json"),
                "--templater",
                "raw",
                "--ignore-local-config",
                "--disregard-sqlfluffignores",
                "--disable-noqa",
                "--nocolor",
                "--disable-progress-bar",
                "--processes",
                "1",
                "--",
                *sql,
            ],
            target,
            os.environ,
            (0, 1),
        )
        if dialect == "postgres":
            times["squawk"] = _timed([str(BIN / "squawk"), "--reporter", "json", *sql], target, os.environ, (0, 1))
    if "service" in config:
        times.update(_live_tools(target, config["service"], _rate_limit(config), env, work))
    times["total"] = sum(times.values())
    return times


def _live_tools(
    target: Path, service: Mapping[str, Any], rate_limit: list[str], env: Mapping[str, str], work: Path
) -> dict[str, float]:
    times: dict[str, float] = {}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with (work / "service.log").open("wb") as log:
        server = subprocess.Popen(
            ["/bin/sh", "-c", service["command"].replace("{port}", str(port))],
            cwd=target,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_ready(base + service.get("health", "/health"), server)
            times["service start"] = time.perf_counter() - started
            spec_url = base + service.get("openapi", "/openapi.json")
            config = work / "schemathesis.toml"
            config.write_text("[cache]\nenabled = false\n", encoding="utf-8")
            times["schemathesis"] = _timed(
                [
                    str(BIN / "schemathesis"),
                    "--config-file",
                    str(config),
                    "--no-color",
                    "run",
                    spec_url,
                    "--url",
                    base,
                    *FUZZ_OPTIONS,
                    *rate_limit,
                    "--report",
                    "json,ndjson,junit",
                    "--report-json-path",
                    str(work / "st.json"),
                    "--report-ndjson-path",
                    str(work / "st.ndjson"),
                    "--report-junit-path",
                    str(work / "st.xml"),
                ],
                work,
                os.environ,
                (0, 1),
            )
            locustfile = work / "locustfile.py"
            locustfile.write_text(
                LOCUSTFILE.format(
                    paths=_plain_gets(spec_url), timeout=float(REQUEST_TIMEOUT_S), low=THINK_S * 0.5, high=THINK_S * 1.5
                ),
                encoding="utf-8",
            )
            times["locust"] = _timed(
                [
                    str(BIN / "locust"),
                    "-f",
                    str(locustfile),
                    "--headless",
                    "--only-summary",
                    "--host",
                    base,
                    "--users",
                    str(LOAD_USERS),
                    "--spawn-rate",
                    str(LOAD_SPAWN_RATE),
                    "--run-time",
                    f"{LOAD_RUN_S}s",
                    "--stop-timeout",
                    str(REQUEST_TIMEOUT_S + 1),
                    "--exit-code-on-error",
                    "0",
                    "--csv",
                    str(work / "locust"),
                ],
                work,
                os.environ,
                (0,),
            )
        finally:
            stopping = time.perf_counter()
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
            times["service stop"] = time.perf_counter() - stopping
    return times


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the service exited with {server.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if 200 <= answer.status < 300:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"the service did not answer {url} within 60 s")


def _plain_gets(spec_url: str) -> list[str]:
    """The spec's GET paths without template variables or required parameters (the by-hand scenario)."""
    with urllib.request.urlopen(spec_url, timeout=10) as answer:
        spec = json.loads(answer.read())
    paths = []
    for path, item in spec.get("paths", {}).items():
        get = item.get("get")
        if get is None or "{" in path or any(p.get("required") for p in get.get("parameters", [])):
            continue
        paths.append(path)
    if not paths:
        raise SystemExit("the spec has no GET operation without parameters for the by-hand locustfile")
    return paths


def _python_files(target: Path, paths: Sequence[str]) -> list[str]:
    """The Python files gate's security check scans by default: under `paths`, without test code."""
    found = []
    for entry in paths:
        root = target / entry
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            parts = path.relative_to(target).parts
            if any(p.startswith(".") or p in TEST_NAMES or p == "__pycache__" for p in parts):
                continue
            if path.name.startswith("test_") or path.name.endswith(("_test.py", "_tests.py")):
                continue
            found.append(path.relative_to(target).as_posix())
    return found


def _target_env(target: Path) -> dict[str, str]:
    """os.environ with the target's .venv first on PATH, as gate runs the target's commands."""
    env = dict(os.environ)
    venv = target / ".venv"
    if (venv / "bin" / "python").exists():
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
        env["VIRTUAL_ENV"] = str(venv)
    return env


def _timed(argv: list[str], cwd: Path, env: Mapping[str, str], ok: tuple[int, ...], path: str | None = None) -> float:
    if path is not None:  # a bare command name, found on the target's PATH
        found = next((Path(d) / argv[0] for d in path.split(os.pathsep) if (Path(d) / argv[0]).is_file()), None)
        argv = [str(found or argv[0]), *argv[1:]]
    started = time.perf_counter()
    done = subprocess.run(
        argv,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(argv[:3])} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children_cpu() -> float:
    """User + system seconds of every finished child (and its waited-for descendants) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def print_table(gate_runs: list[dict[str, float]], hand_runs: list[dict[str, float]]) -> None:
    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs if key in r)

    print(f"\n{'by hand, one after the other':<32} {'median s':>9}")
    for key in [k for k in hand_runs[0] if k != "total" and not k.startswith("cpu")]:
        print(f"{key:<32} {median(hand_runs, key):>9.2f}")
    hand = median(hand_runs, "total")
    print(f"{'total (median of totals)':<32} {hand:>9.2f}")
    print(f"{'cpu s (user + system)':<32} {median(hand_runs, 'cpu (every tool and the service)'):>9.2f}")
    print(f"\n{'gate run':<32} {'median s':>9}")
    for key in [k for k in gate_runs[0] if k != "total" and not k.startswith("cpu")]:
        print(f"{key:<32} {median(gate_runs, key):>9.2f}")
    gate = median(gate_runs, "total")
    print(f"{'wall time (median)':<32} {gate:>9.2f}")
    print(f"{'cpu s (user + system)':<32} {median(gate_runs, 'cpu (gate and every child)'):>9.2f}")
    print(
        f"\ngate / by hand: {gate / hand:.2f} (gate {gate:.2f} s, by hand {hand:.2f} s, {len(gate_runs)} rounds;"
        " target <= 0.6)"
    )


if __name__ == "__main__":
    sys.exit(main())
