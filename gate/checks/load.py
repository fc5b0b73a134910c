"""load: locust, headless, against the running service; percentiles from exact response times.

locust always runs as a subprocess (it monkey-patches gevent at import). The scenario is the
target's own locustfile when [load] locustfile is set, else gate's generated one (every GET
operation of the spec, see load_scenario). gate's plugin is loaded first in both cases: it logs
every request's exact response time and sends gate's headers. Figures: see load_stats.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import shutil
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gate import proc
from gate.checks import load_scenario, load_stats
from gate.checks.base import CheckContext, LiveService, SectionModel, check_target_paths
from gate.errors import CheckError, ToolError
from gate.model import Observation
from gate.redact import redact_text

ID = "load"
TITLE = "Load test"
LIVE = True

LOCUST_SIDE = Path(__file__).parent / "locust_side"
PLUGIN = "gate_load_plugin.py"
SCENARIO = "gate_load_scenario.py"
STARTUP_ALLOWANCE_S = 60.0  # locust's own start and shutdown, on top of the run and the drain
# Never handed to locust: its own settings come from gate.toml only, and a proxy must not see the traffic.
_DROPPED_ENV = re.compile(r"(?i)^(LOCUST_.*|(HTTPS?|ALL|NO)_PROXY)$")


class Settings(SectionModel):
    locustfile: str | None = None  # the target's own scenario, relative to the target
    users: int = Field(default=10, ge=1, le=1000)
    spawn_rate: float = Field(default=10.0, gt=0)
    duration_s: int = Field(default=12, ge=2, le=3600)  # locust's --run-time takes whole seconds
    warmup_s: float = Field(default=2.0, ge=0)
    think_time_s: float = Field(default=0.1, ge=0)  # generated scenario: mean pause between requests
    request_timeout_s: float = Field(default=10.0, gt=0)
    timeout_s: float = Field(default=300.0, gt=0)

    @field_validator("locustfile")
    @classmethod
    def _locustfile_in_target(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            check_target_paths([value], info)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.warmup_s >= self.duration_s:
            raise ValueError("warmup_s must be shorter than duration_s, or nothing is measured")
        if self.timeout_s <= self.duration_s + self.request_timeout_s:
            raise ValueError("timeout_s must be longer than duration_s + request_timeout_s")
        if self.locustfile is not None and ("," in self.locustfile or not self.locustfile.endswith(".py")):
            raise ValueError("locustfile must be one .py file (without commas in its path)")
        return self


def configured(raw_config: Mapping[str, Any]) -> bool:
    return "service" in raw_config


def run(ctx: CheckContext, settings: Settings) -> Observation:
    """Run locust against the service and measure latency, throughput and errors after warm-up."""
    service = _service(ctx)
    plugin = ctx.artifact(PLUGIN)
    shutil.copyfile(LOCUST_SIDE / PLUGIN, plugin)
    env_extra: dict[str, str] = {}
    details: dict[str, Any] = {}
    if settings.locustfile is not None:
        locustfile = _target_locustfile(ctx, settings.locustfile)
        artifacts = [ctx.relative(plugin)]
        details["scenario"] = f"target locustfile {settings.locustfile}"
    else:
        locustfile, scenario_file, skipped = _generate(ctx, service, settings)
        env_extra["GATE_LOAD_SCENARIO"] = str(scenario_file)
        artifacts = [ctx.relative(plugin), ctx.relative(locustfile), ctx.relative(scenario_file)]
        details["scenario"] = "generated from the OpenAPI spec"
        details["skipped_operations"] = skipped
    request_log = ctx.artifact("requests.jsonl")
    locust_log = ctx.artifact("locust.log")
    request_log.unlink(missing_ok=True)  # a log left by an earlier run must never be read as this one's
    env = _locust_env({**env_extra, "GATE_LOAD_LOG": str(request_log),
                       "GATE_LOAD_HEADERS": json.dumps(dict(service.headers))})
    argv = _argv(f"{plugin},{locustfile}", service.base_url, settings, ctx.work_dir / "locust")
    artifacts += [ctx.relative(locust_log), ctx.relative(request_log)]
    try:
        done = proc.run(argv, cwd=ctx.work_dir, env=env, label="locust",
                        timeout=min(settings.timeout_s, settings.duration_s + settings.request_timeout_s
                                    + STARTUP_ALLOWANCE_S))
    except ToolError as exc:
        locust_log.write_text(redact_text(exc.log_tail, service.secrets), encoding="utf-8")
        raise CheckError(str(exc), exc.log_tail, _existing(ctx, artifacts)) from None
    locust_log.write_text(redact_text(done.stderr + done.stdout, service.secrets), encoding="utf-8")
    artifacts += [ctx.relative(p) for p in sorted(ctx.work_dir.glob("locust_*.csv"))]
    try:
        log = load_stats.read_log(request_log)
        load_stats.require_usable(log)
        metrics, measured = load_stats.summarize(log, settings.warmup_s)
    except CheckError as exc:
        raise CheckError(str(exc), exc.log_tail or done.tail(), _existing(ctx, artifacts)) from None
    details.update(measured, warmup_s=settings.warmup_s, users=settings.users, duration_s=settings.duration_s)
    return Observation(metrics=metrics, tools={"locust": _version(done.stderr + done.stdout)},
                       artifacts=tuple(artifacts), details=details)


def _argv(locustfiles: str, base_url: str, settings: Settings, csv_prefix: Path) -> list[str]:
    return [
        *proc.tool_argv("locust"), "-f", locustfiles, "--headless", "--only-summary",
        "--host", base_url, "--users", str(settings.users),
        "--spawn-rate", f"{settings.spawn_rate:g}", "--run-time", f"{settings.duration_s}s",
        # Users finish the request they are in when time is up: no request is lost unmeasured.
        "--stop-timeout", str(math.ceil(settings.request_timeout_s) + 1),
        # Failed requests are measured (error_rate), not a locust crash: exit 0 for them.
        "--exit-code-on-error", "0", "--csv", str(csv_prefix),
    ]


def _service(ctx: CheckContext) -> LiveService:
    if ctx.service is None:
        raise CheckError("load needs the running service, and there is none")
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


def _generate(ctx: CheckContext, service: LiveService,
              settings: Settings) -> tuple[Path, Path, list[dict[str, str]]]:
    calls, skipped = load_scenario.build(service.spec)
    skipped_rows = [asdict(s) for s in skipped]
    if not calls:
        reasons = "; ".join(f"{s.operation}: {s.reason}" for s in skipped) or "the spec has no GET operation"
        raise CheckError("gate cannot generate a load scenario: no GET operation can be called with "
                         f"valid values ({reasons}). Add examples or defaults to the spec, "
                         "or set [load] locustfile.")
    scenario_file = ctx.artifact("scenario.json")
    scenario = {
        "calls": [asdict(c) for c in calls],
        # Pauses spread around the mean so users do not fire in lockstep.
        "wait_min_s": settings.think_time_s * 0.5, "wait_max_s": settings.think_time_s * 1.5,
        "request_timeout_s": settings.request_timeout_s,
    }
    scenario_file.write_text(json.dumps(scenario, indent=2), encoding="utf-8")
    locustfile = ctx.artifact("locustfile.py")
    shutil.copyfile(LOCUST_SIDE / SCENARIO, locustfile)
    return locustfile, scenario_file, skipped_rows


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
