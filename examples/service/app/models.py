"""Request and response bodies; the constraints here are the API's contract (and its OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**63 - 1  # ids are PostgreSQL bigint (and SQLite INTEGER): larger numbers can never exist


class Problem(BaseModel):
    """An error as RFC 9457 problem details (`application/problem+json`); never internal details."""

    type: str = Field(default="about:blank", description="A URI naming the kind of problem; `about:blank`: "
                      "the HTTP status says it all.")
    title: str = Field(description="The HTTP status phrase.", examples=["Not Found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(description="What went wrong, for a human reader.", examples=["Book 42 not found"])


class FieldError(BaseModel):
    """One invalid part of the request."""

    loc: list[str | int] = Field(description="Where: `body`, `query` or `path`, then the field.")
    msg: str = Field(description="What is wrong with it.")
    type: str = Field(description="The kind of error, e.g. `string_too_long`.")
    ctx: dict[str, Any] | None = Field(default=None, description="The constraint that failed, if any.")


class ValidationProblem(Problem):
    """A 422 problem: the request was well-formed but invalid, field by field."""

    errors: list[FieldError] = Field(description="Every invalid field.")


class Token(BaseModel):
    """An OAuth2 bearer token (RFC 6749 section 5.1)."""

    access_token: str = Field(description="A signed JWT to send as `Authorization: Bearer ...`.")
    token_type: Literal["bearer"] = Field(default="bearer", description="Always `bearer`.")
    expires_in: int = Field(description="Seconds until the token expires.", examples=[900])


class Account(BaseModel):
    """The user an access token names."""

    user: str = Field(description="The user name the token was issued to.", examples=["librarian"])


class Health(BaseModel):
    """The service is up and its database answers."""

    status: Literal["ok"] = Field(description="Always `ok` when the service is healthy.")


class NewBook(BaseModel):
    """A book to add to the shelf."""

    # python-re: the same regex semantics as the clients that read the OpenAPI pattern in Python
    # (e.g. a trailing newline before `$`), so the schema and the validation never disagree.
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")

    title: str = Field(min_length=1, max_length=200, examples=["Refactoring"],
                       description="The book's title.")
    author: str = Field(min_length=1, max_length=120, examples=["Martin Fowler"],
                        description="The author's name, as printed on the cover.")
    isbn: str | None = Field(default=None, pattern=r"^(?:97[89][0-9]{10}|[0-9]{9}[0-9X])$",
                             examples=["9780134757599"],
                             description="ISBN-10 or ISBN-13, digits only; unique on the shelf.")
    published_year: int | None = Field(default=None, ge=1450, le=2100, examples=[2018],
                                       description="Year of first publication.")


class Book(BaseModel):
    """A book on the shelf."""

    id: int = Field(description="The book's id.", examples=[1])
    title: str = Field(description="The book's title.")
    author: str = Field(description="The author's name.")
    isbn: str | None = Field(description="ISBN-10 or ISBN-13, if known.")
    published_year: int | None = Field(description="Year of first publication, if known.")


class BookPage(BaseModel):
    """One page of books, in id order."""

    items: list[Book] = Field(description="The books on this page.")
    total: int = Field(description="How many books match, over all pages.")
    limit: int = Field(description="The page size that was asked for.")
    offset: int = Field(description="How many matching books were skipped.")
