"""The commented gate.toml text for what detect.py found, and the summary `gate init` prints.
What init could not decide is written as commented lines starting `# TODO`."""

from __future__ import annotations

import json
import shlex
import textwrap

from gate.init.detect import Detected, Service

POLICIES = {
    "default": "the full standard: the static checks and the live checks on the running service",
    "static": "code without an HTTP service: security, coverage and migrations; no live checks",
    "migrations": "migrations only: the migrations check; no code or service checks",
}
# Dependencies that mean the service limits request rates: fuzzing would wait out every 429.
RATE_LIMITERS = frozenset({"limits", "slowapi", "flask-limiter", "django-ratelimit", "fastapi-limiter"})


def _q(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value)


def render(found: Detected) -> str:
    """The gate.toml text: valid TOML, every key one gate's config loader knows."""
    lines = [
        "# Written by `gate init` from the repository's files (nothing was run). Read the TODO lines:",
        "# they are what it could not decide. gate's README (its gate.toml section) lists every key.",
        f"policy = {_q(found.policy)}  # {POLICIES[found.policy]}",
    ]
    others = [f'"{name}" ({what.split(":")[0]})' for name, what in POLICIES.items() if name != found.policy]
    lines.append(f"# other bundled policies: {', '.join(others)}")
    lines += [line for note in found.notes for line in _todo(note)]
    venv = found.repo.venv
    if venv == "env":  # not a folder gate looks in by itself (targetenv.py finds .venv/ and venv/)
        lines.append(f"venv = {_q(venv)}  # the service's virtualenv: its commands run with it first on PATH")
    elif venv is not None:
        lines.append(f"# The service's virtualenv, {venv}/, is found by gate: its commands run with it first on PATH.")
    elif venv is None and found.repo.sources:
        lines.append("# No .venv/ or venv/ here: the commands run with the `python` on PATH. If the service's")
        lines.append('# virtualenv is elsewhere: venv = "path/to/venv"')
    if found.test_command is not None:
        lines += ["", "[security]", f"paths = {_list(found.packages or ('.',))}"]
        lines += ["", "[coverage]"]
        if not found.has_tests:
            lines += _todo("no tests found; coverage measures 0 % until there are some (then check the command)")
        lines.append(f"command = {_q(found.test_command)}")
        if "coverage" not in found.repo.stack:
            lines += _todo("coverage is not among the declared dependencies; the service's environment needs it")
    lines += _migrations(found)
    if found.service is not None:
        lines += _service(found.service, found)
    return "\n".join(lines) + "\n"


def _todo(text: str) -> list[str]:
    """A TODO comment, wrapped at 100 columns."""
    return textwrap.wrap(text, 100, initial_indent="# TODO: ", subsequent_indent="# ")


def _list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _migrations(found: Detected) -> list[str]:
    m = found.migrations
    if m is None:
        return ["", "# No migrations found. If the service has some: [migrations] paths = [...] or command = ..."]
    lines = ["", "[migrations]"]
    if m.kind == "sql":
        lines.append(f"paths = [{_q(m.where)}]")
    elif m.kind == "alembic":
        folder = m.where.rsplit("/", 1)[0] if "/" in m.where else ""
        cd = f"cd {shlex.quote(folder)} && " if folder else ""
        lines.append(f"command = {_q(cd + 'alembic upgrade head --sql')}  # Alembic's offline mode prints the SQL")
        lines.append('command_kind = "alembic"')
    else:
        folder = m.where.rsplit("/", 1)[0] if "/" in m.where else ""
        cd = f"cd {shlex.quote(folder)} && " if folder else ""
        lines.append(f"command = {_q(cd + 'python manage.py sqlmigrate')}  # gate adds each app and migration")
        lines.append('command_kind = "django"')
    if m.dialect is not None:
        lines.append(f"dialect = {_q(m.dialect)}  # from {m.dialect_from}")
    else:
        lines.append('dialect = "ansi"')
        lines.append("# TODO: nothing in the repository names the database (no psycopg, asyncpg, mysqlclient,")
        lines.append('# pymysql...): set "postgres", "mysql", "sqlite"...; squawk\'s lock checks run for postgres only')
    return lines


def _service(service: Service, found: Detected) -> list[str]:
    lines = ["", "[service]", f"command = {_q(service.command)}"]
    if service.health is not None:
        lines.append(f"health = {_q(service.health)}")
    elif service.openapi is not None and service.openapi.startswith("/"):
        lines.append(f"health = {_q(service.openapi)}")
        lines += _todo("no health route found; until there is one, readiness waits for the spec to answer")
    else:
        lines.append('health = "/"')
        lines += _todo("no health route found: set the path that answers 2xx once the service is ready")
    if service.openapi is not None:
        where = "a file in the repository" if not service.openapi.startswith("/") else "served by the app"
        lines.append(f"openapi = {_q(service.openapi)}  # {where}")
    else:
        lines.append('openapi = "/openapi.json"')
        lines += _todo("set the path (or file) of the OpenAPI document")
    lines.append("# TODO: seed: commands that fill the service with data once it is ready, if it starts empty:")
    lines.append('# seed = ["python scripts/seed.py"]')
    lines.append("# TODO: env: settings the service reads from its environment (a test database, passwords):")
    lines.append("# [service.env]")
    lines.append('# APP_DATABASE_URL = "sqlite:///:memory:"')
    schemes = service.schemes or ("<scheme>",)
    lines.append("# TODO: credentials: for operations the spec protects, one table per security scheme")
    lines.append("# (components.securitySchemes), with exactly one of command, token, key, user + password:")
    for scheme in schemes:
        lines.append(f"# [service.credentials.{scheme}]")
        lines.append('# command = "python scripts/token.py"  # prints a token')
    limiters = sorted(RATE_LIMITERS & found.repo.stack)
    if limiters:
        lines += ["", "[fuzz]"]
        lines.append(f"# The service limits request rates ({', '.join(limiters)}): 429s are counted as throttled,")
        lines.append("# not waited out (each could cost up to a minute).")
        lines.append('rate_limit = "off"')
    return lines


def summary(found: Detected) -> list[str]:
    """What init found, one line each, for the terminal."""
    lines = []
    if found.service is not None:
        s = found.service
        lines.append(f"service: {s.framework} in {s.where}: {s.command}")
        lines.append(f"health: {s.health or 'none declared (TODO)'}; OpenAPI: {s.openapi or 'not found (TODO)'}")
    else:
        lines.append("service: none found (no FastAPI, Starlette, Flask, connexion or Django app)")
    if found.packages:
        lines.append(f"code: {', '.join(found.packages)}")
    tests = found.test_command if found.has_tests else "none found"
    lines.append(f"tests: {tests}")
    m = found.migrations
    if m is not None:
        lines.append(f"migrations: {m.kind} ({m.where}), dialect {m.dialect or 'unknown (TODO)'}")
    else:
        lines.append("migrations: none found")
    lines.append(f"virtualenv: {found.repo.venv or 'none found'}")
    lines.append(f"policy: {found.policy} ({POLICIES[found.policy].split(':')[0]})")
    return [*lines, *(f"note: {n}" for n in found.notes)]
