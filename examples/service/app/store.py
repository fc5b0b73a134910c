"""Book storage in SQLite (standard library sqlite3), parameterised queries only."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass

# The schema the service runs with locally; migrations/*.sql hold the PostgreSQL equivalent.
SCHEMA = """
CREATE TABLE IF NOT EXISTS books (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    isbn TEXT UNIQUE,
    published_year INTEGER
);
CREATE INDEX IF NOT EXISTS books_author_idx ON books (author);
"""

SAMPLE_BOOKS = (
    ("The Pragmatic Programmer", "Andrew Hunt", "9780135957059", 2019),
    ("Designing Data-Intensive Applications", "Martin Kleppmann", "9781449373320", 2017),
    ("Structure and Interpretation of Computer Programs", "Harold Abelson", "9780262510875", 1996),
)

@dataclass(frozen=True)
class BookRow:
    """One stored book."""

    id: int
    title: str
    author: str
    isbn: str | None
    published_year: int | None


class DuplicateIsbnError(Exception):
    """Another book already has this ISBN."""


class BookStore:
    """A single SQLite connection shared by the request threads, serialised by a lock."""

    def __init__(self, database: str, timeout_s: float) -> None:
        # FastAPI runs sync handlers in a thread pool: one connection, used under a lock, is
        # simpler and faster for this tiny service than a connection per request.
        self._conn = sqlite3.connect(database, timeout=timeout_s, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._conn:
            self._conn.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def ping(self) -> None:
        """Raise sqlite3.Error when the database cannot answer."""
        with self._lock:
            self._conn.execute("SELECT 1").fetchone()

    def seed(self) -> None:
        """Add the sample books when the table is empty."""
        with self._lock, self._conn:
            (count,) = self._conn.execute("SELECT COUNT(*) FROM books").fetchone()
            if count == 0:
                self._conn.executemany(
                    "INSERT INTO books (title, author, isbn, published_year) VALUES (?, ?, ?, ?)",
                    SAMPLE_BOOKS,
                )

    def list(self, limit: int, offset: int, author: str | None) -> tuple[list[BookRow], int]:
        """One page of books in id order, and the total number matching the filter."""
        with self._lock:
            if author is None:
                (total,) = self._conn.execute("SELECT COUNT(*) FROM books").fetchone()
                rows = self._conn.execute(
                    "SELECT id, title, author, isbn, published_year FROM books ORDER BY id LIMIT ? OFFSET ?",
                    (limit, offset),
                ).fetchall()
            else:
                (total,) = self._conn.execute(
                    "SELECT COUNT(*) FROM books WHERE author = ?", (author,)
                ).fetchone()
                rows = self._conn.execute(
                    "SELECT id, title, author, isbn, published_year FROM books WHERE author = ?"
                    " ORDER BY id LIMIT ? OFFSET ?",
                    (author, limit, offset),
                ).fetchall()
        return [BookRow(*row) for row in rows], total

    def get(self, book_id: int) -> BookRow | None:
        """The book with this id, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, title, author, isbn, published_year FROM books WHERE id = ?", (book_id,)
            ).fetchone()
        return BookRow(*row) if row is not None else None

    def add(self, title: str, author: str, isbn: str | None, published_year: int | None) -> BookRow:
        """Store a new book and return it with its id."""
        try:
            with self._lock, self._conn:
                cursor = self._conn.execute(
                    "INSERT INTO books (title, author, isbn, published_year) VALUES (?, ?, ?, ?)",
                    (title, author, isbn, published_year),
                )
        except sqlite3.IntegrityError as exc:
            raise DuplicateIsbnError(isbn) from exc
        book_id = cursor.lastrowid
        if book_id is None:  # sqlite3 always sets it after an INSERT; keeps the type checker honest
            raise sqlite3.DatabaseError("INSERT returned no row id")
        return BookRow(book_id, title, author, isbn, published_year)
