"""A fresh app with an in-memory database and the sample books for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.auth import issue_token
from app.main import create_app

PASSWORD = "correct horse battery staple, for the tests only"  # noqa: S105
KEY = "a test signing key that is long enough for HS256 (32+ characters)"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("BOOKSHELF_DATABASE", ":memory:")
    monkeypatch.setenv("BOOKSHELF_LIBRARIAN_PASSWORD", PASSWORD)
    monkeypatch.setenv("BOOKSHELF_JWT_KEY", KEY)
    monkeypatch.setenv("BOOKSHELF_CORS_ORIGINS", "https://shelf.example")
    for name in ("BOOKSHELF_SEED", "BOOKSHELF_TOKEN_TTL_S", "BOOKSHELF_LOGIN_RATE_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    # `with` runs the lifespan handler: the database is opened and seeded, then closed.
    with TestClient(create_app()) as test_client:
        yield test_client


def log_in(client: TestClient, password: str = PASSWORD) -> str:
    """A token for the librarian."""
    response = client.post("/token", data={"username": "librarian", "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    """The librarian's Authorization header (a token issued directly: logging in is tested elsewhere)."""
    token = issue_token(client.app.state.settings, "librarian")  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}
