"""Preparing the service under test: its environment, setup and seed commands, auth headers, secrets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from gate import proc
from gate.errors import CheckError, ToolError
from gate.redact import redact_text
from gate.service_settings import AuthSettings, ServiceSettings

# Environment keys whose values are credentials (DATABASE_PASSWORD, API_KEY, JWT_SECRET, AUTH_TOKEN ...).
_SECRET_KEY = re.compile(r"(?i)(secret|token|passw|pwd|credential|auth|api[_-]?key|private|(^|_)key($|_)|"
                         r"cookie|session|dsn|salt)")


def service_env(settings: ServiceSettings, target_env: Mapping[str, str]) -> dict[str, str]:
    """The target's environment plus [service].env."""
    env = dict(target_env)
    env.update(settings.env)
    return env


def env_secrets(env: Mapping[str, str]) -> list[str]:
    """Values of [service].env that are credentials: secret-looking keys, and passwords inside URLs."""
    found = []
    for key, value in env.items():
        if _SECRET_KEY.search(key):
            found.append(value)
        elif "://" in value:
            try:
                password = urlsplit(value).password  # postgres://user:PASSWORD@host/db
            except ValueError:
                password = None
            if password:
                found.append(password)
    return found


def run_commands(kind: str, commands: Iterable[str], target: Path, env: Mapping[str, str], timeout: float,
                 log_path: Path, secrets: Iterable[str]) -> None:
    """Run setup or seed commands in order, logging their output; raise CheckError on the first failure."""
    known = tuple(secrets)
    with log_path.open("a", encoding="utf-8") as log:
        for command in commands:
            log.write(f"$ {redact_text(command, known)}\n")
            try:
                done = proc.run(proc.shell_argv(command), cwd=target, env=env, timeout=timeout,
                                label=f"{kind} command")
            except ToolError as exc:
                log.write(redact_text(f"{exc}\n{exc.log_tail}\n", known))
                raise CheckError(f"{kind} command `{redact_text(command, known)}` failed: {exc}",
                                 redact_text(exc.log_tail, known)) from None
            log.write(redact_text(done.stdout + done.stderr, known) + "\n")


def auth_header(auth: AuthSettings, target: Path, env: Mapping[str, str]) -> tuple[str, str, str]:
    """Run the auth command; return (header name, header value, token). Its stdout is never written."""
    try:
        done = proc.run(proc.shell_argv(auth.command), cwd=target, env=env, timeout=auth.timeout_s,
                        label="auth command")
    except ToolError as exc:
        # The tail is stderr first; stdout could hold a partial token, so only stderr is shown.
        raise CheckError(f"auth command failed: {exc}") from None
    token = done.stdout.strip()
    if not token:
        raise CheckError("auth command printed no token on standard output", done.stderr[-2000:])
    if "\n" in token or "\r" in token:
        raise CheckError("auth command printed more than one line; it must print only the token")
    name, _, template = auth.header.partition(":")
    return name.strip(), template.strip().replace("{token}", token), token
