"""The books endpoints: listing, paging, reading and adding."""

from __future__ import annotations

from fastapi.testclient import TestClient

NEW_BOOK = {"title": "Refactoring", "author": "Martin Fowler", "isbn": "9780134757599",
            "published_year": 2018}


def test_list_returns_the_sample_books_in_id_order(client: TestClient) -> None:
    response = client.get("/books")
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 3
    assert (page["limit"], page["offset"]) == (20, 0)
    assert [book["id"] for book in page["items"]] == [1, 2, 3]


def test_list_pages_with_limit_and_offset(client: TestClient) -> None:
    page = client.get("/books", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 3
    assert [book["id"] for book in page["items"]] == [2]
    assert client.get("/books", params={"offset": 3}).json()["items"] == []


def test_list_filters_by_author(client: TestClient) -> None:
    page = client.get("/books", params={"author": "Martin Kleppmann"}).json()
    assert page["total"] == 1
    assert page["items"][0]["title"] == "Designing Data-Intensive Applications"
    assert client.get("/books", params={"author": "Nobody"}).json() == {
        "items": [], "total": 0, "limit": 20, "offset": 0}


def test_list_rejects_out_of_range_paging(client: TestClient) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": 10**30}, {"limit": "ten"}):
        response = client.get("/books", params=params)
        assert response.status_code == 422, params
        assert isinstance(response.json()["errors"], list)


def test_get_returns_the_book(client: TestClient) -> None:
    response = client.get("/books/1")
    assert response.status_code == 200
    assert response.json() == {"id": 1, "title": "The Pragmatic Programmer", "author": "Andrew Hunt",
                               "isbn": "9780135957059", "published_year": 2019}


def test_get_unknown_book_is_404_with_a_message(client: TestClient) -> None:
    response = client.get("/books/999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404,
                               "detail": "Book 999 not found"}


def test_get_rejects_ids_that_cannot_exist(client: TestClient) -> None:
    for book_id in ("0", "-5", str(2**63), "abc"):
        assert client.get(f"/books/{book_id}").status_code == 422, book_id
    assert client.get(f"/books/{2**63 - 1}").status_code == 404


def test_add_stores_the_book_and_returns_it(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/books", json=NEW_BOOK, headers=auth)
    assert response.status_code == 201
    assert response.headers["location"] == "/books/4"
    created = response.json()
    assert created == {"id": 4, **NEW_BOOK}
    assert client.get("/books/4").json() == created
    assert client.get("/books").json()["total"] == 4


def test_add_with_only_the_required_fields(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/books", json={"title": "Notes", "author": "Anonymous"}, headers=auth)
    assert response.status_code == 201
    assert response.json()["isbn"] is None
    assert response.json()["published_year"] is None


def test_add_a_duplicate_isbn_is_409(client: TestClient, auth: dict[str, str]) -> None:
    assert client.post("/books", json=NEW_BOOK, headers=auth).status_code == 201
    response = client.post("/books", json={**NEW_BOOK, "title": "Refactoring (2nd printing)"}, headers=auth)
    assert response.status_code == 409
    assert response.json()["detail"] == "A book with this ISBN is already on the shelf"


def test_add_rejects_invalid_books(client: TestClient, auth: dict[str, str]) -> None:
    invalid = [
        {},
        {"title": "", "author": "A"},
        {"title": "x" * 201, "author": "A"},
        {"title": "T", "author": "A", "isbn": "12345"},
        {"title": "T", "author": "A", "published_year": 3000},
        {"title": "T", "author": "A", "price": 10},  # unknown fields are refused, not ignored
        {"title": 5, "author": "A"},
    ]
    for body in invalid:
        assert client.post("/books", json=body, headers=auth).status_code == 422, body


def test_add_rejects_text_that_is_not_valid_unicode(client: TestClient, auth: dict[str, str]) -> None:
    # Lone surrogates are valid JSON but not Unicode text: 422, and the error itself must still be
    # sendable (FastAPI's default handler fails to encode it and answers 500).
    headers = {"content-type": "application/json", **auth}
    response = client.post("/books", content=b'{"title": "\\ud800", "author": "A"}', headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "title"]
    response = client.post("/books", content=b'{"title": "T", "author": "A", "\\ud800": 1}', headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][0] == "body"


def test_validation_errors_do_not_echo_the_request(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/books", json={"title": "x" * 201, "author": "A"}, headers=auth)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "title"]
    assert error["type"] == "string_too_long"
    assert "input" not in error
    assert "x" * 201 not in response.text


def test_add_with_a_body_that_is_not_json(client: TestClient, auth: dict[str, str]) -> None:
    headers = {"content-type": "application/json", **auth}
    assert client.post("/books", content=b"{not json", headers=headers).status_code == 422
    response = client.post("/books", content=b'{"title": "\xff"}', headers=headers)  # not UTF-8
    assert response.status_code == 400
    assert response.json()["detail"] == "There was an error parsing the body"


def test_add_needs_a_token(client: TestClient) -> None:
    response = client.post("/books", json=NEW_BOOK)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["status"] == 401
    assert client.get("/books").json()["total"] == 3
