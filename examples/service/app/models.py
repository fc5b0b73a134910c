"""Request and response bodies; the constraints here are the API's contract (and its OpenAPI schema)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**63 - 1  # ids are PostgreSQL bigint (and SQLite INTEGER): larger numbers can never exist


class ErrorMessage(BaseModel):
    """An error the client can act on; never internal details."""

    detail: str = Field(description="What went wrong, for a human reader.", examples=["Book 42 not found"])


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
