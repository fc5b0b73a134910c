"""What `gate init` decides about a repository: its service, code, tests, migrations and the policy
that fits. Pure reading of files (repo.py, apps.py, django.py, migrations.py); nothing is run."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from gate.errors import UsageError
from gate.init.apps import fastapi_schemes, find_app, route_paths
from gate.init.django import DjangoProject, find_django
from gate.init.migrations import Migrations, find_migrations
from gate.init.repo import Repo, read_repo

# Health paths, best first; a declared route whose last segment is one of these is the readiness probe.
HEALTH_NAMES = ("health", "healthz", "healthcheck", "health-check", "livez", "readyz", "ping", "status", "up")
SPEC_FILES = ("openapi.yaml", "openapi.yml", "openapi.json", "swagger.yaml", "swagger.yml", "swagger.json")
SPEC_FOLDERS = ("", "spec", "specs", "api", "openapi", "docs")


@dataclass(frozen=True)
class Service:
    framework: str  # what the summary names: "FastAPI", "Flask (APIFairy)", "Django (django-ninja)"...
    command: str  # contains {port}, binds 127.0.0.1
    health: str | None  # None: none declared; the config gets a TODO
    openapi: str | None  # a path on the service or a file in the repository; None: a TODO
    where: str  # the file the app was found in
    schemes: tuple[str, ...] = ()  # security schemes its spec names (credentials gate needs)


@dataclass(frozen=True)
class Detected:
    repo: Repo
    service: Service | None
    packages: tuple[str, ...]  # what security scans and coverage measures
    test_command: str | None  # the coverage command; None: no code to test
    has_tests: bool  # False: the command is a guess, and the suite measures 0 % until it has tests
    migrations: Migrations | None
    policy: str
    notes: tuple[str, ...]  # what init could not decide, for the summary and the TODO comments


def detect(target: Path) -> Detected:
    """Read the repository at `target`; raise UsageError when it holds no Python code and no migrations."""
    repo = read_repo(target)
    notes: list[str] = []
    django = find_django(repo)
    service = _django_service(repo, django) if django is not None else _app_service(repo, notes)
    migrations = find_migrations(repo, django.folder if django else None, bool(django and django.has_migrations))
    if migrations is not None and migrations.kind == "django" and django is not None and django.dialect:
        migrations = replace(migrations, dialect=django.dialect, dialect_from="the DATABASES ENGINE of the settings")
    code = [s for s in repo.sources if not _is_migration(s.path)]
    packages = repo.packages or _app_packages(repo, service)
    if not code and migrations is None:
        raise UsageError(
            [f"{target}: no Python service, code or migrations found here; nothing for gate init to set up"]
        )
    test_command = _test_command(repo, packages, django.folder if django else None) if code else None
    if service is not None and service.openapi is None:
        # The live checks judge the API through its OpenAPI document; without one the first run could
        # only end ERROR. The static checks give a decided verdict meanwhile.
        notes.append(
            "no OpenAPI document found (served or a file): the live checks need one; the policy is static "
            'until the service has one, then policy = "default"'
        )
    policy = "default" if service and service.openapi else "static" if code else "migrations"
    return Detected(repo, service, packages, test_command, bool(repo.test_files), migrations, policy, tuple(notes))


def _is_migration(path: str) -> bool:
    parts = path.split("/")
    return "migrations" in parts[:-1] or "versions" in parts[:-1] or parts[-1] in ("env.py", "manage.py")


def _app_service(repo: Repo, notes: list[str]) -> Service | None:
    app = find_app(repo)
    if app is None:
        return None
    names = {"fastapi": "FastAPI", "starlette": "Starlette", "flask": "Flask", "connexion": "connexion"}
    framework = names[app.framework]
    # A src/ layout's modules import from src/ (unless the package is installed into the venv).
    in_src = app.path.startswith("src/")
    if app.framework == "flask":
        framework += " (APIFairy)" if "apifairy" in repo.stack else ""
        app_arg = f"'{app.module}:{app.attribute}'"
        path = "PYTHONPATH=src " if in_src else ""
        command = f"{path}python -m flask --app {app_arg} run --host 127.0.0.1 --port {{port}} --no-reload"
    else:
        options = ("--factory " if app.factory else "") + ("--app-dir src " if in_src else "")
        command = f"python -m uvicorn {options}{app.module}:{app.attribute} --host 127.0.0.1 --port {{port}}"
        if "uvicorn" not in repo.stack:
            notes.append("uvicorn is not among the dependencies: install it in the service's environment")
    spec_paths: list[str] = []
    if app.framework == "fastapi":
        openapi: str | None = "/openapi.json" if app.openapi_url is None else app.openapi_url or None
    elif app.framework == "connexion":
        spec = app.spec_file if app.spec_file and (repo.root / app.spec_file).is_file() else None
        openapi = f"{(app.base_path or '').rstrip('/')}/openapi.json" if app.base_path is not None else spec
        spec_paths = _spec_paths(repo.root / spec, app.base_path) if spec else []
    elif "apifairy" in repo.stack:
        openapi = "/openapi.json"  # APIFairy's default APIFAIRY_APISPEC_PATH
    else:
        openapi = _spec_file(repo.root)
    health = _health([*route_paths(repo), *spec_paths])
    schemes = fastapi_schemes(repo) if app.framework == "fastapi" else _spec_schemes(repo.root, openapi)
    return Service(framework, command, health, openapi, app.path, tuple(schemes))


def _django_service(repo: Repo, django: DjangoProject) -> Service:
    extras = [
        name for dist, name in (("django-ninja", "django-ninja"), ("djangorestframework", "DRF")) if dist in repo.stack
    ]
    framework = "Django" + (f" ({', '.join(extras)})" if extras else "")
    framework += f", settings {django.settings}" if django.settings else ""
    cd = f"cd {shlex.quote(django.folder)} && " if django.folder else ""
    # --noreload: the autoreloader forks a second process that gate would not be the parent of.
    command = f"{cd}python manage.py runserver 127.0.0.1:{{port}} --noreload"
    openapi = django.spec_path or _spec_file(repo.root)
    where = f"{django.folder}/manage.py".lstrip("/")
    schemes = tuple(_spec_schemes(repo.root, openapi))
    return Service(framework, command, _health(list(django.url_paths)), openapi, where, schemes)


def _health(paths: list[str]) -> str | None:
    static = [p for p in paths if "{" not in p and "<" not in p]
    for name in HEALTH_NAMES:
        for path in static:
            if path.rstrip("/").rsplit("/", 1)[-1].lower() == name:
                return path
    return None


def _spec_file(root: Path) -> str | None:
    for folder in SPEC_FOLDERS:
        for name in SPEC_FILES:
            if (root / folder / name).is_file():
                return f"{folder}/{name}".lstrip("/")
    return None


def _read_spec(spec: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _spec_schemes(root: Path, openapi: str | None) -> list[str]:
    """components.securitySchemes of a spec file in the repository (a served spec is not fetched)."""
    if openapi is None or openapi.startswith("/"):
        return []
    components = _read_spec(root / openapi).get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    return [str(name) for name in schemes] if isinstance(schemes, dict) else []


def _spec_paths(spec: Path, base_path: str | None) -> list[str]:
    """The paths a spec file declares, under `base_path` if given, else its first relative server URL
    (connexion serves them so)."""
    data = _read_spec(spec)
    if not isinstance(data.get("paths"), dict):
        return []
    servers = data.get("servers") if isinstance(data.get("servers"), list) else []
    url = servers[0].get("url", "") if servers and isinstance(servers[0], dict) else ""
    prefix = url.rstrip("/") if isinstance(url, str) and url.startswith("/") else ""
    prefix = prefix if base_path is None else base_path.rstrip("/")
    return [prefix + p for p in data["paths"] if isinstance(p, str)]


def _app_packages(repo: Repo, service: Service | None) -> tuple[str, ...]:
    """Without packages, the app's own module (a single-file service) is what there is to scan."""
    if service is not None and "/" not in service.where and service.where.endswith(".py"):
        return (service.where,)
    return ()


def _test_command(repo: Repo, packages: tuple[str, ...], django_folder: str | None) -> str:
    source = ",".join(p.removesuffix(".py") for p in packages) or "."
    if django_folder is not None and not ({"pytest-django", "pytest"} & repo.stack):
        cd = f"cd {shlex.quote(django_folder)} && " if django_folder else ""
        return f"{cd}python -m coverage run --source={source} manage.py test"
    return f"python -m coverage run --source={source} -m pytest -q"
