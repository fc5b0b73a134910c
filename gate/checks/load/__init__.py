"""load: locust, headless, against the running service; percentiles from exact response times.

locust always runs as a subprocess (it monkey-patches gevent at import). The scenario is the
target's own locustfile when [load] locustfile is set, else gate's generated one (load_generated:
the spec's safe GET operations that answered a probe). gate's plugin is loaded first in both cases:
it logs every request's exact response time and the generator's CPU, and sends gate's headers.
Figures: see load_stats. A run the load generator limited (a whole core busy) is an ERROR.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import shlex
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gate import proc
from gate.checks.base import CheckContext
from gate.checks.load import generated as load_generated
from gate.checks.load import stats as load_stats
from gate.checks.load.settings import Settings
from gate.errors import CheckError, ToolError
from gate.live import LiveService
from gate.model import Finding, Observation
from gate.redact import redact_text

__all__ = ["ID", "LIVE", "RUNS_ALONE", "TITLE", "TOOL_URIS", "Settings", "run", "worker_command"]

ID = "load"
TITLE = "Load test"
LIVE = True
# Latency is measured with nothing else of gate's on the machine, and before fuzzing writes junk data.
RUNS_ALONE = True
TOOL_URIS = {"locust": "https://locust.io/"}

LOCUST_SIDE = Path(__file__).parent / "locust_side"
PLUGIN = "gate_load_plugin.py"
STARTUP_ALLOWANCE_S = 60.0  # locust's own start and shutdown, on top of the run and the drain
# Never handed to locust: its own settings come from gate.toml only, and a proxy must not see the traffic.
_DROPPED_ENV = re.compile(r"(?i)^(LOCUST_.*|(HTTPS?|ALL|NO)_PROXY)$")


def run(ctx: CheckContext, settings: Settings) -> Observation:
    """Run locust against the service and measure latency, throughput and errors after warm-up."""
    service = _service(ctx)
    plugin = ctx.artifact(PLUGIN)
    shutil.copyfile(LOCUST_SIDE / PLUGIN, plugin)
    env_extra: dict[str, str] = {}
    secret_env: dict[str, str] = {}  # never in the worker command or any file
    details: dict[str, Any] = {}
    findings: tuple[Finding, ...] = ()
    # The target's own locustfile names its paths as the service serves them; the generated scenario
    # has the spec's paths, which live under the spec's server prefix (api_url).
    host = service.base_url
    if settings.locustfile is not None:
        locustfile = _target_locustfile(ctx, settings.locustfile)
        artifacts = [ctx.relative(plugin)]
        details["scenario"] = f"target locustfile {settings.locustfile}"
    else:
        scenario = load_generated.generate(ctx, service, settings)
        host = service.api_url
        locustfile, findings = scenario.locustfile, scenario.findings
        env_extra["GATE_LOAD_SCENARIO"] = str(scenario.scenario_file)
        secret_env["GATE_LOAD_CALL_HEADERS"] = json.dumps(scenario.credentials.headers)
        secret_env["GATE_LOAD_CALL_QUERY"] = json.dumps(scenario.credentials.query)
        artifacts = [ctx.relative(plugin), ctx.relative(locustfile), ctx.relative(scenario.scenario_file)]
        details.update(scenario.details, scenario="generated from the OpenAPI spec")
    request_log = ctx.artifact("requests.jsonl")
    locust_log = ctx.artifact("locust.log")
    request_log.unlink(missing_ok=True)  # a log left by an earlier run must never be read as this one's
    env = _locust_env(
        {
            **env_extra,
            **secret_env,
            "GATE_LOAD_LOG": str(request_log),
            "GATE_LOAD_HEADERS": json.dumps(dict(service.headers)),
        }
    )
    argv = _argv(f"{plugin},{locustfile}", host, settings, ctx.work_dir / "locust")
    artifacts += [ctx.relative(locust_log), ctx.relative(request_log)]
    if settings.workers == "external":
        # Written before the master starts waiting, for whoever starts the workers (see README).
        details["worker_command"] = worker_command(ctx, locustfile, env_extra, settings)
        command_file = ctx.artifact("worker-command.txt")
        command_file.write_text(details["worker_command"] + "\n", encoding="utf-8")
        artifacts.append(ctx.relative(command_file))
    wait_s = settings.workers_wait_s if settings.workers == "external" else 0.0
    try:
        done = proc.run(
            argv,
            cwd=ctx.work_dir,
            env=env,
            label="locust",
            timeout=min(
                settings.timeout_s, settings.duration_s + settings.request_timeout_s + STARTUP_ALLOWANCE_S + wait_s
            ),
        )
    except ToolError as exc:
        locust_log.write_text(redact_text(exc.log_tail, service.secrets), encoding="utf-8")
        raise CheckError(str(exc), exc.log_tail, _existing(ctx, artifacts)) from None
    locust_log.write_text(redact_text(done.stderr + done.stdout, service.secrets), encoding="utf-8")
    artifacts += [ctx.relative(p) for p in sorted(ctx.work_dir.glob("locust_*.csv"))]
    try:
        log = load_stats.read_log(request_log)
        load_stats.require_usable(log)
        metrics, measured = load_stats.summarize(log, settings.warmup_s)
        saturated = load_stats.saturation(log, settings.warmup_s)
        if saturated is not None:
            raise CheckError(
                f"load generator saturated; measurement not valid: {saturated}. Lower users or rps, "
                "raise think_time_s, or spread the load with [load] processes"
            )
    except CheckError as exc:
        raise CheckError(str(exc), exc.log_tail or done.tail(), _existing(ctx, artifacts)) from None
    details.update(
        measured,
        warmup_s=settings.warmup_s,
        users=settings.users,
        duration_s=settings.duration_s,
        model=f"open: {settings.rps:g} requests/s target"
        if settings.rps
        else f"closed: {settings.users} users, {settings.think_time_s:g} s think time",
        locust_processes=len({c.pid for c in log.cpu}),
    )
    if settings.rps:
        details["target_rps"] = settings.rps
    return Observation(
        metrics=metrics,
        findings=findings,
        tools={"locust": _version(done.stderr + done.stdout)},
        artifacts=tuple(artifacts),
        details=details,
        parts=load_stats.parts(log, settings.warmup_s),
    )


def _argv(locustfiles: str, base_url: str, settings: Settings, csv_prefix: Path) -> list[str]:
    argv = [
        *proc.tool_argv("locust"),
        "-f",
        locustfiles,
        "--headless",
        "--only-summary",
        "--host",
        base_url,
        "--users",
        str(settings.users),
        "--spawn-rate",
        f"{settings.spawn_rate:g}",
        "--run-time",
        f"{settings.duration_s}s",
        # Users finish the request they are in when time is up: no request is lost unmeasured.
        "--stop-timeout",
        str(math.ceil(settings.request_timeout_s) + 1),
        # Failed requests are measured (error_rate), not a locust crash: exit 0 for them.
        "--exit-code-on-error",
        "0",
        "--csv",
        str(csv_prefix),
    ]
    if settings.processes is not None:
        # locust forks its workers (-1: one per CPU); the master merges their reports.
        argv += ["--processes", "-1" if settings.processes == "auto" else str(settings.processes)]
    elif settings.workers == "external":
        argv += [
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(settings.master_port),
            "--expect-workers",
            str(settings.expect_workers),
            "--expect-workers-max-wait",
            f"{settings.workers_wait_s:g}",
        ]
    return argv


def worker_command(ctx: CheckContext, locustfile: Path, env: Mapping[str, str], settings: Settings) -> str:
    """The command that starts one external worker for this run (on this machine: the master and the
    service listen on loopback only). Credentials are not in it: export GATE_LOAD_HEADERS (and, with
    [service.credentials], GATE_LOAD_CALL_HEADERS and GATE_LOAD_CALL_QUERY) yourself."""
    variables = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items()))
    plugin = ctx.work_dir / PLUGIN
    return (
        f"{variables + ' ' if variables else ''}{shlex.quote(str(proc.tool_argv('locust')[0]))} "
        f"-f {shlex.quote(f'{plugin},{locustfile}')} --worker --master-host 127.0.0.1 "
        f"--master-port {settings.master_port}"
    )


def _service(ctx: CheckContext) -> LiveService:
    host = urlsplit(ctx.service.base_url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        # A load test is a small denial of service: gate only ever aims it at this machine.
        raise CheckError(f"load only runs against this machine (127.0.0.1, ::1, localhost), not {host!r}")
    return ctx.service


def _target_locustfile(ctx: CheckContext, relative: str) -> Path:
    path = (ctx.target / relative).resolve()
    if not path.is_file():
        raise CheckError(f"[load] locustfile {relative!r}: no such file in {ctx.target}")
    return path


def _locust_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in proc.python_env().items() if not _DROPPED_ENV.match(k)}
    # Importing a target's locustfile must not leave __pycache__ folders in the target.
    env.update(extra, PYTHONDONTWRITEBYTECODE="1", NO_PROXY="*", no_proxy="*")
    return env


def _version(output: str) -> str:
    match = re.search(r"Starting Locust (\S+)", output)
    if match is None:
        raise CheckError("locust did not report its version (no 'Starting Locust' line)", output[-2000:])
    return match.group(1)


def _existing(ctx: CheckContext, artifacts: list[str]) -> tuple[str, ...]:
    return tuple(a for a in artifacts if (ctx.out_dir / a).exists())
