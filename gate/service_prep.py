"""Preparing the service under test: its environment, setup and seed commands, auth headers, secrets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gate import proc
from gate.credentials import Credential, EnvRef, SchemeCredentials, Secret, basic_secret, binding_problems, schemes
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


def auth_credential(auth: AuthSettings, target: Path, env: Mapping[str, str]) -> Credential:
    """The [service].auth header as a renewable credential (its command is re-run to renew it)."""
    name, _, template = auth.header.partition(":")
    token = command_secret(auth.command, auth.timeout_s, target, env, "auth command")
    return Credential("auth", "header", name.strip(), template.strip(), token, auth.command, auth.timeout_s)


def command_secret(command: str, timeout: float, target: Path, env: Mapping[str, str], label: str) -> str:
    """Run a command that prints one secret (a token or key) and return it; CheckError if it does not."""
    try:
        done = proc.run(proc.shell_argv(command), cwd=target, env=env, timeout=timeout, label=label)
    except ToolError as exc:
        # The tail is stderr first; stdout could hold a partial token, so only stderr is shown.
        raise CheckError(f"{label} failed: {exc}") from None
    secret = done.stdout.strip()
    if not secret:
        raise CheckError(f"{label} printed no token on standard output", done.stderr[-2000:])
    if "\n" in secret or "\r" in secret:
        raise CheckError(f"{label} printed more than one line; it must print only the token")
    return secret


def resolve_credentials(configured: Mapping[str, SchemeCredentials], spec: Mapping[str, Any], target: Path,
                        env: Mapping[str, str], secrets: list[str]) -> dict[str, Credential]:
    """Credentials per scheme, checked against the spec; commands run and `{ env = ... }` values read.
    Every secret value (passwords too, not only the headers made of them) is appended to `secrets`."""
    problems = binding_problems(configured, spec)
    if problems:
        raise CheckError("gate.toml does not fit the spec's security schemes: " + "; ".join(problems))
    known = schemes(spec)
    resolved = {}
    for name, given in configured.items():
        scheme = known[name]
        where = f"[service.credentials.{name}]"

        def value(key: str, secret: Secret | None, where: str = where) -> str:
            if isinstance(secret, EnvRef):
                if secret.env not in env:
                    raise CheckError(f"{where} {key}: environment variable {secret.env} is not set")
                return env[secret.env]
            assert secret is not None
            return secret

        if given.kind == "basic":
            password = value("password", given.password)
            secrets.append(password)
            secret = basic_secret(value("user", given.user), password)
        elif given.command is not None:
            secret = command_secret(given.command, given.timeout_s, target, env, f"{where} command")
        else:
            secret = value("token" if given.token is not None else "key", given.token or given.key)
        resolved[name] = Credential(name, scheme.location, scheme.param, scheme.prefix + "{token}", secret,
                                    given.command, given.timeout_s)
        secrets.extend([secret, resolved[name].value])
    return resolved
