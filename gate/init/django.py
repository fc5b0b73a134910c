"""A Django project in the repository, read from its files: manage.py, the settings module, its
database engine, the URLs (django-ninja's API mount, drf-spectacular's schema view, a health path)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gate.init.repo import Repo, Source

ENGINE_DIALECTS = {"postgresql": "postgres", "postgis": "postgres", "mysql": "mysql", "sqlite3": "sqlite"}


@dataclass(frozen=True)
class DjangoProject:
    folder: str  # where manage.py is, relative to the target ("" for the root)
    settings: str | None  # DJANGO_SETTINGS_MODULE as manage.py sets it
    dialect: str | None  # from DATABASES' ENGINE, when the settings name one literally
    spec_path: str | None  # where the service serves its OpenAPI document
    url_paths: tuple[str, ...]  # literal routes, each starting with /
    has_migrations: bool  # <app>/migrations/NNNN_*.py files


def find_django(repo: Repo) -> DjangoProject | None:
    """The Django project whose manage.py is closest to the root, or None."""
    manages = sorted((s for s in repo.sources if s.path.rsplit("/", 1)[-1] == "manage.py"), key=_depth)
    if not manages:
        return None
    manage = manages[0]
    folder = manage.path.rsplit("/", 1)[0] if "/" in manage.path else ""
    settings = _settings_module(manage.tree)
    settings_source = _source_of(repo, folder, settings)
    dialect = _engine_dialect(settings_source) if settings_source else None
    spec_path, url_paths = _urls(repo)
    migrations = any("/migrations/" in f"/{s.path}" and s.path.rsplit("/", 1)[-1][:4].isdigit() for s in repo.sources)
    return DjangoProject(folder, settings, dialect, spec_path, tuple(url_paths), migrations)


def _depth(source: Source) -> int:
    return source.path.count("/")


def _settings_module(tree: ast.Module) -> str | None:
    # os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings"), as startproject writes it
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) == 2:
            key, value = node.args
            if _string(key) == "DJANGO_SETTINGS_MODULE":
                return _string(value)
    return None


def _source_of(repo: Repo, folder: str, module: str | None) -> Source | None:
    if module is None:
        return None
    relative = module.replace(".", "/")
    wanted = {f"{folder}/{relative}.py".lstrip("/"), f"{folder}/{relative}/__init__.py".lstrip("/")}
    return next((s for s in repo.sources if s.path in wanted), None)


def _engine_dialect(source: Source) -> str | None:
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                engine = _string(value) if key is not None and _string(key) == "ENGINE" else None
                if engine:
                    return ENGINE_DIALECTS.get(engine.rsplit(".", 1)[-1])
    return None


def _urls(repo: Repo) -> tuple[str | None, list[str]]:
    """The OpenAPI path (ninja: <mount>/openapi.json; drf-spectacular: its schema view) and literal routes."""
    spec_path: str | None = None
    paths: list[str] = []
    ninja_mounts: dict[str, str] = {}  # variable of a NinjaAPI -> where urls.py mounts it
    for source in repo.sources:
        for call in (n for n in ast.walk(source.tree) if isinstance(n, ast.Call)):
            name = _name(call.func)
            if name not in ("path", "re_path") or not call.args:
                continue
            route = _string(call.args[0])
            if route is None:
                continue
            route = "/" + route.strip("^$").lstrip("/")
            view = call.args[1] if len(call.args) > 1 else None
            if isinstance(view, ast.Attribute) and view.attr == "urls" and isinstance(view.value, ast.Name):
                ninja_mounts[view.value.id] = route  # path("api/", api.urls)
            elif isinstance(view, ast.Call) and _name(view.func) == "as_view":
                if (
                    _name(view.func.value if isinstance(view.func, ast.Attribute) else view.func)
                    == "SpectacularAPIView"
                ):
                    spec_path = route
            elif "<" not in route:
                paths.append(route)
    for source in repo.sources:
        for node in ast.walk(source.tree):
            target = _ninja_api(node)
            if target is not None and target in ninja_mounts:
                mount = ninja_mounts[target].rstrip("/")
                spec_path = spec_path or f"{mount}/openapi.json"
                paths += [f"{mount}{p}" for p in _decorated_paths(source, target)]
    return spec_path, paths


def _ninja_api(node: ast.AST) -> str | None:
    """`api = NinjaAPI(...)` -> "api"."""
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _name(node.value.func) == "NinjaAPI":
        target = node.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    return None


def _decorated_paths(source: Source, api: str) -> list[str]:
    """`@api.get("/health")` routes of one NinjaAPI object."""
    found = []
    for node in ast.walk(source.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                if (
                    isinstance(deco, ast.Call)
                    and isinstance(deco.func, ast.Attribute)
                    and isinstance(deco.func.value, ast.Name)
                    and deco.func.value.id == api
                    and deco.args
                    and (path := _string(deco.args[0])) is not None
                ):
                    found.append("/" + path.lstrip("/"))
    return found


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
