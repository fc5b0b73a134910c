"""Health, error handling, settings and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import load_settings
from app.main import create_app, get_store
from app.store import BookStore


def test_health_is_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_is_503_when_the_database_is_gone(client: TestClient) -> None:
    client.app.state.store.close()  # type: ignore[attr-defined]
    response = client.get("/health")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Database unavailable"


class BrokenStore:
    def list(self, limit: int, offset: int, author: str | None) -> None:
        raise RuntimeError("secret connection string in the message")


def test_unexpected_errors_are_500_without_details(client: TestClient) -> None:
    app = create_app()
    app.dependency_overrides[get_store] = BrokenStore
    with TestClient(app, raise_server_exceptions=False) as raw_client:
        response = raw_client.get("/books")
    assert response.status_code == 500
    assert response.json() == {"type": "about:blank", "title": "Internal Server Error", "status": 500,
                               "detail": "Internal server error"}
    assert "secret" not in response.text


def test_wrong_method_lists_every_allowed_method(client: TestClient) -> None:
    response = client.request("OPTIONS", "/books")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert client.delete("/books/1").headers["allow"] == "GET"


def test_unknown_path_is_404(client: TestClient) -> None:
    assert client.get("/nowhere").status_code == 404


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKSHELF_DATABASE", "/srv/books.sqlite3")
    monkeypatch.setenv("BOOKSHELF_SEED", "off")
    monkeypatch.setenv("BOOKSHELF_DB_TIMEOUT_S", "2.5")
    settings = load_settings()
    assert (settings.database, settings.seed, settings.db_timeout_s) == ("/srv/books.sqlite3", False, 2.5)
    monkeypatch.delenv("BOOKSHELF_DATABASE")
    monkeypatch.delenv("BOOKSHELF_SEED")
    assert load_settings().database == ":memory:"
    assert load_settings().seed is True


def test_a_database_file_keeps_its_books_and_is_seeded_once(tmp_path: Path) -> None:
    path = str(tmp_path / "books.sqlite3")
    store = BookStore(path, timeout_s=1.0)
    store.seed()
    store.add("Notes", "Anonymous", None, None)
    store.close()
    reopened = BookStore(path, timeout_s=1.0)
    reopened.seed()  # not empty: adds nothing
    rows, total = reopened.list(limit=10, offset=0, author=None)
    reopened.close()
    assert total == 4
    assert rows[-1].title == "Notes"


def test_seeding_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKSHELF_SEED", "0")
    with TestClient(create_app()) as client:
        assert client.get("/books").json()["total"] == 0
        assert client.get("/books/1").status_code == 404


def test_openapi_documents_every_operation(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert {f"{m.upper()} {p}" for p, m, _ in operations} == {
        "GET /health", "GET /books", "GET /books/{book_id}", "POST /books", "POST /token", "GET /me"}
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        assert op["summary"] and op["description"], where
        assert any(code.startswith("2") for code in op["responses"]), where
        assert any(code[0] in "45" for code in op["responses"]), where
        for code, response in op["responses"].items():
            media_type = "application/problem+json" if code[0] in "45" else "application/json"
            assert response["content"][media_type]["schema"], f"{where} {code}"
        for parameter in op.get("parameters", []):
            assert parameter["description"], f"{where} {parameter['name']}"
    book_id = spec["paths"]["/books/{book_id}"]["get"]["parameters"][0]
    assert book_id["examples"]["sample"]["value"] == 1
