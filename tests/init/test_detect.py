"""`gate init` on small repositories laid out as real ones are: what it finds for each framework and
migration style, and that every config it writes is one `gate validate` accepts."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from gate.cli import cli

Make = Callable[[Mapping[str, str]], Path]


def init(target: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["init", str(target), *args], catch_exceptions=False)


def init_and_validate(target: Path) -> dict[str, Any]:
    """Run `gate init`, then `gate validate` on what it wrote; return the config."""
    done = init(target)
    assert done.exit_code == 0, done.output
    checked = CliRunner().invoke(cli, ["validate", str(target)], catch_exceptions=False)
    assert checked.exit_code == 0, (target / "gate.toml").read_text() + checked.output
    return tomllib.loads((target / "gate.toml").read_text())


def test_fastapi_app_in_app_main_with_pytest_tests(make_target: Make) -> None:
    target = make_target(
        {
            "requirements.txt": "fastapi==0.115.0\nuvicorn[standard]>=0.30\nasyncpg\npytest\ncoverage\n",
            "app/__init__.py": "",
            "app/main.py": """
                from fastapi import FastAPI

                app = FastAPI(title="orders")

                @app.get("/healthz")
                def healthz() -> dict[str, str]:
                    return {"status": "ok"}

                @app.get("/orders/{order_id}")
                def order(order_id: int) -> dict[str, int]:
                    return {"id": order_id}
            """,
            "tests/test_main.py": "def test_nothing():\n    assert True\n",
        }
    )
    config = init_and_validate(target)
    assert config["policy"] == "default"
    assert config["service"] == {
        "command": "python -m uvicorn app.main:app --host 127.0.0.1 --port {port}",
        "health": "/healthz",
        "openapi": "/openapi.json",
    }
    assert config["security"] == {"paths": ["app"]}
    assert config["coverage"] == {"command": "python -m coverage run --source=app -m pytest -q"}
    assert "migrations" not in config
    text = (target / "gate.toml").read_text()
    assert "# TODO: credentials" in text and "# TODO: seed" in text
    assert 'venv = "path/to/venv"' in text  # no .venv here: said, as a comment


def test_fastapi_openapi_url_is_followed_and_a_computed_one_is_a_todo(make_target: Make) -> None:
    target = make_target(
        {
            "api/__init__.py": "",
            "api/main.py": """
                from fastapi import FastAPI

                app = FastAPI(openapi_url="/api/v1/openapi.json")
            """,
        }
    )
    assert init_and_validate(target)["service"]["openapi"] == "/api/v1/openapi.json"
    (target / "api" / "main.py").write_text(
        "from fastapi import FastAPI\nfrom api.config import settings\n\n"
        'app = FastAPI(openapi_url=f"{settings.API_V1_STR}/openapi.json")\n'
    )
    done = init(target, "--print")
    assert "# TODO: set the path (or file) of the OpenAPI document" in done.stdout
    assert tomllib.loads(done.stdout)["policy"] == "static"  # no spec known: the live checks wait for one


def test_apps_in_examples_test_data_or_plain_folders_are_not_the_service(make_target: Make) -> None:
    fastapi = "from fastapi import FastAPI\n\napp = FastAPI()\n"
    target = make_target(
        {
            "examples/demo/__init__.py": "",
            "examples/demo/main.py": fastapi,
            "tests/fixtures/app.py": fastapi,
            "rules/samples/main.py": fastapi,  # no __init__.py: not importable as rules.samples.main
            "service/__init__.py": "",
            "service/api/__init__.py": "",
            "service/api/server.py": fastapi,
            "examples/demo/migrations/001.sql": "SELECT 1;\n",
        }
    )
    config = init_and_validate(target)
    assert config["service"]["command"] == "python -m uvicorn service.api.server:app --host 127.0.0.1 --port {port}"
    assert "migrations" not in config


def test_flask_app_factory_with_apifairy(make_target: Make) -> None:
    target = make_target(
        {
            "pyproject.toml": """
                [project]
                name = "notes"
                version = "1.0"
                dependencies = ["Flask>=3", "APIFairy"]
                [dependency-groups]
                dev = ["pytest", "coverage"]
            """,
            "notes/__init__.py": """
                from flask import Flask

                def create_app(config=None):
                    app = Flask(__name__)
                    from notes.api import bp
                    app.register_blueprint(bp)
                    return app
            """,
            "notes/api.py": """
                from flask import Blueprint

                bp = Blueprint("api", __name__)

                @bp.route("/ping")
                def ping():
                    return {"pong": True}
            """,
            "tests/conftest.py": "",
            "tests/test_api.py": "def test_ping():\n    assert True\n",
        }
    )
    config = init_and_validate(target)
    assert config["service"]["command"] == (
        "python -m flask --app 'notes:create_app' run --host 127.0.0.1 --port {port} --no-reload"
    )
    assert config["service"]["health"] == "/ping"
    assert config["service"]["openapi"] == "/openapi.json"  # APIFairy's default
    assert config["coverage"]["command"] == "python -m coverage run --source=notes -m pytest -q"


def test_connexion_app_with_its_openapi_file(make_target: Make) -> None:
    target = make_target(
        {
            "requirements.txt": "connexion[flask,uvicorn,swagger-ui]==3.1.0\n",
            "app.py": """
                import connexion

                app = connexion.FlaskApp(__name__, specification_dir="spec/")
                app.add_api("openapi.yaml")
            """,
            "spec/openapi.yaml": """
                openapi: 3.0.3
                info: {title: pets, version: "1"}
                servers: [{url: /api/v1}]
                components:
                  securitySchemes:
                    api_key: {type: apiKey, in: header, name: X-API-Key}
                paths:
                  /health:
                    get:
                      operationId: app.health
                      responses: {"200": {description: ok}}
            """,
            "test_app.py": "def test_app():\n    assert True\n",
        }
    )
    config = init_and_validate(target)
    assert config["service"]["command"] == "python -m uvicorn app:app --host 127.0.0.1 --port {port}"
    assert config["service"]["openapi"] == "spec/openapi.yaml"
    assert config["service"]["health"] == "/api/v1/health"  # under the spec's server URL
    assert config["security"] == {"paths": ["app.py"]}
    assert "# [service.credentials.api_key]" in (target / "gate.toml").read_text()
    # With a base path given to add_api, connexion serves the spec under it.
    (target / "app.py").write_text(
        'import connexion\n\napp = connexion.App(__name__, specification_dir="spec")\n'
        'app.add_api("openapi.yaml", base_path="/v2")\n'
    )
    service = tomllib.loads(init(target, "--print").stdout)["service"]
    assert (service["openapi"], service["health"]) == ("/v2/openapi.json", "/v2/health")


def test_django_with_apps_tests_and_django_ninja(make_target: Make) -> None:
    target = make_target(
        {
            "requirements.txt": "Django==5.1\ndjango-ninja==1.3\npsycopg[binary]\ncoverage\n",
            "manage.py": """
                import os
                import sys

                def main():
                    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
                    from django.core.management import execute_from_command_line
                    execute_from_command_line(sys.argv)

                if __name__ == "__main__":
                    main()
            """,
            "shop/__init__.py": "",
            "shop/settings.py": """
                INSTALLED_APPS = ["apps.catalog"]
                DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"}}
            """,
            "shop/api.py": """
                from ninja import NinjaAPI

                api = NinjaAPI()

                @api.get("/health")
                def health(request):
                    return {"ok": True}
            """,
            "shop/urls.py": """
                from django.urls import path
                from shop.api import api

                urlpatterns = [path("api/", api.urls)]
            """,
            "apps/catalog/__init__.py": "",
            "apps/catalog/models.py": "",
            "apps/catalog/tests.py": "from django.test import TestCase\n",
            "apps/catalog/migrations/__init__.py": "",
            "apps/catalog/migrations/0001_initial.py": "from django.db import migrations\n",
        }
    )
    config = init_and_validate(target)
    assert config["service"] == {
        "command": "python manage.py runserver 127.0.0.1:{port} --noreload",
        "health": "/api/health",
        "openapi": "/api/openapi.json",
    }
    assert config["coverage"]["command"] == "python -m coverage run --source=apps,shop manage.py test"
    assert "Django (django-ninja), settings shop.settings" in init(target, "--print").stderr
    assert config["migrations"] == {
        "command": "python manage.py sqlmigrate",
        "command_kind": "django",
        "dialect": "postgres",  # from the settings' ENGINE
    }


def test_alembic_project_gets_the_offline_command_and_the_migrations_policy(make_target: Make) -> None:
    target = make_target(
        {
            "alembic.ini": "[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://localhost/app\n",
            "alembic/env.py": "from alembic import context\n",
            "alembic/versions/1a2b_create_users.py": "revision = '1a2b'\ndown_revision = None\n",
            "requirements.txt": "alembic\nsqlalchemy\n",
        }
    )
    config = init_and_validate(target)
    assert config["policy"] == "migrations"
    assert config["migrations"] == {
        "command": "alembic upgrade head --sql",
        "command_kind": "alembic",
        "dialect": "postgres",
    }
    assert {"service", "coverage", "security"}.isdisjoint(config)


def test_golang_migrate_folder_takes_its_dialect_from_psycopg(make_target: Make) -> None:
    target = make_target(
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\ndependencies = ["psycopg[binary]>=3.2"]\n',
            "db/migrations/000001_create_users.up.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY);\n",
            "db/migrations/000001_create_users.down.sql": "DROP TABLE users;\n",
        }
    )
    config = init_and_validate(target)
    assert config["migrations"] == {"paths": ["db/migrations"], "dialect": "postgres"}
    assert config["policy"] == "migrations"
    assert "psycopg in the dependencies" in (target / "gate.toml").read_text()


def test_setup_cfg_and_requirements_folder_dependencies_name_mysql(make_target: Make) -> None:
    target = make_target(
        {
            "setup.cfg": "[metadata]\nname = billing\n[options]\ninstall_requires =\n    requests>=2\n    PyMySQL[rsa]==1.1\n",
            "requirements/dev.txt": "-r base.txt\npytest  # the runner\n",
            "billing/__init__.py": "",
            "billing/jobs.py": "def run():\n    return 1\n",
            "tests/test_jobs.py": "def test_run():\n    assert True\n",
            "sql/V1__create_invoices.sql": "CREATE TABLE invoices (id BIGINT PRIMARY KEY);\n",
        }
    )
    config = init_and_validate(target)
    assert config["migrations"] == {"paths": ["sql"], "dialect": "mysql"}
    assert config["policy"] == "static"


def test_sql_without_a_named_database_is_ansi_with_a_todo(make_target: Make) -> None:
    target = make_target({"migrations/001_init.sql": "CREATE TABLE t (id INT);\n"})
    config = init_and_validate(target)
    assert config["migrations"]["dialect"] == "ansi"
    assert "# TODO: nothing in the repository names the database" in (target / "gate.toml").read_text()


def test_a_library_without_a_service_gets_the_static_policy(make_target: Make) -> None:
    target = make_target(
        {
            "src/textkit/__init__.py": "def words(text):\n    return text.split()\n",
            "tests/test_words.py": "def test_words():\n    assert True\n",
        }
    )
    config = init_and_validate(target)
    assert config["policy"] == "static"
    assert config["security"] == {"paths": ["src/textkit"]}
    assert config["coverage"]["command"] == "python -m coverage run --source=src/textkit -m pytest -q"
    assert "service" not in config


def test_django_rest_framework_with_drf_spectacular(make_target: Make) -> None:
    target = make_target(
        {
            "requirements.txt": "django\ndjangorestframework\ndrf-spectacular\npytest-django\n",
            "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n',
            "config/__init__.py": "",
            "config/settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}\n',
            "config/urls.py": """
                from django.urls import path
                from drf_spectacular.views import SpectacularAPIView
                from config import views

                urlpatterns = [
                    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
                    path("status/", views.status),
                    path("books/<int:pk>/", views.book),
                ]
            """,
            "config/views.py": "def status(request): ...\ndef book(request, pk): ...\n",
            "tests/test_views.py": "def test_views():\n    assert True\n",
        }
    )
    config = init_and_validate(target)
    assert config["service"]["openapi"] == "/api/schema/"
    assert config["service"]["health"] == "/status/"
    # pytest-django in the dependencies: the suite runs under pytest, not manage.py test.
    assert config["coverage"]["command"] == "python -m coverage run --source=config -m pytest -q"
    text = (target / "gate.toml").read_text()
    assert "Django (DRF)" in CliRunner().invoke(cli, ["init", "--print", str(target)]).stderr
    assert "# TODO: coverage is not among the declared dependencies" in text


def test_starlette_factory_in_a_src_layout_with_poetry_dependencies(make_target: Make) -> None:
    target = make_target(
        {
            "pyproject.toml": """
                [tool.poetry.dependencies]
                python = "^3.11"
                starlette = "^0.40"
                uvicorn = "*"
                [tool.poetry.group.dev.dependencies]
                pytest = "*"
            """,
            "src/hello/__init__.py": "",
            "src/hello/app.py": """
                from starlette.applications import Starlette
                from starlette.routing import Route

                def create_app() -> Starlette:
                    return Starlette(routes=[Route("/status", lambda request: None)])
            """,
            "openapi.yaml": "openapi: 3.1.0\ninfo: {title: hello, version: '1'}\npaths: {}\n",
            "tests/test_app.py": "def test_app():\n    assert True\n",
        }
    )
    config = init_and_validate(target)
    assert config["service"]["command"] == (
        "python -m uvicorn --factory --app-dir src hello.app:create_app --host 127.0.0.1 --port {port}"
    )
    assert config["service"]["openapi"] == "openapi.yaml"  # Starlette serves none: the repository's file
    assert config["service"]["health"] == "/status"
    assert config["security"] == {"paths": ["src/hello"]}


def test_a_service_without_an_openapi_document_starts_on_the_static_policy(make_target: Make) -> None:
    # The live checks judge the API through its spec: without one the first run could only end ERROR.
    target = make_target(
        {
            "requirements.txt": "flask\n",
            "wsgi.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        }
    )
    config = init_and_validate(target)
    assert config["policy"] == "static"
    assert config["service"]["command"].startswith("python -m flask --app 'wsgi:app' run --host 127.0.0.1 ")
    text = (target / "gate.toml").read_text()
    assert "# TODO: no OpenAPI document found" in text
    assert "# TODO: no tests found" in text
    assert all(len(line) <= 100 for line in text.splitlines() if line.startswith("# TODO"))


def test_a_virtualenv_gate_does_not_find_by_itself_is_written_as_venv(make_target: Make) -> None:
    target = make_target({"tool.py": "print('hi')\n", "test_tool.py": "def test_tool():\n    assert True\n"})
    (target / "env" / "bin").mkdir(parents=True)
    (target / "env" / "bin" / "python").write_text("")
    config = init_and_validate(target)
    assert config["venv"] == "env"
    assert config["policy"] == "static"
    assert config["security"] == {"paths": ["."]}


def test_a_repository_with_no_python_service_says_so(make_target: Make) -> None:
    target = make_target({"README.md": "# a web page\n", "index.js": "console.log('hi')\n"})
    done = init(target)
    assert done.exit_code == 2
    assert "no Python service, code or migrations found" in done.output
    assert not (target / "gate.toml").exists()


def test_an_existing_gate_toml_is_kept_unless_forced(make_target: Make) -> None:
    target = make_target({"migrations/001_init.sql": "CREATE TABLE t (id INT);\n", "gate.toml": "# mine\n"})
    done = init(target)
    assert done.exit_code == 2
    assert "already exists" in done.output and "--force" in done.output
    assert (target / "gate.toml").read_text() == "# mine\n"
    assert init(target, "--force").exit_code == 0
    assert "[migrations]" in (target / "gate.toml").read_text()


def test_print_writes_nothing_and_prints_the_toml(make_target: Make) -> None:
    target = make_target({"migrations/001_init.sql": "CREATE TABLE t (id INT);\n"})
    done = init(target, "--print")
    assert done.exit_code == 0
    assert not (target / "gate.toml").exists()
    assert tomllib.loads(done.stdout)["policy"] == "migrations"
    assert "gate init: policy: migrations" in done.stderr
