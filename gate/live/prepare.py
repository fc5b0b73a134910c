"""Preparing the service under test: its environment, setup and seed commands, auth headers, secrets."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from gate import proc
from gate.errors import CheckError, ToolError
from gate.live import LiveService
from gate.live.credentials import Credential, EnvRef, SchemeCredentials, Secret, basic_secret, binding_problems, schemes
from gate.live.settings import AuthSettings, ServiceSettings
from gate.redact import credible_secret, redact_text

# Environment keys whose values are credentials (DATABASE_PASSWORD, DB_PASS, MYSQL_PWD, API_KEY, JWT_SECRET,
# AUTH_TOKEN, SENTRY_DSN ...). Only credible values are kept (redact.credible_secret): TOKEN_TTL = "3600"
# is a number, not a secret, and masking it everywhere once broke the NDJSON gate reads.
_SECRET_KEY = re.compile(
    r"(?i)(secret|token|passw|(^|_)pass($|_)|pwd|credential|auth|api[_-]?key|private|"
    r"(^|_)key($|_)|cookie|session|dsn|salt)"
)
# Headers that describe the request, never authenticate it: masking `application/json` everywhere would
# only damage the evidence. Every other header gate sends is treated as a credential.
_PLAIN_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "content-type",
        "user-agent",
        "cache-control",
        "pragma",
        "origin",
        "referer",
        "x-requested-with",
    }
)
_AUTH_SCHEME = re.compile(r"(?i)^(bearer|basic|token|digest|apikey|api-key)\s+(\S.*)$")


def service_env(settings: ServiceSettings, target_env: Mapping[str, str]) -> dict[str, str]:
    """The target's environment plus [service].env."""
    env = dict(target_env)
    env.update(settings.env)
    return env


def env_secrets(env: Mapping[str, str]) -> list[str]:
    """Values of [service].env that are credentials: secret-looking keys, and the password inside a URL
    (of a URL only the password: `postgres://app:PASSWORD@db/app`, whatever the key)."""
    found = []
    for key, value in env.items():
        secret_key = bool(_SECRET_KEY.search(key))
        if "://" in value:
            found.extend(_url_credentials(value, secret_key))
        elif secret_key:
            found.append(value)
    return [value for value in found if credible_secret(value)]


def _url_credentials(value: str, secret_key: bool) -> list[str]:
    """The password of a URL (raw and percent-decoded); under a secret-looking key (a Sentry-style DSN,
    `https://PUBLICKEY@host/1`) the user name too when there is no password."""
    try:
        parsed = urlsplit(value)
        password, user = parsed.password, parsed.username
    except ValueError:
        return [value] if secret_key else []
    if password:
        return list(dict.fromkeys([password, unquote(password)]))
    if user and secret_key:
        return list(dict.fromkeys([user, unquote(user)]))
    return []


def header_secrets(headers: Mapping[str, str]) -> list[str]:
    """Header values gate sends, and the credential inside them (after `Bearer `, Basic's password, each
    cookie's value: a service may echo one of them alone)."""
    found = []
    for name, value in headers.items():
        if name.strip().lower() in _PLAIN_HEADERS:
            continue
        found.append(value)
        if name.strip().lower() == "cookie":
            found.extend(part.partition("=")[2].strip() for part in value.split(";"))
        scheme = _AUTH_SCHEME.match(value.strip())
        if scheme is None:
            continue
        credential = scheme.group(2).strip()
        found.append(credential)
        if scheme.group(1).lower() == "basic":
            # Not base64 of user:password: the value itself is still masked.
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                found.append(base64.b64decode(credential, validate=True).decode().partition(":")[2])
    return [value for value in found if credible_secret(value)]


def run_commands(
    kind: str,
    commands: Iterable[str],
    target: Path,
    env: Mapping[str, str],
    timeout: float,
    log_path: Path,
    secrets: Iterable[str],
) -> None:
    """Run setup or seed commands in order, logging their output; raise CheckError on the first failure."""
    known = tuple(secrets)
    with log_path.open("a", encoding="utf-8") as log:
        for command in commands:
            log.write(f"$ {redact_text(command, known)}\n")
            try:
                done = proc.run(proc.shell_argv(command), cwd=target, env=env, timeout=timeout, label=f"{kind} command")
            except ToolError as exc:
                log.write(redact_text(f"{exc}\n{exc.log_tail}\n", known))
                raise CheckError(
                    f"{kind} command `{redact_text(command, known)}` failed: {exc}", redact_text(exc.log_tail, known)
                ) from None
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


def resolve_credentials(
    configured: Mapping[str, SchemeCredentials],
    spec: Mapping[str, Any],
    target: Path,
    env: Mapping[str, str],
    secrets: list[str],
) -> dict[str, Credential]:
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
        resolved[name] = Credential(
            name, scheme.location, scheme.param, scheme.prefix + "{token}", secret, given.command, given.timeout_s
        )
        secrets.extend([secret, resolved[name].value])
    return resolved


def renewed(service: LiveService, target: Path) -> tuple[LiveService, list[str]]:
    """The service with every credential that has a command given a fresh secret (the command re-run,
    as a client logs in again), and the names of those renewed; CheckError when a command fails.
    The new secrets are learnt, so every artifact and the report mask them too."""
    fresh: list[str] = []
    names: list[str] = []
    credentials = dict(service.credentials)
    for name, credential in service.credentials.items():
        if credential.command is not None:
            where = f"[service.credentials.{name}] command"
            secret = command_secret(credential.command, credential.timeout_s, target, service.command_env, where)
            credentials[name] = dataclasses.replace(credential, secret=secret)
            fresh += [secret, credentials[name].value]
            names.append(name)
    headers, auth = dict(service.headers), service.auth
    if auth is not None and auth.command is not None:
        secret = command_secret(auth.command, auth.timeout_s, target, service.command_env, "[service].auth command")
        auth = dataclasses.replace(auth, secret=secret)
        headers[auth.param] = auth.value
        fresh += [secret, auth.value]
        names.append("[service].auth")
    if service.learn_secrets is not None and fresh:
        service.learn_secrets(fresh)
    secrets = (*service.secrets, *fresh)
    return dataclasses.replace(service, credentials=credentials, auth=auth, headers=headers, secrets=secrets), names
