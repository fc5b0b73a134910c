"""Logging in and the access token: a short-lived HS256 JWT that nothing else can pass for."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from fastapi.testclient import TestClient

from app.config import load_settings
from app.main import create_app
from tests.conftest import KEY, PASSWORD, log_in

BOOK = {"title": "Notes", "author": "Anonymous"}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _add(client: TestClient, token: str) -> int:
    return client.post("/books", json=BOOK, headers={"Authorization": f"Bearer {token}"}).status_code


def test_the_token_is_a_jwt_that_expires(client: TestClient) -> None:
    response = client.post("/token", data={"username": "librarian", "password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("bearer", 900)
    claims = jwt.decode(body["access_token"], KEY, algorithms=["HS256"])
    assert claims["sub"] == "librarian"
    assert claims["exp"] - claims["iat"] == 900
    assert abs(claims["iat"] - time.time()) < 60
    assert _add(client, body["access_token"]) == 201


def test_wrong_passwords_and_unknown_users_are_refused(client: TestClient) -> None:
    for username, password in (("librarian", "wrong"), ("nobody", PASSWORD), ("librarian", "")):
        response = client.post("/token", data={"username": username, "password": password})
        assert response.status_code in (401, 422), (username, password)
        assert response.headers["content-type"] == "application/problem+json"
    assert client.post("/token", data={"username": "nobody", "password": "x"}).headers["www-authenticate"] == "Bearer"


def test_without_a_configured_password_nobody_can_log_in(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOOKSHELF_LIBRARIAN_PASSWORD")
    with TestClient(create_app()) as other:
        assert other.post("/token", data={"username": "librarian", "password": PASSWORD}).status_code == 401


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the weak key is the point
def test_forged_and_expired_tokens_are_refused(client: TestClient) -> None:
    now = int(time.time())
    claims = {"sub": "librarian", "iss": "bookshelf", "iat": now, "exp": now + 600}
    good = jwt.encode(claims, KEY, algorithm="HS256")
    header, payload, signature = good.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    forged = {
        "tampered signature": tampered,
        "alg none": unsigned,
        "weak key": jwt.encode(claims, "secret", algorithm="HS256"),
        "expired": jwt.encode({**claims, "exp": now - 1}, KEY, algorithm="HS256"),
        "no exp": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, KEY, algorithm="HS256"),
        "other issuer": jwt.encode({**claims, "iss": "elsewhere"}, KEY, algorithm="HS256"),
        "unknown user": jwt.encode({**claims, "sub": "mallory"}, KEY, algorithm="HS256"),
        "not a jwt": "not-a-token",
    }
    assert _add(client, good) == 201
    for why, token in forged.items():
        response = client.post("/books", json=BOOK, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, why
        assert response.json()["title"] == "Unauthorized", why


def test_logins_are_rate_limited_per_address(client: TestClient) -> None:
    statuses = [client.post("/token", data={"username": "x", "password": "y"}).status_code for _ in range(7)]
    assert statuses == [401] * 5 + [429] * 2  # five a minute (BOOKSHELF_LOGIN_RATE_LIMIT's default)
    response = client.post("/token", data={})  # malformed attempts count too, before validation
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Too many login attempts"
    assert client.get("/books").status_code == 200  # other operations are not limited


def test_the_signing_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKSHELF_JWT_KEY", "secret")
    with pytest.raises(ValueError, match="at least 32 characters"):
        load_settings()
    monkeypatch.delenv("BOOKSHELF_JWT_KEY")
    first, second = load_settings().jwt_key, load_settings().jwt_key
    assert len(first) >= 32 and first != second  # random per process when not configured


def test_log_in_helper_fails_on_a_wrong_password(client: TestClient) -> None:
    with pytest.raises(AssertionError):
        log_in(client, password="wrong")  # noqa: S106


def test_me_names_the_token_s_user_and_refuses_anyone_else(client: TestClient) -> None:
    token = log_in(client)
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()) == (200, {"user": "librarian"})
    assert response.headers["cache-control"] == "no-store"  # an authenticated answer is never cached
    refused = client.get("/me")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get("/me", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
