"""A fresh in-memory database with the sample books for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import app


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("BOOKSHELF_DATABASE", ":memory:")
    monkeypatch.delenv("BOOKSHELF_SEED", raising=False)
    # `with` runs the lifespan handler: the database is opened and seeded, then closed.
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()
