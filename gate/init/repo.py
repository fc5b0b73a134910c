"""What a repository holds, read from its files only: Python sources (parsed, never imported),
declared dependencies, packages, virtualenv. Nothing of the target is imported or run."""

from __future__ import annotations

import ast
import configparser
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Folders that hold no code of the target's own: environments, caches, build output, vendored packages.
SKIP_DIRS = frozenset(
    {".git", ".hg", ".venv", "venv", "env", ".env", "node_modules", "__pycache__", ".tox", ".nox", "build", "dist"}
    | {".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".eggs", "htmlcov", "reports"}
)
MAX_FILES = 5000  # a monorepo's Python files beyond this are not read: init's guess needs the top levels
MAX_BYTES = 512 * 1024  # a generated module this large is not where an app object is declared
VENV_DIRS = (".venv", "venv", "env")  # the first two are what gate finds by itself (targetenv.py)
# Folders beside the service's own code: examples, docs and test data are never its app or migrations.
ASIDE_DIRS = frozenset({"tests", "test", "fixtures", "examples", "example", "samples", "docs", "doc"})
NOT_PACKAGES = frozenset({"tests", "test", "docs", "doc", "migrations", "alembic", "scripts", "examples", "bench"})
# Import names whose distribution is named differently; the rest are compared by normalized name.
IMPORT_TO_DIST = {
    "ninja": "django-ninja",
    "rest_framework": "djangorestframework",
    "drf_spectacular": "drf-spectacular",
    "mysqldb": "mysqlclient",
    "psycopg2": "psycopg2",
}
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Source:
    path: str  # relative to the target, posix
    module: str  # dotted module name ("app.main"); "" for a file outside any importable place
    tree: ast.Module


@dataclass(frozen=True)
class Repo:
    root: Path
    sources: tuple[Source, ...]
    stack: frozenset[str]  # normalized names of declared dependencies and imported top-level modules
    packages: tuple[str, ...]  # importable top-level packages (or modules) of the target's own code
    test_files: tuple[str, ...]
    venv: str | None  # a folder with bin/python
    pinned: dict[str, str] = field(default_factory=dict)  # dependency -> its version specifier text


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_repo(root: Path) -> Repo:
    """Everything init needs to know about the repository at `root`."""
    files = python_files(root)
    tests = tuple(f for f in files if is_test_file(f))
    sources = tuple(s for f in files if not is_test_file(f) and not aside(f) and (s := _parse(root, f)) is not None)
    pinned = declared_dependencies(root)
    imported = {IMPORT_TO_DIST.get(m, m) for s in sources for m in _imports(s.tree)}
    stack = frozenset({normalize(n) for n in (*pinned, *imported)})
    venv = next((d for d in VENV_DIRS if (root / d / "bin" / "python").exists()), None)
    return Repo(root, sources, stack, _packages(root), tests, venv, pinned)


def python_files(root: Path) -> list[str]:
    """The target's .py files, relative and sorted, outside environments and caches."""
    return files_named(root, ".py")[:MAX_FILES]


def files_named(root: Path, suffix: str) -> list[str]:
    """Files ending in `suffix` under `root`, relative and sorted; skipped folders are never entered
    (a virtualenv holds thousands of files), symlinked folders not followed."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        base = Path(folder).relative_to(root)
        found += [(base / name).as_posix() for name in files if name.endswith(suffix)]
        if len(found) > MAX_FILES:
            break
    return sorted(found)


def aside(rel: str) -> bool:
    """Whether a file lies in a folder of examples, docs or test data (not the service's own)."""
    return any(part in ASIDE_DIRS for part in rel.split("/")[:-1])


def is_test_file(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test") for p in parts[:-1])
        or name in ("tests.py", "conftest.py")
        or name.startswith("test_")
        or name.endswith("_test.py")
    )


def _parse(root: Path, rel: str) -> Source | None:
    path = root / rel
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        tree = ast.parse(path.read_bytes(), filename=rel)
    except (OSError, SyntaxError, ValueError):
        return None  # not Python this interpreter reads (or unreadable): nothing to learn from it
    parts = rel.removesuffix(".py").split("/")
    if parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return Source(rel, ".".join(parts), tree)


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0].lower() for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0].lower())
    return names


def _packages(root: Path) -> tuple[str, ...]:
    """Top-level packages of the target's own code (src/ layout included), tests and tooling left out."""
    base = root / "src" if (root / "src").is_dir() else root
    found = []
    for path in sorted(base.iterdir()):
        if not path.is_dir() or path.name in NOT_PACKAGES or path.name in SKIP_DIRS or path.name.startswith("."):
            continue
        # A regular package, or a folder of packages without its own __init__.py (Django's apps/).
        if (path / "__init__.py").is_file() or any((sub / "__init__.py").is_file() for sub in path.iterdir()):
            found.append(path.name if base == root else f"src/{path.name}")
    return tuple(found)


def declared_dependencies(root: Path) -> dict[str, str]:
    """Dependency name -> the rest of its requirement line, from pyproject, requirements*.txt, setup.cfg."""
    lines: list[str] = []
    pyproject = _toml(root / "pyproject.toml")
    project = pyproject.get("project", {})
    if isinstance(project, dict):
        lines += _strings(project.get("dependencies"))
        for group in _dict(project.get("optional-dependencies")).values():
            lines += _strings(group)
    for group in _dict(pyproject.get("dependency-groups")).values():
        lines += _strings(group)
    poetry = _dict(_dict(pyproject.get("tool")).get("poetry"))
    lines += [f"{name} {spec}" for name, spec in _dict(poetry.get("dependencies")).items() if isinstance(spec, str)]
    for group in _dict(poetry.get("group")).values():
        lines += [f"{name} {spec}" for name, spec in _dict(_dict(group).get("dependencies")).items()]
    for req in sorted([*root.glob("requirements*.txt"), *root.glob("requirements/*.txt")]):
        lines += _text(req).splitlines()
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(_text(setup_cfg))
            lines += parser.get("options", "install_requires", fallback="").splitlines()
        except configparser.Error:
            pass  # an unreadable setup.cfg declares nothing init can use
    deps: dict[str, str] = {}
    for line in lines:
        match = _REQUIREMENT.match(line.split("#")[0])
        if match and not line.lstrip().startswith("-"):
            deps.setdefault(normalize(match.group(1).split("[")[0]), line[match.end() :].strip())
    return deps


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig")) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
