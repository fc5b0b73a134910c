"""The Bookshelf HTTP API: list, read and add books; log in to add; a health endpoint for load balancers."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Response, status
from fastapi.middleware.cors import CORSMiddleware

from app import auth, docs, errors
from app.config import Settings, load_settings
from app.hardening import LoginRateLimit, SecurityHeaders
from app.models import MAX_ID, Account, Book, BookPage, Health, NewBook
from app.store import BookRow, BookStore, DuplicateIsbnError

logger = logging.getLogger("bookshelf")

MAX_OFFSET = 1_000_000  # deep paging is what search is for; also keeps SQLite's 64-bit OFFSET safe


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the database (and add the sample books) for the life of the process."""
    settings: Settings = app.state.settings
    store = BookStore(settings.database, settings.db_timeout_s)
    if settings.seed:
        store.seed()
    app.state.store = store
    try:
        yield
    finally:
        store.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application, configured from the environment (`uvicorn --factory app.main:create_app`)."""
    settings = settings or load_settings()
    app = FastAPI(
        title="Bookshelf",
        version="1.0.0",
        description="A small books API: list the shelf page by page, look a book up, log in and add a new one.",
        lifespan=lifespan,
        docs_url=None,  # docs.router serves the pages, with a Content-Security-Policy
        redoc_url=None,
        openapi_tags=[
            {"name": "books", "description": "The books on the shelf."},
            {"name": "auth", "description": "Logging in: the token that adding books needs."},
            {"name": "operations", "description": "Endpoints for load balancers and monitoring."},
        ],
    )
    app.state.settings = settings
    app.state.password_hashes = auth.password_hashes(settings)
    app.state.login_limiter = LoginRateLimit(settings.login_rate_limit)
    errors.install(app)
    app.include_router(router)
    app.include_router(auth.router)
    app.include_router(docs.router)
    app.openapi = lambda: docs.problem_openapi(app)  # type: ignore[method-assign]
    # Only the configured origins may call the API from a browser; no origin is reflected blindly.
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=True,
                       allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(SecurityHeaders)
    return app


router = APIRouter()


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


@router.get(
    "/health",
    tags=["operations"],
    summary="Health check",
    description="Answers `ok` when the service runs and its database responds.",
    response_model=Health,
    response_description="The service is healthy.",
    responses=errors.problems(_503="The database does not respond."),
)
def health(store: StoreDep) -> Health | Response:
    """Health check."""
    try:
        store.ping()
    except sqlite3.Error:
        logger.exception("health check: database error")
        return errors.problem(503, "Database unavailable")
    return Health(status="ok")


@router.get(
    "/me",
    tags=["account"],
    summary="The signed-in user",
    description="Says which user the access token names; needs a token from `POST /token`.",
    response_model=Account,
    response_description="The user the token names.",
    responses=errors.problems(_401="No valid access token."),
)
def me(user: auth.CurrentUser) -> Account:
    """The signed-in user."""
    return Account(user=user)


@router.get(
    "/books",
    tags=["books"],
    summary="List books",
    description="Returns one page of books in id order, optionally only those by one author.",
    response_model=BookPage,
    response_description="One page of books.",
    responses=errors.problems(_422="A query parameter is out of range."),
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


@router.get(
    "/books/{book_id}",
    tags=["books"],
    summary="Get a book",
    description="Returns the book with this id.",
    response_model=Book,
    response_description="The book.",
    responses=errors.problems(_404="No book has this id.", _422="The id cannot be a book's id."),
)
def get_book(store: StoreDep, book_id: BookId) -> Book:
    """Get a book."""
    row = store.get(book_id)
    if row is None:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    return _book(row)


@router.post(
    "/books",
    tags=["books"],
    summary="Add a book",
    description="Adds a book to the shelf and returns it with its new id; needs a token from `POST /token`.",
    response_model=Book,
    response_description="The book as stored, with its new id.",
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {"headers": {"Location": {"description": "The new book's URL.", "schema": {"type": "string"}}}},
        # FastAPI answers 400 (not 422) when the body cannot even be decoded, e.g. bytes that are not UTF-8.
        **errors.problems(_400="The body could not be read as JSON.", _401="No valid access token.",
                   _409="A book with this ISBN is already on the shelf.", _422="The book is invalid."),
    },
)
def add_book(store: StoreDep, book: NewBook, response: Response, user: auth.CurrentUser) -> Book:
    """Add a book."""
    try:
        row = store.add(book.title, book.author, book.isbn, book.published_year)
    except DuplicateIsbnError:
        raise HTTPException(status_code=409, detail="A book with this ISBN is already on the shelf") from None
    logger.info("%s added book %d", user, row.id)
    response.headers["Location"] = f"/books/{row.id}"
    return _book(row)
