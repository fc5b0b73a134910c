"""Starts the service under test, waits until it is ready, prepares it, and always stops it."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gate import proc
from gate.errors import CheckError
from gate.live import LiveService
from gate.live import http as localhttp
from gate.live.openapi import api_base_url, load_spec
from gate.live.prepare import (
    auth_credential,
    env_secrets,
    header_secrets,
    resolve_credentials,
    run_commands,
    service_env,
)
from gate.live.settings import ServiceSettings
from gate.poll import poll
from gate.redact import credible_secret, redact_text
from gate.redact_files import redact_files

POLL_INTERVAL_S = 0.2
PROBE_TIMEOUT_S = 5.0
_LEARNING = threading.Lock()  # live checks run in parallel threads


@dataclass
class RunningService:
    """The service for the live checks: `live` when it is ready, else `error` says why not."""

    live: LiveService | None
    error: str | None
    _process: proc.Background | None = None
    _health_url: str | None = None  # url mode: death() asks the service itself
    _error_tail: str = ""
    _secrets: tuple[str, ...] = field(default=(), repr=False)

    def log_tail(self) -> str:
        """The last lines of the service's log (or of the command that failed while preparing it)."""
        text = self._error_tail
        if not text and self._process is not None and self._process.log_path.exists():
            text = proc.log_tail(self._process.log_path)
        return redact_text(text, self._secrets)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value known so far (env, headers, the auth token once it ran, renewed tokens)."""
        return self._secrets

    def learn_secrets(self, values: Sequence[str]) -> None:
        """Add secrets a live check learnt (a renewed token): masked in every artifact and the report."""
        with _LEARNING:
            self._secrets = tuple(dict.fromkeys([*self._secrets, *(v for v in values if credible_secret(v))]))

    def death(self) -> str | None:
        """Why the service is gone (exit code, or no health answer for a url), or None while it runs."""
        if self._process is not None:
            return _exit_reason(self._process.exit_code())
        if self._health_url is not None:
            answer = localhttp.get(self._health_url, {}, PROBE_TIMEOUT_S)
            return None if answer.ok else f"{self._health_url} no longer answers: {answer.describe()}"
        return None


@contextmanager
def open_service(
    settings: ServiceSettings, target: Path, work_dir: Path, env: Mapping[str, str], mask_under: Path | None = None
) -> Iterator[RunningService]:
    """Start (or reach) the service, yield it, and stop whatever was started (also on error or Ctrl-C).

    On every way out, once the service is stopped, the secrets known by then are masked in every file
    under `mask_under` (default `work_dir`): the service's log, prepare.log, the tools' outputs.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    running = RunningService(live=None, error=None)
    full_env = service_env(settings, env)
    secrets = [*env_secrets(settings.env), *header_secrets(settings.headers)]
    running.learn_secrets(secrets)
    try:
        try:
            running.live = _prepare(settings, target, work_dir, full_env, running, secrets)
        except CheckError as exc:
            running.error = redact_text(str(exc), running._secrets)
            if exc.log_tail:
                running._error_tail = exc.log_tail
        yield running
    finally:
        try:
            if running._process is not None:
                running._process.stop(settings.stop_grace_s)
        finally:
            # Also after Ctrl-C or a failed start: the log of a service that never got ready is
            # uploaded as evidence all the same.
            redact_files([mask_under or work_dir], running._secrets)


def _prepare(
    settings: ServiceSettings,
    target: Path,
    work_dir: Path,
    env: dict[str, str],
    running: RunningService,
    secrets: list[str],
) -> LiveService:
    prepare_log = work_dir / "prepare.log"
    run_commands("setup", settings.setup, target, env, settings.setup_timeout_s, prepare_log, secrets)
    if settings.command is not None:
        base_url = _start(settings, target, work_dir, env, running)
    else:
        assert settings.url is not None
        base_url = settings.url.rstrip("/")
        running._health_url = base_url + settings.health
        _wait_ready_url(base_url + settings.health, settings.ready_timeout_s)
    env = {**env, "GATE_BASE_URL": base_url}
    run_commands("seed", settings.seed, target, env, settings.setup_timeout_s, prepare_log, secrets)
    headers = dict(settings.headers)
    auth = None
    if settings.auth is not None:
        auth = auth_credential(settings.auth, target, env)
        headers[auth.param] = auth.value
        secrets.extend((auth.secret, auth.value))
        running.learn_secrets(secrets)
    spec_file = work_dir / "openapi.json"
    spec = load_spec(settings.openapi, base_url, target, headers, spec_file)
    credentials = resolve_credentials(settings.credentials, spec, target, env, secrets)
    running.learn_secrets(secrets)
    # Seeding and auth took time: a service that died meanwhile must not reach the checks.
    death = running.death()
    if death is not None:
        raise CheckError(f"the service stopped while gate prepared it: {death}")
    return LiveService(
        base_url=base_url,
        api_url=api_base_url(base_url, spec),
        headers=headers,
        spec=spec,
        spec_file=spec_file,
        spec_source="" if settings.openapi.startswith("/") else settings.openapi,
        health=settings.health,
        secrets=running.secrets,
        credentials=credentials,
        auth=auth,
        command_env=env,
        learn_secrets=running.learn_secrets,
        log_lines=running._process.log.lines_between if running._process is not None else None,
    )


def _start(
    settings: ServiceSettings, target: Path, work_dir: Path, env: dict[str, str], running: RunningService
) -> str:
    """Start the command on a free port and wait until it, and nothing else, answers health."""
    assert settings.command is not None
    port = localhttp.free_port()
    if localhttp.port_answers(port):
        # Never test the wrong process: whatever answers here is not what gate is about to start.
        raise CheckError(f"port {port} is already in use by another process; gate will not test it")
    base_url = f"http://{localhttp.HOST}:{port}"
    argv = proc.shell_argv(settings.command.replace("{port}", str(port)))
    running._process = proc.Background(argv, cwd=target, env=env, log_path=work_dir / "service.log")
    _wait_ready(running._process, port, base_url + settings.health, settings.ready_timeout_s)
    return base_url


def _wait_ready(process: proc.Background, port: int, health_url: str, timeout: float) -> None:
    """Poll health until it answers 2xx from our own process; raise CheckError on exit or deadline."""

    def attempt(left: float) -> str | None:
        death = _exit_reason(process.exit_code())
        if death is not None:
            raise CheckError(f"the service {death} before it was ready")
        answer = localhttp.get(health_url, {}, min(PROBE_TIMEOUT_S, max(left, 0.1)))
        if not answer.ok:
            return answer.describe()
        # A foreign server may hold the port while ours fails with "address in use": only a
        # listener inside our process's session counts. None: this OS cannot tell, trust the exit code.
        owned = localhttp.port_owned_by_session(port, process.pid)
        if owned is not False and _exit_reason(process.exit_code()) is None:
            return None
        return f"{answer.describe()}, but from a process gate did not start (port {port} is taken)"

    last = poll(attempt, timeout, POLL_INTERVAL_S)
    if last is not None:
        raise CheckError(f"the service was not ready within {timeout:g} s: {health_url}: {last}")


def _wait_ready_url(health_url: str, timeout: float) -> None:
    """Poll the health URL of an already-running service until it answers 2xx or the deadline passes."""

    def attempt(left: float) -> str | None:
        answer = localhttp.get(health_url, {}, min(PROBE_TIMEOUT_S, max(left, 0.1)))
        return None if answer.ok else answer.describe()

    last = poll(attempt, timeout, POLL_INTERVAL_S)
    if last is not None:
        raise CheckError(f"the service at {health_url} was not ready within {timeout:g} s: {last}")


def _exit_reason(code: int | None) -> str | None:
    if code is None:
        return None
    return proc.describe_exit(code)
