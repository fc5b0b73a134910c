"""The web application a repository declares, found in its parsed sources: FastAPI, Starlette,
Flask (APIFairy), connexion; the routes it names (for a health path). Django lives in django.py."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gate.init.repo import Repo, Source

# Constructor name -> framework. connexion's App/FlaskApp/AsyncApp only count when they come from
# connexion (an `App` of another library is not one).
CONSTRUCTORS = {"FastAPI": "fastapi", "Starlette": "starlette", "Flask": "flask"}
CONNEXION_CONSTRUCTORS = frozenset({"App", "FlaskApp", "AsyncApp"})
FACTORY_NAMES = ("create_app", "make_app", "get_app", "build_app", "app_factory", "application_factory")
# Where an app usually lives, best first: a candidate in one of these modules wins over a deeper one.
USUAL_MODULES = ("main", "app", "asgi", "wsgi", "application", "server", "api", "__init__")
ROUTE_METHODS = frozenset({"get", "head", "route", "api_route", "add_api_route", "add_url_rule", "add_route"})


@dataclass(frozen=True)
class App:
    framework: str  # fastapi, starlette, flask, connexion
    module: str  # dotted, importable from the target's root (or src/)
    attribute: str  # the app object, or its factory function
    factory: bool
    path: str  # the file
    spec_file: str | None = None  # connexion: the spec it loads, relative to the target
    base_path: str | None = None  # connexion: add_api(base_path=...)
    # FastAPI's openapi_url=: None when not given (the default /openapi.json), "" when not a literal.
    openapi_url: str | None = None


def find_app(repo: Repo) -> App | None:
    """The most likely application object (or factory) of the repository, or None."""
    candidates = [app for source in repo.sources if _importable(repo, source) for app in _apps_in(source, repo)]
    if not candidates:
        return None

    def rank(app: App) -> tuple[int, int, int, str]:
        leaf = app.module.rsplit(".", 1)[-1]
        usual = USUAL_MODULES.index(leaf) if leaf in USUAL_MODULES else len(USUAL_MODULES)
        return (int(app.factory), app.module.count("."), usual, app.path)

    return min(candidates, key=rank)


def _importable(repo: Repo, source: Source) -> bool:
    """A module the service command can name: at the root (or src/), or in regular packages all the way
    down. A .py file in a plain folder (rule-pack samples, scripts) is not an app uvicorn can import."""
    parts = source.path.split("/")[:-1]
    if parts[:1] == ["src"]:
        parts = parts[1:]
        base = repo.root / "src"
    else:
        base = repo.root
    return all((base.joinpath(*parts[: i + 1]) / "__init__.py").is_file() for i in range(len(parts)))


def _apps_in(source: Source, repo: Repo) -> list[App]:
    connexion_names = _connexion_names(source.tree)
    found: list[App] = []
    factories: dict[str, tuple[str, ast.Call]] = {}
    for node in source.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            made = next(((f, c) for c in _calls(node) if (f := _framework(c, connexion_names))), None)
            if made and (node.name in FACTORY_NAMES or _returns_app(node)):
                factories[node.name] = made
    for node in source.tree.body:
        target, value = _assignment(node)
        if target is None or not isinstance(value, ast.Call):
            continue
        framework = _framework(value, connexion_names)
        if framework is None and isinstance(value.func, ast.Name) and value.func.id in FACTORY_NAMES:
            # `app = create_app()` at module level: the factory may live in another module of the repo.
            framework = factories[value.func.id][0] if value.func.id in factories else None
            framework = framework or _factory_framework(value.func.id, repo)
        if framework is not None:
            spec_file, base_path = _connexion_api(source, target) if framework == "connexion" else (None, None)
            url = _openapi_url(value)
            found.append(App(framework, source.module, target, False, source.path, spec_file, base_path, url))
    for name, (framework, call) in factories.items():
        found.append(App(framework, source.module, name, True, source.path, openapi_url=_openapi_url(call)))
    return found if source.module else []


def _openapi_url(call: ast.Call) -> str | None:
    given = next((k.value for k in call.keywords if k.arg == "openapi_url"), None)
    if given is None:
        return None
    return _string(given) or ""  # an f-string of settings (the full-stack template's) is not known here


def _factory_framework(name: str, repo: Repo) -> str | None:
    for source in repo.sources:
        connexion_names = _connexion_names(source.tree)
        for node in source.tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return next((f for call in _calls(node) if (f := _framework(call, connexion_names))), None)
    return None


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


def _returns_app(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    returns = node.returns
    name = returns.id if isinstance(returns, ast.Name) else returns.attr if isinstance(returns, ast.Attribute) else ""
    return name in CONSTRUCTORS or name in CONNEXION_CONSTRUCTORS


def _connexion_names(tree: ast.Module) -> set[str]:
    """Names bound to connexion itself or to its app classes in this module."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name for a in node.names if a.name == "connexion"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "connexion":
            names |= {f"class:{a.asname or a.name}" for a in node.names if a.name in CONNEXION_CONSTRUCTORS}
    return names


def _framework(call: ast.Call, connexion_names: set[str]) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        if (
            func.attr in CONNEXION_CONSTRUCTORS
            and isinstance(func.value, ast.Name)
            and func.value.id in connexion_names
        ):
            return "connexion"
        return CONSTRUCTORS.get(func.attr)
    if isinstance(func, ast.Name):
        if f"class:{func.id}" in connexion_names:
            return "connexion"
        return CONSTRUCTORS.get(func.id)
    return None


def _connexion_api(source: Source, app_name: str) -> tuple[str | None, str | None]:
    """The spec file `app.add_api("openapi.yaml", base_path=...)` loads (relative to the target) and its base path."""
    spec_dir = ""
    for call in _calls(source.tree):
        if _framework(call, _connexion_names(source.tree)) == "connexion":
            spec_dir = (
                _keyword(call, "specification_dir") or (_string(call.args[1]) if len(call.args) > 1 else "") or ""
            )
    for call in _calls(source.tree):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "add_api" and call.args:
            spec = _string(call.args[0])
            if spec is None:
                continue
            folder = source.path.rsplit("/", 1)[0] if "/" in source.path else ""
            parts = [p.strip("/") for p in (folder, spec_dir, spec) if p and p.strip("/")]
            return "/".join(parts), _keyword(call, "base_path")
    return None, None


def _keyword(call: ast.Call, name: str) -> str | None:
    return next((_string(k.value) for k in call.keywords if k.arg == name), None)


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def route_paths(repo: Repo) -> list[str]:
    """Literal paths the sources route: `@app.get("/health")`, `bp.route(...)`, `add_api_route(...)`,
    Starlette's `Route("/health", ...)`."""
    paths = []
    for source in repo.sources:
        for call in _calls(source.tree):
            func = call.func
            routed = isinstance(func, ast.Attribute) and func.attr in ROUTE_METHODS
            starlette = (func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")) == "Route"
            if (routed or starlette) and call.args:
                path = _string(call.args[0])
                if path is not None and path.startswith("/"):
                    paths.append(path)
    return paths


# FastAPI's security classes; a scheme is named in the spec by its class unless scheme_name= says.
FASTAPI_SCHEMES = frozenset(
    {"OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OAuth2", "OpenIdConnect", "HTTPBearer", "HTTPBasic"}
    | {"HTTPDigest", "APIKeyHeader", "APIKeyQuery", "APIKeyCookie"}
)


def fastapi_schemes(repo: Repo) -> list[str]:
    """The security scheme names a FastAPI app's spec will carry, from its security objects."""
    names: list[str] = []
    for source in repo.sources:
        for call in _calls(source.tree):
            func = call.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in FASTAPI_SCHEMES:
                scheme = _keyword(call, "scheme_name") or name
                if scheme not in names:
                    names.append(scheme)
    return names
