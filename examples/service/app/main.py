"""The Bookshelf HTTP API: list, read and add books; a health endpoint for load balancers."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse

from app import errors
from app.config import load_settings
from app.models import MAX_ID, Book, BookPage, ErrorMessage, Health, NewBook
from app.store import BookRow, BookStore, DuplicateIsbnError

logger = logging.getLogger("bookshelf")

MAX_OFFSET = 1_000_000  # deep paging is what search is for; also keeps SQLite's 64-bit OFFSET safe


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the database (and add the sample books) for the life of the process."""
    settings = load_settings()
    store = BookStore(settings.database, settings.db_timeout_s)
    if settings.seed:
        store.seed()
    app.state.store = store
    try:
        yield
    finally:
        store.close()


app = FastAPI(
    title="Bookshelf",
    version="1.0.0",
    description="A small books API: list the shelf page by page, look a book up, add a new one.",
    lifespan=lifespan,
    openapi_tags=[
        {"name": "books", "description": "The books on the shelf."},
        {"name": "operations", "description": "Endpoints for load balancers and monitoring."},
    ],
)


errors.install(app)


def get_store(request: Request) -> BookStore:
    """The store opened by the lifespan handler."""
    store: BookStore = request.app.state.store
    return store


StoreDep = Annotated[BookStore, Depends(get_store)]
BookId = Annotated[int, Path(ge=1, le=MAX_ID, description="The book's id.", examples=[1],
                            openapi_examples={"sample": {"summary": "A sample book", "value": 1}})]


def _book(row: BookRow) -> Book:
    return Book(id=row.id, title=row.title, author=row.author, isbn=row.isbn,
                published_year=row.published_year)


@app.get(
    "/health",
    tags=["operations"],
    summary="Health check",
    description="Answers `ok` when the service runs and its database responds.",
    response_model=Health,
    response_description="The service is healthy.",
    responses={503: {"model": ErrorMessage, "description": "The database does not respond."}},
)
def health(store: StoreDep) -> Health | JSONResponse:
    """Health check."""
    try:
        store.ping()
    except sqlite3.Error:
        logger.exception("health check: database error")
        return JSONResponse(status_code=503, content={"detail": "Database unavailable"})
    return Health(status="ok")


@app.get(
    "/books",
    tags=["books"],
    summary="List books",
    description="Returns one page of books in id order, optionally only those by one author.",
    response_model=BookPage,
    response_description="One page of books.",
)
def list_books(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size: how many books to return.")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many matching books to skip.")] = 0,
    author: Annotated[str | None, Query(min_length=1, max_length=120,
                                        description="Only books by this author (exact match).")] = None,
) -> BookPage:
    """List books."""
    rows, total = store.list(limit, offset, author)
    return BookPage(items=[_book(row) for row in rows], total=total, limit=limit, offset=offset)


@app.get(
    "/books/{book_id}",
    tags=["books"],
    summary="Get a book",
    description="Returns the book with this id.",
    response_model=Book,
    response_description="The book.",
    responses={404: {"model": ErrorMessage, "description": "No book has this id."}},
)
def get_book(store: StoreDep, book_id: BookId) -> Book:
    """Get a book."""
    row = store.get(book_id)
    if row is None:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    return _book(row)


@app.post(
    "/books",
    tags=["books"],
    summary="Add a book",
    description="Adds a book to the shelf and returns it with its new id.",
    response_model=Book,
    response_description="The book as stored, with its new id.",
    status_code=status.HTTP_201_CREATED,
    responses={
        # FastAPI answers 400 (not 422) when the body cannot even be decoded, e.g. bytes that are not UTF-8.
        400: {"model": ErrorMessage, "description": "The body could not be read as JSON."},
        409: {"model": ErrorMessage, "description": "A book with this ISBN is already on the shelf."},
    },
)
def add_book(store: StoreDep, book: NewBook) -> Book:
    """Add a book."""
    try:
        row = store.add(book.title, book.author, book.isbn, book.published_year)
    except DuplicateIsbnError:
        raise HTTPException(status_code=409, detail="A book with this ISBN is already on the shelf") from None
    return _book(row)
