"""Settings from the environment: nothing secret or machine-specific lives in the code."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """How the service stores its data."""

    database: str  # a SQLite file path, or ":memory:" for a throw-away database
    seed: bool  # add the sample books when the database is empty
    db_timeout_s: float  # how long a statement waits for a locked database


def load_settings() -> Settings:
    """Read BOOKSHELF_DATABASE, BOOKSHELF_SEED and BOOKSHELF_DB_TIMEOUT_S."""
    return Settings(
        database=os.environ.get("BOOKSHELF_DATABASE", ":memory:"),
        seed=os.environ.get("BOOKSHELF_SEED", "1").strip().lower() not in ("0", "false", "no", "off"),
        db_timeout_s=float(os.environ.get("BOOKSHELF_DB_TIMEOUT_S", "5")),
    )
