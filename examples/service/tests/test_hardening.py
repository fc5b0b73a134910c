"""Security headers, CORS, cache control and one error shape, as a client sees them."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi.testclient import TestClient

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def test_every_response_has_the_security_headers(client: TestClient) -> None:
    for response in (client.get("/books"), client.get("/nowhere"), client.get("/openapi.json")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert "x-powered-by" not in response.headers
        assert "cache-control" not in response.headers  # public data may be cached


def test_responses_to_authenticated_requests_are_not_cached(client: TestClient, auth: dict[str, str]) -> None:
    assert client.get("/books", headers=auth).headers["cache-control"] == "no-store"
    response = client.post("/books", json={"title": "T", "author": "A"}, headers=auth)
    assert response.headers["cache-control"] == "no-store"


def test_docs_pages_allow_their_inline_scripts_by_hash(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        for script in re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL):
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp, path
    assert "oauth2RedirectUrl" in client.get("/docs").text


def test_cors_allows_only_the_configured_origins(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    allowed = client.options("/books", headers={"Origin": "https://shelf.example", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://shelf.example"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    foreign = client.options("/books", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in foreign.headers
    simple = client.get("/books", headers={"Origin": "https://evil.example"})
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers


def test_every_error_is_a_problem_document(client: TestClient) -> None:
    mistakes = {
        404: client.get("/nowhere"),
        405: client.delete("/books"),
        422: client.get("/books", params={"limit": 0}),
        400: client.post("/books", content=b'{"title": "\xff"}',
                         headers={"content-type": "application/json", "Authorization": "Bearer x"}),
        401: client.post("/books", json={"title": "T", "author": "A"}),
    }
    for code, response in mistakes.items():
        assert response.status_code == code
        assert response.headers["content-type"] == "application/problem+json", code
        body = response.json()
        assert set(body) >= PROBLEM_KEYS and body["status"] == code, code
        assert "Traceback" not in response.text
